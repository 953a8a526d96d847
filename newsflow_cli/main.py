"""The ``newsflow`` command: the stage functions for people and scripts, plus operator tools.

    newsflow clean [--jsonl]           stdin page or text article -> cleaned text
    newsflow enrich [--jsonl]          stdin text -> JSON actors, places, topics (clean runs first)
    newsflow cluster --jsonl           stdin articles in arrival order -> {"id", "story_id"} per line
    newsflow ingest FILE...            post .txt / .html / .jsonl articles to the ingest API
    newsflow search [Q] --actor A ...  query the search API (a table, or --json)
    newsflow dlq list|show|replay      inspect and re-send dead letters
    newsflow aliases add A CANONICAL   correct the alias registry (reapply: fix indexed articles)
    newsflow status                    consumer lag and dead-letter counts per stage

The stage commands call the very functions the services run.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

INGEST_URL = os.environ.get("NEWSFLOW_INGEST_URL", "http://127.0.0.1:8001")
SEARCH_URL = os.environ.get("NEWSFLOW_SEARCH_URL", "http://127.0.0.1:8000")
REPO = Path(__file__).resolve().parents[1]
TOKEN_FILE = Path("var") / "ingest.token"


def _looks_like_html(text: str) -> bool:
    head = text.lstrip()[:1000].lower()
    return head.startswith("<") and ("<html" in head or "<!doctype" in head or "<body" in head or "<p" in head or "<div" in head)


def _raw_from_text(text: str, article_id: str | None = None, url: str | None = None):  # noqa: ANN202
    from services.ingest.logic import ArticleSubmission, ingest, read_text_article

    submission = (ArticleSubmission(html=text, url=url) if _looks_like_html(text)
                  else read_text_article(text, url=url))
    raw = ingest(submission, datetime.now(UTC), origin="cli")
    return raw.model_copy(update={"id": article_id}) if article_id else raw


def _jsonl_inputs() -> Iterator[tuple[str | None, str]]:
    for number, line in enumerate(sys.stdin, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            text = obj.get("html") or obj.get("text")
            if not isinstance(text, str):
                raise ValueError("needs a string 'html' or 'text'")
        except (ValueError, AttributeError) as exc:
            print(json.dumps({"line": number, "error": str(exc)}), flush=True)
            continue
        yield obj.get("id"), text


def cmd_clean(args: argparse.Namespace) -> int:
    from services.clean.logic import clean
    from shared.errors import InvalidArticle

    if not args.jsonl:
        try:
            article = clean(_raw_from_text(sys.stdin.read()))
        except InvalidArticle as exc:
            print(f"error: {exc.reason}", file=sys.stderr)
            return 1
        print(article.title + "\n\n" + article.body)
        return 0
    for article_id, text in _jsonl_inputs():
        try:
            out = clean(_raw_from_text(text, article_id)).model_dump(mode="json")
        except InvalidArticle as exc:
            out = {"id": article_id, "error": exc.reason}
        print(json.dumps(out, ensure_ascii=False), flush=True)
    return 0


def cmd_enrich(args: argparse.Namespace) -> int:
    from services.clean.logic import clean
    from services.enrich.logic import Enricher
    from shared.errors import InvalidArticle

    enricher = Enricher()
    inputs = list(_jsonl_inputs()) if args.jsonl else [(None, sys.stdin.read())]
    cleaned: list[Any] = []
    for article_id, text in inputs:
        try:
            cleaned.append(clean(_raw_from_text(text, article_id)))
        except InvalidArticle as exc:
            cleaned.append({"id": article_id, "error": exc.reason})
    ok = [c for c in cleaned if not isinstance(c, dict)]
    enriched = iter(enricher.enrich_batch(ok)) if ok else iter(())
    for c in cleaned:
        # the whole event, cleaned text included: mention offsets index into title + "\n\n" + body
        out = c if isinstance(c, dict) else next(enriched).model_dump(mode="json")
        print(json.dumps(out, ensure_ascii=False, indent=None if args.jsonl else 2), flush=True)
    return 0 if all(not isinstance(c, dict) for c in cleaned) else 1


def cmd_cluster(args: argparse.Namespace) -> int:
    from newsflow_cli.cluster import cluster_lines

    failed = False
    for out in cluster_lines(sys.stdin):
        failed = failed or "error" in out
        print(json.dumps(out, ensure_ascii=False), flush=True)
    return 1 if failed else 0


def _post(url: str, payload: dict[str, Any], token: str | None) -> tuple[int, dict[str, Any]]:
    import httpx

    headers = {"Authorization": f"Bearer {token}"} if token else {}
    resp = httpx.post(url, json=payload, headers=headers, timeout=30)
    try:
        return resp.status_code, resp.json()
    except ValueError:
        return resp.status_code, {"error": resp.text[:200]}


def ingest_token(cwd: Path | None = None) -> str | None:
    """The bearer token for writes: NEWSFLOW_INGEST_TOKEN, else the file NEWSFLOW_INGEST_TOKEN_FILE
    names, else var/ingest.token (what `make run` writes) here or in the checkout."""
    if token := os.environ.get("NEWSFLOW_INGEST_TOKEN"):
        return token
    named = os.environ.get("NEWSFLOW_INGEST_TOKEN_FILE")
    candidates = [Path(named)] if named else [(cwd or Path.cwd()) / TOKEN_FILE, REPO / TOKEN_FILE]
    for path in candidates:
        if path.is_file():
            return path.read_text(encoding="utf-8").strip() or None
    return None


def _text_payload(text: str, source: str | None) -> dict[str, Any]:
    """A .txt file: title on the first line and body after, or all body when it is one line."""
    lines = text.lstrip("\ufeff").strip().split("\n", 1)
    if len(lines) == 1 or not lines[1].strip():
        return {"body": lines[0].strip(), "source": source}
    return {"title": lines[0].strip(), "body": lines[1], "source": source}


def cmd_ingest(args: argparse.Namespace) -> int:
    token = ingest_token()
    failures = 0
    for name in args.files:
        path = Path(name)
        text = path.read_text(encoding="utf-8", errors="replace")
        if path.suffix == ".jsonl":
            payloads = [json.loads(line) for line in text.splitlines() if line.strip()]
        elif path.suffix in (".html", ".htm"):
            payloads = [{"html": text, "source": args.source}]
        else:
            payloads = [_text_payload(text, args.source)]
        for payload in payloads:
            if args.source and not payload.get("source"):
                payload["source"] = args.source
            payload = {k: v for k, v in payload.items() if v is not None}
            status, body = _post(f"{args.url}/articles", payload, token)
            if status == 202:
                print(f"accepted {body['id']}  {path.name}")
            else:
                failures += 1
                print(f"rejected ({status}) {path.name}: {body.get('error')}", file=sys.stderr)
    return 1 if failures else 0


def cmd_search(args: argparse.Namespace) -> int:
    import httpx

    params: list[tuple[str, str | int]] = [("size", args.size), ("page", args.page), ("sort", args.sort)]
    if args.q:
        params.append(("q", " ".join(args.q)))
    params += [("actor", a) for a in args.actor] + [("place", p) for p in args.place]
    params += [("topic", t) for t in args.topic]
    for key in ("language", "source", "near", "within"):
        if getattr(args, key):
            params.append((key, getattr(args, key)))
    if args.date_from:
        params.append(("from", args.date_from))
    if args.date_to:
        params.append(("to", args.date_to))
    resp = httpx.get(f"{args.url}/search", params=params, timeout=30)
    data = resp.json()
    if resp.status_code != 200:
        print(f"error ({resp.status_code}): {data.get('error', data)}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return 0
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{data['total']} articles", show_lines=False)
    for column in ("published", "title", "actors", "places", "topics"):
        table.add_column(column, overflow="fold")
    for hit in data["hits"]:
        table.add_row((hit.get("published_at") or "")[:10], hit.get("title") or "",
                      ", ".join(hit["actors"][:4]), ", ".join(hit["places"][:4]), ", ".join(hit["topics"][:3]))
    Console().print(table)
    return 0


def cmd_dlq(args: argparse.Namespace) -> int:
    from newsflow_cli import dlq

    return dlq.run(args)


def cmd_aliases(args: argparse.Namespace) -> int:
    from newsflow_cli import aliases

    return aliases.run(args)


def cmd_status(args: argparse.Namespace) -> int:
    from newsflow_cli import ops

    return ops.status()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="newsflow", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("clean", help="clean an HTML page or text article from stdin")
    p.add_argument("--jsonl", action="store_true", help='one {"id", "html" or "text"} per line')
    p.set_defaults(func=cmd_clean)

    p = sub.add_parser("enrich", help="actors, places and topics of a text from stdin, as JSON")
    p.add_argument("--jsonl", action="store_true", help='one {"id", "html" or "text"} per line')
    p.set_defaults(func=cmd_enrich)

    p = sub.add_parser("cluster", help="story ids of articles from stdin, in arrival order (state starts empty)")
    p.add_argument("--jsonl", action="store_true", required=True,
                   help='one {"id", "title", "text", "published_at", "source", "language"} per line')
    p.set_defaults(func=cmd_cluster)

    p = sub.add_parser("ingest", help="post article files to the ingest API")
    p.add_argument("files", nargs="+")
    p.add_argument("--source", default=None)
    p.add_argument("--url", default=INGEST_URL)
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("search", help="search the index")
    p.add_argument("q", nargs="*")
    p.add_argument("--actor", action="append", default=[])
    p.add_argument("--place", action="append", default=[])
    p.add_argument("--topic", action="append", default=[])
    p.add_argument("--language")
    p.add_argument("--source")
    p.add_argument("--near")
    p.add_argument("--within")
    p.add_argument("--from", dest="date_from")
    p.add_argument("--to", dest="date_to")
    p.add_argument("--sort", default="relevance", choices=["relevance", "date"])
    p.add_argument("--page", type=int, default=1)
    p.add_argument("--size", type=int, default=10)
    p.add_argument("--json", action="store_true")
    p.add_argument("--url", default=SEARCH_URL)
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("dlq", help="dead letters: list, show, replay")
    p.add_argument("action", choices=["list", "show", "replay"])
    p.add_argument("offsets", nargs="*", type=int, help="dead-letter offsets (show/replay); none: all")
    p.add_argument("--stage", help="only this stage's dead letters")
    p.add_argument("--limit", type=int, default=50)
    p.set_defaults(func=cmd_dlq)

    p = sub.add_parser("aliases", help="correct the alias registry: add, remove, list, reapply")
    p.add_argument("action", choices=["add", "remove", "list", "reapply"])
    p.add_argument("names", nargs="*", help="add: ALIAS CANONICAL; remove: ALIAS...; list: filter words")
    p.add_argument("--type", choices=["person", "organisation", "place"], default=None)
    p.set_defaults(func=cmd_aliases)

    p = sub.add_parser("status", help="consumer lag and dead letters per stage")
    p.set_defaults(func=cmd_status)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    sys.exit(args.func(args))


if __name__ == "__main__":
    main()

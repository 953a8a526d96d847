"""The benchmark corpus: TRUE texts and HTML of real pages, cycled to N articles with unique ids/URLs.

Source: ``tests/data/extraction-dev`` (``ground-truth.json``: id -> {articleBody, url};
``html/<id>.html.gz``). ``/work/shared/datasets/extraction-dev`` is used only as a fallback and
the result records which one was used.
"""

from __future__ import annotations

import gzip
import html as htmllib
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from shared.ids import content_hash
from shared.models import CleanArticle, EnrichedArticle, RawArticle, StoriedArticle, StorySummary

REPO = Path(__file__).resolve().parents[1]
PRIMARY = REPO / "tests" / "data" / "extraction-dev"
FALLBACK = Path("/work/shared/datasets/extraction-dev")


@dataclass(frozen=True)
class Page:
    key: str
    url: str
    title: str
    body: str  # the true article text
    html: str


@dataclass
class Corpus:
    source: str
    pages: list[Page]
    n: int
    tag: str
    raw: list[RawArticle] = field(default_factory=list)
    clean: list[CleanArticle] = field(default_factory=list)
    enriched: list[EnrichedArticle] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def page(self, i: int) -> Page:
        return self.pages[i % len(self.pages)]

    def url(self, i: int, run: str | None = None) -> str:
        # a query parameter (not a fragment: canonical URLs drop fragments, ids must stay unique)
        parts = urlsplit(self.page(i).url)
        query = f"{parts.query}&" if parts.query else ""
        return urlunsplit((parts.scheme, parts.netloc, parts.path, f"{query}nfbench={run or self.tag}-{i}", ""))

    def texts(self) -> list[str]:
        """What enrich analyses: title + "\\n\\n" + body (see services.enrich.logic.article_text)."""
        return [f"{a.title}\n\n{a.body}" for a in self.clean]

    def submission(self, i: int, run: str) -> dict[str, Any]:
        """A POST /articles body: the real page's HTML under a unique URL."""
        return {"url": self.url(i, run), "html": self.page(i).html, "source": "bench"}


_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_OG_TITLE = re.compile(r"<meta[^>]+property=[\"']og:title[\"'][^>]+content=[\"']([^\"']+)", re.IGNORECASE)


def _title(html: str, body: str) -> str:
    for pattern in (_OG_TITLE, _TITLE):
        m = pattern.search(html)
        if m:
            t = " ".join(htmllib.unescape(m.group(1)).split())
            if t:
                return t[:300]
    return body.strip().split("\n")[0][:120]


def load_pages() -> tuple[str, list[Page]]:
    root = PRIMARY if (PRIMARY / "ground-truth.json").exists() else FALLBACK
    truth = json.loads((root / "ground-truth.json").read_text("utf-8"))
    pages = []
    for key in sorted(truth):
        path = root / "html" / f"{key}.html.gz"
        body = (truth[key].get("articleBody") or "").strip()
        if not path.exists() or not body:
            continue
        html = gzip.decompress(path.read_bytes()).decode("utf-8", "replace")
        pages.append(Page(key, truth[key]["url"], _title(html, body), body, html))
    if not pages:
        raise SystemExit(f"no pages with text and HTML under {root}")
    return str(root), pages


def build(n: int, tag: str, need_enriched: bool, enricher: Any = None) -> Corpus:
    """Raw (HTML) and clean (true text) events for N articles; enriched ones if asked."""
    source, pages = load_pages()
    corpus = Corpus(source, pages, n, tag)
    if source != str(PRIMARY):
        corpus.notes.append(f"repo test data missing; used fallback {source}")
    now = datetime.now(UTC)
    # one clean article per unique page, from its true text; copies get unique ids and URLs
    try:
        from services.clean.logic import clean
    except ImportError:  # being written elsewhere: build the event directly
        clean = None
        corpus.notes.append("services.clean.logic not importable: clean events built directly")
    base: list[CleanArticle] = []
    for p in pages:
        ca = None
        if clean is not None:
            try:
                ca = clean(RawArticle(id="base", url=p.url, title=p.title, body=p.body, received_at=now))
            except Exception as exc:  # noqa: BLE001 - fall back, and say so
                corpus.notes.append(f"clean() failed on {p.key}: {type(exc).__name__}: {exc}")
        if ca is None:
            ca = CleanArticle(id="base", url=p.url, title=p.title, body=p.body, language="en",
                              content_hash=content_hash(p.title, p.body), received_at=now)
        base.append(ca)
    for i in range(n):
        page, aid, url = pages[i % len(pages)], f"bench-{tag}-{i}", corpus.url(i)
        corpus.raw.append(RawArticle(id=aid, url=url, html=page.html, source="bench", origin="http",
                                     received_at=now))
        corpus.clean.append(base[i % len(pages)].model_copy(update={"id": aid, "url": url}))
    if need_enriched:
        done = enricher.enrich_batch(base)
        corpus.enriched = [done[i % len(pages)].model_copy(update={"article": corpus.clean[i]})
                           for i in range(n)]
    return corpus


def storied(enriched: list[EnrichedArticle], per_story: int = 5) -> list[StoriedArticle]:
    """The articles as the stories stage passes them to index: in stories of ``per_story``
    consecutive articles, each carrying its story's summary as of its joining (revision k + 1),
    so a batch holds several revisions of most stories (the index writes the highest)."""
    out: list[StoriedArticle] = []
    for j, e in enumerate(enriched):
        first = enriched[j - j % per_story]
        revision = j % per_story + 1
        summary = StorySummary(
            id=f"story-{first.article.id}", revision=revision, title=first.article.title,
            first_seen=first.article.received_at, last_seen=e.article.received_at, article_count=revision,
            sources=sorted({x.article.source or "bench" for x in enriched[j - j % per_story:j + 1]}),
            languages=sorted({x.article.language or "en" for x in enriched[j - j % per_story:j + 1]}),
            actors=[a.name for a in first.actors[:10]], places=[p.name for p in first.places[:10]],
            topics=[t.label for t in first.topics[:5]], recent_count=revision)
        out.append(StoriedArticle(**{k: getattr(e, k) for k in EnrichedArticle.model_fields}, story=summary))
    return out

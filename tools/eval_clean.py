#!/usr/bin/env python3
"""Score main-text extraction on tests/data/extraction-dev/ with the benchmark's metric.

The metric follows scrapinghub/article-extraction-benchmark ``evaluate.py`` exactly: per page,
``\\w+`` tokens (case kept), 4-word shingles counted as multisets, TP/FP/FN normalised by
their sum; precision is averaged over pages with TP+FP > 0 (so an empty output is left out
of precision and counts against recall only), recall over pages with TP+FN > 0, and F1 is the
harmonic mean of the two averages.

``ours`` is the whole clean stage (:func:`services.clean.logic.clean` on a RawArticle carrying
the page HTML and URL, taking ``body``); ``trafilatura`` is ``trafilatura.extract`` with its
default settings. Pages are split into two halves by sorted id (even positions: "dev", odd:
"check") to keep an eye on overfitting.

    python tools/eval_clean.py [--extractor ours|trafilatura|both|...] [--split all|dev|check|each] [--per-page]

``--split`` (alias ``--pages``) picks the half; ``each`` (default) prints dev, check and all.
``--per-page`` prints P/R/F1 and output length per page; the summary line reports seconds per
page. ``trafilatura-precision`` / ``trafilatura-recall`` are the two trafilatura modes, for
failure analysis only.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT / "tests" / "data" / "extraction-dev"

_TOKEN_RE = re.compile(r"\w+", re.UNICODE | re.MULTILINE | re.IGNORECASE | re.DOTALL)
TpFpFn = tuple[float, float, float]


def _ngrams(text: str, n: int = 4) -> Counter[tuple[str, ...]]:
    tokens = _TOKEN_RE.findall(text or "")
    return Counter(tuple(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1)) if tokens[i : i + n])


def shingle_matching(true: str, pred: str) -> TpFpFn:
    t, p = _ngrams(true), _ngrams(pred)
    tp = float(sum((t & p).values()))
    fp = float(sum((p - t).values()))
    fn = float(sum((t - p).values()))
    s = tp + fp + fn
    return (tp / s, fp / s, fn / s) if s > 0 else (tp, fp, fn)


def _precision(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    if tp == fp == 0:
        return 0.0
    return tp / (tp + fp)


def _recall(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    if tp == fn == 0:
        return 0.0
    return tp / (tp + fn)


def metrics(rows: Iterable[TpFpFn]) -> dict[str, float]:
    rows = list(rows)
    precision = statistics.mean([_precision(*r) for r in rows if r[0] + r[1] > 0] or [0.0])
    recall = statistics.mean([_recall(*r) for r in rows if r[0] + r[2] > 0] or [0.0])
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def load() -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    truth = json.loads((DATA / "ground-truth.json").read_text(encoding="utf-8"))
    pages = {}
    for key in truth:
        raw = gzip.decompress((DATA / "html" / f"{key}.html.gz").read_bytes())
        pages[key] = raw.decode("utf-8", errors="replace")
    return truth, pages


def split(keys: Iterable[str], which: str) -> list[str]:
    ordered = sorted(keys)
    return {"all": ordered, "dev": ordered[0::2], "check": ordered[1::2]}[which]


def extractor(name: str) -> Callable[[str, str], str]:
    if name == "trafilatura":
        import logging

        import trafilatura

        logging.getLogger("trafilatura").setLevel(logging.ERROR)
        return lambda html, url: trafilatura.extract(html, url=url) or ""
    if name.startswith("trafilatura-"):
        import logging

        import trafilatura

        logging.getLogger("trafilatura").setLevel(logging.ERROR)
        mode = {"favor_precision": name.endswith("precision"), "favor_recall": name.endswith("recall")}
        return lambda html, url: trafilatura.extract(html, url=url, include_comments=False, **mode) or ""

    from services.clean.logic import clean
    from shared.errors import InvalidArticle
    from shared.models import RawArticle

    def ours(html: str, url: str) -> str:
        raw = RawArticle(id="eval", url=url, html=html, received_at=datetime(2020, 1, 1, tzinfo=UTC))
        try:
            return clean(raw).body
        except InvalidArticle:
            return ""

    return ours


def evaluate(name: str, keys: list[str], truth: dict[str, dict[str, str]], pages: dict[str, str], per_page: bool = False) -> dict[str, float]:
    fn = extractor(name)
    rows, empties, seconds = [], 0, 0.0
    for key in keys:
        start = time.perf_counter()
        out = fn(pages[key], truth[key].get("url", ""))
        seconds += time.perf_counter() - start
        empties += not out.strip()
        row = shingle_matching(truth[key].get("articleBody", ""), out)
        rows.append(row)
        if per_page:
            p, r = _precision(*row), _recall(*row)
            f1 = 2 * p * r / (p + r) if p + r else 0.0
            print(
                f"  {name:<12} {key[:10]} P={p:.3f} R={r:.3f} F1={f1:.3f} chars={len(out):>6}"
                f"  {truth[key].get('url', '')[:70]}"
            )
    result = metrics(rows)
    result["empty"] = empties
    result["pages"] = len(keys)
    result["sec_per_page"] = seconds / max(1, len(keys))
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--extractor", choices=["ours", "trafilatura", "both", "trafilatura-precision", "trafilatura-recall"], default="both"
    )
    parser.add_argument("--split", "--pages", dest="pages", choices=["all", "dev", "check", "each"], default="each")
    parser.add_argument("--per-page", action="store_true")
    args = parser.parse_args(argv)
    truth, pages = load()
    names = ["ours", "trafilatura"] if args.extractor == "both" else [args.extractor]
    halves = ["dev", "check", "all"] if args.pages == "each" else [args.pages]
    print(f"{'extractor':<12} {'pages':<6} {'n':>3} {'precision':>9} {'recall':>7} {'F1':>6} {'empty':>5} {'s/page':>7}")
    for half in halves:
        keys = split(truth, half)
        for name in names:
            r = evaluate(name, keys, truth, pages, args.per_page)
            print(f"{name:<12} {half:<6} {r['pages']:>3} {r['precision']:>9.4f} {r['recall']:>7.4f} {r['f1']:>6.4f} {r['empty']:>5} {r['sec_per_page']:>7.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

#!/usr/bin/env python3
"""Precision/recall of near-duplicate detection per threshold on tests/data/duplicates/pairs.jsonl.

For each pair, the MinHash Jaccard estimate of ``title + body`` (as the clean stage feeds the
detector) is computed once; a pair is predicted duplicate when it reaches the threshold. Then
the real :class:`services.clean.dedup.DuplicateDetector` (LSH included) is run at the chosen
threshold to confirm the end-to-end numbers. The chosen threshold is precision-first: the first grid value at least MARGIN above the
highest-scoring non-duplicate pair (a false merge hides a story; a miss only shows it twice).

    python tools/eval_dedup.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from services.clean.dedup import DEFAULT_THRESHOLD, DuplicateDetector, minhash_of  # noqa: E402
from shared.ids import content_hash  # noqa: E402

MARGIN = 0.05
PAIRS = ROOT / "tests" / "data" / "duplicates" / "pairs.jsonl"


def doc(side: dict[str, str]) -> str:
    return f"{side['title']}\n\n{side['text']}"


def prf(pred: list[bool], gold: list[int]) -> tuple[float, float, float]:
    tp = sum(p and g for p, g in zip(pred, gold))
    fp = sum(p and not g for p, g in zip(pred, gold))
    fn = sum((not p) and g for p, g in zip(pred, gold))
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def main() -> int:
    pairs = [json.loads(line) for line in PAIRS.read_text(encoding="utf-8").splitlines() if line.strip()]
    gold = [p["label"] for p in pairs]
    scores = [float(minhash_of(doc(p["a"])).jaccard(minhash_of(doc(p["b"])))) for p in pairs]
    print(f"{len(pairs)} pairs, {sum(gold)} duplicates")
    by_kind: dict[str, list[float]] = {}
    for p, s in zip(pairs, scores):
        by_kind.setdefault(p["kind"].split(":")[0], []).append(s)
    for kind, values in sorted(by_kind.items()):
        print(f"  {kind:<18} jaccard min={min(values):.3f} max={max(values):.3f}")
    print(f"{'threshold':>9} {'precision':>9} {'recall':>7} {'F1':>6}")
    table = []
    for t in [x / 20 for x in range(2, 20)]:
        p, r, f = prf([s >= t for s in scores], gold)
        print(f"{t:>9.2f} {p:>9.3f} {r:>7.3f} {f:>6.3f}")
        table.append((t, f))
    top_f1, top_t = max((f, t) for t, f in table)
    worst_negative = max(s for s, g in zip(scores, gold) if not g)
    # A false merge hides a real story, a missed duplicate only shows it twice: take the first
    # grid threshold at least MARGIN above every non-duplicate pair.
    chosen = min(t for t, _ in table if t >= worst_negative + MARGIN)
    p, r, f = prf([s >= chosen for s in scores], gold)
    print(f"best F1 {top_f1:.3f} at {top_t:.2f}; highest non-duplicate score {worst_negative:.3f}; "
          f"chosen {chosen:.2f} (P={p:.3f} R={r:.3f} F1={f:.3f}); DEFAULT_THRESHOLD in dedup.py: {DEFAULT_THRESHOLD}")

    pred = []
    for i, p in enumerate(pairs):
        det = DuplicateDetector(threshold=DEFAULT_THRESHOLD)
        det.check_and_add(f"a{i}", None, content_hash(p["a"]["title"], p["a"]["text"]), doc(p["a"]))
        pred.append(det.check_and_add(f"b{i}", None, content_hash(p["b"]["title"], p["b"]["text"]), doc(p["b"])) == f"a{i}")
    p, r, f = prf(pred, gold)
    print(f"DuplicateDetector (LSH) at {DEFAULT_THRESHOLD}: precision={p:.3f} recall={r:.3f} F1={f:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

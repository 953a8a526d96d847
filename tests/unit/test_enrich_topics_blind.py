"""The blind section-filed English set (tests/data/topics-sections-blind-en.jsonl): its shape, and
floors under the figures measured on it (tests/data/topics-README.md).

The set was written before the lexicon was read, so it is the one of our sets whose vocabulary
is not the lexicon's; its held-out split is never tuned on. The floors sit under the measured
figures (classifier on the tool's tokens, no entities: dev 0.920, held-out 0.936; keyword count
0.880 / 0.920), so a lexicon or classifier change that loses articles on unseen text fails here.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from services.enrich.topics import TopicClassifier

ROOT = Path(__file__).resolve().parents[2]
BLIND = ROOT / "tests" / "data" / "topics-sections-blind-en.jsonl"
LABELS = {"business": "medtop:04000000", "entertainment": "medtop:01000000", "politics": "medtop:11000000",
          "sport": "medtop:15000000", "tech": "medtop:13000000"}


def _rows() -> list[dict[str, str]]:
    return [json.loads(line) for line in BLIND.read_text("utf-8").splitlines() if line.strip()]


def test_blind_set_shape() -> None:
    rows = _rows()
    assert len(rows) == 200 and len({r["id"] for r in rows}) == 200
    assert Counter((r["section"], r["split"]) for r in rows) == {
        (s, sp): n for s in LABELS for sp, n in (("dev", 15), ("heldout", 25))}
    for r in rows:
        assert r["label"] == LABELS[r["section"]] and r["language"] == "en"
        assert r["title"].strip() and len(r["body"].split("\n\n")) >= 4 and len(r["body"].split()) >= 150


def test_blind_set_floors() -> None:
    from tools.eval_topics import keyword_count, primary, tokens

    tc = TopicClassifier()
    rows = _rows()
    for split, lexicon_floor, count_floor in (("dev", 0.90, 0.86), ("heldout", 0.92, 0.90)):
        part = [r for r in rows if r["split"] == split]
        toks = [tokens(r["title"], r["body"]) for r in part]
        lexicon = sum(primary(tc, w, "en") == r["label"] for w, r in zip(toks, part)) / len(part)
        count = sum(keyword_count(tc, w, "en") == r["label"] for w, r in zip(toks, part)) / len(part)
        assert lexicon >= lexicon_floor, (split, lexicon)
        assert count >= count_floor, (split, count)

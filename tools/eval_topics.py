"""Evaluate topic classification (primary IPTC top level) and English organisation typing.

    python tools/eval_topics.py                    # dev half: accuracy per language, English recall per section
    python tools/eval_topics.py --split heldout    # the held-out half (report only; never tune on it)
    python tools/eval_topics.py --split all --errors
    python tools/eval_topics.py --entities         # through the whole enrich stage (its tokens and entities)
    python tools/eval_topics.py --orgs             # organisation F1 on tests/data/topics-orgs-ner.jsonl
    python tools/eval_topics.py --orgs --orgs-file tests/data/topics-orgs-ner-heldout.jsonl

Topic items (``tests/data/topics-eval.jsonl``, written for newsflow, MIT): ``title``, ``body``,
``language``, ``section``, ``label`` (IPTC top level) and ``split`` (dev | heldout). An item is
right when the classifier's first top-level topic is its label. The baseline is a plain keyword
count: every lexicon term of the item's language counts 1 for its top level, the most hits wins
(no weights, no title, no entities, no phrases consuming their words).

Organisation items (``tests/data/topics-orgs-ner.jsonl``, the set the rules were written with;
``topics-orgs-ner-heldout.jsonl``, written afterwards and only measured): ``text`` and ``entities``
([surface, type]). A predicted mention counts when its surface and type match a gold one
(micro-F1 per type, mention level), measured with and without :mod:`services.enrich.orgs`.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from services.enrich.topics import TopicClassifier  # noqa: E402

TOPICS = ROOT / "tests" / "data" / "topics-eval.jsonl"
ORGS = ROOT / "tests" / "data" / "topics-orgs-ner.jsonl"
_TOKEN = re.compile(r"\w+(?:[-']\w+)*|[^\w\s]", re.UNICODE)


def tokens(title: str, body: str) -> list[str]:
    """Lower-cased tokens with the paragraph break the enrich stage's text has after the title."""
    return [t.lower() for t in _TOKEN.findall(title)] + ["\n\n"] + [t.lower() for t in _TOKEN.findall(body)]


def keyword_count(tc: TopicClassifier, words: list[str], language: str) -> str | None:
    hits: Counter[str] = Counter()
    lex = tc.lexicon(language)
    for w in words:
        for code, _weight, _term in lex.word_matches(w):
            hits[tc.top_level(code)] += 1
    if not hits:
        return None
    return sorted(hits.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]


def primary(tc: TopicClassifier, words: list[str], language: str) -> str | None:
    topics = tc.classify(words, language=language)
    return next((t.id for t in topics if t.parent is None), None)


def pipeline_primary(rows: list[dict[str, Any]]) -> dict[str, str | None]:
    """The first top-level topic the whole enrich stage gives (its tokens, entities, language)."""
    from services.enrich.logic import Enricher

    enricher = Enricher()
    analysed = enricher.analyse_texts([f"{r['title']}\n\n{r['body']}" for r in rows], [r["language"] for r in rows])
    return {r["id"]: next((t.id for t in res[2] if t.parent is None), None) for r, res in zip(rows, analysed)}


def evaluate_topics(split: str, show_errors: bool, with_entities: bool) -> None:
    rows = [json.loads(line) for line in TOPICS.read_text("utf-8").splitlines() if line.strip()]
    if split != "all":
        rows = [r for r in rows if r["split"] == split]
    tc = TopicClassifier()
    through_stage = pipeline_primary(rows) if with_entities else {}
    right: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # language -> [ours, baseline, n]
    section: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for r in rows:
        words = tokens(r["title"], r["body"])
        got = through_stage[r["id"]] if with_entities else primary(tc, words, r["language"])
        base = keyword_count(tc, words, r["language"])
        cell = right[r["language"]]
        cell[0] += got == r["label"]
        cell[1] += base == r["label"]
        cell[2] += 1
        if r["language"] == "en":
            section[r["section"]][0] += got == r["label"]
            section[r["section"]][1] += 1
        if show_errors and got != r["label"]:
            label = tc.nodes[got].label if got else None
            print(f"  {r['id']} [{r['split']}] want {tc.nodes[r['label']].label!r} got {label!r}: {r['title']}")
    print(f"split={split} entities={'yes' if with_entities else 'no'}")
    print(f"{'language':<10}{'n':>5}{'newsflow':>10}{'keyword-count':>15}")
    total = [0, 0, 0]
    for lang in sorted(right, key=lambda k: (k != "en", k)):
        ours, base, n = right[lang]
        total = [total[0] + ours, total[1] + base, total[2] + n]
        print(f"{lang:<10}{n:>5}{ours / n:>10.3f}{base / n:>15.3f}")
    print(f"{'all':<10}{total[2]:>5}{total[0] / total[2]:>10.3f}{total[1] / total[2]:>15.3f}")
    print("English recall per section:", ", ".join(f"{s} {ok / n:.2f} ({n})" for s, (ok, n) in sorted(section.items())))


def _mentions(enricher: Any, texts: list[str]) -> list[Counter[tuple[str, str]]]:
    out = []
    for actors, places, _topics, _kws in enricher.analyse_texts(texts, ["en"] * len(texts)):
        found: Counter[tuple[str, str]] = Counter()
        for actor in actors:
            found.update((m.text, actor.type) for m in actor.mentions)
        for p in places:
            found.update((m.text, "place") for m in p.mentions)
        out.append(found)
    return out


def _f1(gold: list[Counter[tuple[str, str]]], pred: list[Counter[tuple[str, str]]], kind: str | None) -> str:
    tp = fp = fn = 0
    for g, p in zip(gold, pred):
        g = Counter({k: v for k, v in g.items() if kind is None or k[1] == kind})
        p = Counter({k: v for k, v in p.items() if kind is None or k[1] == kind})
        tp += sum((g & p).values())
        fp += sum((p - g).values())
        fn += sum((g - p).values())
    prec = tp / (tp + fp) if tp + fp else 0.0
    rec = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return f"P {prec:.3f} R {rec:.3f} F1 {f:.3f}"


def evaluate_orgs(path: Path, show_errors: bool) -> None:
    """Mention-level (surface, type) F1 with the context pass, and with it switched off."""
    import services.enrich.english as english
    from services.enrich.logic import Enricher

    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    texts = [r["text"] for r in rows]
    gold = [Counter((s, t) for s, t in r["entities"]) for r in rows]
    enricher = Enricher()
    after = _mentions(enricher, texts)
    real = english.type_organisations
    english.type_organisations = lambda tokens, cands: (list(cands), frozenset())  # type: ignore[assignment]
    try:
        before = _mentions(enricher, texts)
    finally:
        english.type_organisations = real
    print(f"{len(rows)} sentences, {sum(sum(g.values()) for g in gold)} gold mentions")
    for kind in ("organisation", "person", "place", None):
        print(f"{kind or 'all':<13} before {_f1(gold, before, kind)}   after {_f1(gold, after, kind)}")
    if show_errors:
        for text, g, p in zip(texts, gold, after):
            if g != p:
                print(f"  {text}\n    missed {sorted(g - p)} extra {sorted(p - g)}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--split", choices=("dev", "heldout", "all"), default="dev")
    ap.add_argument("--errors", action="store_true")
    ap.add_argument("--entities", action="store_true")
    ap.add_argument("--orgs", action="store_true")
    ap.add_argument("--orgs-file", type=Path, default=ORGS, help="NER set (default: the one the rules were written with)")
    args = ap.parse_args()
    if args.orgs:
        evaluate_orgs(args.orgs_file, args.errors)
        return
    evaluate_topics(args.split, args.errors, args.entities)


if __name__ == "__main__":
    main()

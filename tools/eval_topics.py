"""Evaluate topic classification (primary IPTC top level) and English organisation typing.

    python tools/eval_topics.py                    # dev half: accuracy per language, English recall per section
    python tools/eval_topics.py --split heldout    # the held-out half (report only; never tune on it)
    python tools/eval_topics.py --split all --errors
    python tools/eval_topics.py --entities         # through the whole enrich stage (its tokens and entities)
    python tools/eval_topics.py --sections --split heldout --entities
                                                   # the section-filed English articles (topics-sections-en.jsonl)
    python tools/eval_topics.py --sections-file tests/data/topics-sections-blind-en.jsonl --split heldout --entities
                                                   # the set written before the lexicon was read
    python tools/eval_topics.py --orgs             # organisation F1 on tests/data/topics-orgs-ner.jsonl
    python tools/eval_topics.py --orgs --orgs-file tests/data/topics-orgs-ner-heldout.jsonl
    python tools/eval_topics.py --orgs --orgs-file tests/data/ner-newswire-en.jsonl --split dev

Topic items (``tests/data/topics-eval.jsonl``, written for newsflow, MIT): ``title``, ``body``,
``language``, ``section``, ``label`` (IPTC top level) and ``split`` (dev | heldout). An item is
right when the classifier's first top-level topic is its label. ``--sections`` reads
``tests/data/topics-sections-en.jsonl`` instead: 260 English articles of three or four paragraphs,
filed under five editor sections (52 each), split train (the topic model learns on it) / dev
(checks while developing) / heldout (report only). Three methods are compared: "newsflow" (the
weighted lexicon the stage uses), "model" (the lexicon with the opt-in English topic model of
:mod:`services.enrich.topics_model`, ``TopicClassifier(model=True)``) and the baseline, a plain keyword
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
SECTIONS = ROOT / "tests" / "data" / "topics-sections-en.jsonl"
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


def pipeline_primary(rows: list[dict[str, Any]], tc: TopicClassifier) -> dict[str, str | None]:
    """The first top-level topic the whole enrich stage gives (its tokens, entities, language)."""
    from services.enrich.logic import Enricher

    enricher = Enricher(topics=tc)
    analysed = enricher.analyse_texts([f"{r['title']}\n\n{r['body']}" for r in rows], [r["language"] for r in rows])
    return {r["id"]: next((t.id for t in res[2] if t.parent is None), None) for r, res in zip(rows, analysed)}


def _timed(rows: list[dict[str, Any]], fn: Any) -> tuple[dict[str, str | None], float]:
    """(id -> primary, ms per article) of ``fn(words, language)`` over the rows."""
    import time

    prepared = [(r["id"], tokens(r["title"], r["body"]), r["language"]) for r in rows]
    start = time.perf_counter()
    out = {rid: fn(words, lang) for rid, words, lang in prepared}
    return out, 1000 * (time.perf_counter() - start) / max(1, len(rows))


def evaluate_topics(split: str, show_errors: bool, with_entities: bool, path: Path = TOPICS) -> None:
    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    if split != "all":
        rows = [r for r in rows if r["split"] == split]
    tc, with_model = TopicClassifier(), TopicClassifier(model=True)
    methods = {
        "newsflow": _timed(rows, lambda w, lang: primary(tc, w, lang)),
        "model": _timed(rows, lambda w, lang: primary(with_model, w, lang)),
        "keyword-count": _timed(rows, lambda w, lang: keyword_count(tc, w, lang)),
    }
    if with_entities:  # the two classifiers through the whole stage (ms: the classifier only, above)
        methods["newsflow"] = (pipeline_primary(rows, tc), methods["newsflow"][1])
        methods["model"] = (pipeline_primary(rows, with_model), methods["model"][1])
    names = list(methods)
    right: dict[str, Counter[str]] = defaultdict(Counter)  # language -> method -> right
    section: dict[str, Counter[str]] = defaultdict(Counter)
    for r in rows:
        right[r["language"]]["n"] += 1
        if r["language"] == "en":
            section[r["section"]]["n"] += 1
        for name in names:
            ok = methods[name][0][r["id"]] == r["label"]
            right[r["language"]][name] += ok
            if r["language"] == "en":
                section[r["section"]][name] += ok
        got = methods["newsflow"][0][r["id"]]
        if show_errors and got != r["label"]:
            label = tc.nodes[got].label if got else None
            print(f"  {r['id']} [{r['split']}] want {tc.nodes[r['label']].label!r} got {label!r}: {r['title']}")
    print(f"{path.name} split={split} entities={'yes' if with_entities else 'no'}")
    print(f"{'language':<10}{'n':>5}" + "".join(f"{name:>15}" for name in names))
    total: Counter[str] = Counter()
    for lang in sorted(right, key=lambda k: (k != "en", k)):
        total.update(right[lang])
        print(f"{lang:<10}{right[lang]['n']:>5}" + "".join(f"{right[lang][m] / right[lang]['n']:>15.3f}" for m in names))
    print(f"{'all':<10}{total['n']:>5}" + "".join(f"{total[m] / total['n']:>15.3f}" for m in names))
    print(f"{'ms/article':<15}" + "".join(f"{methods[m][1]:>15.3f}" for m in names) + "   (classifier only, tokens given)")
    print("English recall per section (" + " / ".join(names) + "):")
    for s, c in sorted(section.items()):
        print(f"  {s:<14}{c['n']:>4}  " + " / ".join(f"{c[m] / c['n']:.2f}" for m in names))


Span = tuple[int, int, str] | tuple[str, str]  # (start, end, type) with offsets, else (surface, type)
_RAW_TYPES = {"PERSON": "person", "ORG": "organisation", "GPE": "place", "LOC": "place", "FAC": "place"}


def _key(text: str, start: int, end: int, kind: str, exact: bool) -> Span:
    return (start, end, kind) if exact else (text[start:end], kind)


def _mentions(enricher: Any, texts: list[str], exact: bool) -> list[Counter[Span]]:
    out = []
    for text, (actors, places, _topics, _kws) in zip(texts, enricher.analyse_texts(texts, ["en"] * len(texts))):
        found: Counter[Span] = Counter()
        for actor in actors:
            found.update(_key(text, m.start, m.end, actor.type, exact) for m in actor.mentions)
        for p in places:  # a demonym adds its country to places, but is no place mention ("Dutch")
            found.update(_key(text, m.start, m.end, "place", exact) for m in p.mentions if not _demonym(enricher, m.text))
        out.append(found)
    return out


def _demonym(enricher: Any, surface: str) -> bool:
    gaz = enricher.gazetteer
    return gaz.demonym(surface) is not None and not gaz.candidates(surface)


def _raw_spacy(texts: list[str], exact: bool) -> list[Counter[Span]]:
    """en_core_web_sm's own entities, PERSON / ORG / GPE+LOC+FAC, as the stage loads it."""
    from services.enrich.logic import load_nlp

    out = []
    for text, doc in zip(texts, load_nlp().pipe(texts)):
        out.append(Counter(_key(text, e.start_char, e.end_char, _RAW_TYPES[e.label_], exact)
                           for e in doc.ents if e.label_ in _RAW_TYPES))
    return out


def _kind(span: Span) -> str:
    return str(span[-1])


def _prf(gold: list[Counter[Span]], pred: list[Counter[Span]], kind: str | None) -> tuple[float, float, float]:
    tp = fp = fn = 0
    for g, p in zip(gold, pred):
        g = Counter({k: v for k, v in g.items() if kind is None or _kind(k) == kind})
        p = Counter({k: v for k, v in p.items() if kind is None or _kind(k) == kind})
        tp += sum((g & p).values())
        fp += sum((p - g).values())
        fn += sum((g - p).values())
    prec = tp / (tp + fp) if tp + fp else 0.0
    rec = tp / (tp + fn) if tp + fn else 0.0
    return prec, rec, (2 * prec * rec / (prec + rec) if prec + rec else 0.0)


def evaluate_orgs(path: Path, show_errors: bool, split: str = "all") -> None:
    """Mention-level F1 per type: raw en_core_web_sm, the stage without the context pass, the stage.

    Items with offsets (``[surface, type, start, end]``) are matched on exact span and type;
    older items (``[surface, type]``) on surface and type.
    """
    import services.enrich.english as english
    from services.enrich.logic import Enricher

    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    rows = [r for r in rows if split == "all" or r.get("split", split) == split]  # rows without a split: all
    exact = all(len(e) == 4 for r in rows for e in r["entities"])
    texts = [r["text"] for r in rows]
    gold = [Counter(_key(r["text"], e[2], e[3], e[1], True) if exact else (e[0], e[1]) for e in r["entities"]) for r in rows]
    enricher = Enricher()
    after = _mentions(enricher, texts, exact)
    real = english.type_organisations
    english.type_organisations = lambda tokens, cands, *_a: (list(cands), frozenset())  # type: ignore[assignment]
    try:
        before = _mentions(enricher, texts, exact)
    finally:
        english.type_organisations = real
    raw = _raw_spacy(texts, exact)
    print(f"{path.name} ({split}): {len(rows)} items, {sum(sum(g.values()) for g in gold)} gold mentions, "
          f"matched on {'exact span' if exact else 'surface'} and type")
    print(f"{'type':<14}" + "".join(f"{name:>26}" for name in ("raw en_core_web_sm", "stage without orgs pass", "stage")))
    for kind in ("organisation", "person", "place", None):
        cells = [_prf(gold, pred, kind) for pred in (raw, before, after)]
        print(f"{kind or 'micro':<14}" + "".join(f"   P {p:.2f} R {r:.2f} F1 {f:.3f}" for p, r, f in cells))
    if show_errors:
        for text, g, p in zip(texts, gold, after):
            if g != p:
                show = (lambda c: sorted((text[k[0]:k[1]], k[2]) if exact else k for k in c.elements()))  # noqa: E731
                print(f"  {text}\n    missed {show(g - p)} extra {show(p - g)}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--split", choices=("train", "dev", "heldout", "all"), default=None,
                    help="topics: default dev; --orgs: rows of that split only (default all)")
    ap.add_argument("--errors", action="store_true")
    ap.add_argument("--entities", action="store_true")
    ap.add_argument("--sections", action="store_true", help="the section-filed articles (topics-sections-en.jsonl)")
    ap.add_argument("--sections-file", type=Path, default=None,
                    help="another section-filed set in the same format (e.g. tests/data/topics-sections-blind-en.jsonl)")
    ap.add_argument("--orgs", action="store_true")
    ap.add_argument("--orgs-file", type=Path, default=ORGS, help="NER set (default: the one the rules were written with)")
    args = ap.parse_args()
    if args.orgs:
        evaluate_orgs(args.orgs_file, args.errors, args.split or "all")
        return
    path = args.sections_file or (SECTIONS if args.sections else TOPICS)
    evaluate_topics(args.split or "dev", args.errors, args.entities, path)


if __name__ == "__main__":
    main()

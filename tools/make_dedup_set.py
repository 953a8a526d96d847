#!/usr/bin/env python3
"""Generate tests/data/duplicates/pairs.jsonl: labelled article pairs for near-duplicate tuning.

Made from the true article texts of tests/data/extraction-dev/ (seeded, so reproducible):

* duplicates (label 1): the same story with light edits, one to three of: sentences reworded
  (word swaps, dropped words), a paragraph dropped, a paragraph added, different boilerplate
  around it, a changed title, a truncated ending (as syndication often does);
* non-duplicates (label 0): pairs of different dataset articles that share the most topic
  words (same subject, different story), and constructed "follow-up" stories: one article's
  one or two opening paragraphs (shared background) followed by another article's paragraphs.

Each line: {"a": {"title", "text"}, "b": {...}, "label": 0|1, "kind": "..."}.

    python tools/make_dedup_set.py   # rewrites tests/data/duplicates/pairs.jsonl
"""

from __future__ import annotations

import json
import math
import random
import re
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TRUTH = ROOT / "tests" / "data" / "extraction-dev" / "ground-truth.json"
OUT = ROOT / "tests" / "data" / "duplicates" / "pairs.jsonl"
SEED = 20250213

SWAPS = {
    "said": "stated", "says": "states", "told": "informed", "big": "large", "large": "big", "new": "fresh",
    "people": "individuals", "also": "additionally", "but": "however", "about": "around", "many": "numerous",
    "show": "demonstrate", "help": "assist", "start": "begin", "use": "utilise", "buy": "purchase",
    "get": "obtain", "need": "require", "very": "extremely", "company": "firm", "government": "administration",
}
BOILERPLATE = [
    "Advertisement", "Read more: Five things to know this week", "Share this article", "Sign up for our daily newsletter",
    "Photo: Reuters", "© 2019 The Associated Press. All rights reserved.", "Comments (12)", "Continue reading",
    "Follow us on Twitter and Facebook for the latest updates.", "This story has been updated.",
]
EXTRA_PARAS = [
    "The company did not immediately respond to a request for comment.",
    "This is a developing story and will be updated as more information becomes available.",
    "Officials are expected to release further details later this week, according to people familiar with the matter.",
    "Reporting by staff writers; editing by the news desk.",
]
STOP = set("the a an and or of to in on for with at by from is are was were be been it its this that as he she they we you i his her their our not but have has had will would can could".split())


def paragraphs(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n+", text) if len(p.strip()) > 20]


def reword(para: str, rng: random.Random) -> str:
    words = para.split(" ")
    out = []
    for w in words:
        core = w.lower().strip(".,;:")
        if core in SWAPS and rng.random() < 0.7:
            out.append(w.lower().replace(core, SWAPS[core]) if w.islower() else w.replace(w.strip(".,;:"), SWAPS[core].capitalize()))
        elif len(core) > 3 and core in STOP and rng.random() < 0.3:
            continue
        else:
            out.append(w)
    return " ".join(out)


def edit(title: str, paras: list[str], rng: random.Random) -> tuple[str, list[str], list[str]]:
    ops = rng.sample(["reword", "drop", "add", "boilerplate", "title", "truncate"], k=rng.randint(1, 3))
    paras = list(paras)
    for op in ops:
        if op == "reword":
            for i in rng.sample(range(len(paras)), k=max(1, len(paras) // 3)):
                paras[i] = reword(paras[i], rng)
        elif op == "drop" and len(paras) > 3:
            paras.pop(rng.randrange(len(paras)))
        elif op == "add":
            paras.insert(rng.randrange(len(paras) + 1), rng.choice(EXTRA_PARAS))
        elif op == "boilerplate":
            for line in rng.sample(BOILERPLATE, k=3):
                paras.insert(rng.randrange(len(paras) + 1), line)
        elif op == "title":
            title = rng.choice(["UPDATE: ", "Breaking: ", ""]) + reword(title, rng) + rng.choice(["", " | Wire", " (video)"])
        elif op == "truncate" and len(paras) > 5:
            paras = paras[: max(4, int(len(paras) * 0.8))]
    return title, paras, ops


def topic_words(text: str) -> Counter[str]:
    return Counter(w for w in re.findall(r"[a-z]{4,}", text.lower()) if w not in STOP)


def cosine(a: Counter[str], b: Counter[str], idf: dict[str, float]) -> float:
    dot = sum(a[w] * b[w] * idf[w] ** 2 for w in a.keys() & b.keys())
    na = math.sqrt(sum((c * idf[w]) ** 2 for w, c in a.items()))
    nb = math.sqrt(sum((c * idf[w]) ** 2 for w, c in b.items()))
    return dot / (na * nb) if na and nb else 0.0


def main() -> int:
    rng = random.Random(SEED)
    truth = json.loads(TRUTH.read_text(encoding="utf-8"))
    arts = []
    for key in sorted(truth):
        paras = paragraphs(truth[key]["articleBody"])
        if len(paras) >= 4:
            arts.append({"id": key, "title": paras[0][:90], "paras": paras[1:] if len(paras) > 4 else paras})
    pairs = []
    for art in arts:
        for _ in range(2):
            title, paras, ops = edit(art["title"], art["paras"], rng)
            pairs.append({"a": {"title": art["title"], "text": "\n\n".join(art["paras"])},
                          "b": {"title": title, "text": "\n\n".join(paras)}, "label": 1, "kind": "edit:" + "+".join(ops)})

        # Heavier: a syndicated rewrite, every paragraph reworded, two dropped, ending cut.
        paras = [reword(p, rng) for p in art["paras"]]
        for _ in range(2):
            if len(paras) > 4:
                paras.pop(rng.randrange(1, len(paras)))
        paras = paras[: max(3, int(len(paras) * 0.7))]
        pairs.append({"a": {"title": art["title"], "text": "\n\n".join(art["paras"])},
                      "b": {"title": reword(art["title"], rng), "text": "\n\n".join(paras)}, "label": 1, "kind": "heavy-edit"})

    vecs = [topic_words(" ".join(a["paras"])) for a in arts]
    df = Counter(w for v in vecs for w in v)
    idf = {w: math.log(len(vecs) / c) + 1 for w, c in df.items()}
    sims = sorted(((cosine(vecs[i], vecs[j], idf), i, j) for i in range(len(arts)) for j in range(i + 1, len(arts))), reverse=True)
    for _sim, i, j in sims[:60]:
        pairs.append({"a": {"title": arts[i]["title"], "text": "\n\n".join(arts[i]["paras"])},
                      "b": {"title": arts[j]["title"], "text": "\n\n".join(arts[j]["paras"])}, "label": 0, "kind": "same-subject"})
    for _sim, i, j in sims[:60]:
        a, b = arts[i], arts[j]
        # Follow-up story: shares the opening background paragraph, then tells another story.
        shared = a["paras"][: rng.choice([1, 2])]
        text_b = "\n\n".join(shared + b["paras"][1:])
        pairs.append({"a": {"title": a["title"], "text": "\n\n".join(a["paras"])},
                      "b": {"title": b["title"], "text": text_b}, "label": 0, "kind": "shared-background"})
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", encoding="utf-8") as f:
        for p in pairs:
            f.write(json.dumps(p, ensure_ascii=False, sort_keys=True) + "\n")
    print(f"wrote {len(pairs)} pairs ({sum(1 for p in pairs if p['label'])} duplicates) to {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

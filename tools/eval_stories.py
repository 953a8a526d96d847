"""B-cubed precision, recall and F1 of story clustering on ``tests/data/stories-gold.jsonl``.

    python tools/eval_stories.py            # dev and held-out halves, full items and headlines only
    python tools/eval_stories.py --tune     # grid search on the dev half only (prints the best settings)
    python tools/eval_stories.py --bench    # ms per article with thousands of open stories, state size

Articles go through :func:`newsflow_cli.cluster.cluster_lines`, i.e. exactly what
``newsflow cluster --jsonl`` runs, with the gold label removed. The split is by story (a stable
hash of the story label), so no story has items on both sides. The baseline is single-pass
TF-IDF cosine against story centroids (plain words, IDF over the articles seen so far) with its
threshold picked on the very set it is scored on, as the issue's reference figure is.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import math
import re
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from newsflow_cli.cluster import cluster_lines  # noqa: E402
from services.stories.logic import ClusterSettings  # noqa: E402

GOLD = Path(__file__).resolve().parents[1] / "tests" / "data" / "stories-gold.jsonl"


def load(path: Path = GOLD) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def half(story: str) -> str:
    return "dev" if hashlib.sha1(story.encode()).digest()[0] % 2 == 0 else "held-out"


def bcubed(gold: dict[str, str], pred: dict[str, str]) -> tuple[float, float, float]:
    """B-cubed over items: per item, the share of its predicted cluster that is in its gold one
    (precision) and of its gold cluster that is in its predicted one (recall)."""
    pairs = Counter((pred[i], gold[i]) for i in gold)
    pred_size = Counter(pred[i] for i in gold)
    gold_size = Counter(gold.values())
    p = sum(pairs[(pred[i], gold[i])] / pred_size[pred[i]] for i in gold) / len(gold)
    r = sum(pairs[(pred[i], gold[i])] / gold_size[gold[i]] for i in gold) / len(gold)
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def run(items: list[dict], settings: ClusterSettings | None = None) -> dict[str, str]:
    lines = (json.dumps({k: v for k, v in item.items() if k != "story"}) for item in items)
    return {out["id"]: out["story_id"] for out in cluster_lines(lines, settings)}


def headlines_only(items: list[dict]) -> list[dict]:
    return [{**item, "text": ""} for item in items]


def dense(items: list[dict]) -> list[dict]:
    """Every story moved to start within the same two days (its own timing kept), so all of
    them compete at once, as in an aggregator's stream, and the window cannot keep them apart."""
    base = datetime(2025, 1, 1, tzinfo=UTC)
    starts: dict[str, datetime] = {}
    for item in items:
        at = datetime.fromisoformat(item["published_at"].replace("Z", "+00:00"))
        starts[item["story"]] = min(starts.get(item["story"], at), at)
    out = []
    for item in items:
        at = datetime.fromisoformat(item["published_at"].replace("Z", "+00:00"))
        offset = timedelta(minutes=int(hashlib.sha1(item["story"].encode()).hexdigest(), 16) % (48 * 60))
        moved = base + offset + (at - starts[item["story"]])
        out.append({**item, "published_at": moved.strftime("%Y-%m-%dT%H:%M:%SZ")})
    return sorted(out, key=lambda i: (i["published_at"], i["id"]))


_WORD = re.compile(r"\w+")


def baseline(items: list[dict], threshold: float) -> dict[str, str]:
    """Single-pass TF-IDF cosine to story centroids, IDF over the articles seen so far."""
    df: Counter[str] = Counter()
    centroids: list[Counter[str]] = []
    out: dict[str, str] = {}
    for n, item in enumerate(items, start=1):
        tf = Counter(_WORD.findall((item["title"] + " " + item["text"]).lower()))
        df.update(tf.keys())
        idf = {t: math.log((n + 1) / (df[t] + 1)) + 1 for t in tf}
        vec = {t: c * idf[t] for t, c in tf.items()}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        best, best_sim = -1, threshold
        for k, cen in enumerate(centroids):
            cnorm = math.sqrt(sum(v * v for v in cen.values())) or 1.0
            sim = sum(vec[t] * cen.get(t, 0.0) for t in vec) / (norm * cnorm)
            if sim >= best_sim:
                best, best_sim = k, sim
        if best < 0:
            centroids.append(Counter())
            best = len(centroids) - 1
        centroids[best].update({t: v / norm for t, v in vec.items()})
        out[item["id"]] = f"b{best}"
    return out


def best_baseline(items: list[dict]) -> tuple[float, tuple[float, float, float]]:
    gold = {i["id"]: i["story"] for i in items}
    grid = [t / 100 for t in range(5, 80, 2)]
    return max(((t, bcubed(gold, baseline(items, t))) for t in grid), key=lambda x: x[1][2])


def score(items: list[dict], settings: ClusterSettings | None = None) -> tuple[float, float, float]:
    return bcubed({i["id"]: i["story"] for i in items}, run(items, settings))


def tune(items: list[dict]) -> ClusterSettings:
    base = ClusterSettings()
    # the weights are relative to the centroid's (1.0): only their ratios to the threshold matter
    grid = itertools.product([0.28, 0.32, 0.36, 0.4, 0.44], [1.0], [0.6, 0.8, 1.2], [0.8, 1.0, 1.5],
                             [0.2, 0.3, 0.45], [50, 200])
    best: tuple[float, ClusterSettings] = (-1.0, base)
    for threshold, wc, wm, wn, gate, prior in grid:
        settings = replace(base, threshold=threshold, w_centroid=wc, w_member=wm, w_names=wn, names_gate=gate,
                           idf_prior=prior)
        f = sum(score(variant, settings)[2] for variant in variants(items)) / 4
        if f > best[0]:
            best = (f, settings)
    print(f"best mean F1 on dev (full, headlines, each as is and dense): {best[0]:.3f}")
    return best[1]


def variants(items: list[dict]) -> list[list[dict]]:
    return [items, headlines_only(items), dense(items), headlines_only(dense(items))]


def report(sets: Iterable[tuple[str, list[dict]]]) -> None:
    print(f"{'set':<27}{'items':>6}{'stories':>8}   {'P':>6}{'R':>6}{'F1':>6}   {'baseline P/R/F1 (thr)':>26}")
    for name, items in sets:
        p, r, f = score(items)
        thr, (bp, br, bf) = best_baseline(items)
        stories = len({i["story"] for i in items})
        print(f"{name:<27}{len(items):>6}{stories:>8}   {p:6.3f}{r:6.3f}{f:6.3f}   {bp:8.3f}{br:6.3f}{bf:6.3f} ({thr:.2f})")


def bench(articles: int = 24_000, days: float = 6.0) -> None:  # noqa: PLR0914
    """ms per article with thousands of open stories, and the state's size day by day."""
    import random
    import time

    from services.stories.logic import StoryArticle, StoryClusterer

    rng = random.Random(7)
    letters = "abcdefghijklmnopqrstuvwxyz"
    # distinct 6-letter stems, as real words mostly have (the stemmer cuts at 6)
    vocab = sorted({"".join(rng.choices(letters, k=rng.randint(6, 9))) for _ in range(20_000)})
    rng.shuffle(vocab)
    weights = [1 / (rank + 1) for rank in range(len(vocab))]
    clusterer = StoryClusterer()
    t0 = datetime(2025, 1, 1, tzinfo=UTC)
    story_words: list[list[str]] = []
    timings: list[float] = []
    cpu: list[float] = []  # the process's own CPU time: on a shared machine, wall time is mostly the neighbours'
    print(f"{'day':>4}{'open stories':>14}{'assignments':>13}{'ms/article (that day)':>24}{'CPU ms/article':>16}")
    day_mark = 1
    gold: dict[str, str] = {}
    pred: dict[str, str] = {}
    for n in range(articles):
        if n % 4 == 0 or not story_words:  # a new event every 4 articles: thousands open at once
            story_words.append(rng.sample(vocab, 6))  # what the event is about: rarer words
        event_no = max(0, len(story_words) - 1 - int(rng.expovariate(1 / 300)))
        event = story_words[event_no]
        title = " ".join(rng.sample(event, 4) + rng.choices(vocab, weights, k=4)).capitalize()
        at = t0 + timedelta(days=days * n / articles)
        article = StoryArticle(id=f"b{n}", title=title, published_at=at, source=f"s{n % 50}", language="en")
        start, start_cpu = time.perf_counter(), time.process_time()
        pred[article.id] = clusterer.assign(article)
        timings.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
        gold[article.id] = str(event_no)
        if (at - t0) >= timedelta(days=day_mark) or n == articles - 1:
            stories, assigned = clusterer.size
            print(f"{day_mark:>4}{stories:>14}{assigned:>13}{1000 * sum(timings) / len(timings):>24.2f}"
                  f"{1000 * sum(cpu) / len(cpu):>16.2f}")
            timings, cpu, day_mark = [], [], day_mark + 1
    print("B-cubed P/R/F1 on this synthetic stream: %.3f %.3f %.3f" % bcubed(gold, pred))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tune", action="store_true", help="grid search on the dev half only")
    parser.add_argument("--gold", type=Path, default=GOLD)
    parser.add_argument("--bench", action="store_true", help="speed and state size over a long synthetic stream")
    args = parser.parse_args()
    if args.bench:
        bench()
        return
    items = load(args.gold)
    dev = [i for i in items if half(i["story"]) == "dev"]
    held = [i for i in items if half(i["story"]) == "held-out"]
    if args.tune:
        print(tune(dev))
        return
    names = ["", ", headlines", ", dense", ", dense headlines"]
    report([(part + kind, variant) for part, subset in (("dev", dev), ("held-out", held), ("all", items))
            for kind, variant in zip(names, variants(subset), strict=True)])


if __name__ == "__main__":
    main()

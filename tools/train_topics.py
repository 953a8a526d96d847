"""Train the English topic model (services/enrich/topics_model.py) and write its data file.

    python tools/train_topics.py                 # grid on the dev split, then write the best model
    python tools/train_topics.py --no-write      # only print the grid

Training data, all written for newsflow (MIT): the ``train`` split of
tests/data/topics-sections-en.jsonl (articles filed under business, entertainment, politics,
sport, tech), the English ``dev`` half of tests/data/topics-eval.jsonl (short items, including
the other IPTC top levels), and one pseudo-document per IPTC top level made of the lexicon's own
terms (services/enrich/data/topics.json), so that every top level has some weights. Hyper-
parameters are chosen by five-fold cross-validation over the training items (accuracy, then
log-loss), and the ``dev`` split of topics-sections-en.jsonl is printed as a check; its
``heldout`` split and the held-out half of topics-eval.jsonl are never read here.

Every text goes through the real enrich stage (spaCy tokens, resolved actors), so the features
are the ones the stage computes. Needs numpy and scipy (development tools only; the stage reads
the written weights with plain Python).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from scipy.optimize import minimize

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from services.enrich.topics import TopicClassifier  # noqa: E402
from services.enrich.topics_lexicon import title_length  # noqa: E402
from services.enrich.topics_model import FEATURE_VERSION, MODEL_FILE, features, lexicon_inputs  # noqa: E402
from shared.models import Actor  # noqa: E402

SECTIONS = ROOT / "tests" / "data" / "topics-sections-en.jsonl"
SHORT = ROOT / "tests" / "data" / "topics-eval.jsonl"
OUT = ROOT / "services" / "enrich" / "data" / MODEL_FILE


class _Recorder(TopicClassifier):
    """The lexicon classifier, recording what the enrich stage hands it."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[tuple[list[str], list[Actor], int]] = []

    def classify(self, words: Sequence[str], actors: Iterable[Actor] = (), language: str | None = "en",
                 title_length: int | None = None) -> Any:
        actors = list(actors)
        end = title_length if title_length is not None else 0
        self.seen.append((list(words), actors, end))
        return super().classify(words, actors, language, title_length)


def through_stage(texts: list[str]) -> tuple[_Recorder, list[tuple[list[str], list[Actor], int]]]:
    from services.enrich.logic import Enricher

    rec = _Recorder()
    Enricher(topics=rec).analyse_texts(texts, ["en"] * len(texts))
    return rec, rec.seen


def read(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def pseudo_documents(tc: TopicClassifier) -> list[tuple[list[str], str]]:
    """One word list per top level: the terms of its subtree (prefix stars dropped)."""
    raw = json.loads((ROOT / "services" / "enrich" / "data" / "topics.json").read_text("utf-8"))
    docs: dict[str, list[str]] = {}
    for code, node in raw["nodes"].items():
        words = docs.setdefault(tc.top_level(code), [])
        for term in node["terms"]:
            words.extend(w.rstrip("*") for w in term.lower().split())
            words.append(".")  # no word pair across two terms
    return sorted(((w, c) for c, w in docs.items()), key=lambda wc: wc[1])


def subset(data: Data, keep: list[int]) -> Data:
    out = Data(data.tc, data.classes, data.words)
    out.feats = [data.feats[i] for i in keep]
    out.lex = [data.lex[i] for i in keep]
    out.y = [data.y[i] for i in keep]
    out.w = [data.w[i] for i in keep]
    return out


def vocabulary(data: Data, min_df: int) -> list[str]:
    counts: dict[str, int] = {}
    for fe in data.feats:
        for f in fe:
            counts[f] = counts.get(f, 0) + 1
    return sorted(f for f, c in counts.items() if c >= min_df)


def cross_validate(data: Data, n_real: int, min_df: int, lam: float, folds: int = 5) -> tuple[float, float]:
    """Mean accuracy and log-loss over ``folds`` folds of the first ``n_real`` items (the
    pseudo-documents after them are always trained on)."""
    acc = loss = 0.0
    for f in range(folds):
        test = [i for i in range(n_real) if i % folds == f]
        train = subset(data, [i for i in range(len(data.y)) if i >= n_real or i % folds != f])
        model = fit(train, vocabulary(train, min_df), lam)
        a, l_ = accuracy(model, subset(data, test))
        acc += a * len(test) / n_real
        loss += l_ * len(test) / n_real
    return acc, loss


class Data:
    def __init__(self, tc: TopicClassifier, classes: list[str], words: bool = True) -> None:
        self.tc, self.classes, self.words = tc, classes, words
        self.feats: list[dict[str, float]] = []
        self.lex: list[np.ndarray] = []  # (classes, 2)
        self.y: list[int] = []
        self.w: list[float] = []

    def add(self, words: list[str], actors: list[Actor], title_end: int, label: str, weight: float = 1.0) -> None:
        own = self.tc.raw_scores(words, actors, "en", title_end)
        subtree, counts, scale = self.tc.subtree_scores(own), self.tc.term_counts(words), self.tc.scale(words)
        self.feats.append(features(words, title_end, actors) if self.words else {})
        self.lex.append(np.array([lexicon_inputs(subtree, counts, scale, c) for c in self.classes]))
        self.y.append(self.classes.index(label))
        self.w.append(weight)


_A = 4  # lexicon inputs (topics_model.lexicon_inputs)


def fit(train: Data, vocab: list[str], lam: float) -> dict[str, Any]:
    index = {f: k for k, f in enumerate(vocab)}
    n, f_n, c_n = len(train.y), len(vocab), len(train.classes)
    X = np.zeros((n, f_n))
    for i, fe in enumerate(train.feats):
        for f, v in fe.items():
            if f in index:
                X[i, index[f]] = v
    L = np.stack(train.lex)  # n, C, 2
    Y = np.zeros((n, c_n))
    Y[np.arange(n), train.y] = 1.0
    sw = np.array(train.w) / sum(train.w)

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        a, b, W = theta[:_A], theta[_A : _A + c_n], theta[_A + c_n :].reshape(f_n, c_n)
        S = L @ a + b + X @ W
        S -= S.max(axis=1, keepdims=True)
        P = np.exp(S)
        P /= P.sum(axis=1, keepdims=True)
        ce = -(sw * np.log(P[Y > 0] + 1e-12)).sum()
        G = (P - Y) * sw[:, None]
        ga = np.einsum("nc,nck->k", G, L)
        gb = G.sum(axis=0) + 2 * 0.01 * b
        gW = X.T @ G + 2 * lam * W
        return ce + lam * (W**2).sum() + 0.01 * (b**2).sum(), np.concatenate([ga, gb, gW.ravel()])

    theta0 = np.zeros(_A + c_n + f_n * c_n)
    theta0[0] = 1.0
    res = minimize(loss, theta0, jac=True, method="L-BFGS-B", options={"maxiter": 500})
    th = res.x
    a, b, W = th[:_A], th[_A : _A + c_n], th[_A + c_n :].reshape(f_n, c_n)
    weights = {}
    for f, k in index.items():
        row = [round(float(v), 4) for v in W[k]]
        if max(abs(v) for v in row) >= 0.002:
            weights[f] = row
    return {
        "classes": train.classes,
        "lexicon_weights": [round(float(v), 4) for v in a],
        "bias": {c: round(float(v), 4) for c, v in zip(train.classes, b)},
        "weights": weights,
    }


def accuracy(model: dict[str, Any], data: Data) -> tuple[float, float]:
    """(accuracy, mean log-loss) of ``model`` on ``data``."""
    from services.enrich.topics_model import TopicModel

    m = TopicModel(tuple(model["classes"]), tuple(model["lexicon_weights"]), model["bias"], model["weights"])  # type: ignore[arg-type]
    right, logloss = 0, 0.0
    for fe, lex, y in zip(data.feats, data.lex, data.y):
        # rebuild the logits from the stored lexicon inputs (same formula as TopicModel.scores)
        s = {c: float(np.dot(m.lexicon_weights, lex[k])) + m.bias[c] for k, c in enumerate(m.classes)}
        for f, v in fe.items():
            row = m.weights.get(f)
            if row is not None:
                for c, w in zip(m.classes, row):
                    s[c] += v * w
        right += min(s, key=lambda c: (-s[c], c)) == data.classes[y]
        top = max(s.values())
        logloss += float(np.log(sum(np.exp(v - top) for v in s.values()))) + top - s[data.classes[y]]
    return right / len(data.y), logloss / len(data.y)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    sections = read(SECTIONS)
    short = [r for r in read(SHORT) if r["language"] == "en" and r["split"] == "dev"]
    train_rows = [r for r in sections if r["split"] == "train"] + short
    dev_rows = [r for r in sections if r["split"] == "dev"]
    tc, seen = through_stage([f"{r['title']}\n\n{r['body']}" for r in train_rows + dev_rows])
    classes = sorted(c for c, node in tc.nodes.items() if node.parent is None)
    results = []
    pseudo_weight, min_df = 0.0, 2  # pseudo-documents made no difference in cross-validation (tried 0.5, 1)
    for use_words, lams in ((False, (0.01,)), (True, (0.003, 0.01, 0.03))):
        train, dev = Data(tc, classes, use_words), Data(tc, classes, use_words)
        for r, (words, actors, end) in zip(train_rows, seen):
            train.add(words, actors, end, r["label"])
        for r, (words, actors, end) in zip(dev_rows, seen[len(train_rows) :]):
            dev.add(words, actors, end, r["label"])
        for lam in lams:
            cv_acc, cv_loss = cross_validate(train, len(train_rows), min_df, lam)
            model = fit(train, vocabulary(train, min_df), lam)
            acc_dev, loss_dev = accuracy(model, dev)
            print(f"words={use_words} lam={lam}: cv {cv_acc:.3f} (log-loss {cv_loss:.3f}); dev {acc_dev:.3f} "
                  f"(log-loss {loss_dev:.3f}); features {len(model['weights'])} a={model['lexicon_weights']}", flush=True)
            results.append((round(cv_acc, 4), not use_words, lam, -cv_loss, -min_df, pseudo_weight, model))
    # best cross-validated accuracy; on a tie the simpler model (no word features, then the
    # stronger regularisation), then the lower log-loss
    best = max(results, key=lambda r: r[:4])
    print(f"chosen: cv {best[0]:.3f} words={not best[1]} lam={best[2]} log-loss {-best[3]:.3f}")
    if args.no_write:
        return
    out = {
        "_comment": "English primary-topic model of services/enrich/topics_model.py, written by tools/train_topics.py.",
        "licence": "MIT (newsflow). Learnt only from text written for newsflow (MIT): tests/data/topics-sections-en.jsonl "
                   "train split, tests/data/topics-eval.jsonl English dev half, and the terms of services/enrich/data/topics.json.",
        "trained_on": {"sections_train": sum(r["split"] == "train" for r in sections), "short_dev": len(short),
                       "pseudo_documents": 0},
        "hyperparameters": {"l2": best[2], "word_features": not best[1], "min_df": -best[4], "pseudo_weight": best[5],
                            "chosen_by": "5-fold cross-validation on the training items"},
        "feature_version": FEATURE_VERSION,
        **best[6],
    }
    OUT.write_text(json.dumps(out, ensure_ascii=False, separators=(",", ":")) + "\n", "utf-8")
    print(f"wrote {OUT.relative_to(ROOT)} ({OUT.stat().st_size // 1024} KiB)")


if __name__ == "__main__":
    main()

"""A linear model that picks an English article's primary IPTC top level (issue 10).

The weighted lexicon (:mod:`.topics`) counts words; editors file a phone maker's results under
technology and a games retailer's profit warning under business, which counting cannot tell
apart. This model is a conditional logit over the IPTC top levels: for top level ``c``

    s_c = a1 log1p(L_c / scale) + a2 L_c / sum(L) + a3 log1p(K_c / scale) + a4 K_c / sum(K)
          + b_c + sum_f x_f W[f][c]

where ``L_c`` is the weighted lexicon's evidence for ``c``'s subtree (terms plus entity
evidence, as :meth:`.topics.TopicClassifier.subtree_scores` gives it), ``K_c`` the plain count of
the lexicon's single-word terms of that subtree in the text (the keyword-count baseline: no
weights, no cap, no phrases), ``scale`` the lexicon's length factor, and ``x`` a small,
L2-normalised bag of the article's words and word pairs (title words twice, crude plural
folding) plus its organisations' name tokens. ``a1..a4`` are shared by all classes, so a top
level the training set never saw still wins on lexicon evidence alone.

The weights are learnt by ``tools/train_topics.py`` and shipped in ``data/topic-model-en.json``
(its ``licence`` and ``trained_on`` keys say on what: only text written for newsflow, MIT).
:func:`features` is the one definition of the features, used by the training tool and here.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources

from shared.models import Actor

from .topics_lexicon import normalise

FEATURE_VERSION = 2
MODEL_FILE = "topic-model-en.json"  # not topics-*.json: those are term lists

# Function words carry no topic; anything else is left to the weights.
_STOP = frozenset(
    """the and for that with from this have has had was were are been being but not its their his her
    they them she him you your our who whom which what when where why how than then there here also
    into onto over under about after before while said says say told would could should will can may
    might must shall did does doing done just more most very much many some such only other others
    any all each both few own same too out off again further once one two three four five six
    seven eight nine ten per cent year years last first new week weeks month months day days time
    mr mrs ms""".split()
)


def _stem(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def features(words: Sequence[str], title_end: int, actors: Iterable[Actor] = ()) -> dict[str, float]:
    """The article's feature vector (L2-normalised): words, adjacent word pairs, organisation tokens.

    ``words``: lower-cased tokens as the classifier gets them; the first ``title_end`` are the
    title and count twice.
    """
    counts: defaultdict[str, float] = defaultdict(float)
    prev: str | None = None
    for i, raw in enumerate(words):
        w = normalise(raw).replace("’", "'")
        if w.endswith("'s"):
            w = w[:-2]
        weight = 2.0 if i < title_end else 1.0
        if len(w) < 3 or not w.replace("-", "").isalpha() or w in _STOP:
            if not raw.isspace() or "\n" in raw:
                prev = None  # a pair never spans a removed word or a paragraph break
            continue
        s = _stem(w)
        counts[s] += weight
        if prev is not None:
            counts[f"{prev}_{s}"] += weight
        prev = s
    for actor in actors:
        if actor.type == "organisation":
            for tok in actor.name.lower().replace(".", "").split():
                counts["org:" + tok] += min(actor.count, 3)
    vec = {f: 1.0 + math.log(c) for f, c in counts.items()}
    norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
    return {f: v / norm for f, v in vec.items()}


def lexicon_inputs(
    subtree: Mapping[str, float], counts: Mapping[str, float], scale: float, code: str
) -> tuple[float, float, float, float]:
    """The four lexicon inputs of top level ``code``: saturated weighted evidence and its share,
    saturated plain term count and its share."""
    value, count = subtree.get(code, 0.0), counts.get(code, 0.0)
    total, n = sum(subtree.values()), sum(counts.values())
    return (math.log1p(value / scale), value / total if total > 0 else 0.0,
            math.log1p(count / scale), count / n if n > 0 else 0.0)


@dataclass(frozen=True)
class TopicModel:
    """Weights of the conditional logit; :meth:`probabilities` is pure."""

    classes: tuple[str, ...]
    lexicon_weights: tuple[float, float, float, float]
    bias: Mapping[str, float]
    weights: Mapping[str, Sequence[float]]  # feature -> one weight per class, in ``classes`` order

    @classmethod
    def load(cls) -> TopicModel | None:
        """The shipped English model, or None when the data file is absent."""
        path = resources.files(__package__).joinpath("data", MODEL_FILE)
        if not path.is_file():
            return None
        raw = json.loads(path.read_text("utf-8"))
        if raw.get("feature_version") != FEATURE_VERSION:
            raise ValueError(f"{MODEL_FILE}: feature_version {raw.get('feature_version')} != {FEATURE_VERSION}")
        a1, a2, a3, a4 = (float(v) for v in raw["lexicon_weights"])
        return cls(tuple(raw["classes"]), (a1, a2, a3, a4), raw["bias"], raw["weights"])

    def scores(self, x: Mapping[str, float], subtree: Mapping[str, float], counts: Mapping[str, float],
               scale: float) -> dict[str, float]:
        """Logit per top level (every class of the model)."""
        out = {}
        for code in self.classes:
            inputs = lexicon_inputs(subtree, counts, scale, code)
            out[code] = sum(a * v for a, v in zip(self.lexicon_weights, inputs)) + self.bias.get(code, 0.0)
        for f, v in x.items():
            row = self.weights.get(f)
            if row is not None:
                for code, w in zip(self.classes, row):
                    out[code] += v * w
        return out

    def probabilities(self, x: Mapping[str, float], subtree: Mapping[str, float], counts: Mapping[str, float],
                      scale: float) -> dict[str, float]:
        s = self.scores(x, subtree, counts, scale)
        top = max(s.values())
        exp = {c: math.exp(v - top) for c, v in s.items()}
        z = sum(exp.values())
        return {c: e / z for c, e in exp.items()}

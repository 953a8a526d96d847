"""IPTC Media Topic classification with weighted lexicons plus entity evidence, and keywords.

Method: every node of a small IPTC subtree (``data/topics.json``) has weighted terms (words,
``stem*`` prefixes, phrases). An article's raw score for a node is the sum of its term hits
(each distinct term counted at most ``_MAX_HITS_PER_TERM`` times, so one repeated word cannot
carry a topic) plus evidence from resolved entities (e.g. a central bank organisation, a
striker's role). Raw scores propagate to ancestors. Scores are squashed to [0, 1] with a
length-normalised saturation ``1 - exp(-raw / (K * sqrt(tokens / 100)))``; a topic is kept when
its score passes ``THRESHOLD`` and its raw score is at least ``RELATIVE_FLOOR`` of the best
top-level topic's (so incidental words in a long article do not add topics).
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources

from shared.models import Actor, Topic

THRESHOLD = 0.35
RELATIVE_FLOOR = 0.3
SUBTOPIC_RELATIVE_FLOOR = 0.25
_K = 6.0
_MAX_HITS_PER_TERM = 3
_MAX_TOPICS = 8
# Share of a subtopic's evidence that also counts for its ancestors (per level): enough for a
# strong subtopic to carry its parent, not so much that a parent outranks its best child.
_PROPAGATION = 0.6


@dataclass(frozen=True)
class _Node:
    code: str
    label: str
    parent: str | None


class TopicClassifier:
    """Build once (reads the lexicon file); :meth:`classify` is pure and cheap."""

    def __init__(self) -> None:
        raw = json.loads(resources.files(__package__).joinpath("data/topics.json").read_text("utf-8"))
        self.nodes: dict[str, _Node] = {}
        self._exact: dict[str, list[tuple[str, float, str]]] = {}
        self._prefix: dict[str, list[tuple[str, float, str]]] = {}
        self._phrases: dict[str, list[tuple[tuple[str, ...], bool, float, str, str]]] = {}
        for code, node in raw["nodes"].items():
            self.nodes[code] = _Node(code, node["label"], node["parent"])
            for term, weight in node["terms"].items():
                term = term.lower()
                words = term.split()
                if len(words) > 1:
                    stem = words[-1].endswith("*")
                    words[-1] = words[-1].rstrip("*")
                    self._phrases.setdefault(words[0], []).append((tuple(words), stem, float(weight), code, term))
                elif term.endswith("*"):
                    self._prefix.setdefault(term[:-1], []).append((code, float(weight), term))
                else:
                    self._exact.setdefault(term, []).append((code, float(weight), term))
        self._prefix_lengths = sorted({len(p) for p in self._prefix})
        ev = raw["entity_evidence"]
        self._actor_ev: dict[str, dict[str, float]] = ev["actors"]
        self._org_token_ev: dict[str, dict[str, float]] = ev["org_tokens"]
        self._role_ev: dict[str, dict[str, float]] = ev["roles"]
        self._word_cache: dict[str, tuple[tuple[str, float, str], ...]] = {}
        self._depth_cache: dict[str, list[str]] = {c: self._ancestors(c) for c in self.nodes}

    def _ancestors(self, code: str) -> list[str]:
        out = []
        parent = self.nodes[code].parent
        while parent is not None:
            out.append(parent)
            parent = self.nodes[parent].parent
        return out

    def top_level(self, code: str) -> str:
        chain = [code, *self._depth_cache[code]]
        return chain[-1]

    # ------------------------------------------------------------------ scoring

    def _word_matches(self, w: str) -> tuple[tuple[str, float, str], ...]:
        found = list(self._exact.get(w, ()))
        for length in self._prefix_lengths:
            if length > len(w):
                break
            found.extend(self._prefix.get(w[:length], ()))
        return tuple(found)

    def raw_scores(self, words: Sequence[str], actors: Iterable[Actor] = ()) -> dict[str, float]:
        """Raw lexicon + entity scores per node (before propagation). ``words``: lower-cased tokens."""
        hits: Counter[tuple[str, str]] = Counter()
        weights: dict[tuple[str, str], float] = {}
        n = len(words)
        cache = self._word_cache
        for i, w in enumerate(words):
            matches = cache.get(w)
            if matches is None:
                matches = self._word_matches(w)
                if len(cache) > 200_000:  # bounded memo: vocabulary repeats across articles
                    cache.clear()
                cache[w] = matches
            for code, weight, term in matches:
                hits[(code, term)] += 1
                weights[(code, term)] = weight
            for phrase, stem, weight, code, term in self._phrases.get(w, ()):
                k = len(phrase)
                if i + k > n:
                    continue
                last = words[i + k - 1]
                if tuple(words[i + 1 : i + k - 1]) != phrase[1:-1]:
                    continue
                if last == phrase[-1] or (stem and last.startswith(phrase[-1])):
                    hits[(code, term)] += 1
                    weights[(code, term)] = weight
        raw: dict[str, float] = {}
        for key, count in hits.items():
            code = key[0]
            raw[code] = raw.get(code, 0.0) + weights[key] * min(count, _MAX_HITS_PER_TERM)
        for actor in actors:
            mult = min(actor.count, 3)
            for code, ew in self._actor_ev.get(actor.name, {}).items():
                raw[code] = raw.get(code, 0.0) + ew * mult
            if actor.type == "organisation":
                for tok in actor.name.lower().replace(".", "").split():
                    for code, ew in self._org_token_ev.get(tok, {}).items():
                        raw[code] = raw.get(code, 0.0) + ew * mult
            for role in actor.roles:
                low = role.lower()
                for role_key, ev in self._role_ev.items():
                    if low == role_key or low.endswith(" " + role_key):
                        for code, ew in ev.items():
                            raw[code] = raw.get(code, 0.0) + ew
        return raw

    def classify(self, words: Sequence[str], actors: Iterable[Actor] = ()) -> list[Topic]:
        """Multi-label IPTC topics sorted by score (desc), then code, for determinism."""
        own = self.raw_scores(words, actors)
        total: dict[str, float] = dict.fromkeys(self.nodes, 0.0)
        for code, value in own.items():
            total[code] += value
            for depth, anc in enumerate(self._depth_cache[code], start=1):
                total[anc] += value * _PROPAGATION**depth
        n = max(1, sum(1 for w in words if w.isalpha()))
        scale = _K * max(1.0, math.sqrt(n / 100.0))
        tops = {c: v for c, v in total.items() if self.nodes[c].parent is None}
        best_top = max(tops.values(), default=0.0)
        if best_top <= 0.0:
            return []
        kept: list[Topic] = []
        for code, value in total.items():
            score = 1.0 - math.exp(-value / scale)
            if score < THRESHOLD:
                continue
            node = self.nodes[code]
            if node.parent is None:
                if value < RELATIVE_FLOOR * best_top:
                    continue
            else:
                top = self.top_level(code)
                if total[top] < RELATIVE_FLOOR * best_top or value < SUBTOPIC_RELATIVE_FLOOR * total[top]:
                    continue
            kept.append(Topic(id=code, label=node.label, parent=node.parent, score=round(score, 3), method="lexicon"))
        kept.sort(key=lambda t: (-t.score, t.id))
        # Keep the hierarchy consistent: a subtopic only with its top-level topic present.
        ids = {t.id for t in kept}
        kept = [t for t in kept if self.top_level(t.id) in ids]
        return kept[:_MAX_TOPICS]


# ---------------------------------------------------------------------- keywords

def keywords(
    words: Sequence[str],
    stop_words: frozenset[str] | set[str],
    entity_names: Sequence[str] = (),
    title_words: Iterable[str] = (),
    limit: int = 10,
    exclude: Iterable[str] = (),
) -> list[str]:
    """Cheap keywords: the top entity names, then frequent content words (title words count double).

    Deterministic: ties broken alphabetically.
    """
    counts: Counter[str] = Counter()
    for w in words:
        if len(w) > 2 and w.isalpha() and w not in stop_words:
            counts[w] += 1
    for w in title_words:
        if w in counts:
            counts[w] += 1
    entity_tokens = {t for name in entity_names for t in name.lower().split()} | set(exclude)
    out: list[str] = []
    seen: set[str] = set()
    for name in entity_names[: max(0, limit // 2)]:
        if name.lower() not in seen:
            out.append(name)
            seen.add(name.lower())
    ranked = sorted(
        ((c, w) for w, c in counts.items() if c >= 2 and w not in entity_tokens),
        key=lambda cw: (-cw[0], cw[1]),
    )
    for _, w in ranked:
        if len(out) >= limit:
            break
        if w not in seen:
            out.append(w)
            seen.add(w)
    return out

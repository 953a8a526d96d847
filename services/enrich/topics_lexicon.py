"""Term matching for the topic lexicons: one :class:`Lexicon` per language.

A term is a word (``broadband``), a prefix (``smartphone*``: every word that starts with it,
which also covers inflected forms such as ``Smartphones`` or ``смартфона``) or a phrase of up
to four words whose last word may be a prefix (``video game*``). A phrase consumes its words:
in "video games" only the phrase counts, not ``game*`` on its own, so a specific bigram is not
outvoted by the general word inside it. Words of the title (the tokens before the first
paragraph break) count :data:`TITLE_WEIGHT` times, since a headline states the subject.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

#: How much a title occurrence of a term counts against one in the body.
TITLE_WEIGHT = 2.0
#: Occurrences of one term counted at most (so one repeated word cannot carry a topic).
MAX_HITS_PER_TERM = 3.0

Match = tuple[str, float, str]  # (node code, weight, term)

_APOSTROPHES = ("'", "’")


def normalise(word: str) -> str:
    """The form terms and tokens are compared in.

    An elided article or preposition is dropped ("l'assemblée", "dell'economia", "d’affaires"
    -> "assemblée", "economia", "affaires"; a tokenizer that splits it off leaves "l'", which
    becomes ""), and "ё" is written "е" as most Russian text does.
    """
    w = word.replace("ё", "е")
    for apo in _APOSTROPHES:
        head, sep, tail = w.rpartition(apo)
        if sep and 0 < len(head) <= 4 and head.isalpha() and (len(tail) >= 2 or not tail):
            return tail
    return w


@dataclass(frozen=True)
class TermHit:
    code: str
    term: str
    weight: float
    count: float  # occurrences, title ones counted TITLE_WEIGHT times, capped at MAX_HITS_PER_TERM


def title_length(words: Sequence[str]) -> int:
    """Number of tokens before the title/body break (a whitespace token holding a blank line).

    0 when there is no break: then no token is treated as title.
    """
    for i, w in enumerate(words):
        if "\n\n" in w and not w.strip():
            return i
    return 0


class Lexicon:
    """Weighted terms of one language, indexed for a single pass over an article's tokens."""

    def __init__(self, terms_by_code: Mapping[str, Mapping[str, float]]) -> None:
        self._exact: dict[str, list[Match]] = {}
        self._prefix: dict[str, list[Match]] = {}
        self._phrases: dict[str, list[tuple[tuple[str, ...], bool, float, str, str]]] = {}
        for code, terms in terms_by_code.items():
            for term, weight in terms.items():
                words = [normalise(t) for t in term.lower().split()]
                words = [t for t in words if t]
                term = " ".join(words)
                if len(words) > 1:
                    stem = words[-1].endswith("*")
                    words[-1] = words[-1].rstrip("*")
                    self._phrases.setdefault(words[0], []).append((tuple(words), stem, float(weight), code, term))
                elif term.endswith("*"):
                    self._prefix.setdefault(term[:-1], []).append((code, float(weight), term))
                else:
                    self._exact.setdefault(term, []).append((code, float(weight), term))
        self._prefix_lengths = sorted({len(p) for p in self._prefix})
        self._cache: dict[str, tuple[Match, ...]] = {}

    def __len__(self) -> int:
        return sum(map(len, self._exact.values())) + sum(map(len, self._prefix.values())) + sum(
            map(len, self._phrases.values())
        )

    def word_matches(self, w: str) -> tuple[Match, ...]:
        """Single-word terms (exact and prefix) that match the lower-cased token ``w``."""
        found = self._cache.get(w)
        if found is not None:
            return found
        out = list(self._exact.get(w, ()))
        for length in self._prefix_lengths:
            if length > len(w):
                break
            out.extend(self._prefix.get(w[:length], ()))
        found = tuple(out)
        if len(self._cache) > 200_000:  # bounded memo: vocabulary repeats across articles
            self._cache.clear()
        self._cache[w] = found
        return found

    def _phrase_at(self, words: Sequence[str], i: int) -> list[tuple[int, float, str, str]]:
        """Phrases starting at token i: (length, weight, code, term)."""
        out = []
        n = len(words)
        for phrase, stem, weight, code, term in self._phrases.get(words[i], ()):
            k = len(phrase)
            if i + k > n or tuple(words[i + 1 : i + k - 1]) != phrase[1:-1]:
                continue
            last = words[i + k - 1]
            if last == phrase[-1] or (stem and last.startswith(phrase[-1])):
                out.append((k, weight, code, term))
        return out

    def hits(self, words: Sequence[str], title_end: int | None = None) -> list[TermHit]:
        """Every term found in ``words`` (lower-cased tokens), with its weighted, capped count.

        ``title_end``: how many leading tokens are the title; None finds the blank-line token
        (see :func:`title_length`).
        """
        if title_end is None:
            title_end = title_length(words)
        kept = [(i, n) for i, n in enumerate(map(normalise, words)) if n]
        title_end = sum(1 for i, _ in kept if i < title_end)
        words = [n for _, n in kept]
        counts: dict[tuple[str, str], float] = {}
        weights: dict[tuple[str, str], float] = {}
        consumed: set[int] = set()
        for i in range(len(words)):
            if words[i] not in self._phrases:
                continue
            for k, weight, code, term in self._phrase_at(words, i):
                key = (code, term)
                counts[key] = counts.get(key, 0.0) + (TITLE_WEIGHT if i < title_end else 1.0)
                weights[key] = weight
                consumed.update(range(i, i + k))
        for i, w in enumerate(words):
            if i in consumed:
                continue
            for code, weight, term in self.word_matches(w):
                key = (code, term)
                counts[key] = counts.get(key, 0.0) + (TITLE_WEIGHT if i < title_end else 1.0)
                weights[key] = weight
        return [
            TermHit(code, term, weights[(code, term)], min(count, MAX_HITS_PER_TERM))
            for (code, term), count in counts.items()
        ]

"""What an article contributes to story matching: hashed word terms and hashed name terms.

Both are bags of stable 22-bit hashes (crc32, never Python's salted ``hash``), so the state is
bounded, serialisable and identical across processes and restarts.

* **Words**: folded tokens of title (counted twice: headlines carry the event) and text, stop
  words of English, German, French and Spanish removed, cut to a 6-letter prefix (a crude stem
  that works the same in every language: "sanctions"/"sanctioned", "Gipfel"/"Gipfels").
* **Names**: the canonical actors and places enrich found (English canonical names, so they
  match across languages), plus, for input without them (headlines on the command line),
  names found in the text itself: alias-registry matches (resolved to the canonical name,
  "Kiev" -> "Kyiv") and capitalised spans that do not start a sentence. Each name contributes
  its words, so "Macron" matches "Emmanuel Macron".
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable
from functools import lru_cache

from shared.aliases import AliasRegistry, fold
from shared.limits import STORY_MAX_TEXT_CHARS, STORY_TERM_BUCKETS

__all__ = ["Terms", "NameFinder", "word_terms", "name_terms", "term_id"]

Terms = dict[int, float]

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)
_SENTENCE_END = re.compile(r"[.!?:;\"«»“”]\s*$")
_STEM_CHARS = 6
_MAX_NAME_WORDS = 4

_STOP = frozenset(
    """a about after again against all also am an and any are as at be because been before being
    between both but by can could did do does doing down during each few for from further had has
    have having he her here hers him his how i if in into is it its itself just me more most my no
    nor not now of off on once only or other our out over own same she should so some such than
    that the their them then there these they this those through to too under until up very was
    we were what when where which while who whom why will with would you your says said say new
    over amid after us vs v one two first last year years week day today yesterday tomorrow
    der die das den dem des ein eine einen einem einer und oder aber nicht mit von zu zum zur im
    in ist sind war wird werden hat haben auf aus bei nach vor für über unter um an als auch noch
    nur sich es er sie wir ihr dass wie so bis gegen seit am beim vom neue neuer neues jahr
    le la les un une des du de et ou mais pas avec pour par sur dans au aux ce cette ces est sont
    a été il elle ils elles nous vous qui que quoi dont se sa son ses leur leurs plus après avant
    contre selon entre sans sous chez lors nouveau nouvelle an ans
    el la los las un una unos unas y o pero no con por para sobre en del al es son fue ha han
    que se su sus lo le les más tras ante contra según entre sin desde hasta nuevo nueva año años""".split()
)


@lru_cache(maxsize=262144)
def term_id(term: str) -> int:
    """Stable bucket of a term (the same in every process and version of Python)."""
    return zlib.crc32(term.encode("utf-8")) % STORY_TERM_BUCKETS


@lru_cache(maxsize=262144)
def _stem(token: str) -> str | None:
    word = fold(token)
    if word.endswith("s") and len(word) > 4 and not word.endswith("ss"):
        word = word[:-1]
    if len(word) < 2 or word in _STOP:
        return None
    return word[:_STEM_CHARS]


#: token -> its word term, -1 for a stop word: one dict look-up per token (an lru_cache call
#: costs more, and a body's tokens repeat); emptied when full, so it stays bounded
_TOKEN_TERMS: dict[str, int] = {}
_TOKEN_TERMS_MAX = 262144


def _word_term(token: str) -> int:
    stem = _stem(token)
    return -1 if stem is None else term_id("w:" + stem)


def _add(terms: Terms, key: str, weight: float) -> None:
    tid = term_id(key)
    terms[tid] = terms.get(tid, 0.0) + weight


def word_terms(title: str, text: str) -> Terms:
    """Word-stem counts, title words counted twice. Empty if nothing but stop words."""
    terms: Terms = {}
    get, cache = terms.get, _TOKEN_TERMS
    for weight, part in ((2.0, title), (1.0, text[:STORY_MAX_TEXT_CHARS])):
        for token in _WORD.findall(part):
            tid = cache.get(token)
            if tid is None:
                if len(cache) >= _TOKEN_TERMS_MAX:
                    cache.clear()
                tid = cache[token] = _word_term(token)
            if tid >= 0:
                terms[tid] = get(tid, 0.0) + weight
    return terms


def name_terms(names: Iterable[str]) -> Terms:
    """One term per word of each (canonical) name; each name counted once.

    In first-seen order, never a set's: a set of strings iterates in an order that changes with
    each process's hash seed, and the order of a dict's terms is the order the norms are summed
    in, so a replay in another process could score the same article a few ulps apart.
    """
    terms: Terms = {}
    for name in dict.fromkeys(names):
        for word in fold(name).split():
            if len(word) >= 2 and word not in _STOP:
                _add(terms, "n:" + word, 1.0)
    return terms


def _title_cased(words: list[str]) -> bool:
    """Headline style ("Fed Official Says Weak Data ..."): capitals carry no name signal."""
    long_words = [w for w in words if len(w) > 3]
    return len(long_words) >= 3 and sum(w[0].isupper() for w in long_words) / len(long_words) > 0.6


class NameFinder:
    """Names in raw text, for articles that come without enrich's actors and places."""

    def __init__(self, registry: AliasRegistry | None = None) -> None:
        self._registry = registry if registry is not None else AliasRegistry.seeded()
        self._lengths: dict[str, int] = {}  # first folded word of an alias -> its most words
        self._indexed_size = -1

    def _longest(self) -> dict[str, int]:
        """Rebuilt when the registry grows or shrinks (operators correct it at run time)."""
        if self._indexed_size != len(self._registry):
            self._lengths = {}
            for record in self._registry.surfaces():
                words = fold(record.alias).split()
                if words:
                    self._lengths[words[0]] = max(self._lengths.get(words[0], 0), len(words))
            self._indexed_size = len(self._registry)
        return self._lengths

    def find(self, title: str, text: str) -> list[str]:
        names: list[str] = []
        for part in (title, text[:STORY_MAX_TEXT_CHARS]):
            spans = [(m.group(), m.start()) for m in _WORD.finditer(part)]
            words = [w for w, _ in spans]
            names.extend(self._registry_names(words))
            if part is not title or not _title_cased(words):
                names.extend(self._capitalised(part, spans))
        return names

    def _registry_names(self, words: list[str]) -> list[str]:
        found: list[str] = []
        longest = self._longest()
        for i in range(len(words)):
            most = longest.get(fold(words[i]), 0)
            for n in range(min(most, _MAX_NAME_WORDS, len(words) - i), 0, -1):
                canonical = self._registry.resolve(" ".join(words[i : i + n]))
                if canonical is not None:
                    found.append(canonical)
                    break
        return found

    @staticmethod
    def _capitalised(part: str, spans: list[tuple[str, int]]) -> list[str]:
        found: list[str] = []
        current: list[str] = []
        for word, start in spans:
            sentence_start = start == 0 or bool(_SENTENCE_END.search(part[max(0, start - 3) : start]))
            if word[0].isupper() and not sentence_start and fold(word) not in _STOP:
                current.append(word)
                continue
            if current:
                found.append(" ".join(current))
            current = []  # a sentence's first word is capitalised anyway: no evidence
        if current:
            found.append(" ".join(current))
        return found

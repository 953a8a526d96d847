"""Persons in German, Spanish and Italian text, which have no model for names: two or three
capitalised words right after a title ("Vorstandschef Roland Busch", "el ministro Luis Planas"),
after a German national noun ("der Französin Anne Roux": nouns only, an adjective begins a
name, "Deutsche Bahn"), or starting with a common given name ("Harry Kane"); one word is never
enough. A surname's particles carry the name on ("María Pérez de la Rosa")."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

from shared.aliases import fold

from . import foreign_names
from .lexicons import stop_words
from .ml_words import Words
from .records import load_data

__all__ = ["titled_name"]

#: Lowercase words inside a surname, by language: Spanish only. Not Italian "di" ("Mario Rossi di
#: Forza Italia") nor German "von", which is as often "from" ("Anna Roth von Greenpeace").
_PARTICLES = {"es": frozenset({"de", "del"})}
_ARTICLES = frozenset({"la", "las", "los"})


@lru_cache(maxsize=1)
def _german_nouns() -> frozenset[str]:
    forms = load_data("demonyms-multilingual.json")["forms"].get("de", {})
    return frozenset(fold(f) for fs in forms.values() for f in fs)


def titled_name(words: Words, lookup: Callable[[str], Any], text: str, toks: list[tuple[int, int]], i: int, lang: str,
                persons: list[tuple[int, int, str | None, list[str]]]) -> int:
    """Tokens taken by the person starting at token i (0: none); the person goes to ``persons``."""
    role = words.role_before(text, toks, i, lang)
    prev = text[toks[i - 1][0] : toks[i - 1][1]] if i else ""
    given = fold(text[toks[i][0] : toks[i][1]]) in foreign_names.given_names()
    national = lang == "de" and i > 0 and text[toks[i - 1][1] : toks[i][0]] == " " and fold(prev) in _german_nouns()
    if not given and not national and (role is None or not words.is_title(prev, lang)):
        return 0  # "ministro degli Esteri Antonio Tajani": the title must touch the name

    def name_word(k: int, size: int) -> bool:
        start, end = toks[k]
        word = text[start:end]
        if size and text[toks[k - 1][1] : start] != " ":
            return False
        if size and text[toks[k - 1][1] - 1] == "." and toks[k - 1][1] - toks[k - 1][0] > 2:
            return False  # a sentence ends there ("Trainer Kasper Hjulmand. Leverkusen"), not an initial ("W.")
        return not (not word[:1].isupper() or word.isupper() or words.is_title_or_det(word, lang) or fold(word) in stop_words(lang)
                    or (lookup(word) and not (size <= 1 and given)))  # "Boris Rhein": a surname may be a place word,
        # and a given name a town's ("Sofia Goggia"; inside_name has kept it from being the place)

    size = 0
    while size < 3 and i + size < len(toks) and name_word(i + size, size):
        size += 1
    if size < 2:
        return 0
    particles = _PARTICLES.get(lang, frozenset())
    j = i + size
    if j + 1 < len(toks) and text[toks[j][0] : toks[j][1]] in particles and text[toks[j - 1][1] : toks[j][0]] == " ":
        k = j + 1 if text[toks[j + 1][0] : toks[j + 1][1]] in _ARTICLES and j + 2 < len(toks) else j
        if name_word(k + 1, 2):
            size = k + 2 - i  # "Sáenz de Buruaga", "de la Rosa"
    start, end = toks[i][0], toks[i + size - 1][1]
    if text[end - 1] == "." and end - toks[i + size - 1][0] > 2:
        end -= 1  # the sentence's full stop is no part of the name
    persons.append((start, end, text[start:end], [role] if role else []))
    return size

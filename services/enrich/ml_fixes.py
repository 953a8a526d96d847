"""Repairs of the multilingual phases for whole classes of wire copy (found on the blind set,
tests/data/enrich-blind-multilingual.jsonl, and written as rules with no name of it):

* ``agency_credit``: "VENEZIA (Adnkronos) - ...": the parenthesised credit of a dateline is a
  news organisation, as written when no list knows it (an unknown acronym is left alone: it
  may be an author's initials, and its expansion is unknown);
* ``span_start``: a model span that runs over the credit ("Belga) - Le Premier ministre") starts
  after it; a person span right after "title + determiner" is a portfolio ("ministro de Asuntos
  Exteriores, José Manuel Albares"), no person;
* ``title_run`` / ``portfolio_cut``: the title words a span opens with, with the lowercase words
  that qualify the title ("le Premier ministre belge Bart De Wever"), and a span so opened is a
  person's, whatever label the model gave it ("ministre de la Culture Rachida Dati" as ORG);
* ``saint_prefix``: "San", "Santa", "Saint" before a capitalised word begin a longer name
  ("San Girolamo"), never the town San (Mali) alone.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import Any

from shared.aliases import fold

from .foreign_names import national
from .lexicons import foreign_city_names
from .ml_rules import is_dateline
from .ml_words import Words, name_shaped
from .records import Analysis
from .translit import transliterate

__all__ = ["accent_variant", "agency_credit", "city_over_company", "foreign_city_id", "national_person", "oblast_name", "portfolio_cut", "saint_prefix", "span_start", "title_run"]

_CREDIT = re.compile(r"(?:\A|\n\n)[^\W\d_][^\n()]{0,60}?\(([^()\n]{2,40})\)\s*[-–—]")
_AFTER_CREDIT = re.compile(r"\)\s*[-–—]\s*")
_SAINTS = frozenset({"san", "santa", "santo", "santi", "santu", "sao", "saint", "sainte", "st", "ste", "sankt"})


def agency_credit(a: Analysis, text: str, covered: list[tuple[int, int]], lookup: Callable[[str], Any]) -> None:
    """The credit of the dateline as an organisation, unless a phase found it already."""
    m = _CREDIT.search(text[:300])
    if m is None:
        return
    s, e = m.span(1)
    name = m.group(1).strip()
    if any(cs < e and s < ce for cs, ce in covered):
        return
    hit = lookup(name)
    if hit is not None:
        if hit.kind == "organisation":
            a.add_actor(hit.name, "organisation", s, e, "alias", 0.95)
    elif len(name) >= 4 and not name.isupper() and name_shaped(name) and name.isascii():
        a.add_actor(name, "organisation", s, e, "rule", 0.8)


def span_start(words: Words, text: str, toks: list[tuple[int, int]], start: int, end: int, kind: str, lang: str) -> int:
    """Where a model span really starts; -1 when it names a minister's portfolio."""
    m = None
    for m in _AFTER_CREDIT.finditer(text, start, end):
        pass
    if m is not None:
        start = m.end()
    if kind == "person" and words.portfolio(text, toks, start, lang) \
            and sum(1 for s, e in toks if s >= start and e <= end) <= 2:
        return -1
    return start


def title_run(words: Words, text: str, toks: list[tuple[int, int]], first: int, end: int, lang: str) -> int:
    """First token past the titles and determiners a span opens with, and past the lowercase
    words that follow a title ("Premier ministre belge", "presidente argentino")."""
    k, titled = first, False
    while k < len(toks) and toks[k][1] < end:
        word = text[toks[k][0] : toks[k][1]]
        if words.is_title(word, lang):
            titled = True
        elif not (words.is_title_or_det(word, lang) or (titled and lang != "ru" and word[:1].islower())):
            break
        k += 1
    return k


def portfolio_cut(words: Words, text: str, toks: list[tuple[int, int]], first: int, k: int, end: int, kind: str, lang: str,
                  lookup: Callable[[str], Any]) -> tuple[int, str]:
    """A span opened by a person's title names a person (unless what follows is a known name);
    "ministre de la Culture Rachida Dati": the word after the determiner is the portfolio."""
    rest = [m for m in range(k, len(toks)) if toks[m][1] <= end]
    if kind != "person" and lang != "ru" and len(rest) >= 2 and any(words.is_title(text[toks[m][0] : toks[m][1]], lang) for m in range(first, k)):
        surface = text[toks[k][0] : end]
        if name_shaped(surface) and lookup(surface) is None:
            kind = "person"
    if kind == "person" and k > first and len(rest) >= 3 and fold(text[toks[k - 1][0] : toks[k - 1][1]]) in words.det.get(lang, ()):
        k += 1  # "ministro della Difesa Guido Crosetto" as one span: "Difesa" is not his
    return k, kind


def saint_prefix(text: str, toks: list[tuple[int, int]], i: int, size: int) -> bool:
    """Token i alone is "San"/"Saint" and a capitalised word follows: the start of a longer name."""
    if size != 1 or i + 1 >= len(toks) or fold(text[toks[i][0] : toks[i][1]].rstrip(".")) not in _SAINTS:
        return False
    gap = text[toks[i][1] : toks[i + 1][0]]
    return gap in (" ", "-", ". ") and text[toks[i + 1][0]].isupper()


def accent_variant(rec: Any, surface: str, lang: str) -> bool:
    """In German, one word that matches an organisation's alias only once accents are folded away
    ("Senat" for the French "Sénat") is the German noun, not the foreign body."""
    return lang == "de" and rec.type == "organisation" and " " not in surface and _accented(rec.alias) and not _accented(surface)


def _accented(word: str) -> bool:
    return any(unicodedata.combining(ch) for ch in unicodedata.normalize("NFKD", word))


def city_over_company(text: str, toks: list[tuple[int, int]], i: int, surface: str, locatives: frozenset[str], gazetteer: Any) -> Any:
    """A company named after its city ("Santander") is the city in a dateline or after a locative
    ("en Santander"): the city's gazetteer entry, else None."""
    after_loc = i > 0 and text[toks[i - 1][1] : toks[i][0]] == " " and text[toks[i - 1][0] : toks[i - 1][1]] in locatives
    if not (after_loc or is_dateline(text, toks, i)):
        return None
    return next((e for e, alt in gazetteer.candidates(surface) if not alt and e.feature == "city"), None)


def foreign_city_id(key: str, surface: str, home: tuple[str, ...], gazetteer: Any) -> int | None:
    """The city a foreign form names ("Moscou"), unless a town of the article's own country has
    that very name ("Alzira" in Valencia is not Algiers, whatever its population)."""
    gid = foreign_city_names().get(key)
    if gid is not None and any(not alt and e.country_code in home for e, alt in gazetteer.candidates(surface)):
        return None
    return gid


def national_person(text: str, start: int, end: int, kind: str | None, lang: str) -> tuple[str | None, int]:
    """(kind, start) of a French-model span: a nationality before two or three capitalised words
    names a person, whatever the label ("le Slovène Tadej Pogačar" as MISC, "al serbio Novak
    Djokovic" as ORG); the nationality is cut off. Other spans unchanged."""
    if kind == "person":
        return kind, start
    forms = national(lang)
    span = text[start:end]
    words = span.split()
    before = text[max(0, start - 30) : start].replace("'", " ").replace("’", " ").split()
    if words and fold(words[0]) in forms and words[0][:1].isupper() == (lang == "fr"):
        rest, new_start = words[1:], start + len(span) - len(span.split(None, 1)[-1]) if len(words) > 1 else end
    elif before and fold(before[-1]) in forms and text[start - 1 : start] == " ":
        rest, new_start = words, start
    else:
        return kind, start
    if 2 <= len(rest) <= 3 and all(w[:1].isupper() and w.replace("-", "").isalpha() and not w.isupper() for w in rest):
        return "person", new_start
    return kind, start


def oblast_name(stem: str, city: str) -> str:
    """The English head of an oblast named after a city: the city's name, unless the stem is a
    former name of it ("Свердловской области" is Sverdlovsk Oblast, not "Yekaterinburg Oblast")."""
    latin = transliterate(stem)
    return city if fold(latin)[:3] == fold(city)[:3] else latin

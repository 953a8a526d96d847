"""Ministries as the languages without a model write them: "le ministère russe des Affaires
étrangères", "el Ministerio de Sanidad", "il ministero degli Esteri russo", "das russische
Außenministerium" (in German only with a nationality or "Bundes-": a bare "Innenministerium" is
as often a state's). The canonical name is "<Demonym> <Portfolio> Ministry", the convention of the
alias list ("Russian Foreign Ministry"); the nationality next to the keyword names the country, else
it is the article's own. Portfolios and prepositions: ``data/ministries.json``. A span an alias
already covers is left to the alias ("Verteidigungsministerium" is the Federal Ministry of Defence).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from shared.aliases import fold

from . import foreign_names
from .lexicons import HOME_COUNTRY, country_names
from .records import Analysis, load_data

#: a country named after the portfolio: "de Chile", "du Maroc", "della Francia"
_OF_COUNTRY = re.compile(r"\s+(?:de la|de l'|del|de|du|della|dell'|di)\s*([A-ZÁÉÍÓÚÈÀ][\w-]+(?: [A-Z][\w-]+)?)")


@lru_cache(maxsize=8)
def _pattern(lang: str) -> re.Pattern[str] | None:
    data = load_data("ministries.json")
    if lang == "de":
        heads = "|".join(sorted(data["german_compounds"], key=len, reverse=True))
        return re.compile(rf"(?:(?P<nat1>[A-Za-zäöüÄÖÜß]+)\s+)?(?:Bundes)?(?P<port>{heads})ministeri(?:ums?|en)\b", re.IGNORECASE)
    if lang not in data["keywords"]:
        return None
    kw = "|".join(data["keywords"][lang])
    preps = "|".join(re.escape(p) + ("" if p.endswith(("'", "’")) else r"\s+") for p in sorted(data["prepositions"][lang], key=len, reverse=True))
    ports = "|".join(re.escape(p) for p in sorted(data["portfolios"][lang], key=len, reverse=True))
    return re.compile(rf"\b(?:{kw})(?:\s+(?P<nat1>\w+))?\s+(?:{preps})(?P<port>{ports})\b(?:\s+(?P<nat2>\w+))?", re.IGNORECASE)


@lru_cache(maxsize=8)
def _portfolios(lang: str) -> dict[str, str]:
    data = load_data("ministries.json")
    table = data["german_compounds"] if lang == "de" else data["portfolios"][lang]
    return {fold(k): v for k, v in table.items()}


def _portfolio(lang: str, word: str) -> str | None:
    return _portfolios(lang).get(fold(word))


def ministries(a: Analysis, text: str, covered: list[tuple[int, int]], lang: str, gazetteer: Any) -> None:
    """Add each ministry found outside ``covered`` as an organisation (and its country as a
    place, from the nationality word); the spans join ``covered``."""
    pattern = _pattern(lang)
    if pattern is None:
        return
    nationals = foreign_names.national(lang)
    for m in pattern.finditer(text):
        start, end = m.start("port") if lang == "de" else m.start(), m.end("port")
        if lang == "de":
            start = text.rfind(" ", 0, start) + 1  # the compound's first letter ("Bundesaußen...")
            end = m.end()
        if any(s < end and start < e for s, e in covered):
            continue
        portfolio = _portfolio(lang, m.group("port"))
        nat_group = next((g for g in ("nat1", "nat2") if m.groupdict().get(g) and fold(m.group(g)) in nationals), None)
        if lang == "de" and nat_group is None and not fold(m.group(0)).split()[-1].startswith("bundes"):
            continue  # "das Innenministerium", "das bayerische Innenministerium": often a state's
        cc = nationals[fold(m.group(nat_group))] if nat_group else HOME_COUNTRY[lang]
        of = _OF_COUNTRY.match(text, m.end("port")) if nat_group is None else None
        named = country_names().get(fold(of.group(1))) if of else None
        if named and of is not None:  # "el Ministerio de Hacienda de Chile"
            cc, end = named, of.end(1)
        if portfolio is None or cc not in gazetteer.countries:
            continue
        adjective = gazetteer.government_name(cc).rsplit(" ", 1)[0]
        if nat_group == "nat1" and lang == "de":
            start = m.start("nat1")
        if nat_group == "nat2":
            end = m.end("nat2")
        a.add_actor(f"{adjective} {portfolio} Ministry", "organisation", start, end, "rule", 0.8)
        if nat_group:
            country = gazetteer.countries[cc]
            a.demonyms.append((country, m.start(nat_group), m.end(nat_group), m.group(nat_group)))
        covered.append((start, end))

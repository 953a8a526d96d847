"""Name resources of the multilingual pipelines beyond the shared registry, each built once per process.

* ``registry(lang)``: curated parties, bodies, clubs, companies and figures of the five languages'
  press (``data/aliases-multilingual.json``), looked up after the shared registry, so the English
  pipeline and an operator's corrections are untouched.
* ``region(key)``: regions, islands, seas, ranges and continents geonames lacks, by their names in
  every supported language (``data/regions-multilingual.json``); Russian names also by lemmas.
* ``national(lang)``: national adjectives and nouns -> country code ("iranischen", "l'Espagnol",
  "tedeschi", "российской"), inflected by each language's regular endings
  (``data/demonyms-multilingual.json``). A national adjective adds its country, as the gold's
  annotation guide says; continental and regional adjectives add nothing.
* ``german_declined``: a declined German name's listed form ("des Internationalen
  Währungsfonds" -> "Internationaler Währungsfonds", "der Europäischen Zentralbank").
* ``ru_lemma_key``: the folded lemmas of a Russian phrase ("Ближнем Востоке" -> "ближнии восток"),
  to find inflected names.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from functools import lru_cache
from shared.aliases import AliasRecord, AliasRegistry, fold

from .gazetteer import GeoEntry
from .records import load_data

__all__ = ["GOVERNMENT_WORDS", "clubs", "clubs_after_article", "given_names", "national", "national_mentions", "oblast_parts", "region", "registry",
           "ru_lemma_key", "ru_name_tags", "russian_country_lemmas", "russian_given"]

#: The word for a national government, by language (a national adjective next to it gives
#: "<Demonym> government": "die iranische Regierung", "le gouvernement français").
GOVERNMENT_WORDS = {
    "de": ("regierung",), "fr": ("gouvernement",), "es": ("gobierno",), "it": ("governo",),
    "ru": ("правительств",),
}
#: The word for "language" after a national adjective ("русский язык", "lingua italiana" aside).
_LANGUAGE_WORDS = {"de": ("sprache",), "fr": ("langue",), "es": ("lengua", "idioma"), "it": ("lingua",), "ru": ("язык",)}
_RU_ADJ_ENDINGS = ("ий", "ый", "ая", "яя", "ое", "ее", "ие", "ые", "ого", "его", "ой", "ей", "ому", "ему",
                   "ую", "юю", "ым", "им", "ом", "ем", "их", "ых", "ими", "ыми")
_OBLAST = re.compile(r"([А-ЯЁ][а-яё-]+?)(?:ая|ой|ую|ий|ого|ому|ом|им)\s+(област|кра|округ)[а-яё]*", re.UNICODE)


def _strip_accent(word: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKD", word) if not unicodedata.combining(ch))


def inflections(base: str, lang: str) -> set[str]:
    """Regular forms of a national adjective (masculine singular, or the German/Russian stem)."""
    b = base
    if lang == "de":
        return {b + e for e in ("e", "en", "er", "es", "em")}
    if lang == "ru":
        return {b + e for e in _RU_ADJ_ENDINGS}
    if lang == "fr":
        if b.endswith("e"):
            return {b, b + "s"}
        if b.endswith("ien"):
            return {b, b + "s", b + "ne", b + "nes"}
        if b.endswith("c"):  # turc, grec
            stem = b + "qu" if b.endswith("grec") else b[:-1] + "qu"
            return {b, b + "s", stem + "e", stem + "es"}
        if b.endswith("s"):
            return {b, b + "e", b + "es"}
        return {b, b + "s", b + "e", b + "es"}
    if lang == "es":
        if b.endswith("o"):
            return {b, b + "s", b[:-1] + "a", b[:-1] + "as"}
        if b.endswith(("e", "a")):
            return {b, b + "s"}
        if b.endswith("í"):
            return {b, b + "es", b + "s"}
        if b[-2:] in ("án", "és", "ín", "ón"):
            plain = b[:-2] + _strip_accent(b[-2]) + b[-1]
            return {b, plain + "a", plain + "as", plain + "es"}
        return {b, b + "a", b + "as", b + "es"}
    if lang == "it":
        if b.endswith("co"):  # tedesco -> tedeschi, tedesche
            return {b, b[:-1] + "a", b[:-1] + "hi", b[:-1] + "he"}
        if b.endswith("o"):
            return {b, b[:-1] + "a", b[:-1] + "i", b[:-1] + "e"}
        if b.endswith("e"):
            return {b, b[:-1] + "i"}
        if b.endswith("a"):
            return {b, b[:-1] + "i", b[:-1] + "e"}
    return {b}


@lru_cache(maxsize=8)
def national(lang: str) -> Mapping[str, str]:
    """folded national adjective/noun form in ``lang`` -> ISO country code."""
    data = load_data("demonyms-multilingual.json")
    out: dict[str, str] = {}
    for cc, by_lang in data["adjectives"].items():
        for base in by_lang.get(lang, ()):
            for form in inflections(base, lang):
                out.setdefault(fold(form), cc)
    for cc, forms in data["forms"].get(lang, {}).items():
        for form in forms:
            out.setdefault(fold(form), cc)
    return out


@lru_cache(maxsize=1)
def given_names() -> frozenset[str]:
    """Folded common given names (``data/given-names.json``)."""
    return frozenset(fold(n) for n in load_data("given-names.json")["names"])


@lru_cache(maxsize=1)
def _russian_given() -> frozenset[str]:
    return frozenset(fold(n) for n in load_data("given-names.json")["russian"])


def russian_given(word: str) -> bool:
    """A common Russian given name, in any case ("Тимура", "Эльвиры")."""
    return fold(word) in _russian_given() or fold(_ru_lemma(word)) in _russian_given()


@lru_cache(maxsize=8)
def registry(lang: str) -> AliasRegistry:
    """The multilingual seed aliases valid in ``lang`` (the general ones plus its own)."""
    records: list[AliasRecord] = []
    for entry in load_data("aliases-multilingual.json")["entries"]:
        canonical, kind = entry["canonical"], entry["type"]
        own = [] if entry.get("not_as_written") else [canonical]
        surfaces = [*own, *entry["aliases"], *entry.get("languages", {}).get(lang, ())]
        for surface in surfaces:
            records.append(AliasRecord(surface, canonical, kind, source="seed-multilingual"))
            if lang == "ru" and _is_cyrillic(surface):
                records.append(AliasRecord(ru_lemma_key(surface), canonical, kind, source="seed-multilingual"))
    return AliasRegistry(records)


@lru_cache(maxsize=16)
def clubs_after_article(lang: str, feminine: bool = False) -> Mapping[str, str]:
    """folded city name -> club, for a city after a masculine article ("il Napoli", "al Girona"),
    or a feminine one for the clubs that take it ("la Roma", "la Lazio": the region is "il Lazio")."""
    key = "after_feminine_article" if feminine else "after_article"
    return {fold(city): e["canonical"] for e in load_data("aliases-multilingual.json")["entries"]
            for city in e.get(key, {}).get(lang, ())}


@lru_cache(maxsize=1)
def clubs() -> frozenset[str]:
    """Canonical names of the sports clubs among the multilingual aliases."""
    return frozenset(e["canonical"] for e in load_data("aliases-multilingual.json")["entries"] if e.get("club"))


@lru_cache(maxsize=2)
def _regions(cyrillic: bool = True) -> Mapping[str, GeoEntry]:
    """Folded name -> region; with ``cyrillic`` also Russian names by their lemma keys, which
    needs natasha's morphology: only a Cyrillic key asks for that index, so an article in a
    gazetteer-only language never loads it (a lemma key is Cyrillic, a Latin key finds the same
    region in both indexes)."""
    out: dict[str, GeoEntry] = {}
    for r in load_data("regions-multilingual.json")["regions"]:
        entry = GeoEntry(name=r["name"], feature="region", country_code=r["country_code"])
        for surface in (r["name"], *r["aliases"]):
            if cyrillic or not _is_cyrillic(surface):
                out.setdefault(fold(surface), entry)
            if cyrillic and _is_cyrillic(surface):
                out.setdefault(ru_lemma_key(surface), entry)
    return out


def region(key: str) -> GeoEntry | None:
    """A region, sea, range or continent by folded name (or Russian lemma key)."""
    return _regions(_is_cyrillic(key)).get(key)


_CYRILLIC_CHAR = re.compile("[\u0400-\u04ff]")


def _is_cyrillic(text: str) -> bool:
    return _CYRILLIC_CHAR.search(text) is not None


@lru_cache(maxsize=65536)
def _ru_lemma(word: str) -> str:
    from .lexicons import load_russian  # natasha's morphology (pymorphy2), loaded once

    forms = load_russian().morph_vocab.parse(word)
    return str(forms[0].normal) if forms else word.lower()


def ru_name_tags(word: str) -> frozenset[str]:
    """'Name' / 'Surn' / 'Patr' / 'Geox' / 'ADJF' of the likeliest reading of a Russian word."""
    from .lexicons import load_russian

    forms = load_russian().morph_vocab.parse(word)
    return frozenset(g for g in ("Name", "Surn", "Patr", "Geox", "ADJF") if forms and g in forms[0].tag)


@lru_cache(maxsize=1)
def russian_country_lemmas() -> Mapping[str, str]:
    """Russian CLDR country names by their lemmas ("Северной Кореи" -> KP)."""
    from babel import Locale

    return {ru_lemma_key(name): code for code, name in Locale("ru").territories.items() if len(code) == 2 and code.isalpha()}


def ru_lemma_key(surface: str) -> str:
    """Folded lemmas of a Russian phrase, word by word (hyphenated parts kept together)."""
    return fold(" ".join(_ru_lemma(w) for w in surface.split()))


def oblast_parts(surface: str) -> tuple[list[str], str] | None:
    """'Оренбургской области' -> (['Оренбург', 'Оренбургск'], 'Oblast'): the capital's name the
    adjective derives from (with and without its -ск), and the English division word."""
    m = _OBLAST.fullmatch(surface)
    if m is None:
        return None
    stem, kind = m.group(1), m.group(2)
    options = [stem, stem[:-2]] if stem.endswith("ск") else [stem]
    return options, {"област": "Oblast", "кра": "Krai", "округ": "Okrug"}[kind]


@lru_cache(maxsize=8)
def _national_nouns(lang: str) -> frozenset[str]:
    return frozenset(fold(f) for forms in load_data("demonyms-multilingual.json")["forms"].get(lang, {}).values() for f in forms)


def national_mentions(text: str, toks: list[tuple[int, int]], lang: str,
                      covered: list[tuple[int, int]]) -> list[tuple[str, int, int, bool]]:
    """(country code, start, end, names a government) for each national adjective or noun.

    Skipped: words inside a name already found ("Deutsche Bahn", "Agenzia spaziale italiana"),
    and in German, Russian, Spanish and Italian a capitalised form past a sentence start (there it
    is part of a name: "Russische Akademie", "Российская академия наук", "Real Federación
    Española de Tenis"; French capitalises its nationality nouns, "les Français"); German nouns
    ("Franzose", "Schweizer") are listed as such.
    """
    forms = national(lang)
    nouns = _national_nouns(lang)
    gov = GOVERNMENT_WORDS.get(lang, ())
    out: list[tuple[str, int, int, bool]] = []
    for k, (s, e) in enumerate(toks):
        word = text[s:e].rstrip(".")
        e = s + len(word)
        cc = forms.get(fold(word))
        after = fold(text[e : e + 12].strip().split(" ")[0]) if text[e : e + 1] == " " else ""
        if after.startswith(_LANGUAGE_WORDS.get(lang, ("-",))):
            continue  # "русского языка", "in französischer Sprache": a language, not its country
        if cc is None and lang == "ru" and _is_cyrillic(word):
            cc = forms.get(fold(_ru_lemma(word)))  # "испанцами" -> "испанец"
        if cc is None or any(cs <= s < ce for cs, ce in covered):
            continue
        gap = text[toks[k - 1][1] - 1 : s] if k else "\n"
        sentence_start = "\n" in gap or gap.strip()[-1:] in (".", "!", "?", ":", "«", '"')
        if word[:1].isupper() and not sentence_start and (lang in ("es", "it") or (lang in ("de", "ru") and fold(word) not in nouns)):
            continue  # Spanish and Italian write nationalities in lowercase too: "Federación Española" is a name
        near = [fold(text[a:b]) for a, b in toks[max(0, k - 2) : k + 3] if (a, b) != (s, e)]
        is_gov = any(w.startswith(g) for w in near for g in gov)
        out.append((cc, s, e, is_gov))
    return out


# ---------------------------------------------------------------------- German declension

#: a German adjective's case ending ("europäischen", "internationaler", "rotes" -> the stem)
_DE_ENDING = re.compile(r"(?<=\w{3})e[mnrs]?$")


def _de_head(words: list[str]) -> list[str]:
    return [_DE_ENDING.sub("", w) for w in words]


@lru_cache(maxsize=1)
def _german_listed() -> Mapping[str, str]:
    """Declension-free key of every listed multiword organisation or place name -> the name as
    listed: the words before the last lose their adjective endings, the last is kept."""
    from babel import Locale

    records = [*registry("de").to_records(), *AliasRegistry.seeded().to_records()]
    surfaces = [r["alias"] for r in records if r["type"] in ("organisation", "place")]
    surfaces += list(Locale("de").territories.values())  # "Vereinigte Staaten", "Vereinigtes Königreich"
    out: dict[str, str] = {}
    for surface in surfaces:
        words = fold(surface).split()
        if len(words) >= 2:
            out.setdefault(" ".join([*_de_head(words[:-1]), words[-1]]), surface)
    return out


def german_declined(surface: str) -> str | None:
    """The listed form of a German name in another case, or None: adjective endings are folded
    and the last word may carry a genitive "-s"/"-es" ("des Roten Kreuzes" -> "Rotes Kreuz",
    "des Europäischen Parlaments", "der Vereinigten Staaten")."""
    words = fold(surface).split()
    if len(words) < 2:
        return None
    head, last = _de_head(words[:-1]), words[-1]
    for form in (last, last[:-1] if last.endswith("s") else "", last[:-2] if last.endswith("es") else ""):
        listed = _german_listed().get(" ".join([*head, form])) if form else None
        if listed is not None and fold(listed) != fold(surface):
            return listed
    return None

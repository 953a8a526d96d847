"""The enrich stage as a pure transformation: CleanArticle -> EnrichedArticle.

No Kafka, no Elasticsearch. :class:`Enricher` is built once per process and
:meth:`Enricher.enrich_batch` routes each article by language to its pipeline:

* English: spaCy ``en_core_web_sm`` (NER only) plus rules (``english.py``), over ``nlp.pipe``.
* French: spaCy ``fr_core_news_sm`` (NER only); Russian: natasha (NER, morphology, lemmatised
  names); Spanish and Italian: the alias registry and the multilingual gazetteer, plus the French
  model's full person names (Romance names carry over; its places and organisations do not);
  German and any other language: registry and gazetteer only (``multilingual.py``). The English model never sees another
  language, and each model is loaded once per process, on first use.

Every pipeline fills one :class:`~.records.Analysis`; places are then resolved together by the
gazetteer, canonical names are English where one exists (surface forms kept as aliases and in
the mentions, with offsets into ``title + "\\n\\n" + body``), and topics and keywords are added.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, NamedTuple

from shared.aliases import AliasRegistry
from shared.errors import InvalidArticle
from shared.limits import ENRICH_MAX_ANALYSED_CHARS, ENRICH_MIN_DETECT_CHARS
from shared.models import Actor, CleanArticle, EnrichedArticle, Place, Topic

from .english import EXCLUDED_COMPONENTS, MODEL_PACKAGE, EnglishPipeline, load_nlp
from .gazetteer import Gazetteer
from .multilingual import MODEL_LANGUAGES, MultilingualPipeline, stop_words
from .records import Analysis, finish_entities
from .topics import TopicClassifier, keywords

__all__ = ["ENRICHMENT_VERSION", "EXCLUDED_COMPONENTS", "MAX_ANALYSED_CHARS", "MODEL_PACKAGE", "Enricher",
           "article_text", "enrich", "language_of", "load_nlp"]

ENRICHMENT_VERSION = "2026.12-1"
# Longer texts are analysed up to this many characters (offsets stay valid: they index the
# full text); spaCy's own limit is 1,000,000.
MAX_ANALYSED_CHARS = ENRICH_MAX_ANALYSED_CHARS
_WORD = re.compile(r"\w+(?:[-'’]\w+)*")
_CYRILLIC = re.compile(r"[\u0400-\u04FF]")

class Result(NamedTuple):
    """What the analysis finds in one text: the fields of an :class:`EnrichedArticle` beside the article."""

    actors: list[Actor]
    places: list[Place]
    topics: list[Topic]
    keywords: list[str]


def article_text(article: CleanArticle) -> str:
    """The analysed string; mention offsets index into exactly this."""
    return f"{article.title}\n\n{article.body}"


def language_of(given: str | None, text: str) -> str:
    """The pipeline language: the article's own (clean's, given or detected), else detected here.

    Text too short to detect reliably is English unless it is mostly Cyrillic.
    """
    if given:
        return given.lower().split("-")[0].split("_")[0]
    sample = text[:5000]
    letters = sum(ch.isalpha() for ch in sample) or 1
    if len(_CYRILLIC.findall(sample)) / letters > 0.5:
        return "ru"
    if len(sample) < ENRICH_MIN_DETECT_CHARS:
        return "en"
    import py3langid

    code, _score = py3langid.classify(sample)
    return str(code)


class Enricher:
    """Entity, place and topic extraction. Build once per process; thread-compatible for reads."""

    def __init__(
        self,
        registry: AliasRegistry | None = None,
        gazetteer: Gazetteer | None = None,
        topics: TopicClassifier | None = None,
        nlp: Any = None,
        batch_size: int = 32,
    ) -> None:
        self.registry = registry or AliasRegistry.seeded()
        self.gazetteer = gazetteer or Gazetteer(self.registry)
        self.topics = topics or TopicClassifier()
        self._nlp = nlp
        self.batch_size = batch_size
        self.english = EnglishPipeline(self.registry, self.gazetteer)
        self.multilingual = MultilingualPipeline(self.registry, self.gazetteer)
        from spacy.lang.en.stop_words import STOP_WORDS

        self._stop = frozenset(STOP_WORDS) | {"said", "says", "told", "also", "would", "could", "year", "years"}

    @property
    def nlp(self) -> Any:
        """The English spaCy pipeline (loaded on first use, once per process)."""
        if self._nlp is None:
            self._nlp = load_nlp()
        return self._nlp

    # ------------------------------------------------------------------ public API

    def enrich_batch(self, articles: Sequence[CleanArticle]) -> list[EnrichedArticle]:
        """Enrich a batch (English articles through one ``nlp.pipe`` call). Output order = input order.

        Raises InvalidArticle for an article whose text is empty (nothing to enrich is a bad
        message, not an outage). Any other exception is a bug or an outage.
        """
        texts = [article_text(a) for a in articles]
        for article, text in zip(articles, texts):
            if not text.strip():
                raise InvalidArticle(f"article {article.id} has neither title nor body text")
        results = self.analyse_texts(texts, [a.language for a in articles])
        return [EnrichedArticle(article=article, enrichment_version=ENRICHMENT_VERSION, **result._asdict())
                for article, result in zip(articles, results)]

    def analyse_texts(self, texts: Sequence[str], languages: Sequence[str | None] | None = None) -> list[Result]:
        """Same analysis on plain strings (used by the evaluation tool and tests)."""
        langs = [language_of(g, t) for g, t in zip(languages or [None] * len(texts), texts)]
        out: list[Result | None] = [None] * len(texts)
        english = [k for k, lang in enumerate(langs) if lang == "en"]
        docs = self.nlp.pipe((texts[k][:MAX_ANALYSED_CHARS] for k in english), batch_size=self.batch_size) if english else ()
        for k, doc in zip(english, docs):
            a = self.english.analyse(doc)
            title_end = a.text.find("\n\n")
            title = [w for t, w in zip(a.tokens, a.lowers) if title_end < 0 or t.idx < title_end]
            out[k] = self._finish(a, a.lowers, title, "en")
        rest = [k for k in range(len(texts)) if out[k] is None]
        model_docs = dict(zip(rest, self.multilingual.model_docs([texts[k] for k in rest], [langs[k] for k in rest], MAX_ANALYSED_CHARS)))
        for k, lang in enumerate(langs):
            if out[k] is None:
                a = self.multilingual.analyse(texts[k], lang, MAX_ANALYSED_CHARS, model_docs[k])
                words = [w.lower() for w in _WORD.findall(texts[k][:MAX_ANALYSED_CHARS])]
                title_end = texts[k].find("\n\n")
                title = words if title_end < 0 else [w.lower() for w in _WORD.findall(texts[k][:title_end])]
                out[k] = self._finish(a, words, title, lang)
        return [r for r in out if r is not None]

    # ------------------------------------------------------------------ last phases, every language

    def _finish(self, a: Analysis, words: list[str], title_words: list[str], lang: str) -> Result:
        finish_entities(a, self.gazetteer)
        actors, places = a.actors, a.places
        title_length = len(title_words) if len(title_words) < len(words) else 0
        topics = self.topics.classify(words, actors, language=lang, title_length=title_length)
        names = [x.name for x in actors[:3]] + [p.name for p in places[:2]]
        in_mentions = {w for x in actors for m in x.mentions for w in m.text.lower().split()}
        in_mentions |= {w for p in places for m in p.mentions for w in m.text.lower().split()}
        stop = self._stop if lang == "en" else stop_words(lang)
        kws = keywords(words, stop, names, title_words, exclude=in_mentions)
        return Result(actors, places, topics, kws)

    def loaded_languages(self) -> list[str]:
        """Languages whose model is loaded in this process (English first)."""
        return (["en"] if self._nlp is not None else []) + self.multilingual.loaded()


def supported_model_languages() -> tuple[str, ...]:
    return ("en", *MODEL_LANGUAGES)


def enrich(article: CleanArticle, enricher: Enricher) -> EnrichedArticle:
    """Enrich one article (the stage function). Raises InvalidArticle for an empty article."""
    return enricher.enrich_batch([article])[0]

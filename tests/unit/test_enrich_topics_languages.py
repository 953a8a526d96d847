"""Topics in every language: per-language term lists, phrases, title weight, entity evidence.

Texts here are written for the tests and are not in tests/data/topics-eval.jsonl.
"""

from __future__ import annotations

import re

import pytest

from services.enrich.topics import TopicClassifier
from services.enrich.topics_lexicon import normalise
from shared.models import Actor

SPORT, ECON, TECH, POL, ARTS = "medtop:15000000", "medtop:04000000", "medtop:13000000", "medtop:11000000", "medtop:01000000"
_WORD = re.compile(r"\w+(?:[-'’]\w+)*")


@pytest.fixture(scope="module")
def tc() -> TopicClassifier:
    return TopicClassifier()


def words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def primary(tc: TopicClassifier, text: str, language: str, **kw: object) -> str | None:
    return next((t.id for t in tc.classify(words(text), language=language, **kw) if t.parent is None), None)  # type: ignore[arg-type]


CASES = [
    ("de", "Der Verein hat den Trainer entlassen, nachdem die Mannschaft das Pokalspiel verloren hatte.", SPORT),
    ("de", "Die Aktie des Konzerns stieg an der Börse, nachdem der Umsatz im Quartal kräftig gewachsen war.", ECON),
    ("de", "Ein Fehler in der Software des Smartphones lässt den Akku schnell leer werden; ein Update kommt.", TECH),
    ("fr", "L'entraîneur a salué ses joueurs après la victoire en championnat, l'attaquant a marqué deux buts.", SPORT),
    ("fr", "Les députés de l'Assemblée nationale ont voté le projet de loi malgré l'opposition.", POL),
    ("fr", "La chanteuse sortira un nouvel album et donnera des concerts cet automne.", ARTS),
    ("es", "El delantero marcó dos goles y el equipo sigue líder de la liga.", SPORT),
    ("es", "Los inversores vendieron acciones en la bolsa por miedo a la inflación.", ECON),
    ("es", "Los piratas informáticos robaron datos de los usuarios de la aplicación.", TECH),
    ("it", "L'allenatore ha elogiato la squadra dopo il pareggio in campionato.", SPORT),
    ("it", "Il governo ha posto la fiducia al Senato sulla legge di bilancio.", POL),
    ("it", "La regista presenterà il suo nuovo film alla Mostra del cinema.", ARTS),
    ("ru", "Нападающий забил два гола, и команда вышла в полуфинал кубка.", SPORT),
    ("ru", "Депутаты Госдумы приняли законопроект о бюджете во втором чтении.", POL),
    ("ru", "Хакеры взломали сайт и похитили данные пользователей приложения.", TECH),
]


@pytest.mark.parametrize(("language", "text", "expected"), CASES)
def test_each_language_gets_its_topic(tc: TopicClassifier, language: str, text: str, expected: str) -> None:
    assert primary(tc, text, language) == expected


def test_other_languages_have_lists_and_english_words_do_not_leak(tc: TopicClassifier) -> None:
    assert {"en", "de", "fr", "es", "it", "ru"} <= tc.languages
    # German sport words mean nothing to the English list, and vice versa
    german = "Der Stürmer traf zweimal, die Mannschaft führt die Tabelle jetzt an."
    assert primary(tc, german, "de") == SPORT
    assert primary(tc, german, "en") is None
    assert primary(tc, "The striker scored twice and the club tops the league.", "de") is None


def test_unknown_language_uses_entity_evidence_only(tc: TopicClassifier) -> None:
    text = "Fotbollsförbundet FIFA meddelade att finalen spelas i juli."
    fifa = Actor(name="FIFA", type="organisation", count=1)
    assert tc.classify(words(text), language="sv") == []
    assert primary(tc, text, "sv") is None
    topics = tc.classify(words(text), [fifa], language="sv")
    assert topics and topics[0].id == SPORT
    assert tc.lexicon("pt-BR") is tc.lexicon("xx")  # a language without a list: the empty one
    assert tc.lexicon(None) is tc.lexicon("en")  # not yet detected: English, as before


def test_a_phrase_consumes_its_words(tc: TopicClassifier) -> None:
    # "video games" is technology; the general "game*"/"players" would pull it towards sport
    text = "Video games: players queue for the new game console as video games sales rise."
    assert primary(tc, text, "en") == TECH
    hits = {h.term for h in tc.lexicon("en").hits(words("the video games were fun"))}
    assert "video game*" in hits
    assert not any(t.startswith("game") for t in hits)


def test_title_words_count_double(tc: TopicClassifier) -> None:
    # same words; the title decides between two topics that the body mentions equally
    title, body = "Broadband", "A concert was announced. broadband"
    toks = words(title) + ["\n\n"] + words(body)
    with_title = tc.raw_scores(toks, language="en")
    no_title = tc.raw_scores(words(title) + words(body), language="en", title_length=0)
    assert with_title["medtop:20000756"] > no_title["medtop:20000756"]
    assert with_title.get(ARTS) == no_title.get(ARTS)
    # an explicit title length works without a blank-line token (the other languages' tokens)
    explicit = tc.raw_scores(words(title) + words(body), language="en", title_length=1)
    assert explicit["medtop:20000756"] == with_title["medtop:20000756"]


def test_primary_topic_counts_the_whole_subtree(tc: TopicClassifier) -> None:
    # the technology terms sit in a subtopic; a top-level arts word must not outrank them
    topics = tc.classify(words("New laptop and tablet: the gadget has a touchscreen and runs a film app."), language="en")
    assert topics[0].id == TECH
    assert any(t.id == "medtop:20000756" for t in topics)


def test_elision_and_yo_are_normalised() -> None:
    assert normalise("l'assemblée") == "assemblée"
    assert normalise("dell’economia") == "economia"
    assert normalise("l'") == ""
    assert normalise("счёт") == "счет"
    assert normalise("don't") == "don't"  # English contractions stay


def test_technology_beats_arts_and_economy_on_device_news(tc: TopicClassifier) -> None:
    for text in (
        "Phone maker's new handset has a bigger screen, and sales of the smartphone are strong.",
        "Broadband customers will get faster fibre connections, the regulator said.",
        "Hackers stole customer passwords in a cyber-attack on the retailer's website.",
        "The streaming app update lets users download TV series to their phones.",
    ):
        assert primary(tc, text, "en") == TECH, text

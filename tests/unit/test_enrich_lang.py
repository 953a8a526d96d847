"""Enrich in other languages, through the real models (French spaCy, natasha) and gazetteer."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from services.enrich.logic import Enricher, language_of
from services.enrich.translit import transliterate
from shared.models import CleanArticle, EnrichedArticle

ROOT = Path(__file__).resolve().parents[2]


class SpyNlp:
    """The real English pipeline, recording every text it is given."""

    def __init__(self, nlp: Any) -> None:
        self.nlp, self.seen = nlp, []  # type: ignore[var-annotated]
        self.pipe_names = nlp.pipe_names

    def pipe(self, texts: Any, batch_size: int = 32) -> Any:
        for text in texts:
            self.seen.append(text)
            yield from self.nlp.pipe([text])


@pytest.fixture(scope="module")
def enricher() -> Enricher:
    from services.enrich.english import load_nlp

    return Enricher(nlp=SpyNlp(load_nlp()))


def run(enricher: Enricher, text: str, language: str | None) -> EnrichedArticle:
    title, _, body = text.partition("\n\n")
    article = CleanArticle(id="x", title=title, body=body, content_hash="h", language=language,
                           received_at=datetime(2025, 1, 1, tzinfo=timezone.utc))
    out = enricher.enrich_batch([article])[0]
    full = f"{title}\n\n{body}"
    for entity in [*out.actors, *out.places]:
        for m in entity.mentions:
            assert full[m.start : m.end] == m.text, (entity.name, m)
    return out


def names(out: EnrichedArticle) -> tuple[dict[str, Any], dict[str, Any]]:
    return {a.name: a for a in out.actors}, {p.name: p for p in out.places}


def test_german_canonical_names_roles_and_no_common_nouns(enricher: Enricher) -> None:
    out = run(enricher, "Merz trifft Macron\n\nBundeskanzler Friedrich Merz sprach am Dienstag in Berlin mit dem "
              "Präsidenten Emmanuel Macron. Wladimir Putin hatte in Moskau erklärt, Russlands Armee sei bereit. "
              "Die Europäische Union reagierte. Kommen Sie im nächsten Jahr! Mit der Digitalbranche stehen den "
              "Kunden neue Marktsituationen zur Verfügung.", "de")
    actors, places = names(out)
    assert set(actors) == {"Friedrich Merz", "Emmanuel Macron", "Vladimir Putin", "European Union"}, actors
    assert set(places) == {"Berlin", "Moscow", "Russia"}, places
    assert "Bundeskanzler" in actors["Friedrich Merz"].roles
    assert "Präsidenten" in actors["Emmanuel Macron"].roles
    assert "Wladimir Putin" in actors["Vladimir Putin"].aliases
    assert "Moskau" in places["Moscow"].aliases and places["Moscow"].country_code == "RU"
    assert "Russlands" in places["Russia"].aliases


def test_french_model_split_places_and_titles(enricher: Enricher) -> None:
    out = run(enricher, "Poutine à Paris\n\nLe président Emmanuel Macron a reçu Vladimir Poutine. Le PDG Patrick "
              "Pouyanné a visité Lyon et Marseille. L'Union européenne a salué la rencontre à Moscou. "
              "Pouyanné a ensuite parlé de l'Économie.", "fr")
    actors, places = names(out)
    assert {"Emmanuel Macron", "Vladimir Putin", "Patrick Pouyanné", "European Union"} <= set(actors), actors
    assert "Économie" not in actors and not any("Le " in n for n in actors)
    assert actors["Patrick Pouyanné"].count == 2 and "PDG" in actors["Patrick Pouyanné"].roles
    assert "président" in actors["Emmanuel Macron"].roles
    assert {"Paris", "Lyon", "Marseille", "Moscow"} <= set(places), places
    assert not any(" et " in p for p in places)


def test_spanish_and_italian_from_registry_and_gazetteer(enricher: Enricher) -> None:
    es = run(enricher, "Sánchez y Lula\n\nEl presidente Pedro Sánchez visitó a Lula en Brasilia. Ambos criticaron "
             "a Rusia y hablaron de la Unión Europea.", "es")
    actors, places = names(es)
    assert set(actors) == {"Pedro Sánchez", "Luiz Inácio Lula da Silva", "European Union"}, actors
    assert "presidente" in actors["Pedro Sánchez"].roles
    assert {"Brasília", "Russia"} == set(places), places
    it = run(enricher, "Meloni a Roma\n\nLa premier Giorgia Meloni ha parlato di Mosca, della Russia e degli "
             "Stati Uniti con la Commissione europea.", "it")
    actors, places = names(it)
    assert set(actors) == {"Giorgia Meloni", "European Commission"}, actors
    assert set(places) == {"Rome", "Moscow", "Russia", "United States"}, places


def test_russian_lemmatised_and_transliterated(enricher: Enricher) -> None:
    out = run(enricher, "Путин и Си\n\nПрезидент России Владимир Путин встретился с Си Цзиньпином в "
              "Санкт-Петербурге. Глава МИД Сергей Лавров прилетел в Анкару. Стороны обсудили отношения с "
              "Таиипом Эрдоганом. Министр обороны Андрей Белоусов остался в Москве.", "ru")
    actors, places = names(out)
    assert {"Vladimir Putin", "Xi Jinping", "Sergey Lavrov", "Recep Tayyip Erdogan", "Andrei Belousov"} <= set(actors)
    assert not {"Стороны", "Глава", "Об"} & set(actors)
    assert "Андрей Белоусов" in actors["Andrei Belousov"].aliases
    assert "Си Цзиньпином" in actors["Xi Jinping"].aliases
    assert {"Russia", "Saint Petersburg", "Ankara", "Moscow"} <= set(places), places
    assert places["Saint Petersburg"].country_code == "RU"


def test_english_model_never_sees_other_languages(enricher: Enricher) -> None:
    before = len(enricher.nlp.seen)
    run(enricher, "Wladimir Putin in Moskau\n\nDer Kremlchef sprach am Montag.", "de")
    run(enricher, "Le Kremlin\n\nVladimir Poutine a parlé lundi.", "fr")
    assert len(enricher.nlp.seen) == before
    run(enricher, "Putin speaks\n\nVladimir Putin spoke in Moscow on Monday.", "en")
    assert len(enricher.nlp.seen) == before + 1


def test_language_detected_when_not_given() -> None:
    german = "Die Bundesregierung hat am Dienstag in Berlin neue Maßnahmen beschlossen, die den Unternehmen helfen sollen."
    assert language_of(None, german * 2) == "de"
    assert language_of(None, "Путин встретился с Си") == "ru"
    assert language_of(None, "Putin met Scholz in Berlin on Monday.") == "en"  # too short to guess
    assert language_of("fr-FR", "anything") == "fr"


def test_transliteration() -> None:
    assert transliterate("Дмитрий Медведев") == "Dmitry Medvedev"
    assert transliterate("Юрий Щербаков") == "Yuri Shcherbakov"  # the given name as the wires spell it
    assert transliterate("Сергей Александровский") == "Sergei Aleksandrovsky"  # the surname letter by letter
    assert transliterate("Алексей Юрьев") == "Alexei Yuryev"
    assert transliterate("Сергей Шойгу") == "Sergei Shoigu"  # й between a vowel and a consonant is i
    assert transliterate("Андрей Мостовой") == "Andrei Mostovoy"
    assert transliterate("Санкт-Петербург") == "Sankt-Peterburg"


def test_models_loaded_lazily() -> None:
    code = ("from datetime import datetime, timezone\n"
            "from services.enrich.logic import Enricher\n"
            "from shared.models import CleanArticle\n"
            "e = Enricher()\n"
            "assert e.loaded_languages() == [], e.loaded_languages()\n"
            "a = CleanArticle(id='x', title='Putin', body='Putin spoke in Moscow.', content_hash='h', language='en',"
            " received_at=datetime(2025, 1, 1, tzinfo=timezone.utc))\n"
            "e.enrich_batch([a])\n"
            "print(e.loaded_languages())\n")
    res = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "['en']"


def test_titled_names_without_a_model(enricher: Enricher) -> None:
    de = run(enricher, "Siemens baut ab\n\nSPD-Fraktionschef Matthias Miersch und Vorstandschef Roland Busch "
             "sprachen am Montag. Busch sagte, der Präsident der USA habe angerufen.", "de")
    actors, _ = names(de)
    assert actors["Roland Busch"].count == 2 and "Vorstandschef" in actors["Roland Busch"].roles
    assert "Matthias Miersch" in actors and "Siemens" in actors
    it = run(enricher, "Vertice\n\nIl ministro degli Esteri Antonio Tajani era a Roma.", "it")
    assert not [a.name for a in it.actors if "Esteri" in a.name]  # the title must touch the name


def test_transliteration_snaps_to_a_known_spelling() -> None:
    from services.enrich.translit import closest_name

    assert closest_name("Marko Rubio", ["Marco Rubio", "Donald Trump"]) == "Marco Rubio"
    assert closest_name("Marko Polo", ["Marco Rubio"]) == "Marko Polo"
    assert closest_name("Rubio", ["Marco Rubio"]) == "Rubio"

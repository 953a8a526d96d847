"""The multilingual name resources and context rules (foreign_names.py, ml_rules.py), alone and
through the real pipelines (French spaCy, natasha, the gazetteer)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest

from services.enrich.foreign_names import inflections, national, national_mentions, oblast_parts, region, ru_lemma_key
from services.enrich.logic import Enricher
from services.enrich.ml_rules import capital_subject, is_dateline, quoted_titles
from services.enrich.multilingual import _TOKEN
from shared.aliases import fold
from shared.models import CleanArticle


def toks(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in _TOKEN.finditer(text)]


def test_national_adjectives_inflect_by_language() -> None:
    assert {"iranische", "iranischen", "iranischer"} <= inflections("iranisch", "de")
    assert {"alemán", "alemana", "alemanes"} <= inflections("alemán", "es")
    assert {"tedesco", "tedeschi", "tedesche"} <= inflections("tedesco", "it")
    assert {"italienne", "italiennes", "italiens"} <= inflections("italien", "fr")
    assert {"turque", "turcs"} <= inflections("turc", "fr")
    assert national("ru")[fold("российской")] == "RU" and national("de")["franzosen"] == "FR"
    assert "europaisch" not in national("de") and "europeen" not in national("fr")  # continents add nothing


def test_national_mentions_government_and_names() -> None:
    text = "Die iranische Regierung kritisierte die Deutsche Bahn und deutsche Firmen."
    found = national_mentions(text, toks(text), "de", [])
    assert [(cc, text[s:e], gov) for cc, s, e, gov in found] == [("IR", "iranische", True), ("DE", "deutsche", False)]
    text = "Le gouvernement français répond. L'Espagnol Carlos Alcaraz gagne."
    assert [(cc, gov) for cc, _s, _e, gov in national_mentions(text, toks(text), "fr", [])] == [("FR", True), ("ES", False)]


def test_regions_oblasts_and_lemmas() -> None:
    assert region(ru_lemma_key("Ближнем Востоке")).name == "Middle East"  # type: ignore[union-attr]
    assert region("sachsen").name == "Saxony" and region("sachsen").country_code == "DE"  # type: ignore[union-attr]
    assert oblast_parts("Оренбургской области") == (["Оренбургск", "Оренбург"], "Oblast")
    assert oblast_parts("Оренбургской области. Губернатор Денис") is None  # the whole surface or nothing


def test_context_rules() -> None:
    text = "Moscou a accusé Paris. Selon lui, Moscou et Pékin coopèrent."
    t = toks(text)
    assert capital_subject(text, t, 0, 1, "fr")  # opens the sentence, a verb follows
    assert not capital_subject(text, t, 2, 3, "fr")  # an object
    k = next(k for k, (s, _e) in enumerate(t) if text[s:].startswith("Moscou et"))
    assert not capital_subject(text, t, k, k + 1, "fr")  # a conjunction follows
    text = "Titel\n\nWOLFSBURG – Volkswagen baut ab."
    assert is_dateline(text, toks(text), 1) and not is_dateline(text, toks(text), 3)
    assert quoted_titles("обыграл «Краснодар» и «Сила Сибири»") == [(9, 18), (23, 34)]


@pytest.fixture(scope="module")
def enricher() -> Enricher:
    return Enricher()


def analyse(enricher: Enricher, text: str, lang: str) -> tuple[dict[str, Any], dict[str, Any]]:
    title, _, body = text.partition("\n\n")
    art = CleanArticle(id="x", title=title, body=body, content_hash="h", language=lang,
                       received_at=datetime(2025, 1, 1, tzinfo=timezone.utc))
    out = enricher.enrich_batch([art])[0]
    full = f"{title}\n\n{body}"
    for entity in [*out.actors, *out.places]:
        for m in entity.mentions:
            assert full[m.start : m.end] == m.text
    return {a.name: a for a in out.actors}, {p.name: p for p in out.places}


def test_german_without_a_model(enricher: Enricher) -> None:
    actors, places = analyse(enricher, "Streik bei VW\n\nWOLFSBURG (dpa) – Die iranische Regierung und der Schweizer "
                             "Urs Fischer: Harry Kane traf beim FC Bayern München. Der Nato-Gipfel in Köln tagte, "
                             "die Tour de France beginnt.", "de")
    assert {"Iranian government", "Urs Fischer", "Harry Kane", "Bayern Munich", "NATO", "Deutsche Presse-Agentur"} <= set(actors)
    assert {"Wolfsburg", "Iran", "Switzerland", "Cologne"} <= set(places)
    assert "Munich" not in places and "France" not in places  # a club's and an event's words
    assert not any(a in actors for a in ("Streik", "Die", "Regierung"))


def test_russian_inflections_and_guards(enricher: Enricher) -> None:
    actors, places = analyse(enricher, "Паводок\n\nВ Оренбургской области эвакуированы жители. Москва готова помочь, "
                             "заявил Сергей Собянин. Суд арестовал Тимура Иванова. «Зенит» обыграл «Краснодар». "
                             "МЧС России направило силы на Ближний Восток.", "ru")
    assert {"Orenburg Oblast", "Moscow", "Russia", "Middle East"} <= set(places)
    assert "Ivanovo" not in places and "Krasnodar" not in places
    assert {"Russian government", "Sergei Sobyanin", "Timur Ivanov", "Zenit Saint Petersburg",
            "Russian Emergencies Ministry"} <= set(actors)


def test_romance_clubs_namesakes_and_titles(enricher: Enricher) -> None:
    actors, places = analyse(enricher, "Fútbol\n\nEl Barça venció al Girona. La huelga sigue en Granada y en Sevilla, "
                             "según el ministro del Interior Fernando Grande-Marlaska.", "es")
    assert "Girona" not in places and "Grenada" not in places and "Granada" in places
    assert "FC Barcelona" in actors
    actors, places = analyse(enricher, "Difesa\n\nIl ministro della Difesa Guido Crosetto ha incontrato a Roma "
                             "il governo tedesco. La segretaria del Pd Elly Schlein ha criticato.", "it")
    assert {"Guido Crosetto", "German government", "Democratic Party", "Elly Schlein"} <= set(actors)
    assert not any("Difesa" in a or a.startswith("Pd ") for a in actors)
    assert {"Rome", "Germany"} <= set(places)


def test_exonym_that_is_another_languages_function_word(enricher: Enricher) -> None:
    # "seul" is French for "alone": Seoul's Spanish and Italian names stay found outside French,
    # and inside French the word is still no place
    _actors, places = analyse(enricher, "Corea\n\nEl ministro viajó a Seúl el lunes.", "es")
    assert "Seoul" in places
    _actors, places = analyse(enricher, "Corea\n\nIl ministro è arrivato a Seul lunedì.", "it")
    assert "Seoul" in places
    _actors, places = analyse(enricher, "Décision\n\nLe ministre est resté seul. Seul le Sénat a voté.", "fr")
    assert "Seoul" not in places


def test_german_declension_finds_the_listed_name(enricher: Enricher) -> None:
    from services.enrich.foreign_names import german_declined

    assert german_declined("Internationalen Währungsfonds") == "Internationaler Währungsfonds"
    assert german_declined("Roten Kreuzes") == "Rotes Kreuz"
    assert german_declined("Vereinigten Staaten") is None  # listed as written: nothing to do
    assert german_declined("Grünen Hügel") is None  # unlisted words stay unknown
    actors, places = analyse(enricher, "Gipfel\n\nVertreter der Europäischen Zentralbank, des Roten Kreuzes und "
                             "des Europäischen Parlaments trafen sich in der Nähe des Weißen Hauses.", "de")
    assert {"European Central Bank", "Red Cross", "European Parliament", "the White House"} <= set(actors)


def test_ministries_by_portfolio_and_nationality(enricher: Enricher) -> None:
    actors, places = analyse(enricher, "Masques\n\nLe ministère de la Santé recommande le masque. Le ministère russe "
                             "des Affaires étrangères a protesté.", "fr")
    assert {"French Health Ministry", "Russian Foreign Ministry"} <= set(actors) and "Russia" in places
    assert not any("Affaires" in a for a in actors)
    actors, _ = analyse(enricher, "Embajada\n\nEl Ministerio de Asuntos Exteriores ruso convocó al embajador.", "es")
    assert "Russian Foreign Ministry" in actors and "Spanish Foreign Ministry" not in actors
    actors, _ = analyse(enricher, "Sbarchi\n\nSecondo il ministero dell'Interno gli sbarchi calano.", "it")
    assert "Italian Interior Ministry" in actors
    actors, _ = analyse(enricher, "Festnahmen\n\nDas bayerische Innenministerium meldete Festnahmen. Das russische "
                        "Außenministerium bestellte den Botschafter ein.", "de")
    assert "Russian Foreign Ministry" in actors and "German Interior Ministry" not in actors  # a state's, unnamed


def test_institutions_named_by_keyword_and_place(enricher: Enricher) -> None:
    actors, places = analyse(enricher, "Processo\n\nIl Tribunale di Vicenza ha condannato l'imputato. Uno studio "
                             "dell'Università di Padova.", "it")
    assert {"Tribunale di Vicenza", "University of Padua"} <= set(actors)
    assert "Vicenza" not in places and "Padua" not in places  # inside an organisation's name
    actors, _ = analyse(enricher, "Urteil\n\nEin Sprecher des Landgerichts Hannover bestätigte das Urteil.", "de")
    assert "Landgericht Hannover" in actors
    actors, places = analyse(enricher, "Procès\n\nLe tribunal correctionnel de Rennes a jugé l'affaire. À Rennes, "
                             "la foule attendait.", "fr")
    assert "Tribunal correctionnel de Rennes" in actors and "Rennes" in places  # named again outside it


def test_more_nationalities_and_russian_person_nouns() -> None:
    assert national("fr")[fold("lituanienne")] == "LT" and national("fr")["maltais"] == "MT"
    assert national("es")[fold("marfileños")] == "CI" and national("it")["vietnamita"] == "VN"
    text = "Бразилец забил гол, а канадцу достался пас от американки."
    found = {cc for cc, *_ in national_mentions(text, toks(text), "ru", [])}
    assert found == {"BR", "CA", "US"}


def test_russian_towns_regions_and_lowercase_seas(enricher: Enricher) -> None:
    _a, places = analyse(enricher, "Погода\n\nМатч прошёл в Уфе. Шторм на Чёрном море, на Байкале и в Чувашии тепло.", "ru")
    assert {"Ufa", "Black Sea", "Lake Baikal", "Chuvashia"} <= set(places)
    _a, places = analyse(enricher, "Новости\n\nПатриарх Московский и всея Руси Кирилл прибыл. В Амурской области паводок.", "ru")
    assert not any(p.startswith(("Moskov", "Amursk")) for p in places)  # an adjective, a river's oblast
    _a, places = analyse(enricher, "Tempête\n\nUne tempête balaie la mer du Nord. La mer est calme.", "fr")
    assert "North Sea" in places and len(places) == 1


def test_town_cues_lower_the_population_floor(enricher: Enricher) -> None:
    from services.enrich.ml_rules import town_cue

    text = "Titel\n\nDas Werk schließt in Mühlacker und Rottweil. Die Nachbarstadt Zgorzelec hilft."
    t = toks(text)
    rottweil, zgorzelec = tok_index(text, "Rottweil"), tok_index(text, "Zgorzelec")
    assert town_cue(text, t, rottweil, "de", frozenset({"und"}), {t[rottweil - 2][1]}, lambda w: False)
    assert not town_cue(text, t, rottweil, "de", frozenset({"und"}), set(), lambda w: False)  # no place before
    assert town_cue(text, t, zgorzelec, "de", frozenset(), set(), lambda w: False)
    text = "Titel\n\nEl ministro de Justicia habló con una cooperativa de Lorca."
    t = toks(text)
    is_title = lambda w: w == "ministro"  # noqa: E731
    assert not town_cue(text, t, tok_index(text, "Justicia"), "es", frozenset(), set(), is_title)
    assert town_cue(text, t, tok_index(text, "Lorca"), "es", frozenset(), set(), is_title)
    _a, places = analyse(enricher, "Abbau\n\nBosch baut Stellen ab, vor allem in Mühlacker und Rottweil.", "de")
    assert "Rottweil" in places


def tok_index(text: str, word: str) -> int:
    start = text.index(word)
    return next(k for k, (s, _e) in enumerate(toks(text)) if s == start)


def test_french_departements(enricher: Enricher) -> None:
    _a, places = analyse(enricher, "Crue\n\nLe Finistère et l'Ille-et-Vilaine sont en vigilance orange. La Corée du Nord tire.", "fr")
    assert {"Finistère", "Ille-et-Vilaine", "North Korea"} <= set(places) and "Nord" not in places


def test_small_towns_only_where_the_context_says_town(enricher: Enricher) -> None:
    _a, places = analyse(enricher, "Maternité\n\nLa maternité de Quimperlé ferme. Les patientes iront à Pithiviers.", "fr")
    assert {"Quimperlé", "Pithiviers"} <= set(places)
    _a, places = analyse(enricher, "Wetter\n\nWunsiedel meldet Schnee, heißt es.", "de")
    assert "Wunsiedel" not in places  # a small town's name alone, with no cue: not taken


def test_compass_points_and_sentence_ends(enricher: Enricher) -> None:
    actors, places = analyse(enricher, "Wetter\n\nIm Norden regnet es, im Kanton Wallis schneit es. Die Beratung werde "
                             "schlechter, warnte ABDA-Präsident Thomas Preis. Unterstützung kam vom Verband.", "de")
    assert "Norden" not in places and "Guangzhou" not in places
    assert "Thomas Preis" in actors and not any("Unterstützung" in a for a in actors)


def test_a_given_name_before_a_name_is_no_place(enricher: Enricher) -> None:
    actors, places = analyse(enricher, "Ausstellung\n\nDas Museum zeigt Werke von Lucas Cranach dem Älteren.", "de")
    assert "Lucas Cranach" in actors and not any(p.startswith("Luc") for p in places)


def test_a_given_name_that_is_a_town_opens_a_person(enricher: Enricher) -> None:
    actors, places = analyse(enricher, "Sci\n\nNella discesa di ieri Sofia Goggia ha chiuso seconda.", "it")
    assert "Sofia Goggia" in actors and "Sofia" not in places


def test_capitalised_nationality_inside_a_romance_name() -> None:
    text = "La Real Federación Española de Tenis apoya al tenista español."
    assert [text[s:e] for _cc, s, e, _g in national_mentions(text, toks(text), "es", [])] == ["español"]


def test_a_capital_as_the_source_of_a_reply(enricher: Enricher) -> None:
    actors, _ = analyse(enricher, "Streit\n\nDer Plan stößt auf Widerstand. Aus Moskau kam scharfe Kritik.", "de")
    assert "Russian government" in actors
    actors, _ = analyse(enricher, "Besuch\n\nEr kommt aus Moskau und lebt in Berlin.", "de")
    assert "Russian government" not in actors  # not at a clause's start, no reply


def test_the_government_of_a_foreign_capital(enricher: Enricher) -> None:
    actors, _ = analyse(enricher, "Veto\n\nIl governo di Berlino ha respinto la proposta.", "it")
    assert "German government" in actors
    actors, _ = analyse(enricher, "Presupuestos\n\nEl Gobierno de Madrid aprobó las cuentas regionales.", "es")
    assert "Spanish government" not in actors  # the home capital's may be the region's

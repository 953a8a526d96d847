"""An article in each of German, French, Spanish, Russian and Italian, posted to ingest, is found by
``actor=`` and ``place=`` under its English canonical name (language detected by clean)."""

from __future__ import annotations

import httpx
import py3langid

from tests.e2e.conftest import Pipeline, wait_for

ARTICLES = {
    "de": ("Merz telefoniert mit Wladimir Putin",
           "Bundeskanzler Friedrich Merz hat am Dienstag mit dem russischen Präsidenten Wladimir Putin telefoniert. "
           "Nach Angaben der Bundesregierung ging es um den Krieg und um die Lage der Zivilbevölkerung. In Moskau "
           "hieß es, beide Seiten wollten den Gesprächskanal offen halten.",
           "Friedrich Merz", "Moscow"),
    "fr": ("Vladimir Poutine critique l'Union européenne",
           "Le président russe Vladimir Poutine a vivement critiqué lundi les nouvelles sanctions de l'Union "
           "européenne. Depuis Moscou, il a affirmé que son pays saurait répondre et que les entreprises "
           "européennes en paieraient le prix. Les diplomates à Bruxelles restent prudents.",
           "Vladimir Putin", "Brussels"),
    "es": ("Pedro Sánchez recibe a Lula en Madrid",
           "El presidente del Gobierno, Pedro Sánchez, recibió este miércoles en Madrid al presidente brasileño "
           "Lula. Ambos defendieron el acuerdo comercial entre la Unión Europea y el Mercosur y anunciaron una "
           "nueva cumbre en Brasilia para el próximo año.",
           "Luiz Inácio Lula da Silva", "Madrid"),
    "ru": ("Лавров прибыл в Пекин",
           "Министр иностранных дел России Сергей Лавров прибыл в Пекин, где проведёт переговоры с китайскими "
           "коллегами. По словам дипломатов, стороны обсудят ситуацию на Украине и подготовку визита Владимира "
           "Путина. Ранее Лавров посетил Санкт-Петербург.",
           "Sergey Lavrov", "Beijing"),
    "it": ("Giorgia Meloni a Mosca? Il governo smentisce",
           "La presidente del Consiglio Giorgia Meloni non andrà a Mosca, ha precisato ieri il governo italiano "
           "dopo le indiscrezioni della stampa. Meloni sarà invece a Bruxelles la prossima settimana per il "
           "vertice dei capi di Stato e di governo dell'Unione europea.",
           "Giorgia Meloni", "Moscow"),
}


def test_every_language_found_under_english_names(pipeline: Pipeline) -> None:
    ids: dict[str, str] = {}
    for lang, (title, body, _actor, _place) in ARTICLES.items():
        assert py3langid.classify(f"{title}\n{body}")[0] == lang  # clean detects it; no hint is sent
        resp = httpx.post(f"{pipeline.ingest_url}/articles", json={
            "url": f"https://example.org/{lang}/story", "title": title, "body": body, "source": f"wire-{lang}"})
        assert resp.status_code == 202, resp.text
        ids[lang] = resp.json()["id"]

    def found(**params: str) -> set[str]:
        r = httpx.get(f"{pipeline.search_url}/search", params={**params, "size": "20"}, timeout=10)
        return {h["id"] for h in r.json()["hits"]} if r.status_code == 200 else set()

    wait_for(lambda: all(found(actor=a) for _t, _b, a, _p in ARTICLES.values()), timeout=180, what="all five indexed")
    for lang, (_title, _body, actor, place) in ARTICLES.items():
        assert ids[lang] in found(actor=actor), (lang, actor)
        assert ids[lang] in found(place=place), (lang, place)
    # the same person across languages: the German, French and Russian articles name Putin
    putin = found(actor="Vladimir Putin")
    assert {ids["de"], ids["fr"], ids["ru"]} <= putin, putin
    assert ids["es"] not in putin
    # a name typed in the article's own script finds it too (the registry maps it to the canonical)
    assert ids["ru"] in found(actor="Сергей Лавров")
    assert ids["de"] in found(place="Moskau")

"""The curated multilingual alias list (services/enrich/data/aliases-multilingual.json): its
integrity in every language, and a few of its ambiguity guards through the real pipelines."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from services.enrich.foreign_names import registry
from services.enrich.lexicons import stop_words
from services.enrich.logic import Enricher
from services.enrich.records import load_data
from shared.aliases import fold
from shared.models import CleanArticle

LANGUAGES = ("de", "fr", "es", "it", "ru")


def surfaces(entry: dict, lang: str) -> list[str]:
    own = [] if entry.get("not_as_written") else [entry["canonical"]]
    return [*own, *entry["aliases"], *entry.get("languages", {}).get(lang, ())]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_each_surface_names_one_entity_per_language(lang: str) -> None:
    """A later entry must never silently take over an earlier one's surface ('SVP', 'UDC' and 'PS'
    differ by language, so they sit under 'languages')."""
    seen: dict[str, str] = {}
    clashes = []
    for entry in load_data("aliases-multilingual.json")["entries"]:
        for surface in surfaces(entry, lang):
            owner = seen.setdefault(fold(surface), entry["canonical"])
            if owner != entry["canonical"]:
                clashes.append((surface, owner, entry["canonical"]))
    assert clashes == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_surface_is_a_stop_word(lang: str) -> None:
    """The lookup skips a stop word unless written in capitals, so such an alias is dead data
    at best; acronyms ('CIO', 'AIE') are looked up as written. A canonical name may be one
    ('Podemos' is also "we can"): it is the name shown, and the guard keeps the verb out."""
    stops = {fold(w) for w in stop_words(lang)}
    dead = [s for e in load_data("aliases-multilingual.json")["entries"]
            for s in [*e["aliases"], *e.get("languages", {}).get(lang, ())] if fold(s) in stops and not s.isupper()]
    assert dead == []


def test_language_specific_acronyms() -> None:
    assert registry("de").resolve("SVP") == "Swiss People's Party"
    assert registry("it").resolve("SVP") == "South Tyrolean People's Party"
    assert registry("fr").resolve("UDC") == "Swiss People's Party"
    assert registry("it").resolve("UDC") == "Union of the Centre"
    assert registry("fr").resolve("PS") == "Socialist Party"
    assert registry("es").resolve("PS") is None and registry("de").resolve("RN") is None


@pytest.fixture(scope="module")
def enricher() -> Enricher:
    return Enricher()


def actors(enricher: Enricher, text: str, lang: str) -> set[str]:
    title, _, body = text.partition("\n\n")
    art = CleanArticle(id="x", title=title, body=body, content_hash="h", language=lang,
                       received_at=datetime(2025, 1, 1, tzinfo=timezone.utc))
    return {a.name for a in enricher.enrich_batch([art])[0].actors}


def test_bodies_and_agencies_by_language(enricher: Enricher) -> None:
    assert {"Federal Foreign Office", "Federal Court of Justice", "Katholische Nachrichten-Agentur"} <= actors(
        enricher, "Urteil\n\nBERLIN (KNA) - Das Auswärtige Amt begrüßte das Urteil des Bundesgerichtshofs.", "de")
    assert {"Italian Foreign Ministry", "Supreme Court of Cassation", "Adnkronos"} <= actors(
        enricher, "Sentenza\n\nROMA (Adnkronos) - La Farnesina commenta la decisione della Cassazione.", "it")
    assert {"Federal Tax Service", "Russian Labour Ministry"} <= actors(
        enricher, "Налоги\n\nФНС и Минтруд России подготовили поправки.", "ru")


def test_ambiguity_guards(enricher: Enricher) -> None:
    """A family name in French stays the person's; a body other Spanish-speaking countries share
    the name of is not Spain's; a regional association is not the national one."""
    fr = actors(enricher, "Réunion\n\nMartin Bouygues a rencontré Giovanni Ferrero à Lyon.", "fr")
    assert {"Martin Bouygues", "Giovanni Ferrero"} <= fr and not {"Bouygues", "Ferrero"} & fr
    es = actors(enricher, "Detención\n\nLa Policía Nacional de Colombia y el Ministerio de Hacienda de Chile informaron.", "es")
    assert not {"National Police Corps", "Spanish Finance Ministry"} & es
    de = actors(enricher, "Ernte\n\nDer Bayerische Bauernverband warnt, das Kanzleramt in Wien schweigt.", "de")
    assert not {"German Farmers' Association", "German Chancellery"} & de
    it = actors(enricher, "Guerra\n\nIl Ministero della Difesa russo e la Corte costituzionale tedesca.", "it")
    assert not {"Italian Defence Ministry", "Constitutional Court of Italy"} & it

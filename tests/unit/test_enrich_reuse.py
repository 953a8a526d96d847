"""Copies skip the model: reuse_enrichment over crafted originals and copies (no model, no I/O)."""

from __future__ import annotations

from datetime import UTC, datetime

from services.enrich.logic import article_text
from services.enrich.reuse import reuse_enrichment
from shared.models import Actor, CleanArticle, EnrichedArticle, Mention, Place, Topic

NOW = datetime(2026, 1, 1, tzinfo=UTC)
V = "v-test"
TITLE = "Macron meets Scholz in Berlin"
BODY = ("Emmanuel Macron travelled to Berlin on Monday. Macron and Olaf Scholz discussed energy prices.\n\n"
        "Scholz said Berlin would support the plan.")


def clean(i: str, title: str = TITLE, body: str = BODY, dup: str | None = None, lang: str | None = "en") -> CleanArticle:
    return CleanArticle(id=i, title=title, body=body, content_hash=i, received_at=NOW, language=lang, duplicate_of=dup)


def spans(text: str, word: str) -> list[Mention]:
    out, i = [], text.find(word)
    while i >= 0:
        out.append(Mention(text=word, start=i, end=i + len(word)))
        i = text.find(word, i + 1)
    return out


def enriched(article: CleanArticle, version: str = V) -> EnrichedArticle:
    text = article_text(article)
    macron = spans(text, "Macron")
    scholz = spans(text, "Olaf Scholz") + [m for m in spans(text, "Scholz") if text[m.start - 5:m.start] != "Olaf "]
    berlin = spans(text, "Berlin")
    return EnrichedArticle(
        article=article, enrichment_version=version, keywords=["energy", "prices"],
        actors=[Actor(name="Emmanuel Macron", type="person", mentions=macron, count=len(macron)),
                Actor(name="Olaf Scholz", type="person", mentions=scholz, count=len(scholz)),
                Actor(name="Élysée", type="organisation", method="metadata")],  # no span: kept as is
        places=[Place(name="Berlin", country_code="DE", mentions=berlin, count=len(berlin))],
        topics=[Topic(id="medtop:11000000", label="politics", score=0.9)],
    )


ORIGINAL = enriched(clean("o-1"))


def check_spans(result: EnrichedArticle) -> None:
    text = article_text(result.article)
    for entity in [*result.actors, *result.places]:
        assert entity.count == max(1, len(entity.mentions))
        for m in entity.mentions:
            assert text[m.start:m.end] == m.text


def test_an_exact_copy_gets_the_originals_enrichment_unchanged() -> None:
    copy = clean("c-1", dup="o-1")
    out = reuse_enrichment(copy, ORIGINAL, V)
    assert out is not None and out.article == copy
    assert (out.actors, out.places, out.topics, out.keywords) == \
        (ORIGINAL.actors, ORIGINAL.places, ORIGINAL.topics, ORIGINAL.keywords)
    assert out.enrichment_version == V


def test_another_title_shifts_every_body_mention_to_the_copys_text() -> None:
    copy = clean("c-2", title="Wire: French president Macron meets Scholz in Berlin today", dup="o-1")
    out = reuse_enrichment(copy, ORIGINAL, V)
    assert out is not None
    check_spans(out)
    shift = len(copy.title) - len(TITLE)
    body_mentions = [m for m in ORIGINAL.actors[0].mentions if m.start > len(TITLE)]
    moved = [m for m in out.actors[0].mentions if m.start > len(copy.title)]
    assert [m.start for m in moved] == [m.start + shift for m in body_mentions]
    assert out.actors[0].count == ORIGINAL.actors[0].count


def test_a_copy_missing_a_paragraph_drops_those_mentions_and_counts_follow() -> None:
    body = BODY.split("\n\n")[0] + "\n\nThe talks will continue, officials said. Scholz agreed."
    out = reuse_enrichment(clean("c-3", body=body, dup="o-1"), ORIGINAL, V, min_found=0.5)
    assert out is not None
    check_spans(out)
    berlin = next(p for p in out.places if p.name == "Berlin")
    assert berlin.count == ORIGINAL.places[0].count - 1  # "Scholz said Berlin ..." is not in the copy
    assert any(a.name == "Élysée" for a in out.actors)


def test_an_entity_the_copy_never_names_is_dropped() -> None:
    title, body = "Macron in Berlin", "Emmanuel Macron travelled to Berlin on Monday. Macron spoke of energy prices."
    out = reuse_enrichment(clean("c-4", title=title, body=body, dup="o-1"), ORIGINAL, V, min_found=0.0)
    assert out is not None
    assert "Olaf Scholz" not in [a.name for a in out.actors]
    check_spans(out)


def test_a_word_inside_another_word_is_not_a_mention() -> None:
    title, body = "Macronomics in Berliner papers", "Macronomics and Berliners: energy prices again."
    out = reuse_enrichment(clean("c-5", title=title, body=body, dup="o-1"), ORIGINAL, V, min_found=0.0)
    assert out is not None
    assert [a.name for a in out.actors] == ["Élysée"] and out.places == []


def test_too_different_a_copy_goes_through_the_model() -> None:
    body = "Emmanuel Macron spoke about energy prices."
    assert reuse_enrichment(clean("c-6", title="Energy", body=body, dup="o-1"), ORIGINAL, V) is None


def test_not_reused_for_another_original_version_or_language() -> None:
    assert reuse_enrichment(clean("c-7", dup="o-2"), ORIGINAL, V) is None
    assert reuse_enrichment(clean("c-8"), ORIGINAL, V) is None  # not marked a copy at all
    assert reuse_enrichment(clean("c-9", dup="o-1"), enriched(clean("o-1"), version="old"), V) is None
    assert reuse_enrichment(clean("c-10", dup="o-1", lang="fr"), ORIGINAL, V) is None
    assert reuse_enrichment(clean("c-11", dup="o-1", lang=None), ORIGINAL, V) is not None


def test_the_stage_function_sends_only_unknown_copies_to_the_model() -> None:
    from services.enrich.reuse import ReuseOriginals

    seen: list[list[str]] = []

    def model(events: list[CleanArticle]) -> list[EnrichedArticle]:
        seen.append([e.id for e in events])
        return [enriched(e) for e in events]

    stage = ReuseOriginals(model, V, size=1)
    original = clean("o-1")
    copy = clean("c-1", title="Macron and Scholz meet", dup="o-1")
    stranger = clean("c-2", dup="o-unknown")  # its original was enriched elsewhere: the model
    out = stage([original])
    out += stage([copy, stranger])
    assert seen == [["o-1"], ["c-2"]] and stage.reused == 1
    assert [e.article.id for e in out] == ["o-1", "c-1", "c-2"]
    assert {a.name for a in out[1].actors} == {"Emmanuel Macron", "Olaf Scholz", "Élysée"}
    stage([clean("o-2")])  # size 1: o-1 leaves the cache, and its next copy goes to the model
    stage([clean("c-3", dup="o-1")])
    assert seen[-1] == ["c-3"]

"""The index stage's documents (article and story), as dicts and as the bytes it writes, and its bulk bodies
(no I/O)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from services.index.logic import Document, index, index_json, story_document
from services.index.writer import bulk_bodies, bulk_requests, latest_stories
from shared.models import Actor, CleanArticle, EnrichedArticle, Mention, Place, StoriedArticle, StorySummary, Topic

NOW = datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)


def enriched(i: int, body: str = "Zelensky met Macron in Kyiv.") -> EnrichedArticle:
    article = CleanArticle(id=f"c-{i}", url=f"https://a.example/{i}", canonical_url=f"https://a.example/{i}",
                           title="Zelensky in Kyiv \u2014 \u00e9t\u00e9 \"quoted\"", body=body, content_hash=str(i),
                           received_at=NOW, published_at=NOW, source="t", language="en", duplicate_of="c-0")
    return EnrichedArticle(
        article=article, enrichment_version="v9", keywords=["kyiv", "macron"],
        actors=[Actor(name="Volodymyr Zelensky", type="person", aliases=["Zelensky", "Зеленський"], count=2,
                      mentions=[Mention(text="Zelensky", start=0, end=8)], confidence=0.875),
                Actor(name="NATO", type="organisation")],
        places=[Place(name="Kyiv", country_code="UA", lat=50.4501, lon=30.5234, aliases=["Kiev"],
                      mentions=[Mention(text="Kyiv", start=12, end=16)])],
        topics=[Topic(id="medtop:16000000", label="conflict, war and peace", score=0.8125)],
    )


def test_index_json_is_the_same_document_as_index() -> None:
    for e in (enriched(1), enriched(2, body="x " * 10)):
        doc = index_json(e, NOW)
        assert doc.id == e.article.id
        assert json.loads(doc.source) == json.loads(json.dumps(index(e, NOW)))
        assert set(json.loads(doc.source)["entities"]) == {"actors", "places", "topics"}


def test_index_json_caps_the_body_as_index_does() -> None:
    e = enriched(3, body="word " * 200_000)
    assert json.loads(index_json(e, NOW).source)["body"] == index(e, NOW)["body"]
    assert len(index(e, NOW)["body"]) < len(e.article.body)


def test_bulk_bodies_are_ndjson_action_source_pairs() -> None:
    docs = [index_json(enriched(i), NOW) for i in range(3)]
    (body,) = bulk_bodies("articles-x", docs)
    lines = body.split(b"\n")
    assert lines[-1] == b"" and len(lines) == 7  # a final newline, as _bulk requires
    for k, doc in enumerate(docs):
        assert json.loads(lines[2 * k]) == {"index": {"_index": "articles-x", "_id": doc.id}}
        assert lines[2 * k + 1] == doc.source


def test_bulk_bodies_split_at_the_byte_limit_and_keep_every_document() -> None:
    docs = [Document(f"d-{i}", json.dumps({"id": f"d-{i}", "body": "x" * 100}).encode()) for i in range(10)]
    bodies = bulk_bodies("a", docs, max_bytes=400)
    assert len(bodies) > 1 and all(len(b) <= 400 for b in bodies)
    ids = [json.loads(line)["index"]["_id"] for b in bodies for line in b.split(b"\n")[0::2] if line]
    assert ids == [d.id for d in docs]
    huge = Document("big", b'{"id":"big","body":"' + b"y" * 1000 + b'"}')
    assert len(bulk_bodies("a", [docs[0], huge, docs[1]], max_bytes=400)) == 3  # alone, it still goes


def storied(i: int, story: str, revision: int) -> StoriedArticle:
    summary = StorySummary(id=story, revision=revision, title=f"{story} at {revision}", first_seen=NOW,
                           last_seen=NOW, article_count=revision, sources=["a", "b"], actors=["Volodymyr Zelensky"],
                           places=["Kyiv"], topics=["conflict, war and peace"])
    e = enriched(i)
    return StoriedArticle(**{k: getattr(e, k) for k in type(e).model_fields}, story=summary)


def test_a_storied_article_carries_its_story_document() -> None:
    e = storied(1, "s-1", 3)
    doc = index_json(e, NOW)
    assert json.loads(doc.source)["story_id"] == "s-1" and index(e, NOW)["story_id"] == "s-1"
    assert doc.story is not None and (doc.story.id, doc.story.revision) == ("s-1", 3)
    source = json.loads(doc.story.source)
    assert source == story_document(e.story, NOW)
    assert (source["source_count"], source["actor_keys"], source["place_keys"]) == (2, ["volodymyr zelensky"], ["kyiv"])
    assert index_json(enriched(2), NOW).story is None and index(enriched(2), NOW)["story_id"] is None


def test_bulk_writes_each_story_once_at_its_highest_revision_with_external_versions() -> None:
    docs = [index_json(storied(i, s, r), NOW) for i, (s, r) in enumerate([("s-1", 2), ("s-2", 1), ("s-1", 5),
                                                                          ("s-1", 4)])]
    assert [(s.id, s.revision) for s in latest_stories(docs)] == [("s-1", 5), ("s-2", 1)]
    ((body, targets),) = bulk_requests("articles-x", docs)
    lines = body.split(b"\n")[:-1]
    actions = [json.loads(line) for line in lines[0::2]]
    assert actions[:4] == [{"index": {"_index": "articles-x", "_id": d.id}} for d in docs]
    assert actions[4:] == [
        {"index": {"_index": "articles-x-stories", "_id": "s-1", "version": 5, "version_type": "external_gte"}},
        {"index": {"_index": "articles-x-stories", "_id": "s-2", "version": 1, "version_type": "external_gte"}}]
    assert json.loads(lines[9])["revision"] == 5 and targets == [0, 1, 2, 3, docs[2].story, docs[1].story]

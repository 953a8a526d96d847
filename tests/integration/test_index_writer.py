"""The index stage's writer against a real Elasticsearch: serialized documents, split bulks, refusals, and
the stories index's versioned writes."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from services.index.logic import Document, StoryDocument, index_json
from services.index.writer import bulk_write
from shared.es import STORIES_INDEX_BODY, ensure_index, index_name, make_client, stories_alias
from shared.models import CleanArticle, EnrichedArticle, StoriedArticle, StorySummary
from shared.settings import CommonSettings
from shared.stream.messages import Item

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def article(i: int) -> CleanArticle:
    return CleanArticle(id=f"c-{i}", title=f"Article {i}", body=f"Body of article {i}. " * 20,
                        content_hash=str(i), received_at=NOW, source="test")


def doc(i: int) -> Document:
    return index_json(EnrichedArticle(article=article(i), enrichment_version="t"), NOW)


def storied(i: int, story: str, revision: int) -> Document:
    summary = StorySummary(id=story, revision=revision, title=f"{story} as of revision {revision}", first_seen=NOW,
                           last_seen=NOW, article_count=revision, sources=[f"s{k}" for k in range(revision)])
    return index_json(StoriedArticle(article=article(i), enrichment_version="t", story=summary), NOW)


def test_documents_in_several_requests_with_one_refused(isolated_env: dict[str, str]) -> None:
    settings = CommonSettings()
    es = make_client(settings)
    ensure_index(es, settings.index_alias)
    try:
        docs = [doc(i) for i in range(12)]
        bad_source = {**json.loads(docs[9].source), "published_at": "not-a-date"}
        docs[9] = Document(docs[9].id, json.dumps(bad_source).encode())
        items = [Item(None, d) for d in docs]
        rejected = bulk_write(es, settings.index_alias, items, max_bytes=3 * len(docs[0].source))  # ~4 requests
        assert [(item.value.id, "rejected the document (400)" in exc.reason) for item, exc in rejected] == \
            [("c-9", True)]
        es.indices.refresh(index=settings.index_alias)
        stored = {h["_id"]: h["_source"] for h in
                  es.search(index=settings.index_alias, size=50, query={"match_all": {}})["hits"]["hits"]}
        assert set(stored) == {d.id for d in docs} - {"c-9"}
        assert stored["c-3"] == json.loads(docs[3].source)
        # a second write of the same documents overwrites them: still 11, each at _version 2
        assert bulk_write(es, settings.index_alias, items[:9]) == []
        es.indices.refresh(index=settings.index_alias)
        assert es.count(index=settings.index_alias)["count"] == 11
        assert es.get(index=settings.index_alias, id="c-0")["_version"] == 2
    finally:
        es.options(ignore_status=404).indices.delete(index=index_name(settings.index_alias))


def test_story_documents_written_out_of_order_end_with_the_newest(isolated_env: dict[str, str]) -> None:
    settings = CommonSettings()
    es = make_client(settings)
    stories = stories_alias(settings.index_alias)
    ensure_index(es, settings.index_alias)
    ensure_index(es, stories, body=STORIES_INDEX_BODY)
    try:
        newer = [Item(None, storied(1, "s-1", 3)), Item(None, storied(2, "s-1", 5)), Item(None, storied(3, "s-2", 2))]
        older = [Item(None, storied(4, "s-1", 4)), Item(None, storied(5, "s-2", 1)), Item(None, storied(6, "s-3", 1))]
        assert bulk_write(es, settings.index_alias, newer) == []
        # an older summary of s-1 and of s-2 arrives after the newer one: a 409, neither a dead letter nor
        # an outage, and the articles carrying them are still written
        assert bulk_write(es, settings.index_alias, older) == []
        assert bulk_write(es, settings.index_alias, newer) == []  # a replay at the same revisions
        es.indices.refresh(index=[settings.index_alias, stories])
        got = {h["_id"]: h["_source"] for h in es.search(index=stories, size=10)["hits"]["hits"]}
        assert {k: (v["revision"], v["title"], v["source_count"]) for k, v in got.items()} == {
            "s-1": (5, "s-1 as of revision 5", 5), "s-2": (2, "s-2 as of revision 2", 2),
            "s-3": (1, "s-3 as of revision 1", 1)}
        assert es.get(index=stories, id="s-1")["_version"] == 5
        assert es.count(index=settings.index_alias)["count"] == 6
        assert es.get(index=settings.index_alias, id="c-4")["_source"]["story_id"] == "s-1"
        # a story document the mapping refuses is bad input: the article that carried it is dead-lettered
        good = storied(7, "s-4", 1)
        assert good.story is not None
        bad_story = StoryDocument("s-4", 1, json.dumps({**json.loads(good.story.source), "nope": 1}).encode())
        rejected = bulk_write(es, settings.index_alias, [Item(None, doc(8)), Item(None, good._replace(story=bad_story))])
        assert [(item.value.id, "story document s-4 (400)" in exc.reason) for item, exc in rejected] == [("c-7", True)]
    finally:
        es.options(ignore_status=404).indices.delete(index=[index_name(settings.index_alias), index_name(stories)])

"""The stories part of the search API as pure functions: bodies, cursors, shaping, annotations."""

from __future__ import annotations

from datetime import date

import pytest

from services.search.query import BadQuery, encode_cursor
from services.search.stories import (
    StoriesParams,
    annotate,
    build_stories,
    build_story_articles,
    found_stories,
    story_ids_of,
    story_item,
)

S1, S2 = "s-" + "1" * 16, "s-" + "2" * 16


def test_each_sort_orders_by_its_field_then_id() -> None:
    sorts = {s: build_stories(StoriesParams(sort=s))["sort"] for s in ("size", "growth", "recency")}
    assert [next(iter(x)) for x in sorts["size"]] == ["article_count", "last_seen", "id"]
    assert [next(iter(x)) for x in sorts["growth"]] == ["recent_count", "last_seen", "id"]
    assert [next(iter(x)) for x in sorts["recency"]] == ["last_seen", "id"]


def test_filters_are_folded_terms_and_a_last_seen_range() -> None:
    body = build_stories(StoriesParams(actors=(("Zelenskyy", "Volodymyr Zelensky"),), places=("Kiev",),
                                       topics=("politics",), language="fr", date_from=date(2026, 1, 2),
                                       date_to=date(2026, 1, 3), page=3, size=5))
    assert body["query"]["bool"]["filter"] == [
        {"terms": {"actor_keys": ["volodymyr zelensky", "zelenskyy"]}}, {"term": {"place_keys": "kiev"}},
        {"term": {"topics": "politics"}}, {"term": {"languages": "fr"}},
        {"range": {"last_seen": {"gte": "2026-01-02", "lte": "2026-01-03"}}}]
    assert body["from"] == 10 and body["size"] == 5 and "search_after" not in body


@pytest.mark.parametrize(("sort", "values", "ok"), [
    ("recency", [1767225600000, S1], True),
    ("size", [3, 1767225600000, S1], True),
    ("size", [1767225600000, S1], False),      # a recency cursor
    ("growth", [None, 1, S1], False),
    ("recency", [1.5, S1], False),
    ("recency", [1, ""], False),
])
def test_cursors_are_checked_against_the_sort(sort: str, values: list, ok: bool) -> None:
    params = StoriesParams(sort=sort, cursor=encode_cursor(values))
    if ok:
        assert build_stories(params)["search_after"] == values
    else:
        with pytest.raises(BadQuery):
            build_stories(params)


def test_deep_pages_need_the_cursor() -> None:
    with pytest.raises(BadQuery, match="next_cursor"):
        build_stories(StoriesParams(page=101, size=100))
    with pytest.raises(BadQuery):
        build_story_articles(S1, 10, encode_cursor(["x", S1]), None)


def test_story_articles_in_publication_order_with_timeline_and_outlets_only_when_asked() -> None:
    body = build_story_articles(S1, 20, None, None)
    assert body["query"] == {"bool": {"filter": [{"term": {"story_id": S1}}]}}
    assert [next(iter(x)) for x in body["sort"]] == ["published_at", "id"] and "aggs" not in body


def test_items_cut_lists_but_keep_the_full_source_count() -> None:
    doc = {"id": S1, "title": "t", "sources": [f"s{i}" for i in range(30)], "source_count": 30, "article_count": 40}
    item = story_item(doc)
    assert len(item["sources"]) == 10 and item["source_count"] == 30
    assert len(story_item(doc, top=None)["sources"]) == 30


def test_annotations_from_one_lookup_missing_stories_are_null() -> None:
    resp = {"hits": {"hits": [{"_source": {"story_id": S1}}, {"_source": {"story_id": S2}}, {"_source": {}}]},
            "aggregations": {"stories": {"buckets": [{"key": S2, "doc_count": 4}, {"key": S1, "doc_count": 2}]}}}
    assert story_ids_of(resp) == [S1, S2]
    mget = {"docs": [{"_id": S1, "found": True, "_source": {"id": S1, "title": "One", "source_count": 3,
                                                              "article_count": 5}},
                     {"_id": S2, "found": False}]}
    out = annotate({"hits": [{}, {}, {}], "facets": {}}, resp, found_stories(mget))
    assert out["hits"][0]["story"] == {"id": S1, "title": "One", "source_count": 3, "article_count": 5}
    assert out["hits"][1]["story"] is None and out["hits"][2]["story"] is None
    assert out["facets"]["stories"] == [{"value": S2, "count": 4, "title": None, "source_count": None},
                                        {"value": S1, "count": 2, "title": "One", "source_count": 3}]

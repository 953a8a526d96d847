"""The stories part of the search API, as pure functions: parameters -> Elasticsearch bodies,
answers -> our JSON.

A story document (``stories`` index, ``_id`` = story id) is written by the index stage from
:class:`shared.models.StorySummary` (``services.index.logic.story_document``); each article
carries its ``story_id``. ``/stories`` lists story documents, ``/stories/{id}`` reads one and
its articles from the articles index, and ``/search`` annotates hits and a facet with the
stories found by one ``mget`` per page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from services.search.query import (BadQuery, Names, check_window, date_range, decode_values, encode_cursor, entity_filters,
                                   is_id, is_long)
from services.search.timeline import Interval, Timeline

#: what a story id looks like (``s-`` + 16 hex of the first article's id's SHA-1); checked before
#: any request, so a path segment never reaches Elasticsearch as an arbitrary ``_id``
STORY_ID_PATTERN = r"^s-[0-9a-f]{16}$"
STORY_ID_CHARS = 18
StorySort = Literal["size", "growth", "recency"]
#: how many of a story's actors, places, topics and sources a /stories item shows (the story
#: document keeps them most frequent first; ``source_count`` is always the full count)
LIST_TOP = 10
#: the outlets of one story listed in /stories/{id} (most articles first)
MAX_OUTLETS = 100

_LAST_SEEN = {"last_seen": {"order": "desc"}}
_SORTS: dict[str, list[Any]] = {
    "size": [{"article_count": {"order": "desc"}}, _LAST_SEEN, {"id": "asc"}],
    "growth": [{"recent_count": {"order": "desc"}}, _LAST_SEEN, {"id": "asc"}],
    "recency": [_LAST_SEEN, {"id": "asc"}],
}
_SHAPES = {"size": (is_long, is_long, is_id), "growth": (is_long, is_long, is_id), "recency": (is_long, is_id)}
#: a story's articles: in publication order, the id breaking ties (and ordering undated ones)
_ARTICLE_SORT: list[Any] = [{"published_at": {"order": "asc", "missing": "_last"}}, {"id": "asc"}]
_ARTICLE_SHAPE = (is_long, is_id)
_ARTICLE_FIELDS = ["id", "title", "url", "source", "published_at", "language", "duplicate_of", "actors", "places",
                   "topics"]


@dataclass(frozen=True)
class StoriesParams:
    actors: tuple[Names, ...] = ()
    places: tuple[Names, ...] = ()
    topics: tuple[str, ...] = ()
    language: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    sort: StorySort = "recency"
    page: int = 1
    size: int = 10
    cursor: str | None = None


def stories_filters(p: StoriesParams) -> list[dict[str, Any]]:
    out = entity_filters(p.actors, p.places, p.topics)
    if p.language:
        out.append({"term": {"languages": p.language}})
    return out + date_range("last_seen", p.date_from, p.date_to)


def build_stories(p: StoriesParams) -> dict[str, Any]:
    """The ``_search`` body of one /stories page; BadQuery for a page too deep or a forged cursor."""
    if p.sort not in _SORTS:
        raise BadQuery("sort must be 'size', 'growth' or 'recency'")
    check_window(p.page, p.size, p.cursor)
    body: dict[str, Any] = {
        "query": {"bool": {"filter": stories_filters(p)}},
        "size": p.size, "sort": _SORTS[p.sort], "track_total_hits": True,
    }
    if p.cursor is not None:
        body["search_after"] = decode_values(p.cursor, _SHAPES[p.sort])
    else:
        body["from"] = (p.page - 1) * p.size
    return body


def story_item(source: dict[str, Any], top: int | None = LIST_TOP) -> dict[str, Any]:
    """One story as the API shows it, from its stored document (lists cut to ``top``)."""
    def first(name: str) -> list[str]:
        values = source.get(name) or []
        return list(values[:top] if top is not None else values)

    sources = first("sources")
    return {
        "id": source.get("id"), "title": source.get("title"),
        "first_seen": source.get("first_seen"), "last_seen": source.get("last_seen"),
        "article_count": source.get("article_count", 0),
        "source_count": source.get("source_count", len(source.get("sources") or [])),
        "recent_count": source.get("recent_count", 0),
        "sources": sources, "languages": first("languages"),
        "actors": first("actors"), "places": first("places"), "topics": first("topics"),
    }


def _next_cursor(raw_hits: list[dict[str, Any]], size: int) -> str | None:
    return encode_cursor(raw_hits[-1]["sort"]) if len(raw_hits) == size and "sort" in raw_hits[-1] else None


def shape_stories(resp: dict[str, Any], p: StoriesParams) -> dict[str, Any]:
    raw = resp["hits"]["hits"]
    return {"total": resp["hits"]["total"]["value"], "page": p.page, "size": p.size,
            "stories": [story_item(h["_source"]) for h in raw], "next_cursor": _next_cursor(raw, p.size)}


# --------------------------------------------------------------------------- one story


def story_query(story_id: str) -> dict[str, Any]:
    return {"bool": {"filter": [{"term": {"story_id": story_id}}]}}


def build_story_articles(story_id: str, size: int, cursor: str | None, timeline: Timeline | None) -> dict[str, Any]:
    """A story's articles in publication order (a page of ``size``, after ``cursor``), and, with
    ``timeline``, its coverage over time and its outlets."""
    check_window(1, size, cursor)
    body: dict[str, Any] = {"query": story_query(story_id), "size": size, "sort": _ARTICLE_SORT,
                            "track_total_hits": True, "_source": _ARTICLE_FIELDS}
    if cursor is not None:
        body["search_after"] = decode_values(cursor, _ARTICLE_SHAPE)
    if timeline is not None:
        body["aggs"] = {"timeline": timeline.aggregation(),
                        "outlets": {"terms": {"field": "source", "size": MAX_OUTLETS}}}
    return body


def shape_story(doc: dict[str, Any], resp: dict[str, Any], size: int, interval: Interval | None) -> dict[str, Any]:
    raw = resp["hits"]["hits"]
    articles = [{
        "id": h["_id"], "title": s.get("title"), "url": s.get("url"), "source": s.get("source"),
        "published_at": s.get("published_at"), "language": s.get("language"), "duplicate_of": s.get("duplicate_of"),
        "actors": s.get("actors", []), "places": s.get("places", []), "topics": s.get("topics", []),
    } for h in raw for s in (h["_source"],)]
    out: dict[str, Any] = {"story": story_item(doc, top=None), "total": resp["hits"]["total"]["value"],
                           "size": size, "articles": articles, "next_cursor": _next_cursor(raw, size)}
    aggs = resp.get("aggregations")
    if aggs:
        out["timeline"] = Timeline.bars(aggs)
        out["timeline_interval"] = interval
        out["outlets"] = [{"value": b["key"], "count": b["doc_count"]} for b in aggs["outlets"]["buckets"]]
    return out


# --------------------------------------------------------------------------- /search annotations


def story_ids_of(resp: dict[str, Any]) -> list[str]:
    """The story ids a /search answer mentions (hits, then facet buckets), once each, in order."""
    seen: dict[str, None] = {}
    for h in resp["hits"]["hits"]:
        sid = h.get("_source", {}).get("story_id")
        if isinstance(sid, str):
            seen[sid] = None
    for b in resp.get("aggregations", {}).get("stories", {}).get("buckets", []):
        seen[str(b["key"])] = None
    return list(seen)


def found_stories(mget: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """id -> stored story document, from an ``mget`` answer; missing ones (or a missing index,
    which mget reports per document) are simply absent."""
    return {d["_id"]: d["_source"] for d in mget.get("docs", []) if d.get("found") and "_source" in d}


def annotate(out: dict[str, Any], resp: dict[str, Any], stories: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """``out`` (a shaped /search answer) with ``story`` on each hit and the story facet."""
    for hit, raw in zip(out["hits"], resp["hits"]["hits"]):
        doc = stories.get(raw.get("_source", {}).get("story_id") or "")
        hit["story"] = None if doc is None else {
            "id": doc.get("id"), "title": doc.get("title"), "source_count": doc.get("source_count", 0),
            "article_count": doc.get("article_count", 0)}
    if "facets" in out:
        buckets = resp.get("aggregations", {}).get("stories", {}).get("buckets", [])
        out["facets"]["stories"] = [{
            "value": b["key"], "count": b["doc_count"],
            "title": (stories.get(b["key"]) or {}).get("title"),
            "source_count": (stories.get(b["key"]) or {}).get("source_count"),
        } for b in buckets]
    return out

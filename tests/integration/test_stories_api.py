"""/stories, /stories/{id}, /search?story= and the story annotations, against a real Elasticsearch.

The fixture writes what the index stage writes: article documents from ``index()`` of a
StoriedArticle (so they carry ``story_id``) and story documents from ``story_document()``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from elasticsearch import Elasticsearch, helpers
from fastapi.testclient import TestClient

from services.index.logic import index, story_document
from services.search.app import create_app
from shared.aliases import fold
from shared.es import STORIES_INDEX_BODY, ensure_index, index_name, make_client, stories_alias
from shared.models import Actor, CleanArticle, EnrichedArticle, Place, StoriedArticle, StorySummary, Topic
from shared.settings import CommonSettings

NOW = datetime(2026, 1, 10, tzinfo=UTC)
GENEVA, DERBY, SUMMIT, GONE = "s-" + "a" * 16, "s-" + "b" * 16, "s-" + "c" * 16, "s-" + "d" * 16
ALIASES = {"zelenskyy": "Volodymyr Zelensky", "genf": "Geneva"}


def day(d: int, month: int = 1, year: int = 2026) -> datetime:
    return datetime(year, month, d, 12, tzinfo=UTC)


def summary(sid: str, title: str, first: datetime, last: datetime, count: int, recent: int, sources: list[str],
            languages: list[str], actors: list[str], places: list[str], topics: list[str]) -> StorySummary:
    return StorySummary(id=sid, revision=count, title=title, first_seen=first, last_seen=last, article_count=count,
                        recent_count=recent, sources=sources, languages=languages, actors=actors, places=places,
                        topics=topics)


# size order: Geneva (3) > Derby (2) > Summit (1); growth: Derby (2), then Summit before Geneva
# (one each, Summit last seen later); recency: Summit, Geneva, Derby. Each sort gives its own order.
STORIES = [
    summary(GENEVA, "Peace talks open in Geneva", day(1), day(3), 3, 1, ["wire-a", "wire-b", "wire-c"], ["en", "fr"],
            ["Volodymyr Zelensky", "Vladimir Putin"], ["Geneva"], ["politics"]),
    summary(DERBY, "United win the derby", day(1, 12, 2025), day(2, 12, 2025), 2, 2, ["sport-a"], ["en"],
            [], ["Manchester"], ["sport"]),
    summary(SUMMIT, "Leaders meet in Brussels", day(5), day(5), 1, 1, ["wire-a"], ["en"], [], ["Brussels"],
            ["politics"]),
]


def article(aid: str, title: str, source: str, published: datetime, story: StorySummary | None,
            language: str = "en", places: tuple[str, ...] = (), actors: tuple[str, ...] = (),
            topics: tuple[str, ...] = ()) -> dict[str, Any]:
    clean = CleanArticle(id=aid, title=title, body=f"{title}. More words about it.", content_hash=aid,
                         received_at=published, published_at=published, source=source, language=language)
    enriched = EnrichedArticle(
        article=clean, enrichment_version="t", actors=[Actor(name=n, type="person") for n in actors],
        places=[Place(name=n, aliases=[], lat=46.2, lon=6.1, country_code="CH") for n in places],
        topics=[Topic(id=f"medtop:{t}", label=t, score=0.9) for t in topics])
    if story is None:
        return index(enriched, NOW)
    return index(StoriedArticle(**dict(enriched), story=story), NOW)


g, d, s = STORIES
ARTICLES = [  # deliberately not in publication order
    article("c-g3", "Talks end in Geneva", "wire-c", day(3), g, "fr", ("Geneva",), ("Volodymyr Zelensky",), ("politics",)),
    article("c-g1", "Peace talks open in Geneva", "wire-a", day(1), g, places=("Geneva",), topics=("politics",)),
    article("c-g2", "Second day of talks in Geneva", "wire-b", day(2), g, places=("Geneva",), topics=("politics",)),
    article("c-d1", "United win the derby", "sport-a", day(1, 12, 2025), d, topics=("sport",)),
    article("c-d2", "Derby: the day after", "sport-a", day(2, 12, 2025), d, topics=("sport",)),
    article("c-s1", "Leaders meet in Brussels about talks", "wire-a", day(5), s, topics=("politics",)),
    # a story whose document is not (yet) in the stories index, and an article with no story
    article("c-x1", "Talks about talks", "wire-x", day(6), summary(GONE, "gone", day(6), day(6), 1, 1, [], [], [], [],
                                                                  [])),
    article("c-n1", "Unrelated talks", "wire-y", day(7), None),
]


def write(es: Elasticsearch, index_alias: str, docs: list[tuple[str, dict[str, Any]]]) -> None:
    ok, errors = helpers.bulk(es, ({"_index": index_alias, "_id": i, "_source": doc} for i, doc in docs),
                              raise_on_error=False)
    assert not errors and ok == len(docs), errors
    es.indices.refresh(index=index_alias)


@pytest.fixture()
def es_alias(isolated_env: dict[str, str]) -> Iterator[tuple[Elasticsearch, str]]:
    settings = CommonSettings()
    es = make_client(settings)
    alias = settings.index_alias
    ensure_index(es, alias)
    write(es, alias, [(a["id"], a) for a in ARTICLES])
    try:
        yield es, alias
    finally:
        for name in (index_name(alias), index_name(stories_alias(alias))):
            es.indices.delete(index=name, ignore_unavailable=True)


@pytest.fixture()
def api(es_alias: tuple[Elasticsearch, str]) -> TestClient:
    es, alias = es_alias
    ensure_index(es, stories_alias(alias), body=STORIES_INDEX_BODY)
    write(es, stories_alias(alias), [(x.id, story_document(x, NOW)) for x in STORIES])
    return TestClient(create_app(es, alias, lambda name: ALIASES.get(fold(name))))


def ids(resp: dict[str, Any], key: str = "stories") -> list[str]:
    return [x["id"] for x in resp[key]]


def test_sorts_and_items(api: TestClient) -> None:
    assert ids(api.get("/stories", params={"sort": "size"}).json()) == [GENEVA, DERBY, SUMMIT]
    assert ids(api.get("/stories", params={"sort": "growth"}).json()) == [DERBY, SUMMIT, GENEVA]
    recent = api.get("/stories").json()
    assert ids(recent) == [SUMMIT, GENEVA, DERBY] and recent["total"] == 3
    item = next(x for x in recent["stories"] if x["id"] == GENEVA)
    assert item["title"] == "Peace talks open in Geneva"
    assert (item["article_count"], item["source_count"], item["recent_count"]) == (3, 3, 1)
    assert item["sources"] == ["wire-a", "wire-b", "wire-c"] and item["languages"] == ["en", "fr"]
    assert item["actors"] == ["Volodymyr Zelensky", "Vladimir Putin"] and item["places"] == ["Geneva"]
    assert item["first_seen"].startswith("2026-01-01") and item["last_seen"].startswith("2026-01-03")
    derby = next(x for x in recent["stories"] if x["id"] == DERBY)
    assert (derby["article_count"], derby["source_count"], derby["recent_count"]) == (2, 1, 2)


def test_filters(api: TestClient) -> None:
    def listed(**params: Any) -> list[str]:
        r = api.get("/stories", params={"sort": "size", **params})
        assert r.status_code == 200, r.text
        return ids(r.json())

    assert listed(actor="Zelenskyy") == [GENEVA], "an alias the registry knows"
    assert listed(actor="vladimir PUTIN") == [GENEVA], "folded"
    assert listed(actor="Nobody") == []
    assert listed(place="Genf") == [GENEVA]
    assert listed(place="manchester") == [DERBY]
    assert listed(topic="politics") == [GENEVA, SUMMIT]
    assert listed(topic="politics", place="Brussels") == [SUMMIT], "filters combine"
    assert listed(language="fr") == [GENEVA]
    assert listed(**{"from": "2026-01-04"}) == [SUMMIT]
    assert listed(to="2025-12-31") == [DERBY]
    assert listed(**{"from": "2026-01-01", "to": "2026-01-03"}) == [GENEVA]


def test_pagination(api: TestClient) -> None:
    seen, cursor = [], None
    for _ in range(4):
        r = api.get("/stories", params={"sort": "growth", "size": 1, **({"cursor": cursor} if cursor else {})}).json()
        seen += ids(r)
        cursor = r["next_cursor"]
        if cursor is None:
            break
    assert seen == [DERBY, SUMMIT, GENEVA]
    assert ids(api.get("/stories", params={"sort": "growth", "size": 1, "page": 2}).json()) == [SUMMIT]
    two = api.get("/stories", params={"size": 2}).json()
    assert ids(two) == [SUMMIT, GENEVA] and two["next_cursor"]
    rest = api.get("/stories", params={"size": 2, "cursor": two["next_cursor"]}).json()
    assert ids(rest) == [DERBY] and rest["next_cursor"] is None
    # a cursor of one sort order is refused for another (recency gives two values, size three)
    refused = api.get("/stories", params={"sort": "size", "cursor": two["next_cursor"]})
    assert refused.status_code == 400 and "cursor" in refused.json()["error"]


def test_bad_requests(api: TestClient) -> None:
    for params in ({"cursor": "garbage"}, {"page": 200, "size": 100}, {"cursor": "W251bGwsbnVsbF0"}):
        r = api.get("/stories", params=params)
        assert r.status_code == 400, (params, r.text)
        assert "Exception" not in r.json()["error"] and "articles-" not in r.json()["error"]
    for params in ({"sort": "best"}, {"size": 0}, {"size": 101}, {"from": "yesterday"}, {"from": "0"},
                   {"actor": "x" * 201}, {"topic": ["t"] * 21}):
        r = api.get("/stories", params=params)
        assert r.status_code == 422, (params, r.text)
        assert r.json()["error"].split(":")[0] in {"sort", "size", "from", "actor", "topic"}, r.text
    for bad in ("nope", "s-" + "A" * 16, "s-" + "a" * 17, "s-" + "a" * 15, "x" * 300):
        r = api.get(f"/stories/{bad}")
        assert r.status_code == 422, (bad, r.text)
    r = api.get("/stories/s-" + "0" * 16)
    assert r.status_code == 404 and r.json() == {"error": "no story with this id"}
    assert api.get(f"/stories/{GENEVA}", params={"cursor": "garbage"}).status_code == 400
    assert api.get("/search", params={"story": "s-nothex"}).status_code == 422


def test_one_story(api: TestClient) -> None:
    r = api.get(f"/stories/{GENEVA}")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["story"]["id"] == GENEVA and body["story"]["source_count"] == 3
    assert ids(body, "articles") == ["c-g1", "c-g2", "c-g3"], "in publication order"
    assert body["total"] == 3 and body["next_cursor"] is None
    assert body["articles"][2]["source"] == "wire-c" and body["articles"][2]["language"] == "fr"
    assert body["timeline_interval"] == "day"
    assert [(b["date"][:10], b["count"]) for b in body["timeline"]] == [
        ("2026-01-01", 1), ("2026-01-02", 1), ("2026-01-03", 1)]
    assert sorted((o["value"], o["count"]) for o in body["outlets"]) == [("wire-a", 1), ("wire-b", 1), ("wire-c", 1)]
    derby = api.get(f"/stories/{DERBY}").json()
    assert [(o["value"], o["count"]) for o in derby["outlets"]] == [("sport-a", 2)]
    assert sum(b["count"] for b in derby["timeline"]) == 2
    # paged: two, then the third after the cursor
    first = api.get(f"/stories/{GENEVA}", params={"size": 2}).json()
    assert ids(first, "articles") == ["c-g1", "c-g2"] and first["next_cursor"]
    rest = api.get(f"/stories/{GENEVA}", params={"size": 2, "cursor": first["next_cursor"], "facets": "false"}).json()
    assert ids(rest, "articles") == ["c-g3"] and "timeline" not in rest
    assert api.get(f"/stories/{GENEVA}", params={"interval": "year"}).json()["timeline_interval"] == "year"


def test_search_story_filter_facet_and_hit_story(api: TestClient) -> None:
    r = api.get("/search", params={"story": GENEVA, "sort": "date"}).json()
    assert [h["id"] for h in r["hits"]] == ["c-g3", "c-g2", "c-g1"]
    assert r["hits"][0]["story"] == {"id": GENEVA, "title": "Peace talks open in Geneva", "source_count": 3,
                                     "article_count": 3}
    everything = api.get("/search", params={"q": "talks", "size": 20}).json()
    by_id = {h["id"]: h["story"] for h in everything["hits"]}
    assert by_id["c-s1"] == {"id": SUMMIT, "title": "Leaders meet in Brussels", "source_count": 1, "article_count": 1}
    assert by_id["c-x1"] is None, "its story document is missing: null, not an error"
    assert by_id["c-n1"] is None, "no story at all"
    facet = {b["value"]: b for b in everything["facets"]["stories"]}
    assert facet[GENEVA] == {"value": GENEVA, "count": 3, "title": "Peace talks open in Geneva", "source_count": 3}
    assert facet[SUMMIT]["count"] == 1 and facet[GONE] == {"value": GONE, "count": 1, "title": None,
                                                           "source_count": None}
    assert DERBY not in facet, "no derby article mentions talks"


def test_without_a_stories_index(es_alias: tuple[Elasticsearch, str]) -> None:
    """Before any story is written: /search still answers (stories null), /stories says why it cannot."""
    es, alias = es_alias
    api = TestClient(create_app(es, alias))
    r = api.get("/search", params={"size": 20})
    assert r.status_code == 200 and len(r.json()["hits"]) == len(ARTICLES)
    assert all(h["story"] is None for h in r.json()["hits"])
    assert {b["value"] for b in r.json()["facets"]["stories"]} == {GENEVA, DERBY, SUMMIT, GONE}
    listing = api.get("/stories")
    assert listing.status_code == 503 and listing.json() == {"error": "no story has been indexed yet; retry later"}
    assert api.get(f"/stories/{GENEVA}").status_code == 404


def test_one_story_lookup_per_page(es_alias: tuple[Elasticsearch, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """The hits' stories and the facet's titles come from one mget, not one request per hit."""
    es, alias = es_alias
    ensure_index(es, stories_alias(alias), body=STORIES_INDEX_BODY)
    write(es, stories_alias(alias), [(x.id, story_document(x, NOW)) for x in STORIES])
    calls: list[list[str]] = []
    real = es.mget

    def counted(**kwargs: Any) -> Any:
        calls.append(list(kwargs["ids"]))
        return real(**kwargs)

    monkeypatch.setattr(es, "mget", counted)
    api = TestClient(create_app(es, alias))
    r = api.get("/search", params={"size": 20}).json()
    assert sum(1 for h in r["hits"] if h["story"]) == 6
    assert len(calls) == 1 and sorted(calls[0]) == sorted({GENEVA, DERBY, SUMMIT, GONE}), calls

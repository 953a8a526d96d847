"""The index writer and the search API against a real Elasticsearch."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from services.index.logic import index, index_json
from services.index.writer import bulk_write
from services.search.app import create_app
from shared.es import STORIES_INDEX_BODY, ensure_index, index_name, make_client, stories_alias
from shared.stream.messages import Item
from shared.models import Actor, CleanArticle, Place, StoriedArticle, StorySummary, Topic
from shared.settings import CommonSettings

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def enriched(i: int, title: str, body: str, actors=(), places=(), topics=(), published=NOW, dup=None):  # noqa: ANN001, ANN201
    article = CleanArticle(id=f"c-{i}", title=title, body=body, content_hash=str(i), received_at=NOW,
                           published_at=published, source="test", language="en", duplicate_of=dup)
    story = StorySummary(id=f"s-{dup or f'c-{i}'}", revision=1, title=title, first_seen=NOW, last_seen=NOW,
                         article_count=1, sources=["test"])
    return StoriedArticle(
        article=article, enrichment_version="t", story=story,
        actors=[Actor(name=n, type="person", aliases=a) for n, a in actors],
        places=[Place(name=n, aliases=a, lat=lat, lon=lon, country_code=cc) for n, a, lat, lon, cc in places],
        topics=[Topic(id=f"medtop:{t}", label=t, score=0.9) for t in topics],
    )


ARTICLES = [
    enriched(1, "Putin and Trump discuss peace talks", "The Kremlin said peace talks could start.",
             actors=[("Vladimir Putin", ["Putin"]), ("Donald Trump", [])],
             places=[("Kyiv", ["Kiev"], 50.45, 30.52, "UA"), ("Russia", [], 61.5, 105.3, "RU")],
             topics=["conflict, war and peace"]),
    enriched(2, "Football: United win the derby", "A late goal settled the match.",
             places=[("Manchester", [], 53.48, -2.24, "GB")], topics=["sport"], published=datetime(2020, 1, 1, tzinfo=UTC)),
    enriched(3, "Zelensky visits Brussels", "Volodymyr Zelensky met NATO leaders about peace.",
             actors=[("Volodymyr Zelensky", ["Zelensky", "Zelenskyy"])],
             places=[("Brussels", [], 50.85, 4.35, "BE")], topics=["conflict, war and peace", "politics"]),
    enriched(4, "Zelensky visits Brussels", "Syndicated copy.", dup="c-3"),
]


@pytest.fixture()
def loaded(isolated_env: dict[str, str]):  # noqa: ANN201
    settings = CommonSettings()
    es = make_client(settings)
    ensure_index(es, settings.index_alias)
    ensure_index(es, stories_alias(settings.index_alias), body=STORIES_INDEX_BODY)
    items = [Item(None, index_json(a, NOW)) for a in ARTICLES]
    assert bulk_write(es, settings.index_alias, items) == []
    es.indices.refresh(index=[settings.index_alias, stories_alias(settings.index_alias)])
    yield es, settings
    es.indices.delete(index=[index_name(settings.index_alias), index_name(stories_alias(settings.index_alias))])


def test_writes_are_idempotent(loaded) -> None:  # noqa: ANN001
    es, settings = loaded
    items = [Item(None, index(a, NOW)) for a in ARTICLES]
    bulk_write(es, settings.index_alias, items)
    es.indices.refresh(index=settings.index_alias)
    assert es.count(index=settings.index_alias)["count"] == len(ARTICLES)
    assert es.get(index=settings.index_alias, id="c-4")["_source"]["story_id"] == "s-c-3"
    stories = stories_alias(settings.index_alias)
    assert sorted(h["_id"] for h in es.search(index=stories, size=10)["hits"]["hits"]) == ["s-c-1", "s-c-2", "s-c-3"]


def test_mapping_error_is_bad_input_not_outage(loaded) -> None:  # noqa: ANN001
    es, settings = loaded
    doc = index(ARTICLES[0], NOW)
    doc = {**doc, "id": "c-bad", "published_at": "not-a-date"}
    rejected = bulk_write(es, settings.index_alias, [Item(None, doc)])
    assert len(rejected) == 1 and "rejected the document (400)" in rejected[0][1].reason


def test_search_api(loaded) -> None:  # noqa: ANN001
    es, settings = loaded
    api = TestClient(create_app(es, settings.index_alias))
    r = api.get("/search", params={"actor": "Zelenskyy"}).json()
    assert [h["id"] for h in r["hits"]] == ["c-3"], "alias typed by the user, duplicate hidden"
    assert api.get("/search", params={"q": "Brussels"}).json()["total"] == 1
    assert api.get("/search", params={"q": "Brussels", "include_duplicates": "true"}).json()["total"] == 2
    assert api.get("/search", params={"place": "kiev"}).json()["hits"][0]["id"] == "c-1"
    r = api.get("/search", params={"q": '"peace talks"'}).json()
    assert [h["id"] for h in r["hits"]] == ["c-1"]
    assert "<mark>" in r["hits"][0]["highlight"]["title"][0]
    r = api.get("/search", params={"q": "peace", "topic": "conflict, war and peace"}).json()
    assert {h["id"] for h in r["hits"]} == {"c-1", "c-3"}
    facets = r["facets"]
    assert {"value": "conflict, war and peace", "count": 2} in facets["topics"]
    assert api.get("/search", params={"q": "zel*"}).json()["total"] == 1
    assert api.get("/search", params={"q": "peace NOT Kremlin"}).json()["hits"][0]["id"] == "c-3"
    near = api.get("/search", params={"near": "50.4,30.5", "within": "50km"}).json()
    assert [h["id"] for h in near["hits"]] == ["c-1"]
    assert api.get("/search", params={"near": "Kiev", "within": "50km"}).json()["total"] == 1
    r = api.get("/search", params={"sort": "date", "size": 1}).json()
    assert r["hits"][0]["id"] != "c-2" and r["next_cursor"]
    page2 = api.get("/search", params={"sort": "date", "size": 1, "cursor": r["next_cursor"]}).json()
    assert page2["hits"][0]["id"] != r["hits"][0]["id"]


def test_search_errors_are_400s_not_500s(loaded) -> None:  # noqa: ANN001
    es, settings = loaded
    api = TestClient(create_app(es, settings.index_alias))
    for params in ({"q": "(unbalanced"}, {"q": "AND"}, {"size": "1000"}, {"cursor": "garbage"},
                   {"within": "far", "near": "1,1"}, {"from": "yesterday"}):
        resp = api.get("/search", params=params)
        assert resp.status_code in (400, 422), (params, resp.status_code, resp.text)
    assert api.get("/articles/nope").status_code == 404


def test_autocomplete_and_related(loaded) -> None:  # noqa: ANN001
    es, settings = loaded
    api = TestClient(create_app(es, settings.index_alias))
    assert api.get("/actors", params={"prefix": "vla"}).json() == [{"name": "Vladimir Putin", "count": 1}]
    assert {p["name"] for p in api.get("/places", params={"prefix": "b"}).json()} == {"Brussels"}
    assert {t["name"] for t in api.get("/topics").json()} >= {"sport", "politics"}
    related = api.get("/related", params={"actor": "Putin"}).json()
    assert related["articles"] == 1 and "Donald Trump" in [a["name"] for a in related["actors"]]
    article = api.get("/articles/c-1").json()
    assert article["body"].startswith("The Kremlin") and article["entities"]["places"][0]["name"] == "Kyiv"


def test_mapping_upgrade_copies_documents_and_moves_alias(isolated_env: dict[str, str]) -> None:
    settings = CommonSettings()
    es = make_client(settings)
    old = f"{settings.index_alias}-v0"
    es.indices.create(index=old, aliases={settings.index_alias: {"is_write_index": True}})
    es.index(index=settings.index_alias, id="c-old", document={"id": "c-old", "title": "kept across versions"},
             refresh=True)
    try:
        name = ensure_index(es, settings.index_alias)
        es.indices.refresh(index=name)
        assert list(es.indices.get_alias(name=settings.index_alias)) == [name]
        assert es.get(index=settings.index_alias, id="c-old")["_source"]["title"] == "kept across versions"
    finally:
        es.indices.delete(index=f"{settings.index_alias}-v*")

"""Nothing a client sends, and no article in the index, breaks search (a real Elasticsearch)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from elasticsearch import Elasticsearch
from fastapi.testclient import TestClient

from services.index.logic import index
from services.index.writer import bulk_write
from services.search.app import REFUSED, create_app
from shared.es import ensure_index, index_name, make_client
from shared.limits import MAX_BODY_CHARS, MAX_TIMELINE_BUCKETS
from shared.models import CleanArticle, EnrichedArticle, Place
from shared.settings import CommonSettings
from shared.stream.messages import Item

NOW = datetime.now(UTC).replace(microsecond=0)
BIG_BODY = "Paris Berlin Macron Merkel. " * 40000  # 1.12 million characters: the article


def enriched(i: int, body: str, published: datetime | None = NOW) -> EnrichedArticle:
    article = CleanArticle(id=f"c-{i}", title=f"Paris report {i}", body=body, content_hash=str(i), received_at=NOW,
                           published_at=published, source="test", language="en")
    places = [Place(name="Paris", aliases=[], lat=48.86, lon=2.35, country_code="FR")]
    return EnrichedArticle(article=article, enrichment_version="t", places=places)


@pytest.fixture()
def es_alias(isolated_env: dict[str, str]) -> Iterator[tuple[Elasticsearch, str]]:
    settings = CommonSettings()
    es = make_client(settings)
    ensure_index(es, settings.index_alias)
    yield es, settings.index_alias
    es.indices.delete(index=index_name(settings.index_alias), ignore_unavailable=True)


def write(es: Elasticsearch, alias: str, articles: list[EnrichedArticle]) -> None:
    assert bulk_write(es, alias, [Item(None, index(a, NOW)) for a in articles]) == []
    es.indices.refresh(index=alias)


def test_one_oversized_article_does_not_break_search(es_alias: tuple[Elasticsearch, str]) -> None:
    es, alias = es_alias
    write(es, alias, [enriched(1, "Paris in spring."), enriched(2, "More on Paris.")])
    # written as it was before the index stage capped bodies (or by any other producer)
    es.index(index=alias, id="c-big", document={**index(enriched(3, BIG_BODY), NOW), "id": "c-big"}, refresh=True)
    api = TestClient(create_app(es, alias))
    for params in ({"q": "Paris"}, {}, {"q": "Merkel"}, {"sort": "date"}):
        r = api.get("/search", params=params)
        assert r.status_code == 200, r.text
    hits = api.get("/search", params={"q": "Merkel"}).json()["hits"]
    assert [h["id"] for h in hits] == ["c-big"] and "<mark>Merkel</mark>" in hits[0]["highlight"]["body"][0]


def test_the_index_stage_stores_at_most_max_body_chars(es_alias: tuple[Elasticsearch, str]) -> None:
    es, alias = es_alias
    write(es, alias, [enriched(4, BIG_BODY)])
    stored = es.get(index=alias, id="c-4")["_source"]["body"]
    assert len(stored) <= MAX_BODY_CHARS and BIG_BODY.startswith(stored)
    assert TestClient(create_app(es, alias)).get("/search", params={"q": "Paris"}).status_code == 200


def test_timeline_stays_small_whatever_the_dates(es_alias: tuple[Elasticsearch, str]) -> None:
    es, alias = es_alias
    articles = [enriched(10 + i, "Paris news.", NOW - timedelta(days=120 * i)) for i in range(8)]  # over 2.5 years
    articles.append(enriched(30, "An old typo.", datetime(1, 1, 1, tzinfo=UTC)))  # refused by ingest today
    articles.append(enriched(31, "No date at all.", None))
    write(es, alias, articles)
    api = TestClient(create_app(es, alias))

    default = api.get("/search").json()
    timeline = default["facets"]["timeline"]
    assert default["total"] == 10 and 1 <= len(timeline) <= MAX_TIMELINE_BUCKETS
    assert timeline[0]["date"] >= "1900" and sum(b["count"] for b in timeline) == 8  # 0001 and undated left out
    assert default["timeline_interval"] == "month"

    hourly = api.get("/search", params={"interval": "hour"}).json()
    assert hourly["timeline_interval"] == "week"  # 2.5 years of hours is 22,000 bars: coarsened
    assert len(hourly["facets"]["timeline"]) <= MAX_TIMELINE_BUCKETS

    narrow = api.get("/search", params={"interval": "hour", "from": (NOW - timedelta(days=1)).date().isoformat()}).json()
    assert narrow["timeline_interval"] == "hour" and sum(b["count"] for b in narrow["facets"]["timeline"]) == 1
    wide = api.get("/search", params={"interval": "day", "from": "0001-01-01", "to": "9999-12-31"}).json()
    assert wide["timeline_interval"] == "week" and len(wide["facets"]["timeline"]) <= MAX_TIMELINE_BUCKETS


HOSTILE = [
    ("/articles/" + "a" * 4100, {}),
    ("/articles/" + "%00%ff", {}),
    ("/search", {"cursor": "W251bGwsbnVsbCxudWxsXQ"}),
    ("/search", {"cursor": "WyJhIl0"}),
    ("/search", {"cursor": "WzEuMCwxLCJ1LWEiXQ", "sort": "date"}),
    ("/search", {"near": "48.86,2.35", "within": "0km"}),
    ("/search", {"near": "48.86,2.35", "within": "9" * 400}),
    ("/search", {"q": "NOT NOT NOT x"}),
    ("/search", {"q": "a" * 40 + "*" + " OR b*" * 100}),
    ("/search", {"q": "\\"}),
    ("/search", {"q": '""'}),
    ("/search", {"interval": "hour", "from": "0001-01-01"}),
    ("/search", {"near": "Atlantis"}),
    ("/actors", {"prefix": "[(.*" * 20}),
    ("/related", {"actor": "\u0000"}),
]


@pytest.mark.parametrize(("path", "params"), HOSTILE)
def test_hostile_input_gets_an_answer_of_ours(es_alias: tuple[Elasticsearch, str], path: str, params: dict[str, str]) -> None:
    es, alias = es_alias
    write(es, alias, [enriched(1, "Paris in spring.")])
    r = TestClient(create_app(es, alias), raise_server_exceptions=False).get(path, params=params)
    assert r.status_code < 500, r.text
    if r.status_code >= 400:
        message = r.json()["error"]
        assert message and set(r.json()) == {"error"}
        for leak in ("[", "Exception", "search_after", alias, "failed to parse", "doc["):
            assert leak not in message, message


def test_any_elasticsearch_refusal_is_our_400(isolated_env: dict[str, str], caplog: pytest.LogCaptureFixture) -> None:
    """A query Elasticsearch refuses for a reason we did not foresee (here: an index whose
    ``locations`` is no geo_point) is a 400 in our words; its own text goes to the log only."""
    settings = CommonSettings()
    es = make_client(settings)
    alias = settings.index_alias
    es.indices.create(index=f"{alias}-odd", mappings={"properties": {"locations": {"type": "keyword"}, "published_at": {"type": "date"}}},
                      aliases={alias: {}})
    try:
        with caplog.at_level(logging.WARNING, logger="services.search.app"):
            r = TestClient(create_app(es, alias)).get("/search", params={"near": "48.86,2.35"})
        assert r.status_code == 400 and r.json() == {"error": REFUSED}
        assert any("geo" in rec.getMessage() for rec in caplog.records), caplog.text
    finally:
        es.indices.delete(index=f"{alias}-odd")

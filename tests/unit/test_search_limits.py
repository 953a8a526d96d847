"""Search inputs checked before they reach Elasticsearch, and the limits that protect readers."""

from __future__ import annotations

import base64
import json
from datetime import UTC, date, datetime, timedelta

import pytest
from elasticsearch import Elasticsearch
from fastapi.testclient import TestClient

from services.index.logic import cap_body
from services.search.app import create_app
from services.search.query import BadQuery, SearchParams, build_search, decode_cursor, encode_cursor, parse_distance, rewrite_query
from services.search.timeline import INTERVALS, Timeline, buckets, clamp
from shared.limits import (
    EARLIEST_PUBLISHED,
    HIGHLIGHT_MAX_ANALYZED_OFFSET,
    MAX_BODY_CHARS,
    MAX_QUERY_DEPTH,
    MAX_TIMELINE_BUCKETS,
    MAX_WITHIN_KM,
)

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def cursor_of(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def test_highlight_never_analyses_past_the_limit() -> None:
    highlight = build_search(SearchParams(q="paris"))["highlight"]
    assert highlight["max_analyzed_offset"] == HIGHLIGHT_MAX_ANALYZED_OFFSET <= 1_000_000


def test_indexed_bodies_are_capped_at_a_boundary() -> None:
    body = "Paris Berlin Macron Merkel. " * 40000  # 1.12 million characters
    capped = cap_body(body)
    assert len(capped) <= MAX_BODY_CHARS < len(body)
    assert capped.endswith("Merkel.") and body.startswith(capped)
    paragraphs = ("A paragraph of words. " * 100 + "\n\n") * 400
    assert cap_body(paragraphs).endswith("words.") and "\n\n" not in cap_body(paragraphs)[-50:]
    assert cap_body("x" * (MAX_BODY_CHARS + 5)) == "x" * MAX_BODY_CHARS  # no boundary: a hard cut
    assert cap_body("short") == "short"


@pytest.mark.parametrize("forged", [
    [None, None, None],            # the cursor of the issue: a null score was a 500 in Elasticsearch
    ["a"],                         # wrong number of values: "search_after has 1 value(s)"
    [1.0, 2, "u-a", "extra"],
    [True, 1, "u-a"],              # a bool is no score
    ["1.0", 1, "u-a"],
    [1.0, 1.5, "u-a"],             # a date sort value is a long
    [1.0, 2**70, "u-a"],           # past a long
    [1.0, 1, ""],
    [1.0, 1, 7],
    {"a": 1},
    "text",
])
def test_forged_cursors_are_refused(forged: object) -> None:
    with pytest.raises(BadQuery, match="cursor is not one this API returned"):
        decode_cursor(cursor_of(forged), "relevance")


def test_cursors_match_their_sort_order() -> None:
    relevance = encode_cursor([1.5, 1_700_000_000_000, "u-abc"])
    assert decode_cursor(relevance, "relevance") == [1.5, 1_700_000_000_000, "u-abc"]
    by_date = encode_cursor([-(2**63), "u-abc"])  # an article without a date sorts last with Long.MIN_VALUE
    assert decode_cursor(by_date, "date") == [-(2**63), "u-abc"]
    with pytest.raises(BadQuery):
        decode_cursor(relevance, "date")
    with pytest.raises(BadQuery):
        decode_cursor(cursor_of([float("nan"), 1, "u-a"]).replace("=", ""), "relevance")
    with pytest.raises(BadQuery):
        decode_cursor("A" * 5000, "relevance")


def test_within_is_bounded() -> None:
    with pytest.raises(BadQuery, match="at least"):
        parse_distance("0km")
    with pytest.raises(BadQuery, match="at least"):
        parse_distance("0.0001m")
    with pytest.raises(BadQuery):
        parse_distance("9" * 400)
    assert parse_distance("99999999km") == MAX_WITHIN_KM
    assert parse_distance("1000m") == pytest.approx(1.0)
    flt = build_search(SearchParams(near=(1.0, 2.0), within_km=16.09344))["query"]["function_score"]["query"]
    assert {"geo_distance": {"distance": "16.09344km", "locations": {"lat": 1.0, "lon": 2.0}}} in flt["bool"]["filter"]


@pytest.mark.parametrize("q", ["NOT NOT NOT x", "a NOT NOT b", "(" * (MAX_QUERY_DEPTH + 1) + "x" + ")" * (MAX_QUERY_DEPTH + 1)])
def test_queries_elasticsearch_cannot_parse_are_refused_first(q: str) -> None:
    with pytest.raises(BadQuery):
        rewrite_query(q)


def test_not_once_and_nesting_within_the_limit_still_work() -> None:
    assert rewrite_query("peace NOT war") == "peace NOT war"
    deep = "(" * MAX_QUERY_DEPTH + "x" + ")" * MAX_QUERY_DEPTH
    assert rewrite_query(deep).count("(") == MAX_QUERY_DEPTH


def test_timeline_is_coarsened_until_it_fits() -> None:
    first, last = NOW - timedelta(days=3 * 365), NOW
    t = Timeline.choose("hour", (first, last), clamp(None, None, NOW))
    assert t.interval == "week" and buckets(first, last, t.interval) <= MAX_TIMELINE_BUCKETS
    assert Timeline.choose("hour", (NOW - timedelta(hours=10), NOW), clamp(None, None, NOW)).interval == "hour"
    for interval in INTERVALS:  # the widest span the clamp allows fits in every case
        lo, hi = clamp(None, None, NOW)
        chosen = Timeline.choose(interval, (lo, hi), (lo, hi))
        assert buckets(lo, hi, chosen.interval) <= MAX_TIMELINE_BUCKETS


def test_timeline_default_suits_the_span() -> None:
    bounds = clamp(None, None, NOW)
    assert Timeline.choose(None, (NOW - timedelta(days=30), NOW), bounds).interval == "day"
    assert Timeline.choose(None, (NOW - timedelta(days=400), NOW), bounds).interval == "week"
    assert Timeline.choose(None, (NOW - timedelta(days=3000), NOW), bounds).interval == "month"


def test_timeline_range_is_clamped_to_sane_dates() -> None:
    lo, hi = clamp(date(1, 1, 1), date(9999, 12, 31), NOW)
    assert lo == EARLIEST_PUBLISHED and hi <= NOW + timedelta(days=2)
    lo, hi = clamp(date(2025, 1, 1), date(2025, 1, 31), NOW)
    assert lo == datetime(2025, 1, 1, tzinfo=UTC) and hi.date() == date(2025, 1, 31)
    agg = Timeline.choose("day", None, (lo, hi)).aggregation()
    assert agg["filter"]["range"]["published_at"] == {"gte": "2025-01-01T00:00:00.000Z", "lte": "2025-01-31T23:59:59.999Z"}


@pytest.fixture()
def api() -> TestClient:
    """The app over an address where nothing listens: these requests must be refused before any I/O."""
    return TestClient(create_app(Elasticsearch("http://127.0.0.1:9", max_retries=0), "nowhere"), raise_server_exceptions=False)


@pytest.mark.parametrize(("path", "params", "field"), [
    ("/search", {"size": "1000"}, "size: must be at most 100"),
    ("/search", {"size": "abc"}, "size: must be a whole number"),
    ("/search", {"sort": "random"}, "sort: must be one of"),
    ("/search", {"interval": "minute"}, "interval: must be one of"),
    ("/search", {"from": "yesterday"}, "from: must be a date"),
    ("/search", {"within": "9" * 400}, "within: does not have the documented form"),
    ("/search", {"q": "x" * 1001}, "q: must be at most 1000 characters"),
    ("/search", {"actor": ["a"] * 21}, "actor: may be given at most 20 times"),
    ("/articles/" + "a" * 4100, {}, "article_id: must be at most 128 characters"),
    ("/related", {}, "actor: is required"),
])
def test_invalid_parameters_are_422s_in_our_words(api: TestClient, path: str, params: dict[str, object], field: str) -> None:
    r = api.get(path, params=params)
    assert r.status_code == 422, r.text
    assert set(r.json()) == {"error"} and r.json()["error"].startswith(field), r.json()
    assert "Input should" not in r.text and "detail" not in r.text  # pydantic's words, FastAPI's shape


@pytest.mark.parametrize("params", [{"q": "NOT NOT NOT x"}, {"cursor": "W251bGwsbnVsbCxudWxsXQ"},
                                    {"near": "1,1", "within": "0km"}, {"page": "200", "size": "100"}])
def test_bad_queries_are_400s_before_elasticsearch(api: TestClient, params: dict[str, str]) -> None:
    r = api.get("/search", params=params)
    assert r.status_code == 400, r.text  # Elasticsearch is unreachable here: a 503 would mean it was asked
    assert r.json()["error"]


def test_an_unreachable_elasticsearch_is_a_503_in_our_words(api: TestClient) -> None:
    r = api.get("/search", params={"q": "peace"})
    assert r.status_code == 503 and r.json() == {"error": "the search engine is unreachable; retry later"}


def test_a_number_is_not_a_date() -> None:
    """from=0.0 used to be read as a Unix time (1970-01-01), against the contract's format: date."""
    from elasticsearch import Elasticsearch
    from fastapi.testclient import TestClient

    from services.search.app import create_app

    api = TestClient(create_app(Elasticsearch("http://127.0.0.1:1"), "articles-none"))
    for value in ("0.0", "1700000000", "2025-1-5"):
        resp = api.get("/search", params={"from": value})
        assert resp.status_code == 422 and resp.json()["error"].startswith("from: must be a date"), resp.text

from __future__ import annotations

import pytest

from services.search.query import (
    BadQuery,
    SearchParams,
    build_search,
    case_insensitive_prefix,
    decode_cursor,
    encode_cursor,
    parse_distance,
    parse_near,
    rewrite_query,
)


def test_rewrite_keeps_phrases_operators_and_prefix() -> None:
    assert rewrite_query('"peace talks" AND (Putin OR Trump) NOT war pent*') == \
        '"peace talks" AND ( Putin OR Trump ) NOT war pent*'


def test_rewrite_escapes_field_and_regex_syntax() -> None:
    out = rewrite_query("title:x /ab.*/ body:[a TO b]")
    assert "title\\:x" in out and "\\/ab." in out and "\\[a" in out


@pytest.mark.parametrize("q", ["(a", "a)", "a AND", "OR a", '"open', "*", "()", "a" * 1001])
def test_bad_queries_are_400s(q: str) -> None:
    with pytest.raises(BadQuery):
        rewrite_query(q)


def test_filters_are_folded_terms() -> None:
    body = build_search(SearchParams(actors=("Volodymyr Zelenskýy",), places=("Kiev",), topics=("sport",)))
    flt = body["query"]["function_score"]["query"]["bool"]["filter"]
    assert {"term": {"actor_keys": "volodymyr zelenskyy"}} in flt
    assert {"term": {"place_keys": "kiev"}} in flt
    assert {"term": {"topics": "sport"}} in flt


def test_duplicates_hidden_by_default() -> None:
    q = build_search(SearchParams())["query"]["function_score"]["query"]["bool"]
    assert q["must_not"] == [{"exists": {"field": "duplicate_of"}}]
    q = build_search(SearchParams(include_duplicates=True))["query"]["function_score"]["query"]["bool"]
    assert "must_not" not in q


def test_title_weighs_more_and_highlight_is_escaped() -> None:
    body = build_search(SearchParams(q="putin"))
    qs = body["query"]["function_score"]["query"]["bool"]["must"][0]["query_string"]
    assert qs["fields"] == ["title^3", "body"]
    assert body["highlight"]["encoder"] == "html"


def test_deep_pages_need_a_cursor() -> None:
    with pytest.raises(BadQuery, match="cursor"):
        build_search(SearchParams(page=200, size=100))
    cursor = encode_cursor([1.5, 1700000000000, "u-abc"])
    body = build_search(SearchParams(page=200, size=100, cursor=cursor))
    assert body["search_after"] == [1.5, 1700000000000, "u-abc"] and "from" not in body


def test_bad_cursor_and_sizes() -> None:
    with pytest.raises(BadQuery):
        decode_cursor("!!!")
    with pytest.raises(BadQuery):
        build_search(SearchParams(size=1000))
    with pytest.raises(BadQuery):
        build_search(SearchParams(sort="random"))


def test_geo_parsing() -> None:
    assert parse_near("50.45, 30.52") == (50.45, 30.52)
    assert parse_near("Kyiv") is None
    with pytest.raises(BadQuery):
        parse_near("95,0")
    assert parse_distance("500km") == 500 and parse_distance("10mi") == pytest.approx(16.09344)
    with pytest.raises(BadQuery):
        parse_distance("far")
    body = build_search(SearchParams(near=(50.45, 30.52), within_km=500))
    assert {"geo_distance": {"distance": "500km", "locations": {"lat": 50.45, "lon": 30.52}}} in \
        body["query"]["function_score"]["query"]["bool"]["filter"]


def test_prefix_regex_is_case_insensitive_and_escaped() -> None:
    assert case_insensitive_prefix("vl.") == "[vV][lL]\\..*"

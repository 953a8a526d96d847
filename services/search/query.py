"""The search stage's pure functions: user parameters -> an Elasticsearch request body.

User text never becomes raw query DSL: ``q`` is checked and re-written into a
``query_string`` over title and body only (fields, regexes, ranges and fuzzy syntax are
escaped), and filters become ``term`` queries on folded keyword fields.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from services.search.timeline import INTERVALS, Interval, Timeline
from shared.aliases import fold
from shared.limits import (
    HIGHLIGHT_MAX_ANALYZED_OFFSET,
    MAX_CURSOR_CHARS,
    MAX_QUERY_CHARS,
    MAX_QUERY_DEPTH,
    MAX_SEARCH_SIZE,
    MAX_SEARCH_WINDOW,
    MAX_WITHIN_KM,
)

Sort = Literal["relevance", "date"]
FACET_SIZE = 15
#: story facet buckets (each with its story's title, from the stories index)
STORY_FACET_SIZE = 10
FACETS = {"actors": "actors", "places": "places", "topics": "topics", "sources": "source", "languages": "language"}


class BadQuery(ValueError):
    """The user's query cannot be run; the message says why (an HTTP 400)."""


@dataclass(frozen=True)
class SearchParams:
    q: str | None = None
    actors: tuple[Names, ...] = ()
    places: tuple[Names, ...] = ()
    topics: tuple[str, ...] = ()
    language: str | None = None
    source: str | None = None
    date_from: date | datetime | None = None
    date_to: date | datetime | None = None
    near: tuple[float, float] | None = None
    within_km: float = 100.0
    sort: Sort = "relevance"
    page: int = 1
    size: int = 10
    cursor: str | None = None
    facets: bool = True
    include_duplicates: bool = False
    interval: Interval | None = None
    story: str | None = None
    extra_filters: tuple[dict[str, Any], ...] = field(default=())


_TOKEN = re.compile(r'"[^"]*"|\(|\)|[^\s()"]+')
_OPERATORS = {"AND", "OR", "NOT"}
_SPECIAL = re.compile(r'([+\-=&|><!{}\[\]^~?:\\/])')


def rewrite_query(q: str) -> str:
    """Check ``q`` and rewrite it for query_string: phrases, AND/OR/NOT, parentheses, ``word*``.

    Raises BadQuery for unbalanced or too deep parentheses, a dangling or doubled operator, or a
    lone ``*``: each would otherwise reach Elasticsearch's parser and fail there.
    """
    q = q.strip()
    if len(q) > MAX_QUERY_CHARS:
        raise BadQuery(f"q is longer than {MAX_QUERY_CHARS} characters")
    if q.count('"') % 2:
        raise BadQuery('q has an unclosed quote (")')
    depth, out, previous = 0, [], "("
    for token in _TOKEN.findall(q):
        if token == "(":
            depth += 1
            if depth > MAX_QUERY_DEPTH:
                raise BadQuery(f"q nests parentheses more than {MAX_QUERY_DEPTH} deep")
            out.append(token)
        elif token == ")":
            depth -= 1
            if depth < 0:
                raise BadQuery("q has a ')' without its '('")
            if previous in _OPERATORS or previous == "(":
                raise BadQuery("q has an empty group or an operator before ')'")
            out.append(token)
        elif token in _OPERATORS:
            if token != "NOT" and (previous in _OPERATORS or previous == "("):
                raise BadQuery(f"q has '{token}' with nothing before it")
            if token == "NOT" and previous == "NOT":
                raise BadQuery("q has 'NOT NOT': say NOT once")
            out.append(token)
        elif token.startswith('"'):
            inner = _SPECIAL.sub(r"\\\1", token[1:-1].replace("*", " "))
            out.append(f'"{inner}"')
        else:
            prefix = token.endswith("*")
            word = _SPECIAL.sub(r"\\\1", token.replace("*", ""))
            if not word:
                raise BadQuery("q has a '*' without a word before it")
            out.append(word + ("*" if prefix else ""))
        previous = token
    if depth:
        raise BadQuery("q has a '(' without its ')'")
    if previous in _OPERATORS:
        raise BadQuery(f"q ends with the operator '{previous}'")
    return " ".join(out)


def encode_cursor(sort_values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(sort_values).encode()).decode().rstrip("=")


_LONG = 2**63


def is_long(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and -_LONG <= value < _LONG


def _is_score(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def is_id(value: Any) -> bool:
    return isinstance(value, str) and 0 < len(value) <= 512


#: the sort values of the last hit, as each sort order returns them: checked one by one, so a
#: forged cursor never reaches Elasticsearch (a null score there is a 500, a wrong count a 400)
_CURSOR_SHAPES = {"relevance": (_is_score, is_long, is_id), "date": (is_long, is_id)}


def decode_cursor(cursor: str, sort: Sort = "relevance") -> list[Any]:
    """The ``search_after`` values of a cursor; BadQuery unless it is one ``sort`` returns."""
    return decode_values(cursor, _CURSOR_SHAPES[sort])


def decode_values(cursor: str, shape: tuple[Callable[[Any], bool], ...]) -> list[Any]:
    """The ``search_after`` values of a cursor, each checked by its ``shape`` predicate; BadQuery
    for anything else (a forged cursor never reaches Elasticsearch)."""
    refused = BadQuery("cursor is not one this API returned for this sort order; start from the first page")
    if len(cursor) > MAX_CURSOR_CHARS:
        raise refused
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, binascii.Error, RecursionError) as exc:
        raise refused from exc
    if not isinstance(values, list) or len(values) != len(shape) or not all(ok(v) for ok, v in zip(shape, values)):
        raise refused
    return values


Names = str | tuple[str, ...]


def names_filter(field: str, names: Names) -> dict[str, Any]:
    """One user-given name (with the alternatives the alias registry knows) as a folded filter."""
    keys = sorted({fold(n) for n in ((names,) if isinstance(names, str) else names)})
    return {"term": {field: keys[0]}} if len(keys) == 1 else {"terms": {field: keys}}


def entity_filters(actors: tuple[Names, ...], places: tuple[Names, ...], topics: tuple[str, ...]) -> list[dict[str, Any]]:
    """What articles and stories are both filtered by: each actor, place and topic asked for."""
    return [*(names_filter("actor_keys", a) for a in actors), *(names_filter("place_keys", x) for x in places),
            *({"term": {"topics": t}} for t in topics)]


def date_range(field: str, date_from: date | None, date_to: date | None) -> list[dict[str, Any]]:
    """``field`` within the dates asked for, both bounds included ([] when neither is set)."""
    rng = {op: d.isoformat() for op, d in (("gte", date_from), ("lte", date_to)) if d}
    return [{"range": {field: rng}}] if rng else []


def check_window(page: int, size: int, cursor: str | None) -> None:
    """BadQuery for a page size out of bounds, or a page too deep to reach without a cursor."""
    if not 1 <= size <= MAX_SEARCH_SIZE:
        raise BadQuery(f"size must be between 1 and {MAX_SEARCH_SIZE}")
    if page < 1:
        raise BadQuery("page must be 1 or more")
    if cursor is None and page * size > MAX_SEARCH_WINDOW:
        raise BadQuery(f"page * size past {MAX_SEARCH_WINDOW:,}: use the next_cursor of the previous page instead")


def filters(p: SearchParams) -> list[dict[str, Any]]:
    out = entity_filters(p.actors, p.places, p.topics)
    if p.language:
        out.append({"term": {"language": p.language}})
    if p.source:
        out.append({"term": {"source": p.source}})
    if p.story:
        out.append({"term": {"story_id": p.story}})
    out += date_range("published_at", p.date_from, p.date_to)
    if p.near:
        out.append({"geo_distance": {"distance": f"{p.within_km:.6f}".rstrip("0").rstrip(".") + "km",
                                     "locations": {"lat": p.near[0], "lon": p.near[1]}}})
    out += list(p.extra_filters)
    return out


def check(p: SearchParams) -> None:
    """BadQuery for parameters that the API's own types do not already rule out."""
    check_window(p.page, p.size, p.cursor)
    if p.interval is not None and p.interval not in INTERVALS:
        raise BadQuery("interval must be hour, day, week, month, quarter or year")
    if p.sort not in _CURSOR_SHAPES:
        raise BadQuery("sort must be 'relevance' or 'date'")
    if p.cursor is not None:
        decode_cursor(p.cursor, p.sort)
    if p.q:
        rewrite_query(p.q)


def bool_query(p: SearchParams) -> dict[str, Any]:
    """What matches: the text query, the filters, and duplicates hidden unless asked for."""
    must: list[dict[str, Any]] = []
    should: list[dict[str, Any]] = []
    if p.q and p.q.strip():
        text = rewrite_query(p.q)
        must.append({"query_string": {
            "query": text, "fields": ["title^3", "body"], "default_operator": "AND",
            "allow_leading_wildcard": False, "lenient": True, "max_determinized_states": 2000,
        }})
        # an article *about* the named actor or place ranks above one that mentions it in passing
        words = fold(p.q.replace('"', " "))
        should.append({"term": {"actor_keys": {"value": words, "boost": 4}}})
        should.append({"term": {"place_keys": {"value": words, "boost": 3}}})
        should.append({"match_phrase": {"title": {"query": p.q.replace('"', " "), "boost": 2}}})
    clauses: dict[str, Any] = {"filter": filters(p), "must": must or [{"match_all": {}}], "should": should}
    if not p.include_duplicates:
        clauses["must_not"] = [{"exists": {"field": "duplicate_of"}}]
    return {"bool": clauses}


def build_search(p: SearchParams, timeline: Timeline | None = None) -> dict[str, Any]:
    """The body of one ``_search`` request; the timeline facet when ``p.facets`` and ``timeline``."""
    check(p)
    query = {"function_score": {
        "query": bool_query(p),
        # a mild recency boost: x1.0 for old news up to x1.3 for today's
        "functions": [
            {"weight": 1.0},
            {"gauss": {"published_at": {"origin": "now", "scale": "30d", "decay": 0.5}}, "weight": 0.3},
        ],
        "score_mode": "sum", "boost_mode": "multiply",
    }}
    sort: list[Any] = (
        [{"published_at": {"order": "desc", "missing": "_last"}}, {"id": "asc"}]
        if p.sort == "date" else ["_score", {"published_at": {"order": "desc", "missing": "_last"}}, {"id": "asc"}]
    )
    body: dict[str, Any] = {
        "query": query,
        "size": p.size,
        "sort": sort,
        "track_total_hits": True,
        "_source": {"excludes": ["body", "entities"]},
        "highlight": {
            "encoder": "html",
            "pre_tags": ["<mark>"], "post_tags": ["</mark>"],
            "fields": {"title": {"number_of_fragments": 0}, "body": {"fragment_size": 180, "number_of_fragments": 3}},
            "no_match_size": 180,
            "max_analyzed_offset": HIGHLIGHT_MAX_ANALYZED_OFFSET,
        },
    }
    if p.cursor:
        body["search_after"] = decode_cursor(p.cursor, p.sort)
    else:
        body["from"] = (p.page - 1) * p.size
    if p.facets:
        aggs: dict[str, Any] = {name: {"terms": {"field": f, "size": FACET_SIZE}} for name, f in FACETS.items()}
        aggs["stories"] = {"terms": {"field": "story_id", "size": STORY_FACET_SIZE}}
        if timeline is not None:
            aggs["timeline"] = timeline.aggregation()
        body["aggs"] = aggs
    return body


def shape_response(resp: dict[str, Any], p: SearchParams, timeline: Timeline | None = None) -> dict[str, Any]:
    """The API's JSON from an Elasticsearch response."""
    hits = []
    raw_hits = resp["hits"]["hits"]
    for h in raw_hits:
        s = h["_source"]
        hits.append({
            "id": h["_id"], "score": h.get("_score"), "title": s.get("title"), "url": s.get("url"),
            "source": s.get("source"), "published_at": s.get("published_at"), "language": s.get("language"),
            "actors": s.get("actors", []), "places": s.get("places", []), "topics": s.get("topics", []),
            "locations": s.get("locations", []),
            "highlight": h.get("highlight", {}),
        })
    out: dict[str, Any] = {
        "total": resp["hits"]["total"]["value"], "page": p.page, "size": p.size, "hits": hits,
        "next_cursor": encode_cursor(raw_hits[-1]["sort"]) if len(raw_hits) == p.size and "sort" in raw_hits[-1] else None,
    }
    aggs = resp.get("aggregations", {})
    if aggs:
        out["facets"] = {name: [{"value": b["key"], "count": b["doc_count"]} for b in aggs[name]["buckets"]]
                         for name in FACETS}
        out["facets"]["timeline"] = Timeline.bars(aggs)
        out["timeline_interval"] = timeline.interval if timeline else None
    return out


def parse_near(near: str) -> tuple[float, float] | None:
    """``"lat,lon"`` -> the pair; anything else is a place name (None)."""
    m = re.fullmatch(r"\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*", near)
    if not m:
        return None
    lat, lon = float(m.group(1)), float(m.group(2))
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise BadQuery("near: latitude must be within ±90 and longitude within ±180")
    return lat, lon


#: what ``within`` may look like (also its pattern in the OpenAPI contract)
WITHIN_PATTERN = r"^ *([0-9]{1,8}(?:\.[0-9]{1,6})?) *(km|mi|m)? *$"


def parse_distance(within: str) -> float:
    """``"500km"``, ``"20mi"``, ``"1000m"`` -> km, capped at MAX_WITHIN_KM (the whole Earth).

    Raises BadQuery for anything else and for zero (a circle of no size matches nothing).
    """
    m = re.fullmatch(WITHIN_PATTERN, within or "")
    if not m:
        raise BadQuery("within must look like 500km, 20mi or 1000m")
    value, unit = float(m.group(1)), m.group(2) or "km"
    km = value * {"km": 1.0, "mi": 1.609344, "m": 0.001}[unit]
    if km < 0.001:
        raise BadQuery("within must be at least 1m")
    return min(km, MAX_WITHIN_KM)


def case_insensitive_prefix(prefix: str) -> str:
    """A Lucene regex matching names that start with ``prefix``, whatever the case."""
    parts = []
    for ch in prefix[:50]:
        if ch.isalpha():
            parts.append(f"[{ch.lower()}{ch.upper()}]")
        else:
            parts.append(re.sub(r'([.?+*|{}\[\]()"\\#@&<>~])', r"\\\1", ch))
    return "".join(parts) + ".*"

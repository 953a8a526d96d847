"""The search API's contract: response models, the error statuses of each operation, and
422 answers in our words (FastAPI's own are pydantic's text, with the input echoed back).

The models document what the API returns (``/openapi.json``); the handlers return plain dicts
and are not re-validated on the way out (a page of hits is the hot path), so the contract test
(schemathesis, ``tests/e2e/test_schemathesis_search.py``) is what keeps the two in step.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict

from shared.http import ErrorBody, error

log = logging.getLogger(__name__)

_ERRORS = {
    400: "a query we cannot run (the message says why)",
    404: "no such article or story",
    422: "a parameter of the wrong type or out of range (the message names it)",
    503: "Elasticsearch is unreachable or nothing has been indexed yet; retry later",
}


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The ``responses`` of an operation: each error status it can answer, with ErrorBody."""
    return {code: {"model": ErrorBody, "description": _ERRORS[code]} for code in codes}


class GeoPoint(BaseModel):
    lat: float
    lon: float


class HitStory(BaseModel):
    """The story an article belongs to (null when it has none, or its story is not indexed yet)."""

    id: str
    title: str | None
    source_count: int
    article_count: int


class Hit(BaseModel):
    id: str
    score: float | None
    title: str | None
    url: str | None
    source: str | None
    published_at: str | None
    language: str | None
    actors: list[str]
    places: list[str]
    topics: list[str]
    locations: list[GeoPoint]
    highlight: dict[str, list[str]]
    story: HitStory | None


class FacetValue(BaseModel):
    value: str
    count: int


class StoryFacetValue(BaseModel):
    """A story among the matches: its id (``value``), matching articles, title and outlets."""

    value: str
    count: int
    title: str | None
    source_count: int | None


class TimelineBucket(BaseModel):
    date: str
    count: int


class Facets(BaseModel):
    actors: list[FacetValue]
    places: list[FacetValue]
    topics: list[FacetValue]
    sources: list[FacetValue]
    languages: list[FacetValue]
    stories: list[StoryFacetValue]
    timeline: list[TimelineBucket]


class SearchResponse(BaseModel):
    """One page of hits; ``facets`` and ``timeline_interval`` only when facets were asked for.
    ``timeline_interval`` is the bucket size used, coarser than the one asked for when that one
    would have needed more than MAX_TIMELINE_BUCKETS bars."""

    total: int
    page: int
    size: int
    hits: list[Hit]
    next_cursor: str | None
    facets: Facets | None = None
    timeline_interval: str | None = None


class Story(BaseModel):
    """A story: articles about one event, across sources and languages. In /stories its lists
    hold the first 10 (most frequent first); ``source_count`` is always the full count."""

    id: str
    title: str | None
    first_seen: str | None
    last_seen: str | None
    article_count: int
    source_count: int
    recent_count: int
    sources: list[str]
    languages: list[str]
    actors: list[str]
    places: list[str]
    topics: list[str]


class StoriesResponse(BaseModel):
    total: int
    page: int
    size: int
    stories: list[Story]
    next_cursor: str | None


class StoryArticle(BaseModel):
    id: str
    title: str | None
    url: str | None
    source: str | None
    published_at: str | None
    language: str | None
    duplicate_of: str | None
    actors: list[str]
    places: list[str]
    topics: list[str]


class StoryResponse(BaseModel):
    """One story and a page of its articles in publication order; with ``facets`` (the default)
    also its coverage over time (``timeline``, bars of ``timeline_interval``) and its
    ``outlets`` (articles per source)."""

    story: Story
    total: int
    size: int
    articles: list[StoryArticle]
    next_cursor: str | None
    timeline: list[TimelineBucket] | None = None
    timeline_interval: str | None = None
    outlets: list[FacetValue] | None = None


class NameCount(BaseModel):
    name: str
    count: int


class Related(BaseModel):
    name: str
    count: int
    score: float


class RelatedResponse(BaseModel):
    actor: str
    articles: int
    actors: list[Related]
    places: list[Related]
    topics: list[Related]


class Article(BaseModel):
    """An indexed article as stored (the index stage's document; more fields than these)."""

    model_config = ConfigDict(extra="allow")
    id: str
    title: str | None
    body: str | None


def _reason(err: dict[str, Any]) -> str:
    kind, ctx = err.get("type", ""), err.get("ctx") or {}
    if kind == "missing":
        return "is required"
    if kind in ("int_parsing", "int_from_float"):
        return "must be a whole number"
    if kind in ("greater_than_equal", "less_than_equal"):
        bound = ctx.get("ge", ctx.get("le"))
        return f"must be {'at least' if kind == 'greater_than_equal' else 'at most'} {bound}"
    if kind == "bool_parsing":
        return "must be true or false"
    if kind.startswith("date"):
        return "must be a date like 2025-02-18"
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected', 'the documented values')}"
    if kind == "string_too_long":
        return f"must be at most {ctx.get('max_length')} characters"
    if kind == "too_long":
        return f"may be given at most {ctx.get('max_length')} times"
    if kind == "string_pattern_mismatch":
        return "does not have the documented form"
    return "is not valid"


def install_validation_errors(app: FastAPI) -> None:
    """Answer invalid parameters with 422 ``{"error": "size: must be at most 100"}``."""

    async def invalid(_request: Request, exc: Exception) -> JSONResponse:
        details = exc.errors() if isinstance(exc, RequestValidationError) else []
        parts = []
        for err in details[:5]:
            where = ".".join(str(x) for x in err.get("loc", ())[1:] if isinstance(x, str)) or "request"
            parts.append(f"{where}: {_reason(err)}")
        return error(422, "; ".join(parts) or "invalid request")

    app.add_exception_handler(RequestValidationError, invalid)

    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error answering %s", request.url.path, exc_info=exc)
        return error(500, "internal error; it has been logged")

    app.add_exception_handler(Exception, unexpected)

"""The search HTTP API (read-only): /search, /articles/{id}, /stories, autocomplete, /related, the web page."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any

from elasticsearch import ApiError, Elasticsearch, NotFoundError, TransportError
from fastapi import FastAPI, Path as PathParam, Query
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from prometheus_client import Histogram
from pydantic import BeforeValidator, StringConstraints
from pydantic_core import PydanticCustomError

from services.search.contract import (
    Article,
    NameCount,
    RelatedResponse,
    SearchResponse,
    StoriesResponse,
    StoryResponse,
    errors,
    install_validation_errors,
)
from services.search.query import (
    WITHIN_PATTERN,
    BadQuery,
    SearchParams,
    Sort,
    bool_query,
    build_search,
    case_insensitive_prefix,
    check,
    names_filter,
    parse_distance,
    parse_near,
    shape_response,
)
from services.search.stories import (
    STORY_ID_CHARS,
    STORY_ID_PATTERN,
    StoriesParams,
    StorySort,
    annotate,
    build_stories,
    build_story_articles,
    found_stories,
    shape_stories,
    shape_story,
    story_ids_of,
    story_query,
)
from services.search.timeline import Interval, Timeline, clamp, span_body, span_of
from shared.aliases import fold
from shared.es import stories_alias
from shared.http import DEFAULT_HOSTS, add_operations_routes, error, protect
from shared.limits import (
    MAX_ARTICLE_ID_CHARS,
    MAX_CURSOR_CHARS,
    MAX_FILTER_CHARS,
    MAX_FILTER_VALUES,
    MAX_QUERY_CHARS,
    MAX_SEARCH_SIZE,
    MAX_SEARCH_WINDOW,
)

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"


def _iso_date(value: object) -> object:
    """Dates as the contract says (format: date, YYYY-MM-DD); pydantic alone would also take
    a number as a Unix time (from=0.0 was 1970-01-01)."""
    if isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise PydanticCustomError("date_format", "must be a date like 2025-01-31")
    return value


IsoDate = Annotated[date, BeforeValidator(_iso_date)]
SEARCH_SECONDS = Histogram("newsflow_search_seconds", "Time to answer /search")
#: what a client hears when Elasticsearch refuses a request; its own text (parts of the query,
#: index names, Java exceptions) is logged here and never sent
REFUSED = "the search engine could not run this query; simplify it (fewer or simpler words and filters)"

Text = Annotated[str, Query(max_length=MAX_FILTER_CHARS)]
#: a repeatable filter: at most MAX_FILTER_VALUES values of at most MAX_FILTER_CHARS each
Filter = Annotated[list[Annotated[str, StringConstraints(max_length=MAX_FILTER_CHARS)]], Query(max_length=MAX_FILTER_VALUES)]


def create_app(es: Elasticsearch, alias: str, resolve: Callable[[str], str | None] = lambda _name: None) -> FastAPI:
    """``resolve`` maps any alias a user types to its canonical name (the alias registry)."""
    app = FastAPI(title="newsflow search", version="1", docs_url=None, redoc_url=None,
                  description="Search news by actor, place, topic and full text.")

    install_validation_errors(app)

    stories_index = stories_alias(alias)

    def run(body: dict[str, Any], index: str = alias) -> dict[str, Any] | JSONResponse:
        """Elasticsearch's answer, or our error: 400 for a query it refuses, 503 otherwise."""
        try:
            return es.search(index=index, **body).body
        except NotFoundError:
            what = "no story" if index == stories_index else "nothing"
            return error(503, f"{what} has been indexed yet; retry later")
        except ApiError as exc:
            if exc.meta.status == 400:
                log.warning("query refused by Elasticsearch: %s", _root_cause(exc))
                return error(400, REFUSED)
            log.error("search failed: %s", _root_cause(exc))
            return error(503, "the search engine failed to answer; retry later")
        except TransportError as exc:
            log.error("search failed: %s", exc)
            return error(503, "the search engine is unreachable; retry later")

    def with_canonical(name: str) -> tuple[str, ...]:
        canonical = resolve(name)
        return (name, canonical) if canonical else (name,)

    def resolve_near(near: str) -> tuple[float, float] | JSONResponse:
        point = parse_near(near)
        if point is not None:
            return point
        found = run({"size": 1, "query": {"term": {"place_keys": fold(near)}}, "_source": ["entities.places"]})
        if isinstance(found, JSONResponse):
            return found
        key = fold(near)
        for hit in found["hits"]["hits"]:
            for place in hit["_source"].get("entities", {}).get("places", []):
                names = [place.get("name", "")] + place.get("aliases", [])
                if key in {fold(n) for n in names} and place.get("lat") is not None:
                    return float(place["lat"]), float(place["lon"])
        return error(400, f"near: no known place called {near!r}; give 'lat,lon' instead")

    add_operations_routes(app)
    protect(app, (*DEFAULT_HOSTS, "search"))  # security headers, /docs without CDN scripts; no writes here

    def timeline_for(params: SearchParams) -> Timeline | JSONResponse:
        bounds = clamp(params.date_from, params.date_to, datetime.now(UTC))
        found = run(span_body(bool_query(params), *bounds))
        if isinstance(found, JSONResponse):
            return found
        return Timeline.choose(params.interval, span_of(found), bounds)

    @app.get("/search", summary="Search articles", response_model=None,
             responses={200: {"model": SearchResponse}, **errors(400, 422, 503)})
    def search(
        q: Annotated[str | None, Query(max_length=MAX_QUERY_CHARS,
                                       description='full text: words, "phrases", AND/OR/NOT, prefix*')] = None,
        actor: Annotated[Filter, Query(description="actor, any alias (repeatable, all must match)")] = [],  # noqa: B006
        place: Annotated[Filter, Query(description="place, any alias (repeatable)")] = [],  # noqa: B006
        topic: Annotated[Filter, Query(description="topic label (repeatable)")] = [],  # noqa: B006
        language: Text | None = None,
        source: Text | None = None,
        from_: Annotated[IsoDate | None, Query(alias="from", description="published on or after")] = None,
        to: Annotated[IsoDate | None, Query(description="published on or before")] = None,
        near: Annotated[str | None, Query(max_length=MAX_FILTER_CHARS, description="place name or 'lat,lon'")] = None,
        within: Annotated[str, Query(pattern=WITHIN_PATTERN, description="radius around near: 500km, 20mi, 1000m")] = "100km",
        sort: Sort = "relevance",
        page: Annotated[int, Query(ge=1, le=MAX_SEARCH_WINDOW)] = 1,
        size: Annotated[int, Query(ge=1, le=MAX_SEARCH_SIZE)] = 10,
        cursor: Annotated[str | None, Query(max_length=MAX_CURSOR_CHARS, description="next_cursor of the previous page")] = None,
        facets: bool = True,
        include_duplicates: bool = False,
        interval: Annotated[Interval | None, Query(description="timeline bucket (coarsened if too many)")] = None,
        story: Annotated[str | None, Query(pattern=STORY_ID_PATTERN, max_length=STORY_ID_CHARS,
                                           description="only this story's articles")] = None,
    ) -> Any:
        with SEARCH_SECONDS.time():
            try:
                point = None
                if near:
                    resolved = resolve_near(near)
                    if isinstance(resolved, JSONResponse):
                        return resolved
                    point = resolved
                params = SearchParams(
                    q=q, actors=tuple(with_canonical(a) for a in actor), places=tuple(with_canonical(x) for x in place),
                    topics=tuple(topic), language=language, source=source, date_from=from_, date_to=to, near=point,
                    within_km=parse_distance(within), sort=sort, page=page, size=size, cursor=cursor, facets=facets,
                    include_duplicates=include_duplicates, interval=interval, story=story,
                )
                check(params)
                timeline = timeline_for(params) if facets else None
                if isinstance(timeline, JSONResponse):
                    return timeline
                body = build_search(params, timeline)
            except BadQuery as exc:
                return error(400, str(exc))
            resp = run(body)
            if isinstance(resp, JSONResponse):
                return resp
            return annotate(shape_response(resp, params, timeline), resp, stories_of(resp))

    def stories_of(resp: dict[str, Any]) -> dict[str, dict[str, Any]]:
        """The stories a page of hits names, in one mget; a failure costs the annotations only."""
        ids = story_ids_of(resp)
        if not ids:
            return {}
        try:
            return found_stories(es.mget(index=stories_index, ids=ids).body)
        except (ApiError, TransportError) as exc:
            log.warning("story lookup failed; hits are shown without their story: %s", exc)
            return {}

    @app.get("/stories", summary="Stories: articles about one event, across sources", response_model=None,
             responses={200: {"model": StoriesResponse}, **errors(400, 422, 503)})
    def stories(
        actor: Annotated[Filter, Query(description="actor, any alias (repeatable, all must match)")] = [],  # noqa: B006
        place: Annotated[Filter, Query(description="place, any alias (repeatable)")] = [],  # noqa: B006
        topic: Annotated[Filter, Query(description="topic label (repeatable)")] = [],  # noqa: B006
        language: Text | None = None,
        from_: Annotated[IsoDate | None, Query(alias="from", description="last seen on or after")] = None,
        to: Annotated[IsoDate | None, Query(description="last seen on or before")] = None,
        sort: Annotated[StorySort, Query(description="size: most articles; growth: most in the last 24 hours "
                                                     "of the story; recency: latest article")] = "recency",
        page: Annotated[int, Query(ge=1, le=MAX_SEARCH_WINDOW)] = 1,
        size: Annotated[int, Query(ge=1, le=MAX_SEARCH_SIZE)] = 10,
        cursor: Annotated[str | None, Query(max_length=MAX_CURSOR_CHARS, description="next_cursor of the previous page")] = None,
    ) -> Any:
        try:
            params = StoriesParams(
                actors=tuple(with_canonical(a) for a in actor), places=tuple(with_canonical(x) for x in place),
                topics=tuple(topic), language=language, date_from=from_, date_to=to, sort=sort, page=page,
                size=size, cursor=cursor)
            body = build_stories(params)
        except BadQuery as exc:
            return error(400, str(exc))
        resp = run(body, stories_index)
        return resp if isinstance(resp, JSONResponse) else shape_stories(resp, params)

    @app.get("/stories/{story_id}", summary="One story and its articles over time", response_model=None,
             responses={200: {"model": StoryResponse}, **errors(400, 404, 422, 503)})
    def story_view(
        story_id: Annotated[str, PathParam(pattern=STORY_ID_PATTERN, max_length=STORY_ID_CHARS)],
        size: Annotated[int, Query(ge=1, le=MAX_SEARCH_SIZE)] = 50,
        cursor: Annotated[str | None, Query(max_length=MAX_CURSOR_CHARS, description="next_cursor of the previous page")] = None,
        facets: bool = True,
        interval: Annotated[Interval | None, Query(description="timeline bucket (coarsened if too many)")] = None,
    ) -> Any:
        try:
            doc = es.get(index=stories_index, id=story_id)["_source"]
        except NotFoundError:
            return error(404, "no story with this id")
        except ApiError as exc:
            log.warning("story lookup refused: %s", _root_cause(exc))
            return error(503, "the search engine failed to answer; retry later")
        except TransportError:
            return error(503, "the search engine is unreachable; retry later")
        timeline = None
        if facets:
            bounds = clamp(None, None, datetime.now(UTC))
            span = run(span_body(story_query(story_id), *bounds))
            if isinstance(span, JSONResponse):
                return span
            timeline = Timeline.choose(interval, span_of(span), bounds)
        try:
            body = build_story_articles(story_id, size, cursor, timeline)
        except BadQuery as exc:
            return error(400, str(exc))
        resp = run(body)
        if isinstance(resp, JSONResponse):
            return resp
        return shape_story(doc, resp, size, timeline.interval if timeline else None)

    @app.get("/articles/{article_id}", summary="One article as indexed", response_model=None,
             responses={200: {"model": Article}, **errors(404, 422, 503)})
    def article(article_id: Annotated[str, PathParam(min_length=1, max_length=MAX_ARTICLE_ID_CHARS)]) -> Any:
        try:
            doc = es.get(index=alias, id=article_id)
        except NotFoundError:
            return error(404, "no article with this id")
        except ApiError as exc:
            log.warning("article lookup refused: %s", _root_cause(exc))
            if exc.meta.status == 400:  # an id Elasticsearch cannot hold (over 512 bytes): no such article
                return error(404, "no article with this id")
            return error(503, "the search engine failed to answer; retry later")
        except TransportError:
            return error(503, "the search engine is unreachable; retry later")
        return doc["_source"]

    def names(field: str, prefix: str, size: int) -> Any:
        agg: dict[str, Any] = {"field": field, "size": size}
        if prefix:
            agg["include"] = case_insensitive_prefix(prefix)
        resp = run({"size": 0, "query": {"bool": {"must_not": [{"exists": {"field": "duplicate_of"}}]}},
                    "aggs": {"names": {"terms": agg}}})
        if isinstance(resp, JSONResponse):
            return resp
        return [{"name": b["key"], "count": b["doc_count"]} for b in resp["aggregations"]["names"]["buckets"]]

    listed: dict[int | str, dict[str, Any]] = {200: {"model": list[NameCount]}, **errors(400, 422, 503)}

    @app.get("/actors", summary="Actors by number of articles (autocomplete)", response_model=None, responses=listed)
    def actors(prefix: Text = "", size: Annotated[int, Query(ge=1, le=100)] = 10) -> Any:
        return names("actors", prefix, size)

    @app.get("/places", summary="Places by number of articles (autocomplete)", response_model=None, responses=listed)
    def places(prefix: Text = "", size: Annotated[int, Query(ge=1, le=100)] = 10) -> Any:
        return names("places", prefix, size)

    @app.get("/topics", summary="Topics by number of articles", response_model=None, responses=listed)
    def topics(size: Annotated[int, Query(ge=1, le=200)] = 50) -> Any:
        return names("topics", "", size)

    @app.get("/related", summary="What co-occurs with an actor", response_model=None,
             responses={200: {"model": RelatedResponse}, **errors(400, 422, 503)})
    def related(actor: Annotated[str, Query(min_length=1, max_length=MAX_FILTER_CHARS)],
                size: Annotated[int, Query(ge=1, le=50)] = 10) -> Any:
        """Actors, places and topics that co-occur with ``actor`` more than chance (significant terms)."""
        sig = {"size": size, "min_doc_count": 1}
        resp = run({"size": 0, "query": names_filter("actor_keys", with_canonical(actor)), "aggs": {
            "actors": {"significant_terms": {"field": "actors", **sig}},
            "places": {"significant_terms": {"field": "places", **sig}},
            "topics": {"significant_terms": {"field": "topics", **sig}},
        }})
        if isinstance(resp, JSONResponse):
            return resp
        aggs = resp["aggregations"]
        out: dict[str, Any] = {"actor": actor, "articles": resp["hits"]["total"]["value"]}
        for name in ("actors", "places", "topics"):
            out[name] = [{"name": b["key"], "count": b["doc_count"], "score": round(b["score"], 4)}
                         for b in aggs[name]["buckets"] if fold(b["key"]) != fold(actor)]
        return out

    @app.get("/", include_in_schema=False)
    def page() -> Any:
        index_html = STATIC / "index.html"
        if not index_html.exists():
            return error(404, "the web page is not built into this install")
        return FileResponse(index_html, media_type="text/html")

    app.mount("/static", StaticFiles(directory=STATIC, check_dir=False), name="static")
    return app


def _root_cause(exc: ApiError) -> str:
    """Elasticsearch's own reason, for our log only."""
    try:
        info = exc.body["error"]
        causes = info.get("root_cause") or [info]
        return str(causes[0].get("reason", info.get("reason")))[:1000]
    except (TypeError, KeyError, IndexError, AttributeError):
        return str(exc)[:1000]

"""The search HTTP API (read-only): /search, /articles/{id}, autocomplete, /related, the web page."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path
from collections.abc import Callable
from typing import Annotated, Any

from elasticsearch import ApiError, Elasticsearch, NotFoundError, TransportError
from fastapi import FastAPI, Query
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from prometheus_client import Histogram

from services.search.query import (
    MAX_SIZE,
    BadQuery,
    SearchParams,
    build_search,
    case_insensitive_prefix,
    names_filter,
    parse_distance,
    parse_near,
    shape_response,
)
from shared.aliases import fold
from shared.http import DEFAULT_HOSTS, add_operations_routes, error, protect

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"
SEARCH_SECONDS = Histogram("newsflow_search_seconds", "Time to answer /search")



def create_app(es: Elasticsearch, alias: str, resolve: Callable[[str], str | None] = lambda _name: None) -> FastAPI:
    """``resolve`` maps any alias a user types to its canonical name (the alias registry)."""
    app = FastAPI(title="newsflow search", version="1", docs_url=None, redoc_url=None,
                  description="Search news by actor, place, topic and full text.")

    def run(body: dict[str, Any]) -> dict[str, Any] | JSONResponse:
        try:
            return es.search(index=alias, **body).body
        except NotFoundError:
            return error(503, f"index '{alias}' does not exist yet: nothing has been indexed")
        except ApiError as exc:
            if exc.meta.status == 400:
                return error(400, f"query not accepted: {_root_cause(exc)}")
            log.error("search failed: %s", exc)
            return error(502, "Elasticsearch failed to answer")
        except TransportError as exc:
            log.error("search failed: %s", exc)
            return error(503, "Elasticsearch is unreachable")

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

    @app.get("/search")
    def search(
        q: Annotated[str | None, Query(description='full text: words, "phrases", AND/OR/NOT, prefix*')] = None,
        actor: Annotated[list[str], Query(description="actor, any alias (repeatable, all must match)")] = [],  # noqa: B006
        place: Annotated[list[str], Query(description="place, any alias (repeatable)")] = [],  # noqa: B006
        topic: Annotated[list[str], Query(description="topic label (repeatable)")] = [],  # noqa: B006
        language: str | None = None,
        source: str | None = None,
        from_: Annotated[date | None, Query(alias="from")] = None,
        to: date | None = None,
        near: Annotated[str | None, Query(description="place name or 'lat,lon'")] = None,
        within: str = "100km",
        sort: str = "relevance",
        page: Annotated[int, Query(ge=1, le=10_000)] = 1,
        size: Annotated[int, Query(ge=1, le=MAX_SIZE)] = 10,
        cursor: str | None = None,
        facets: bool = True,
        include_duplicates: bool = False,
        interval: Annotated[str | None, Query(description="timeline bucket: day, week, month...")] = None,
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
                    q=q, actors=tuple(with_canonical(a) for a in actor), places=tuple(with_canonical(x) for x in place), topics=tuple(topic), language=language,
                    source=source, date_from=from_, date_to=to, near=point, within_km=parse_distance(within),
                    sort=sort, page=page, size=size, cursor=cursor, facets=facets,
                    include_duplicates=include_duplicates, interval=interval,
                )
                body = build_search(params)
            except BadQuery as exc:
                return error(400, str(exc))
            resp = run(body)
            if isinstance(resp, JSONResponse):
                return resp
            return shape_response(resp, params)

    @app.get("/articles/{article_id}")
    def article(article_id: str) -> Any:
        try:
            doc = es.get(index=alias, id=article_id)
        except NotFoundError:
            return error(404, f"no article with id {article_id!r}")
        except TransportError:
            return error(503, "Elasticsearch is unreachable")
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

    @app.get("/actors")
    def actors(prefix: str = "", size: Annotated[int, Query(ge=1, le=100)] = 10) -> Any:
        return names("actors", prefix, size)

    @app.get("/places")
    def places(prefix: str = "", size: Annotated[int, Query(ge=1, le=100)] = 10) -> Any:
        return names("places", prefix, size)

    @app.get("/topics")
    def topics(size: Annotated[int, Query(ge=1, le=200)] = 50) -> Any:
        return names("topics", "", size)

    @app.get("/related")
    def related(actor: str, size: Annotated[int, Query(ge=1, le=50)] = 10) -> Any:
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
    try:
        info = exc.body["error"]
        causes = info.get("root_cause") or [info]
        return str(causes[0].get("reason", info.get("reason")))[:300]
    except Exception:
        return str(exc)[:300]

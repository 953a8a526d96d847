"""Median latency of ``GET /search`` with facets over a 10,000-article index.

The index is filled with the documents the index stage writes (the corpus's enriched articles,
cycled to ``size`` with unique ids and publication dates spread over two years). The limit
measured in the same run is Elasticsearch answering the very same request bodies directly;
the ratio says what the API adds (parsing, alias resolution, JSON shaping, HTTP).
"""

from __future__ import annotations

import random
import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from elasticsearch import Elasticsearch, helpers

from services.index.logic import index
from services.search.query import SearchParams, build_search
from shared.es import ensure_index, index_name

QUERIES: list[dict[str, Any]] = [
    {"q": "peace talks"}, {"q": "market"}, {"q": "game OR football"}, {"q": "president"},
    {"q": "Google*"}, {"q": "\"New York\""}, {"q": "police NOT Texas"}, {},
]


def fill(es: Elasticsearch, alias: str, enriched: list[Any], size: int) -> float:
    ensure_index(es, alias)
    now = datetime.now(UTC)
    rng = random.Random(7)
    docs = [index(e, now) for e in enriched]

    def actions() -> Any:
        for i in range(size):
            doc = dict(docs[i % len(docs)])
            doc["id"] = f"{doc['id']}-s{i}"
            doc["published_at"] = (now - timedelta(days=rng.uniform(0, 730))).isoformat()
            yield {"_op_type": "index", "_index": alias, "_id": doc["id"], "_source": doc}

    t0 = time.perf_counter()
    helpers.bulk(es, actions(), chunk_size=500, max_chunk_bytes=50 * 1024 * 1024)
    es.indices.refresh(index=alias)
    es.indices.forcemerge(index=index_name(alias), max_num_segments=1)
    return time.perf_counter() - t0


def requests(enriched: list[Any]) -> list[dict[str, Any]]:
    """The query mix: text queries, and each again with an actor or place facet filter."""
    actors = [a.name for e in enriched for a in e.actors][:20] or ["Donald Trump"]
    places = [p.name for e in enriched for p in e.places][:20] or ["New York"]
    out = []
    for i, q in enumerate(QUERIES):
        out.append(dict(q))
        out.append({**q, "actor": actors[i % len(actors)]})
        out.append({**q, "place": places[i % len(places)]})
    return out


def measure(es: Elasticsearch, alias: str, search_url: str, mix: list[dict[str, Any]], rounds: int) -> dict[str, Any]:
    api_ms: list[float] = []
    es_ms: list[float] = []
    totals = []
    with httpx.Client(timeout=30) as client:
        for params in mix:  # warm both paths
            client.get(f"{search_url}/search", params=params)
        for _ in range(rounds):
            for params in mix:
                t0 = time.perf_counter()
                resp = client.get(f"{search_url}/search", params=params)
                api_ms.append((time.perf_counter() - t0) * 1000)
                resp.raise_for_status()
                totals.append(resp.json()["total"])
                body = build_search(SearchParams(
                    q=params.get("q"), actors=tuple(filter(None, [params.get("actor")])),
                    places=tuple(filter(None, [params.get("place")]))))
                t0 = time.perf_counter()
                es.search(index=alias, **body)
                es_ms.append((time.perf_counter() - t0) * 1000)
    return {"requests": len(api_ms), "api_median_ms": statistics.median(api_ms),
            "api_p95_ms": statistics.quantiles(api_ms, n=20)[18], "es_median_ms": statistics.median(es_ms),
            "es_p95_ms": statistics.quantiles(es_ms, n=20)[18], "mean_total_hits": statistics.mean(totals)}

"""The index stage's pure function: an EnrichedArticle -> the Elasticsearch document."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shared.es import fold
from shared.models import EnrichedArticle


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))


def index(enriched: EnrichedArticle, indexed_at: datetime) -> dict[str, Any]:
    """The document stored under ``_id = article.id``. Deterministic but for ``indexed_at``."""
    a = enriched.article
    actors = enriched.actors
    places = enriched.places
    return {
        "id": a.id,
        "url": a.url,
        "canonical_url": a.canonical_url,
        "title": a.title,
        "body": a.body,
        "published_at": a.published_at.isoformat() if a.published_at else None,
        "published_at_source": a.published_at_source,
        "received_at": a.received_at.isoformat(),
        "indexed_at": indexed_at.isoformat(),
        "source": a.source,
        "language": a.language,
        "author": a.author,
        "content_hash": a.content_hash,
        "duplicate_of": a.duplicate_of,
        "actors": _unique([x.name for x in actors]),
        "actor_types": _unique([x.type for x in actors]),
        "persons": _unique([x.name for x in actors if x.type == "person"]),
        "organisations": _unique([x.name for x in actors if x.type == "organisation"]),
        "actor_keys": _unique([fold(n) for x in actors for n in (x.name, *x.aliases)]),
        "places": _unique([p.name for p in places]),
        "place_keys": _unique([fold(n) for p in places for n in (p.name, *p.aliases)]),
        "countries": _unique([p.country_code for p in places if p.country_code]),
        "locations": [{"lat": p.lat, "lon": p.lon} for p in places if p.lat is not None and p.lon is not None],
        "topics": _unique([t.label for t in enriched.topics]),
        "topic_ids": _unique([t.id for t in enriched.topics]),
        "keywords": enriched.keywords,
        "enrichment_version": enriched.enrichment_version,
        "entities": {
            "actors": [x.model_dump() for x in actors],
            "places": [p.model_dump() for p in places],
            "topics": [t.model_dump() for t in enriched.topics],
        },
    }

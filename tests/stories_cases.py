"""Enriched articles for the stories stage's tests, built from the gold set (tests/data/stories-gold.jsonl)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from services.stories.logic import ClusterSettings, StoryArticle, StoryClusterer
from shared.models import Actor, CleanArticle, EnrichedArticle, Place, Topic

GOLD = Path(__file__).resolve().parent / "data" / "stories-gold.jsonl"


def gold_rows() -> list[dict[str, Any]]:
    return [json.loads(line) for line in GOLD.read_text("utf-8").splitlines()]


def enriched(row: dict[str, Any], *, actors: tuple[str, ...] = (), places: tuple[str, ...] = (),
             topics: tuple[str, ...] = (), duplicate_of: str | None = None, prefix: str = "") -> EnrichedArticle:
    """One gold row as enrich would hand it over (ids prefixed for tests that share a broker)."""
    at = datetime.fromisoformat(row["published_at"].replace("Z", "+00:00"))
    article = CleanArticle(id=prefix + row["id"], title=row["title"], body=row["text"], published_at=at,
                           source=row["source"], language=row["language"], content_hash=prefix + row["id"],
                           received_at=at, duplicate_of=duplicate_of)
    return EnrichedArticle(article=article, enrichment_version="test",
                           actors=[Actor(name=a, type="person") for a in actors],
                           places=[Place(name=p) for p in places],
                           topics=[Topic(id=f"medtop:{t}", label=t, score=1.0) for t in topics])


def expected_ids(events: list[EnrichedArticle], settings: ClusterSettings | None = None) -> dict[str, str]:
    """article id -> story id, from a fresh clusterer over ``events`` in this order (the pure reference)."""
    clusterer = StoryClusterer(settings)
    return {e.article.id: clusterer.assign(StoryArticle.from_enriched(e)) for e in events}

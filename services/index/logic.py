"""The index stage's pure function: a StoriedArticle -> the Elasticsearch documents.

:func:`index` gives the document as a dict; :func:`index_json` gives the same document as
the JSON bytes the bulk request carries, which is what the stage writes: the whole document,
entities included (most of its bytes: every mention of every actor and place), goes to JSON in
one call of pydantic's Rust serializer, the entities straight from the validated models,
instead of into Python dicts that a JSON encoder then walks again (the stdlib encoder on the
other fields alone was 40 % of the function).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, NamedTuple

from pydantic_core import to_json

from shared.aliases import fold
from shared.limits import MAX_BODY_CHARS
from shared.models import Actor, EnrichedArticle, StoriedArticle, StorySummary


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))


ENTITIES = {"actors", "places", "topics"}


class StoryDocument(NamedTuple):
    """A story's ``stories`` index document, serialized, with the revision it is written at."""

    id: str
    revision: int
    source: bytes


class Document(NamedTuple):
    """One article's Elasticsearch document, serialized: its ``_id`` and its ``_source`` JSON,
    and the story document it carries (None for an article with no story)."""

    id: str
    source: bytes
    story: StoryDocument | None = None


def index(enriched: EnrichedArticle, indexed_at: datetime) -> dict[str, Any]:
    """The document stored under ``_id = article.id``. Deterministic but for ``indexed_at``."""
    # one serializer call for all the entities (per-model dumps were a third of this function)
    return {**fields(enriched, indexed_at), "entities": enriched.model_dump(include=ENTITIES)}


def index_json(enriched: EnrichedArticle, indexed_at: datetime) -> Document:
    """:func:`index` as JSON bytes (equal once parsed), without the entities passing through dicts."""
    doc = fields(enriched, indexed_at)
    doc["entities"] = {"actors": enriched.actors, "places": enriched.places, "topics": enriched.topics}
    story = story_json(enriched.story, indexed_at) if isinstance(enriched, StoriedArticle) else None
    return Document(enriched.article.id, to_json(doc), story)


def story_json(summary: StorySummary, indexed_at: datetime) -> StoryDocument:
    """:func:`story_document` serialized, with its revision."""
    return StoryDocument(summary.id, summary.revision, to_json(story_document(summary, indexed_at)))


def fields(enriched: EnrichedArticle, indexed_at: datetime) -> dict[str, Any]:
    """Every field of the document but ``entities``: what search filters, sorts and shows."""
    a = enriched.article
    actors = enriched.actors
    places = enriched.places
    return {
        "id": a.id,
        "url": a.url,
        "canonical_url": a.canonical_url,
        "title": a.title,
        "body": cap_body(a.body),
        "published_at": a.published_at.isoformat() if a.published_at else None,
        "published_at_source": a.published_at_source,
        "received_at": a.received_at.isoformat(),
        "indexed_at": indexed_at.isoformat(),
        "source": a.source,
        "language": a.language,
        "author": a.author,
        "content_hash": a.content_hash,
        "duplicate_of": a.duplicate_of,
        "story_id": enriched.story.id if isinstance(enriched, StoriedArticle) else None,
        **actor_fields(actors),
        "places": _unique([p.name for p in places]),
        "place_keys": _unique([fold(n) for p in places for n in (p.name, *p.aliases)]),
        "countries": _unique([p.country_code for p in places if p.country_code]),
        "locations": [{"lat": p.lat, "lon": p.lon} for p in places if p.lat is not None and p.lon is not None],
        "topics": _unique([t.label for t in enriched.topics]),
        "topic_ids": _unique([t.id for t in enriched.topics]),
        "keywords": enriched.keywords,
        "enrichment_version": enriched.enrichment_version,
    }


def story_document(summary: StorySummary, indexed_at: datetime) -> dict[str, Any]:
    """The ``stories`` index document of a story (``_id`` = ``summary.id``; written with
    ``version_type=external_gte`` and ``version=summary.revision``, so the newest summary stays)."""
    return {
        **summary.model_dump(mode="json"),
        "source_count": len(summary.sources),
        "actor_keys": _unique([fold(n) for n in summary.actors]),
        "place_keys": _unique([fold(n) for n in summary.places]),
        "indexed_at": indexed_at.isoformat(),
    }


def cap_body(body: str, limit: int = MAX_BODY_CHARS) -> str:
    """``body`` cut to at most ``limit`` characters, at the last paragraph break (else word
    break) in its second half; the highlighter refuses longer fields for every reader."""
    if len(body) <= limit:
        return body
    head = body[:limit]
    for separator in ("\n\n", " "):
        cut = head.rfind(separator)
        if cut >= limit // 2:
            return head[:cut].rstrip()
    return head


def actor_fields(actors: list[Actor]) -> dict[str, Any]:
    """The document's actor fields, from the article's actors."""
    return {
        "actors": _unique([x.name for x in actors]),
        "actor_types": _unique([x.type for x in actors]),
        "persons": _unique([x.name for x in actors if x.type == "person"]),
        "organisations": _unique([x.name for x in actors if x.type == "organisation"]),
        "actor_keys": _unique([fold(n) for x in actors for n in (x.name, *x.aliases)]),
    }


def reapply_aliases(actors: list[Actor], resolve: Callable[[str], str | None]) -> list[Actor]:
    """Actors renamed to what the alias registry says now, merging those that become one.

    Used to apply an operator's correction to articles indexed before it.
    """
    merged: dict[str, Actor] = {}
    for actor in actors:
        canonical = resolve(actor.name) or next((c for a in actor.aliases if (c := resolve(a))), None) or actor.name
        if canonical != actor.name:
            actor = actor.model_copy(update={"name": canonical, "aliases": _unique([*actor.aliases, actor.name]),
                                             "method": "alias"})
        key = fold(canonical)
        if key in merged:
            first = merged[key]
            actor = first.model_copy(update={
                "aliases": _unique([*first.aliases, *actor.aliases]),
                "roles": _unique([*first.roles, *actor.roles]),
                "count": first.count + actor.count,
                "mentions": sorted([*first.mentions, *actor.mentions], key=lambda m: m.start),
            })
        merged[key] = actor
    return list(merged.values())

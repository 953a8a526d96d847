"""Topic registry: every topic's name, model, producer and consumers, in one place.

:func:`decode` is the only way a consumer turns bytes into an event: it upgrades older known
``schema_version``s and raises :class:`InvalidArticle` for anything it cannot read.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import ValidationError

from shared.errors import InvalidArticle
from shared.models import (AliasCorrection, CleanArticle, DeadLetter, DedupEntry, EnrichedArticle, Event, FeedState,
                           RawArticle, StoriedArticle, StoryState)

E = TypeVar("E", bound=Event)


@dataclass(frozen=True)
class TopicSpec:
    name: str
    model: type[Event]
    producer: str
    consumers: tuple[str, ...]
    partitions: int = 6
    compacted: bool = False
    # version -> function turning that version's dict into the next version's dict
    upgraders: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = field(default_factory=dict)

    @property
    def current_version(self) -> int:
        return int(self.model.model_fields["schema_version"].default)


def _raw_v0_to_v1(data: dict[str, Any]) -> dict[str, Any]:
    """Version 0 (the prototype's) called the text ``text`` and had no ``origin``."""
    data = dict(data)
    if "text" in data:
        data["body"] = data.pop("text")
    data.setdefault("origin", "kafka")
    return data


RAW = TopicSpec("articles.raw", RawArticle, "ingest", ("clean",), upgraders={0: _raw_v0_to_v1})
CLEAN = TopicSpec("articles.clean", CleanArticle, "clean", ("enrich",))
ENRICHED = TopicSpec("articles.enriched", EnrichedArticle, "enrich", ("stories",))
STORIED = TopicSpec("articles.storied", StoriedArticle, "stories", ("index",))
DEAD_LETTER = TopicSpec("articles.dead-letter", DeadLetter, "every stage", ("newsflow dlq",), partitions=1)
def _unversioned_to_v1(data: dict[str, Any]) -> dict[str, Any]:
    """State records written before their topic had a model carried no ``schema_version``."""
    return {k: v for k, v in data.items() if k != "v"}


ALIASES = TopicSpec("newsflow.aliases", AliasCorrection, "newsflow aliases", ("enrich", "search"), partitions=1,
                    compacted=True, upgraders={0: _unversioned_to_v1})
def _feed_state_v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    """Version 1 was flat: ``kind`` ("feed" or "item") said which of its fields were set."""
    kind = data.get("kind")
    fields = {"feed": ("url", "etag", "last_modified", "updated_at"),
              "item": ("feed_url", "guid", "article_id", "outcome", "seen_at")}.get(str(kind), ())
    return {str(kind): {k: data[k] for k in fields if data.get(k) is not None}}


DEDUP_STATE = TopicSpec("newsflow.dedup-state", DedupEntry, "clean", ("clean",), partitions=1, compacted=True)
FEED_STATE = TopicSpec("newsflow.feed-state", FeedState, "ingest", ("ingest",), partitions=1, compacted=True,
                       upgraders={1: _feed_state_v1_to_v2})
STORY_STATE = TopicSpec("newsflow.story-state", StoryState, "stories", ("stories",), partitions=1, compacted=True)

ALL: tuple[TopicSpec, ...] = (RAW, CLEAN, ENRICHED, STORIED, DEAD_LETTER, ALIASES, DEDUP_STATE, FEED_STATE,
                              STORY_STATE)


def with_prefix(spec: TopicSpec, prefix: str) -> TopicSpec:
    """The same topic under a prefix (tests use a unique prefix per run)."""
    return TopicSpec(prefix + spec.name, spec.model, spec.producer, spec.consumers, spec.partitions,
                     spec.compacted, spec.upgraders)


def encode(event: Event) -> bytes:
    return event.model_dump_json().encode("utf-8")


def decode(spec: TopicSpec, value: bytes | None) -> Event:
    """Bytes -> the topic's current model. Raises InvalidArticle with a readable reason."""
    if value is None or len(value) == 0:
        raise InvalidArticle("empty message")
    try:  # the common case, current version and valid: pydantic's JSON parser in one pass
        return spec.model.model_validate_json(value)
    except ValidationError:
        pass  # older version, or bad: the slow path below upgrades or says exactly what is wrong
    try:
        data = json.loads(value.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise InvalidArticle(f"not UTF-8: {exc}") from exc
    except json.JSONDecodeError as exc:
        raise InvalidArticle(f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from exc
    if not isinstance(data, dict):
        raise InvalidArticle(f"expected a JSON object, got {type(data).__name__}")
    version = data.get("schema_version", 0 if spec.upgraders.get(0) else None)
    if not isinstance(version, int) or isinstance(version, bool):
        raise InvalidArticle(f"schema_version missing or not an integer: {version!r}")
    current = spec.current_version
    if version > current:
        raise InvalidArticle(
            f"unknown schema_version {version} for {spec.name} (this build reads up to {current})"
        )
    while version < current:
        upgrade = spec.upgraders.get(version)
        if upgrade is None:
            raise InvalidArticle(f"schema_version {version} of {spec.name} is no longer supported")
        data = upgrade(data)
        version += 1
        data["schema_version"] = version
    try:
        return spec.model.model_validate(data)
    except ValidationError as exc:
        raise InvalidArticle(describe_validation_error(exc)) from exc


def describe_validation_error(exc: ValidationError) -> str:
    """One line per bad field: ``field.path: message``."""
    parts = []
    for err in exc.errors()[:10]:
        loc = ".".join(str(p) for p in err["loc"]) or "(root)"
        parts.append(f"{loc}: {err['msg'].removeprefix('Value error, ')}")  # our words, not pydantic's
    return "; ".join(parts)

"""The stories stage's step: :class:`Cluster`, the clusterer over a batch, with its state records.

Per decoded article it calls :meth:`services.stories.logic.StoryClusterer.assign_with_changes`
(the one decision function, the same that ``newsflow cluster`` runs) and gives

* an output, the :class:`~shared.models.StoriedArticle` (the article with its story's summary);
* the records that make the decision durable, as :class:`~shared.models.StoryState` wrappers
  keyed ``story:<id>`` / ``article:<id>``, plus a tombstone for each key that left the window.
  They go into the batch's state (written and acknowledged before the outputs, so before the
  offsets are committed: see :class:`shared.stream.processor.StreamProcessor`);
* or, for an article the clusterer refuses (:class:`~shared.errors.InvalidArticle`), a dead
  letter with the reason. The stage goes on.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from pydantic import ValidationError

from services.stories.logic import StoryArticle, StoryClusterer
from services.stories.state import StateRecord
from services.stories.summary import summarize
from shared.errors import InvalidArticle
from shared.models import AssignmentRecord, EnrichedArticle, StoriedArticle, StoryRecord, StoryState
from shared.stream.messages import Item
from shared.stream.steps import Batch
from shared.topics import encode

log = logging.getLogger(__name__)

__all__ = ["Cluster", "restore", "state_of", "storied"]


def state_of(record: StateRecord) -> StoryState:
    """The compacted topic's wrapper of one state record."""
    if isinstance(record, StoryRecord):
        return StoryState(story=record)
    return StoryState(assignment=record)


def restore(records: Iterable[tuple[str, StoryState | None]]) -> list[StateRecord]:
    """The live records of a compacted topic read from its start: the last value per key, none
    for a key whose last record is a tombstone (the topic may not be compacted yet)."""
    live: dict[str, StateRecord] = {}
    for key, value in records:
        if value is None:
            live.pop(key, None)
            continue
        record: StoryRecord | AssignmentRecord = value.story if value.story is not None else value.assignment  # type: ignore[assignment]
        if record.key() != key:
            log.warning("story-state record under key %r is %r: kept under its own key", key, record.key())
        live[record.key()] = record
    return list(live.values())


def storied(event: EnrichedArticle, story: StoryRecord) -> StoriedArticle:
    """The output: the enriched article unchanged, with its story's summary as of now."""
    return StoriedArticle(**dict(event), story=summarize(story))


class Cluster:
    """Assigns each decoded article its story; one clusterer, so ONE worker for the whole stream."""

    def __init__(self, clusterer: StoryClusterer, state_topic: str) -> None:
        self.clusterer, self.state_topic = clusterer, state_topic

    def __call__(self, batch: Batch) -> Batch:
        state: dict[str, bytes | None] = {}  # a key changed twice in a batch is written once, last value
        for message, event in batch.decoded:
            try:
                article = StoryArticle.from_enriched(event)
            except ValidationError as exc:
                batch.bad.append((message, InvalidArticle(f"stories: {_first_error(exc)}")))
                continue
            try:
                done = self.clusterer.assign_with_changes(article)
            except InvalidArticle as exc:
                batch.bad.append((message, exc))
                continue
            for key in done.evicted:
                state[key] = None
            for record in done.records:
                state[record.key()] = encode(state_of(record))
            if done.story is None:  # assign_with_changes always returns the story it chose
                raise RuntimeError(f"stories: no story record for {article.id} in {done.story_id}")
            batch.items.append(Item(message, storied(event, done.story)))
        batch.state.extend((self.state_topic, key, value) for key, value in state.items())
        return batch


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    return f"{'.'.join(str(p) for p in error['loc'])}: {error['msg']}"

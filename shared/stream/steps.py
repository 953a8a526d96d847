"""The steps between poll and commit: decode, transform, write, commit. Each is a small pure-ish piece.

A :class:`Batch` carries a polled batch through them; every step adds to it and none reaches
back. Kafka is touched only by :class:`Commit` (and the writers a stage passes in).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from kafka.errors import CommitFailedError, KafkaError
from kafka.structs import OffsetAndMetadata, TopicPartition

from shared.errors import ContractViolation, InvalidArticle
from shared.stream.messages import Item, Message
from shared.topics import TopicSpec, decode

log = logging.getLogger(__name__)

#: handle(inputs) -> one result per input: an output, or the InvalidArticle that rejected it
Handle = Callable[[list[Any]], list[Any]]
#: write(items) -> the items the sink rejected as bad input; raises for outages (retried)
Write = Callable[[list[Item[Any]]], list[tuple[Item[Any], InvalidArticle]]]
#: a step between decode and write: takes the batch, returns it with more filled in
Step = Callable[["Batch"], "Batch"]


@dataclass
class Batch:
    """One polled batch on its way through the steps."""

    messages: list[Message]
    started: float = field(default_factory=time.perf_counter)
    decoded: list[tuple[Message, Any]] = field(default_factory=list)
    items: list[Item[Any]] = field(default_factory=list)
    bad: list[tuple[Message, InvalidArticle]] = field(default_factory=list)
    #: records for the stage's state topic (topic, key, value; None: a tombstone), written before the outputs
    state: list[tuple[str, str, bytes | None]] = field(default_factory=list)
    written: int = 0

    @property
    def violations(self) -> int:
        """Messages no correct producer would write: what the guard counts."""
        return sum(isinstance(exc, ContractViolation) for _, exc in self.bad)


class Decode:
    """Bytes -> the source topic's model; undecodable messages become contract violations."""

    def __init__(self, source: TopicSpec) -> None:
        self.source = source

    def __call__(self, batch: Batch) -> Batch:
        for message in batch.messages:
            try:
                batch.decoded.append((message, decode(self.source, message.value)))
            except InvalidArticle as exc:
                batch.bad.append((message, ContractViolation(exc.reason)))
        return batch


class Transform:
    """Runs the stage's function over the decoded events; a rejection is bad input, not a crash.

    The function gets the whole batch (models batch well); if it rejects the batch, it is run
    again one event at a time so only the bad ones are dead-lettered.
    """

    def __init__(self, handle: Handle) -> None:
        self.handle = handle

    def __call__(self, batch: Batch) -> Batch:
        if not batch.decoded:
            return batch
        events = [event for _, event in batch.decoded]
        try:
            results = self.handle(events)
        except InvalidArticle:
            results = [self._one(event) for event in events]
        for (message, _), result in zip(batch.decoded, results, strict=True):
            if isinstance(result, InvalidArticle):
                batch.bad.append((message, result))
            else:
                batch.items.append(Item(message, result))
        return batch

    def _one(self, event: Any) -> Any:
        try:
            return self.handle([event])[0]
        except InvalidArticle as exc:
            return exc


class Committer(Protocol):
    def commit(self, offsets: dict[TopicPartition, OffsetAndMetadata]) -> Any: ...


class Commit:
    """The last step: the batch's offsets, committed after its writes and dead letters.

    A failed commit is not retried here: the next commit of the same partition covers it, and
    a crash in between only means the batch is processed again (every write is an idempotent
    overwrite), which costs time, never correctness.
    """

    def __init__(self, consumer: Committer) -> None:
        self.consumer = consumer

    def __call__(self, batch: Batch) -> None:
        offsets: dict[TopicPartition, OffsetAndMetadata] = {}
        for m in batch.messages:
            tp = TopicPartition(m.topic, m.partition)
            if tp not in offsets or offsets[tp].offset <= m.offset:
                offsets[tp] = OffsetAndMetadata(m.offset + 1, "", -1)
        try:
            self.consumer.commit(offsets)
        except (CommitFailedError, KafkaError) as exc:
            log.warning("commit of %d offsets failed (%s); the next commit covers them, a restart "
                        "re-processes them", len(offsets), exc)

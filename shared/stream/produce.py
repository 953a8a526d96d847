"""The write step of a stage whose output is a topic: produce every output and wait for the acks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kafka.errors import MessageSizeTooLargeError

from shared.errors import InvalidArticle
from shared.stream.dead_letters import Producer
from shared.stream.messages import Item
from shared.topics import TopicSpec, encode


class ProduceTo:
    """A :data:`shared.stream.steps.Write` producing to ``spec``, keyed by ``key(output)``.

    An output over the topic's size limit is bad input (a dead letter), not an outage.
    """

    def __init__(self, producer: Producer, spec: TopicSpec, key: Callable[[Any], str]) -> None:
        self.producer, self.spec, self.key = producer, spec, key

    def __call__(self, items: list[Item[Any]]) -> list[tuple[Item[Any], InvalidArticle]]:
        futures = []
        rejected = []
        for item in items:
            try:
                future = self.producer.send(self.spec.name, key=self.key(item.value), value=encode(item.value))
                futures.append((item, future))
            except MessageSizeTooLargeError as exc:  # refused before sending
                rejected.append((item, InvalidArticle(f"output too large for {self.spec.name}: {exc}")))
        self.producer.flush(timeout=60)
        for item, future in futures:
            try:
                future.get(timeout=60)
            except MessageSizeTooLargeError as exc:
                rejected.append((item, InvalidArticle(f"output too large for {self.spec.name}: {exc}")))
        return rejected


class ProduceRecords:
    """A :data:`shared.stream.processor.StateWrite`: state records produced and acknowledged
    (a value of None is a tombstone: compaction then drops the key)."""

    def __init__(self, producer: Producer) -> None:
        self.producer = producer

    def __call__(self, records: list[tuple[str, str, bytes | None]]) -> None:
        futures = [self.producer.send(name, key=key, value=value) for name, key, value in records]
        self.producer.flush(timeout=60)
        for future in futures:
            future.get(timeout=60)

"""An in-memory broker for unit tests of the steps and the processor (arroyo keeps one too).

It implements just what :class:`shared.stream.processor.StreamProcessor` and the writers use
of kafka-python's consumer and producer: poll with pause/resume, commit, highwater/position,
send with futures, flush. Integration tests run the same compositions on real Kafka.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kafka.structs import OffsetAndMetadata, TopicPartition


@dataclass(frozen=True)
class Record:
    topic: str
    partition: int
    offset: int
    key: bytes | str | None
    value: bytes | None


class MemoryBroker:
    """Thread-safe like a real broker: the writer thread appends while the consumer thread reads."""

    def __init__(self) -> None:
        self.logs: dict[TopicPartition, list[Record]] = defaultdict(list)
        self.committed: dict[str, dict[TopicPartition, int]] = defaultdict(dict)
        self.lock = threading.Lock()

    def append(self, topic: str, value: bytes | None, key: bytes | str | None = None, partition: int = 0) -> Record:
        tp = TopicPartition(topic, partition)
        with self.lock:
            record = Record(topic, partition, len(self.logs[tp]), key, value)
            self.logs[tp].append(record)
        return record

    def partitions(self) -> list[TopicPartition]:
        with self.lock:
            return list(self.logs)

    def read(self, tp: TopicPartition, start: int, count: int) -> list[Record]:
        with self.lock:
            return list(self.logs.get(tp, [])[start:start + count])

    def end(self, tp: TopicPartition) -> int:
        with self.lock:
            return len(self.logs.get(tp, []))

    def values(self, topic: str) -> list[bytes | None]:
        with self.lock:
            return [r.value for tp, log in sorted(self.logs.items()) if tp.topic == topic for r in log]


class _Done:
    def __init__(self, value: Any = None, error: BaseException | None = None) -> None:
        self.value, self.error = value, error

    def get(self, timeout: float | None = None) -> Any:
        if self.error is not None:
            raise self.error
        return self.value


class MemoryProducer:
    """``fail(n_calls, exc)`` makes the next sends raise, to stage an outage."""

    def __init__(self, broker: MemoryBroker) -> None:
        self.broker = broker
        self._failures: list[BaseException] = []
        self.on_send: Callable[[str], None] | None = None

    def fail(self, times: int, exc: BaseException) -> None:
        self._failures.extend([exc] * times)

    def send(self, topic: str, value: Any = None, key: Any = None, headers: Any = None) -> _Done:
        if self.on_send is not None:
            self.on_send(topic)
        if self._failures:
            raise self._failures.pop(0)
        return _Done(self.broker.append(topic, value, key))

    def flush(self, timeout: float | None = None) -> None:
        return None


class MemoryConsumer:
    """One consumer of a group that owns every partition of its topics (no rebalancing)."""

    def __init__(self, broker: MemoryBroker, group: str, topics: list[str]) -> None:
        self.broker, self.group, self.topics = broker, group, topics
        self._paused: set[TopicPartition] = set()
        self._positions: dict[TopicPartition, int] = {}
        self.polls = 0

    def assignment(self) -> set[TopicPartition]:
        return {tp for tp in self.broker.partitions() if tp.topic in self.topics}

    def position(self, tp: TopicPartition) -> int:
        return self._positions.get(tp, self.broker.committed[self.group].get(tp, 0))

    def highwater(self, tp: TopicPartition) -> int:
        return self.broker.end(tp)

    def poll(self, timeout_ms: int = 0, max_records: int | None = None) -> dict[TopicPartition, list[Record]]:
        self.polls += 1
        out: dict[TopicPartition, list[Record]] = {}
        budget = max_records or 500
        for tp in sorted(self.assignment()):
            if tp in self._paused or budget <= 0:
                continue
            start = self.position(tp)
            records = self.broker.read(tp, start, budget)
            if records:
                out[tp] = records
                self._positions[tp] = start + len(records)
                budget -= len(records)
        if not out:  # like a real consumer, an empty poll waits (a little) instead of spinning
            time.sleep(min(timeout_ms, 5) / 1000)
        return out

    def pause(self, *partitions: TopicPartition) -> None:
        self._paused.update(partitions)

    def resume(self, *partitions: TopicPartition) -> None:
        self._paused.difference_update(partitions)

    def paused(self) -> set[TopicPartition]:
        return set(self._paused)

    def commit(self, offsets: dict[TopicPartition, OffsetAndMetadata] | None = None) -> None:
        for tp, meta in (offsets or {}).items():
            self.broker.committed[self.group][tp] = meta.offset

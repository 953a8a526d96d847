"""Kafka at the edge: client factories, topic creation, and reading state topics.

The stream loop itself (poll -> decode -> transform -> write -> dead letters -> commit) is
in :mod:`shared.stream`; this module is only where kafka-python clients are made.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from typing import Any

from kafka import ConsumerRebalanceListener, KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.admin import NewTopic
from kafka.consumer.fetcher import ConsumerRecord
from kafka.errors import TopicAlreadyExistsError
from kafka.serializer import Serializer
from kafka.structs import TopicPartition

from shared.limits import MAX_DEAD_LETTER_BYTES, MAX_MESSAGE_BYTES
from shared.settings import CommonSettings
from shared.topics import ALL, DEAD_LETTER, TopicSpec, with_prefix

log = logging.getLogger(__name__)

def topic(settings: CommonSettings, spec: TopicSpec) -> TopicSpec:
    return with_prefix(spec, settings.topic_prefix) if settings.topic_prefix else spec


class _KeySerializer(Serializer):
    """Message keys are article ids (str); bytes pass through."""

    def serialize(self, topic: str, value: Any) -> bytes | None:
        return value.encode("utf-8") if isinstance(value, str) else value


def make_producer(settings: CommonSettings, **overrides: Any) -> KafkaProducer:
    """One producer per process: acks=all and idempotence, so a retried send is not doubled."""
    config: dict[str, Any] = dict(
        bootstrap_servers=settings.kafka_bootstrap_servers.split(","),
        acks="all",
        enable_idempotence=True,
        linger_ms=5,
        max_request_size=MAX_DEAD_LETTER_BYTES,
        request_timeout_ms=15_000,
        delivery_timeout_ms=60_000,
        max_block_ms=30_000,
        key_serializer=_KeySerializer(),
    )
    config.update(overrides)
    return KafkaProducer(**config)


def make_consumer(settings: CommonSettings, group_id: str, topics: Sequence[str], **overrides: Any) -> KafkaConsumer:
    """A consumer with auto-commit off: offsets move only through :class:`shared.stream.steps.Commit`."""
    config: dict[str, Any] = dict(
        bootstrap_servers=settings.kafka_bootstrap_servers.split(","),
        group_id=group_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_poll_records=64,
        max_poll_interval_ms=600_000,
        session_timeout_ms=20_000,
        heartbeat_interval_ms=3_000,
        # bounded prefetch: this is what bounds a slow stage's memory (backpressure)
        max_partition_fetch_bytes=MAX_MESSAGE_BYTES + 64 * 1024,
        fetch_max_bytes=16 * 1024 * 1024,
    )
    config.update(overrides)
    consumer = KafkaConsumer(**config)
    consumer.subscribe(list(topics), listener=_LogAssignments())
    return consumer


class _LogAssignments(ConsumerRebalanceListener):
    """One log line per rebalance, so operators (and tests) see which worker owns what."""

    def on_partitions_revoked(self, revoked: Any) -> None:
        log.info("partitions revoked: %s", sorted(tp.partition for tp in revoked))

    def on_partitions_assigned(self, assigned: Any) -> None:
        log.info("partitions assigned: %s", sorted(tp.partition for tp in assigned))


def ensure_topics(settings: CommonSettings, specs: Sequence[TopicSpec] = ALL) -> None:
    """Create the pipeline's topics if missing (idempotent)."""
    admin = KafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers.split(","),
                             request_timeout_ms=30_000)
    try:
        existing = set(admin.list_topics())
        new = []
        for spec in specs:
            spec = topic(settings, spec)
            if spec.name in existing:
                continue
            limit = MAX_DEAD_LETTER_BYTES if spec.name.endswith(DEAD_LETTER.name) else MAX_MESSAGE_BYTES + 64 * 1024
            configs = {"max.message.bytes": str(limit), "min.insync.replicas": str(settings.topic_min_insync)}
            if spec.compacted:
                configs["cleanup.policy"] = "compact"
            new.append(NewTopic(spec.name, spec.partitions, settings.topic_replication, topic_configs=configs))
        if new:
            try:
                admin.create_topics(new)
            except TopicAlreadyExistsError:
                pass
            log.info("created topics %s", [t.name for t in new])
    finally:
        admin.close()


def read_to_end(settings: CommonSettings, name: str, must_exist: bool = False,
                wait: float = 30.0) -> Iterator[ConsumerRecord]:
    """Every record of ``name`` from its start to its end as of now (state and dead-letter topics).

    State must not silently come back empty: with ``must_exist`` a topic whose metadata does not
    show up within ``wait`` seconds raises TimeoutError instead of yielding nothing.
    """
    try:
        follower = TopicFollower(settings, name, wait if must_exist else 2.0)
    except TimeoutError:
        if must_exist:
            raise
        return
    try:
        yield from follower.read_to_end()
    finally:
        follower.close()


class TopicFollower:
    """A state topic read from its start and then kept up with, in the caller's own thread.

    Used where every worker of a stage must see every worker's state (the clean stage's
    duplicate signatures): restore with :meth:`read_to_end`, then call :meth:`new_records`
    before each batch.
    """

    def __init__(self, settings: CommonSettings, name: str, wait: float = 30.0,
                 isolation_level: str = "read_uncommitted") -> None:
        """``isolation_level="read_committed"``: only records of committed transactions (a state
        written in transactions), and "the end" is the last stable offset."""
        self.name = name
        self._consumer = KafkaConsumer(bootstrap_servers=settings.kafka_bootstrap_servers.split(","),
                                       enable_auto_commit=False, group_id=None, isolation_level=isolation_level,
                                       max_partition_fetch_bytes=MAX_MESSAGE_BYTES + 64 * 1024)
        deadline = time.monotonic() + wait
        while not (found := self._consumer.partitions_for_topic(name)):
            if time.monotonic() > deadline:
                raise TimeoutError(f"topic {name} has no metadata after {wait:.0f}s")
            time.sleep(0.2)
        self._partitions = [TopicPartition(name, p) for p in found]
        self._consumer.assign(self._partitions)
        self._consumer.seek_to_beginning(*self._partitions)

    def read_to_end(self) -> Iterator[ConsumerRecord]:
        """Everything up to the topic's end as of now."""
        ends = self._consumer.end_offsets(self._partitions)
        remaining = {tp for tp in self._partitions if ends[tp] > self._consumer.position(tp)}
        while remaining:
            for records in self._consumer.poll(timeout_ms=1000).values():
                yield from records
            # every partition checked, not only those that returned records: read_committed skips
            # an aborted transaction's records, so the last poll before the end can return none
            remaining = {tp for tp in remaining if self._consumer.position(tp) < ends[tp]}

    def new_records(self, wait: float = 2.0) -> list[ConsumerRecord]:
        """Everything that arrived since the last call, up to the topic's end as of now.

        Costs one end-offsets request when nothing is new; waits at most ``wait`` seconds.
        """
        ends = self._consumer.end_offsets(self._partitions)
        out: list[ConsumerRecord] = []
        deadline = time.monotonic() + wait
        while any(self._consumer.position(tp) < ends[tp] for tp in self._partitions) and time.monotonic() < deadline:
            out.extend(r for records in self._consumer.poll(timeout_ms=100).values() for r in records)
        return out

    def close(self) -> None:
        self._consumer.close()

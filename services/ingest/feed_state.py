"""Feeds, the durable part: what was seen, and each feed's validators, in a compacted topic.

Topic ``newsflow.feed-state`` (:data:`shared.topics.FEED_STATE`, one partition, compacted):

* key ``feed:<feed url>`` -> :class:`FeedValidators` (ETag / Last-Modified of the last response
  whose items were all handled);
* key ``item:<sha256(feed url + guid)[:40]>`` -> :class:`SeenItem` (one key per item).

Compaction keeps the latest value per key, so reading the topic from the beginning to its end
rebuilds the whole state; :meth:`FeedStateStore.load` does that on start. A write returns only
once the broker acknowledged it ("recorded" means acked with acks=all).
"""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime
from typing import Literal

from kafka import KafkaConsumer, KafkaProducer
from kafka.structs import TopicPartition
from pydantic import BaseModel, ConfigDict, ValidationError

from shared.settings import CommonSettings

log = logging.getLogger(__name__)


class FeedValidators(BaseModel):
    """Value of ``feed:<url>``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: Literal[1] = 1
    kind: Literal["feed"] = "feed"
    url: str
    etag: str | None = None
    last_modified: str | None = None
    updated_at: datetime


class SeenItem(BaseModel):
    """Value of ``item:<hash>``: the item was produced (acked) or dead-lettered (acked)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: Literal[1] = 1
    kind: Literal["item"] = "item"
    feed_url: str
    guid: str
    article_id: str | None = None
    outcome: Literal["emitted", "dead-lettered"]
    seen_at: datetime


class FeedStateStore:
    """In-memory view of the state topic plus acked writes to it. Thread-safe for writes
    (KafkaProducer is); the seen-set is only mutated by :meth:`mark_seen` after the ack."""

    def __init__(self, settings: CommonSettings, producer: KafkaProducer, topic_name: str) -> None:
        self.settings, self.producer, self.topic_name = settings, producer, topic_name
        self.seen: set[str] = set()
        self.validators: dict[str, FeedValidators] = {}

    def load(self, timeout: float = 60.0) -> None:
        """Read the topic from the beginning to the end offsets taken now. Raises TimeoutError:
        starting without the seen-set would re-emit every item, so that is not an option."""
        consumer = KafkaConsumer(bootstrap_servers=self.settings.kafka_bootstrap_servers.split(","),
                                 group_id=None, enable_auto_commit=False, auto_offset_reset="earliest")
        try:
            deadline = time.monotonic() + timeout
            parts = consumer.partitions_for_topic(self.topic_name)
            while not parts:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"state topic {self.topic_name} not found")
                time.sleep(0.2)
                consumer.topics()  # refresh metadata
                parts = consumer.partitions_for_topic(self.topic_name)
            partitions = [TopicPartition(self.topic_name, p) for p in sorted(parts)]
            consumer.assign(partitions)
            consumer.seek_to_beginning(*partitions)
            end = consumer.end_offsets(partitions)
            records = 0
            while any(consumer.position(tp) < end[tp] for tp in partitions):
                if time.monotonic() > deadline:
                    raise TimeoutError(f"reading state topic {self.topic_name} took longer than {timeout}s")
                for batch in consumer.poll(timeout_ms=500).values():
                    for record in batch:
                        records += 1
                        self._apply(record.key, record.value, record.partition, record.offset)
            log.info("feed state loaded: %d seen items, %d feeds (%d records)", len(self.seen),
                     len(self.validators), records, extra={"topic": self.topic_name, "count": records})
        finally:
            consumer.close()

    def _apply(self, key: bytes | None, value: bytes | None, partition: int, offset: int) -> None:
        name = key.decode("utf-8", "replace") if key else ""
        if value is None:  # tombstone
            self.seen.discard(name)
            self.validators.pop(name.removeprefix("feed:"), None)
            return
        try:
            data = json.loads(value)
            if name.startswith("item:"):
                SeenItem.model_validate(data)
                self.seen.add(name)
            elif name.startswith("feed:"):
                validators = FeedValidators.model_validate(data)
                self.validators[validators.url] = validators
            else:
                raise ValueError(f"unknown key {name!r}")
        except (ValueError, ValidationError) as exc:
            # A record we cannot read is skipped, not fatal: the worst outcome is one item
            # emitted again, which downstream ids absorb.
            log.warning("unreadable feed-state record skipped: %s", exc,
                        extra={"topic": self.topic_name, "partition": partition, "offset": offset})

    def _write(self, key: str, value: BaseModel) -> None:
        self.producer.send(self.topic_name, key=key, value=value.model_dump_json().encode()).get(timeout=60)

    def mark_seen(self, key: str, seen: SeenItem) -> None:
        """Record an item as handled; call only after its article or dead letter was acked."""
        self._write(key, seen)
        self.seen.add(key)

    def save_validators(self, url: str, etag: str | None, last_modified: str | None) -> None:
        """Record a feed's validators; call only once every item of that response was handled."""
        current = self.validators.get(url)
        if current and (current.etag, current.last_modified) == (etag, last_modified):
            return
        validators = FeedValidators(url=url, etag=etag, last_modified=last_modified, updated_at=datetime.now(UTC))
        self._write(f"feed:{url}", validators)
        self.validators[url] = validators

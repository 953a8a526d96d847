"""Feeds, the durable part: what was seen, and each feed's validators, in a compacted topic.

Topic ``newsflow.feed-state`` (:data:`shared.topics.FEED_STATE`, one partition, compacted):

* key ``feed:<feed url>`` -> a :class:`shared.models.FeedState` holding ``feed``, the
  :class:`shared.models.FeedValidators` (ETag / Last-Modified of the last response whose items
  were all handled);
* key ``item:<sha256(feed url + guid)[:40]>`` -> a FeedState holding ``item``, a
  :class:`shared.models.SeenItem` (one key per item).

Compaction keeps the latest value per key, so reading the topic from the beginning to its end
rebuilds the whole state; :meth:`FeedStateStore.load` does that on start, through
:class:`shared.state.CompactedTable`. A write returns only
once the broker acknowledged it ("recorded" means acked with acks=all).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Literal

from kafka import KafkaProducer

from shared.kafka import topic
from shared.models import FeedState, FeedValidators, SeenItem
from shared.settings import CommonSettings
from shared.state import CompactedTable, dead_letter_poison
from shared.topics import FEED_STATE, encode

log = logging.getLogger(__name__)


def seen_item(feed_url: str, guid: str, outcome: Literal["emitted", "dead-lettered"],
              article_id: str | None = None) -> FeedState:
    """The record of one handled item (``outcome``: "emitted" or "dead-lettered")."""
    return FeedState(item=SeenItem(feed_url=feed_url, guid=guid, outcome=outcome, article_id=article_id,
                                   seen_at=datetime.now(UTC)))


class FeedStateStore:
    """In-memory view of the state topic plus acked writes to it. Thread-safe for writes
    (KafkaProducer is); the seen-set is only mutated by :meth:`mark_seen` after the ack."""

    def __init__(self, settings: CommonSettings, producer: KafkaProducer) -> None:
        self.settings, self.producer = settings, producer
        self.topic_name = topic(settings, FEED_STATE).name
        self.seen: set[str] = set()
        self.validators: dict[str, FeedValidators] = {}

    def load(self, timeout: float = 60.0) -> None:
        """Read the topic from the beginning to its end as of now. Raises TimeoutError: starting
        without the seen-set would re-emit every item, so that is not an option. A record that
        cannot be read is dead-lettered (the one poison policy) and loading goes on."""
        table: CompactedTable[FeedState] = CompactedTable(self.settings, FEED_STATE,
                                                          dead_letter_poison(self.settings, "ingest"), wait=timeout)
        try:
            records = table.restore()
        finally:
            table.close()
        for key, value in records:
            self._apply(key, value)
        log.info("feed state loaded: %d seen items, %d feeds (%d records)", len(self.seen),
                 len(self.validators), len(records), extra={"topic": self.topic_name, "count": len(records)})

    def _apply(self, key: str, value: FeedState | None) -> None:
        if value is None:  # tombstone
            self.seen.discard(key)
            self.validators.pop(key.removeprefix("feed:"), None)
        elif value.item is not None:
            self.seen.add(key)
        elif value.feed is not None:
            self.validators[value.feed.url] = value.feed

    def _write(self, key: str, value: FeedState) -> None:
        self.producer.send(self.topic_name, key=key, value=encode(value)).get(timeout=60)

    def mark_seen(self, key: str, seen: FeedState) -> None:
        """Record an item as handled; call only after its article or dead letter was acked."""
        self._write(key, seen)
        self.seen.add(key)

    def save_validators(self, url: str, etag: str | None, last_modified: str | None) -> None:
        """Record a feed's validators; call only once every item of that response was handled."""
        current = self.validators.get(url)
        if current and (current.etag, current.last_modified) == (etag, last_modified):
            return
        validators = FeedValidators(url=url, etag=etag, last_modified=last_modified, updated_at=datetime.now(UTC))
        self._write(f"feed:{url}", FeedState(feed=validators))
        self.validators[url] = validators

"""CompactedTable on the real broker: restore, follow, tombstones, and the one poison policy."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shared.kafka import ensure_topics, make_producer, topic
from shared.models import FeedState, FeedValidators, SeenItem
from shared.settings import CommonSettings
from shared.state import CompactedTable, dead_letter_poison
from shared.topics import DEAD_LETTER, FEED_STATE, decode, encode
from tests.integration.helpers import read_topic


def test_restore_follow_tombstone_and_poison(isolated_env: dict[str, str]) -> None:
    settings = CommonSettings()
    ensure_topics(settings)
    producer = make_producer(settings)
    name = topic(settings, FEED_STATE).name
    feed = FeedState(feed=FeedValidators(url="https://f.example/rss", updated_at=datetime.now(UTC)))
    producer.send(name, key="feed:https://f.example/rss", value=encode(feed))
    producer.send(name, key="item:1", value=b'{"schema_version": 1, "kind": "item"}')  # incomplete: poison
    producer.send(name, key="item:2", value=encode(FeedState(item=SeenItem(feed_url="u", guid="g", outcome="emitted",
                                                                           seen_at=datetime.now(UTC)))))
    # a version 1 record, as ingest wrote them before: upgraded on restore
    producer.send(name, key="item:3", value=b'{"schema_version": 1, "kind": "item", "feed_url": "u", "guid": "h", '
                                            b'"outcome": "dead-lettered", "seen_at": "2026-01-01T00:00:00Z"}')
    producer.flush()
    table: CompactedTable[FeedState] = CompactedTable(settings, FEED_STATE, dead_letter_poison(settings, "test"))
    try:
        restored = dict(table.restore())
        assert set(restored) == {"feed:https://f.example/rss", "item:2", "item:3"}
        assert restored["feed:https://f.example/rss"] == feed
        assert restored["item:3"].item == SeenItem(feed_url="u", guid="h", outcome="dead-lettered",  # type: ignore[union-attr]
                                                   seen_at=datetime(2026, 1, 1, tzinfo=UTC))
        letters = [decode(DEAD_LETTER, r.value) for r in read_topic(settings, topic(settings, DEAD_LETTER).name, 1)]
        assert len(letters) == 1 and letters[0].key == "item:1" and "item.feed_url" in letters[0].reason  # type: ignore[attr-defined]
        producer.send(name, key="item:2", value=None).get(timeout=30)  # a tombstone, seen by a follower
        assert table.updates() == [("item:2", None)]
    finally:
        table.close()


def test_feed_state_records_must_be_complete() -> None:
    with pytest.raises(ValueError, match="url"):
        FeedValidators(updated_at=datetime.now(UTC))  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="exactly one of feed or item"):
        FeedState()

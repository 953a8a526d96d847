"""CompactedTable on the real broker: restore, follow, tombstones, and the one poison policy."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shared.kafka import ensure_topics, make_producer, topic
from shared.models import FeedState
from shared.settings import CommonSettings
from shared.state import CompactedTable, dead_letter_poison
from shared.topics import DEAD_LETTER, FEED_STATE, decode, encode
from tests.integration.helpers import read_topic


def test_restore_follow_tombstone_and_poison(isolated_env: dict[str, str]) -> None:
    settings = CommonSettings()
    ensure_topics(settings)
    producer = make_producer(settings)
    name = topic(settings, FEED_STATE).name
    feed = FeedState(kind="feed", url="https://f.example/rss", updated_at=datetime.now(UTC))
    producer.send(name, key="feed:https://f.example/rss", value=encode(feed))
    producer.send(name, key="item:1", value=b'{"schema_version": 1, "kind": "item"}')  # incomplete: poison
    producer.send(name, key="item:2", value=encode(FeedState(kind="item", feed_url="u", guid="g", outcome="emitted",
                                                             seen_at=datetime.now(UTC))))
    producer.flush()
    table: CompactedTable[FeedState] = CompactedTable(settings, FEED_STATE, dead_letter_poison(settings, "test"))
    try:
        restored = dict(table.restore())
        assert set(restored) == {"feed:https://f.example/rss", "item:2"}
        assert restored["feed:https://f.example/rss"] == feed
        letters = [decode(DEAD_LETTER, r.value) for r in read_topic(settings, topic(settings, DEAD_LETTER).name, 1)]
        assert len(letters) == 1 and letters[0].key == "item:1" and "needs" in letters[0].reason  # type: ignore[attr-defined]
        producer.send(name, key="item:2", value=None).get(timeout=30)  # a tombstone, seen by a follower
        assert table.updates() == [("item:2", None)]
    finally:
        table.close()


def test_feed_state_records_must_be_complete() -> None:
    with pytest.raises(ValueError, match="needs url"):
        FeedState(kind="feed", updated_at=datetime.now(UTC))

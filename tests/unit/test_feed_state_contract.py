"""newsflow.feed-state v2: one record holds a feed's validators or one seen item; v1 (flat, with
``kind``) is upgraded on read, and what neither version allows is refused with the field named."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from shared.errors import InvalidArticle
from shared.models import FeedState, FeedValidators, SeenItem
from shared.topics import FEED_STATE, decode, encode

AT = "2026-01-01T00:00:00Z"


def v1(**fields: object) -> bytes:
    return json.dumps({"schema_version": 1, **fields}).encode()


def test_version_1_records_are_upgraded() -> None:
    feed = decode(FEED_STATE, v1(kind="feed", url="https://f.example/rss", etag='"e1"', last_modified=None,
                                 updated_at=AT, feed_url=None, guid=None, article_id=None, outcome=None, seen_at=None))
    assert feed == FeedState(feed=FeedValidators(url="https://f.example/rss", etag='"e1"',
                                                 updated_at=datetime(2026, 1, 1, tzinfo=UTC)))
    item = decode(FEED_STATE, v1(kind="item", feed_url="https://f.example/rss", guid="g", article_id="u-1",
                                 outcome="emitted", seen_at=AT, url=None, etag=None))
    assert item == FeedState(item=SeenItem(feed_url="https://f.example/rss", guid="g", article_id="u-1",
                                           outcome="emitted", seen_at=datetime(2026, 1, 1, tzinfo=UTC)))


@pytest.mark.parametrize(("value", "reason"), [
    (v1(kind="item"), "item.feed_url"),
    (v1(kind="feed", url="https://f.example/rss"), "feed.updated_at"),
    (v1(kind="rumour", url="u"), "rumour"),
    (v1(kind="item", feed_url="u", guid="g", outcome="eaten", seen_at=AT), "item.outcome"),
    (json.dumps({"schema_version": 2}).encode(), "exactly one of feed or item"),
    (json.dumps({"schema_version": 2, "feed": {"url": "u", "updated_at": AT},
                 "item": {"feed_url": "u", "guid": "g", "outcome": "emitted", "seen_at": AT}}).encode(),
     "exactly one of feed or item"),
])
def test_what_neither_version_allows_is_refused(value: bytes, reason: str) -> None:
    with pytest.raises(InvalidArticle, match=reason):
        decode(FEED_STATE, value)


def test_a_record_round_trips() -> None:
    record = FeedState(item=SeenItem(feed_url="u", guid="g", outcome="dead-lettered", seen_at=datetime.now(UTC)))
    assert decode(FEED_STATE, encode(record)) == record

"""State topics read as tables: the one reader of compacted topics.

A :class:`CompactedTable` is restored from its topic's start before a stage starts (never
silently empty: a topic whose metadata never shows up is an error), then followed: each
:meth:`CompactedTable.updates` returns what was written since, by any worker. Every record is
decoded with its topic's model from the registry; a record that cannot be read (the one
poison policy) is dead-lettered with the reason, and reading goes on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Generic, TypeVar

from shared.errors import InvalidArticle
from shared.kafka import TopicFollower, make_producer, topic
from shared.models import Event
from shared.settings import CommonSettings
from shared.stream.dead_letters import SendDeadLetters
from shared.stream.messages import Message
from shared.topics import DEAD_LETTER, TopicSpec, decode

log = logging.getLogger(__name__)
M = TypeVar("M", bound=Event)
#: what to do with a record that cannot be read
OnPoison = Callable[[Message, InvalidArticle], None]


def dead_letter_poison(settings: CommonSettings, stage: str) -> OnPoison:
    """The poison policy: a dead letter (producer made on first use), then go on."""
    sender: list[SendDeadLetters] = []

    def on_poison(message: Message, exc: InvalidArticle) -> None:
        log.warning("unreadable record in %s at offset %d: %s", message.topic, message.offset, exc.reason)
        if not sender:
            sender.append(SendDeadLetters(make_producer(settings), topic(settings, DEAD_LETTER).name, stage))
        sender[0]([(message, exc)])

    return on_poison


class CompactedTable(Generic[M]):
    """key -> latest value of a compacted topic; ``None`` for a tombstone (a deleted key)."""

    def __init__(self, settings: CommonSettings, spec: TopicSpec, on_poison: OnPoison, wait: float = 30.0,
                 *, read_committed: bool = False) -> None:
        """``read_committed``: for a topic written in transactions, only what was committed."""
        self.spec, self.on_poison = spec, on_poison
        self._follower = TopicFollower(settings, topic(settings, spec).name, wait,
                                       isolation_level="read_committed" if read_committed else "read_uncommitted")

    def restore(self) -> list[tuple[str, M | None]]:
        """Every record from the topic's start to its end as of now, decoded, in order."""
        return self._decode(self._follower.read_to_end())

    def updates(self, wait: float = 2.0) -> list[tuple[str, M | None]]:
        """What arrived since the last call (at most ``wait`` seconds to catch up)."""
        return self._decode(self._follower.new_records(wait))

    def close(self) -> None:
        self._follower.close()

    def _decode(self, records: Iterable[object]) -> list[tuple[str, M | None]]:
        out: list[tuple[str, M | None]] = []
        for record in records:
            message = Message.of(record)
            key = message.key_text or ""
            if not message.value:
                out.append((key, None))
                continue
            try:
                value = decode(self.spec, message.value)
            except InvalidArticle as exc:
                self.on_poison(message, exc)
                continue
            out.append((key, value))  # type: ignore[arg-type]
        return out

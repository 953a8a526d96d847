"""What flows between the steps: a message as read from a topic, and an output tied to it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

Out = TypeVar("Out")


@dataclass(frozen=True)
class Message:
    """One consumed record, independent of the client library (tests build these by hand)."""

    topic: str
    partition: int
    offset: int
    key: bytes | str | None
    value: bytes | None

    @classmethod
    def of(cls, record: Any) -> Message:
        """From a kafka-python ``ConsumerRecord`` (or anything with the same attributes)."""
        return cls(record.topic, record.partition, record.offset, record.key, record.value)

    @property
    def key_text(self) -> str | None:
        return self.key.decode("utf-8", "replace") if isinstance(self.key, bytes) else self.key


@dataclass(frozen=True)
class Item(Generic[Out]):
    """An output of the stage's function with the message it came from (None: written directly)."""

    message: Message | None
    value: Out

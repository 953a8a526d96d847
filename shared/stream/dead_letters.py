"""The one dead-letter constructor and the step that sends dead letters.

A dead letter keeps the original bytes (base64) with topic, partition, offset, stage, reason
and time, so ``newsflow dlq replay`` can re-send them unchanged. A letter too large even for
the dead-letter topic is sent without the bytes (its reason says so) rather than stalling.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

from kafka.errors import MessageSizeTooLargeError

from shared.models import DeadLetter
from shared.stream.messages import Message
from shared.topics import encode

log = logging.getLogger(__name__)

PREVIEW_CHARS = 64 * 1024


def dead_letter_for(message: Message, stage: str, exc: BaseException, now: datetime | None = None,
                    *, source: str | None = None) -> DeadLetter:
    """Pure: the dead letter for a message ``stage`` could not process.

    ``source`` names where a message came from when it was not a topic (a feed URL); ``topic``
    is then empty, so a replay knows there is nothing to produce it back to.
    """
    value: bytes = message.value or b""
    return DeadLetter(
        stage=stage,
        topic=message.topic,
        partition=message.partition if message.topic else None,
        offset=message.offset if message.topic else None,
        key=message.key_text,
        error_class=type(exc).__name__,
        reason=getattr(exc, "reason", None) or str(exc) or type(exc).__name__,
        payload=value[:PREVIEW_CHARS].decode("utf-8", "replace"),
        payload_b64=base64.b64encode(value).decode("ascii"),
        failed_at=now or datetime.now(UTC),
        source=source,
    )


class Producer(Protocol):
    def send(self, topic: str, value: Any = None, key: Any = None, headers: Any = None) -> Any: ...

    def flush(self, timeout: float | None = None) -> Any: ...


def slim(letter: DeadLetter) -> DeadLetter:
    """Keep the reason and the preview; say the bytes could not be kept."""
    return letter.model_copy(update={"payload_b64": "", "reason": letter.reason + " (original too large to keep)"})


class SendDeadLetters:
    """Produce dead letters and wait for their acks; raises for outages (the caller retries)."""

    def __init__(self, producer: Producer, topic: str, stage: str) -> None:
        self.producer, self.topic, self.stage = producer, topic, stage

    def __call__(self, bad: Sequence[tuple[Message, BaseException]]) -> None:
        if not bad:
            return
        futures = []
        for message, exc in bad:
            letter = dead_letter_for(message, self.stage, exc)
            log.warning("dead-lettered: %s", letter.reason,
                        extra={"stage": self.stage, "topic": message.topic, "partition": message.partition,
                               "offset": message.offset, "reason": letter.reason, "article_id": letter.key})
            try:
                futures.append((letter, self._send(letter)))
            except MessageSizeTooLargeError:  # over the producer's limit: refused before sending
                futures.append((letter, self._send(slim(letter))))
        self.producer.flush(timeout=60)
        for letter, future in futures:
            try:
                future.get(timeout=60)
            except MessageSizeTooLargeError:  # over the topic's limit: refused by the broker
                self._send(slim(letter)).get(timeout=60)

    def _send(self, letter: DeadLetter) -> Any:
        return self.producer.send(self.topic, key=letter.key, value=encode(letter))

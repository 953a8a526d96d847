"""How the stories state write classifies a failed transaction (a recording producer in place of
Kafka's: the real transactions, fencing and read_committed restore are in
tests/integration/test_stories_stage.py; a broker outage in the middle of one is not staged there,
the shared broker stays up)."""

from __future__ import annotations

from typing import Any

import pytest
from kafka.errors import KafkaTimeoutError, MessageSizeTooLargeError, ProducerFencedError

from services.stories.durable import SecondWorker, TransactionalRecords
from shared.stream.retry import Outage, is_retriable


class Done:
    def get(self, timeout: float | None = None) -> None:
        return None


class Producer:
    """Records what a transactional producer was asked to do; ``fail`` raises at commit."""

    def __init__(self, fail: BaseException | None = None) -> None:
        self.fail, self.calls, self.closed = fail, [], False
        self.config = {"transactional_id": "t-newsflow-stories-state"}

    def begin_transaction(self) -> None:
        self.calls.append("begin")

    def send(self, name: str, key: str, value: bytes | None) -> Done:
        self.calls.append(f"send {key}")
        return Done()

    def commit_transaction(self) -> None:
        if self.fail is not None:
            raise self.fail
        self.calls.append("commit")

    def close(self, timeout: float | None = None) -> None:
        self.closed = True


RECORDS: list[tuple[str, str, bytes | None]] = [("state", "story:s-1", b"{}"), ("state", "article:a", None)]


def test_a_batch_is_one_transaction() -> None:
    producer = Producer()
    TransactionalRecords(producer, make=lambda: pytest.fail("no new producer needed"))(RECORDS)  # type: ignore[arg-type]
    assert producer.calls == ["begin", "send story:s-1", "send article:a", "commit"]


def test_an_outage_drops_the_producer_and_the_retry_writes_the_batch_again_with_a_new_one() -> None:
    failing, fresh = Producer(fail=KafkaTimeoutError("commit timed out")), Producer()
    made: list[Any] = []
    write = TransactionalRecords(failing, make=lambda: made.append(fresh) or fresh)  # type: ignore[arg-type]
    with pytest.raises(Outage) as raised:
        write(RECORDS)
    assert is_retriable(raised.value) and failing.closed and made == []
    write(RECORDS)  # the processor's retry
    assert made == [fresh] and fresh.calls == ["begin", "send story:s-1", "send article:a", "commit"]


def test_a_fenced_producer_stops_the_stage() -> None:
    write = TransactionalRecords(Producer(fail=ProducerFencedError()), make=Producer)  # type: ignore[arg-type]
    with pytest.raises(SecondWorker, match="exactly one worker") as raised:
        write(RECORDS)
    assert not is_retriable(raised.value)


def test_a_failure_that_is_no_outage_is_raised_as_it_is() -> None:
    write = TransactionalRecords(Producer(fail=MessageSizeTooLargeError()), make=Producer)  # type: ignore[arg-type]
    with pytest.raises(MessageSizeTooLargeError):
        write(RECORDS)

"""The stream steps composed, on the in-memory broker (the same scenarios run on real Kafka in
tests/integration/test_stage_loop.py)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from kafka.structs import TopicPartition

from shared.stream.dead_letters import SendDeadLetters
from shared.stream.guard import BadInputGuard
from shared.stream.memory import MemoryBroker, MemoryConsumer, MemoryProducer
from shared.stream.processor import StreamProcessor
from shared.stream.produce import ProduceTo
from shared.stream.steps import Decode, Transform, Write
from shared.topics import CLEAN, DEAD_LETTER, RAW
from tests import stream_cases as cases


class MemoryRig:
    def __init__(self) -> None:
        self.broker = MemoryBroker()
        self.producer = MemoryProducer(self.broker)
        self.consumer = MemoryConsumer(self.broker, "g", [RAW.name])
        self.broker.logs.setdefault(TopicPartition(RAW.name, 0), [])

    def topic(self, name: str) -> str:
        return name

    def put(self, value: bytes, key: str | None = None) -> None:
        self.broker.append(RAW.name, value, key)

    def output_writer(self, producer: Any) -> Write:
        return ProduceTo(producer, cases.CLEAN_RAW, key=lambda e: e.id)

    def processor(self, write_factory: Callable[[Any], Write], stop: threading.Event,
                  guard: BadInputGuard | None = None) -> StreamProcessor:
        processor = StreamProcessor(stage="test", consumer=self.consumer, decode=Decode(RAW),
                                    steps=[Transform(cases.upper)], write=write_factory(self.producer),
                                    dead_letters=SendDeadLetters(self.producer, DEAD_LETTER.name, "test"),
                                    stop=stop, guard=guard, poll_timeout_ms=10, fill_ms=5)
        processor.first_backoff = 0.05  # the same retries, quicker
        return processor

    def produced(self, name: str, expect: int) -> list[bytes]:
        return [v for v in self.broker.values(name) if v is not None]

    def committed(self) -> int:
        return sum(self.broker.committed["g"].values())


@pytest.fixture()
def rig() -> MemoryRig:
    return MemoryRig()


def test_good_bad_and_undecodable(rig: MemoryRig) -> None:
    cases.good_bad_and_undecodable(rig)


def test_outage_pauses_intake_and_keeps_polling(rig: MemoryRig) -> None:
    polls_before = rig.consumer.polls
    cases.outage_pauses_then_resumes(rig)
    assert rig.consumer.polls - polls_before > 3  # polled on through the outage: still in its group
    assert rig.consumer.paused() == set()  # resumed once the write succeeded


def test_paused_during_outage(rig: MemoryRig) -> None:
    seen_paused: list[bool] = []
    original = rig.consumer.poll

    def spy(timeout_ms: int = 0, max_records: int | None = None) -> Any:
        seen_paused.append(bool(rig.consumer.paused()))
        return original(timeout_ms, max_records)

    rig.consumer.poll = spy  # type: ignore[method-assign]
    cases.outage_pauses_then_resumes(rig)
    assert any(seen_paused)


def test_a_bug_is_raised_and_nothing_committed(rig: MemoryRig) -> None:
    cases.bug_in_write_is_raised_uncommitted(rig)


def test_client_rejections_never_trip_the_guard(rig: MemoryRig) -> None:
    cases.client_rejections_never_trip_the_guard(rig)


def test_contract_violations_trip_the_guard(rig: MemoryRig) -> None:
    cases.contract_violations_trip_the_guard(rig)


def test_stop_during_an_outage_commits_nothing(rig: MemoryRig) -> None:
    rig.put(cases.article(1))

    def down(_producer: Any) -> Write:
        def write(items: list[Any]) -> list[Any]:
            raise ConnectionError("down for good")
        return write

    stop = threading.Event()
    processor = rig.processor(down, stop)
    processor.pause_after = 0.05
    timer = threading.Timer(0.5, stop.set)
    timer.start()
    assert cases.run_until(processor, stop, lambda: False, timeout=5) is None  # a clean stop, not a crash
    assert rig.committed() == 0


def test_a_batch_that_fails_as_a_whole_is_isolated(rig: MemoryRig) -> None:
    def strict(events: list[Any]) -> list[Any]:
        if any(e.body == "reject" for e in events):
            raise cases.InvalidArticle("one of them is bad")
        return cases.upper(events)

    for i in range(4):
        rig.put(cases.article(i, "reject" if i == 2 else None))
    stop = threading.Event()
    processor = rig.processor(rig.output_writer, stop)
    processor.steps = [Transform(strict)]
    assert cases.run_until(processor, stop, lambda: rig.committed() == 4) is None
    assert len(rig.produced(CLEAN.name, 3)) == 3 and len(rig.produced(DEAD_LETTER.name, 1)) == 1


class OneAtATime(MemoryConsumer):
    """A consumer whose polls return one record each (a fetch that brought back part of what
    the partition holds), so a batch has to be filled over several polls."""

    def poll(self, timeout_ms: int = 0, max_records: int | None = None) -> dict[TopicPartition, list[Any]]:
        return super().poll(timeout_ms, 1)


def test_a_lone_message_does_not_wait_for_the_batch_to_fill(rig: MemoryRig) -> None:
    """At a low rate a batch goes on with what is there: waiting ``fill_ms`` for messages not yet
    written was latency on every hop (the old fill waited the whole window here)."""
    stop = threading.Event()
    processor = rig.processor(rig.output_writer, stop)
    processor.fill_ms = 2_000
    rig.put(cases.article(1))
    threading.Timer(0.5, lambda: rig.put(cases.article(2))).start()  # arrives within the fill window
    t0 = time.monotonic()
    batch = processor.poll_batch()
    assert time.monotonic() - t0 < 0.4
    assert [m.offset for m in batch] == [0]
    time.sleep(0.6)
    assert [m.offset for m in processor.poll_batch()] == [1]  # the later one: the next batch


def test_a_backlog_still_fills_the_batch(rig: MemoryRig) -> None:
    """Messages already written past the position are waited for, up to ``batch_size``: behind a
    backlog batches stay full, so throughput does not change."""
    rig.consumer = OneAtATime(rig.broker, "g", [RAW.name])
    for i in range(10):
        rig.put(cases.article(i))
    stop = threading.Event()
    processor = rig.processor(rig.output_writer, stop)
    processor.fill_ms, processor.batch_size = 2_000, 8
    t0 = time.monotonic()
    assert [m.offset for m in processor.poll_batch()] == list(range(8))
    assert [m.offset for m in processor.poll_batch()] == [8, 9]  # the rest, without waiting the window
    assert time.monotonic() - t0 < 1.0


def test_lone_message_is_not_held(rig: MemoryRig) -> None:
    cases.lone_message_is_not_held(rig)

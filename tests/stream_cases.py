"""Scenarios for the stream steps, run on the in-memory broker (unit) and on real Kafka (integration).

Each scenario gets a ``Rig``: a way to put messages on the source topic, build a
:class:`StreamProcessor` with a given write step, run it until a condition, and read back
what was produced, dead-lettered and committed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Protocol

from shared.errors import InvalidArticle
from shared.models import RawArticle
from shared.stream.guard import BadInputGuard
from shared.stream.processor import StreamProcessor
from shared.stream.steps import Write
from shared.topics import CLEAN, DEAD_LETTER, decode, encode

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def upper(events: list[RawArticle]) -> list[RawArticle | InvalidArticle]:
    """A stage function: rejects bodies that say so, upper-cases the rest."""
    return [InvalidArticle("body says reject") if e.body == "reject" else
            e.model_copy(update={"body": (e.body or "").upper()}) for e in events]


def article(i: int, body: str | None = None) -> bytes:
    return encode(RawArticle(id=f"c-{i}", body=body or f"text {i}", received_at=NOW))


class Rig(Protocol):
    def put(self, value: bytes, key: str | None = None) -> None: ...
    def processor(self, write_factory: Callable[[Any], Write], stop: threading.Event,
                  guard: BadInputGuard | None = None) -> StreamProcessor: ...
    def produced(self, name: str, expect: int) -> list[bytes]: ...
    def committed(self) -> int: ...
    def topic(self, name: str) -> str: ...
    def output_writer(self, producer: Any) -> Write: ...


def run_until(processor: StreamProcessor, stop: threading.Event, done: Callable[[], bool],
              timeout: float = 60) -> BaseException | None:
    """Run ``processor`` in a thread until ``done()``; returns what it raised, if anything."""
    raised: list[BaseException] = []

    def target() -> None:
        try:
            processor.run()
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            raised.append(exc)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not done() and thread.is_alive():
        time.sleep(0.05)
    stop.set()
    thread.join(timeout=30)
    assert not thread.is_alive(), "the processor did not stop"
    return raised[0] if raised else None


def good_bad_and_undecodable(rig: Rig) -> None:
    for i in range(20):
        rig.put(article(i), key=f"c-{i}")
    rig.put(b"\xff not json", key="bad-1")
    rig.put(article(99, "reject"), key="bad-2")
    rig.put(b'{"schema_version": 7, "id": "x"}', key="bad-3")
    stop = threading.Event()
    processor = rig.processor(rig.output_writer, stop)
    assert run_until(processor, stop, lambda: rig.committed() == 23) is None
    outputs = rig.produced(rig.topic(CLEAN.name), expect=20)
    assert sorted(decode(CLEAN_RAW, v).body for v in outputs) == sorted(f"TEXT {i}" for i in range(20))
    letters = {d.key: d for d in (decode(DEAD_LETTER, v) for v in rig.produced(rig.topic(DEAD_LETTER.name), 3))}
    assert set(letters) == {"bad-1", "bad-2", "bad-3"}
    assert "unknown schema_version 7" in letters["bad-3"].reason
    assert letters["bad-3"].error_class == "ContractViolation" and letters["bad-2"].error_class == "InvalidArticle"
    assert letters["bad-1"].payload_b64 and letters["bad-1"].offset is not None
    assert letters["bad-2"].reason == "body says reject" and letters["bad-2"].stage == "test"


def outage_pauses_then_resumes(rig: Rig) -> StreamProcessor:
    """Three failed writes: intake paused meanwhile, nothing committed early, nothing dropped."""
    for i in range(5):
        rig.put(article(i))
    failures = {"left": 3}
    committed_during_outage: list[int] = []

    def flaky_factory(producer: Any) -> Write:
        real = rig.output_writer(producer)

        def write(items: list[Any]) -> list[Any]:
            if failures["left"] > 0:
                failures["left"] -= 1
                committed_during_outage.append(rig.committed())
                raise ConnectionError("simulated outage")
            return real(items)
        return write

    stop = threading.Event()
    processor = rig.processor(flaky_factory, stop)
    processor.pause_after = 0.2
    raised = run_until(processor, stop, lambda: rig.committed() == 5, timeout=90)
    assert raised is None, repr(raised)
    assert failures["left"] == 0 and committed_during_outage == [0, 0, 0]
    assert sorted(decode(CLEAN_RAW, v).id for v in rig.produced(rig.topic(CLEAN.name), 5)) == [f"c-{i}" for i in range(5)]
    assert rig.produced(rig.topic(DEAD_LETTER.name), 0) == []
    return processor


def bug_in_write_is_raised_uncommitted(rig: Rig) -> None:
    for i in range(3):
        rig.put(article(i))

    def broken(_producer: Any) -> Write:
        def write(items: list[Any]) -> list[Any]:
            raise KeyError("a bug, not an outage")
        return write

    stop = threading.Event()
    raised = run_until(rig.processor(broken, stop), stop, lambda: False, timeout=10)
    assert isinstance(raised, KeyError), raised
    assert rig.committed() == 0


def client_rejections_never_trip_the_guard(rig: Rig) -> None:
    for i in range(150):
        rig.put(article(i, "reject"))
    stop = threading.Event()
    processor = rig.processor(rig.output_writer, stop, BadInputGuard(limit=0.5, window=100, min_events=20))
    assert run_until(processor, stop, lambda: rig.committed() == 150) is None
    assert len(rig.produced(rig.topic(DEAD_LETTER.name), 150)) == 150


def contract_violations_trip_the_guard(rig: Rig) -> None:
    for _ in range(150):
        rig.put(b"\x00garbage")
    stop = threading.Event()
    processor = rig.processor(rig.output_writer, stop, BadInputGuard(limit=0.5, window=100, min_events=20))
    raised = run_until(processor, stop, lambda: False, timeout=30)
    assert type(raised).__name__ == "TooManyBadEvents", raised
    assert rig.committed() < 150


def lone_message_is_not_held(rig: Rig) -> float:
    """A message arriving at an idle stage is written and committed without waiting the fill
    window for others (``fill_ms`` 5 s here): returns the seconds from its put to its commit."""
    rig.put(article(1))
    stop = threading.Event()
    processor = rig.processor(rig.output_writer, stop)
    processor.fill_ms = 5_000
    put_at: list[float] = []

    def done() -> bool:
        n = rig.committed()
        if n >= 1 and not put_at:  # joined and idle: now the lone one
            put_at.append(time.monotonic())
            rig.put(article(2))
        return n >= 2

    assert run_until(processor, stop, done) is None
    took = time.monotonic() - put_at[0]
    assert took < 2.5, f"{took:.2f}s from put to commit: the batch waited for more"
    return took


CLEAN_RAW = CLEAN.__class__(CLEAN.name, RawArticle, "test", ("test",))  # outputs of `upper` are RawArticles

"""The composition: poll -> decode -> transform -> write -> dead letters -> commit, with backpressure."""

from __future__ import annotations

import logging
import time
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from threading import Event
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from shared import metrics
from shared.stream.dead_letters import SendDeadLetters
from shared.stream.guard import BadInputGuard
from shared.stream.messages import Message
from shared.stream.retry import Stopped, call_with_retries
from shared.stream.steps import Batch, Commit, Decode, Step, Write

log = logging.getLogger(__name__)

#: writes a batch's state records (topic, key, value; None: a tombstone) and waits for the acks
StateWrite = Callable[[list[tuple[str, str, bytes | None]]], None]


class Consumer(Protocol):
    """What the processor needs of a consumer: kafka-python's, or :mod:`shared.stream.memory`'s."""

    def poll(self, timeout_ms: int = 0, max_records: int | None = None) -> dict[Any, list[Any]]: ...
    def pause(self, *partitions: Any) -> None: ...
    def resume(self, *partitions: Any) -> None: ...
    def paused(self) -> set[Any]: ...
    def assignment(self) -> set[Any]: ...
    def commit(self, offsets: Any = None) -> Any: ...
    def highwater(self, partition: Any) -> int | None: ...
    def position(self, partition: Any) -> int: ...


class StreamProcessor:
    """Runs one stage's chain of steps until ``stop`` is set.

    One write is in flight while the next batch is polled and transformed; batches are
    committed in order, each only after its outputs and dead letters are acknowledged. While a
    write waits out an outage (retried in the writer thread, see :mod:`shared.stream.retry`)
    the partitions are paused and the consumer keeps polling, so it stays in its group and
    nothing new piles up; they resume when the write succeeds.

    Raises :class:`shared.stream.guard.TooManyBadEvents`, or the first error that is neither
    bad input nor an outage (a bug), after which nothing more is committed.
    """

    def __init__(self, *, stage: str, consumer: Consumer, decode: Decode, steps: Sequence[Step], write: Write,
                 dead_letters: SendDeadLetters, stop: Event, guard: BadInputGuard | None = None,
                 state_write: StateWrite | None = None,
                 batch_size: int = 64, poll_timeout_ms: int = 500, fill_ms: int = 100,
                 pause_after: float = 1.0) -> None:
        self.stage, self.consumer, self.stop = stage, consumer, stop
        self.decode, self.steps, self.write, self.dead_letters = decode, list(steps), write, dead_letters
        self.state_write = state_write
        self.commit = Commit(consumer)
        self.guard = guard or BadInputGuard()
        self.batch_size, self.poll_timeout_ms, self.fill_ms, self.pause_after = (
            batch_size, poll_timeout_ms, fill_ms, pause_after)
        self.first_backoff = 0.5  # seconds before the first retry of a write, doubling to 20 s
        self._pending: list[Message] = []
        self._abort = Event()  # ends the writer's retries when this thread fails

    def run(self) -> None:
        in_flight: tuple[Batch, Future[Batch]] | None = None
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"{self.stage}-write") as writer:
            try:
                while not self.stop.is_set():
                    messages = self.poll_batch()
                    if not messages:
                        if in_flight is not None:  # idle: finish what is written so its offsets move
                            self.finish(*in_flight)
                            in_flight = None
                        continue
                    batch = self.decode(Batch(messages))
                    for step in self.steps:
                        batch = step(batch)
                    if in_flight is not None:
                        self.finish(*in_flight)
                    in_flight = (batch, writer.submit(self.write_batch, batch))
                if in_flight is not None:  # asked to stop: the last batch still gets written and committed
                    self.finish(*in_flight)
            except Stopped:
                log.info("%s: stopped during an outage; the unwritten batch was not committed", self.stage)
            finally:
                self._abort.set()

    def poll_batch(self) -> list[Message]:
        """Up to ``batch_size`` messages: the first ones, then, for up to ``fill_ms``, more only
        while the partitions hold more than was read (their ends as last fetched).

        A batch never waits for messages not yet written: at a low rate one message goes on at
        once (waiting for others cost every hop up to ``fill_ms`` of latency, and the batch gained
        nothing); behind a backlog the batch still fills, so the rate is the same.
        """
        messages, self._pending = self._pending, []
        if not messages:
            messages = self._poll(self.poll_timeout_ms, self.batch_size)
        fill_until = time.monotonic() + self.fill_ms / 1000
        while (messages and len(messages) < self.batch_size and self.lag() > 0
               and (left := fill_until - time.monotonic()) > 0):
            messages.extend(self._poll(int(left * 1000) + 1, self.batch_size - len(messages)))
        return messages

    def _poll(self, timeout_ms: int, max_records: int) -> list[Message]:
        polled = self.consumer.poll(timeout_ms=timeout_ms, max_records=max_records)
        return [Message.of(r) for records in polled.values() for r in records]

    def write_batch(self, batch: Batch) -> Batch:
        """In the writer thread: state, outputs, then dead letters, each retried through outages."""
        flags = (self.stop, self._abort)
        state_write = self.state_write
        if batch.state and state_write is not None:
            call_with_retries(lambda: state_write(batch.state), f"{self.stage} state", flags,
                              first_backoff=self.first_backoff)
        if batch.items:
            rejected = call_with_retries(lambda: self.write(batch.items), f"{self.stage} write", flags,
                                         first_backoff=self.first_backoff)
            batch.bad.extend((item.message, exc) for item, exc in rejected if item.message is not None)
            batch.written = len(batch.items) - len(rejected)
        call_with_retries(lambda: self.dead_letters(batch.bad), f"{self.stage} dead-letter", flags,
                          first_backoff=self.first_backoff)
        return batch

    def finish(self, batch: Batch, writing: Future[Batch]) -> None:
        """Wait for the batch's write (pausing intake meanwhile if it is slow), then commit it."""
        self._wait(writing)
        writing.result()  # raises the writer's error: a bug, or Stopped
        self.commit(batch)
        metrics.EVENTS_IN.labels(stage=self.stage).inc(len(batch.messages))
        metrics.EVENTS_OUT.labels(stage=self.stage).inc(batch.written)
        metrics.DEAD_LETTERED.labels(stage=self.stage).inc(len(batch.bad))
        metrics.BATCH_SECONDS.labels(stage=self.stage).observe(time.perf_counter() - batch.started)
        metrics.CONSUMER_LAG.labels(stage=self.stage).set(self.lag())
        log.info("%s: batch of %d: %d written, %d dead-lettered", self.stage, len(batch.messages), batch.written,
                 len(batch.bad), extra={"stage": self.stage, "count": len(batch.messages)})
        self.guard.observe(len(batch.messages) - batch.violations, batch.violations)
        self.guard.check(self.stage)

    def _wait(self, writing: Future[Batch]) -> None:
        try:
            writing.result(timeout=self.pause_after)
            return
        except FutureTimeout:
            pass
        except Exception:  # noqa: BLE001 - raised again by the caller's result()
            return
        log.warning("%s: write still waiting after %.0fs: pausing intake until it succeeds",
                    self.stage, self.pause_after, extra={"stage": self.stage})
        while not writing.done():
            self.consumer.pause(*self.consumer.assignment())  # again: a rebalance resumes them
            self._pending.extend(self._poll(200, self.batch_size))  # keeps the consumer in its group
        self.consumer.resume(*self.consumer.paused())
        log.info("%s: write succeeded: intake resumed", self.stage, extra={"stage": self.stage})

    def lag(self) -> int:
        """Messages between this consumer's positions and the partitions' ends (as last fetched)."""
        total = 0
        for tp in self.consumer.assignment():
            high = self.consumer.highwater(tp)
            if high is not None:
                total += max(0, high - self.consumer.position(tp))
        return total

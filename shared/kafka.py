"""Kafka at the edge: producers, topic creation, and the consume -> process -> write -> commit loop.

The loop follows arroyo's shape: a batch is polled, decoded, handed to the stage's pure
function, its outputs written (produced and acknowledged, or bulk-indexed), bad input sent to
the dead-letter topic, and only then are the offsets committed. Two kinds of failure:

* :class:`shared.errors.InvalidArticle` (bad input): never retried; dead-lettered; the loop
  moves on. A guard stops the service if the share of bad events passes a limit.
* anything else raised by a write (broker or Elasticsearch down, 429, 5xx): retried with
  backoff; nothing is committed meanwhile, so a crash means the batch is processed again.
  Replays are harmless because ids are deterministic and every write is an overwrite.
"""

from __future__ import annotations

import base64
import logging
import time
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from threading import Event as StopFlag
from typing import Any, Generic, TypeVar

from kafka import ConsumerRebalanceListener, KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.admin import NewTopic
from kafka.consumer.fetcher import ConsumerRecord
from kafka.serializer import Serializer
from kafka.errors import CommitFailedError, MessageSizeTooLargeError, TopicAlreadyExistsError
from kafka.structs import OffsetAndMetadata, TopicPartition

from shared import metrics
from shared.errors import InvalidArticle
from shared.models import DeadLetter, Event
from shared.settings import CommonSettings
from shared.topics import ALL, DEAD_LETTER, TopicSpec, decode, encode, with_prefix

log = logging.getLogger(__name__)

#: Largest message the pipeline moves (a raw article with its HTML). Topics and clients agree.
MAX_MESSAGE_BYTES = 8 * 1024 * 1024
#: A dead letter carries the original bytes base64-encoded (4/3 of them) plus a short preview.
MAX_DEAD_LETTER_BYTES = MAX_MESSAGE_BYTES * 4 // 3 + 1024 * 1024
PREVIEW_CHARS = 64 * 1024

In = TypeVar("In", bound=Event)
Out = TypeVar("Out")


def topic(settings: CommonSettings, spec: TopicSpec) -> TopicSpec:
    return with_prefix(spec, settings.topic_prefix) if settings.topic_prefix else spec


class _KeySerializer(Serializer):
    """Message keys are article ids (str); bytes pass through."""

    def serialize(self, topic: str, value: Any) -> bytes | None:
        return value.encode("utf-8") if isinstance(value, str) else value


def make_producer(settings: CommonSettings, **overrides: Any) -> KafkaProducer:
    """One producer per process: acks=all and idempotence, so a retried send is not doubled."""
    config: dict[str, Any] = dict(
        bootstrap_servers=settings.kafka_bootstrap_servers.split(","),
        acks="all",
        enable_idempotence=True,
        linger_ms=5,
        max_request_size=MAX_DEAD_LETTER_BYTES,
        request_timeout_ms=15_000,
        delivery_timeout_ms=60_000,
        max_block_ms=30_000,
        key_serializer=_KeySerializer(),
    )
    config.update(overrides)
    return KafkaProducer(**config)


def make_consumer(settings: CommonSettings, group_id: str, topics: Sequence[str], **overrides: Any) -> KafkaConsumer:
    """A consumer with auto-commit off: offsets move only through :func:`run_stage`."""
    config: dict[str, Any] = dict(
        bootstrap_servers=settings.kafka_bootstrap_servers.split(","),
        group_id=group_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_poll_records=64,
        max_poll_interval_ms=600_000,
        session_timeout_ms=20_000,
        heartbeat_interval_ms=3_000,
        # bounded prefetch: this is what bounds a slow stage's memory (backpressure)
        max_partition_fetch_bytes=MAX_MESSAGE_BYTES + 64 * 1024,
        fetch_max_bytes=16 * 1024 * 1024,
    )
    config.update(overrides)
    consumer = KafkaConsumer(**config)
    consumer.subscribe(list(topics), listener=_LogAssignments())
    return consumer


class _LogAssignments(ConsumerRebalanceListener):
    """One log line per rebalance, so operators (and tests) see which worker owns what."""

    def on_partitions_revoked(self, revoked: Any) -> None:
        log.info("partitions revoked: %s", sorted(tp.partition for tp in revoked))

    def on_partitions_assigned(self, assigned: Any) -> None:
        log.info("partitions assigned: %s", sorted(tp.partition for tp in assigned))


def ensure_topics(settings: CommonSettings, specs: Sequence[TopicSpec] = ALL) -> None:
    """Create the pipeline's topics if missing (idempotent)."""
    admin = KafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers.split(","),
                             request_timeout_ms=30_000)
    try:
        existing = set(admin.list_topics())
        new = []
        for spec in specs:
            spec = topic(settings, spec)
            if spec.name in existing:
                continue
            limit = MAX_DEAD_LETTER_BYTES if spec.name.endswith(DEAD_LETTER.name) else MAX_MESSAGE_BYTES + 64 * 1024
            configs = {"max.message.bytes": str(limit)}
            if spec.compacted:
                configs["cleanup.policy"] = "compact"
            new.append(NewTopic(spec.name, spec.partitions, 1, topic_configs=configs))
        if new:
            try:
                admin.create_topics(new)
            except TopicAlreadyExistsError:
                pass
            log.info("created topics %s", [t.name for t in new])
    finally:
        admin.close()


def read_to_end(settings: CommonSettings, name: str, must_exist: bool = False,
                wait: float = 30.0) -> Iterator[ConsumerRecord]:
    """Every record of ``name`` from its start to its end as of now (state and dead-letter topics).

    State must not silently come back empty: with ``must_exist`` a topic whose metadata does not
    show up within ``wait`` seconds raises TimeoutError instead of yielding nothing.
    """
    try:
        follower = TopicFollower(settings, name, wait if must_exist else 2.0)
    except TimeoutError:
        if must_exist:
            raise
        return
    try:
        yield from follower.read_to_end()
    finally:
        follower.close()


class TopicFollower:
    """A state topic read from its start and then kept up with, in the caller's own thread.

    Used where every worker of a stage must see every worker's state (the clean stage's
    duplicate signatures): restore with :meth:`read_to_end`, then call :meth:`new_records`
    before each batch.
    """

    def __init__(self, settings: CommonSettings, name: str, wait: float = 30.0) -> None:
        self.name = name
        self._consumer = KafkaConsumer(bootstrap_servers=settings.kafka_bootstrap_servers.split(","),
                                       enable_auto_commit=False, group_id=None,
                                       max_partition_fetch_bytes=MAX_MESSAGE_BYTES + 64 * 1024)
        deadline = time.monotonic() + wait
        while not (found := self._consumer.partitions_for_topic(name)):
            if time.monotonic() > deadline:
                raise TimeoutError(f"topic {name} has no metadata after {wait:.0f}s")
            time.sleep(0.2)
        self._partitions = [TopicPartition(name, p) for p in found]
        self._consumer.assign(self._partitions)
        self._consumer.seek_to_beginning(*self._partitions)

    def read_to_end(self) -> Iterator[ConsumerRecord]:
        """Everything up to the topic's end as of now."""
        ends = self._consumer.end_offsets(self._partitions)
        remaining = {tp for tp in self._partitions if ends[tp] > self._consumer.position(tp)}
        while remaining:
            for tp, records in self._consumer.poll(timeout_ms=1000).items():
                yield from records
                if self._consumer.position(tp) >= ends[tp]:
                    remaining.discard(tp)

    def new_records(self, wait: float = 2.0) -> list[ConsumerRecord]:
        """Everything that arrived since the last call, up to the topic's end as of now.

        Costs one end-offsets request when nothing is new; waits at most ``wait`` seconds.
        """
        ends = self._consumer.end_offsets(self._partitions)
        out: list[ConsumerRecord] = []
        deadline = time.monotonic() + wait
        while any(self._consumer.position(tp) < ends[tp] for tp in self._partitions) and time.monotonic() < deadline:
            out.extend(r for records in self._consumer.poll(timeout_ms=100).values() for r in records)
        return out

    def close(self) -> None:
        self._consumer.close()


# --------------------------------------------------------------------------- dead letters


def dead_letter_for(record: ConsumerRecord, stage: str, exc: BaseException, now: datetime | None = None) -> DeadLetter:
    """Pure: the dead-letter event for a record that ``stage`` could not process."""
    value: bytes = record.value or b""
    key = record.key.decode("utf-8", "replace") if isinstance(record.key, bytes) else record.key
    return DeadLetter(
        stage=stage,
        topic=record.topic,
        partition=record.partition,
        offset=record.offset,
        key=key,
        error_class=type(exc).__name__,
        reason=getattr(exc, "reason", None) or str(exc) or type(exc).__name__,
        payload=value[:PREVIEW_CHARS].decode("utf-8", "replace"),
        payload_b64=base64.b64encode(value).decode("ascii"),
        failed_at=now or datetime.now(UTC),
    )


class BadInputGuard:
    """Stops a stage when the share of bad events in the last ``window`` passes ``limit``.

    A bad deploy (say, a broken decoder) would otherwise shovel every message into the
    dead-letter topic; stopping without committing leaves them in place for the fixed build.
    """

    def __init__(self, limit: float = 0.5, window: int = 200, min_events: int = 50) -> None:
        self.limit, self.min_events = limit, min_events
        self._outcomes: deque[bool] = deque(maxlen=window)

    def observe(self, bad: bool) -> None:
        self._outcomes.append(bad)

    def tripped(self) -> bool:
        n = len(self._outcomes)
        return n >= self.min_events and sum(self._outcomes) / n > self.limit


class TooManyBadEvents(RuntimeError):
    pass


# --------------------------------------------------------------------------- the loop


@dataclass(frozen=True)
class Item(Generic[Out]):
    """An output with the record it came from (for dead letters and logging)."""

    record: ConsumerRecord
    value: Out


#: handle(inputs) -> one result per input: an output, or the InvalidArticle that rejected it
Handle = Callable[[list[In]], list[Out | InvalidArticle]]
#: write(items) -> the items rejected as bad input; raises for outages (retried)
Write = Callable[[list[Item[Out]]], list[tuple[Item[Out], InvalidArticle]]]


def retry(fn: Callable[[], Any], what: str, stop: StopFlag, max_backoff: float = 20.0) -> Any:
    """Call ``fn`` until it succeeds, backing off; raise if asked to stop meanwhile."""
    delay = 0.5
    while True:
        try:
            return fn()
        except InvalidArticle:
            raise
        except Exception as exc:  # an outage: retry, never drop
            metrics.RETRIES.labels(what=what).inc()
            log.warning("%s failed (%s: %s); retrying in %.1fs", what, type(exc).__name__, exc, delay,
                        extra={"error": type(exc).__name__})
            if stop.wait(delay):
                raise
            delay = min(delay * 2, max_backoff)


def topic_writer(producer: KafkaProducer, spec: TopicSpec, key: Callable[[Any], str]) -> Write[Any]:
    """A :data:`Write` that produces each output to ``spec`` and waits for the acks."""

    def write(items: list[Item[Any]]) -> list[tuple[Item[Any], InvalidArticle]]:
        futures = []
        rejected = []
        for item in items:
            try:
                futures.append((item, producer.send(spec.name, key=key(item.value), value=encode(item.value))))
            except MessageSizeTooLargeError as exc:  # refused before sending: bad input, not an outage
                rejected.append((item, InvalidArticle(f"output too large for {spec.name}: {exc}")))
        producer.flush(timeout=60)
        for item, future in futures:
            try:
                future.get(timeout=60)
            except MessageSizeTooLargeError as exc:
                rejected.append((item, InvalidArticle(f"output too large for {spec.name}: {exc}")))
        return rejected

    return write


@dataclass
class _Batch:
    """One polled batch on its way: decoded, transformed, being written, then committed."""

    records: list[ConsumerRecord]
    items: list[Item[Any]]
    bad: list[tuple[ConsumerRecord, BaseException]]
    started: float
    writing: Future[list[tuple[Item[Any], InvalidArticle]]] | None = None


def run_stage(
    *,
    stage: str,
    consumer: KafkaConsumer,
    source: TopicSpec,
    handle: Handle[Any, Any],
    write: Write[Any],
    producer: KafkaProducer,
    dead_letter_topic: str,
    stop: StopFlag,
    guard: BadInputGuard | None = None,
    poll_timeout_ms: int = 500,
    fill_ms: int = 100,
) -> None:
    """Run until ``stop`` is set. Commits a batch's offsets only after its writes are acked.

    A batch is filled for up to ``fill_ms`` after its first record (one poll often returns a
    single partition's few records; fuller batches make fewer, larger bulk and model calls).
    While one batch is being written (a bulk request, a produce waiting for acks) the next one
    is polled and transformed; at most one write is in flight, and batches are committed in
    order, each only once its own write has succeeded.
    """
    guard = guard or BadInputGuard()
    batch_size = int(consumer.config["max_poll_records"])
    in_flight: _Batch | None = None
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"{stage}-write") as writer:
        try:
            while not stop.is_set():
                records = poll_batch(consumer, batch_size, poll_timeout_ms, fill_ms)
                if not records:
                    if in_flight is not None:  # idle: finish what is written so its offsets move
                        finish(stage, in_flight, consumer, producer, dead_letter_topic, stop, guard)
                        in_flight = None
                    continue
                batch = transform(stage, source, handle, records)
                if in_flight is not None:
                    finish(stage, in_flight, consumer, producer, dead_letter_topic, stop, guard)
                    in_flight = None
                if batch.items:
                    items = batch.items
                    batch.writing = writer.submit(retry, lambda: write(items), f"{stage} write", stop)
                in_flight = batch
            if in_flight is not None:  # asked to stop: the last batch still gets written and committed
                finish(stage, in_flight, consumer, producer, dead_letter_topic, stop, guard)
        finally:
            stop.set()  # a failure on this side ends an in-flight write's retries too


def poll_batch(consumer: KafkaConsumer, batch_size: int, poll_timeout_ms: int, fill_ms: int) -> list[ConsumerRecord]:
    records = [r for batch in consumer.poll(timeout_ms=poll_timeout_ms).values() for r in batch]
    if records:
        fill_until = time.monotonic() + fill_ms / 1000
        while len(records) < batch_size and (left := fill_until - time.monotonic()) > 0:
            more = consumer.poll(timeout_ms=int(left * 1000) + 1, max_records=batch_size - len(records))
            records.extend(r for batch in more.values() for r in batch)
    return records


def transform(stage: str, source: TopicSpec, handle: Handle[Any, Any], records: list[ConsumerRecord]) -> _Batch:
    """Decode and run the stage's function; bad input is collected, not raised."""
    started = time.perf_counter()
    metrics.EVENTS_IN.labels(stage=stage).inc(len(records))
    bad: list[tuple[ConsumerRecord, BaseException]] = []
    good: list[tuple[ConsumerRecord, Event]] = []
    for record in records:
        try:
            good.append((record, decode(source, record.value)))
        except InvalidArticle as exc:
            bad.append((record, exc))
    results = handle([event for _, event in good]) if good else []
    items: list[Item[Any]] = []
    for (record, _), result in zip(good, results, strict=True):
        if isinstance(result, InvalidArticle):
            bad.append((record, result))
        else:
            items.append(Item(record, result))
    return _Batch(records, items, bad, started)


def finish(stage: str, batch: _Batch, consumer: KafkaConsumer, producer: KafkaProducer, dead_letter_topic: str,
           stop: StopFlag, guard: BadInputGuard) -> None:
    """Wait for the batch's write, dead-letter what was rejected, then commit its offsets."""
    rejected = batch.writing.result() if batch.writing is not None else []
    bad = batch.bad + [(item.record, exc) for item, exc in rejected]
    written = len(batch.items) - len(rejected)
    for _ in range(written):
        guard.observe(False)
    if bad:
        send_dead_letters(producer, dead_letter_topic, stage, bad, stop)
        for _ in bad:
            guard.observe(True)
    retry(lambda: commit(consumer, batch.records), f"{stage} commit", stop)
    metrics.EVENTS_OUT.labels(stage=stage).inc(written)
    metrics.DEAD_LETTERED.labels(stage=stage).inc(len(bad))
    metrics.BATCH_SECONDS.labels(stage=stage).observe(time.perf_counter() - batch.started)
    metrics.CONSUMER_LAG.labels(stage=stage).set(lag(consumer))
    log.info("%s: batch of %d: %d written, %d dead-lettered", stage, len(batch.records), written, len(bad),
             extra={"stage": stage, "count": len(batch.records)})
    if guard.tripped():
        raise TooManyBadEvents(
            f"{stage}: more than {guard.limit:.0%} of recent events were bad input; stopping so a "
            "broken build does not dead-letter everything (see the dead-letter topic)"
        )


def lag(consumer: KafkaConsumer) -> int:
    """Messages between this consumer's positions and the partitions' ends (as last fetched)."""
    total = 0
    for tp in consumer.assignment():
        high = consumer.highwater(tp)
        if high is not None:
            total += max(0, high - consumer.position(tp))
    return total


def send_dead_letters(producer: KafkaProducer, dead_letter_topic: str, stage: str,
                      bad: list[tuple[ConsumerRecord, BaseException]], stop: StopFlag) -> None:
    def send(letter: DeadLetter) -> Any:
        return producer.send(dead_letter_topic, key=letter.key, value=encode(letter))

    def slim(letter: DeadLetter) -> DeadLetter:
        """Never stall on size: keep the reason and the preview, say the bytes could not be kept."""
        return letter.model_copy(update={"payload_b64": "", "reason": letter.reason + " (original too large to keep)"})

    def send_all() -> None:
        futures = []
        for record, exc in bad:
            letter = dead_letter_for(record, stage, exc)
            log.warning("dead-lettered: %s", letter.reason,
                        extra={"stage": stage, "topic": record.topic, "partition": record.partition,
                               "offset": record.offset, "reason": letter.reason,
                               "article_id": letter.key})
            try:
                futures.append((letter, send(letter)))
            except MessageSizeTooLargeError:  # over the producer's limit: refused before sending
                futures.append((letter, send(slim(letter))))
        producer.flush(timeout=60)
        for letter, future in futures:
            try:
                future.get(timeout=60)
            except MessageSizeTooLargeError:  # over the topic's limit: refused by the broker
                send(slim(letter)).get(timeout=60)

    retry(send_all, f"{stage} dead-letter", stop)


def commit(consumer: KafkaConsumer, records: list[ConsumerRecord]) -> None:
    offsets: dict[TopicPartition, OffsetAndMetadata] = {}
    for r in records:
        tp = TopicPartition(r.topic, r.partition)
        if tp not in offsets or offsets[tp].offset <= r.offset:
            offsets[tp] = OffsetAndMetadata(r.offset + 1, "", -1)
    try:
        consumer.commit(offsets)
    except CommitFailedError as exc:
        # The group rebalanced while we worked: the new owner re-processes the batch, and
        # since every write is an idempotent overwrite that costs time, not correctness.
        log.warning("commit failed after rebalance; batch will be re-processed: %s", exc)

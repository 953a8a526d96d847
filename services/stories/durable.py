"""The stories state written one batch at a time, all or nothing (a Kafka transaction).

Why not plain produces, as clean's dedup state: a batch's records depend on each other. An
article's assignment says it is in story S, and S's record counts it; a stage killed halfway
through a plain write could leave the one without the other, and the restored clusterer would
then count the article twice, or hold an assignment its story does not know. In a transaction
a batch's records become visible together or not at all: the stage restores with
``read_committed`` (:class:`shared.state.CompactedTable`), after :meth:`KafkaProducer.init_transactions`
aborted whatever a killed predecessor left open.

The transactional id also enforces the one-worker rule: a second stories process with the same
topic prefix fences the first, whose next state write fails (ProducerFencedError, exit 1).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from kafka import KafkaProducer
from kafka.errors import InvalidProducerEpochError, KafkaError, ProducerFencedError

from shared.kafka import make_producer
from shared.settings import CommonSettings
from shared.stream.retry import Outage, is_retriable

log = logging.getLogger(__name__)

__all__ = ["SecondWorker", "TransactionalRecords", "state_producer", "transactional_id"]


class SecondWorker(RuntimeError):
    """Another stories process took over the state: this one must not write (it exits 1)."""


def transactional_id(settings: CommonSettings) -> str:
    return f"{settings.topic_prefix}newsflow-stories-state"


def state_producer(settings: CommonSettings) -> KafkaProducer:
    """The state's own producer, its transactions initialised: call before restoring the state, so
    a transaction a killed predecessor left open is aborted (and the restore does not wait on it)."""
    # a transaction outliving its timeout is aborted by the broker, which fences its producer: far
    # above a batch's milliseconds, so only an outage of minutes stops the stage (then restarted)
    producer = make_producer(settings, transactional_id=transactional_id(settings), transaction_timeout_ms=300_000)
    producer.init_transactions()
    return producer


class TransactionalRecords:
    """A :data:`shared.stream.processor.StateWrite`: a batch's records in one transaction.

    A transaction that fails on an outage is not patched up: its producer is dropped and the
    failure raised as an :class:`~shared.stream.retry.Outage`, which the processor retries; the
    retry's new producer (``make``) first aborts whatever the dropped one left open, then writes
    the whole batch again (records are keyed: a repeat overwrites). A fenced producer is not
    retried (:class:`SecondWorker`); anything else is a bug and propagates.
    """

    def __init__(self, producer: KafkaProducer | None, make: Callable[[], KafkaProducer]) -> None:
        self.producer, self.make = producer, make

    def __call__(self, records: list[tuple[str, str, bytes | None]]) -> None:
        if self.producer is None:
            self.producer = self.make()  # an outage here is raised as it is, and retried
        producer = self.producer
        try:
            producer.begin_transaction()
            futures = [producer.send(name, key=key, value=value) for name, key, value in records]
            producer.commit_transaction()  # flushes, then waits for the commit
            for future in futures:
                future.get(timeout=60)
        except (ProducerFencedError, InvalidProducerEpochError) as exc:
            self._drop(producer)
            raise SecondWorker(
                f"the stories state producer ({transactional_id_of(producer)}) was fenced: another stories "
                "process took over the clustering state (the stage runs as exactly one worker, see "
                "docs/ARCHITECTURE.md), or the broker aborted a transaction that outlived its timeout; "
                "stopping without committing") from exc
        except KafkaError as exc:
            self._drop(producer)
            if is_retriable(exc):
                raise Outage(f"stories state transaction failed ({type(exc).__name__}: {exc}); "
                             "retried in a new transaction") from exc
            raise

    def _drop(self, producer: KafkaProducer) -> None:
        self.producer = None
        try:
            producer.close(timeout=0)
        except Exception as exc:  # noqa: BLE001 - it is being replaced either way
            log.warning("closing the failed stories state producer: %s", exc)


def transactional_id_of(producer: KafkaProducer) -> str:
    return str(producer.config.get("transactional_id"))

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

from kafka import KafkaProducer
from kafka.errors import InvalidProducerEpochError, KafkaError, ProducerFencedError

from shared.kafka import make_producer
from shared.settings import CommonSettings

log = logging.getLogger(__name__)

__all__ = ["SecondWorker", "TransactionalRecords", "state_producer", "transactional_id"]


class SecondWorker(RuntimeError):
    """Another stories process took over the state: this one must not write (it exits 1)."""


def transactional_id(settings: CommonSettings) -> str:
    return f"{settings.topic_prefix}newsflow-stories-state"


def state_producer(settings: CommonSettings) -> KafkaProducer:
    """The state's own producer, its transactions initialised: call before restoring the state, so
    a transaction a killed predecessor left open is aborted (and the restore does not wait on it)."""
    producer = make_producer(settings, transactional_id=transactional_id(settings))
    producer.init_transactions()
    return producer


class TransactionalRecords:
    """A :data:`shared.stream.processor.StateWrite`: a batch's records in one transaction.

    Raises what the transaction raised after aborting it: an outage is retried by the caller
    from a new transaction (records are keyed, so a repeat overwrites); a fenced producer is
    not retriable and stops the stage.
    """

    def __init__(self, producer: KafkaProducer) -> None:
        self.producer = producer

    def __call__(self, records: list[tuple[str, str, bytes | None]]) -> None:
        try:
            self.producer.begin_transaction()
            futures = [self.producer.send(name, key=key, value=value) for name, key, value in records]
            self.producer.commit_transaction()  # flushes, then waits for the commit
            for future in futures:
                future.get(timeout=60)
        except (ProducerFencedError, InvalidProducerEpochError) as exc:
            raise SecondWorker(f"another stories process ({transactional_id_of(self.producer)}) took over the "
                               "clustering state; the stage runs as exactly one worker (docs/ARCHITECTURE.md): "
                               "this one stops without committing") from exc
        except BaseException:
            try:
                self.producer.abort_transaction()
            except KafkaError as exc:  # fenced, or the broker away: the original error tells more
                log.warning("aborting the stories state transaction failed: %s", exc)
            raise


def transactional_id_of(producer: KafkaProducer) -> str:
    return str(producer.config.get("transactional_id"))

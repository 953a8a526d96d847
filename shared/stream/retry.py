"""Retrying outages, and only outages: the explicit list of what counts as one.

Bad input is never retried (it is a dead letter); a bug is never retried (it is a crash with a
traceback). What is left is the broker, Elasticsearch or the network being away for a while.
Retries use tenacity (Apache-2.0): exponential backoff, a log line per attempt, a metric.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from threading import Event
from typing import Any, TypeVar

import elasticsearch
from kafka import errors as kafka_errors
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_delay,
    stop_never,
    wait_exponential,
)

from shared import metrics

log = logging.getLogger(__name__)
T = TypeVar("T")


class Outage(RuntimeError):
    """Raised by a writer for a failure that is not bad input: 429, 5xx, no answer."""


class Stopped(RuntimeError):
    """A retry gave up because the service was asked to stop (nothing was committed)."""


#: Exceptions that mean "the other side is away", retried with backoff.
RETRIABLE: tuple[type[BaseException], ...] = (
    Outage,
    ConnectionError,  # the builtin: refused, reset, broken pipe
    TimeoutError,
    kafka_errors.RetriableError,  # kafka-python's own base: timeouts, no connection, node not ready
    kafka_errors.RequestTimedOutError,
    kafka_errors.NotLeaderForPartitionError,
    kafka_errors.LeaderNotAvailableError,
    kafka_errors.CoordinatorNotAvailableError,
    kafka_errors.NotCoordinatorError,
    kafka_errors.NotEnoughReplicasError,
    kafka_errors.NotEnoughReplicasAfterAppendError,
    kafka_errors.UnknownTopicOrPartitionError,
    elasticsearch.ConnectionError,
    elasticsearch.ConnectionTimeout,
)
#: Elasticsearch answers that mean "later", not "never": too many requests, and the server's own failures.
RETRIABLE_HTTP_STATUS = frozenset({429, *range(500, 600)})


def is_retriable(exc: BaseException) -> bool:
    if isinstance(exc, RETRIABLE):
        return True
    if isinstance(exc, kafka_errors.KafkaError) and getattr(exc, "retriable", False):
        return True  # broker answers marked retriable by the protocol (leader moved, and so on)
    if isinstance(exc, elasticsearch.ApiError):
        return exc.meta.status in RETRIABLE_HTTP_STATUS
    return False


def call_with_retries(fn: Callable[[], T], what: str, stop: Event | Sequence[Event], *,
                      give_up_after: float | None = None, first_backoff: float = 0.5,
                      max_backoff: float = 20.0) -> T:
    """Call ``fn`` until it succeeds, retrying :func:`is_retriable` failures with backoff.

    Raises :class:`Stopped` once ``stop`` (or any of several flags) is set, the last outage once ``give_up_after``
    seconds have passed (setup: a bounded time, then a clear exit), and anything that is not
    an outage at once.
    """

    def before_sleep(state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        metrics.RETRIES.labels(what=what).inc()
        delay = state.next_action.sleep if state.next_action else 0.0
        log.warning("%s failed (%s: %s); retrying in %.1fs", what, type(exc).__name__, exc, delay,
                    extra={"error": type(exc).__name__})

    flags = [stop] if isinstance(stop, Event) else list(stop)

    def sleep(seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not any(flag.is_set() for flag in flags):
            left = deadline - time.monotonic()
            if left <= 0:
                return
            flags[0].wait(min(left, 0.2))
        raise Stopped(f"{what}: asked to stop during an outage")

    retrying = Retrying(
        retry=retry_if_exception(is_retriable),
        wait=wait_exponential(multiplier=first_backoff, max=max_backoff),
        stop=stop_after_delay(give_up_after) if give_up_after is not None else stop_never,
        before_sleep=before_sleep,
        sleep=sleep,
        reraise=True,
    )
    result: Any = retrying(fn)
    return result

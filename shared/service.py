"""Wiring shared by the stream stages: signals, topics, consumer, producer, metrics, the loop."""

from __future__ import annotations

import logging
import signal
import sys
from collections.abc import Callable
from threading import Event as StopFlag
from typing import Any

from kafka import KafkaProducer

from shared import metrics
from shared.kafka import (
    BadInputGuard,
    Handle,
    TooManyBadEvents,
    Write,
    ensure_topics,
    make_consumer,
    make_producer,
    retry,
    run_stage,
    topic,
)
from shared.settings import CommonSettings, StageSettings
from shared.topics import DEAD_LETTER, TopicSpec

log = logging.getLogger(__name__)


def group_for(settings: CommonSettings, stage: str) -> str:
    """The stage's consumer group; a topic prefix (tests, benchmarks) gets groups of its own."""
    return f"{settings.topic_prefix}newsflow-{stage}"


def stop_on_signals() -> StopFlag:
    stop = StopFlag()

    def handler(signum: int, _frame: Any) -> None:
        log.info("signal %d: finishing the current batch, then stopping", signum)
        stop.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
    return stop


def run_stream_stage(
    *,
    stage: str,
    settings: StageSettings,
    source: TopicSpec,
    make_handle: Callable[[KafkaProducer], Handle[Any, Any]],
    make_write: Callable[[KafkaProducer], Write[Any]],
    group_id: str | None = None,
) -> int:
    """Run one stage until SIGTERM. Returns the process exit code."""
    stop = stop_on_signals()
    metrics.serve(settings.metrics_port, settings.metrics_host)
    if settings.create_topics:
        retry(lambda: ensure_topics(settings), f"{stage} topics", stop)
    # load models and check the sink before joining the group, so no rebalance waits on it;
    # a sink that is down at start (Elasticsearch not up yet) is an outage: retried
    producer = make_producer(settings)
    handle = retry(lambda: make_handle(producer), f"{stage} setup", stop)
    consumer = make_consumer(settings, group_id or group_for(settings, stage), [topic(settings, source).name],
                             max_poll_records=settings.batch_size)
    log.info("%s: consuming %s", stage, topic(settings, source).name, extra={"stage": stage})
    try:
        run_stage(stage=stage, consumer=consumer, source=source, handle=handle, write=make_write(producer),
                  producer=producer, dead_letter_topic=topic(settings, DEAD_LETTER).name, stop=stop,
                  guard=BadInputGuard(limit=settings.bad_limit))
        return 0
    except TooManyBadEvents as exc:
        log.error(str(exc), extra={"stage": stage})
        return 3
    except Exception:
        if stop.is_set():
            return 0
        log.exception("%s: stopping on an unexpected error; uncommitted work will be redone", stage)
        return 1
    finally:
        consumer.close(autocommit=False)
        producer.close(timeout=10)


def exit_with(code: int) -> None:
    sys.exit(code)

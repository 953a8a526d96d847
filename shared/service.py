"""Bootstrap of a stream stage: signals, settings, clients, the chain of steps, exit codes.

Exit codes, the same for every stage (the local supervisor and compose's ``on-failure``
restart policy act on them):

* 0: asked to stop (SIGTERM/SIGINT); the last written batch was committed.
* 1: an unexpected error (a bug): its traceback is logged; nothing unwritten was committed.
* 2: start-up could not reach Kafka or Elasticsearch within ``setup_timeout`` seconds.
* 3: the guard saw too many contract violations (a broken producer upstream).
"""

from __future__ import annotations

import logging
import signal
import sys
from collections.abc import Callable
from threading import Event
from typing import Any

from kafka import KafkaProducer

from shared import metrics
from shared.kafka import ensure_topics, make_consumer, make_producer, topic
from shared.settings import CommonSettings, StageSettings
from shared.stream.dead_letters import SendDeadLetters
from shared.stream.guard import BadInputGuard, TooManyBadEvents
from shared.stream.processor import StateWrite, StreamProcessor
from shared.stream.retry import Stopped, call_with_retries, is_retriable
from shared.stream.steps import Decode, Step, Write
from shared.topics import DEAD_LETTER, TopicSpec

log = logging.getLogger(__name__)

EXIT_STOPPED, EXIT_CRASHED, EXIT_SETUP_FAILED, EXIT_GUARD = 0, 1, 2, 3


class SetupFailed(RuntimeError):
    pass


def group_for(settings: CommonSettings, stage: str) -> str:
    """The stage's consumer group; a topic prefix (tests, benchmarks) gets groups of its own."""
    return f"{settings.topic_prefix}newsflow-{stage}"


def stop_on_signals() -> Event:
    """A flag set by SIGTERM/SIGINT, and by nothing else: it means only "asked to stop"."""
    stop = Event()

    def handler(signum: int, _frame: Any) -> None:
        log.info("signal %d: finishing the current batch, then stopping", signum)
        stop.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
    return stop


def set_up(fn: Callable[[], Any], what: str, settings: StageSettings, stop: Event) -> Any:
    """Start-up step retried through outages for ``setup_timeout`` seconds, then SetupFailed."""
    try:
        return call_with_retries(fn, what, stop, give_up_after=settings.setup_timeout)
    except Exception as exc:
        if is_retriable(exc):
            raise SetupFailed(f"{what}: Kafka or Elasticsearch still unreachable after "
                              f"{settings.setup_timeout:.0f}s ({type(exc).__name__}: {exc})") from exc
        raise


def run_stream_stage(
    *,
    stage: str,
    settings: StageSettings,
    source: TopicSpec,
    make_steps: Callable[[KafkaProducer], list[Step]],
    make_write: Callable[[KafkaProducer], Write],
    make_state_write: Callable[[KafkaProducer], StateWrite] | None = None,
    group_id: str | None = None,
) -> int:
    """Compose the stage's steps and run them until asked to stop. Returns the exit code.

    ``make_steps`` builds what runs between decode and write (the stage's function as a
    :class:`~shared.stream.steps.Transform`, then any stage-specific step); it runs once, after
    the topics exist and before the consumer joins its group (models loaded, state restored).
    """
    stop = stop_on_signals()
    try:
        run_steps(stage=stage, settings=settings, source=source, make_steps=make_steps, make_write=make_write,
                  make_state_write=make_state_write, group_id=group_id, stop=stop)
        return EXIT_STOPPED
    except Stopped:
        log.info("%s: asked to stop during start-up", stage)
        return EXIT_STOPPED
    except SetupFailed as exc:
        log.error("%s: giving up: %s", stage, exc, extra={"stage": stage})
        return EXIT_SETUP_FAILED
    except TooManyBadEvents as exc:
        log.error(str(exc), extra={"stage": stage})
        return EXIT_GUARD
    except Exception:
        log.exception("%s: crashed on an unexpected error; nothing unwritten was committed", stage,
                      extra={"stage": stage})
        return EXIT_CRASHED


def run_steps(*, stage: str, settings: StageSettings, source: TopicSpec,
              make_steps: Callable[[KafkaProducer], list[Step]], make_write: Callable[[KafkaProducer], Write],
              make_state_write: Callable[[KafkaProducer], StateWrite] | None, group_id: str | None,
              stop: Event) -> None:
    metrics.serve(settings.metrics_port, settings.metrics_host)
    if settings.create_topics:
        set_up(lambda: ensure_topics(settings), f"{stage} topics", settings, stop)
    producer = set_up(lambda: make_producer(settings), f"{stage} producer", settings, stop)
    consumer = None
    try:
        # models loaded and sinks checked before joining the group, so no rebalance waits on them
        steps = set_up(lambda: make_steps(producer), f"{stage} setup", settings, stop)
        name = topic(settings, source).name
        consumer = set_up(lambda: make_consumer(settings, group_id or group_for(settings, stage), [name],
                                                max_poll_records=settings.batch_size),
                          f"{stage} consumer", settings, stop)
        log.info("%s: consuming %s", stage, name, extra={"stage": stage})
        StreamProcessor(
            stage=stage, consumer=consumer, stop=stop, batch_size=settings.batch_size,
            decode=Decode(source), steps=steps, write=make_write(producer),
            state_write=make_state_write(producer) if make_state_write else None,
            dead_letters=SendDeadLetters(producer, topic(settings, DEAD_LETTER).name, stage),
            guard=BadInputGuard(limit=settings.bad_limit),
        ).run()
    finally:
        close(consumer, producer)


def close(consumer: Any, producer: KafkaProducer) -> None:
    """Close the clients; a failure here (the broker gone) is logged, never the exit code."""
    for what, fn in (("consumer", lambda: consumer and consumer.close(autocommit=False)),
                     ("producer", lambda: producer.close(timeout=10))):
        try:
            fn()
        except Exception as exc:  # noqa: BLE001 - the process is ending either way
            log.warning("closing the %s failed: %s", what, exc)


def exit_with(code: int) -> None:
    sys.exit(code)

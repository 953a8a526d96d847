"""The stream steps composed on the real broker: the same scenarios as the in-memory unit tests."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from shared.kafka import ensure_topics, make_consumer, make_producer, topic
from shared.settings import CommonSettings
from shared.stream.dead_letters import SendDeadLetters
from shared.stream.guard import BadInputGuard
from shared.stream.processor import StreamProcessor
from shared.stream.produce import ProduceTo
from shared.stream.steps import Decode, Transform, Write
from shared.topics import DEAD_LETTER, RAW, TopicSpec
from tests import stream_cases as cases
from tests.integration.helpers import committed_total, read_topic


class KafkaRig:
    def __init__(self, settings: CommonSettings) -> None:
        self.settings = settings
        ensure_topics(settings)
        self.producer = make_producer(settings)
        self.group = f"g-{uuid.uuid4().hex[:8]}"
        self._consumers: list[Any] = []

    def topic(self, name: str) -> str:
        return self.settings.topic_prefix + name

    def put(self, value: bytes, key: str | None = None) -> None:
        self.producer.send(self.topic(RAW.name), key=key, value=value).get(timeout=30)

    def output_writer(self, producer: Any) -> Write:
        spec = TopicSpec(self.topic(cases.CLEAN_RAW.name), cases.CLEAN_RAW.model, "test", ("test",))
        return ProduceTo(producer, spec, key=lambda e: e.id)

    def processor(self, write_factory: Callable[[Any], Write], stop: threading.Event,
                  guard: BadInputGuard | None = None) -> StreamProcessor:
        consumer = make_consumer(self.settings, self.group, [topic(self.settings, RAW).name])
        self._consumers.append(consumer)
        return StreamProcessor(stage="test", consumer=consumer, decode=Decode(RAW),
                               steps=[Transform(cases.upper)], write=write_factory(self.producer),
                               dead_letters=SendDeadLetters(self.producer, self.topic(DEAD_LETTER.name), "test"),
                               stop=stop, guard=guard)

    def produced(self, name: str, expect: int) -> list[bytes]:
        return [r.value for r in read_topic(self.settings, name, expect=expect, timeout=30 if expect else 2)]

    def committed(self) -> int:
        return committed_total(self.settings, self.group, self.topic(RAW.name))

    def close(self) -> None:
        for consumer in self._consumers:
            consumer.close(autocommit=False)
        self.producer.close()


@pytest.fixture()
def rig(isolated_env: dict[str, str]) -> Iterator[KafkaRig]:
    r = KafkaRig(CommonSettings())
    yield r
    r.close()


def test_good_bad_and_undecodable(rig: KafkaRig) -> None:
    cases.good_bad_and_undecodable(rig)


def test_outage_pauses_then_resumes(rig: KafkaRig) -> None:
    cases.outage_pauses_then_resumes(rig)


def test_a_bug_is_raised_and_nothing_committed(rig: KafkaRig) -> None:
    cases.bug_in_write_is_raised_uncommitted(rig)


def test_client_rejections_never_trip_the_guard(rig: KafkaRig) -> None:
    cases.client_rejections_never_trip_the_guard(rig)


def test_lone_message_is_not_held(rig: KafkaRig) -> None:
    cases.lone_message_is_not_held(rig)

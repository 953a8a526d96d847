"""The consume -> process -> write -> commit loop against the real broker."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from shared.errors import InvalidArticle
from shared.kafka import ensure_topics, make_consumer, make_producer, run_stage, topic, topic_writer
from shared.models import DeadLetter, RawArticle
from shared.settings import CommonSettings
from shared.topics import CLEAN, DEAD_LETTER, RAW, decode, encode
from tests.integration.helpers import committed_total, read_topic

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def upper(events: list[RawArticle]) -> list[RawArticle | InvalidArticle]:
    return [InvalidArticle("body says reject") if e.body == "reject" else
            e.model_copy(update={"body": (e.body or "").upper()}) for e in events]


def run_in_thread(settings: CommonSettings, write_factory, stop: threading.Event, group: str) -> threading.Thread:  # noqa: ANN001
    producer = make_producer(settings)
    consumer = make_consumer(settings, group, [topic(settings, RAW).name])

    def target() -> None:
        try:
            run_stage(stage="test", consumer=consumer, source=RAW, handle=upper, write=write_factory(producer),
                      producer=producer, dead_letter_topic=topic(settings, DEAD_LETTER).name, stop=stop)
        finally:
            consumer.close(autocommit=False)
            producer.close()

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread


def test_good_bad_and_undecodable_messages(isolated_env: dict[str, str]) -> None:
    settings = CommonSettings()
    ensure_topics(settings)
    raw_topic = topic(settings, RAW).name
    producer = make_producer(settings)
    for i in range(20):
        producer.send(raw_topic, key=f"c-{i}", value=encode(RawArticle(id=f"c-{i}", body=f"text {i}", received_at=NOW)))
    producer.send(raw_topic, key="bad-1", value=b"\xff not json")
    producer.send(raw_topic, key="bad-2", value=encode(RawArticle(id="c-r", body="reject", received_at=NOW)))
    producer.send(raw_topic, key="bad-3", value=b'{"schema_version": 7, "id": "x"}')
    producer.flush()

    stop = threading.Event()
    thread = run_in_thread(settings, lambda p: topic_writer(p, topic(settings, CLEAN), key=lambda e: e.id), stop, "g1")
    outputs = read_topic(settings, topic(settings, CLEAN).name, expect=20)
    letters = read_topic(settings, topic(settings, DEAD_LETTER).name, expect=3)
    stop.set()
    thread.join(timeout=30)

    assert sorted(decode(RAW, r.value).body for r in outputs) == sorted(f"TEXT {i}" for i in range(20))
    reasons = {d.key: d for d in (decode(DEAD_LETTER, r.value) for r in letters)}
    assert set(reasons) == {"bad-1", "bad-2", "bad-3"}
    assert isinstance(reasons["bad-3"], DeadLetter) and "unknown schema_version 7" in reasons["bad-3"].reason
    assert reasons["bad-1"].payload_b64 and reasons["bad-1"].topic == raw_topic and reasons["bad-1"].offset is not None
    assert reasons["bad-2"].reason == "body says reject" and reasons["bad-2"].stage == "test"
    assert committed_total(settings, "g1", raw_topic) == 23


def test_outage_is_retried_and_nothing_dropped(isolated_env: dict[str, str]) -> None:
    settings = CommonSettings()
    ensure_topics(settings)
    producer = make_producer(settings)
    for i in range(5):
        producer.send(topic(settings, RAW).name, value=encode(RawArticle(id=f"c-{i}", body="x", received_at=NOW)))
    producer.flush()
    failures = {"left": 3}

    def flaky_factory(p):  # noqa: ANN001, ANN202
        real = topic_writer(p, topic(settings, CLEAN), key=lambda e: e.id)

        def write(items):  # noqa: ANN001, ANN202
            if failures["left"] > 0:
                failures["left"] -= 1
                raise ConnectionError("simulated outage")
            return real(items)
        return write

    stop = threading.Event()
    thread = run_in_thread(settings, flaky_factory, stop, "g2")
    outputs = read_topic(settings, topic(settings, CLEAN).name, expect=5, timeout=60)
    stop.set()
    thread.join(timeout=30)
    assert failures["left"] == 0
    assert sorted(decode(RAW, r.value).id for r in outputs) == [f"c-{i}" for i in range(5)]
    assert read_topic(settings, topic(settings, DEAD_LETTER).name, expect=0, timeout=2) == []

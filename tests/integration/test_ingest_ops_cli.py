"""`newsflow status` and `newsflow dlq replay` against the real broker (issue 14, item 9)."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest

from newsflow_cli.main import main
from shared.errors import InvalidArticle
from shared.kafka import ensure_topics, make_producer, topic
from shared.models import DeadLetter
from shared.settings import CommonSettings
from shared.stream.dead_letters import SendDeadLetters
from shared.stream.messages import Message
from shared.topics import DEAD_LETTER, RAW, encode
from tests.integration.helpers import read_topic


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as done:
        main(argv)
    assert done.value.code == 0
    return capsys.readouterr().out


def test_status_runs_against_the_broker(isolated_env: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    settings = CommonSettings()
    ensure_topics(settings)
    producer = make_producer(settings)
    for i in range(3):
        producer.send(topic(settings, RAW).name, key=f"k{i}", value=b"{}").get(timeout=30)
    out = run(["status"], capsys)
    clean_line = next(line for line in out.splitlines() if line.startswith("clean"))
    assert clean_line.split()[2] == "3"  # nothing committed by the clean group yet: the whole topic is lag


def test_replay_all_never_resends_earlier_replays_nor_feed_letters(
        isolated_env: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    settings = CommonSettings()
    ensure_topics(settings)
    producer = make_producer(settings)
    raw_topic, dlq_topic = topic(settings, RAW).name, topic(settings, DEAD_LETTER).name
    SendDeadLetters(producer, dlq_topic, "clean")([(Message(raw_topic, 0, 5, b"k-5", b"\xff broken"),
                                                    InvalidArticle("not UTF-8"))])
    feed_letter = DeadLetter(stage="ingest", topic="", source="https://feeds.example/rss.xml", key="item-1",
                             error_class="InvalidArticle", reason="no text", payload="{}",
                             payload_b64=base64.b64encode(b"{}").decode(), failed_at=datetime.now(UTC))
    producer.send(dlq_topic, key="item-1", value=encode(feed_letter)).get(timeout=30)

    first = run(["dlq", "replay"], capsys)
    assert "replayed 0 ->" in first and "skipped 1" in first and "feeds.example" in first
    copies = read_topic(settings, raw_topic, expect=1)
    assert [r.value for r in copies] == [b"\xff broken"]
    # the copy fails again in clean: a new dead letter that points at the copy
    SendDeadLetters(producer, dlq_topic, "clean")([(Message(raw_topic, copies[0].partition, copies[0].offset,
                                                            b"k-5", b"\xff broken"), InvalidArticle("not UTF-8"))])
    second = run(["dlq", "replay"], capsys)
    assert "replayed" not in second  # neither the replayed letter nor the letter of its failed copy
    assert len(read_topic(settings, raw_topic, expect=2, timeout=5)) == 1
    again = run(["dlq", "replay", "0"], capsys)  # named offsets replay on purpose
    assert "replayed 0 ->" in again
    assert run(["status"], capsys).count("dlq-replay") == 0  # replay records are not dead letters

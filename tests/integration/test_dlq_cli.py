"""`newsflow dlq list|show|replay` against the real broker."""

from __future__ import annotations

import pytest

from newsflow_cli.main import main
from shared.errors import InvalidArticle
from shared.kafka import ensure_topics, make_producer, topic
from shared.stream.dead_letters import SendDeadLetters
from shared.stream.messages import Message
from shared.settings import CommonSettings
from shared.topics import DEAD_LETTER, RAW
from tests.integration.helpers import read_topic


def record(value: bytes, offset: int, name: str = "articles.raw") -> Message:
    return Message(name, 0, offset, b"k-%d" % offset, value)


def test_list_show_replay(isolated_env: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    settings = CommonSettings()
    ensure_topics(settings)
    producer = make_producer(settings)
    raw_topic = topic(settings, RAW).name
    bad = [(record(b"\xff broken", 7, raw_topic), InvalidArticle("not UTF-8")),
           (record(b'{"schema_version": 9}', 8, raw_topic), InvalidArticle("unknown schema_version 9"))]
    SendDeadLetters(producer, topic(settings, DEAD_LETTER).name, "clean")(bad)

    with pytest.raises(SystemExit) as done:
        main(["dlq", "list"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert "not UTF-8" in out and "unknown schema_version 9" in out and "2 dead letters" in out

    with pytest.raises(SystemExit):
        main(["dlq", "show", "1"])
    assert '"offset": 8' in capsys.readouterr().out

    with pytest.raises(SystemExit):
        main(["dlq", "replay", "0"])
    replayed = read_topic(settings, raw_topic, expect=1)
    assert [r.value for r in replayed] == [b"\xff broken"] and replayed[0].key == b"k-7"


def test_a_dead_letter_too_large_to_keep_does_not_stall(isolated_env: dict[str, str]) -> None:
    settings = CommonSettings()
    ensure_topics(settings)
    producer = make_producer(settings)
    huge = b"x" * (9 * 1024 * 1024)
    SendDeadLetters(producer, topic(settings, DEAD_LETTER).name, "clean")([(record(huge, 1), InvalidArticle("html too large"))])
    letters = read_topic(settings, topic(settings, DEAD_LETTER).name, expect=1)
    from shared.topics import decode

    letter = decode(DEAD_LETTER, letters[0].value)
    assert letter.payload_b64 == "" and "original too large to keep" in letter.reason  # type: ignore[attr-defined]
    assert len(letter.payload) == 64 * 1024  # type: ignore[attr-defined]

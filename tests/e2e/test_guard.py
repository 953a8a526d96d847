"""No client can stop a stage: refused articles are dead letters that never count toward the guard."""

from __future__ import annotations

from datetime import UTC, datetime

from shared.kafka import make_producer, topic
from shared.models import RawArticle
from shared.settings import CommonSettings
from shared.topics import DEAD_LETTER, RAW, encode
from tests.e2e.conftest import Pipeline, wait_for
from tests.integration.helpers import read_topic


def test_articles_clean_refuses_do_not_stop_it(pipeline: Pipeline) -> None:
    s = CommonSettings()
    producer = make_producer(s)
    now = datetime.now(UTC)
    # valid events (what ingest or a feed could publish) that clean refuses: nothing left after cleaning
    for i in range(160):
        producer.send(topic(s, RAW).name, key=f"r-{i}",
                      value=encode(RawArticle(id=f"r-{i}", title=f"t{i}", html="<p></p>", received_at=now)))
    producer.flush()
    letters = wait_for(lambda: len(read_topic(s, topic(s, DEAD_LETTER).name, expect=160, timeout=5)) >= 160,
                       timeout=180, what="160 dead letters")
    assert letters
    assert all(pipeline.alive().values()), pipeline.alive()  # the guard did not stop clean
    log = (pipeline.log_dir / "clean-0.log").read_text()
    assert "contract" not in log

"""``python -m services.stories`` as a process on the real broker: story ids that survive a
restart (state restored from newsflow.story-state) and a replay of the whole topic; bad records
are dead letters while the stage keeps running."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from kafka import KafkaConsumer
from kafka.errors import KafkaError
from kafka.structs import OffsetAndMetadata, TopicPartition

from deploy.local import services as launcher
from services.stories.durable import SecondWorker, TransactionalRecords, state_producer
from services.stories.logic import StoryClusterer
from services.stories.steps import Cluster, restore
from shared.kafka import ensure_topics, make_producer, topic
from shared.models import DeadLetter, StoriedArticle, StoryState
from shared.service import group_for
from shared.settings import CommonSettings
from shared.state import CompactedTable
from shared.stream.messages import Message
from shared.stream.steps import Batch
from shared.topics import DEAD_LETTER, ENRICHED, STORIED, STORY_STATE, decode, encode
from tests.integration.helpers import read_topic
from tests.stories_cases import enriched, gold_rows

T0 = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(days=1)
STORIES = ("tesla-recall", "db-strike", "iceland-volcano", "ucl-final", "valencia-floods", "macron-madrid")


def retimed(story: str, k: int) -> list[dict[str, Any]]:
    """A gold story's rows moved to start at T0 + 3k hours (relative times kept), so that all the
    stories are open together inside the window."""
    rows = [r for r in gold_rows() if r["story"] == story]
    times = [datetime.fromisoformat(r["published_at"].replace("Z", "+00:00")) for r in rows]
    return [{**r, "published_at": (T0 + timedelta(hours=3 * k) + (t - times[0])).isoformat()}
            for r, t in zip(rows, times, strict=True)]


class StageProcess:
    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log = env, log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = launcher.spawn("stories", self.env, self.log)

    def stop(self) -> int:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout=60)
        self.proc = None
        return code

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def tail(self) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-20:])


@pytest.fixture()
def stage(isolated_env: dict[str, str], tmp_path: Path) -> Iterator[StageProcess]:
    env = {**os.environ, **isolated_env, "NEWSFLOW_STORIES_METRICS_PORT": "0", "NEWSFLOW_LOG_FORMAT": "text"}
    ensure_topics(CommonSettings())
    s = StageProcess(env, tmp_path / "stories.log")
    yield s
    if s.proc is not None and s.proc.poll() is None:
        s.proc.kill()
        s.proc.wait(timeout=30)


def storied(settings: CommonSettings, expect: int, stage: StageProcess, seen: set[tuple[int, int]] | None = None,
            timeout: float = 90) -> list[StoriedArticle]:
    """The messages of articles.storied not in ``seen`` (partition, offset), waiting until there are
    ``expect`` (exactly that many); ``seen`` gets them added."""
    seen = set() if seen is None else seen
    deadline = time.monotonic() + timeout
    out: list[Any] = []
    while time.monotonic() < deadline:
        out = [r for r in read_topic(settings, topic(settings, STORIED).name, expect=len(seen) + expect, timeout=10)
               if (r.partition, r.offset) not in seen]
        if len(out) >= expect or not stage.alive():
            break
    assert len(out) == expect, f"{len(out)} of {expect} new storied messages; stage log:\n{stage.tail()}"
    seen.update((r.partition, r.offset) for r in out)
    return [decode(STORIED, r.value) for r in out]  # type: ignore[misc]


def produce(settings: CommonSettings, rows: list[dict[str, Any]]) -> None:
    producer = make_producer(settings)
    try:
        for row in rows:
            event = enriched(row)
            producer.send(topic(settings, ENRICHED).name, key=event.article.id, value=encode(event))
        producer.flush(timeout=30)
    finally:
        producer.close()


def rewind(settings: CommonSettings, group: str, name: str) -> None:
    """The group's committed offsets back to the start of every partition (the stage stopped)."""
    consumer = KafkaConsumer(bootstrap_servers=settings.kafka_bootstrap_servers, group_id=group,
                             enable_auto_commit=False)
    try:
        partitions = [TopicPartition(name, p) for p in sorted(consumer.partitions_for_topic(name) or ())]
        consumer.assign(partitions)
        consumer.commit({tp: OffsetAndMetadata(0, "", -1) for tp in partitions})
        assert all(consumer.committed(tp) == 0 for tp in partitions)
    finally:
        consumer.close()


def test_restart_and_replay_keep_every_story_id(stage: StageProcess) -> None:
    settings = CommonSettings()
    first_half: list[dict[str, Any]] = []
    second_half: list[dict[str, Any]] = []
    for k, name in enumerate(STORIES):
        rows = retimed(name, k)
        first_half += rows[: len(rows) // 2]
        second_half += rows[len(rows) // 2:]
    gold = {r["id"]: r["story"] for r in first_half + second_half}

    # 1. the first half of each story
    seen: set[tuple[int, int]] = set()
    produce(settings, first_half)
    stage.start()
    out = storied(settings, len(first_half), stage, seen)
    ids = {o.article.id: o.story.id for o in out}
    assert set(ids) == set(gold) & {r["id"] for r in first_half}
    assert len(set(ids.values())) < len(ids) / 2, "articles of one event should mostly share a story"
    assert stage.stop() == 0

    # 2. restarted (state restored from the compacted topic): the second halves join the stories
    # of the first; the first halves, sent again, keep their ids. A clusterer that started empty
    # would give the second halves ids of their own (an id is derived from a story's first article)
    produce(settings, second_half + first_half)
    stage.start()
    later = storied(settings, len(first_half) + len(second_half), stage, seen)
    again = {o.article.id: o.story.id for o in later if o.article.id in ids}
    assert again == ids
    by_story: dict[str, set[str]] = defaultdict(set)
    for article_id, story_id in ids.items():
        by_story[gold[article_id]].add(story_id)
    joined = [o for o in later if o.article.id not in ids and o.story.id in by_story[gold[o.article.id]]]
    assert len(joined) >= 0.6 * len(second_half), f"{len(joined)} of {len(second_half)} joined their story"
    ids.update({o.article.id: o.story.id for o in later})
    summaries = {o.story.id: o.story for o in sorted(later, key=lambda o: o.story.revision)}  # the latest of each
    assert stage.stop() == 0

    # 3. replay: the group's offsets back to the start, every article again: the same story each,
    # and the story's current summary (its count does not grow: no article counted twice)
    rewind(settings, group_for(settings, "stories"), topic(settings, ENRICHED).name)
    stage.start()
    replayed = storied(settings, len(seen), stage, seen)
    assert {o.article.id: o.story.id for o in replayed} == ids
    assert all(o.story == summaries[o.story.id] for o in replayed)
    assert stage.stop() == 0
    # the state topic holds the stories and one assignment per article
    keys = {r.key.decode() for r in read_topic(settings, topic(settings, STORY_STATE).name, expect=1)}
    assert {f"article:{i}" for i in ids} <= keys and {f"story:{s}" for s in ids.values()} <= keys


def test_bad_records_are_dead_letters_and_the_stage_keeps_running(stage: StageProcess) -> None:
    settings = CommonSettings()
    rows = retimed("iceland-volcano", 0)
    producer = make_producer(settings)
    name = topic(settings, ENRICHED).name
    producer.send(name, key="junk", value=b"\xff not json").get(timeout=30)
    blank = enriched({**rows[0], "id": "blank", "title": "", "text": " "})
    producer.send(name, key="blank", value=encode(blank)).get(timeout=30)
    producer.close()
    produce(settings, rows[:1])
    stage.start()
    seen: set[tuple[int, int]] = set()
    (first,) = storied(settings, 1, stage, seen)
    assert first.article.id == rows[0]["id"]
    letters = [decode(DEAD_LETTER, r.value) for r in
               read_topic(settings, topic(settings, DEAD_LETTER).name, expect=2)]
    by_key = {d.key: d for d in letters if isinstance(d, DeadLetter)}
    assert set(by_key) == {"junk", "blank"} and all(d.stage == "stories" for d in by_key.values())
    assert "needs a title or a text" in by_key["blank"].reason
    # still running, and still clustering: the next article of the same event joins its story
    produce(settings, rows[1:2])
    (second,) = storied(settings, 1, stage, seen)
    assert stage.alive(), stage.tail()
    assert second.article.id == rows[1]["id"] and second.story.id == first.story.id
    assert stage.stop() == 0


def test_a_batch_left_half_written_is_not_restored_and_its_writer_is_fenced(isolated_env: dict[str, str]) -> None:
    """The state write is one transaction per batch: what a killed stage left open is aborted
    when the next one starts, so the restore never sees half a batch; the old writer is fenced."""
    settings = CommonSettings()
    ensure_topics(settings)
    name = topic(settings, STORY_STATE).name
    events = [enriched(r) for r in retimed("iceland-volcano", 0)[:4]]
    clusterer = StoryClusterer()
    committed, open_batch = batch_state(clusterer, events[:2], name), batch_state(clusterer, events[2:], name)
    first = state_producer(settings)
    TransactionalRecords(first, lambda: state_producer(settings))(committed)
    first.begin_transaction()  # the next batch, written but never committed: the stage was killed
    for topic_name, key, value in open_batch:
        first.send(topic_name, key=key, value=value)
    first.flush(timeout=30)
    second = state_producer(settings)  # the restarted stage
    table: CompactedTable[StoryState] = CompactedTable(settings, STORY_STATE, lambda m, e: None, read_committed=True)
    restored = restore(table.restore())
    table.close()
    assert {r.key() for r in restored} == {key for _, key, _ in committed}
    assert StoryClusterer.from_records(restored).size == (1, 2)
    with pytest.raises(KafkaError):  # the killed stage's producer, were it still around, is fenced
        first.commit_transaction()
    TransactionalRecords(second, lambda: state_producer(settings))(open_batch)  # the restarted stage writes it again, and it counts
    table = CompactedTable(settings, STORY_STATE, lambda m, e: None, read_committed=True)
    assert StoryClusterer.from_records(restore(table.restore())).size == (1, 4)
    table.close()
    third = state_producer(settings)  # a second worker started beside it: the older one stops, loudly
    with pytest.raises(SecondWorker, match="exactly one worker"):
        TransactionalRecords(second, lambda: state_producer(settings))(open_batch)
    for producer in (first, second, third):
        producer.close(timeout=5)


def batch_state(clusterer: StoryClusterer, events: list[Any], name: str) -> list[tuple[str, str, bytes | None]]:
    batch = Batch(messages=[])
    batch.decoded = [(Message(name, 0, n, None, b"{}"), e) for n, e in enumerate(events)]
    return Cluster(clusterer, name)(batch).state


def test_a_restore_ends_on_an_aborted_batch(isolated_env: dict[str, str]) -> None:
    """A state topic whose last records are an aborted transaction (the stage was killed mid-write
    of its very first batch): read_committed returns none of them, and the restore still ends
    (it once waited forever for the partition's records to reach the end)."""
    settings = CommonSettings()
    ensure_topics(settings)
    name = topic(settings, STORY_STATE).name
    killed = state_producer(settings)
    killed.begin_transaction()
    for topic_name, key, value in batch_state(StoryClusterer(), [enriched(r) for r in retimed("ucl-final", 0)[:3]],
                                              name):
        killed.send(topic_name, key=key, value=value)
    killed.flush(timeout=30)
    restarted = state_producer(settings)  # aborts it
    result: list[Any] = []

    def read() -> None:
        table: CompactedTable[StoryState] = CompactedTable(settings, STORY_STATE, lambda m, e: None,
                                                           read_committed=True)
        result.append(restore(table.restore()))
        table.close()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout=60)
    assert not reader.is_alive(), "the restore never reached the end of the state topic"
    assert result == [[]]
    assert len(read_topic(settings, name, expect=3)) >= 3  # the aborted records are there, unread
    for producer in (killed, restarted):
        producer.close(timeout=5)

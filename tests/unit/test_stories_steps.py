"""The stories stage's Cluster step, alone and composed on the in-memory broker (real Kafka:
tests/integration/test_stories_stage.py)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from kafka.structs import TopicPartition

from services.stories.logic import ClusterSettings, StoryArticle, StoryClusterer
from services.stories.steps import Cluster, restore
from services.stories.summary import recent_count, summarize, top
from shared.limits import STORY_WINDOW
from shared.models import StoriedArticle, StoryRecord, StoryState
from shared.stream.dead_letters import SendDeadLetters
from shared.stream.memory import MemoryBroker, MemoryConsumer, MemoryProducer
from shared.stream.messages import Message
from shared.stream.processor import StreamProcessor
from shared.stream.produce import ProduceRecords, ProduceTo
from shared.stream.steps import Batch, Decode
from shared.topics import DEAD_LETTER, ENRICHED, STORIED, STORY_STATE, decode, encode
from tests.stories_cases import enriched, expected_ids, gold_rows
from tests.stream_cases import run_until

T0 = datetime(2025, 3, 1, 8, tzinfo=UTC)


def batch_of(*events: object) -> Batch:
    batch = Batch(messages=[])
    batch.decoded = [(Message(ENRICHED.name, 0, n, None, b"{}"), e) for n, e in enumerate(events)]
    return batch


def state_table(broker: MemoryBroker) -> list[tuple[str, StoryState | None]]:
    """The state topic as CompactedTable.restore reads it: (key, decoded value or None)."""
    out: list[tuple[str, StoryState | None]] = []
    for r in broker.logs[TopicPartition(STORY_STATE.name, 0)]:
        key = r.key.decode() if isinstance(r.key, bytes) else str(r.key)
        out.append((key, None if r.value is None else decode(STORY_STATE, r.value)))  # type: ignore[arg-type]
    return out


# --------------------------------------------------------------------------- the step alone


def test_each_article_gets_its_story_and_the_state_records_to_write() -> None:
    events = [enriched(r) for r in gold_rows()[:60]]
    clusterer = StoryClusterer()
    batch = Cluster(clusterer, STORY_STATE.name)(batch_of(*events))
    assert batch.bad == [] and len(batch.items) == 60
    outputs = [item.value for item in batch.items]
    assert all(isinstance(o, StoriedArticle) for o in outputs)
    assert {o.article.id: o.story.id for o in outputs} == expected_ids(events)
    assert [o.article for o in outputs] == [e.article for e in events]  # the article itself is untouched
    # state: every key once (its last value), an assignment per article and a record per story
    # touched, tombstones for those that left the window within the batch (these rows span weeks)
    keys = [key for _, key, _ in batch.state]
    assert len(keys) == len(set(keys))
    assert {k for k in keys if k.startswith("article:")} == {f"article:{e.article.id}" for e in events}
    assert {k for k in keys if k.startswith("story:")} == {f"story:{o.story.id}" for o in outputs}
    live = {key: value for _, key, value in batch.state if value is not None}
    assert 0 < len(live) < len(keys)
    assert set(live) == {r.key() for r in clusterer.records()}
    # each live value is the clusterer's record as it stands (a story: as of its last article)
    now = {r.key(): r for r in clusterer.records()}
    for key, value in live.items():
        state = decode(STORY_STATE, value)
        assert isinstance(state, StoryState)
        assert (state.story or state.assignment) == now[key]
    assert all(name == STORY_STATE.name for name, _, _ in batch.state)


def test_a_refused_article_is_a_dead_letter_and_the_rest_go_on() -> None:
    rows = gold_rows()[:3]
    blank = enriched({**rows[1], "title": "", "text": "  "})
    long_title = enriched({**rows[2], "id": "long", "title": "x" * 5000})
    batch = Cluster(StoryClusterer(), STORY_STATE.name)(batch_of(enriched(rows[0]), blank, long_title))
    assert [item.value.article.id for item in batch.items] == [rows[0]["id"]]
    reasons = [exc.reason for _, exc in batch.bad]
    assert len(reasons) == 2 and "needs a title or a text" in reasons[0] and "title longer" in reasons[1]
    assert {key for _, key, _ in batch.state} == {f"article:{rows[0]['id']}", f"story:{batch.items[0].value.story.id}"}


def test_a_reprocessed_article_gets_its_story_and_the_current_summary_and_writes_nothing() -> None:
    rows = [r for r in gold_rows() if r["story"] == "boeing-door"][:4]
    step = Cluster(StoryClusterer(), STORY_STATE.name)
    first = step(batch_of(*[enriched(r) for r in rows]))
    story = first.items[0].value.story
    assert {i.value.story.id for i in first.items} == {story.id}, "the gold story's first articles join one story"
    again = step(batch_of(enriched(rows[0])))
    (item,) = again.items
    assert item.value.story.id == story.id and item.value.story.article_count == len(rows)
    assert item.value.story == first.items[-1].value.story  # the story's current summary, not the first one
    assert again.state == []


def test_keys_that_left_the_window_get_tombstones_and_restore_drops_them() -> None:
    rows = gold_rows()
    step = Cluster(StoryClusterer(ClusterSettings(window=timedelta(days=3))), STORY_STATE.name)
    early = step(batch_of(enriched(rows[0])))
    early_story = early.items[0].value.story.id
    later = step(batch_of(enriched({**rows[1], "id": "later", "published_at": "2025-01-20T00:00:00Z"})))
    tombstones = {key for _, key, value in later.state if value is None}
    assert tombstones == {f"story:{early_story}", f"article:{rows[0]['id']}"}
    table = [(k, None if v is None else decode(STORY_STATE, v)) for _, k, v in early.state + later.state]
    live = restore(table)  # type: ignore[arg-type]
    assert {r.key() for r in live} == {key for _, key, value in later.state if value is not None}


def test_summary_counts_actors_places_topics_and_recent_articles() -> None:
    base = gold_rows()[0]
    clusterer = StoryClusterer()
    step = Cluster(clusterer, STORY_STATE.name)
    # the same event, named the same way: hours apart, then 30 hours later
    events = [
        enriched({**base, "id": "a1", "published_at": "2025-03-01T08:00:00Z"}, actors=("Alaska Airlines", "FAA"),
                 places=("Portland",), topics=("aviation",)),
        enriched({**base, "id": "a2", "published_at": "2025-03-01T09:30:00Z"}, actors=("FAA", "FAA"),
                 places=("Portland", "Oregon"), topics=("aviation", "safety")),
        enriched({**base, "id": "a3", "published_at": "2025-03-02T16:00:00Z"}, actors=("Boeing", "FAA"),
                 places=("Oregon",), topics=("aviation",)),
    ]
    outputs = [i.value for i in step(batch_of(*events)).items]
    assert len({o.story.id for o in outputs}) == 1
    s = outputs[-1].story
    assert s.revision == s.article_count == 3
    assert s.actors[0] == "FAA" and set(s.actors) == {"FAA", "Alaska Airlines", "Boeing"}
    assert s.places == ["Oregon", "Portland"]  # 2 each: ties in name order
    assert s.topics == ["aviation", "safety"]
    assert s.first_seen == T0 and s.last_seen == datetime(2025, 3, 2, 16, tzinfo=UTC)
    assert s.recent_count == 1  # the two on 1 March are more than 24 h before the last one
    assert [o.story.recent_count for o in outputs] == [1, 2, 1]
    (record,) = [r for r in clusterer.records() if isinstance(r, StoryRecord)]
    assert record.actors == {"Alaska Airlines": 1, "FAA": 3, "Boeing": 1}  # once per article
    assert record.hours == {"2025-03-01T08": 1, "2025-03-01T09": 1, "2025-03-02T16": 1}


def test_summary_helpers() -> None:
    assert top({"b": 2, "a": 2, "c": 5, "d": 1}, 3) == ["c", "a", "b"]
    last = datetime(2025, 3, 2, 7, 59, tzinfo=UTC)
    # 24 hourly buckets ending with the last one's hour: 2025-03-01T08 .. 2025-03-02T07
    assert recent_count({"2025-03-01T07": 5, "2025-03-01T08": 2, "2025-03-02T07": 1}, last) == 3
    record = StoryClusterer().assign_with_changes(StoryArticle(id="x", title="Volcano erupts", published_at=T0)).story
    assert record is not None and summarize(record).model_dump() == {
        "id": record.story_id, "revision": 1, "title": "Volcano erupts", "first_seen": T0, "last_seen": T0,
        "article_count": 1, "sources": [], "languages": [], "actors": [], "places": [], "topics": [], "recent_count": 1}


# --------------------------------------------------------------------------- composed, on the in-memory broker


class Stage:
    """The stage's composition (services.stories.__main__) on the in-memory broker."""

    def __init__(self, broker: MemoryBroker, clusterer: StoryClusterer, group: str = "g") -> None:
        self.broker, self.group = broker, group
        producer = MemoryProducer(broker)
        self.stop = threading.Event()
        self.processor = StreamProcessor(
            stage="stories", consumer=MemoryConsumer(broker, group, [ENRICHED.name]), decode=Decode(ENRICHED),
            steps=[Cluster(clusterer, STORY_STATE.name)],
            write=ProduceTo(producer, STORIED, key=lambda a: a.article.id), state_write=ProduceRecords(producer),
            dead_letters=SendDeadLetters(producer, DEAD_LETTER.name, "stories"), stop=self.stop,
            poll_timeout_ms=10, fill_ms=5, batch_size=16)

    def run_until_committed(self, total: int) -> None:
        done = lambda: sum(self.broker.committed[self.group].values()) >= total  # noqa: E731
        assert run_until(self.processor, self.stop, done) is None
        assert sum(self.broker.committed[self.group].values()) == total


def final_summary(outputs: list[StoriedArticle], story_id: str) -> object:
    return [o.story for o in outputs if o.story.id == story_id][-1]


def storied(broker: MemoryBroker) -> list[StoriedArticle]:
    return [decode(STORIED, v) for v in broker.values(STORIED.name) if v is not None]  # type: ignore[misc]


@pytest.mark.parametrize("window", [STORY_WINDOW, timedelta(days=400)], ids=["window", "all-in-window"])
def test_restart_from_the_state_topic_and_replay_give_the_same_story_ids(window: timedelta) -> None:
    """These rows span months: with the default window stories close and are tombstoned on the way."""
    settings = ClusterSettings(window=window)
    events = [enriched(r) for r in gold_rows()[:120]]
    expected = expected_ids(events, settings)
    broker = MemoryBroker()
    for e in events[:70]:
        broker.append(ENRICHED.name, encode(e), e.article.id)
    Stage(broker, StoryClusterer(settings)).run_until_committed(70)
    # stopped; the rest arrives; a new stage restored from the state topic carries on
    for e in events[70:]:
        broker.append(ENRICHED.name, encode(e), e.article.id)
    restored = StoryClusterer.from_records(restore(state_table(broker)), settings)
    Stage(broker, restored).run_until_committed(120)
    got = {o.article.id: o.story.id for o in storied(broker)}
    assert got == expected
    # a clusterer not restored would have split the stories that began before the restart
    fresh = StoryClusterer(settings)
    assert {e.article.id: fresh.assign(StoryArticle.from_enriched(e)) for e in events[70:]} != {
        k: expected[k] for k in got if k in {e.article.id for e in events[70:]}}
    # replay: the group's offsets back to the start, a restored stage again: the same ids, no new state
    state_before = len(broker.logs[TopicPartition(STORY_STATE.name, 0)])
    broker.committed["g"].clear()
    Stage(broker, StoryClusterer.from_records(restore(state_table(broker)), settings)).run_until_committed(120)
    replayed = storied(broker)[120:]
    assert len(replayed) == 120 and {o.article.id: o.story.id for o in replayed} == expected
    if window > timedelta(days=365):  # every article still remembered: the replay changes no state
        assert len(broker.logs[TopicPartition(STORY_STATE.name, 0)]) == state_before
        assert [o.story for o in replayed] == [final_summary(storied(broker)[:120], o.story.id) for o in replayed]


def test_undecodable_and_refused_messages_are_dead_letters_and_the_stage_goes_on() -> None:
    rows = gold_rows()[:5]
    broker = MemoryBroker()
    broker.append(ENRICHED.name, encode(enriched(rows[0])), "a")
    broker.append(ENRICHED.name, b"\xff not json", "junk")
    broker.append(ENRICHED.name, encode(enriched({**rows[1], "title": "", "text": ""})), rows[1]["id"])
    for r in rows[2:]:
        broker.append(ENRICHED.name, encode(enriched(r)), r["id"])
    Stage(broker, StoryClusterer()).run_until_committed(6)
    assert [o.article.id for o in storied(broker)] == [rows[0]["id"], *(r["id"] for r in rows[2:])]
    letters = [decode(DEAD_LETTER, v) for v in broker.values(DEAD_LETTER.name) if v is not None]
    assert [(d.key, d.stage) for d in letters] == [("junk", "stories"), (rows[1]["id"], "stories")]  # type: ignore[attr-defined]
    assert "needs a title or a text" in letters[1].reason  # type: ignore[attr-defined]

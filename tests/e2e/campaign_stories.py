"""The fault campaign's story figures: every indexed article's ``story_id`` against a clean replay.

The reference is :class:`services.stories.logic.StoryClusterer` (exactly the stage's function)
started empty and fed the enriched articles in the order the stage made its durable decisions:
the order of the first assignment record of each article in ``newsflow.story-state`` (one
partition, so one order). A stage killed mid-stream restores what was durable and goes on from
there, so a correct pipeline gives every article the very id of that replay, whatever was
killed and however often. What a broken one does (a clusterer not restored, a replayed article
re-clustered, a copy not following its original, an article indexed before the stories stage
ran) shows in one of the figures below.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from kafka import KafkaConsumer
from kafka.structs import TopicPartition

from services.stories.logic import StoryArticle, StoryClusterer
from shared.kafka import topic
from shared.models import EnrichedArticle, StoryState
from shared.settings import CommonSettings
from shared.topics import ENRICHED, STORY_STATE, decode


@dataclass(frozen=True)
class StoryFigures:
    """Each 0 when the stories stage kept its promise through the faults."""

    without_story: int  # indexed articles with no story_id
    unlike_replay: int  # indexed articles whose story_id differs from the clean replay's
    copies_apart: int  # syndicated copies indexed in another story than their original

    def note(self) -> str:
        return (f"stories: {self.without_story} indexed without story_id, {self.unlike_replay} unlike a clean "
                f"replay through StoryClusterer, {self.copies_apart} copies in another story than their original")


def read_all(settings: CommonSettings, name: str, timeout: float = 120) -> list[Any]:
    """Every committed record of ``name`` up to its end as of now, partition by partition, in offset
    order (read_committed: a batch of state a killed stage left in an open transaction was aborted
    and never restored, so it is no decision)."""
    consumer = KafkaConsumer(bootstrap_servers=settings.kafka_bootstrap_servers, group_id=None,
                             enable_auto_commit=False, auto_offset_reset="earliest", isolation_level="read_committed")
    try:
        partitions = [TopicPartition(name, p) for p in sorted(consumer.partitions_for_topic(name) or ())]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        ends = consumer.end_offsets(partitions)
        out: dict[TopicPartition, list[Any]] = {tp: [] for tp in partitions}
        deadline = time.monotonic() + timeout
        while any(consumer.position(tp) < ends[tp] for tp in partitions):
            assert time.monotonic() < deadline, f"could not read {name} to its end in {timeout:.0f}s"
            for tp, records in consumer.poll(timeout_ms=500).items():
                out[tp].extend(r for r in records if r.offset < ends[tp])
        return [r for tp in partitions for r in out[tp]]
    finally:
        consumer.close()


def decision_order(settings: CommonSettings) -> list[str]:
    """Article ids in the order of their first assignment record in the story-state topic."""
    seen: dict[str, None] = {}
    for record in read_all(settings, topic(settings, STORY_STATE).name):
        if not record.value:
            continue
        state = decode(STORY_STATE, record.value)
        if isinstance(state, StoryState) and state.assignment is not None:
            seen.setdefault(state.assignment.article_id, None)
    return list(seen)


def enriched_articles(settings: CommonSettings) -> dict[str, EnrichedArticle]:
    """The first enriched event of each article id (a copy delivered twice is the same event)."""
    out: dict[str, EnrichedArticle] = {}
    for record in read_all(settings, topic(settings, ENRICHED).name):
        event = decode(ENRICHED, record.value)
        if isinstance(event, EnrichedArticle):
            out.setdefault(event.article.id, event)
    return out


def clean_replay(order: list[str], events: dict[str, EnrichedArticle]) -> dict[str, str]:
    """article id -> story id from an empty clusterer fed ``events`` in ``order``."""
    clusterer = StoryClusterer()
    return {i: clusterer.assign(StoryArticle.from_enriched(events[i])) for i in order if i in events}


def count_story_figures(story_ids: dict[str, str | None], copies: dict[str, str],
                        replay: dict[str, str]) -> StoryFigures:
    """``story_ids``: indexed article id -> its story_id; ``copies``: copy id -> original id."""
    without = sum(1 for s in story_ids.values() if not s)
    unlike = sum(1 for i, s in story_ids.items() if s and replay.get(i) != s)
    apart = sum(1 for c, o in copies.items() if c in story_ids and o in story_ids
                and story_ids[c] != story_ids[o])
    return StoryFigures(without, unlike, apart)


def story_figures(settings: CommonSettings, story_ids: dict[str, str | None], copies: dict[str, str]) -> StoryFigures:
    return count_story_figures(story_ids, copies, clean_replay(decision_order(settings), enriched_articles(settings)))

"""Entry point: ``python -m services.stories``: articles.enriched -> articles.storied.

The chain: decode -> cluster (:class:`services.stories.steps.Cluster`: each article joins an
open story or starts one; its clusterer restored from the compacted topic
``newsflow.story-state`` before the stage joins its group) -> state records (story and
assignment records, tombstones for what left the window) written in one Kafka transaction per
batch (:mod:`services.stories.durable`) -> produce to articles.storied -> dead letters -> commit.

ONE worker: the clustering is one sequential decision over the whole stream (which story an
article joins depends on every article before it), so two workers on two halves of the
partitions would each hold half the stories and split events apart. A second worker is
refused by the launchers; on Kubernetes the Deployment has one replica and the Recreate
strategy; and a second process would fence the first's state transactions (see
docs/ARCHITECTURE.md).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from kafka import KafkaProducer
from pydantic import Field

from services.stories.durable import TransactionalRecords, state_producer
from services.stories.logic import ClusterSettings, StoryClusterer
from services.stories.steps import Cluster, restore
from shared.kafka import topic
from shared.limits import STORY_WINDOW
from shared.logs import setup_logging
from shared.models import StoryState
from shared.service import exit_with, run_stream_stage
from shared.settings import StageSettings, metrics_port_setting
from shared.state import CompactedTable, dead_letter_poison
from shared.stream.processor import StateWrite
from shared.stream.produce import ProduceTo
from shared.stream.steps import Step
from shared.topics import ENRICHED, STORIED, STORY_STATE

log = logging.getLogger(__name__)


class StoriesSettings(StageSettings, env_prefix="NEWSFLOW_STORIES_"):
    """Stories service settings (env prefix NEWSFLOW_STORIES_)."""

    batch_size: int = Field(default=64, description="Messages per poll")
    metrics_port: int = metrics_port_setting(9105)
    window_hours: float = Field(default=STORY_WINDOW.total_seconds() / 3600, gt=0,
                                description="Hours a story stays open after its last article (event time); "
                                            "older stories and assignments leave the state")


def clusterer(settings: StoriesSettings) -> StoryClusterer:
    """The clusterer with its state restored from the compacted topic (the one poison policy:
    an unreadable record is dead-lettered and restoring goes on)."""
    table: CompactedTable[StoryState] = CompactedTable(settings, STORY_STATE, dead_letter_poison(settings, "stories"),
                                                       read_committed=True)
    try:
        records = restore(table.restore())
    finally:
        table.close()
    restored = StoryClusterer.from_records(records, ClusterSettings(window=timedelta(hours=settings.window_hours)))
    stories, assignments = restored.size
    log.info("stories restored: %d open stories, %d assignments from %s", stories, assignments,
             topic(settings, STORY_STATE).name)
    return restored


class Wiring:
    """The steps and the state write, sharing the state's transactional producer."""

    def __init__(self, settings: StoriesSettings) -> None:
        self.settings = settings
        self.state: KafkaProducer | None = None

    def steps(self, _producer: KafkaProducer) -> list[Step]:
        """Before the stage joins its group: transactions initialised (a killed predecessor's
        open one aborted), then the clusterer restored from what was committed."""
        if self.state is not None:  # a retried start-up
            self.state.close(timeout=5)
        self.state = state_producer(self.settings)
        return [Cluster(clusterer(self.settings), topic(self.settings, STORY_STATE).name)]

    def state_write(self, _producer: KafkaProducer) -> StateWrite:
        assert self.state is not None, "steps() runs first"
        return TransactionalRecords(self.state, lambda: state_producer(self.settings))


def main() -> None:
    settings = StoriesSettings()
    setup_logging(settings.log_level, settings.log_format)
    wiring = Wiring(settings)
    exit_with(run_stream_stage(
        stage="stories", settings=settings, source=ENRICHED, make_steps=wiring.steps,
        make_write=lambda producer: ProduceTo(producer, topic(settings, STORIED), key=lambda a: a.article.id),
        make_state_write=wiring.state_write,
    ))


if __name__ == "__main__":
    main()

"""Entry point: ``python -m services.clean``: articles.raw -> articles.clean.

The chain: decode -> clean (:func:`services.clean.steps.clean_batch`) -> deduplicate
(:class:`services.clean.steps.Deduplicate`, state in the compacted topic
``newsflow.dedup-state``, restored before the stage joins its group and followed before every
batch, so every clean worker knows every worker's originals) -> produce to articles.clean ->
dead letters -> commit.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from kafka import KafkaProducer
from pydantic import Field

from services.clean.dedup import DuplicateDetector
from services.clean.steps import Deduplicate, clean_batch
from shared.kafka import topic
from shared.logs import setup_logging
from shared.models import DedupEntry
from shared.service import exit_with, run_stream_stage
from shared.settings import StageSettings, metrics_port_setting
from shared.state import CompactedTable, dead_letter_poison
from shared.stream.produce import ProduceRecords, ProduceTo
from shared.stream.steps import Step, Transform
from shared.topics import CLEAN, DEDUP_STATE, RAW

log = logging.getLogger(__name__)


class CleanSettings(StageSettings, env_prefix="NEWSFLOW_CLEAN_"):
    """Clean service settings (env prefix NEWSFLOW_CLEAN_)."""

    batch_size: int = Field(default=64, description="Messages per poll")
    metrics_port: int = metrics_port_setting(9101)
    duplicate_threshold: float = Field(default=0.3, description="MinHash Jaccard at which a text is a near-duplicate")
    duplicate_window: int = Field(default=200_000, description="Originals remembered for duplicate checks")


def deduplicate(settings: CleanSettings) -> Deduplicate:
    """The dedup step with its state restored from the compacted topic."""
    detector = DuplicateDetector(threshold=settings.duplicate_threshold, max_entries=settings.duplicate_window)
    table: CompactedTable[DedupEntry] = CompactedTable(settings, DEDUP_STATE, dead_letter_poison(settings, "clean"))
    restored = 0
    for key, entry in table.restore():
        if entry is None:
            detector.remove(key)
        else:
            detector.add_entry(entry.model_dump())
            restored += 1
    log.info("duplicate detector restored %d originals from %s", restored, topic(settings, DEDUP_STATE).name)

    def learn() -> list[DedupEntry]:
        return [entry for _, entry in table.updates() if entry is not None]

    return Deduplicate(detector, topic(settings, DEDUP_STATE).name, learn)


def steps(settings: CleanSettings) -> Callable[[KafkaProducer], list[Step]]:
    return lambda _producer: [Transform(clean_batch), deduplicate(settings)]


def main() -> None:
    settings = CleanSettings()
    setup_logging(settings.log_level, settings.log_format)
    exit_with(run_stream_stage(
        stage="clean", settings=settings, source=RAW, make_steps=steps(settings),
        make_write=lambda producer: ProduceTo(producer, topic(settings, CLEAN), key=lambda a: a.id),
        make_state_write=ProduceRecords,
    ))


if __name__ == "__main__":
    main()

"""Entry point: ``python -m services.clean``: articles.raw -> articles.clean.

Near-duplicate detection keeps its memory in the compacted topic ``newsflow.dedup-state``:
each original's signature is produced there in the same flush as the clean article, the
detector is rebuilt from it at start (a restart forgets nothing), and every worker keeps
reading it, so an original seen by one clean worker is known to the others from their next
batch on.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from kafka import KafkaProducer
from pydantic import Field
from pydantic_settings import SettingsConfigDict

from services.clean.dedup import DuplicateDetector
from services.clean.logic import clean
from shared.errors import InvalidArticle
from shared.kafka import TopicFollower, topic, topic_writer
from shared.logs import setup_logging
from shared.models import CleanArticle, RawArticle
from shared.service import exit_with, run_stream_stage
from shared.settings import StageSettings
from shared.topics import CLEAN, DEDUP_STATE, RAW

log = logging.getLogger(__name__)


class CleanSettings(StageSettings):
    """Clean service settings (env prefix NEWSFLOW_CLEAN_)."""

    model_config = SettingsConfigDict(env_prefix="NEWSFLOW_CLEAN_", frozen=True, extra="ignore")
    batch_size: int = Field(default=64, description="Messages per poll")
    metrics_port: int = Field(default=9101, description="Prometheus /metrics port (0: off)")
    duplicate_threshold: float = Field(default=0.3, description="MinHash Jaccard at which a text is a near-duplicate")
    duplicate_window: int = Field(default=200_000, description="Originals remembered for duplicate checks")


Remember = Callable[[str, dict[str, Any]], None]


def clean_and_dedup(detector: DuplicateDetector, remember: Remember,
                    events: list[RawArticle]) -> list[CleanArticle | InvalidArticle]:
    results: list[CleanArticle | InvalidArticle] = []
    for raw in events:
        try:
            article = clean(raw)
        except InvalidArticle as exc:
            results.append(exc)
            continue
        text = f"{article.title}\n\n{article.body}"
        original = detector.check_and_add(article.id, article.canonical_url, article.content_hash, text)
        if original is None:
            remember(article.id, detector.entry_for(article.id, article.canonical_url, article.content_hash, text))
        else:
            article = article.model_copy(update={"duplicate_of": original})
        results.append(article)
    return results


def main() -> None:
    settings = CleanSettings()
    setup_logging(settings.log_level, settings.log_format)
    state_topic = topic(settings, DEDUP_STATE).name

    def make_handle(producer: KafkaProducer):  # noqa: ANN202
        detector = DuplicateDetector(threshold=settings.duplicate_threshold, max_entries=settings.duplicate_window)
        state = TopicFollower(settings, state_topic)
        restored = 0
        for record in state.read_to_end():
            if record.value:
                detector.add_entry(json.loads(record.value))
                restored += 1
        log.info("duplicate detector restored %d originals from %s", restored, state_topic)

        def learn_from_other_workers() -> None:
            """Originals other clean workers saw since the last batch (ours come back too: harmless)."""
            for record in state.new_records():
                if record.value:
                    detector.add_entry(json.loads(record.value))

        def remember(article_id: str, entry: dict[str, Any]) -> None:
            # flushed (and acknowledged) together with the batch's outputs, before the commit
            producer.send(state_topic, key=article_id, value=json.dumps(entry).encode())

        def handle(events: list[RawArticle]) -> list[CleanArticle | InvalidArticle]:
            learn_from_other_workers()
            return clean_and_dedup(detector, remember, events)

        return handle

    exit_with(run_stream_stage(
        stage="clean", settings=settings, source=RAW, make_handle=make_handle,
        make_write=lambda producer: topic_writer(producer, topic(settings, CLEAN), key=lambda a: a.id),
    ))


if __name__ == "__main__":
    main()

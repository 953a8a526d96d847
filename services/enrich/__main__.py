"""Entry point: ``python -m services.enrich``: articles.clean -> articles.enriched (spaCy in batches)."""

from __future__ import annotations

import logging

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from services.enrich.logic import Enricher
from shared.alias_store import LiveRegistry
from shared.errors import InvalidArticle
from shared.kafka import topic, topic_writer
from shared.logs import setup_logging
from shared.models import CleanArticle, EnrichedArticle
from shared.service import exit_with, run_stream_stage
from shared.settings import StageSettings
from shared.topics import CLEAN, ENRICHED

log = logging.getLogger(__name__)


class EnrichSettings(StageSettings):
    """Enrich service settings (env prefix NEWSFLOW_ENRICH_)."""

    model_config = SettingsConfigDict(env_prefix="NEWSFLOW_ENRICH_", frozen=True, extra="ignore")
    batch_size: int = Field(default=32, description="Articles per nlp.pipe batch")
    metrics_port: int = Field(default=9102, description="Prometheus /metrics port (0: off)")
    alias_refresh_seconds: float = Field(default=15.0, description="How often to look for alias corrections")


def make_handle(settings: EnrichSettings):  # noqa: ANN201
    live = LiveRegistry(settings, settings.alias_refresh_seconds)
    enricher = Enricher(registry=live.registry)

    def current() -> Enricher:
        """Operators' alias corrections apply from the next batch on."""
        nonlocal enricher
        if live.refresh_if_due():
            enricher = Enricher(registry=live.registry, nlp=enricher.nlp)
            log.info("alias corrections reloaded")
        return enricher

    def handle(events: list[CleanArticle]) -> list[EnrichedArticle | InvalidArticle]:
        enricher = current()
        try:
            return list(enricher.enrich_batch(events))
        except InvalidArticle:
            pass  # isolate the bad one(s): redo one by one
        results: list[EnrichedArticle | InvalidArticle] = []
        for event in events:
            try:
                results.extend(enricher.enrich_batch([event]))
            except InvalidArticle as exc:
                results.append(exc)
        return results

    return handle


def main() -> None:
    settings = EnrichSettings()
    setup_logging(settings.log_level, settings.log_format)
    exit_with(run_stream_stage(
        stage="enrich", settings=settings, source=CLEAN, make_handle=lambda _producer: make_handle(settings),
        make_write=lambda producer: topic_writer(producer, topic(settings, ENRICHED), key=lambda e: e.article.id),
    ))


if __name__ == "__main__":
    main()

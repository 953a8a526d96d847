"""Entry point: ``python -m services.enrich``: articles.clean -> articles.enriched (spaCy in batches)."""

from __future__ import annotations

import logging

from pydantic import Field

from services.enrich.logic import ENRICHMENT_VERSION, Enricher
from services.enrich.reuse import ReuseOriginals
from shared.alias_store import LiveRegistry
from shared.kafka import topic
from shared.logs import setup_logging
from shared.models import CleanArticle, EnrichedArticle
from shared.service import exit_with, run_stream_stage
from shared.stream.produce import ProduceTo
from shared.stream.steps import Transform
from shared.settings import StageSettings, metrics_port_setting
from shared.topics import CLEAN, ENRICHED

log = logging.getLogger(__name__)


class EnrichSettings(StageSettings, env_prefix="NEWSFLOW_ENRICH_"):
    """Enrich service settings (env prefix NEWSFLOW_ENRICH_)."""

    batch_size: int = Field(default=32, description="Articles per nlp.pipe batch")
    metrics_port: int = metrics_port_setting(9102)
    alias_refresh_seconds: float = Field(default=15.0, description="How often to look for alias corrections")
    reuse_originals: int = Field(default=2000, description="Recent originals kept so their copies skip the model "
                                                             "(0: every copy is analysed)")


def make_handle(settings: EnrichSettings):  # noqa: ANN201
    live = LiveRegistry(settings, settings.alias_refresh_seconds, stage="enrich")
    enricher = Enricher(registry=live.registry, batch_size=settings.batch_size)
    version = live.version

    def analyse(events: list[CleanArticle]) -> list[EnrichedArticle]:
        """The model's part; operators' alias corrections apply from the next batch on."""
        nonlocal enricher, version
        if live.version != version:
            enricher = Enricher(registry=live.registry, nlp=enricher.nlp, batch_size=settings.batch_size)
            version = live.version
            log.info("alias corrections reloaded")
        return list(enricher.enrich_batch(events))

    # the stage function over a batch: copies of recent originals skip the model. A rejection
    # raises for the whole batch; the Transform step then isolates the bad one(s).
    return ReuseOriginals(analyse, ENRICHMENT_VERSION, settings.reuse_originals) if settings.reuse_originals else analyse


def main() -> None:
    settings = EnrichSettings()
    setup_logging(settings.log_level, settings.log_format)
    exit_with(run_stream_stage(
        stage="enrich", settings=settings, source=CLEAN,
        make_steps=lambda _producer: [Transform(make_handle(settings))],
        make_write=lambda producer: ProduceTo(producer, topic(settings, ENRICHED), key=lambda e: e.article.id),
    ))


if __name__ == "__main__":
    main()

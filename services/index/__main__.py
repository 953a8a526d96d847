"""Entry point: ``python -m services.index``: articles.enriched -> Elasticsearch (alias ``articles``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from services.index.logic import index
from services.index.writer import bulk_write
from shared.es import ensure_index, make_client
from shared.logs import setup_logging
from shared.models import EnrichedArticle
from shared.service import exit_with, run_stream_stage
from shared.settings import StageSettings
from shared.stream.steps import Step, Transform
from shared.topics import ENRICHED


class IndexSettings(StageSettings):
    """Index service settings (env prefix NEWSFLOW_INDEX_)."""

    model_config = SettingsConfigDict(env_prefix="NEWSFLOW_INDEX_", frozen=True, extra="ignore")
    batch_size: int = Field(default=200, description="Documents per bulk request")
    metrics_port: int = Field(default=9103, description="Prometheus /metrics port (0: off)")


def main() -> None:
    settings = IndexSettings()
    setup_logging(settings.log_level, settings.log_format)
    es = make_client(settings)

    def handle(events: list[EnrichedArticle]) -> list[dict[str, Any]]:
        """The stage function over a batch: each article as its Elasticsearch document."""
        now = datetime.now(UTC)
        return [index(e, now) for e in events]

    def steps(_producer: object) -> list[Step]:
        ensure_index(es, settings.index_alias, settings.index_replicas)  # an outage here is retried
        return [Transform(handle)]

    exit_with(run_stream_stage(
        stage="index", settings=settings, source=ENRICHED, make_steps=steps,
        make_write=lambda _producer: lambda items: bulk_write(es, settings.index_alias, items),
    ))


if __name__ == "__main__":
    main()

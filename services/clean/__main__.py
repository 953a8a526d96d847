"""Entry point: ``python -m services.clean``: articles.raw -> articles.clean."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from services.clean.logic import clean
from shared.errors import InvalidArticle
from shared.kafka import topic, topic_writer
from shared.logs import setup_logging
from shared.models import CleanArticle, RawArticle
from shared.service import exit_with, run_stream_stage
from shared.settings import CommonSettings
from shared.topics import CLEAN, RAW


class CleanSettings(CommonSettings):
    """Clean service settings (env prefix NEWSFLOW_CLEAN_)."""

    model_config = SettingsConfigDict(env_prefix="NEWSFLOW_CLEAN_", frozen=True, extra="ignore")
    batch_size: int = Field(default=64, description="Messages per poll")
    metrics_port: int = Field(default=9101, description="Prometheus /metrics port (0: off)")
    bad_limit: float = Field(default=0.5, description="Stop when this share of recent events is bad")


def clean_all(events: list[RawArticle]) -> list[CleanArticle | InvalidArticle]:
    results: list[CleanArticle | InvalidArticle] = []
    for raw in events:
        try:
            results.append(clean(raw))
        except InvalidArticle as exc:
            results.append(exc)
    return results


def main() -> None:
    settings = CleanSettings()
    setup_logging(settings.log_level, settings.log_format)
    exit_with(run_stream_stage(
        stage="clean", settings=settings, source=RAW, make_handle=lambda: clean_all,
        make_write=lambda producer: topic_writer(producer, topic(settings, CLEAN), key=lambda a: a.id),
        metrics_port=settings.metrics_port, bad_limit=settings.bad_limit, batch_size=settings.batch_size,
    ))


if __name__ == "__main__":
    main()

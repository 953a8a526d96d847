"""Entry point: ``python -m services.ingest``: the HTTP API (and the feed poller when configured)."""

from __future__ import annotations

import uvicorn

from services.ingest.app import create_app
from services.ingest.settings import IngestSettings
from shared.kafka import ensure_topics, make_producer, topic
from shared.logs import setup_logging
from shared.models import RawArticle
from shared.topics import RAW, encode


def bootstrap(settings: IngestSettings):  # noqa: ANN201 - returns the FastAPI app
    if settings.create_topics:
        ensure_topics(settings)
    producer = make_producer(settings)
    raw_topic = topic(settings, RAW).name

    def publish(raw: RawArticle) -> None:
        producer.send(raw_topic, key=raw.id, value=encode(raw)).get(timeout=30)

    if settings.feeds_file:  # NEWSFLOW_INGEST_FEEDS_FILE: poll feeds in a background thread
        from services.ingest.poller import start_feed_poller

        start_feed_poller(settings, settings.feeds_file, producer, allow_ranges=settings.allowed_ranges())
    return create_app(settings, publish)


def main() -> None:
    settings = IngestSettings()
    setup_logging(settings.log_level, settings.log_format)
    app = bootstrap(settings)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning")


if __name__ == "__main__":
    main()

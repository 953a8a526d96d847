"""Operators' alias corrections: stored durably in Kafka, applied to indexed articles."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient

from newsflow_cli.aliases import reapply
from services.index.logic import index
from services.index.writer import bulk_write
from services.search.app import create_app
from shared.alias_store import LiveRegistry, load_registry, publish
from shared.es import ensure_index, index_name, make_client
from shared.kafka import ensure_topics, make_producer
from shared.stream.messages import Item
from shared.models import Actor, CleanArticle, EnrichedArticle
from shared.settings import CommonSettings

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def test_correction_is_durable_and_reapplied(isolated_env: dict[str, str]) -> None:
    settings = CommonSettings()
    ensure_topics(settings)
    live = LiveRegistry(settings, follow=False)
    assert load_registry(settings).resolve("Zelya") is None and live.resolve("Zelya") is None
    producer = make_producer(settings)
    publish(producer, settings, "Zelya", "Volodymyr Zelensky", "person")
    publish(producer, settings, "Vova", "Vladimir Putin")
    publish(producer, settings, "Vova", None)  # and an operator takes one back
    assert live.refresh() and live.resolve("Zelya") == "Volodymyr Zelensky"  # a running service follows
    assert not live.refresh()  # nothing new: nothing replaced
    registry = load_registry(settings)  # a fresh process would see the same
    assert registry.resolve("zelya") == "Volodymyr Zelensky" and registry.resolve("Vova") is None

    es = make_client(settings)
    ensure_index(es, settings.index_alias)
    article = CleanArticle(id="c-z", title="Zelya in Brussels", body="Zelya met NATO.", content_hash="h",
                           received_at=NOW)
    doc = index(EnrichedArticle(article=article, enrichment_version="t",
                                actors=[Actor(name="Zelya", type="person")]), NOW)
    bulk_write(es, settings.index_alias, [Item(None, doc)])
    es.indices.refresh(index=settings.index_alias)
    try:
        assert reapply(settings) == 1
        source = es.get(index=settings.index_alias, id="c-z")["_source"]
        assert source["actors"] == ["Volodymyr Zelensky"] and "zelya" in source["actor_keys"]
        assert source["entities"]["actors"][0]["method"] == "alias"
        api = TestClient(create_app(es, settings.index_alias, registry.resolve))
        assert api.get("/search", params={"actor": "Zelenskyy"}).json()["total"] == 1
        assert reapply(settings) == 0  # idempotent
    finally:
        es.indices.delete(index=index_name(settings.index_alias))

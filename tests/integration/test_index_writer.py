"""The index stage's writer against a real Elasticsearch: serialized documents, split bulks, refusals."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from services.index.logic import Document, index_json
from services.index.writer import bulk_write
from shared.es import ensure_index, make_client
from shared.models import CleanArticle, EnrichedArticle
from shared.settings import CommonSettings
from shared.stream.messages import Item

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def doc(i: int) -> Document:
    article = CleanArticle(id=f"c-{i}", title=f"Article {i}", body=f"Body of article {i}. " * 20,
                           content_hash=str(i), received_at=NOW, source="test")
    return index_json(EnrichedArticle(article=article, enrichment_version="t"), NOW)


def test_documents_in_several_requests_with_one_refused(isolated_env: dict[str, str]) -> None:
    settings = CommonSettings()
    es = make_client(settings)
    ensure_index(es, settings.index_alias)
    try:
        docs = [doc(i) for i in range(12)]
        bad_source = {**json.loads(docs[9].source), "published_at": "not-a-date"}
        docs[9] = Document(docs[9].id, json.dumps(bad_source).encode())
        items = [Item(None, d) for d in docs]
        rejected = bulk_write(es, settings.index_alias, items, max_bytes=3 * len(docs[0].source))  # ~4 requests
        assert [(item.value.id, "rejected the document (400)" in exc.reason) for item, exc in rejected] == \
            [("c-9", True)]
        es.indices.refresh(index=settings.index_alias)
        stored = {h["_id"]: h["_source"] for h in
                  es.search(index=settings.index_alias, size=50, query={"match_all": {}})["hits"]["hits"]}
        assert set(stored) == {d.id for d in docs} - {"c-9"}
        assert stored["c-3"] == json.loads(docs[3].source)
        # a second write of the same documents overwrites them: still 11, each at _version 2
        assert bulk_write(es, settings.index_alias, items[:9]) == []
        es.indices.refresh(index=settings.index_alias)
        assert es.count(index=settings.index_alias)["count"] == 11
        assert es.get(index=settings.index_alias, id="c-0")["_version"] == 2
    finally:
        es.options(ignore_status=404).indices.delete(index=f"{settings.index_alias}-v1")

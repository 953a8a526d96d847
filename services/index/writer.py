"""Bulk writes to Elasticsearch, sorting per-document failures into bad input and outages."""

from __future__ import annotations

from typing import Any

from elasticsearch import Elasticsearch, helpers

from shared.errors import InvalidArticle
from shared.stream.messages import Item
from shared.stream.retry import Outage


class ElasticsearchOutage(Outage):
    """429, 5xx or no answer: retry the whole batch later (writes are idempotent overwrites)."""


def bulk_write(es: Elasticsearch, alias: str, items: list[Item[dict[str, Any]]]) -> list[tuple[Item[Any], InvalidArticle]]:
    actions = [{"_op_type": "index", "_index": alias, "_id": item.value["id"], "_source": item.value}
               for item in items]
    _, errors = helpers.bulk(es.options(request_timeout=60), actions, raise_on_error=False,
                             raise_on_exception=True, max_retries=0, stats_only=False)
    by_id = {item.value["id"]: item for item in items}
    rejected: list[tuple[Item[Any], InvalidArticle]] = []
    for error in errors:  # type: ignore[union-attr]
        info = error.get("index", {})
        status = int(info.get("status", 500))
        if status == 429 or status >= 500:
            raise ElasticsearchOutage(f"bulk item failed with {status}: {info.get('error')}")
        reason = info.get("error", {})
        text = reason.get("reason", str(reason)) if isinstance(reason, dict) else str(reason)
        rejected.append((by_id[info["_id"]], InvalidArticle(f"Elasticsearch rejected the document ({status}): {text}")))
    return rejected

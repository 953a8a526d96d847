"""Bulk writes to Elasticsearch, sorting per-document failures into bad input and outages.

One ``_bulk`` request per batch, its body assembled from documents already serialized by
:func:`services.index.logic.index_json` (the client passes bytes through untouched), and an
answer filtered down to the failed items: the stage does no JSON work here beyond the few
bytes of each action line.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from elasticsearch import Elasticsearch

from services.index.logic import Document
from shared.errors import InvalidArticle
from shared.limits import INDEX_MAX_BULK_BYTES
from shared.stream.messages import Item
from shared.stream.retry import Outage

#: Only what tells a failed item apart: a batch that fully succeeded answers ``{"errors": false}``.
_FILTER = ["errors", "items.*._id", "items.*.status", "items.*.error"]


class ElasticsearchOutage(Outage):
    """429, 5xx or no answer: retry the whole batch later (writes are idempotent overwrites)."""


def _document(value: Document | dict[str, Any]) -> Document:
    if isinstance(value, Document):
        return value
    return Document(value["id"], json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode())


def bulk_bodies(alias: str, docs: list[Document], max_bytes: int = INDEX_MAX_BULK_BYTES) -> list[bytes]:
    """NDJSON bodies of ``_bulk`` requests indexing ``docs`` under their ids (overwrites), each
    under ``max_bytes`` unless one document alone is larger (Elasticsearch then says so)."""
    index = json.dumps(alias)
    bodies: list[bytes] = []
    lines: list[bytes] = []
    size = 0
    for doc in docs:
        action = f'{{"index":{{"_index":{index},"_id":{json.dumps(doc.id)}}}}}'.encode()
        grown = len(action) + len(doc.source) + 2
        if lines and size + grown > max_bytes:
            bodies.append(b"\n".join([*lines, b""]))
            lines, size = [], 0
        lines += (action, doc.source)
        size += grown
    if lines:
        bodies.append(b"\n".join([*lines, b""]))
    return bodies


def bulk_write(es: Elasticsearch, alias: str, items: Sequence[Item[Any]],
               max_bytes: int = INDEX_MAX_BULK_BYTES) -> list[tuple[Item[Any], InvalidArticle]]:
    """Index each item's document (a :class:`Document`, or a dict as :func:`index` gives).

    Returns the items Elasticsearch refused with their reason (bad input: dead letters).
    Raises :class:`ElasticsearchOutage` when any item failed with 429 or 5xx, and lets the
    client's own errors (no connection, a 429/5xx for the whole request) propagate: both are
    retried by the stream's writer, which is safe because every write is an overwrite.
    """
    if not items:
        return []
    docs = [_document(item.value) for item in items]
    by_id: dict[str, Item[Any]] = {doc.id: item for doc, item in zip(docs, items)}
    client = es.options(request_timeout=60)
    failed = []
    for body in bulk_bodies(alias, docs, max_bytes):
        # bytes go through the client's NDJSON serializer untouched (its stubs only name dicts)
        resp = client.bulk(operations=body, filter_path=_FILTER)  # type: ignore[arg-type]
        if resp.get("errors"):
            failed += resp.get("items", [])
    rejected: list[tuple[Item[Any], InvalidArticle]] = []
    for entry in failed:
        info = entry.get("index", {})
        status = int(info.get("status", 500))
        if status < 300:
            continue
        if status == 429 or status >= 500:
            raise ElasticsearchOutage(f"bulk item failed with {status}: {info.get('error')}")
        reason = info.get("error", {})
        text = reason.get("reason", str(reason)) if isinstance(reason, dict) else str(reason)
        rejected.append((by_id[info["_id"]], InvalidArticle(f"Elasticsearch rejected the document ({status}): {text}")))
    return rejected

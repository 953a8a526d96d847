"""Bulk writes to Elasticsearch, sorting per-document failures into bad input and outages.

One ``_bulk`` request per batch (split only when too big), its body assembled from documents
already serialized by :func:`services.index.logic.index_json` (the client passes bytes through
untouched), and an answer filtered down to each item's status: the stage does no JSON work here
beyond the few bytes of each action line.

The same request writes the batch's story documents to the stories index (alias
:func:`shared.es.stories_alias`): one per story, its highest revision in the batch, with
``version_type=external_gte`` and ``version=revision``. Elasticsearch keeps a document only if
its version is at least the stored one, so out-of-order and replayed writes end with the newest
summary; the 409 an older summary gets is that rule working, counted as written.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from elasticsearch import Elasticsearch

from services.index.logic import Document, StoryDocument
from shared.errors import InvalidArticle
from shared.es import stories_alias
from shared.limits import INDEX_MAX_BULK_BYTES
from shared.stream.messages import Item
from shared.stream.retry import Outage

#: Each item's status (in request order) and, for a failed one, its error.
_FILTER = ["errors", "items.*.status", "items.*.error"]
#: What an older story summary gets from external_gte versioning: already superseded, not a failure.
_VERSION_CONFLICT = 409

#: What a line pair of a bulk body writes: the article at this position in the batch, or a story.
Target = int | StoryDocument


class ElasticsearchOutage(Outage):
    """429, 5xx or no answer: retry the whole batch later (writes are idempotent overwrites)."""


def _document(value: Document | dict[str, Any]) -> Document:
    if isinstance(value, Document):
        return value
    return Document(value["id"], json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode())


def latest_stories(docs: Sequence[Document]) -> list[StoryDocument]:
    """Each story carried by ``docs`` once, at its highest revision (first appearance order)."""
    latest: dict[str, StoryDocument] = {}
    for doc in docs:
        story = doc.story
        if story is not None and (story.id not in latest or latest[story.id].revision < story.revision):
            latest[story.id] = story
    return list(latest.values())


def bulk_requests(alias: str, docs: Sequence[Document], max_bytes: int = INDEX_MAX_BULK_BYTES
                  ) -> list[tuple[bytes, list[Target]]]:
    """NDJSON bodies of ``_bulk`` requests indexing ``docs`` under their ids (overwrites), then
    their stories (external versions), each under ``max_bytes`` unless one document alone is
    larger (Elasticsearch then says so); with each body, what its line pairs write, in order."""
    index, stories = json.dumps(alias), json.dumps(stories_alias(alias))
    pairs: list[tuple[bytes, bytes, Target]] = [
        (f'{{"index":{{"_index":{index},"_id":{json.dumps(doc.id)}}}}}'.encode(), doc.source, k)
        for k, doc in enumerate(docs)]
    pairs += [(f'{{"index":{{"_index":{stories},"_id":{json.dumps(s.id)},"version":{s.revision:d},'
               f'"version_type":"external_gte"}}}}'.encode(), s.source, s) for s in latest_stories(docs)]
    requests: list[tuple[bytes, list[Target]]] = []
    lines: list[bytes] = []
    targets: list[Target] = []
    size = 0
    for action, source, target in pairs:
        grown = len(action) + len(source) + 2
        if lines and size + grown > max_bytes:
            requests.append((b"\n".join([*lines, b""]), targets))
            lines, targets, size = [], [], 0
        lines += (action, source)
        targets.append(target)
        size += grown
    if lines:
        requests.append((b"\n".join([*lines, b""]), targets))
    return requests


def bulk_bodies(alias: str, docs: Sequence[Document], max_bytes: int = INDEX_MAX_BULK_BYTES) -> list[bytes]:
    """The bodies of :func:`bulk_requests`."""
    return [body for body, _ in bulk_requests(alias, docs, max_bytes)]


def _reason(info: dict[str, Any]) -> str:
    reason = info.get("error", {})
    return reason.get("reason", str(reason)) if isinstance(reason, dict) else str(reason)


def bulk_write(es: Elasticsearch, alias: str, items: Sequence[Item[Any]],
               max_bytes: int = INDEX_MAX_BULK_BYTES) -> list[tuple[Item[Any], InvalidArticle]]:
    """Index each item's document (a :class:`Document`, or a dict as :func:`index` gives) and
    the newest summary of each story the documents carry.

    Returns the items Elasticsearch refused with their reason (bad input: dead letters); a
    refused story document (other than the 409 of an older revision) dead-letters the item that
    carried it. Raises :class:`ElasticsearchOutage` when any item failed with 429 or 5xx, and
    lets the client's own errors (no connection, a 429/5xx for the whole request) propagate:
    both are retried by the stream's writer, which is safe because every write is an overwrite
    (and a story at the same revision is rewritten, at an older one refused).
    """
    if not items:
        return []
    docs = [_document(item.value) for item in items]
    carrier = {doc.story: k for k, doc in enumerate(docs) if doc.story is not None}
    client = es.options(request_timeout=60)
    refused: dict[int, InvalidArticle] = {}
    for body, targets in bulk_requests(alias, docs, max_bytes):
        # bytes go through the client's NDJSON serializer untouched (its stubs only name dicts)
        resp = client.bulk(operations=body, filter_path=_FILTER)  # type: ignore[arg-type]
        if not resp.get("errors"):
            continue
        for target, entry in zip(targets, resp.get("items", []), strict=True):
            info = entry.get("index", {})
            status = int(info.get("status", 500))
            if status < 300 or (status == _VERSION_CONFLICT and isinstance(target, StoryDocument)):
                continue
            if status == 429 or status >= 500:
                raise ElasticsearchOutage(f"bulk item failed with {status}: {info.get('error')}")
            if isinstance(target, StoryDocument):
                refused.setdefault(carrier[target], InvalidArticle(
                    f"Elasticsearch rejected the story document {target.id} ({status}): {_reason(info)}"))
            else:
                refused[target] = InvalidArticle(f"Elasticsearch rejected the document ({status}): {_reason(info)}")
    return [(items[k], refused[k]) for k in sorted(refused)]

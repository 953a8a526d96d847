"""Elasticsearch at the edge: the client, the index mapping, and the versioned index behind an alias.

The mapping only uses what a bare Elasticsearch server has (the integ-test-zip has no
analysis-common plugin): the standard analyzer, the lowercase normalizer, keyword, date,
geo_point. Accent folding and name canonicalisation happen in the pipeline, which writes
folded ``*_keys`` fields that the search service matches against folded user input.
"""

from __future__ import annotations

import logging
from typing import Any

from elasticsearch import Elasticsearch, helpers

from shared.settings import CommonSettings

log = logging.getLogger(__name__)

#: bump when the mapping changes; the index stage creates ``<alias>-v<N>`` and moves the alias
MAPPING_VERSION = 2  # 2: story_id

_KEYWORD = {"type": "keyword"}
_FOLDED = {"type": "keyword", "normalizer": "folded"}
_STORED_ONLY = {"type": "object", "enabled": False}

#: How soon a written document is searchable. Elasticsearch's default (1 s, and none at all on a
#: shard nobody searched for 30 s, until the next search waits for one) was the largest fixed wait
#: between a 202 and the article being found; a refresh with nothing new written costs nothing, and
#: at this index's write rates a segment per 250 ms is far below what merging absorbs.
REFRESH_INTERVAL = "250ms"

INDEX_BODY: dict[str, Any] = {
    "settings": {
        "number_of_shards": 1,
        "number_of_replicas": 0,
        "refresh_interval": REFRESH_INTERVAL,
        "analysis": {
            "normalizer": {"folded": {"type": "custom", "filter": ["lowercase"]}},
            "analyzer": {
                # standard tokenizer + lowercase; phrase queries use positions
                "body_text": {"type": "standard", "stopwords": "_none_"},
            },
        },
    },
    "mappings": {
        "dynamic": "strict",
        "properties": {
            "id": _KEYWORD,
            "url": {"type": "keyword", "ignore_above": 2048},
            "canonical_url": {"type": "keyword", "ignore_above": 2048},
            "title": {"type": "text", "analyzer": "body_text",
                      "fields": {"raw": {"type": "keyword", "ignore_above": 512}}},
            "body": {"type": "text", "analyzer": "body_text"},
            "published_at": {"type": "date"},
            "published_at_source": _KEYWORD,
            "received_at": {"type": "date"},
            "indexed_at": {"type": "date"},
            "source": _KEYWORD,
            "language": _KEYWORD,
            "author": {"type": "keyword", "ignore_above": 256},
            "content_hash": _KEYWORD,
            "duplicate_of": _KEYWORD,
            "story_id": _KEYWORD,
            "actors": _KEYWORD,
            "actor_types": _KEYWORD,
            "persons": _KEYWORD,
            "organisations": _KEYWORD,
            "actor_keys": _FOLDED,
            "places": _KEYWORD,
            "place_keys": _FOLDED,
            "countries": _KEYWORD,
            "locations": {"type": "geo_point"},
            "topics": _KEYWORD,
            "topic_ids": _KEYWORD,
            "keywords": _KEYWORD,
            "enrichment_version": _KEYWORD,
            "entities": _STORED_ONLY,
        },
    },
}


#: The ``stories`` index (alias :func:`stories_alias`): one document per story, ``_id`` = story id,
#: written by the index stage from :class:`shared.models.StorySummary` with external versions.
STORIES_INDEX_BODY: dict[str, Any] = {
    "settings": {
        "number_of_shards": 1,
        "number_of_replicas": 0,
        "refresh_interval": REFRESH_INTERVAL,  # an article's story is shown with it
        "analysis": {"normalizer": {"folded": {"type": "custom", "filter": ["lowercase"]}}},
    },
    "mappings": {
        "dynamic": "strict",
        "properties": {
            "id": _KEYWORD,
            "revision": {"type": "long"},
            "title": {"type": "text", "fields": {"raw": {"type": "keyword", "ignore_above": 512}}},
            "first_seen": {"type": "date"},
            "last_seen": {"type": "date"},
            "article_count": {"type": "integer"},
            "source_count": {"type": "integer"},
            "recent_count": {"type": "integer"},
            "sources": _KEYWORD,
            "languages": _KEYWORD,
            "actors": _KEYWORD,
            "actor_keys": _FOLDED,
            "places": _KEYWORD,
            "place_keys": _FOLDED,
            "topics": _KEYWORD,
            "indexed_at": {"type": "date"},
        },
    },
}


def stories_alias(articles_alias: str) -> str:
    """The stories index's alias beside an articles alias (``articles`` -> ``articles-stories``)."""
    return f"{articles_alias}-stories"


def make_client(settings: CommonSettings, **overrides: Any) -> Elasticsearch:
    kwargs: dict[str, Any] = dict(request_timeout=30, retry_on_timeout=False, max_retries=0)
    if settings.elasticsearch_api_key is not None:
        kwargs["api_key"] = settings.elasticsearch_api_key.get_secret_value()
    kwargs.update(overrides)
    hosts = [url.strip() for url in settings.elasticsearch_url.split(",") if url.strip()]
    return Elasticsearch(hosts, **kwargs)


def index_name(alias: str, version: int = MAPPING_VERSION) -> str:
    return f"{alias}-v{version}"


def copy_documents(es: Elasticsearch, source: str, target: str) -> int:
    """Scan + bulk, keeping ``_id``s: what ``_reindex`` does, on a server without the reindex module.

    (``helpers.reindex`` would do, but it first asks the data-stream API, which the bare server
    lacks too.)
    """
    actions = ({"_op_type": "index", "_index": target, "_id": hit["_id"], "_source": hit["_source"]}
               for hit in helpers.scan(es, index=source, query={"query": {"match_all": {}}}, size=500))
    copied, _ = helpers.bulk(es, actions, chunk_size=500, raise_on_error=True)
    return copied


def ensure_index(es: Elasticsearch, alias: str, replicas: int = 0, body: dict[str, Any] | None = None) -> str:
    """Create ``<alias>-v<N>`` with the mapping (``body``, the articles mapping by default) and
    point ``alias`` at it (idempotent).

    ``replicas``: copies of each shard on other nodes (1 on a two-node cluster, 0 alone).
    """
    name = index_name(alias)
    if not es.indices.exists(index=name):
        try:
            base = body if body is not None else INDEX_BODY
            es.indices.create(index=name, **{**base, "settings": {**base["settings"], "number_of_replicas": replicas}})
            log.info("created index %s", name)
        except Exception as exc:  # another worker created it first
            if "resource_already_exists_exception" not in str(exc):
                raise
    if not es.indices.exists_alias(name=alias, index=name):
        actions: list[dict[str, Any]] = [{"add": {"index": name, "alias": alias, "is_write_index": True}}]
        if es.indices.exists_alias(name=alias):
            for old in es.indices.get_alias(name=alias):
                if old != name:
                    # the mapping changed: copy the old version's documents over, then move the alias
                    copied = copy_documents(es, old, name)
                    log.info("copied %s documents from %s to %s", copied, old, name)
                    actions.insert(0, {"remove": {"index": old, "alias": alias}})
        es.indices.update_aliases(actions=actions)
        log.info("alias %s -> %s", alias, name)
    es.cluster.health(index=name, wait_for_status="yellow", timeout="30s")
    return name

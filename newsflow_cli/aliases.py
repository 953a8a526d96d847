"""``newsflow aliases``: operators correct the alias registry; ``reapply`` fixes indexed articles."""

from __future__ import annotations

import argparse
from typing import Any

from elasticsearch import helpers

from services.index.logic import actor_fields, reapply_aliases
from shared.alias_store import load_registry, publish
from shared.es import make_client
from shared.kafka import make_producer
from shared.models import Actor
from shared.settings import CommonSettings


def run(args: argparse.Namespace) -> int:
    settings = CommonSettings()
    if args.action == "add":
        if len(args.names) != 2:
            raise SystemExit('usage: newsflow aliases add ALIAS CANONICAL  (e.g. "Zelenskiy" "Volodymyr Zelensky")')
        producer = make_producer(settings)
        record = publish(producer, settings, args.names[0], args.names[1], args.type)
        producer.close()
        print(f"{record['alias']!r} -> {record['canonical']!r} stored; enrich applies it to new articles, "
              "`newsflow aliases reapply` to indexed ones")
    elif args.action == "remove":
        producer = make_producer(settings)
        for name in args.names:
            publish(producer, settings, name, None)
            print(f"{name!r} removed")
        producer.close()
    elif args.action == "list":
        registry = load_registry(settings)
        for record in registry.to_records():
            if not args.names or any(n.casefold() in (record["alias"] + record["canonical"]).casefold() for n in args.names):
                print(f"{record['alias']:<40} -> {record['canonical']:<35} {record['type'] or '':<13} {record['source']}")
    else:
        changed = reapply(settings)
        print(f"{changed} indexed articles updated")
    return 0


def reapply(settings: CommonSettings) -> int:
    """Rename and merge actors of every indexed article per the current registry (bulk updates)."""
    registry = load_registry(settings)
    es = make_client(settings)

    def updates() -> Any:
        for hit in helpers.scan(es, index=settings.index_alias, _source=["entities.actors"],
                                query={"query": {"exists": {"field": "actors"}}}):
            actors = [Actor.model_validate(a) for a in hit["_source"].get("entities", {}).get("actors", [])]
            fixed = reapply_aliases(actors, registry.resolve)
            if fixed != actors:
                yield {"_op_type": "update", "_index": hit["_index"], "_id": hit["_id"],
                       "doc": {**actor_fields(fixed), "entities": {"actors": [a.model_dump() for a in fixed]}}}

    done, _ = helpers.bulk(es, updates(), raise_on_error=True)
    es.indices.refresh(index=settings.index_alias)
    return done

"""``newsflow status``: per stage, consumer lag on its input topic and dead letters it wrote."""

from __future__ import annotations

from collections import Counter
from typing import Any

from kafka import KafkaAdminClient, KafkaConsumer
from kafka.structs import TopicPartition

from newsflow_cli.dlq import REPLAY_STAGE, read_all
from shared.kafka import topic
from shared.service import group_for
from shared.settings import CommonSettings
from shared.topics import CLEAN, DEAD_LETTER, ENRICHED, RAW, STORIED

STAGES = (("clean", RAW), ("enrich", CLEAN), ("stories", ENRICHED), ("index", STORIED))


def committed_offsets(admin: KafkaAdminClient, group: str) -> dict[TopicPartition, Any]:
    """The group's committed offsets, across kafka-python versions (3.0 renamed the call and
    answers per group)."""
    if hasattr(admin, "list_group_offsets"):
        return dict(admin.list_group_offsets({group: None}).get(group, {}))
    return dict(admin.list_consumer_group_offsets(group))


def lag_of(settings: CommonSettings, group: str, name: str) -> int | None:
    admin = KafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers.split(","))
    consumer = KafkaConsumer(bootstrap_servers=settings.kafka_bootstrap_servers.split(","), group_id=None)
    try:
        partitions = [TopicPartition(name, p) for p in (consumer.partitions_for_topic(name) or [])]
        if not partitions:
            return None
        committed = committed_offsets(admin, group)
        ends = consumer.end_offsets(partitions)
        return sum(ends[tp] - (committed[tp].offset if tp in committed and committed[tp].offset >= 0 else 0)
                   for tp in partitions)
    finally:
        consumer.close()
        admin.close()


def status() -> int:
    settings = CommonSettings()
    dead = Counter(d.stage for _, d in read_all(settings, topic(settings, DEAD_LETTER).name) if d.stage != REPLAY_STAGE)
    print(f"{'stage':<8} {'input topic':<22} {'lag':>8} {'dead letters':>13}")
    for stage, spec in STAGES:
        name = topic(settings, spec).name
        lag = lag_of(settings, group_for(settings, stage), name)
        print(f"{stage:<8} {name:<22} {'-' if lag is None else lag:>8} {dead.get(stage, 0):>13}")
    others = {k: v for k, v in dead.items() if k not in dict(STAGES)}
    if others:
        print("other dead letters:", dict(others))
    return 0

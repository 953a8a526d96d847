"""Small helpers for tests that talk to the real broker."""

from __future__ import annotations

import time

from kafka import KafkaConsumer
from kafka.structs import TopicPartition

from shared.settings import CommonSettings


def read_topic(settings: CommonSettings, name: str, expect: int, timeout: float = 30) -> list:
    """Every record of ``name`` from the beginning, waiting until at least ``expect`` arrived."""
    consumer = KafkaConsumer(bootstrap_servers=settings.kafka_bootstrap_servers, group_id=None,
                             enable_auto_commit=False, auto_offset_reset="earliest")
    try:
        deadline = time.monotonic() + timeout
        partitions = None
        while partitions is None and time.monotonic() < deadline:
            parts = consumer.partitions_for_topic(name)
            partitions = [TopicPartition(name, p) for p in parts] if parts else None
            if partitions is None:
                time.sleep(0.2)
        if not partitions:
            return []
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        out: list = []
        while len(out) < expect and time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=500).values():
                out.extend(records)
        # drain anything else already there, so callers can assert exact counts
        for records in consumer.poll(timeout_ms=1000).values():
            out.extend(records)
        return out
    finally:
        consumer.close()


def committed_total(settings: CommonSettings, group: str, name: str) -> int:
    consumer = KafkaConsumer(bootstrap_servers=settings.kafka_bootstrap_servers, group_id=group,
                             enable_auto_commit=False)
    try:
        parts = consumer.partitions_for_topic(name) or set()
        return sum((consumer.committed(TopicPartition(name, p)) or 0) for p in parts)
    finally:
        consumer.close()

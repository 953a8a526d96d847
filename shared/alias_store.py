"""The alias registry kept durably: the curated seed plus operators' corrections.

Corrections live in the compacted topic ``newsflow.aliases`` (key: the folded alias; value:
an :class:`~shared.aliases.AliasRecord` as JSON; an empty ``canonical`` removes the alias).
Enrich and search read it at start and re-read it when its end offsets move.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from typing import Any

from kafka import KafkaConsumer, KafkaProducer
from kafka.structs import TopicPartition

from shared.aliases import AliasRegistry, fold
from shared.kafka import read_to_end, topic
from shared.settings import CommonSettings
from shared.topics import ALIASES

log = logging.getLogger(__name__)


def load_registry(settings: CommonSettings) -> AliasRegistry:
    """The seed list with every stored correction applied in order (later wins)."""
    registry = AliasRegistry.seeded()
    for record in read_to_end(settings, topic(settings, ALIASES).name):
        if not record.value:
            continue
        data = json.loads(record.value)
        if data.get("canonical"):
            registry.add(data["alias"], data["canonical"], data.get("type"), data.get("source", "operator"))
        else:
            registry.remove(data["alias"])
    return registry


def publish(producer: KafkaProducer, settings: CommonSettings, alias: str, canonical: str | None,
            type_: str | None = None) -> dict[str, Any]:
    """Store one correction (``canonical=None`` removes ``alias``) and wait for the ack."""
    record = {"alias": alias, "canonical": canonical or "", "type": type_, "source": "operator"}
    producer.send(topic(settings, ALIASES).name, key=fold(alias), value=json.dumps(record).encode()).get(timeout=30)
    return record


class ChangeWatch:
    """Tells whether the aliases topic has grown since the last look (cheap: end offsets only)."""

    def __init__(self, settings: CommonSettings) -> None:
        self._name = topic(settings, ALIASES).name
        self._consumer = KafkaConsumer(bootstrap_servers=settings.kafka_bootstrap_servers.split(","), group_id=None)
        self._last: int | None = None

    def changed(self) -> bool:
        parts = self._consumer.partitions_for_topic(self._name) or set()
        ends = self._consumer.end_offsets([TopicPartition(self._name, p) for p in parts]) if parts else {}
        total = sum(ends.values())
        changed = self._last is not None and total != self._last
        self._last = total
        return changed


class LiveRegistry:
    """The registry as of now: re-read at most every ``refresh_seconds``, and only when it changed.

    When Kafka cannot be reached it keeps what it has (at least the seed) and tries again later.
    """

    def __init__(self, settings: CommonSettings, refresh_seconds: float = 15.0) -> None:
        self.settings, self.refresh_seconds = settings, refresh_seconds
        self.registry = AliasRegistry.seeded()
        self._watch: ChangeWatch | None = None
        self._checked = 0.0
        self._lock = threading.Lock()
        self.refresh()

    def refresh(self) -> bool:
        """Re-read the corrections if they changed; True when the registry was replaced."""
        with self._lock:
            self._checked = time.monotonic()
            try:
                if self._watch is None:
                    self._watch = ChangeWatch(self.settings)
                    self._watch.changed()
                elif not self._watch.changed():
                    return False
                self.registry = load_registry(self.settings)
                return True
            except Exception as exc:  # an outage: keep answering with what we know
                log.warning("could not read alias corrections: %s", exc)
                return False

    def refresh_if_due(self) -> bool:
        return time.monotonic() - self._checked >= self.refresh_seconds and self.refresh()

    def resolve(self, name: str) -> str | None:
        self.refresh_if_due()
        return self.registry.resolve(name)

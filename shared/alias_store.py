"""The alias registry kept durably: the curated seed plus operators' corrections.

Corrections live in the compacted topic ``newsflow.aliases`` (key: the folded alias; value:
an :class:`~shared.models.AliasCorrection`; an empty ``canonical`` removes the alias), read
through :class:`shared.state.CompactedTable`. Enrich and search hold a :class:`LiveRegistry`:
a background thread follows the topic and swaps in a new registry when it changed, so a
lookup (a search request, an article) never waits on Kafka.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from kafka import KafkaProducer

from shared.aliases import AliasRegistry, fold
from shared.kafka import topic
from shared.models import AliasCorrection
from shared.settings import CommonSettings
from shared.state import CompactedTable, dead_letter_poison
from shared.topics import ALIASES, encode

log = logging.getLogger(__name__)


def registry_from(corrections: dict[str, AliasCorrection | None]) -> AliasRegistry:
    """The seed list with every correction applied in order (later wins)."""
    registry = AliasRegistry.seeded()
    for correction in corrections.values():
        if correction is None:
            continue
        if correction.canonical:
            registry.add(correction.alias, correction.canonical, correction.type, correction.source)  # type: ignore[arg-type]
        else:
            registry.remove(correction.alias)
    return registry


def open_table(settings: CommonSettings, stage: str, wait: float = 2.0) -> CompactedTable[AliasCorrection]:
    return CompactedTable(settings, ALIASES, dead_letter_poison(settings, stage), wait)


def load_registry(settings: CommonSettings, stage: str = "aliases") -> AliasRegistry:
    """The registry as stored now (for the CLI and tests): seed plus every correction."""
    table = open_table(settings, stage)
    try:
        return registry_from(dict(table.restore()))
    finally:
        table.close()


def publish(producer: KafkaProducer, settings: CommonSettings, alias: str, canonical: str | None,
            type_: str | None = None) -> dict[str, Any]:
    """Store one correction (``canonical=None`` removes ``alias``) and wait for the ack."""
    record = AliasCorrection(alias=alias, canonical=canonical or "", type=type_)
    producer.send(topic(settings, ALIASES).name, key=fold(alias), value=encode(record)).get(timeout=30)
    return record.model_dump(exclude={"schema_version"})


class LiveRegistry:
    """The registry as of now, kept current by a daemon thread every ``refresh_seconds``.

    Starts from the seed (and whatever the topic holds, if Kafka answers at once); while Kafka
    cannot be reached it keeps what it has and tries again on the next tick.
    """

    def __init__(self, settings: CommonSettings, refresh_seconds: float = 15.0, stage: str = "aliases",
                 follow: bool = True) -> None:
        self.settings, self.refresh_seconds, self.stage = settings, refresh_seconds, stage
        self.registry = AliasRegistry.seeded()
        self.version = 0  #: bumped each time the registry is replaced
        self._corrections: dict[str, AliasCorrection | None] = {}
        self._table: CompactedTable[AliasCorrection] | None = None
        self._stopped = threading.Event()
        self.refresh()
        if follow:
            threading.Thread(target=self._follow, name="aliases", daemon=True).start()

    def refresh(self) -> bool:
        """Take in new corrections; True when the registry was replaced."""
        try:
            if self._table is None:
                self._table = open_table(self.settings, self.stage)
                changes = self._table.restore()
            else:
                changes = self._table.updates()
        except Exception as exc:  # noqa: BLE001 - an outage: keep answering with what we know
            log.warning("could not read alias corrections: %s", exc)
            self._table = None
            return False
        if not changes:
            return False
        self._corrections.update(changes)
        self.registry = registry_from(self._corrections)  # one reference swap: readers never lock
        self.version += 1
        log.info("alias corrections: %d applied", len(self._corrections))
        return True

    def _follow(self) -> None:
        while not self._stopped.wait(self.refresh_seconds):
            self.refresh()

    def close(self) -> None:
        self._stopped.set()

    def resolve(self, name: str) -> str | None:
        return self.registry.resolve(name)

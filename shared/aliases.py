"""Cross-article alias registry: name variants -> one canonical entity name.

The registry is plain data so the service can keep it durably (a compacted Kafka topic, one
record per alias, key = folded alias) and operators can add corrections at run time
(``newsflow aliases add "Zelenskiy" "Volodymyr Zelensky"``). Matching is accent-, case- and
punctuation-insensitive (see :func:`fold`); the canonical spelling is returned as stored.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any, Literal

ActorType = Literal["person", "organisation", "place"]

_PUNCT_TABLE = {ord(c): None for c in ".’'`´‘\u00b7"}
_SPACE_TABLE = {ord(c): " " for c in "-‐‑–—_/"}


@lru_cache(maxsize=65536)
def fold(name: str) -> str:
    """Matching key for a name: NFKD, accents removed, case-folded, dots/apostrophes dropped.

    ``fold("Zelenskyy") != fold("Zelensky")`` (spelling variants need an alias), but
    ``fold("Erdoğan") == fold("erdogan")`` and ``fold("U.S.") == fold("US")``.
    """
    decomposed = unicodedata.normalize("NFKD", name)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    stripped = stripped.translate(_PUNCT_TABLE).translate(_SPACE_TABLE)
    return " ".join(stripped.casefold().split())


@dataclass(frozen=True)
class AliasRecord:
    """One alias -> canonical mapping, as stored in the registry topic."""

    alias: str
    canonical: str
    type: ActorType | None = None
    source: str = "seed"

    def to_dict(self) -> dict[str, Any]:
        return {"alias": self.alias, "canonical": self.canonical, "type": self.type, "source": self.source}


class AliasRegistry:
    """Maps name variants to canonical names. Not thread-safe for writes; reads are plain dict gets."""

    def __init__(self, records: Iterable[AliasRecord] = ()) -> None:
        self._by_key: dict[str, AliasRecord] = {}
        self._types: dict[str, ActorType] = {}
        for record in records:
            self._put(record)

    # ------------------------------------------------------------------ construction

    @classmethod
    def seeded(cls) -> AliasRegistry:
        """The registry built from the curated seed list ``data/aliases.json``."""
        raw = json.loads(resources.files(__package__).joinpath("data/aliases.json").read_text("utf-8"))
        records: list[AliasRecord] = []
        for entry in raw["entries"]:
            records.append(AliasRecord(entry["canonical"], entry["canonical"], entry["type"]))
            records.extend(AliasRecord(a, entry["canonical"], entry["type"]) for a in entry["aliases"])
        for entry in raw["places"]:
            records.append(AliasRecord(entry["canonical"], entry["canonical"], "place"))
            records.extend(AliasRecord(a, entry["canonical"], "place") for a in entry["aliases"])
        return cls(records)

    @classmethod
    def from_records(cls, records: Iterable[Mapping[str, Any]]) -> AliasRegistry:
        """Rebuild from :meth:`to_records` output (later records win, as in a compacted topic).

        A record with ``canonical`` set to None/"" is a tombstone: it removes the alias.
        """
        registry = cls()
        for rec in records:
            if not rec.get("canonical"):
                registry.remove(str(rec["alias"]))
                continue
            registry._put(
                AliasRecord(str(rec["alias"]), str(rec["canonical"]), rec.get("type"), rec.get("source", "seed"))
            )
        return registry

    def to_records(self) -> list[dict[str, Any]]:
        """All mappings as JSON-able dicts, sorted by folded alias (deterministic)."""
        return [self._by_key[k].to_dict() for k in sorted(self._by_key)]

    # ------------------------------------------------------------------ edits

    def add(self, alias: str, canonical: str, type: ActorType | None = None, source: str = "operator") -> AliasRecord:
        """Map ``alias`` to ``canonical`` (replacing an earlier mapping) and return the stored record.

        If ``canonical`` is itself an alias of something else, the chain is followed so the
        registry never points at a non-canonical name. Raises ValueError on empty names.
        """
        if not alias.strip() or not canonical.strip():
            raise ValueError("alias and canonical must be non-empty")
        target = self._by_key.get(fold(canonical))
        final = target.canonical if target is not None else canonical.strip()
        typ = type or (target.type if target is not None else None) or self._types.get(fold(final))
        record = AliasRecord(alias.strip(), final, typ, source)
        self._put(record)
        if fold(final) not in self._by_key:
            self._put(AliasRecord(final, final, typ, source))
        return record

    def remove(self, alias: str) -> bool:
        return self._by_key.pop(fold(alias), None) is not None

    def _put(self, record: AliasRecord) -> None:
        self._by_key[fold(record.alias)] = record
        if record.type is not None:
            self._types[fold(record.canonical)] = record.type

    # ------------------------------------------------------------------ lookups

    def resolve(self, name: str) -> str | None:
        """Canonical name for ``name`` or None if unknown."""
        record = self._by_key.get(fold(name))
        return record.canonical if record is not None else None

    def lookup(self, name: str) -> AliasRecord | None:
        return self._by_key.get(fold(name))

    def type_of(self, canonical: str) -> ActorType | None:
        return self._types.get(fold(canonical))

    def aliases_of(self, canonical: str) -> list[str]:
        key = fold(canonical)
        return sorted(r.alias for r in self._by_key.values() if fold(r.canonical) == key)

    def surfaces(self) -> list[AliasRecord]:
        """Every stored record (used to build the in-text string matcher)."""
        return list(self._by_key.values())

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and fold(name) in self._by_key

    def __len__(self) -> int:
        return len(self._by_key)

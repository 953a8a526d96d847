"""Contracts: decode upgrades old versions, rejects unknown ones, and round-trips."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from shared.errors import InvalidArticle
from shared.ids import canonical_url
from shared.models import RawArticle
from shared.topics import ALL, CLEAN, RAW, decode, encode

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def test_round_trip() -> None:
    raw = RawArticle(id="c-1", title="t", body="b", received_at=NOW)
    assert decode(RAW, encode(raw)) == raw


def test_old_version_is_upgraded() -> None:
    v0 = {"id": "c-1", "title": "t", "text": "old field name", "received_at": NOW.isoformat()}
    raw = decode(RAW, json.dumps(v0).encode())
    assert isinstance(raw, RawArticle)
    assert raw.schema_version == 1 and raw.body == "old field name" and raw.origin == "kafka"


def test_unknown_newer_version_is_rejected_with_reason() -> None:
    event = {"schema_version": 99, "id": "c-1", "body": "b", "received_at": NOW.isoformat()}
    with pytest.raises(InvalidArticle, match="unknown schema_version 99"):
        decode(RAW, json.dumps(event).encode())


@pytest.mark.parametrize(("value", "reason"), [
    (b"", "empty"), (b"\xff\xfe\x00", "not UTF-8"), (b"{not json", "not JSON"), (b"[1,2]", "JSON object"),
    (b'{"schema_version": "1"}', "schema_version"), (b'{"schema_version": 1, "id": 5}', "id"),
])
def test_bad_bytes_are_invalid_articles(value: bytes, reason: str) -> None:
    with pytest.raises(InvalidArticle, match=reason):
        decode(CLEAN, value)


def test_topic_names_are_unique() -> None:
    names = [t.name for t in ALL]
    assert len(names) == len(set(names))


def test_models_are_frozen() -> None:
    raw = RawArticle(id="c-1", body="b", received_at=NOW)
    with pytest.raises(Exception):
        raw.body = "changed"  # type: ignore[misc]


@pytest.mark.parametrize(("url", "expected"), [
    ("HTTPS://WWW.Example.ORG:443/a/?utm_medium=x&fbclid=1&q=2#frag", "https://example.org/a?q=2"),
    ("http://example.org", "http://example.org/"),
    ("https://example.org//x//y/", "https://example.org/x/y"),
])
def test_canonical_url(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


def test_committed_json_schemas_are_current() -> None:
    """`make schemas` output is committed; a contract change without regenerating fails here."""
    from pathlib import Path

    from shared.schemas import schemas

    folder = Path(__file__).resolve().parents[2] / "schemas"
    for name, schema in schemas().items():
        assert json.loads((folder / name).read_text()) == schema, f"run `make schemas`: {name} is stale"


def test_reapply_aliases_renames_and_merges() -> None:
    from services.index.logic import reapply_aliases
    from shared.aliases import AliasRegistry
    from shared.models import Actor, Mention

    registry = AliasRegistry.seeded()
    registry.add("Zelya", "Volodymyr Zelensky")
    actors = [Actor(name="Volodymyr Zelensky", type="person", count=2, mentions=[Mention(text="Zelensky", start=5, end=13)]),
              Actor(name="Zelya", type="person", count=1, mentions=[Mention(text="Zelya", start=1, end=6)]),
              Actor(name="NATO", type="organisation")]
    fixed = reapply_aliases(actors, registry.resolve)
    assert [a.name for a in fixed] == ["Volodymyr Zelensky", "NATO"]
    assert fixed[0].count == 3 and "Zelya" in fixed[0].aliases and [m.start for m in fixed[0].mentions] == [1, 5]
    assert reapply_aliases(fixed, registry.resolve) == fixed

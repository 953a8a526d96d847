"""The clean stage's steps: clean over a batch, then deduplicate with state records."""

from __future__ import annotations

from datetime import UTC, datetime

from services.clean.dedup import DuplicateDetector
from services.clean.steps import Deduplicate, clean_batch
from shared.errors import InvalidArticle
from shared.models import CleanArticle, DedupEntry, RawArticle
from shared.stream.messages import Item, Message
from shared.stream.steps import Batch
from shared.topics import DEDUP_STATE, decode

NOW = datetime(2026, 1, 1, tzinfo=UTC)
TEXT = ("The central bank raised interest rates by a quarter point on Thursday, citing stubborn inflation "
        "in services and a labour market that has cooled less than policymakers expected this year.")


def clean_article(i: int, url: str, body: str = TEXT) -> Item[CleanArticle]:
    return Item(Message("raw", 0, i, None, b"{}"),
                CleanArticle(id=f"c-{i}", title="Rates up", body=body, canonical_url=url, content_hash=f"h{i}",
                             received_at=NOW))


def test_clean_batch_returns_rejections_as_values() -> None:
    good = RawArticle(id="c-1", title="Rates up", body=TEXT, received_at=NOW)
    bad = RawArticle(id="c-2", body="   ", received_at=NOW)
    results = clean_batch([good, bad])
    assert isinstance(results[0], CleanArticle) and isinstance(results[1], InvalidArticle)


def test_deduplicate_marks_copies_and_records_originals() -> None:
    batch = Batch(messages=[])
    batch.items = [clean_article(1, "https://a.example/1"), clean_article(2, "https://b.example/2")]
    step = Deduplicate(DuplicateDetector(), DEDUP_STATE.name)
    step(batch)
    assert batch.items[0].value.duplicate_of is None and batch.items[1].value.duplicate_of == "c-1"
    assert [key for _, key, _ in batch.state] == ["c-1"]  # only originals are remembered
    entry = decode(DEDUP_STATE, batch.state[0][2])
    assert isinstance(entry, DedupEntry) and entry.id == "c-1"


def test_deduplicate_learns_what_other_workers_remembered() -> None:
    other = DuplicateDetector()
    other.check_and_add("c-9", "https://z.example/9", "h9", f"Rates up\n\n{TEXT}")
    entry = DedupEntry.model_validate(other.entry_for("c-9", "https://z.example/9", "h9", f"Rates up\n\n{TEXT}"))
    batch = Batch(messages=[])
    batch.items = [clean_article(1, "https://a.example/1")]
    Deduplicate(DuplicateDetector(), DEDUP_STATE.name, learn=lambda: [entry])(batch)
    assert batch.items[0].value.duplicate_of == "c-9" and batch.state == []


def test_old_entries_with_v_are_read() -> None:
    raw = b'{"v": 1, "id": "c-1", "url": null, "hash": "h", "minhash": null, "scheme": "affine32", "seq": 3}'
    entry = decode(DEDUP_STATE, raw)
    assert isinstance(entry, DedupEntry) and entry.seq == 3

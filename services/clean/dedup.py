"""Duplicate detection: exact (canonical URL, content hash) and near (MinHash LSH).

:class:`DuplicateDetector` is the clean stage's only state. It answers "which first-seen
article does this one duplicate?" and remembers originals (never duplicates, so chains cannot
form and every duplicate points at the first article of its group).

Persistence: :meth:`DuplicateDetector.entry_for` gives one original's signature as a JSON-able
dict (to be written to a compacted topic keyed by article id); :meth:`add_entry` puts it back
on start-up. Entries carry a sequence number so the rebuilt detector keeps first-seen order.

Near duplicates: word 3-shingles of the normalised text (:func:`shared.ids.normalise_text`),
MinHash with :data:`NUM_PERM` permutations, LSH at :data:`DEFAULT_THRESHOLD` estimated
Jaccard. The threshold was measured on ``tests/data/duplicates/pairs.jsonl`` with
``tools/eval_dedup.py`` (see that tool for the precision/recall table).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np
from datasketch import MinHash, MinHashLSH

from shared.ids import normalise_text

__all__ = ["DEFAULT_THRESHOLD", "NUM_PERM", "SHINGLE_WORDS", "DuplicateDetector", "minhash_of", "jaccard_estimate"]

DEFAULT_THRESHOLD = 0.3
NUM_PERM = 128
SHINGLE_WORDS = 3
MIN_WORDS = 20  # shorter texts share too few shingles for a meaningful near-duplicate test
_SEED = 1
_SCHEME = "affine32"  # explicit, so persisted signatures stay comparable across datasketch versions
ENTRY_VERSION = 1


def _shingles(text: str) -> set[bytes]:
    words = normalise_text(text).split()
    n = SHINGLE_WORDS
    return {" ".join(words[i : i + n]).encode() for i in range(max(1, len(words) - n + 1))}


def minhash_of(text: str) -> MinHash:
    """MinHash signature of a text's word shingles (deterministic: fixed seed)."""
    mh = MinHash(num_perm=NUM_PERM, seed=_SEED, scheme=_SCHEME)
    mh.update_batch(list(_shingles(text)))
    return mh


def jaccard_estimate(a: str, b: str) -> float:
    return float(minhash_of(a).jaccard(minhash_of(b)))


@dataclass
class _Entry:
    article_id: str
    canonical_url: str | None
    content_hash: str
    minhash: MinHash | None
    seq: int


class DuplicateDetector:
    """First-seen duplicate lookup over a bounded window of original articles.

    ``max_entries`` bounds memory: past it, the oldest original is forgotten (so a duplicate
    of something older than the window is treated as new). Not thread-safe.
    """

    def __init__(self, threshold: float = DEFAULT_THRESHOLD, max_entries: int = 200_000) -> None:
        if not 0.0 < threshold <= 1.0:
            raise ValueError("threshold must be in (0, 1]")
        self.threshold = threshold
        self.max_entries = max_entries
        self._lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._by_url: dict[str, str] = {}
        self._by_hash: dict[str, str] = {}
        self._seq = 0

    def __len__(self) -> int:
        return len(self._entries)

    # ------------------------------------------------------------------ lookup

    def find(self, article_id: str, canonical_url: str | None, content_hash: str, text: str) -> str | None:
        """The id of the first-seen original this article duplicates, or ``None``; no change."""
        return self._find(article_id, canonical_url, content_hash, self._signature(text))

    def check_and_add(self, article_id: str, canonical_url: str | None, content_hash: str, text: str) -> str | None:
        """Like :meth:`find`; when the article is an original, remember it.

        Re-checking an article already remembered (a replay) returns ``None`` again, and a
        replayed duplicate gets the same original as the first time while it is in the window.
        """
        signature = self._signature(text)
        original = self._find(article_id, canonical_url, content_hash, signature)
        if original is None and article_id not in self._entries:
            self._add(_Entry(article_id, canonical_url, content_hash, signature, self._next_seq()))
        return original

    def _find(self, article_id: str, canonical_url: str | None, content_hash: str, signature: MinHash | None) -> str | None:
        if article_id in self._entries:
            return None
        if canonical_url and (hit := self._by_url.get(canonical_url)) and hit != article_id:
            return hit
        if (hit := self._by_hash.get(content_hash)) and hit != article_id:
            return hit
        if signature is None:
            return None
        best: _Entry | None = None
        for candidate in self._lsh.query(signature):
            entry = self._entries.get(candidate)
            if entry is None or entry.minhash is None or candidate == article_id:
                continue
            if entry.minhash.jaccard(signature) >= self.threshold and (best is None or entry.seq < best.seq):
                best = entry
        return best.article_id if best else None

    # ------------------------------------------------------------------ persistence

    def entry_for(self, article_id: str, canonical_url: str | None, content_hash: str, text: str) -> dict[str, Any]:
        """A JSON-able signature of one article, for :meth:`add_entry` after a restart.

        Uses the remembered sequence number when the article is in the detector, so call it
        right after :meth:`check_and_add` returned ``None``.
        """
        entry = self._entries.get(article_id)
        signature = entry.minhash if entry is not None else self._signature(text)
        return {
            "v": ENTRY_VERSION,
            "id": article_id,
            "url": canonical_url,
            "hash": content_hash,
            "minhash": [int(x) for x in signature.hashvalues] if signature is not None else None,
            "scheme": _SCHEME,
            "seq": entry.seq if entry is not None else self._seq + 1,
        }

    def add_entry(self, data: dict[str, Any]) -> None:
        """Restore one entry made by :meth:`entry_for`; a newer copy of the same id replaces it.

        Restore in any order: the oldest (by ``seq``) wins a duplicate group either way.
        """
        if data.get("v", data.get("schema_version")) != ENTRY_VERSION:
            raise ValueError(f"unknown dedup entry version {data.get('v', data.get('schema_version'))!r}")
        signature = None
        if data.get("minhash") is not None:
            values = np.array(data["minhash"], dtype=np.uint64)
            if len(values) != NUM_PERM:
                raise ValueError("dedup entry has a different number of permutations")
            if data.get("scheme", _SCHEME) != _SCHEME:
                raise ValueError(f"dedup entry has MinHash scheme {data.get('scheme')!r}, not {_SCHEME}")
            signature = MinHash(num_perm=NUM_PERM, seed=_SEED, hashvalues=values, scheme=_SCHEME)
        self.remove(str(data["id"]))
        seq = int(data.get("seq") or self._next_seq())
        self._seq = max(self._seq, seq)
        self._add(_Entry(str(data["id"]), data.get("url"), str(data["hash"]), signature, seq))

    def remove(self, article_id: str) -> None:
        """Forget one original (e.g. a tombstone in the compacted topic)."""
        entry = self._entries.pop(article_id, None)
        if entry is None:
            return
        if entry.minhash is not None:
            self._lsh.remove(article_id)
        if entry.canonical_url and self._by_url.get(entry.canonical_url) == article_id:
            del self._by_url[entry.canonical_url]
        if self._by_hash.get(entry.content_hash) == article_id:
            del self._by_hash[entry.content_hash]

    # ------------------------------------------------------------------ internals

    def _next_seq(self) -> int:
        self._seq += 1
        return self._seq

    @staticmethod
    def _signature(text: str) -> MinHash | None:
        if len(normalise_text(text).split()) < MIN_WORDS:
            return None
        return minhash_of(text)

    def _add(self, entry: _Entry) -> None:
        self._entries[entry.article_id] = entry
        if entry.minhash is not None:
            self._lsh.insert(entry.article_id, entry.minhash)
        # Earlier seq keeps the exact-match slot: restoring out of order still favours the first.
        for index, key in ((self._by_url, entry.canonical_url), (self._by_hash, entry.content_hash)):
            if not key:
                continue
            current = self._entries.get(index.get(key, ""))
            if current is None or current.seq > entry.seq:
                index[key] = entry.article_id
        while len(self._entries) > self.max_entries:
            self.remove(next(iter(self._entries)))

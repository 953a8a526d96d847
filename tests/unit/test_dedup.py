"""DuplicateDetector: exact and near duplicates, first-seen wins, persistence, bounded memory."""

from __future__ import annotations

import json
from pathlib import Path

from services.clean.dedup import DEFAULT_THRESHOLD, DuplicateDetector, jaccard_estimate
from shared.ids import content_hash

PAIRS = Path(__file__).resolve().parents[1] / "data" / "duplicates" / "pairs.jsonl"

STORY = " ".join(
    f"Sentence number {i} of the story says the council voted on plan {i} for the river district." for i in range(30)
)
OTHER = " ".join(f"Line {i}: the team won match {i} after a late goal by the striker in the rain." for i in range(30))


def add(det: DuplicateDetector, aid: str, text: str, url: str | None = None) -> str | None:
    return det.check_and_add(aid, url, content_hash("t", text), text)


def test_exact_url_and_hash() -> None:
    det = DuplicateDetector()
    assert add(det, "a", STORY, url="https://x.com/1") is None
    assert add(det, "b", OTHER, url="https://x.com/1") == "a"
    assert add(det, "c", STORY) == "a"


def test_near_duplicate_and_distinct() -> None:
    det = DuplicateDetector()
    assert add(det, "a", STORY) is None
    edited = STORY.replace("council", "city council", 5) + " Officials did not comment."
    assert add(det, "b", edited) == "a"
    assert add(det, "c", OTHER) is None


def test_first_seen_wins_and_duplicates_not_remembered() -> None:
    det = DuplicateDetector()
    add(det, "a", STORY)
    add(det, "b", STORY + " Extra line.")
    assert add(det, "c", STORY + " Another extra line.") == "a"
    assert len(det) == 1


def test_replay_is_stable() -> None:
    det = DuplicateDetector()
    assert add(det, "a", STORY) is None
    assert add(det, "a", STORY) is None
    assert add(det, "b", STORY + " x") == "a"
    assert add(det, "b", STORY + " x") == "a"


def test_short_texts_only_exact() -> None:
    det = DuplicateDetector()
    assert add(det, "a", "Short note.") is None
    assert add(det, "b", "Short note!") == "a"  # same content hash (punctuation-insensitive)
    assert add(det, "c", "Short other note.") is None


def test_persistence_round_trip() -> None:
    det = DuplicateDetector()
    add(det, "a", STORY, url="https://x.com/a")
    add(det, "o", OTHER)
    entries = [json.loads(json.dumps(det.entry_for(i, None, "", ""))) for i in ("o", "a")]
    entries[1]["url"] = "https://x.com/a"
    restored = DuplicateDetector()
    for entry in entries:  # any order
        restored.add_entry(entry)
    assert add(restored, "b", STORY + " Update.") == "a"
    assert add(restored, "c", "whatever", url="https://x.com/a") == "a"
    assert add(restored, "d", OTHER) == "o"


def test_bounded_memory_evicts_oldest() -> None:
    det = DuplicateDetector(max_entries=2)
    add(det, "a", STORY)
    add(det, "b", OTHER)
    add(det, "c", "A completely different third story about weather and rain in the mountains " * 5)
    assert len(det) == 2
    assert add(det, "d", STORY) is None  # "a" was forgotten


def test_threshold_separates_labelled_pairs() -> None:
    pairs = [json.loads(line) for line in PAIRS.read_text(encoding="utf-8").splitlines()]
    doc = lambda side: f"{side['title']}\n\n{side['text']}"  # noqa: E731
    wrong = [p["kind"] for p in pairs if (jaccard_estimate(doc(p["a"]), doc(p["b"])) >= DEFAULT_THRESHOLD) != bool(p["label"])]
    assert len(wrong) <= 0.03 * len(pairs), wrong

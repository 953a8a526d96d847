"""Stories state: records round-trip through JSON to the same decisions; the window bounds it."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pydantic import TypeAdapter

from newsflow_cli.cluster import cluster_lines
from services.stories.logic import ClusterSettings, StoryArticle, StoryClusterer
from services.stories.state import AssignmentRecord, StateRecord, StoryRecord
from shared.limits import STORY_MAX_MEMBERS, STORY_MAX_TERMS, STORY_WINDOW

ROOT = Path(__file__).resolve().parents[2]
GOLD = ROOT / "tests" / "data" / "stories-gold.jsonl"
RECORDS = TypeAdapter(list[StateRecord])


def gold_articles() -> list[StoryArticle]:
    return [StoryArticle.model_validate(json.loads(line)) for line in GOLD.read_text("utf-8").splitlines()]


def test_restored_from_json_records_it_decides_exactly_as_before() -> None:
    articles = gold_articles()
    whole = StoryClusterer()
    expected = [whole.assign(a) for a in articles]
    # stop after each of a few points, keep only the records (as JSON), restore, go on
    for cut in (40, 150, 260):
        first = StoryClusterer()
        got = [first.assign(a) for a in articles[:cut]]
        stored = json.dumps(RECORDS.dump_python(first.records(), mode="json"))
        restored = StoryClusterer.from_records(RECORDS.validate_python(json.loads(stored)))
        assert restored.size == first.size and restored.records() == first.records()
        # the assignments came back too (those inside the window: older ones are forgotten)
        live = [n for n, a in enumerate(articles[:cut]) if a.id in {r.article_id for r in first.records()
                                                                       if isinstance(r, AssignmentRecord)}]
        assert live and [restored.assign(articles[n]) for n in live] == [got[n] for n in live]
        got += [restored.assign(a) for a in articles[cut:]]
        assert got == expected, cut
    # and a replay of what is still inside the window changes nothing
    before = whole.records()
    recent = [n for n, a in enumerate(articles) if a.published_at and a.published_at > articles[-1].published_at - STORY_WINDOW]
    assert len(recent) > 5 and [whole.assign(articles[n]) for n in recent] == [expected[n] for n in recent]
    assert whole.records() == before


def test_changes_carry_the_records_to_write_and_the_keys_to_tombstone() -> None:
    clusterer = StoryClusterer(ClusterSettings(window=timedelta(days=1)))
    t0 = datetime(2025, 1, 1, tzinfo=UTC)
    first = clusterer.assign_with_changes(StoryArticle(id="a", title="Volcano erupts in Iceland", published_at=t0))
    assert first.new_story and [r.key() for r in first.records] == [f"story:{first.story_id}", "article:a"]
    again = clusterer.assign_with_changes(StoryArticle(id="a", title="Volcano erupts in Iceland", published_at=t0))
    assert again.story_id == first.story_id and again.records == [] and not again.new_story
    later = clusterer.assign_with_changes(StoryArticle(id="b", title="Markets rally", published_at=t0 + timedelta(days=2)))
    assert sorted(later.evicted) == sorted([f"story:{first.story_id}", "article:a"])
    assert clusterer.size == (1, 1)


def test_state_stays_bounded_over_a_stream_longer_than_the_window() -> None:
    clusterer = StoryClusterer(ClusterSettings(window=timedelta(days=2)))
    t0 = datetime(2025, 1, 1, tzinfo=UTC)
    sizes = []
    for n in range(2400):  # 10 days, one article every 6 minutes, 40 live topics recurring
        topic = n % 40
        title = f"Council {topic} votes on budget item {n % 7} for district {topic * 3}"
        clusterer.assign(StoryArticle(id=f"a{n}", title=title, published_at=t0 + timedelta(minutes=6 * n)))
        sizes.append(clusterer.size)
    stories, assignments = sizes[-1]
    assert assignments <= 2 * 240 + 1  # two days of articles, no more
    assert max(s for s, _ in sizes[1200:]) <= max(s for s, _ in sizes[:1200]) + 5
    for record in clusterer.records():
        if isinstance(record, StoryRecord):
            assert len(record.words) <= STORY_MAX_TERMS and len(record.members) <= STORY_MAX_MEMBERS
    assert stories < 200


def test_cli_prints_one_line_per_input_and_reports_bad_lines() -> None:
    lines = [
        json.dumps({"id": "1", "title": "Iceland volcano erupts near Grindavik", "published_at": "2025-04-01T06:00:00Z"}),
        "not json",
        json.dumps({"id": "2", "title": "Eruption near Grindavik: Iceland evacuates town", "text": "",
                    "published_at": "2025-04-01T07:00:00Z", "source": "x", "language": "en"}),
        json.dumps({"id": "3", "title": "x", "published_at": "2025-04-01"}),
    ]
    proc = subprocess.run([sys.executable, "-m", "newsflow_cli.main", "cluster", "--jsonl"], input="\n".join(lines),
                          capture_output=True, text=True, cwd=ROOT, timeout=60)
    out = [json.loads(line) for line in proc.stdout.splitlines()]
    assert proc.returncode == 1  # some lines failed
    assert out[0]["story_id"] == out[2]["story_id"] and set(out[0]) == {"id", "story_id"}
    assert out[1]["line"] == 2 and "not JSON" in out[1]["error"]
    assert out[3]["id"] == "3" and "time zone" in out[3]["error"]
    # the command is exactly cluster_lines
    assert [o for o in cluster_lines(lines) if "story_id" in o] == [out[0], out[2]]

"""The fault campaign's story figures, over crafted inputs (no I/O): each breakage shows in its figure."""

from __future__ import annotations

from tests.e2e.campaign_stories import StoryFigures, clean_replay, count_story_figures
from tests.stories_cases import enriched, expected_ids, gold_rows

REPLAY = {"o1": "s-1", "o2": "s-1", "c1": "s-1", "o3": "s-2"}
COPIES = {"c1": "o1"}


def test_a_healthy_index_has_no_story_figures() -> None:
    assert count_story_figures(dict(REPLAY), COPIES, REPLAY) == StoryFigures(0, 0, 0)


def test_an_article_indexed_without_its_story_is_counted() -> None:
    assert count_story_figures({**REPLAY, "o3": None}, COPIES, REPLAY) == StoryFigures(1, 0, 0)


def test_a_story_unlike_the_replay_is_counted() -> None:
    # e.g. a stage restarted without its state: its next article starts a story of its own
    assert count_story_figures({**REPLAY, "o2": "s-9"}, COPIES, REPLAY) == StoryFigures(0, 1, 0)
    # an article the replay never saw (no assignment record: not clustered by the stage)
    assert count_story_figures({**REPLAY, "o4": "s-2"}, COPIES, REPLAY) == StoryFigures(0, 1, 0)


def test_a_copy_in_another_story_than_its_original_is_counted() -> None:
    assert count_story_figures({**REPLAY, "c1": "s-2"}, COPIES, {**REPLAY, "c1": "s-2"}) == StoryFigures(0, 0, 1)


def test_the_replay_follows_the_decision_order() -> None:
    events = {e.article.id: e for e in (enriched(r) for r in gold_rows()[:40])}
    order = list(events)
    assert clean_replay(order, events) == expected_ids([events[i] for i in order])
    assert clean_replay(order[::-1], events) != clean_replay(order, events)  # order matters: it is the stage's

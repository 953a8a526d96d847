"""Fault campaigns against the real pipeline: 0 lost and duplicates marked, whatever breaks.

`make test` runs the short one (kill each service in turn, a few hundred articles, some of
them bad); `make test-faults` runs the whole campaign with 2,000 articles per fault.
"""

from __future__ import annotations

import os

import pytest

from shared.settings import CommonSettings
from tests.e2e.campaign_stories import StoryFigures
from tests.e2e.campaign import (
    HEADER,
    Outcome,
    kill_each_in_turn,
    rebalance,
    restart_broker,
    run_campaign,
    stop_elasticsearch,
)

FULL_N = int(os.environ.get("NEWSFLOW_FAULT_N", "2000"))


def check(outcome: Outcome) -> None:
    print("\n" + HEADER + "\n" + outcome.row() + "\n" + outcome.note())
    assert outcome.accepted == outcome.sent
    assert outcome.lost == 0, outcome
    assert outcome.indexed + outcome.dead_lettered == outcome.accepted
    assert outcome.copies > 0 and outcome.resends > 0, outcome  # the figures below measure something
    assert outcome.duplicates.copies_unmarked == 0, outcome
    assert outcome.duplicates.originals_marked == 0, outcome
    assert outcome.duplicates.extra_docs == 0, outcome
    # every indexed article has its story, the one a clean replay through StoryClusterer gives it
    assert outcome.stories is not None and outcome.stories == StoryFigures(0, 0, 0), outcome.stories
    # written more than once is reported, not a failure: after a SIGKILL the stage replays what it
    # had not committed, and the replay overwrites the same _id (idempotent, so nothing is duplicated)


def test_short_campaign_kill_each_service(pipeline) -> None:  # noqa: ANN001
    settings = CommonSettings()
    outcome = run_campaign("SIGKILL each service (short)", pipeline, settings, n=300, rate=25,
                           fault=kill_each_in_turn(pipeline), bad_every=50)
    check(outcome)
    assert outcome.dead_lettered == 6  # the boilerplate-only articles, with their reason


@pytest.mark.pipeline_env(NEWSFLOW_CLEAN_DUPLICATE_THRESHOLD="0.98")
def test_copies_unmarked_fails_when_near_dedup_is_off(pipeline) -> None:  # noqa: ANN001
    """Near-duplicate detection off (MinHash asking for 98 % of shingles in common; datasketch
    allows no more): only exact copies are marked, the near copies (another title, a credit
    line) show up as unmarked, and the campaign's check fails."""
    outcome = run_campaign("near-dedup off (threshold 0.98)", pipeline, CommonSettings(), n=60, rate=20,
                           fault=lambda: None, copy_every=5, resend_every=20)
    print("\n" + HEADER + "\n" + outcome.row() + "\n" + outcome.note())
    near_copies = outcome.copies // 2
    assert near_copies > 0
    assert outcome.duplicates.copies_unmarked == near_copies, outcome
    assert outcome.duplicates.originals_marked == 0, outcome
    with pytest.raises(AssertionError):
        check(outcome)


@pytest.mark.faults
@pytest.mark.parametrize("fault", ["kill-each", "broker-restart", "elasticsearch-30s", "rebalance"])
def test_full_campaign(pipeline, fault: str) -> None:  # noqa: ANN001
    settings = CommonSettings()
    injected = {
        "kill-each": kill_each_in_turn(pipeline, gap=8),
        "broker-restart": restart_broker,
        "elasticsearch-30s": stop_elasticsearch(30),
        "rebalance": rebalance(pipeline),
    }[fault]
    outcome = run_campaign(fault, pipeline, settings, n=FULL_N, rate=40, fault=injected, bad_every=100,
                           timeout=1200)
    check(outcome)

"""Fault campaigns against the real pipeline: 0 lost and 0 duplicated, whatever breaks.

`make test` runs the short one (kill each service in turn, a few hundred articles, some of
them bad); `make test-faults` runs the whole campaign with 2,000 articles per fault.
"""

from __future__ import annotations

import os

import pytest

from shared.settings import CommonSettings
from tests.e2e.campaign import (
    HEADER,
    kill_each_in_turn,
    rebalance,
    restart_broker,
    run_campaign,
    stop_elasticsearch,
)

FULL_N = int(os.environ.get("NEWSFLOW_FAULT_N", "2000"))


def check(outcome) -> None:  # noqa: ANN001
    print("\n" + HEADER + "\n" + outcome.row())
    assert outcome.accepted == outcome.sent
    assert outcome.lost == 0, outcome
    assert outcome.duplicated == 0, outcome
    assert outcome.indexed + outcome.dead_lettered == outcome.accepted


def test_short_campaign_kill_each_service(pipeline) -> None:  # noqa: ANN001
    settings = CommonSettings()
    outcome = run_campaign("SIGKILL each service (short)", pipeline, settings, n=300, rate=25,
                           fault=kill_each_in_turn(pipeline), bad_every=50)
    check(outcome)
    assert outcome.dead_lettered == 6  # the boilerplate-only articles, with their reason


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

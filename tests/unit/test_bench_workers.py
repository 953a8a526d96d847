"""benchmarks/workers.py: when a group of workers has formed, and the steady-state rate."""

from __future__ import annotations

import json

from benchmarks.workers import assignment, first_batch_at, group_formed, steady_rate


def log(*messages: tuple[str, str]) -> str:
    return "\n".join(json.dumps({"time": t, "message": m}) for t, m in messages) + "\nnot json\n"


FIRST = log(("2026-12-02T02:36:16.443+00:00", "partitions assigned: []"),
            ("2026-12-02T02:36:16.661+00:00", "partitions assigned: [0, 1, 2, 3, 4, 5]"),
            ("2026-12-02T02:36:58.094+00:00", "partitions revoked: [0, 1, 2, 3, 4, 5]"),
            ("2026-12-02T02:36:58.137+00:00", "partitions assigned: [0, 1, 2]"),
            ("2026-12-02T02:37:30.000+00:00", "enrich: batch of 32: 32 written, 0 dead-lettered"),
            ("2026-12-02T02:37:50.000+00:00", "enrich: batch of 32: 32 written, 0 dead-lettered"))
SECOND = log(("2026-12-02T02:36:18.447+00:00", "partitions revoked: []"),
             ("2026-12-02T02:36:58.191+00:00", "partitions assigned: [3, 4, 5]"))


def test_assignment_is_the_last_one_logged() -> None:
    assert assignment(FIRST) == {0, 1, 2}
    assert assignment(SECOND) == {3, 4, 5}
    assert assignment(log(("2026-12-02T02:36:18.447+00:00", "partitions revoked: [3]"))) is None
    assert assignment("") is None


def test_group_formed_only_when_every_partition_has_exactly_one_owner() -> None:
    assert group_formed([FIRST, SECOND], 6)
    joining = log(("2026-12-02T02:36:18.447+00:00", "partitions revoked: []"))
    assert not group_formed([FIRST, joining], 6)  # the second is still waiting in the rebalance
    first_alone = log(("2026-12-02T02:36:16.661+00:00", "partitions assigned: [0, 1, 2, 3, 4, 5]"))
    assert not group_formed([first_alone, SECOND], 6)  # overlapping: the first has not rejoined yet
    assert not group_formed([FIRST, SECOND], 7)


def test_first_batch_and_steady_rate() -> None:
    since = first_batch_at(FIRST, "enrich")
    assert since is not None and first_batch_at(SECOND, "enrich") is None
    ms = [int((since - 5) * 1000)] + [int((since + k) * 1000) for k in range(1, 11)]
    rate, counted, span = steady_rate(ms, since)
    assert counted == 10 and span == 10.0 and rate == 1.0  # the output before `since` is not counted
    assert steady_rate(ms[:1], since) == (None, 0, 0.0)

"""The stories bench rows: each ratio judged against the 10 % bar, nothing when the section did not run."""

from __future__ import annotations

from typing import Any

from benchmarks.stories import BAR, rows


def result(cluster_ms: float, enrich_ms: float, short_cluster_ms: float, short_enrich_ms: float) -> dict[str, Any]:
    part = {"cluster_ms": cluster_ms, "enrich_ms": enrich_ms, "cluster_cpu_ms": cluster_ms, "enrich_cpu_ms": enrich_ms,
            "cpu_ratio": cluster_ms / enrich_ms}
    short = {"articles": 315, "mean_body_chars": 29, "cluster_ms": short_cluster_ms, "enrich_ms": short_enrich_ms,
             "cluster_cpu_ms": short_cluster_ms, "enrich_cpu_ms": short_enrich_ms,
             "cpu_ratio": short_cluster_ms / short_enrich_ms}
    return {**part, "articles": 320, "open_stories_before": 2300, "bar": BAR, "step_extra_ms": 0.5,
            "cluster_p50_ms": 1.0, "cluster_p99_ms": 9.0, "filler_ms": 2.0, "short": short}


def test_each_ratio_is_judged_against_the_bar() -> None:
    table = rows(result(2.0, 150.0, 0.7, 1.6))
    verdicts = {row["check"].split(" (")[0]: row["result"] for row in table if row["result"] != "info"}
    assert list(verdicts.values()) == ["PASS", "PASS", "FAIL"], verdicts
    assert table[0]["ratio"] == f"{2.0 / 150.0:.3f}" and table[0]["target"] == "<= 0.10"
    # just over the bar fails, the step's extra work counts in its own row
    assert [r["result"] for r in rows(result(10.1, 100.0, 0.1, 1.6)) if r["result"] != "info"] == ["FAIL", "FAIL", "PASS"]
    assert [r["result"] for r in rows(result(9.6, 100.0, 0.1, 1.6)) if r["result"] != "info"] == ["PASS", "FAIL", "PASS"]


def test_no_rows_when_the_section_did_not_run() -> None:
    assert rows(None) == [] and rows({}) == []

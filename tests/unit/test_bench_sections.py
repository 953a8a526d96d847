"""The benchmark runner's section bookkeeping: a failed section fails the run and is named."""

from __future__ import annotations

import pytest

from benchmarks.report import rows
from benchmarks.sections import FAILED, NOT_RUN, OK, ForcedFailure, Sections


def boom() -> None:
    raise ConnectionRefusedError("[Errno 111] Connection refused")


def test_all_sections_ok_exits_0() -> None:
    s = Sections()
    assert s.run("a", lambda: 1) == 1 and s.run("b", lambda x: x * 2, 3) == 6
    assert (s.ok, s.exit_code, s.failed) == (True, 0, [])
    assert s.as_dict() == {"ok": True, "sections": {"a": OK, "b": OK}, "failed_sections": [], "errors": {}}


def test_a_failed_section_is_recorded_the_next_still_runs_and_the_run_exits_1() -> None:
    s = Sections()
    assert s.run("limit_bulk", boom) is None
    assert s.run("stage_index", lambda: "measured") == "measured"
    assert s.exit_code == 1 and s.failed == ["limit_bulk"]
    d = s.as_dict()
    assert d["ok"] is False and d["failed_sections"] == ["limit_bulk"]
    assert d["sections"] == {"limit_bulk": FAILED, "stage_index": OK}
    assert "Connection refused" in d["errors"]["limit_bulk"]
    assert "limit_bulk" in s.summary() and "FAILED" in s.summary()


def test_not_run_sections_fail_the_run_too() -> None:
    s = Sections()
    s.run("servers", boom)
    s.not_run("stage_index", "servers failed first")
    assert s.failed == ["servers", "stage_index"] and s.as_dict()["sections"]["stage_index"] == NOT_RUN


def test_nothing_run_is_not_a_success() -> None:
    assert Sections().exit_code == 1


def test_forced_failure_raises_inside_the_section_only() -> None:
    s = Sections(force_fail={"stage_index"})
    calls: list[str] = []
    s.run("limit_bulk", lambda: calls.append("bulk"))
    s.run("stage_index", lambda: calls.append("index"))
    assert calls == ["bulk"] and s.failed == ["stage_index"]
    assert ForcedFailure.__name__ in s.errors["stage_index"]


def test_interrupts_are_not_swallowed() -> None:
    def interrupted() -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        Sections().run("e2e", interrupted)


def test_the_table_shows_each_failed_section_as_a_fail_row() -> None:
    s = Sections()
    s.run("stage_index", boom)
    s.not_run("e2e", "servers failed first")
    table = rows({"n": 1, "stages": {}, **s.as_dict()})
    fails = [r for r in table if r["result"] == "FAIL"]
    assert [r["check"] for r in fails] == ["FAILED: section stage_index", "NOT RUN: section e2e"]
    assert "Connection refused" in fails[0]["measured"]


def test_servers_down_are_started_and_only_those_are_stopped(monkeypatch: pytest.MonkeyPatch) -> None:
    import subprocess

    import benchmarks.infra as infra

    up = {"kafka": False, "elasticsearch": True}
    calls: list[list[str]] = []

    def run(cmd: list[str], cwd: object = None) -> subprocess.CompletedProcess[bytes]:
        calls.append(cmd[-2:])
        if cmd[-2] == "start":
            up[cmd[-1]] = True
        return subprocess.CompletedProcess(cmd, 0)

    monkeypatch.setattr(infra, "server_up", lambda name: up[name])
    monkeypatch.setattr(infra.subprocess, "run", run)
    monkeypatch.setattr(infra, "KAFKA", infra.LOCAL["kafka"])
    monkeypatch.setattr(infra, "ES_URL", infra.LOCAL["elasticsearch"])
    started = infra.start_servers()
    assert started == ["kafka"] and calls == [["start", "kafka"]]
    infra.stop_servers(started)
    assert calls[-1] == ["stop", "kafka"] and ["stop", "elasticsearch"] not in calls


def test_a_server_that_does_not_come_up_fails_the_servers_section(monkeypatch: pytest.MonkeyPatch) -> None:
    import subprocess

    import benchmarks.infra as infra

    calls: list[list[str]] = []
    monkeypatch.setattr(infra, "server_up", lambda name: name == "kafka")
    monkeypatch.setattr(infra.subprocess, "run",
                        lambda cmd, cwd=None: calls.append(cmd[-2:]) or subprocess.CompletedProcess(cmd, 1))
    monkeypatch.setattr(infra, "KAFKA", infra.LOCAL["kafka"])
    monkeypatch.setattr(infra, "ES_URL", infra.LOCAL["elasticsearch"])
    s = Sections()
    s.run("servers", infra.start_servers)
    assert s.failed == ["servers"] and "could not start elasticsearch" in s.errors["servers"]
    assert calls == [["start", "elasticsearch"]]  # and nothing to stop: it never came up


def test_a_named_server_elsewhere_is_never_replaced_by_a_local_one(monkeypatch: pytest.MonkeyPatch) -> None:
    import benchmarks.infra as infra

    monkeypatch.setattr(infra, "server_up", lambda name: False)
    monkeypatch.setattr(infra, "KAFKA", "kafka.internal:9092")
    monkeypatch.setattr(infra.subprocess, "run", lambda *a, **k: pytest.fail("must not start anything"))
    with pytest.raises(RuntimeError, match="not the local launcher's address"):
        infra.start_servers()


def test_the_index_ratio_is_taken_against_the_fastest_raw_pass_of_the_run() -> None:
    stage = {"rate": 900.0, "runs_rates": [900.0, 700.0], "raw_rate": 1000.0, "raw_rates": [1000.0, 800.0],
             "round_ratios": [0.9, 0.875], "peak_rss_mb": [200.0]}
    for limits_rate, ratio, verdict in ((1500.0, "0.60", "FAIL"), (950.0, "0.90", "PASS")):
        table = rows({"n": 1, "stages": {"index": stage}, "limit_bulk": {"rate": limits_rate, "mb_per_s": 1.0,
                                                                        "chunk": 500}})
        (row,) = [r for r in table if r["check"].startswith("index stage alone (best")]
        assert (row["ratio"], row["result"]) == (ratio, verdict)


def test_the_syndicated_row_judges_reuse_on_against_off() -> None:
    def load(rate: float) -> dict[str, object]:
        return {"throughput": rate, "marked_duplicate": 90, "reused": 90, "copies": 90}

    for on, verdict in ((4.0, "PASS"), (3.5, "FAIL")):
        syn = {"share": 0.3, "loads": {"on": [load(on)], "off": [load(2.8)]}, "rate_on": on, "rate_off": 2.8,
               "ratio": on / 2.8, "round_ratios": [on / 2.8]}
        (row,) = [r for r in rows({"n": 1, "syndicated": syn}) if r["check"].startswith("e2e, 30% syndicated")]
        assert row["result"] == verdict

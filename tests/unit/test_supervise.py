"""The local supervisor restarts a service that exits non-zero, with backoff, and stops on exit 0."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SUPERVISE = REPO / "deploy" / "local" / "supervise.py"


def test_restarts_until_the_service_stays_up_then_stops_on_exit_0(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    # fails twice (exit 1, then 3), then exits 0 as a stopped service does
    script = ("import pathlib, sys; p = pathlib.Path(sys.argv[1]); n = int(p.read_text()) if p.exists() else 0; "
              "p.write_text(str(n + 1)); print('run', n); sys.exit([1, 3, 0][n])")
    done = subprocess.run([sys.executable, str(SUPERVISE), "--tag", "svc", "--log", str(tmp_path / "svc.log"),
                           "--run-dir", str(tmp_path), "--", sys.executable, "-c", script, str(runs)],
                          timeout=30)
    assert done.returncode == 0
    assert runs.read_text() == "3"
    state = json.loads((tmp_path / "svc.restarts.json").read_text())
    assert state["restarts"] == 2 and state["last_exit"] == 3
    log = (tmp_path / "svc.log").read_text()
    assert "svc exited with 1; restart 1 in 1s" in log and "exited with 3; restart 2 in 2s" in log


def test_sigterm_is_passed_on_and_nothing_restarts(tmp_path: Path) -> None:
    script = ("import signal, sys, time; signal.signal(signal.SIGTERM, lambda *a: sys.exit(0)); "
              "print('up', flush=True); time.sleep(60)")
    proc = subprocess.Popen([sys.executable, str(SUPERVISE), "--tag", "svc", "--log", str(tmp_path / "svc.log"),
                             "--run-dir", str(tmp_path), "--", sys.executable, "-c", script])
    deadline = time.monotonic() + 10
    while "up" not in (tmp_path / "svc.log").read_text(errors="replace") if (tmp_path / "svc.log").exists() else True:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=10) == 0
    assert json.loads((tmp_path / "svc.restarts.json").read_text())["restarts"] == 0

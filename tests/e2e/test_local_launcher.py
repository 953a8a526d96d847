"""The local launcher (`make run`'s): a stage that dies is restarted by its supervisor, and status says so."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from deploy.local import services as launcher
from tests.e2e.conftest import wait_for

REPO = Path(__file__).resolve().parents[2]
SERVICES = REPO / "deploy" / "local" / "services.py"


def children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return [int(x) for x in out.split()]


def test_a_killed_stage_is_restarted_and_counted(isolated_env: dict[str, str], tmp_path: Path) -> None:
    env = launcher.isolated_env({**os.environ, **isolated_env, "NEWSFLOW_VAR": str(tmp_path)})
    env.setdefault("NEWSFLOW_INGEST_TOKEN", "test-token")
    subprocess.run([sys.executable, str(SERVICES), "start"], env=env, check=True, timeout=240)
    try:
        supervisor = int((tmp_path / "run" / "clean.pid").read_text())
        first = wait_for(lambda: children(supervisor), timeout=30, what="clean under its supervisor")[0]
        os.kill(first, signal.SIGKILL)
        wait_for(lambda: [c for c in children(supervisor) if c != first], timeout=30, what="clean restarted")
        status = subprocess.run([sys.executable, str(SERVICES), "status"], env=env, capture_output=True, text=True)
        rows = {r["service"]: r for r in json.loads(status.stdout)}
        assert rows["clean"]["restarts"] == 1 and rows["clean"]["last_exit"] == -signal.SIGKILL
        assert rows["clean"]["state"] == "running" and rows["enrich"]["restarts"] == 0
    finally:
        subprocess.run([sys.executable, str(SERVICES), "stop"], env=env, timeout=120)
    time.sleep(0.5)
    assert not children(supervisor)

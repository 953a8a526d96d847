"""``make bench`` with Kafka and Elasticsearch down (after ``make stop``): the run starts them,
measures, stops exactly what it started, and a failed section makes it exit 1 and names it.

For real, without touching the shared servers the other tests use: the launcher's port and
data-directory overrides (KAFKA_PORT, ELASTICSEARCH_PORT, NEWSFLOW_VAR) put a second Kafka and
Elasticsearch on free ports under a fresh directory, where nothing runs until the bench starts
them. One section is forced to fail (``--fail-section``); another really measures.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


def processes_under(path: str) -> list[int]:
    pids = []
    for d in os.listdir("/proc"):
        try:
            if d.isdigit() and path in Path(f"/proc/{d}/cmdline").read_bytes().decode(errors="replace"):
                pids.append(int(d))
        except OSError:
            continue
    return pids


@pytest.mark.e2e
def test_bench_starts_the_servers_it_needs_stops_them_and_fails_on_a_failed_section() -> None:
    ports = {name: free_port() for name in ("KAFKA_PORT", "KAFKA_CONTROLLER_PORT", "ELASTICSEARCH_PORT",
                                            "ELASTICSEARCH_TRANSPORT_PORT")}
    assert not any(port_open(p) for p in ports.values())
    # not under pytest's tmp_path: Elasticsearch runs as an unprivileged user, who must reach it
    var = tempfile.mkdtemp(prefix="newsflow-bench-var-", dir="/tmp")
    os.chmod(var, 0o755)
    env = {**os.environ, **{k: str(v) for k, v in ports.items()}, "NEWSFLOW_VAR": var,
           "KAFKA_HEAP": "512m", "ES_HEAP": "768m",
           "KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{ports['KAFKA_PORT']}",
           "ELASTICSEARCH_URL": f"http://127.0.0.1:{ports['ELASTICSEARCH_PORT']}"}
    try:
        done = subprocess.run([sys.executable, "-m", "benchmarks.run", "--only", "index", "--quick",
                               "--fail-section", "stage_index"], cwd=REPO, env=env, capture_output=True,
                              text=True, timeout=900)
        out = done.stdout + done.stderr
        assert done.returncode == 1, out[-3000:]
        assert "bench FAILED: FAILED sections: stage_index" in done.stdout, out[-3000:]
        results_path = re.search(r"results: (\.bench/bench-\S+\.json)", done.stdout)
        assert results_path, out[-3000:]
        results = json.loads((REPO / results_path.group(1)).read_text())
        assert results["servers_started"] == ["kafka", "elasticsearch"]
        assert results["sections"] == {"servers": "ok", "corpus": "ok", "limit_bulk": "ok", "stage_index": "failed"}
        assert results["limit_bulk"]["count"] > 0 and results["limit_bulk"]["rate"] > 0  # it measured for real
        assert "stopping kafka (this run started it)" in out and "stopping elasticsearch (this run started it)" in out
        assert not any(port_open(p) for p in (ports["KAFKA_PORT"], ports["ELASTICSEARCH_PORT"]))
        assert processes_under(var) == []
    finally:
        for pid in processes_under(var):  # only what this test's bench left behind, by its own directory
            os.kill(pid, 9)
        shutil.rmtree(var, ignore_errors=True)

"""All services as real processes against real Kafka and Elasticsearch."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from deploy.local.services import wait_healthy

REPO = Path(__file__).resolve().parents[2]
STAGES = ("ingest", "clean", "enrich", "stories", "index", "search")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Pipeline:
    env: dict[str, str]
    log_dir: Path
    ingest_url: str
    search_url: str
    procs: dict[str, list[subprocess.Popen[bytes]]] = field(default_factory=dict)

    def start(self, stage: str) -> subprocess.Popen[bytes]:
        n = len(self.procs.get(stage, []))
        log = open(self.log_dir / f"{stage}-{n}.log", "ab")
        proc = subprocess.Popen([sys.executable, "-m", f"services.{stage}"], cwd=REPO, env=self.env,
                                stdout=log, stderr=subprocess.STDOUT)
        self.procs.setdefault(stage, []).append(proc)
        return proc

    def kill(self, stage: str, index: int = 0, sig: int = signal.SIGKILL) -> None:
        proc = self.procs[stage].pop(index)
        proc.send_signal(sig)
        proc.wait(timeout=30)

    def stop_all(self) -> None:
        for procs in self.procs.values():
            for p in procs:
                if p.poll() is None:
                    p.terminate()
        for procs in self.procs.values():
            for p in procs:
                try:
                    p.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    p.kill()

    def wait_healthy(self, timeout: float = 60) -> None:
        servers = [p for stage in ("ingest", "search") for p in self.procs.get(stage, [])]
        try:
            wait_healthy([self.ingest_url, self.search_url], alive=lambda: all(p.poll() is None for p in servers),
                         timeout=timeout)
        except TimeoutError as exc:
            raise AssertionError(f"{exc}; logs in {self.log_dir}") from exc

    def alive(self) -> dict[str, bool]:
        return {f"{s}-{i}": p.poll() is None for s, ps in self.procs.items() for i, p in enumerate(ps)}


@pytest.fixture()
def pipeline(isolated_env: dict[str, str], tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Pipeline]:
    """All six services; ``@pytest.mark.pipeline_env(NAME=value)`` adds settings for one test."""
    ingest_port, search_port = free_port(), free_port()
    env = dict(os.environ)
    env.update(isolated_env)
    env.update({
        "NEWSFLOW_INGEST_PORT": str(ingest_port), "NEWSFLOW_SEARCH_PORT": str(search_port),
        "NEWSFLOW_CLEAN_METRICS_PORT": "0", "NEWSFLOW_ENRICH_METRICS_PORT": "0", "NEWSFLOW_INDEX_METRICS_PORT": "0",
        "NEWSFLOW_STORIES_METRICS_PORT": "0",
        "NEWSFLOW_LOG_FORMAT": "json",
    })
    marker = request.node.get_closest_marker("pipeline_env")
    if marker:
        env.update({k: str(v) for k, v in marker.kwargs.items()})
    artifacts = REPO / "test-artifacts" / "logs" / tmp_path.name
    artifacts.mkdir(parents=True, exist_ok=True)
    p = Pipeline(env, artifacts, f"http://127.0.0.1:{ingest_port}", f"http://127.0.0.1:{search_port}")
    for stage in STAGES:
        p.start(stage)
    try:
        p.wait_healthy()
        yield p
    finally:
        p.stop_all()


def wait_for(predicate, timeout: float = 120, interval: float = 0.5, what: str = "condition"):  # noqa: ANN001, ANN201
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}; last value {last!r}")

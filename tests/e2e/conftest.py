"""All services as real processes against real Kafka and Elasticsearch."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from deploy.local import services as launcher
from deploy.local.services import free_port

REPO = Path(__file__).resolve().parents[2]
STAGES = launcher.SERVICES

__all__ = ["REPO", "STAGES", "Pipeline", "free_port", "serving", "wait_for"]


@dataclass
class Pipeline:
    """The services as child processes of the test, started by the launcher with ``env``."""

    env: dict[str, str]
    log_dir: Path
    procs: dict[str, list[subprocess.Popen[bytes]]] = field(default_factory=dict)

    @property
    def ingest_url(self) -> str:
        return launcher.health_urls(self.env, ["ingest"])[0]

    @property
    def search_url(self) -> str:
        return launcher.health_urls(self.env, ["search"])[0]

    def start(self, stage: str) -> subprocess.Popen[bytes]:
        n = len(self.procs.get(stage, []))
        proc = launcher.spawn(stage, self.env, self.log_dir / f"{stage}-{n}.log", instance=n)
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
        servers = [p for stage in launcher.HTTP_SERVICES for p in self.procs.get(stage, [])]
        try:
            launcher.wait_healthy(launcher.health_urls(self.env, self.procs),
                                  alive=lambda: all(p.poll() is None for p in servers), timeout=timeout)
        except TimeoutError as exc:
            raise AssertionError(f"{exc}; logs in {self.log_dir}") from exc

    def alive(self) -> dict[str, bool]:
        return {f"{s}-{i}": p.poll() is None for s, ps in self.procs.items() for i, p in enumerate(ps)}

    def start_all(self, timeout: float = 60) -> None:
        """Every service, in the launcher's order, then the wait until the HTTP ones are healthy."""
        for stage in STAGES:
            self.start(stage)
        self.wait_healthy(timeout)


@contextmanager
def serving(service: str, env: dict[str, str], log: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """One HTTP service spawned by the launcher: its URL and process once healthy (an
    AssertionError with its log's tail if it is not within 60 s); terminated on the way out."""
    proc = launcher.spawn(service, env, log)
    url, = launcher.health_urls(env, [service])
    try:
        try:
            launcher.wait_healthy([url], alive=lambda: proc.poll() is None, timeout=60)
        except TimeoutError as exc:
            raise AssertionError(f"{exc}:\n{log.read_text(errors='replace')[-2000:]}") from exc
        yield url, proc
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@pytest.fixture()
def pipeline(isolated_env: dict[str, str], tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Pipeline]:
    """All six services; ``@pytest.mark.pipeline_env(NAME=value)`` adds settings for one test."""
    env = launcher.isolated_env({**os.environ, **isolated_env})
    marker = request.node.get_closest_marker("pipeline_env")
    if marker:
        env.update({k: str(v) for k, v in marker.kwargs.items()})
    artifacts = REPO / "test-artifacts" / "logs" / tmp_path.name
    artifacts.mkdir(parents=True, exist_ok=True)
    p = Pipeline(env, artifacts)
    try:
        p.start_all()
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

"""A real cluster: 3 Kafka brokers and 2 Elasticsearch nodes (deploy/local cluster mode)."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import STAGES, Pipeline, free_port

REPO = Path(__file__).resolve().parents[2]
INFRA = [sys.executable, str(REPO / "deploy/local/infra.py")]
CLUSTER_ENV = {"NEWSFLOW_CLUSTER": "1"}


def infra(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(INFRA + list(args), env=dict(os.environ, **CLUSTER_ENV), check=check, text=True,
                          capture_output=args[0] == "env")


@pytest.fixture(scope="session")
def cluster() -> Iterator[dict[str, str]]:
    """The cluster, started if it is not running, and then stopped again (only its nodes)."""
    was_up = infra("status", check=False).returncode == 0
    infra("up")
    env = {}
    for line in infra("env").stdout.splitlines():
        key, _, value = line.removeprefix("export ").partition("=")
        env[key] = value
    yield env
    if not was_up:
        infra("stop", "elasticsearch")
        infra("stop", "kafka")


@pytest.fixture()
def cluster_pipeline(cluster: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Pipeline]:
    run = uuid.uuid4().hex[:10]
    env = dict(os.environ, **cluster, NEWSFLOW_TOPIC_PREFIX=f"c{run}.", NEWSFLOW_INDEX_ALIAS=f"articles-c{run}",
               NEWSFLOW_LOG_FORMAT="json", NEWSFLOW_CLEAN_METRICS_PORT="0", NEWSFLOW_ENRICH_METRICS_PORT="0",
               NEWSFLOW_INDEX_METRICS_PORT="0")
    env.setdefault("NEWSFLOW_INGEST_TOKEN", "cluster-test-token")
    ingest_port, search_port = free_port(), free_port()
    env.update(NEWSFLOW_INGEST_PORT=str(ingest_port), NEWSFLOW_SEARCH_PORT=str(search_port))
    for key in ("KAFKA_BOOTSTRAP_SERVERS", "ELASTICSEARCH_URL", "NEWSFLOW_TOPIC_PREFIX", "NEWSFLOW_INDEX_ALIAS",
                "NEWSFLOW_TOPIC_REPLICATION", "NEWSFLOW_TOPIC_MIN_INSYNC", "NEWSFLOW_INDEX_REPLICAS",
                "NEWSFLOW_INGEST_TOKEN"):
        monkeypatch.setenv(key, env[key])
    logs = REPO / "test-artifacts" / "logs" / f"cluster-{tmp_path.name}"
    logs.mkdir(parents=True, exist_ok=True)
    p = Pipeline(env, logs, f"http://127.0.0.1:{ingest_port}", f"http://127.0.0.1:{search_port}")
    for stage in STAGES:
        p.start(stage)
    try:
        p.wait_healthy(timeout=120)
        yield p
    finally:
        p.stop_all()

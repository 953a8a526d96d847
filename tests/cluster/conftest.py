"""A real cluster: 3 Kafka brokers and 2 Elasticsearch nodes (deploy/local cluster mode)."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from deploy.local import services as launcher
from tests.e2e.conftest import Pipeline

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
    env = launcher.isolated_env({**os.environ, **cluster, "NEWSFLOW_TOPIC_PREFIX": f"c{run}.",
                                 "NEWSFLOW_INDEX_ALIAS": f"articles-c{run}"})
    env.setdefault("NEWSFLOW_INGEST_TOKEN", "cluster-test-token")
    for key in ("KAFKA_BOOTSTRAP_SERVERS", "ELASTICSEARCH_URL", "NEWSFLOW_TOPIC_PREFIX", "NEWSFLOW_INDEX_ALIAS",
                "NEWSFLOW_TOPIC_REPLICATION", "NEWSFLOW_TOPIC_MIN_INSYNC", "NEWSFLOW_INDEX_REPLICAS",
                "NEWSFLOW_INGEST_TOKEN"):
        monkeypatch.setenv(key, env[key])
    logs = REPO / "test-artifacts" / "logs" / f"cluster-{tmp_path.name}"
    logs.mkdir(parents=True, exist_ok=True)
    p = Pipeline(env, logs)
    try:
        p.start_all(timeout=120)
        yield p
    finally:
        p.stop_all()

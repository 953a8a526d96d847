"""Fixtures for the integration and end-to-end tiers: real Kafka and real Elasticsearch.

Order of preference: servers named by KAFKA_BOOTSTRAP_SERVERS / ELASTICSEARCH_URL; else
testcontainers when a Docker engine answers; else the deploy/ launcher (no Docker needed).
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# Most tests post without a token; with no token configured ingest refuses every write unless
# told otherwise. Tests of the token itself set one (or open_writes=False) explicitly.
os.environ.setdefault("NEWSFLOW_INGEST_OPEN_WRITES", "true")


def _docker_answers() -> bool:
    try:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@pytest.fixture(scope="session")
def infra() -> Iterator[dict[str, str]]:
    kafka, es = os.environ.get("KAFKA_BOOTSTRAP_SERVERS"), os.environ.get("ELASTICSEARCH_URL")
    if kafka and es:
        yield {"kafka": kafka, "es": es}
        return
    if _docker_answers():
        from testcontainers.elasticsearch import ElasticSearchContainer
        from testcontainers.kafka import KafkaContainer

        with KafkaContainer("apache/kafka:4.1.1").with_kraft() as k, \
                ElasticSearchContainer("docker.elastic.co/elasticsearch/elasticsearch:9.2.0",
                                       mem_limit="2G").with_env("xpack.security.enabled", "false") as e:
            yield {"kafka": k.get_bootstrap_server(), "es": e.get_url()}
        return
    subprocess.run([sys.executable, str(REPO / "deploy/local/infra.py"), "up"], check=True)
    yield {"kafka": "127.0.0.1:9092", "es": "http://127.0.0.1:9200"}


@pytest.fixture()
def isolated_env(infra: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A unique topic prefix and index alias for one test, exported for settings classes."""
    run = uuid.uuid4().hex[:10]
    env = {
        "KAFKA_BOOTSTRAP_SERVERS": infra["kafka"],
        "ELASTICSEARCH_URL": infra["es"],
        "NEWSFLOW_TOPIC_PREFIX": f"t{run}.",
        "NEWSFLOW_INDEX_ALIAS": f"articles-t{run}",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env

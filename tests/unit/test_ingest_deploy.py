"""Deployment side of the ingest boundary: Elasticsearch in compose has security on with a
password from the environment, nothing infrastructure is published, `make` makes the token."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = Path(sys.executable).parent / "docker-compose"


def config(**extra: str) -> subprocess.CompletedProcess[str]:
    if not COMPOSE.exists():
        pytest.skip("docker-compose not installed in the venv")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COMPOSE_", "DOCKER_", "ELASTIC"))}
    env.update(NEWSFLOW_INGEST_TOKEN="t", **extra)
    return subprocess.run([str(COMPOSE), "-f", "docker-compose.yml", "config", "--format", "json"], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=60)


def test_compose_needs_an_elastic_password_and_every_service_uses_it() -> None:
    missing = config()
    assert missing.returncode != 0 and "ELASTIC_PASSWORD" in missing.stderr
    done = config(ELASTIC_PASSWORD="pw-123")
    assert done.returncode == 0, done.stderr
    services = json.loads(done.stdout)["services"]
    es = services["elasticsearch"]
    assert es["environment"]["xpack.security.enabled"] == "true" and es["environment"]["ELASTIC_PASSWORD"] == "pw-123"
    assert "elastic:$${ELASTIC_PASSWORD}" in " ".join(es["healthcheck"]["test"]) or "ELASTIC_PASSWORD" in str(es["healthcheck"])
    for name in ("ingest", "clean", "enrich", "index", "search"):
        assert services[name]["environment"]["ELASTICSEARCH_URL"] == "http://elastic:pw-123@elasticsearch:9200"
    assert not es.get("ports") and not services["kafka"].get("ports")


def test_make_generates_the_ingest_token_once_and_passes_it_to_the_local_services() -> None:
    text = (ROOT / "Makefile").read_text()
    services_up = text.split("\nservices-up:", 1)[1].split("\n\n", 1)[0]
    assert "$(MAKE_TOKEN)" in services_up and "NEWSFLOW_INGEST_TOKEN_FILE=" in services_up
    make_token = next(line for line in text.splitlines() if line.startswith("MAKE_TOKEN ="))
    assert "test -s $(TOKEN_FILE) ||" in make_token and "umask 077" in make_token

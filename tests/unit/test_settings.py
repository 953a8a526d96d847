"""Each service's settings class reads its own env prefix and the shared plain names, and is frozen."""

from __future__ import annotations

import importlib

import pytest
from pydantic import ValidationError

from deploy.local import services as launcher
from services.clean.__main__ import CleanSettings
from services.enrich.__main__ import EnrichSettings
from services.ingest.settings import IngestSettings
from shared.settings import CommonSettings, StageSettings


@pytest.mark.parametrize(("cls", "prefix", "metrics_port"), [
    (CleanSettings, "NEWSFLOW_CLEAN_", 9101), (EnrichSettings, "NEWSFLOW_ENRICH_", 9102),
])
def test_a_stage_reads_its_prefix_and_the_plain_names(monkeypatch: pytest.MonkeyPatch, cls: type[StageSettings],
                                                      prefix: str, metrics_port: int) -> None:
    assert cls().metrics_port == metrics_port
    assert cls.model_fields["metrics_port"].description == StageSettings.model_fields["metrics_port"].description
    monkeypatch.setenv(f"{prefix}BATCH_SIZE", "7")
    monkeypatch.setenv("NEWSFLOW_BATCH_SIZE", "99")  # another stage's knob is not read unprefixed
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "k1:9092,k2:9092")
    monkeypatch.setenv("NEWSFLOW_TOPIC_REPLICATION", "3")
    s = cls()
    assert (s.batch_size, s.kafka_bootstrap_servers, s.topic_replication) == (7, "k1:9092,k2:9092", 3)
    with pytest.raises(ValidationError):
        s.batch_size = 8  # type: ignore[misc]


def test_ingest_reads_its_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSFLOW_INGEST_PORT", "18001")
    monkeypatch.setenv("NEWSFLOW_PORT", "1")
    assert IngestSettings().port == 18001


def test_shared_settings_by_name_and_by_env(monkeypatch: pytest.MonkeyPatch) -> None:
    assert CommonSettings(create_topics=False).create_topics is False
    monkeypatch.setenv("NEWSFLOW_CREATE_TOPICS", "false")
    assert CommonSettings().create_topics is False
    with pytest.raises(ValidationError):
        CommonSettings(topic_replication=0)
    assert "(NEWSFLOW_TOPIC_REPLICATION)" in (CommonSettings.model_fields["topic_replication"].description or "")


def settings_class(service: str) -> type[CommonSettings]:
    module = importlib.import_module("services.ingest.settings" if service == "ingest" else f"services.{service}.__main__")
    return next(v for k, v in vars(module).items() if k.endswith("Settings") and k.lower().startswith(service))


@pytest.mark.parametrize("service", launcher.SERVICES)
def test_the_launcher_and_the_settings_agree(monkeypatch: pytest.MonkeyPatch, service: str) -> None:
    """The launcher's ports and prefixes are the ones each service's settings read: an isolated env
    reaches every service (its free HTTP port, /metrics off), the defaults match."""
    spec, cls = launcher.SPECS[service], settings_class(service)
    env = launcher.isolated_env({})
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    if spec.http_port is not None:
        assert cls.model_fields["port"].default == spec.http_port
        assert launcher.health_urls(env, [service]) == [f"http://127.0.0.1:{cls().port}"]  # type: ignore[attr-defined]
    if spec.metrics_port is not None:
        assert cls.model_fields["metrics_port"].default == spec.metrics_port
        assert cls().metrics_port == 0  # type: ignore[attr-defined]
        assert spec.worker_env({}, 1)[spec.env_prefix + "METRICS_PORT"] == str(spec.metrics_port + 10)

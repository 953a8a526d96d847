"""Settings shared by every service: each declared once, with its environment variable.

Services subclass :class:`CommonSettings` (HTTP services) or :class:`StageSettings` (stream
stages) with their own env prefix as a class keyword, ``class CleanSettings(StageSettings,
env_prefix="NEWSFLOW_CLEAN_")``; frozen, ``extra="ignore"`` and ``populate_by_name`` are
inherited. The connection settings below keep their plain, conventional names (no prefix) so
one environment serves all.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


def env_setting(default: Any, env: str, description: str, **constraints: Any) -> Any:
    """A setting read from the environment variable ``env`` as named (no service prefix); its
    description ends with the variable's name."""
    return Field(default=default, validation_alias=env, description=f"{description} ({env})", **constraints)


def metrics_port_setting(default: int) -> Any:
    """The stage's Prometheus port setting (``NEWSFLOW_<STAGE>_METRICS_PORT``) with its default."""
    return Field(default=default, description="Prometheus /metrics port (0: off)")


class CommonSettings(BaseSettings):
    # populate_by_name: CommonSettings(create_topics=False) works too, not only the env alias
    model_config = SettingsConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    kafka_bootstrap_servers: str = env_setting("127.0.0.1:9092", "KAFKA_BOOTSTRAP_SERVERS",
                                               "Kafka bootstrap servers, comma separated")
    topic_prefix: str = env_setting("", "NEWSFLOW_TOPIC_PREFIX", "Prefix for every topic name; tests use a unique one")
    elasticsearch_url: str = env_setting("http://127.0.0.1:9200", "ELASTICSEARCH_URL",
                                         "Elasticsearch base URL, or several comma separated for a cluster")
    elasticsearch_api_key: SecretStr | None = env_setting(None, "ELASTICSEARCH_API_KEY",
                                                          "Optional API key for a secured cluster")
    index_alias: str = env_setting("articles", "NEWSFLOW_INDEX_ALIAS",
                                   "Alias searched and written through; the concrete index is <alias>-v<N>")
    metrics_host: str = env_setting("127.0.0.1", "NEWSFLOW_METRICS_HOST",
                                    "Address the stages' /metrics listens on (0.0.0.0 in containers)")
    topic_replication: int = env_setting(1, "NEWSFLOW_TOPIC_REPLICATION", ge=1, description=(
        "Replication factor of topics the services create (3 on a cluster of 3 brokers)"))
    topic_min_insync: int = env_setting(1, "NEWSFLOW_TOPIC_MIN_INSYNC", ge=1, description=(
        "min.insync.replicas of topics the services create (2 with replication 3): with acks=all a write is "
        "acknowledged once this many replicas have it"))
    index_replicas: int = env_setting(0, "NEWSFLOW_INDEX_REPLICAS", ge=0, description=(
        "Replicas of the articles index (1 on a cluster of 2 Elasticsearch data nodes)"))
    create_topics: bool = env_setting(True, "NEWSFLOW_CREATE_TOPICS",
                                      "Create missing topics at start; off where an operator (Strimzi) owns them")
    log_level: str = env_setting("INFO", "NEWSFLOW_LOG_LEVEL", "DEBUG, INFO, WARNING or ERROR")
    log_format: str = env_setting("json", "NEWSFLOW_LOG_FORMAT", "json or text")


class StageSettings(CommonSettings):
    """Settings every stream stage has; each stage subclasses it with its env prefix and defaults."""

    batch_size: int = Field(default=64, description="Most messages handled as one batch")
    metrics_port: int = metrics_port_setting(0)
    bad_limit: float = Field(
        default=0.5,
        description="Stop (exit 3) when more than this share of recent messages breaks its topic's contract "
                    "(undecodable, unknown schema); articles a client sent that the stage refuses never count",
    )
    setup_timeout: float = Field(
        default=300.0,
        description="Seconds to retry start-up (topics, models' sinks) while Kafka or Elasticsearch is away; "
                    "then exit 2 with a clear line",
    )

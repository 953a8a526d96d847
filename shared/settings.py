"""Settings shared by every service: each declared once, with its environment variable.

Services subclass :class:`CommonSettings` with their own env prefix for their own knobs; the
connection settings below keep their plain, conventional names so one environment serves all.
"""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class CommonSettings(BaseSettings):
    # populate_by_name: CommonSettings(create_topics=False) works too, not only the env alias
    model_config = SettingsConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    kafka_bootstrap_servers: str = Field(
        default="127.0.0.1:9092",
        validation_alias="KAFKA_BOOTSTRAP_SERVERS",
        description="Kafka bootstrap servers, comma separated (KAFKA_BOOTSTRAP_SERVERS).",
    )
    topic_prefix: str = Field(
        default="",
        validation_alias="NEWSFLOW_TOPIC_PREFIX",
        description="Prefix for every topic name; tests use a unique one (NEWSFLOW_TOPIC_PREFIX).",
    )
    elasticsearch_url: str = Field(
        default="http://127.0.0.1:9200",
        validation_alias="ELASTICSEARCH_URL",
        description="Elasticsearch base URL, or several comma separated for a cluster (ELASTICSEARCH_URL).",
    )
    elasticsearch_api_key: SecretStr | None = Field(
        default=None,
        validation_alias="ELASTICSEARCH_API_KEY",
        description="Optional API key for a secured cluster (ELASTICSEARCH_API_KEY).",
    )
    index_alias: str = Field(
        default="articles",
        validation_alias="NEWSFLOW_INDEX_ALIAS",
        description="Alias searched and written through; the concrete index is <alias>-v<N>.",
    )
    metrics_host: str = Field(
        default="127.0.0.1",
        validation_alias="NEWSFLOW_METRICS_HOST",
        description="Address the stages' /metrics listens on (0.0.0.0 in containers).",
    )
    topic_replication: int = Field(
        default=1, ge=1, validation_alias="NEWSFLOW_TOPIC_REPLICATION",
        description="Replication factor of topics the services create (3 on a cluster of 3 brokers).",
    )
    topic_min_insync: int = Field(
        default=1, ge=1, validation_alias="NEWSFLOW_TOPIC_MIN_INSYNC",
        description="min.insync.replicas of topics the services create (2 with replication 3): with acks=all "
                    "a write is acknowledged once this many replicas have it.",
    )
    index_replicas: int = Field(
        default=0, ge=0, validation_alias="NEWSFLOW_INDEX_REPLICAS",
        description="Replicas of the articles index (1 on a cluster of 2 Elasticsearch data nodes).",
    )
    create_topics: bool = Field(
        default=True,
        validation_alias="NEWSFLOW_CREATE_TOPICS",
        description="Create missing topics at start; off where an operator (Strimzi) owns them.",
    )
    log_level: str = Field(default="INFO", validation_alias="NEWSFLOW_LOG_LEVEL")
    log_format: str = Field(
        default="json", validation_alias="NEWSFLOW_LOG_FORMAT", description="json or text"
    )


class StageSettings(CommonSettings):
    """Settings every stream stage has; each stage subclasses it with its env prefix and defaults."""

    batch_size: int = Field(default=64, description="Most messages handled as one batch")
    metrics_port: int = Field(default=0, description="Prometheus /metrics port (0: off)")
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

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from shared.settings import CommonSettings


class IngestSettings(CommonSettings):
    """Ingest service settings (env prefix NEWSFLOW_INGEST_)."""

    model_config = SettingsConfigDict(env_prefix="NEWSFLOW_INGEST_", frozen=True, extra="ignore")

    host: str = Field(default="127.0.0.1", description="HTTP bind address")
    port: int = Field(default=8001, description="HTTP port")
    token: SecretStr | None = Field(default=None, description="Bearer token required on POST when set")
    max_body_bytes: int = Field(default=6 * 1024 * 1024, description="Largest accepted request body")
    rate_per_second: float = Field(default=200.0, description="Requests per second per client (0: off)")
    rate_burst: int = Field(default=400, description="Burst size of the per-client rate limit")
    feeds_file: str | None = Field(default=None, description="YAML/JSON list of feeds to poll")

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr

from shared.http import DEFAULT_HOSTS
from shared.settings import CommonSettings


def _items(value: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in value.split(",") if item.strip())


class IngestSettings(CommonSettings, env_prefix="NEWSFLOW_INGEST_"):
    """Ingest service settings (env prefix NEWSFLOW_INGEST_)."""

    host: str = Field(default="127.0.0.1", description="HTTP bind address")
    port: int = Field(default=8001, description="HTTP port")
    token: SecretStr | None = Field(default=None, description="Bearer token every write needs (POST /articles)")
    token_file: str | None = Field(
        default=None, description="File holding the bearer token (read at start when NEWSFLOW_INGEST_TOKEN is unset; "
                                  "`make run` writes var/ingest.token once)")
    open_writes: bool = Field(
        default=False, description="Accept writes without a token when none is configured (tests, a sealed "
                                   "network); off: with no token every write is refused with 401")
    allowed_hosts: str = Field(
        default="", description="Host names accepted on writes besides localhost, 127.0.0.1, [::1] and 'ingest' "
                                "(comma separated); any other Host header gets 421 (DNS rebinding)")
    allowed_origins: str = Field(
        default="", description="Origins (scheme://host:port, comma separated) allowed to write cross-site; "
                                "other cross-site Origins get 403 (CSRF)")
    fetch_allow_ranges: str = Field(
        default="", description="Address ranges (CIDR, comma separated, e.g. 10.1.0.0/16) that links taken from "
                                "feed content may point at; loopback, private, link-local and other non-global "
                                "addresses are refused otherwise (SSRF)")
    max_body_bytes: int = Field(default=6 * 1024 * 1024, description="Largest accepted request body")
    rate_per_second: float = Field(default=200.0, description="Requests per second per client (0: off)")
    rate_burst: int = Field(default=400, description="Burst size of the per-client rate limit")
    feeds_file: str | None = Field(default=None, description="YAML/JSON list of feeds to poll")

    def write_token(self) -> str | None:
        """The token writes need: the setting, else the token file's first line; None: writes are open."""
        if self.token is not None:
            return self.token.get_secret_value() or None
        if self.token_file:
            path = Path(self.token_file)
            if path.is_file():
                return path.read_text(encoding="utf-8").strip() or None
            raise ValueError(f"NEWSFLOW_INGEST_TOKEN_FILE {self.token_file} does not exist")
        return None

    def hosts(self) -> tuple[str, ...]:
        return (*DEFAULT_HOSTS, "ingest", *_items(self.allowed_hosts))

    def origins(self) -> tuple[str, ...]:
        return _items(self.allowed_origins)

    def allowed_ranges(self) -> tuple[str, ...]:
        return _items(self.fetch_allow_ranges)

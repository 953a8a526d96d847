"""Entry point: ``python -m services.search``: the read-only search API and web page."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import uvicorn
from pydantic import Field
from pydantic_settings import SettingsConfigDict

from services.search.app import create_app
from shared.alias_store import ChangeWatch, load_registry
from shared.aliases import AliasRegistry
from shared.es import make_client
from shared.logs import setup_logging
from shared.settings import CommonSettings


log = logging.getLogger(__name__)


class SearchSettings(CommonSettings):
    """Search service settings (env prefix NEWSFLOW_SEARCH_)."""

    model_config = SettingsConfigDict(env_prefix="NEWSFLOW_SEARCH_", frozen=True, extra="ignore")
    host: str = Field(default="127.0.0.1", description="HTTP bind address")
    port: int = Field(default=8000, description="HTTP port")


def alias_resolver(settings: SearchSettings):  # noqa: ANN201
    """Resolve names through the alias registry, re-read when operators change it."""
    state: dict[str, Any] = {"registry": AliasRegistry.seeded(), "checked": 0.0, "watch": None}
    lock = threading.Lock()

    def refresh() -> None:
        state["checked"] = time.monotonic()
        try:
            if state["watch"] is None:
                state["watch"] = ChangeWatch(settings)
                state["watch"].changed()
                state["registry"] = load_registry(settings)
            elif state["watch"].changed():
                state["registry"] = load_registry(settings)
        except Exception as exc:  # Kafka away: keep answering with what we know (the seed at least)
            log.warning("could not read alias corrections: %s", exc)

    refresh()

    def resolve(name: str) -> str | None:
        if time.monotonic() - state["checked"] > 15:
            with lock:
                refresh()
        return state["registry"].resolve(name)

    return resolve


def main() -> None:
    settings = SearchSettings()
    setup_logging(settings.log_level, settings.log_format)
    app = create_app(make_client(settings), settings.index_alias, alias_resolver(settings))
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning")


if __name__ == "__main__":
    main()

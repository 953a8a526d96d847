"""Entry point: ``python -m services.search``: the read-only search API and web page."""

from __future__ import annotations

import logging

import uvicorn
from pydantic import Field

from services.search.app import create_app
from shared.alias_store import LiveRegistry
from shared.es import make_client
from shared.logs import setup_logging
from shared.settings import CommonSettings


log = logging.getLogger(__name__)


class SearchSettings(CommonSettings, env_prefix="NEWSFLOW_SEARCH_"):
    """Search service settings (env prefix NEWSFLOW_SEARCH_)."""

    host: str = Field(default="127.0.0.1", description="HTTP bind address")
    port: int = Field(default=8000, description="HTTP port")


def main() -> None:
    settings = SearchSettings()
    setup_logging(settings.log_level, settings.log_format)
    app = create_app(make_client(settings), settings.index_alias, LiveRegistry(settings).resolve)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning")


if __name__ == "__main__":
    main()

"""What every newsflow HTTP service answers besides its own API: /health, /metrics, JSON errors."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest


def error(status: int, message: str, **extra: Any) -> JSONResponse:
    """An error answer: ``{"error": message}`` with the status."""
    return JSONResponse({"error": message, **extra}, status_code=status)


def add_operations_routes(app: FastAPI) -> None:
    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/metrics")
    def prometheus() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

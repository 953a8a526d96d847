"""The ingest HTTP API: POST /articles -> 202 with the id once Kafka acknowledged it."""

from __future__ import annotations

import hmac
import json
import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from services.ingest.logic import ingest, parse_submission
from services.ingest.settings import IngestSettings
from shared import metrics
from shared.errors import InvalidArticle
from shared.http import add_operations_routes, error
from shared.models import RawArticle

log = logging.getLogger(__name__)

#: publish(raw) returns once the event is durably in Kafka, raises otherwise
Publish = Callable[[RawArticle], None]


class RateLimiter:
    """A token bucket per client address."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate, self.burst = rate, burst
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def allow(self, client: str) -> bool:
        if self.rate <= 0:
            return True
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(client, (float(self.burst), now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if tokens < 1:
                self._buckets[client] = (tokens, now)
                return False
            self._buckets[client] = (tokens - 1, now)
            if len(self._buckets) > 10_000:
                self._buckets.clear()
            return True



def create_app(settings: IngestSettings, publish: Publish) -> FastAPI:
    app = FastAPI(title="newsflow ingest", version="1")
    limiter = RateLimiter(settings.rate_per_second, settings.rate_burst)
    token = settings.token.get_secret_value() if settings.token else None

    add_operations_routes(app)

    @app.post("/articles", status_code=202)
    async def post_article(request: Request) -> Response:
        if token is not None:
            given = request.headers.get("authorization", "")
            if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
                return error(401, "missing or wrong bearer token")
        client = request.client.host if request.client else "unknown"
        if not limiter.allow(client):
            return error(429, "rate limit exceeded; slow down")
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > settings.max_body_bytes:
            return error(413, f"body larger than {settings.max_body_bytes} bytes")
        body = bytearray()
        async for chunk in request.stream():
            body.extend(chunk)
            if len(body) > settings.max_body_bytes:
                return error(413, f"body larger than {settings.max_body_bytes} bytes")
        try:
            if not body:
                raise InvalidArticle("empty request body; send a JSON object")
            try:
                data = json.loads(bytes(body).decode("utf-8"))
            except UnicodeDecodeError as exc:
                raise InvalidArticle(f"body is not UTF-8: {exc.reason} at byte {exc.start}") from exc
            except json.JSONDecodeError as exc:
                raise InvalidArticle(f"body is not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from exc
            raw = ingest(parse_submission(data), datetime.now(UTC), origin="http")
        except InvalidArticle as exc:
            metrics.DEAD_LETTERED.labels(stage="ingest").inc()
            return error(422, exc.reason)
        try:
            publish(raw)
        except Exception as exc:  # Kafka unavailable: tell the client to retry, accept nothing
            log.error("publish failed: %s", exc, extra={"article_id": raw.id, "error": type(exc).__name__})
            return error(503, "could not write to Kafka; retry later")
        metrics.EVENTS_OUT.labels(stage="ingest").inc()
        log.info("accepted", extra={"article_id": raw.id})
        return JSONResponse({"id": raw.id, "status": "accepted"}, status_code=202)

    return app

"""The ingest HTTP API: POST /articles -> 202 with the id once Kafka acknowledged it."""

from __future__ import annotations

import hmac
import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import Counter
from pydantic import BaseModel

from services.ingest.contract import submission_schema
from services.ingest.logic import decode_json, ingest, parse_submission
from services.ingest.settings import IngestSettings
from shared import metrics
from shared.errors import InvalidArticle
from shared.http import ErrorBody, add_operations_routes, error, protect
from shared.models import RawArticle

log = logging.getLogger(__name__)
#: 4xx answers: the client was told, nothing reached the dead-letter topic
REJECTED = Counter("newsflow_rejected_total", "Requests refused with a 4xx (never dead-lettered)", ["stage", "status"])

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



class Accepted(BaseModel):
    id: str
    status: str = "accepted"


_ERRORS = {
    400: "malformed request", 401: "missing or wrong bearer token",
    403: "cross-site request (Origin) refused", 413: "body larger than the limit",
    415: "not Content-Type: application/json", 421: "Host name not served (DNS rebinding guard)",
    422: "not an article we accept (the reason names the field)", 429: "rate limit exceeded",
    503: "Kafka unavailable; retry later",
}


def _contract() -> dict[str, object]:
    """OpenAPI for POST /articles: the body is read by hand (size caps before parsing), so
    FastAPI cannot infer it; this declares it and every error status with its model."""
    return {
        "requestBody": {"required": True, "content": {"application/json": {
            "schema": submission_schema()}}},
        "security": [{"bearer": []}],
    }


def create_app(settings: IngestSettings, publish: Publish) -> FastAPI:
    app = FastAPI(title="newsflow ingest", version="1", docs_url=None, redoc_url=None,
                  description="Submit articles: POST /articles with a JSON body; writes need a bearer token.")
    limiter = RateLimiter(settings.rate_per_second, settings.rate_burst)
    token = settings.write_token()
    closed = token is None and not settings.open_writes
    if closed:
        log.error("no ingest token set (NEWSFLOW_INGEST_TOKEN or _TOKEN_FILE): every write is refused; "
                  "`make run` makes one in var/ingest.token")
    elif token is None:
        log.warning("NEWSFLOW_INGEST_OPEN_WRITES: no token, anyone who reaches this port can write")

    add_operations_routes(app)
    protect(app, settings.hosts(), settings.origins(), writes=[("POST", "/articles")])

    def refuse(status: int, message: str) -> JSONResponse:
        REJECTED.labels(stage="ingest", status=str(status)).inc()
        return error(status, message)

    @app.post("/articles", status_code=202, summary="Submit one article", response_model=Accepted,
              responses={code: {"model": ErrorBody, "description": text} for code, text in _ERRORS.items()},
              openapi_extra=_contract())
    async def post_article(request: Request) -> Response:
        if closed:
            return refuse(401, "writes are closed: this ingest has no token configured (NEWSFLOW_INGEST_TOKEN)")
        if token is not None:
            given = request.headers.get("authorization", "")
            if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
                return refuse(401, "missing or wrong bearer token")
        client = request.client.host if request.client else "unknown"
        if not limiter.allow(client):
            return refuse(429, "rate limit exceeded; slow down")
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > settings.max_body_bytes:
            return refuse(413, f"body larger than {settings.max_body_bytes} bytes")
        body = bytearray()
        async for chunk in request.stream():
            body.extend(chunk)
            if len(body) > settings.max_body_bytes:
                return refuse(413, f"body larger than {settings.max_body_bytes} bytes")
        try:
            raw = ingest(parse_submission(decode_json(bytes(body))), datetime.now(UTC), origin="http")
        except InvalidArticle as exc:
            return refuse(422, exc.reason)
        try:
            publish(raw)
        except Exception as exc:  # Kafka unavailable: tell the client to retry, accept nothing
            log.error("publish failed: %s", exc, extra={"article_id": raw.id, "error": type(exc).__name__})
            return error(503, "could not write to Kafka; retry later")
        metrics.EVENTS_OUT.labels(stage="ingest").inc()
        log.info("accepted", extra={"article_id": raw.id})
        return JSONResponse({"id": raw.id, "status": "accepted"}, status_code=202)

    original_openapi = app.openapi

    def openapi() -> dict[str, object]:
        if app.openapi_schema is None:
            spec = original_openapi()
            spec.setdefault("components", {})["securitySchemes"] = {"bearer": {"type": "http", "scheme": "bearer"}}
        return app.openapi_schema  # type: ignore[return-value]

    app.openapi = openapi  # type: ignore[method-assign]
    return app

"""What every newsflow HTTP service answers besides its own API, and how it guards itself.

* ``/health``, ``/metrics`` (Prometheus text) and ``{"error": ...}`` answers;
* :class:`Guard`, an ASGI middleware applied to both apps (:func:`protect`): security
  headers on every response (no framing, no sniffing, no referrer, a CSP header), and for
  the app's write operations (``writes``: method and path) a ``Host`` allow-list (421: DNS rebinding), no
  cross-site ``Origin`` (403: CSRF from a page on another site) and JSON only (415: a
  browser form or ``text/plain`` post never gets parsed);
* ``/docs`` as a self-contained page (no scripts, nothing from a CDN) listing the operations
  of ``/openapi.json``.
"""

from __future__ import annotations

import html
import json
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: Host names a service answers writes for when settings add none (the service's compose
#: name is added by each service).
DEFAULT_HOSTS = ("localhost", "127.0.0.1", "[::1]")
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
SECURITY_HEADERS = (
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"content-security-policy", CSP.encode()),
    (b"cross-origin-opener-policy", b"same-origin"),
)


class ErrorBody(BaseModel):
    """Every error answer: ``{"error": "what was wrong, in our words"}``."""

    error: str


def error(status: int, message: str, **extra: Any) -> JSONResponse:
    """An error answer: ``{"error": message}`` with the status."""
    return JSONResponse({"error": message, **extra}, status_code=status)


def host_of(value: str) -> str:
    """``Host``/authority -> the lower-case host without its port (``[::1]:8001`` -> ``[::1]``)."""
    value = value.strip().lower()
    if value.startswith("["):
        return value.split("]", 1)[0] + "]"
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


class Guard:
    """Security headers on every response; Host, Origin and content-type checks on writes."""

    def __init__(self, app: ASGIApp, hosts: Iterable[str], origins: Iterable[str] = (),
                 writes: Iterable[tuple[str, str]] = ()) -> None:
        self.app = app
        self.writes = {(method.upper(), path) for method, path in writes}
        self.hosts = {host_of(h) for h in hosts}
        self.origins = {o.strip().lower().rstrip("/") for o in origins}

    def refusal(self, scope: Scope) -> tuple[int, str] | None:
        """``(status, message)`` for a write that must not reach the app, else ``None``."""
        if (scope.get("method", "GET"), scope.get("path", "")) not in self.writes:
            return None  # reads, and methods the app does not serve (it answers 405 itself)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        host = headers.get("host", "")
        if host_of(host) not in self.hosts:
            return 421, "this server does not answer writes for that Host name"
        origin = headers.get("origin")
        if origin is not None and not self._same_site(origin, host):
            return 403, "cross-site request refused: this Origin is not allowed to write"
        if headers.get("sec-fetch-site") == "cross-site" and origin is None:
            return 403, "cross-site request refused"
        media = headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if media != "application/json":
            return 415, "send the body as JSON with Content-Type: application/json"
        return None

    def _same_site(self, origin: str, host: str) -> bool:
        origin = origin.strip().lower().rstrip("/")
        if origin in self.origins:
            return True
        try:
            authority = urlsplit(origin).netloc
        except ValueError:
            return False
        return bool(authority) and authority == host.strip().lower()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [
                    (k, v) for k, v in SECURITY_HEADERS if k not in present]
            await send(message)

        refused = self.refusal(scope)
        if refused is not None:
            await error(*refused)(scope, receive, send_with_headers)
            return
        await self.app(scope, receive, send_with_headers)


def _docs_page(spec: dict[str, Any]) -> str:
    rows = []
    for path, operations in spec.get("paths", {}).items():
        for method, op in operations.items():
            codes = ", ".join(sorted(op.get("responses", {})))
            rows.append(f"<tr><td><code>{html.escape(method.upper())}</code></td><td><code>{html.escape(path)}"
                        f"</code></td><td>{html.escape(op.get('summary', ''))}</td><td>{html.escape(codes)}</td></tr>")
    title = html.escape(spec.get("info", {}).get("title", "API"))
    return (f"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title></head><body>"
            f"<h1>{title}</h1><p>The full contract: <a href=\"/openapi.json\">/openapi.json</a> "
            f"(OpenAPI {html.escape(str(spec.get('openapi', '')))}).</p><table>"
            "<tr><th>method</th><th>path</th><th>summary</th><th>statuses</th></tr>"
            f"{''.join(rows)}</table><pre>{html.escape(json.dumps(spec, indent=2))}</pre></body></html>")


def protect(app: FastAPI, hosts: Iterable[str], origins: Iterable[str] = (),
            writes: Iterable[tuple[str, str]] = ()) -> None:
    """Apply :class:`Guard` to ``app`` and serve ``/docs`` without external scripts.

    Create the app with ``docs_url=None, redoc_url=None`` (FastAPI's own pages load Swagger UI
    or ReDoc from a CDN without integrity checks).
    """
    app.add_middleware(Guard, hosts=list(hosts), origins=list(origins), writes=list(writes))  # type: ignore[arg-type]

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse(_docs_page(app.openapi()))


def add_operations_routes(app: FastAPI) -> None:
    @app.get("/health", summary="Liveness: the process answers")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/metrics", summary="Prometheus metrics", response_class=Response,
             responses={200: {"content": {CONTENT_TYPE_LATEST.split(";")[0]: {"schema": {"type": "string"}}},
                              "description": "Prometheus text exposition format"}})
    def prometheus() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

"""Feeds, the HTTP part: conditional GETs for feeds, bounded GETs for pages.

Every request has a connect/read timeout *and* an overall deadline (a server trickling bytes
does not hold a worker forever), a size bound, the polite User-Agent, and at most one request
in flight per host (a per-host lock shared by every feed worker).

Errors are values: :class:`FetchError` carries ``transient`` (timeouts, connection errors, 5xx,
429: try again later) versus permanent (4xx, too large, not HTML, an address refused).

Pages are links taken from feed content, so a third party chooses them: :meth:`Fetcher.fetch_page`
refuses loopback, private, link-local, multicast, reserved and every other non-global address
(server-side request forgery) unless the operator allowed its range
(``NEWSFLOW_INGEST_FETCH_ALLOW_RANGES``). The host is resolved once per hop, every address it
resolves to is checked, and the connection goes to the checked address (the URL's host is
replaced by it; ``Host`` and TLS SNI/certificate checks keep the name), so a second DNS answer
cannot swap in another address (DNS rebinding). Redirects are followed by hand, each hop
checked the same way, at most ``max_redirects``. Feed URLs are the operator's own and are
fetched as configured.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx

USER_AGENT = "newsflow/0.1 (+https://github.com/newsflow)"
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)


@dataclass(frozen=True)
class FetchLimits:
    """Timeouts and size bounds (seconds, bytes). Defaults suit production; tests shrink them."""

    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    total_timeout: float = 60.0
    feed_max_bytes: int = 10 * 1024 * 1024
    page_max_bytes: int = 3 * 1024 * 1024
    max_redirects: int = 5


class FetchError(Exception):
    """A failed request: ``reason`` is the log line's text; ``transient`` says retry later."""

    def __init__(self, url: str, reason: str, transient: bool, retry_after: float | None = None) -> None:
        super().__init__(f"{url}: {reason}")
        self.url, self.reason, self.transient, self.retry_after = url, reason, transient, retry_after


@dataclass(frozen=True)
class FeedResponse:
    """A feed GET: ``body`` is None on 304 Not Modified. ``url`` is the final URL (redirects)."""

    url: str
    status: int
    body: bytes | None
    content_type: str | None
    etag: str | None
    last_modified: str | None


IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
#: host, port -> the addresses it resolves to (tests replace it; the default asks the system)
Resolver = Callable[[str, int], list[str]]


def system_resolver(host: str, port: int) -> list[str]:
    return [str(info[4][0]) for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]


class AddressGuard:
    """Which addresses links from feed content may reach: global unicast ones, plus the
    operator's ranges (CIDR)."""

    def __init__(self, allow_ranges: Sequence[str] = (), resolver: Resolver = system_resolver) -> None:
        self.allowed = [ipaddress.ip_network(r, strict=False) for r in allow_ranges]
        self.resolver = resolver

    def permits(self, ip: IPAddress) -> bool:
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        if any(ip in net for net in self.allowed):
            return True
        return ip.is_global and not ip.is_multicast

    def address_for(self, url: str) -> str:
        """The one checked address to connect to for ``url``; FetchError (permanent) if refused."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise FetchError(url, "not an http(s) URL with a host", False)
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError as exc:
            raise FetchError(url, "has a port that is not a number from 0 to 65535", False) from exc
        try:
            literal: IPAddress | None = ipaddress.ip_address(parts.hostname)
        except ValueError:
            literal = None
        if literal is not None:
            addresses = [literal]
        else:
            try:
                addresses = [ipaddress.ip_address(a.split("%", 1)[0]) for a in self.resolver(parts.hostname, port)]
            except (OSError, ValueError) as exc:
                raise FetchError(url, f"cannot resolve {parts.hostname}: {exc}", True) from exc
        if not addresses:
            raise FetchError(url, f"{parts.hostname} resolves to no address", True)
        refused = [str(a) for a in addresses if not self.permits(a)]
        if refused:
            raise FetchError(url, f"address {refused[0]} of {parts.hostname} is not a public address "
                                  "(links from feed content may not reach it; see NEWSFLOW_INGEST_FETCH_ALLOW_RANGES)", False)
        return str(addresses[0])


def pinned(url: str, address: str) -> tuple[str, dict[str, str], dict[str, str]]:
    """``url`` with its host replaced by ``address``, the Host header and the TLS SNI name."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    ip_host = f"[{address}]" if ":" in address else address
    netloc = ip_host if parts.port is None else f"{ip_host}:{parts.port}"
    extensions = {"sni_hostname": host} if parts.scheme == "https" else {}
    host_header = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, "")), {"Host": host_header}, extensions


class Fetcher:
    """One httpx client for the process, a lock per host. Thread-safe."""

    def __init__(self, limits: FetchLimits | None = None, transport: httpx.BaseTransport | None = None,
                 allow_ranges: Sequence[str] = (), resolver: Resolver = system_resolver) -> None:
        self.limits = limits or FetchLimits()
        self.guard = AddressGuard(allow_ranges, resolver)
        self._client = httpx.Client(
            headers={"User-Agent": USER_AGENT},
            timeout=httpx.Timeout(self.limits.read_timeout, connect=self.limits.connect_timeout),
            follow_redirects=True,
            max_redirects=self.limits.max_redirects,
            transport=transport,
        )
        self._hosts: dict[str, threading.Lock] = {}
        self._hosts_lock = threading.Lock()

    def close(self) -> None:
        self._client.close()

    @contextmanager
    def _host_slot(self, url: str) -> Iterator[None]:
        host = (urlsplit(url).hostname or "").lower()
        with self._hosts_lock:
            lock = self._hosts.setdefault(host, threading.Lock())
        with lock:
            yield

    def _get(self, url: str, headers: dict[str, str], max_bytes: int, *, checked: bool = False,
             deadline: float | None = None) -> tuple[httpx.Response, bytes]:
        """GET; ``checked``: connect only to an address the guard permits, no automatic redirects."""
        deadline = deadline or time.monotonic() + self.limits.total_timeout
        target, extensions = url, dict[str, str]()
        if checked:
            target, host_header, extensions = pinned(url, self.guard.address_for(url))
            headers = {**headers, **host_header}
        with self._host_slot(url):
            try:
                with self._client.stream("GET", target, headers=headers, extensions=extensions,
                                         follow_redirects=not checked) as response:
                    if response.status_code != 200:
                        return response, b""
                    declared = response.headers.get("content-length", "")
                    if declared.isdigit() and int(declared) > max_bytes:
                        raise FetchError(url, f"larger than {max_bytes} bytes (Content-Length {declared})", False)
                    body = bytearray()
                    for chunk in response.iter_bytes():
                        body.extend(chunk)
                        if len(body) > max_bytes:
                            raise FetchError(url, f"larger than {max_bytes} bytes", False)
                        if time.monotonic() > deadline:
                            raise FetchError(url, f"took longer than {self.limits.total_timeout:g}s", True)
                    return response, bytes(body)
            except httpx.TimeoutException as exc:
                raise FetchError(url, f"timed out ({type(exc).__name__})", True) from exc
            except httpx.TooManyRedirects as exc:
                raise FetchError(url, f"more than {self.limits.max_redirects} redirects", False) from exc
            except httpx.HTTPError as exc:
                raise FetchError(url, f"{type(exc).__name__}: {exc}", True) from exc

    def fetch_feed(self, url: str, etag: str | None = None, last_modified: str | None = None) -> FeedResponse:
        """Conditional GET. Raises :class:`FetchError` for anything but 200 or 304."""
        headers = {"Accept": "application/rss+xml, application/atom+xml, application/feed+json, "
                             "application/rdf+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        response, body = self._get(url, headers, self.limits.feed_max_bytes)
        if response.status_code not in (200, 304):
            raise _status_error(url, response)
        return FeedResponse(
            url=str(response.url),
            status=response.status_code,
            body=body if response.status_code == 200 else None,
            content_type=response.headers.get("content-type"),
            # on 304 a server may omit the validators: keep the ones we sent
            etag=response.headers.get("etag") or (etag if response.status_code == 304 else None),
            last_modified=response.headers.get("last-modified")
            or (last_modified if response.status_code == 304 else None),
        )

    def fetch_page(self, url: str) -> str:
        """GET an article page (a link from feed content); its HTML as text. Raises :class:`FetchError`,
        also for an address the guard refuses, on the first hop or any redirect."""
        deadline = time.monotonic() + self.limits.total_timeout
        for _hop in range(self.limits.max_redirects + 1):
            response, body = self._get(url, {"Accept": "text/html, application/xhtml+xml;q=0.9"},
                                       self.limits.page_max_bytes, checked=True, deadline=deadline)
            location = response.headers.get("location")
            if response.status_code not in (301, 302, 303, 307, 308) or not location:
                break
            url = urljoin(url, location)
        else:
            raise FetchError(url, f"more than {self.limits.max_redirects} redirects", False)
        if response.status_code != 200:
            raise _status_error(url, response)
        content_type = response.headers.get("content-type", "")
        mime = content_type.split(";")[0].strip().lower()
        if mime and mime not in ("text/html", "application/xhtml+xml"):
            raise FetchError(url, f"not an HTML page (Content-Type {mime})", False)
        return decode_html(body, content_type)


def _status_error(url: str, response: httpx.Response) -> FetchError:
    status = response.status_code
    transient = status >= 500 or status in (408, 429)
    return FetchError(url, f"HTTP {status}", transient, retry_after=_retry_after(response))


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    if not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def decode_html(body: bytes, content_type: str | None = None) -> str:
    """Bytes -> text: the header's charset, else a ``<meta charset>``, else UTF-8; never raises."""
    candidates = []
    match = re.search(r"charset=([\w.:-]+)", content_type or "", re.IGNORECASE)
    if match:
        candidates.append(match.group(1))
    meta = _META_CHARSET.search(body[:4096])
    if meta:
        candidates.append(meta.group(1).decode("ascii", "replace"))
    for encoding in [*candidates, "utf-8"]:
        try:
            return body.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            continue
    return body.decode("utf-8", "replace")

"""Links from feed content cannot aim the fetcher at internal addresses (issue 14, item 7):
a real HTTP server on 127.0.0.1, refused by default, fetched when the operator allows the
range; redirects checked hop by hop; the connection goes to the checked address."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from threading import Thread

import pytest

from services.ingest.fetch import AddressGuard, FetchError, Fetcher, FetchLimits

LIMITS = FetchLimits(connect_timeout=1.0, read_timeout=1.0, total_timeout=5.0, max_redirects=3)
PAGE = b"<html><head><title>Internal</title></head><body><p>Router admin page.</p></body></html>"


@pytest.fixture()
def local() -> Iterator[tuple[str, list[str]]]:
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            hits.append(f"{self.headers.get('Host')} {self.path}")
            if self.path.startswith("/hop"):
                self.send_response(302)
                self.send_header("Location", self.path.replace("/hop", "", 1) or "/admin")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(PAGE)))
            self.end_headers()
            self.wfile.write(PAGE)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", hits
    finally:
        server.shutdown()


def test_loopback_is_refused_by_default_and_fetched_when_allowed(local: tuple[str, list[str]]) -> None:
    base, hits = local
    with pytest.raises(FetchError) as err:
        Fetcher(LIMITS).fetch_page(f"{base}/admin")
    assert "not a public address" in err.value.reason and not err.value.transient
    assert hits == []  # refused before any connection
    assert "Router admin" in Fetcher(LIMITS, allow_ranges=["127.0.0.0/8"]).fetch_page(f"{base}/admin")


def test_a_name_that_resolves_to_loopback_is_refused_and_the_connection_is_pinned(local: tuple[str, list[str]]) -> None:
    base, hits = local
    port = base.rsplit(":", 1)[1]
    asked: list[str] = []

    def resolver(host: str, _port: int) -> list[str]:
        asked.append(host)
        return ["127.0.0.1"]

    url = f"http://news.example.test:{port}/admin"
    with pytest.raises(FetchError, match="127.0.0.1 of news.example.test"):
        Fetcher(LIMITS, resolver=resolver).fetch_page(url)
    allowed = Fetcher(LIMITS, allow_ranges=["127.0.0.1/32"], resolver=resolver)
    assert "Router admin" in allowed.fetch_page(url)  # no system DNS for this name: we connected to the checked IP
    assert hits[-1] == f"news.example.test:{port} /admin" and asked == ["news.example.test", "news.example.test"]


def test_every_redirect_is_checked(local: tuple[str, list[str]]) -> None:
    base, hits = local
    port = base.rsplit(":", 1)[1]

    def public_then_local(host: str, _port: int) -> list[str]:
        return ["127.0.0.1"] if host == "news.example.test" else ["10.0.0.1"]

    # the first hop is in the operator's range, the redirect target resolves to a private address
    redirecting = Fetcher(LIMITS, allow_ranges=["127.0.0.1/32"], resolver=public_then_local)
    with pytest.raises(FetchError, match="not a public address"):
        redirecting.fetch_page(f"http://news.example.test:{port}/hop//internal.example.test:{port}/admin")
    assert hits == [f"news.example.test:{port} /hop//internal.example.test:{port}/admin"]
    # redirects inside allowed ranges are followed, at most max_redirects times
    assert "Router admin" in Fetcher(LIMITS, allow_ranges=["127.0.0.0/8"]).fetch_page(f"{base}/hop/admin")
    with pytest.raises(FetchError, match="redirects"):
        Fetcher(LIMITS, allow_ranges=["127.0.0.0/8"]).fetch_page(f"{base}/hop/hop/hop/hop/admin")


@pytest.mark.parametrize("address", ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254",
                                     "100.64.0.1", "0.0.0.0", "224.0.0.1", "240.0.0.1", "::1", "fe80::1", "fc00::1",
                                     "::ffff:127.0.0.1", "ff02::1"])
def test_non_global_addresses_are_refused(address: str) -> None:
    assert not AddressGuard().permits(ipaddress.ip_address(address))


def test_global_addresses_and_operator_ranges_are_permitted() -> None:
    assert AddressGuard().permits(ipaddress.ip_address("93.184.215.14"))
    assert AddressGuard().permits(ipaddress.ip_address("2606:2800:21f:cb07:6820:80da:af6b:8b2c"))
    assert AddressGuard(["10.1.0.0/16"]).permits(ipaddress.ip_address("10.1.2.3"))
    assert not AddressGuard(["10.1.0.0/16"]).permits(ipaddress.ip_address("10.2.0.1"))

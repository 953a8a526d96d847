"""The feed poller against a local HTTP server and the real Kafka: each item exactly once,
also across a restart (state rebuilt from the compacted feed-state topic)."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from services.ingest.feeds import FeedConfig
from services.ingest.fetch import USER_AGENT, Fetcher, FetchLimits
from services.ingest.poller import FeedPoller, start_feed_poller
from services.ingest.settings import IngestSettings
from shared.kafka import ensure_topics, make_producer, topic
from shared.models import DeadLetter, RawArticle
from shared.topics import DEAD_LETTER, RAW, decode
from tests.integration.helpers import read_topic

LIMITS = FetchLimits(connect_timeout=1.0, read_timeout=0.5, total_timeout=5.0)
#: the test server is on 127.0.0.1: page links may only reach it because the range is allowed
LOCAL = ["127.0.0.0/8"]
LONG = "<p>" + "The council voted on Tuesday to approve the new transit plan. " * 12 + "</p>"
PAGE = "<html><head><title>Storm</title></head><body><article><p>The full storm story.</p></article></body></html>"


@dataclass
class Route:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/rss+xml; charset=utf-8"
    etag: str | None = None
    delay: float = 0.0


@dataclass
class Server:
    base: str = ""
    routes: dict[str, Route] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str], int]] = field(default_factory=list)

    def seen(self, path: str) -> list[tuple[dict[str, str], int]]:
        return [(h, s) for p, h, s in self.requests if p == path]


@pytest.fixture()
def server() -> Iterator[Server]:
    state = Server()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            route = state.routes.get(self.path, Route(404, b"not here", "text/plain"))
            headers = {k.lower(): v for k, v in self.headers.items()}
            status = route.status
            if route.etag and headers.get("if-none-match") == route.etag:
                status = 304
            state.requests.append((self.path, headers, status))
            time.sleep(route.delay)
            try:
                self.send_response(status)
                if route.etag:
                    self.send_header("ETag", route.etag)
                body = b"" if status == 304 else route.body
                if status != 304:
                    self.send_header("Content-Type", route.content_type)
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout test)

        def log_message(self, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    state.base = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()


def rss(items: str) -> bytes:
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
            f'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>Local</title>'
            f'<link>/</link><language>en</language>{items}</channel></rss>').encode()


RSS_ITEMS = (
    f"<item><title>Full</title><link>/news/full</link><guid>full-1</guid>"
    f"<pubDate>Tue, 02 Jan 2024 10:30:00 GMT</pubDate><content:encoded><![CDATA[{LONG}]]></content:encoded></item>"
    "<item><title>Storm</title><link>/pages/storm.html</link><description>Short summary.</description></item>"
    "<item><title>Missing page</title><link>/pages/missing.html</link><description>Only this.</description></item>"
    "<item><title>Slow page</title><link>/pages/slow.html</link><description>Slow summary.</description></item>"
    "<item><title>No text at all</title><guid>bad-1</guid></item>"
)

JSON_FEED = json.dumps({
    "version": "https://jsonfeed.org/version/1.1", "title": "J",
    "items": [{"id": "j1", "url": "/j/1", "title": "J one", "content_text": "Plain text one."},
              {"id": "j2", "url": "/j/2", "title": "J two", "content_html": LONG}],
}).encode()


def raw_records(settings: IngestSettings, expect: int) -> list[RawArticle]:
    records = read_topic(settings, topic(settings, RAW).name, expect=expect, timeout=20)
    return [decode(RAW, r.value) for r in records]  # type: ignore[misc]


def test_poll_emit_once_conditional_get_and_restart(isolated_env: dict[str, str], server: Server,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="services.ingest")
    server.routes.update({
        "/rss.xml": Route(body=rss(RSS_ITEMS), etag='"v1"'),
        "/feed.json": Route(body=JSON_FEED, content_type="application/feed+json"),  # no validators
        "/pages/storm.html": Route(body=PAGE.encode(), content_type="text/html; charset=utf-8"),
        "/pages/slow.html": Route(body=PAGE.encode(), content_type="text/html", delay=1.5),
        "/500.xml": Route(500, b"oops", "text/plain"),
        "/slow.xml": Route(body=rss(""), delay=1.5),
        "/bad.xml": Route(body=b'<?xml version="1.0"?><rss version="2.0"><channel><item><title>cut'),
    })
    b = server.base
    feeds = {name: FeedConfig(url=f"{b}/{name}", interval_seconds=60, source="local")
             for name in ("rss.xml", "feed.json", "404.xml", "500.xml", "slow.xml", "bad.xml")}
    settings = IngestSettings()
    ensure_topics(settings)
    producer = make_producer(settings)
    try:
        poller = FeedPoller(settings, list(feeds.values()), producer, Fetcher(LIMITS, allow_ranges=LOCAL), page_attempts=2)
        poller.load_state()
        results = {name: poller.poll_once(f) for name, f in feeds.items()}

        r = results["rss.xml"]
        # full (content), storm (page fetched), missing (404 -> summary) emitted; slow page deferred
        assert (r.status, r.http_status, r.emitted, r.dead_lettered, r.deferred) == ("ok", 200, 3, 1, 1)
        assert results["feed.json"].emitted == 2
        for name, reason in (("404.xml", "HTTP 404"), ("500.xml", "HTTP 500"), ("slow.xml", "timed out"),
                             ("bad.xml", "malformed")):
            res = results[name]
            assert res.status == "error" and reason in (res.error or ""), (name, res)
            assert res.next_poll_in == 120  # backoff: twice the interval after one failure
            assert poller.status[feeds[name].url].failures == 1
            assert any("poll failed" in rec.getMessage() and feeds[name].url in rec.getMessage()
                       for rec in caplog.records), name

        # deferred item -> validators not saved -> second poll is unconditional; the slow page
        # fails again (2nd of 2 attempts) so the item goes out with its summary
        second = poller.poll_once(feeds["rss.xml"])
        assert (second.http_status, second.emitted, second.deferred) == (200, 1, 0)
        assert "if-none-match" not in server.seen("/rss.xml")[1][0]
        # now every item is handled: the third poll is conditional and gets 304
        third = poller.poll_once(feeds["rss.xml"])
        assert (third.status, third.http_status, third.emitted) == ("not-modified", 304, 0)
        headers, status = server.seen("/rss.xml")[2]
        assert headers["if-none-match"] == '"v1"' and status == 304
        # the JSON feed has no validators: full response, nothing new
        assert poller.poll_once(feeds["feed.json"]).emitted == 0

        raws = raw_records(settings, expect=6)
        assert len(raws) == 6
        by_title = {r.title: r for r in raws}
        assert Counter(r.id for r in raws).most_common(1)[0][1] == 1
        assert by_title["Storm"].html == PAGE  # summary-only: the page was fetched
        assert by_title["Storm"].url == f"{b}/pages/storm.html"  # relative link resolved
        assert by_title["Missing page"].html == "Only this."  # page 404: the feed's summary
        assert by_title["Slow page"].html == "Slow summary."
        assert by_title["Full"].html == LONG and by_title["Full"].published_at is not None
        assert by_title["J one"].body == "Plain text one." and by_title["J one"].published_at is None
        assert {r.origin for r in raws} == {"feed"} and {r.source for r in raws} == {"local"}
        page_requests = server.seen("/pages/storm.html")
        assert len(page_requests) == 1 and page_requests[0][0]["user-agent"] == USER_AGENT

        letters = [decode(DEAD_LETTER, rec.value)
                   for rec in read_topic(settings, topic(settings, DEAD_LETTER).name, expect=1, timeout=10)]
        assert len(letters) == 1
        letter = letters[0]
        assert isinstance(letter, DeadLetter)
        assert (letter.stage, letter.topic, letter.source) == ("ingest", "", feeds["rss.xml"].url)
        assert "body or html" in letter.reason and json.loads(letter.payload)["guid"].endswith("bad-1")

        # ---- restart: a new poller rebuilds its state from the compacted topic
        restarted = FeedPoller(settings, list(feeds.values()), producer, Fetcher(LIMITS, allow_ranges=LOCAL))
        restarted.load_state()
        assert len(restarted.state.seen) == 7  # 6 emitted + 1 dead-lettered
        assert restarted.state.validators[feeds["rss.xml"].url].etag == '"v1"'
        again = {name: restarted.poll_once(f) for name, f in feeds.items()}
        assert again["rss.xml"].http_status == 304
        assert server.seen("/rss.xml")[-1][0]["if-none-match"] == '"v1"'
        assert (again["feed.json"].http_status, again["feed.json"].emitted) == (200, 0)
        assert sum(res.emitted + res.dead_lettered for res in again.values()) == 0

        # a new item appears: emitted once, the old ones still not again
        server.routes["/rss.xml"] = Route(
            body=rss("<item><title>Fresh</title><link>/news/fresh</link><guid>fresh-1</guid>"
                     f"<content:encoded><![CDATA[{LONG}]]></content:encoded></item>" + RSS_ITEMS), etag='"v2"')
        fresh = restarted.poll_once(feeds["rss.xml"])
        assert (fresh.http_status, fresh.emitted, fresh.dead_lettered) == (200, 1, 0)
        raws = raw_records(settings, expect=7)
        assert len(raws) == 7 and len({r.id for r in raws}) == 7
        assert len(read_topic(settings, topic(settings, DEAD_LETTER).name, expect=1, timeout=5)) == 1
    finally:
        producer.close()


def test_crash_between_produce_and_seen_re_emits(isolated_env: dict[str, str], server: Server) -> None:
    """At-least-once: the article is acked before the seen record, so a failure between re-emits
    (same deterministic id) instead of losing the item."""
    server.routes["/feed.json"] = Route(body=JSON_FEED, content_type="application/feed+json")
    config = FeedConfig(url=f"{server.base}/feed.json", interval_seconds=60)
    settings = IngestSettings()
    ensure_topics(settings)
    producer = make_producer(settings)
    try:
        poller = FeedPoller(settings, [config], producer, Fetcher(LIMITS, allow_ranges=LOCAL))
        poller.load_state()

        def crash(*args: Any) -> None:
            raise RuntimeError("simulated crash")

        poller.state.mark_seen = crash  # type: ignore[method-assign]
        failed = poller.poll_once(config)
        assert failed.status == "error" and "simulated crash" in (failed.error or "")
        restarted = FeedPoller(settings, [config], producer, Fetcher(LIMITS, allow_ranges=LOCAL))
        restarted.load_state()
        assert restarted.poll_once(config).emitted == 2
        raws = raw_records(settings, expect=3)
        assert len(raws) == 3  # j1 twice (at-least-once), j2 once
        assert Counter(r.title for r in raws) == {"J one": 2, "J two": 1}
        assert len({r.id for r in raws}) == 2  # downstream dedupes by id
    finally:
        producer.close()


def test_start_feed_poller_thread(isolated_env: dict[str, str], server: Server, tmp_path: Path) -> None:
    server.routes["/feed.json"] = Route(body=JSON_FEED, content_type="application/feed+json")
    feeds_file = tmp_path / "feeds.json"
    feeds_file.write_text(json.dumps([{"url": f"{server.base}/feed.json", "interval_seconds": 1},
                                      {"url": f"{server.base}/404.xml", "interval_seconds": 1}]))
    settings = IngestSettings()
    ensure_topics(settings)
    producer = make_producer(settings)
    try:
        thread, stop = start_feed_poller(settings, str(feeds_file), producer, LIMITS)
        deadline = time.monotonic() + 20
        while len(server.seen("/feed.json")) < 3 and time.monotonic() < deadline:
            time.sleep(0.2)
        stop.set()
        thread.join(timeout=10)
        assert not thread.is_alive()
        assert len(server.seen("/feed.json")) >= 3  # polled on its interval
        assert len(server.seen("/404.xml")) < len(server.seen("/feed.json"))  # backing off
        raws = raw_records(settings, expect=2)
        assert sorted(r.title or "" for r in raws) == ["J one", "J two"]
    finally:
        producer.close()

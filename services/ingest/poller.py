"""The feed poller: fetch -> parse -> new items -> (page) -> produce, ack -> record seen.

Per item the order is: produce the RawArticle (or the DeadLetter) and wait for the ack, *then*
record the item as seen in the state topic and wait for that ack. A crash between the two
re-emits the item after the restart (at-least-once); its deterministic id makes that harmless
downstream. A feed's ETag/Last-Modified are recorded only after every item of that response was
handled, so a 304 can never hide an item that was not emitted.

Failures: a feed that cannot be fetched or parsed (HTTP error, timeout, bad XML) or a Kafka
outage fails that poll only: one log line, the feed backs off, other feeds keep going, nothing
is marked seen, so nothing is lost. An item that fails validation is bad input: logged,
counted, dead-lettered with the reason, then marked seen (it would fail the same way again).
"""

from __future__ import annotations

import base64
import logging
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from kafka import KafkaProducer

from services.ingest.feed_state import FeedStateStore, seen_item
from services.ingest.feeds import (
    FeedConfig,
    FeedError,
    FeedItem,
    backoff_delay,
    item_submission,
    load_feed_configs,
    needs_page,
    new_items,
    parse_feed,
    seen_key,
)
from services.ingest.fetch import FetchError, Fetcher, FetchLimits
from services.ingest.logic import ingest
from shared import metrics
from shared.errors import InvalidArticle
from shared.kafka import topic
from shared.models import DeadLetter
from shared.settings import CommonSettings
from shared.topics import DEAD_LETTER, RAW, encode

log = logging.getLogger(__name__)

Outcome = Literal["emitted", "dead-lettered", "deferred"]


@dataclass(frozen=True)
class PollResult:
    """What one poll of one feed did."""

    url: str
    status: Literal["ok", "not-modified", "error"]
    http_status: int | None = None
    emitted: int = 0
    dead_lettered: int = 0
    deferred: int = 0
    error: str | None = None
    next_poll_in: float = 0.0


@dataclass
class FeedStatus:
    """Scheduling and counters of one feed (in memory; only seen items and validators persist)."""

    feed: FeedConfig
    next_due: float = 0.0
    failures: int = 0
    last_error: str | None = None
    emitted: int = 0
    dead_lettered: int = 0
    page_attempts: dict[str, int] = field(default_factory=dict)
    running: bool = False


class FeedPoller:
    """Polls feeds into the raw topic. ``poll_once`` for one feed; ``run`` until stopped.

    ``producer`` is the process's one producer (acks=all, idempotent); the poller never closes it.
    """

    def __init__(
        self,
        settings: CommonSettings,
        feeds: Sequence[FeedConfig],
        producer: KafkaProducer,
        fetcher: Fetcher | None = None,
        *,
        max_backoff: float = 3600.0,
        page_attempts: int = 3,
        workers: int = 4,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings, self.producer = settings, producer
        self.fetcher = fetcher or Fetcher(FetchLimits())
        self.max_backoff, self.page_attempts, self.workers, self.clock = max_backoff, page_attempts, workers, clock
        self.raw_topic = topic(settings, RAW).name
        self.dead_letter_topic = topic(settings, DEAD_LETTER).name
        self.state = FeedStateStore(settings, producer)
        now = clock()
        self.status: dict[str, FeedStatus] = {f.url: FeedStatus(f, next_due=now) for f in feeds}

    def load_state(self, timeout: float = 60.0) -> None:
        """Rebuild the seen-set and validators from the state topic (call once, before polling)."""
        self.state.load(timeout)

    # ------------------------------------------------------------------ one feed

    def poll_once(self, feed: FeedConfig) -> PollResult:
        """Fetch, parse and emit one feed's new items. Never raises: failures are the result."""
        status = self.status.setdefault(feed.url, FeedStatus(feed))
        counts = {"emitted": 0, "dead-lettered": 0, "deferred": 0}
        http_status = None
        try:
            known = self.state.validators.get(feed.url)
            response = self.fetcher.fetch_feed(feed.url, known.etag if known else None,
                                               known.last_modified if known else None)
            http_status = response.status
            if response.body is not None:
                parsed = parse_feed(response.body, feed.url, response.content_type, base_url=response.url)
                if parsed.warning:
                    log.info("feed %s: tolerated: %s", feed.url, parsed.warning,
                             extra={"topic": feed.url, "reason": parsed.warning})
                for item in new_items(parsed.items, self.state.seen):
                    counts[self._handle_item(feed, status, item)] += 1
            if not counts["deferred"]:
                self.state.save_validators(feed.url, response.etag, response.last_modified)
        # Why catch everything: whatever failed (HTTP, XML, a Kafka outage, a bug), no item of
        # this poll was marked seen unless it was acked, so the next poll retries the rest.
        # Nothing is dropped; the feed backs off and the other feeds keep going.
        except Exception as exc:  # noqa: BLE001
            reason = exc.reason if isinstance(exc, FetchError) else str(exc) if isinstance(exc, FeedError) \
                else f"{type(exc).__name__}: {exc}"
            status.failures += 1
            status.last_error = reason
            delay = backoff_delay(feed.interval_seconds, status.failures, self.max_backoff,
                                  exc.retry_after if isinstance(exc, FetchError) else None)
            status.next_due = self.clock() + delay
            metrics.RETRIES.labels(what="feed poll").inc()
            log.warning("feed %s: poll failed: %s; next poll in %.0fs (%d failure(s) in a row)",
                        feed.url, reason, delay, status.failures,
                        extra={"stage": "ingest", "topic": feed.url, "reason": reason,
                               "error": type(exc).__name__, "count": status.failures})
            return PollResult(feed.url, "error", http_status, counts["emitted"], counts["dead-lettered"],
                              counts["deferred"], reason, delay)
        status.failures, status.last_error = 0, None
        status.next_due = self.clock() + feed.interval_seconds
        result = PollResult(feed.url, "not-modified" if http_status == 304 else "ok", http_status,
                            counts["emitted"], counts["dead-lettered"], counts["deferred"], None,
                            feed.interval_seconds)
        if http_status != 304:
            log.info("feed %s: %d emitted, %d dead-lettered, %d deferred", feed.url, result.emitted,
                     result.dead_lettered, result.deferred,
                     extra={"stage": "ingest", "topic": feed.url, "count": result.emitted})
        return result

    def _handle_item(self, feed: FeedConfig, status: FeedStatus, item: FeedItem) -> Outcome:
        key = seen_key(item)
        page = None
        if needs_page(item, feed):
            assert item.link is not None
            try:
                page = self.fetcher.fetch_page(item.link)
            except FetchError as exc:
                attempts = status.page_attempts.get(key, 0) + 1
                status.page_attempts[key] = attempts
                if exc.transient and attempts < self.page_attempts:
                    log.warning("feed %s: page %s failed (%s); item retried at the next poll (attempt %d/%d)",
                                feed.url, item.link, exc.reason, attempts, self.page_attempts,
                                extra={"topic": feed.url, "reason": exc.reason})
                    return "deferred"
                log.warning("feed %s: page %s failed (%s); sending the feed's own content instead",
                            feed.url, item.link, exc.reason, extra={"topic": feed.url, "reason": exc.reason})
        now = datetime.now(UTC)
        try:
            raw = ingest(item_submission(item, feed, page), now, origin="feed")
        except InvalidArticle as exc:
            self._dead_letter(feed, item, key, exc, now)
            self.state.mark_seen(key, seen_item(feed.url, item.guid, "dead-lettered"))
            status.dead_lettered += 1
            status.page_attempts.pop(key, None)
            return "dead-lettered"
        self.producer.send(self.raw_topic, key=raw.id, value=encode(raw)).get(timeout=60)
        self.state.mark_seen(key, seen_item(feed.url, item.guid, "emitted", raw.id))
        metrics.EVENTS_OUT.labels(stage="ingest").inc()
        status.emitted += 1
        status.page_attempts.pop(key, None)
        return "emitted"

    def _dead_letter(self, feed: FeedConfig, item: FeedItem, key: str, exc: InvalidArticle, now: datetime) -> None:
        payload = item.as_json()
        # a feed item came from no topic: ``topic`` stays empty (a replay has nowhere to send it)
        letter = DeadLetter(stage="ingest", topic="", source=feed.url, key=key, error_class=type(exc).__name__,
                            reason=exc.reason, payload=payload,
                            payload_b64=base64.b64encode(payload.encode("utf-8")).decode("ascii"), failed_at=now)
        self.producer.send(self.dead_letter_topic, key=key, value=encode(letter)).get(timeout=60)
        metrics.DEAD_LETTERED.labels(stage="ingest").inc()
        log.warning("feed %s: item %s dead-lettered: %s", feed.url, item.guid, exc.reason,
                    extra={"stage": "ingest", "source": feed.url, "reason": exc.reason})

    # ------------------------------------------------------------------ the loop

    def run(self, stop: threading.Event) -> None:
        """Poll every feed when due (each at most once at a time, ``workers`` in parallel) until
        ``stop`` is set; then wait for polls in flight."""
        lock = threading.Lock()

        def poll(status: FeedStatus) -> None:
            try:
                self.poll_once(status.feed)
            finally:
                with lock:
                    status.running = False

        with ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="feed") as pool:
            while not stop.is_set():
                now = self.clock()
                with lock:
                    for status in self.status.values():
                        if not status.running and status.next_due <= now:
                            status.running = True
                            pool.submit(poll, status)
                    waiting = [s.next_due for s in self.status.values() if not s.running]
                stop.wait(min(1.0, max(0.05, min(waiting, default=now + 1.0) - now)))


def start_feed_poller(settings: CommonSettings, feeds_file: str, producer: KafkaProducer,
                      limits: FetchLimits | None = None,
                      allow_ranges: Sequence[str] = ()) -> tuple[threading.Thread, threading.Event]:
    """Load the feeds file and the state (both raise on failure, so start-up fails loudly), then
    poll in a daemon thread. Returns the thread and the event that stops it."""
    feeds = load_feed_configs(feeds_file)
    # page links come from feed content: only public addresses, plus the operator's ranges
    poller = FeedPoller(settings, feeds, producer, Fetcher(limits, allow_ranges=allow_ranges))
    poller.load_state()
    stop = threading.Event()

    def run() -> None:
        try:
            poller.run(stop)
        except Exception:  # a bug: say so loudly; the HTTP API keeps serving
            log.exception("feed poller stopped")
            raise

    thread = threading.Thread(target=run, name="feed-poller", daemon=True)
    thread.start()
    log.info("polling %d feed(s) from %s", len(feeds), feeds_file, extra={"count": len(feeds)})
    return thread, stop

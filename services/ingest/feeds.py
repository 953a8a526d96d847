"""Feeds, the pure part: config, feed bytes -> items, item -> submission, what is new.

Nothing here does I/O (the config loader reads one file, given its path): the HTTP side is in
:mod:`services.ingest.fetch`, the durable seen-set in :mod:`services.ingest.feed_state` and the
loop that wires them in :mod:`services.ingest.poller`.

Formats: RSS 0.9x/2.0, RSS 1.0 (RDF) and Atom through feedparser; JSON Feed 1.0/1.1 parsed
here with :mod:`json`. Links are made absolute against the feed's (final) URL.
"""

from __future__ import annotations

import calendar
import hashlib
import html
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from services.ingest.logic import ArticleSubmission, parse_submission

#: below this many characters of text, an item's content counts as "only a summary"
MIN_FULL_TEXT_CHARS = 500
_LANGUAGE = re.compile(r"^[a-zA-Z]{2,3}([-_][a-zA-Z0-9]{2,8})?$")
_TAG = re.compile(r"<[^>]*>")


class FeedError(Exception):
    """A feed response that is not a usable feed (bad XML, unknown format). Retried with backoff."""


# --------------------------------------------------------------------------- config


class FeedConfig(BaseModel):
    """One entry of the feeds file: ``{"url": ..., "interval_seconds": 300, "source": ..., ...}``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    url: str = Field(description="the feed's http(s) URL; also its key in the state topic")
    interval_seconds: float = Field(default=300, ge=1, description="time between polls when healthy")
    source: str | None = Field(default=None, max_length=200, description="RawArticle.source; default: host")
    fetch_full_page: bool = Field(default=True, description="fetch the linked page for summary-only items")
    language: str | None = Field(default=None, description="language hint when the feed names none")

    @field_validator("url")
    @classmethod
    def _http(cls, url: str) -> str:
        if not re.match(r"^https?://[^\s/?#]+[^\s]*$", url, re.IGNORECASE):
            raise ValueError("must be an absolute http(s) URL")
        return url

    @property
    def source_name(self) -> str:
        return self.source or (urlsplit(self.url).hostname or self.url)


def parse_feed_configs(data: Any) -> list[FeedConfig]:
    """A decoded feeds file -> configs. Raises ValueError naming the bad entry (a config error
    should stop start-up, not be skipped)."""
    if not isinstance(data, list):
        raise ValueError(f"feeds file: expected a JSON list of feeds, got {type(data).__name__}")
    configs: list[FeedConfig] = []
    for n, entry in enumerate(data):
        try:
            configs.append(FeedConfig.model_validate(entry))
        except ValidationError as exc:
            raise ValueError(f"feeds file entry {n}: {exc.errors()[0]['loc']}: {exc.errors()[0]['msg']}") from exc
    urls = [c.url for c in configs]
    dupes = sorted({u for u in urls if urls.count(u) > 1})
    if dupes:
        raise ValueError(f"feeds file lists these URLs more than once: {dupes}")
    return configs


def load_feed_configs(path: str | Path) -> list[FeedConfig]:
    """Read a JSON feeds file (``[{"url": ..., ...}, ...]``)."""
    return parse_feed_configs(json.loads(Path(path).read_text(encoding="utf-8")))


# --------------------------------------------------------------------------- items


@dataclass(frozen=True)
class FeedItem:
    """One item of a feed, format-independent. ``guid`` identifies it within its feed."""

    feed_url: str
    guid: str
    link: str | None = None
    title: str | None = None
    content: str | None = None
    content_is_html: bool = True
    summary: str | None = None
    summary_is_html: bool = True
    published_at: datetime | None = None
    author: str | None = None
    language: str | None = None

    def as_json(self) -> str:
        """The item as JSON: the dead-letter payload when it fails validation."""
        data = asdict(self)
        data["published_at"] = self.published_at.isoformat() if self.published_at else None
        return json.dumps(data, ensure_ascii=False, sort_keys=True)


@dataclass(frozen=True)
class ParsedFeed:
    version: str
    title: str | None
    items: list[FeedItem]
    warning: str | None = None  # a tolerated problem (wrong declared encoding, odd content type)


def parse_feed(body: bytes, url: str, content_type: str | None = None, base_url: str | None = None) -> ParsedFeed:
    """Feed bytes fetched for the configured ``url`` -> items. Raises :class:`FeedError` if not a feed.

    Relative links resolve against ``base_url`` (the final URL after redirects; default ``url``);
    items keep ``url`` as their ``feed_url`` so their identity survives a feed moving.
    """
    base = base_url or url
    if _looks_like_json(body, content_type):
        return _parse_json_feed(body, url, base)
    headers = {"content-location": base}
    if content_type:
        headers["content-type"] = content_type
    parsed = feedparser.parse(body, response_headers=headers, sanitize_html=True,
                              resolve_relative_uris=True)
    warning = None
    if parsed.bozo:
        exc = parsed.get("bozo_exception")
        # Tolerated: wrong/unknown declared encoding, non-XML content type, undeclared namespace
        # (feedparser's "things nobody cares about"). Not tolerated: malformed XML. feedparser's
        # loose parser would still return whatever it salvaged, but a truncated document then
        # yields truncated items that, once marked seen, are never fetched whole: better to
        # fail the poll, back off and try again.
        if isinstance(exc, feedparser.ThingsNobodyCaresAboutButMe):
            warning = f"{type(exc).__name__}: {exc}"
        else:
            raise FeedError(f"malformed feed: {type(exc).__name__}: {exc}")
    if not parsed.version:
        raise FeedError("not a feed (no RSS, RDF or Atom root element)")
    feed_language = _language(parsed.feed.get("language"))
    items = [_feedparser_item(entry, url, base, feed_language) for entry in parsed.entries]
    return ParsedFeed(parsed.version, parsed.feed.get("title"), items, warning)


def _looks_like_json(body: bytes, content_type: str | None) -> bool:
    if content_type and "json" in content_type.split(";")[0].lower():
        return True
    return body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{"


def _feedparser_item(entry: Mapping[str, Any], feed_url: str, base: str, feed_language: str | None) -> FeedItem:
    link = _absolute(entry.get("link"), base)
    content, content_is_html = None, True
    for part in entry.get("content") or []:
        if part.get("value"):
            content, content_is_html = part["value"], _is_html(part.get("type"))
            break
    summary = entry.get("summary") or None
    summary_is_html = _is_html((entry.get("summary_detail") or {}).get("type"))
    if summary and content and summary.strip() == content.strip():
        summary = None
    struct = entry.get("published_parsed") or entry.get("updated_parsed")
    published = datetime.fromtimestamp(calendar.timegm(struct), UTC) if struct else None
    title = entry.get("title") or None
    if title and _is_html((entry.get("title_detail") or {}).get("type")):
        title = " ".join(html.unescape(_TAG.sub(" ", title)).split()) or None
    language = _language((entry.get("title_detail") or {}).get("language")) or feed_language
    return FeedItem(
        feed_url=feed_url,
        guid=entry.get("id") or link or _content_guid(title, content or summary),
        link=link,
        title=title,
        content=content,
        content_is_html=content_is_html,
        summary=summary,
        summary_is_html=summary_is_html,
        published_at=published,
        author=entry.get("author") or None,
        language=language,
    )


def _parse_json_feed(body: bytes, url: str, base: str) -> ParsedFeed:
    try:
        data = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FeedError(f"malformed JSON Feed: {exc}") from exc
    if not isinstance(data, dict) or not str(data.get("version", "")).startswith("https://jsonfeed.org/version/"):
        raise FeedError("not a JSON Feed (no https://jsonfeed.org/version/ 'version')")
    items_data = data.get("items")
    if not isinstance(items_data, list):
        raise FeedError("JSON Feed without an 'items' list")
    feed_language = _language(data.get("language"))
    feed_author = _json_author(data)
    items = []
    for entry in items_data:
        if not isinstance(entry, dict):
            continue
        link = _absolute(_str(entry.get("url")) or _str(entry.get("external_url")), base)
        content_html, content_text = _str(entry.get("content_html")), _str(entry.get("content_text"))
        title = _str(entry.get("title"))
        items.append(FeedItem(
            feed_url=url,
            guid=_str(entry.get("id")) or link or _content_guid(title, content_html or content_text),
            link=link,
            title=title,
            content=content_html or content_text,
            content_is_html=content_html is not None,
            summary=_str(entry.get("summary")),
            summary_is_html=False,
            published_at=_iso_date(entry.get("date_published")) or _iso_date(entry.get("date_modified")),
            author=_json_author(entry) or feed_author,
            language=_language(entry.get("language")) or feed_language,
        ))
    return ParsedFeed(str(data["version"]), _str(data.get("title")), items)


def _json_author(obj: Mapping[str, Any]) -> str | None:
    authors = obj.get("authors")
    if isinstance(authors, list):
        names = [a["name"] for a in authors if isinstance(a, dict) and isinstance(a.get("name"), str)]
        if names:
            return ", ".join(names)
    author = obj.get("author")  # JSON Feed 1.0
    if isinstance(author, dict) and isinstance(author.get("name"), str):
        return author["name"]
    return None


def _iso_date(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _is_html(mime: str | None) -> bool:
    return mime is None or mime in ("text/html", "application/xhtml+xml")


def _absolute(link: str | None, base: str) -> str | None:
    if not link or not link.strip():
        return None
    absolute = urljoin(base, link.strip())
    return absolute if urlsplit(absolute).scheme in ("http", "https") else None


def _language(value: Any) -> str | None:
    return value if isinstance(value, str) and _LANGUAGE.match(value) else None


def _content_guid(title: str | None, text: str | None) -> str:
    return "sha256:" + hashlib.sha256(f"{title or ''}\n{text or ''}".encode()).hexdigest()


# --------------------------------------------------------------------------- decisions


def text_length(markup: str | None, is_html: bool = True) -> int:
    """Characters of visible text (tags dropped, entities decoded, whitespace collapsed)."""
    if not markup:
        return 0
    text = html.unescape(_TAG.sub(" ", markup)) if is_html else markup
    return len(" ".join(text.split()))


def needs_page(item: FeedItem, feed: FeedConfig, min_chars: int = MIN_FULL_TEXT_CHARS) -> bool:
    """True when the item carries only a summary (or short content) and its page may be fetched."""
    if not feed.fetch_full_page or not item.link:
        return False
    return text_length(item.content, item.content_is_html) < min_chars


def seen_key(item: FeedItem) -> str:
    """The item's key in the state topic: stable across polls and restarts, bounded in size."""
    digest = hashlib.sha256(f"{item.feed_url}\n{item.guid}".encode()).hexdigest()
    return f"item:{digest[:40]}"


def new_items(items: Iterable[FeedItem], seen: set[str] | frozenset[str]) -> list[FeedItem]:
    """Items whose :func:`seen_key` is not in ``seen``, first occurrence only, feed order kept."""
    out, keys = [], set()
    for item in items:
        key = seen_key(item)
        if key in seen or key in keys:
            continue
        keys.add(key)
        out.append(item)
    return out


def item_submission(item: FeedItem, feed: FeedConfig, page_html: str | None = None) -> ArticleSubmission:
    """Item (+ its fetched page) -> a validated submission. Raises InvalidArticle with the reason.

    The page's HTML when fetched; else the item's content, else its summary (HTML goes to
    ``html``, plain text to ``body``).
    """
    data: dict[str, Any] = {
        "url": item.link,
        "title": item.title,
        "published_at": item.published_at,
        "source": feed.source_name,
        "author": item.author,
        "language": item.language or _language(feed.language),
    }
    if page_html is not None:
        data["html"] = page_html
    else:
        text, is_html = (item.content, item.content_is_html) if item.content else (item.summary, item.summary_is_html)
        if text is not None:
            data["html" if is_html else "body"] = text
    return parse_submission(data)


def backoff_delay(interval: float, failures: int, max_backoff: float = 3600.0,
                  retry_after: float | None = None) -> float:
    """Seconds until the next poll after ``failures`` failures in a row (0: healthy).

    Doubles from twice the interval, capped at ``max_backoff`` (but never below the interval);
    a server's Retry-After is honoured when longer, up to a day.
    """
    if failures <= 0:
        return interval
    delay = min(interval * 2 ** min(failures, 20), max(max_backoff, interval))
    if retry_after is not None:
        delay = max(delay, min(retry_after, 86_400.0))
    return delay

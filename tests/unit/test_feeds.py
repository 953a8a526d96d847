"""Feeds, the pure part: fixtures in tests/data/feeds/ -> items -> submissions; what is new."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from services.ingest.feeds import (
    FeedConfig,
    FeedError,
    FeedItem,
    backoff_delay,
    item_submission,
    needs_page,
    new_items,
    parse_feed,
    parse_feed_configs,
    seen_key,
)
from services.ingest.fetch import decode_html
from services.ingest.logic import ingest
from shared.errors import InvalidArticle

DATA = Path(__file__).resolve().parents[1] / "data" / "feeds"
SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "feeds.json"


def feed(name: str, url: str, content_type: str | None = "application/xml") -> list[FeedItem]:
    return parse_feed((DATA / name).read_bytes(), url, content_type).items


def test_rss2() -> None:
    full, summary_only = feed("rss2.xml", "https://news.example.org/feed.xml")
    assert full.guid == "example-1001"
    assert full.link == "https://news.example.org/2024/transit-plan"
    assert full.title == "Council approves transit plan"
    assert full.published_at == datetime(2024, 1, 2, 9, 30, tzinfo=UTC)
    assert full.author == "Ann Reporter" and full.language == "en-us"
    assert full.content and full.content.startswith("<p>The council voted")
    # relative link resolved against the feed URL, also inside the summary's HTML
    assert summary_only.link == "https://news.example.org/2024/storm"
    assert 'href="https://news.example.org/more"' in (summary_only.summary or "")
    assert summary_only.title == "Storm closes harbour & schools"
    assert summary_only.published_at is None  # missing date
    assert summary_only.content is None


def test_rss1_rdf() -> None:
    first, second = feed("rss1.rdf", "https://rdf.example.org/rss", "application/rdf+xml")
    assert first.guid == "https://rdf.example.org/a" and first.link == "https://rdf.example.org/a"
    assert first.published_at == datetime(2024, 3, 4, 5, 6, 7, tzinfo=UTC)  # dc:date
    assert first.author == "Berta" and first.language == "de"
    assert first.summary == "Kurze Zusammenfassung."
    assert second.published_at is None


def test_atom() -> None:
    release, only_updated = feed("atom.xml", "https://atom.example.org/feed", "application/atom+xml")
    assert release.guid == "tag:atom.example.org,2024:1"
    assert release.link == "https://atom.example.org/blog/posts/release-2"  # xml:base + relative href
    assert release.title == "Release 2.0 is out"  # type="html" title reduced to text
    assert release.published_at == datetime(2024, 4, 30, 6, 0, tzinfo=UTC)
    assert release.author == "Carla"
    assert 'src="https://atom.example.org/blog/img/a.png"' in (release.content or "")
    assert only_updated.link == "https://atom.example.org/about/news"  # absolute path against xml:base
    assert only_updated.published_at == datetime(2024, 5, 2, 9, 0, tzinfo=UTC)  # falls back to <updated>
    assert only_updated.summary == "Just a summary." and only_updated.summary_is_html is False


def test_json_feed() -> None:
    a, b, c = feed("feed.json", "https://json.example.org/feed.json", "application/feed+json")
    assert (a.guid, a.link, a.author, a.language) == ("1", "https://json.example.org/a", "Denis", "fr")
    assert a.content == "<p>Contenu <b>complet</b>.</p>" and a.content_is_html
    assert a.published_at == datetime(2024, 2, 3, 3, 5, 6, tzinfo=UTC)
    assert b.link == "https://json.example.org/b"  # relative url resolved
    assert b.content == "Texte brut seulement." and not b.content_is_html
    assert b.author == "Rédaction"  # feed-level author
    assert c.link == "https://elsewhere.example.com/c"  # external_url
    assert c.published_at is None  # unparseable date -> None, not a crash
    # detected without a content type too
    assert len(feed("feed.json", "https://json.example.org/feed.json", None)) == 3


def test_bad_xml_raises_feed_error() -> None:
    with pytest.raises(FeedError, match="malformed"):
        parse_feed((DATA / "bad.xml").read_bytes(), "https://x.example/rss", "application/rss+xml")
    with pytest.raises(FeedError, match="not a feed"):
        parse_feed((DATA / "not-a-feed.html").read_bytes(), "https://x.example/rss", "text/html")
    with pytest.raises(FeedError, match="JSON"):
        parse_feed(b'{"version": "https://jsonfeed.org/version/1.1", "items": [', "https://x.example/f.json")
    with pytest.raises(FeedError, match="not a JSON Feed"):
        parse_feed(b'{"hello": 1}', "https://x.example/f.json", "application/json")


def test_wrong_declared_encoding_does_not_crash() -> None:
    # declares utf-8, is latin-1: feedparser falls back and says so; we keep the items
    parsed = parse_feed((DATA / "wrong-encoding.xml").read_bytes(), "https://enc.example.org/rss",
                        "application/rss+xml; charset=utf-8")
    assert parsed.warning and "CharacterEncodingOverride" in parsed.warning
    (item,) = parsed.items
    assert item.title == "Café crème brûlée"
    assert item.summary == "Déjà vu in the café."


def test_redirected_feed_resolves_against_final_url_but_keeps_identity() -> None:
    body = (DATA / "rss2.xml").read_bytes()
    moved = parse_feed(body, "https://news.example.org/feed.xml", "application/rss+xml",
                       base_url="https://cdn.example.net/x/feed.xml").items
    original = parse_feed(body, "https://news.example.org/feed.xml", "application/rss+xml").items
    assert moved[1].link == "https://cdn.example.net/2024/storm"
    # an item with a guid keeps its identity; one without falls back to its (now different) link
    assert seen_key(moved[0]) == seen_key(original[0])


def test_submission_from_items() -> None:
    config = FeedConfig(url="https://news.example.org/feed.xml", source="Example")
    full, summary_only = feed("rss2.xml", config.url)
    sub = item_submission(full, config)
    assert sub.html == full.content and sub.body is None
    assert (sub.url, sub.source, sub.language) == (full.link, "Example", "en-us")
    raw = ingest(sub, datetime.now(UTC), origin="feed")
    assert raw.origin == "feed" and raw.id.startswith("u-")
    # a fetched page replaces the summary; the id stays the URL's, so it is the same either way
    with_page = item_submission(summary_only, config, page_html="<html><body>page</body></html>")
    assert with_page.html == "<html><body>page</body></html>"
    assert ingest(with_page, datetime.now(UTC)).id == ingest(item_submission(summary_only, config), datetime.now(UTC)).id
    # plain text content goes to body; source defaults to the feed's host
    b = feed("feed.json", "https://json.example.org/feed.json")[1]
    text_sub = item_submission(b, FeedConfig(url="https://json.example.org/feed.json"))
    assert text_sub.body == "Texte brut seulement." and text_sub.html is None
    assert text_sub.source == "json.example.org"


def test_invalid_item_raises_with_reason() -> None:
    config = FeedConfig(url="https://x.example/rss")
    empty = FeedItem(feed_url=config.url, guid="g1", title="No text at all")
    with pytest.raises(InvalidArticle, match="body or html"):
        item_submission(empty, config)
    future = FeedItem(feed_url=config.url, guid="g2", title="t", summary="s",
                      published_at=datetime.now(UTC) + timedelta(days=30))
    with pytest.raises(InvalidArticle, match="future"):
        item_submission(future, config)
    # the dead-letter payload is the item as JSON
    assert json.loads(future.as_json())["guid"] == "g2"


def test_needs_page() -> None:
    config = FeedConfig(url="https://news.example.org/feed.xml")
    full, summary_only = feed("rss2.xml", config.url)
    assert needs_page(summary_only, config)
    assert not needs_page(full, config)  # long content:encoded
    assert not needs_page(summary_only, config.model_copy(update={"fetch_full_page": False}))
    assert not needs_page(FeedItem(feed_url=config.url, guid="x", summary="s"), config)  # no link


def test_new_items_and_seen_keys() -> None:
    items = feed("rss2.xml", "https://news.example.org/feed.xml")
    assert new_items(items, set()) == items
    assert new_items(items + items, set()) == items  # duplicates within one response
    assert new_items(items, {seen_key(items[0])}) == [items[1]]
    assert new_items(items, {seen_key(i) for i in items}) == []
    # the same guid in another feed is another item
    other = FeedItem(feed_url="https://other.example/rss", guid=items[0].guid)
    assert seen_key(other) != seen_key(items[0])
    assert seen_key(items[0]) == seen_key(feed("rss2.xml", "https://news.example.org/feed.xml")[0])


def test_items_without_guid_or_link_get_a_content_guid() -> None:
    body = b'<rss version="2.0"><channel><title>t</title><item><title>A</title><description>x</description></item></channel></rss>'
    (item,) = parse_feed(body, "https://x.example/rss", "application/rss+xml").items
    assert item.guid.startswith("sha256:") and item.link is None


def test_backoff() -> None:
    assert backoff_delay(300, 0) == 300
    assert backoff_delay(300, 1) == 600
    assert backoff_delay(300, 2) == 1200
    assert backoff_delay(300, 10) == 3600
    assert backoff_delay(7200, 5) == 7200  # never below the interval
    assert backoff_delay(10, 1, retry_after=120) == 120


def test_configs() -> None:
    configs = parse_feed_configs([{"url": "https://a.example/rss"},
                                  {"url": "https://b.example/atom", "interval_seconds": 60, "source": "B",
                                   "fetch_full_page": False}])
    assert configs[0].interval_seconds == 300 and configs[0].fetch_full_page and configs[0].source_name == "a.example"
    assert configs[1].source_name == "B"
    for bad in ({"url": "ftp://a"}, {"url": "https://a", "interval_seconds": 0}, {"url": "https://a", "typo": 1}):
        with pytest.raises(ValueError, match="entry 0"):
            parse_feed_configs([bad])
    with pytest.raises(ValueError, match="more than once"):
        parse_feed_configs([{"url": "https://a.example/rss"}, {"url": "https://a.example/rss"}])
    assert parse_feed_configs(json.loads(SAMPLES.read_text()))  # the documented sample is valid


def test_decode_html() -> None:
    assert decode_html("café".encode("latin-1"), "text/html; charset=ISO-8859-1") == "café"
    assert decode_html(b'<meta charset="windows-1252"><p>caf\xe9</p>') == '<meta charset="windows-1252"><p>café</p>'
    assert decode_html("café".encode(), "text/html") == "café"
    assert decode_html(b"caf\xe9", "text/html; charset=utf-8") == "caf\ufffd"  # wrong charset: no crash

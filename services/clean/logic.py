"""The clean stage's pure function: :func:`clean` turns a RawArticle into a CleanArticle.

No Kafka, no Elasticsearch: plain values in, a plain value out, or
:class:`shared.errors.InvalidArticle` for input that can never be cleaned.
Duplicate detection is a separate, stateful step (:mod:`services.clean.dedup`), so
``duplicate_of`` is always ``None`` here.
"""

from __future__ import annotations

import re

import py3langid

from services.clean.boilerplate import clean_text, normalise_unicode
from services.clean.extract import MAX_HTML_BYTES, check_html, extract_main_text
from services.clean.metadata import PageMeta, clean_author, date_in_text, page_metadata
from shared.acceptance import derive_title, refusal, same_text
from shared.errors import InvalidArticle
from shared.ids import canonical_url, content_hash
from shared.limits import DERIVED_TITLE_CHARS as MAX_TITLE_CHARS
from shared.models import CleanArticle, RawArticle

__all__ = ["clean", "MAX_TITLE_CHARS"]

_MIN_LANGID_CHARS = 20
# Language identification reads the first 5,000 characters: its cost grows with the text, and
# on the 15 texts over 5,000 characters in tests/data (pages, gold sets) 5,000 and 20,000
# characters gave the same language every time, at half the cost
_LANGID_CHARS = 5000
_LOOKS_LIKE_HTML = re.compile(r"^\s*(?:<!doctype html|<html\b|<head\b|<body\b)", re.I)


def _one_line(text: str | None) -> str | None:
    if not text:
        return None
    text = " ".join(normalise_unicode(text).split())
    return text or None


def _canonical(url: str | None) -> str | None:
    if not url:
        return None
    try:
        return canonical_url(url)
    except ValueError:  # e.g. a non-numeric port: unusable, fall back to the next candidate
        return None


def _language(raw_language: str | None, text: str) -> tuple[str | None, str | None]:
    if raw_language and (code := re.split(r"[-_]", raw_language.strip())[0].lower()) and code.isalpha():
        return code, "input"
    if len(text) < _MIN_LANGID_CHARS:
        return None, None
    code, _score = py3langid.classify(text[:_LANGID_CHARS])
    return code, "detected"


def clean(raw: RawArticle) -> CleanArticle:
    """Clean one article: main text, boilerplate removed, metadata filled in.

    Raises :class:`InvalidArticle` with one of the reasons "html too large",
    "html nested too deeply", "body too large", "no title", "empty after cleaning".
    Idempotent on text: cleaning an article whose body is already ``clean(raw).body`` (with the
    same title) yields the same body.
    """
    if reason := refusal(raw.title, raw.body, raw.html):  # the rule ingest applies, for other producers
        raise InvalidArticle(reason)
    html = raw.html
    body_in = raw.body
    if body_in and _LOOKS_LIKE_HTML.match(body_in) and not html:
        html, body_in = body_in, None  # a page pasted into the text field
    if body_in and len(body_in) > MAX_HTML_BYTES:
        raise InvalidArticle("body too large")

    meta = PageMeta()
    if html:
        check_html(html)
        meta = page_metadata(html)

    title = _one_line(raw.title) or _one_line(meta.title)
    if body_in and same_text(title, body_in):
        title = None  # a title that is the whole text is no separate title: derive one below

    body = clean_text(body_in, title) if body_in else ""
    if not body and html:
        body = clean_text(extract_main_text(html, raw.url or meta.canonical_url, checked=True), title, meta.headlines)
    if not title and body:
        title, rest = derive_title(body)
        if rest != body:  # the first paragraph became the title: clean what follows it
            body = clean_text(rest, title)
    if not title:
        raise InvalidArticle("no title")
    if not body:
        raise InvalidArticle("empty after cleaning")

    published_at, published_source = raw.published_at, "input" if raw.published_at else None
    if published_at is None and meta.published_at is not None:
        published_at, published_source = meta.published_at, "page-meta"
    if published_at is None and (found := date_in_text(body.split("\n\n"))):
        published_at, published_source = found[0], "text"

    page_url = _canonical(meta.canonical_url) or _canonical(raw.url)
    language, language_source = _language(raw.language, f"{title}\n{body}")
    return CleanArticle(
        id=raw.id,
        url=raw.url,
        canonical_url=page_url,
        title=title,
        body=body,
        published_at=published_at,
        published_at_source=published_source,
        source=raw.source,
        language=language,
        language_source=language_source,
        author=clean_author(raw.author) or meta.author,
        content_hash=content_hash(title, body),
        duplicate_of=None,
        received_at=raw.received_at,
    )

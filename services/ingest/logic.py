"""The ingest stage's pure functions: a submission in, a RawArticle (or InvalidArticle) out."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from pydantic import ConfigDict, ValidationError, ValidationInfo, field_validator, model_validator

from services.ingest import contract

from shared.acceptance import refusal
from shared.errors import InvalidArticle
from shared.ids import article_id, canonical_url
from shared.limits import EARLIEST_PUBLISHED, FUTURE_SLACK, MAX_JSON_NUMBER_DIGITS, MAX_TEXT_BYTES
from shared.models import ArticleFields, RawArticle
from shared.topics import describe_validation_error

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class ArticleSubmission(ArticleFields):
    """What a user or a feed sends: either ``body`` (text) or ``html`` is required.

    Validated with the patterns of :mod:`services.ingest.contract` (the published schema),
    lengths counted before blanks are stripped, as the schema counts them.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    @field_validator("url", "title", "source", "author", "language", mode="before")
    @classmethod
    def _short(cls, value: Any, info: ValidationInfo) -> Any:
        limit = contract.LENGTHS.get(info.field_name or "")
        if isinstance(value, str) and limit is not None and len(value) > limit:
            raise ValueError(f"longer than {limit} characters")
        if isinstance(value, str) and info.field_name == "language" and not contract.LANGUAGE.match(value):
            raise ValueError("must be a language code such as en, de or pt-BR")
        return value

    @field_validator("url", mode="before")
    @classmethod
    def _http_url(cls, url: Any) -> Any:
        if url is None or not isinstance(url, str):
            return url
        if re.match(r"\s*https?://", url, re.IGNORECASE):
            canonical_url(url)  # raises ValueError in our words: a bad port, an IPv6 host half closed, no host
        if not contract.URL.match(url):
            raise ValueError("must be an absolute http(s) URL (a host name, an optional port, no spaces)")
        return url

    @field_validator("body", "html", mode="before")
    @classmethod
    def _text(cls, text: Any, info: ValidationInfo) -> Any:
        if text is None:
            raise ValueError("must be a string when given (leave the field out instead of null)")
        if not isinstance(text, str):
            return text
        if len(text.encode("utf-8", "surrogatepass")) > MAX_TEXT_BYTES:
            raise ValueError(f"larger than {MAX_TEXT_BYTES // (1024 * 1024)} MB")
        if not contract.WORDS.search(text):
            raise ValueError("holds no words (only spaces, punctuation or control characters)")
        return text

    @field_validator("title", "source", "author")
    @classmethod
    def _no_control(cls, text: str | None) -> str | None:
        return _CONTROL.sub("", text) if text is not None else None

    @field_validator("published_at", mode="before")
    @classmethod
    def _date_time_text(cls, value: Any) -> Any:
        # JSON gives a string: an RFC 3339 date-time (a number or a bare date is refused, as the
        # OpenAPI contract says); Python callers (feeds) may hand over a datetime
        if value is None or isinstance(value, datetime):
            return value
        if not isinstance(value, str) or not contract.DATE_TIME.match(value):
            raise ValueError("must be an RFC 3339 date-time such as 2025-02-18T10:00:00Z")
        return value.strip()

    @field_validator("published_at")
    @classmethod
    def _not_future(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        if value > datetime.now(UTC) + FUTURE_SLACK:
            raise ValueError("is in the future")
        if value < EARLIEST_PUBLISHED:
            raise ValueError(f"is before {EARLIEST_PUBLISHED:%Y-%m-%d}")
        return value

    @model_validator(mode="after")
    def _has_text(self) -> ArticleSubmission:
        if not (self.body and self.body.strip()) and not (self.html and self.html.strip()):
            raise ValueError("body or html is required (both are empty or missing)")
        return self


def _bounded_int(digits: str) -> int:
    if len(digits.lstrip("-")) > MAX_JSON_NUMBER_DIGITS:
        raise InvalidArticle(f"body is not JSON we accept: a number with more than {MAX_JSON_NUMBER_DIGITS} digits")
    return int(digits)


def decode_json(body: bytes) -> Any:
    """A request body -> the JSON value; raises InvalidArticle in our words for anything else."""
    if not body.strip():
        raise InvalidArticle("empty request body; send a JSON object")
    try:
        return json.loads(body.decode("utf-8"), parse_int=_bounded_int)
    except UnicodeDecodeError as exc:
        raise InvalidArticle(f"body is not UTF-8: {exc.reason} at byte {exc.start}") from exc
    except json.JSONDecodeError as exc:
        raise InvalidArticle(f"body is not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from exc
    except RecursionError as exc:  # the C parser refuses very deep nesting this way
        raise InvalidArticle("body is not JSON we accept: nested too deeply") from exc


def parse_submission(data: Any) -> ArticleSubmission:
    """Validate a decoded JSON value; raises InvalidArticle naming the bad field."""
    if not isinstance(data, dict):
        raise InvalidArticle(f"expected a JSON object, got {type(data).__name__}")
    try:
        submission = ArticleSubmission.model_validate(data)
    except ValidationError as exc:
        raise InvalidArticle(describe_validation_error(exc)) from exc
    if reason := refusal(submission.title, submission.body, submission.html):
        raise InvalidArticle(reason)  # what clean would certainly refuse is refused here
    return submission


def ingest(submission: ArticleSubmission, received_at: datetime, origin: str = "http") -> RawArticle:
    """The stage function: a validated submission -> the raw event, with its deterministic id."""
    return RawArticle(
        id=article_id(submission.url, submission.title, submission.body or submission.html),
        url=submission.url,
        title=submission.title,
        body=submission.body,
        html=submission.html,
        published_at=submission.published_at,
        source=submission.source,
        language=submission.language,
        author=submission.author,
        origin=origin,
        received_at=received_at,
    )


def read_text_article(text: str, source: str | None = None, url: str | None = None) -> ArticleSubmission:
    """A plain-text article like the seed: title on the first non-empty line, body after.

    A text of one line has no title line: it is all body, and clean derives the title from
    its first sentence (``shared.acceptance.derive_title``).
    """
    lines = text.replace("\r\n", "\n").lstrip("\ufeff").split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    if not lines:
        raise InvalidArticle("empty text file")
    title, body = lines[0].strip(), "\n".join(lines[1:]).strip()
    if not body:
        title, body = "", title
    return parse_submission({"title": title or None, "body": body, "source": source, "url": url})


def read_jsonl(lines: Iterable[str]) -> Iterator[ArticleSubmission | InvalidArticle]:
    """One submission per JSON line; a bad line yields its InvalidArticle (with line number)."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            yield parse_submission(json.loads(line))
        except json.JSONDecodeError as exc:
            yield InvalidArticle(f"line {number}: not JSON: {exc.msg}")
        except InvalidArticle as exc:
            yield InvalidArticle(f"line {number}: {exc.reason}")

"""The ingest stage's pure functions: a submission in, a RawArticle (or InvalidArticle) out."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from shared.errors import InvalidArticle
from shared.ids import article_id
from shared.models import RawArticle
from shared.topics import describe_validation_error

MAX_URL = 2048
MAX_TITLE = 1000
MAX_TEXT_BYTES = 5 * 1024 * 1024
#: a published_at further in the future than this is a typo or a broken clock
FUTURE_SLACK = timedelta(days=1)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class ArticleSubmission(BaseModel):
    """What a user or a feed sends: either ``body`` (text) or ``html`` is required."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    url: str | None = Field(default=None, max_length=MAX_URL)
    title: str | None = Field(default=None, max_length=MAX_TITLE)
    body: str | None = None
    html: str | None = None
    published_at: datetime | None = None
    source: str | None = Field(default=None, max_length=200)
    language: str | None = Field(default=None, pattern=r"^[a-zA-Z]{2,3}([-_][a-zA-Z0-9]{2,8})?$")
    author: str | None = Field(default=None, max_length=300)

    @field_validator("url")
    @classmethod
    def _http_url(cls, url: str | None) -> str | None:
        if url is None or url == "":
            return None
        if not re.match(r"^https?://[^\s/?#]+[^\s]*$", url, re.IGNORECASE):
            raise ValueError("must be an absolute http(s) URL")
        return url

    @field_validator("body", "html")
    @classmethod
    def _bounded(cls, text: str | None) -> str | None:
        if text is not None and len(text.encode("utf-8", "surrogatepass")) > MAX_TEXT_BYTES:
            raise ValueError(f"larger than {MAX_TEXT_BYTES // (1024 * 1024)} MB")
        return text

    @field_validator("title", "source", "author")
    @classmethod
    def _no_control(cls, text: str | None) -> str | None:
        return _CONTROL.sub("", text) if text is not None else None

    @field_validator("published_at")
    @classmethod
    def _not_future(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        if value > datetime.now(UTC) + FUTURE_SLACK:
            raise ValueError("is in the future")
        return value

    @model_validator(mode="after")
    def _has_text(self) -> ArticleSubmission:
        if not (self.body and self.body.strip()) and not (self.html and self.html.strip()):
            raise ValueError("body or html is required (both are empty or missing)")
        return self


def parse_submission(data: Any) -> ArticleSubmission:
    """Validate a decoded JSON value; raises InvalidArticle naming the bad field."""
    if not isinstance(data, dict):
        raise InvalidArticle(f"expected a JSON object, got {type(data).__name__}")
    try:
        return ArticleSubmission.model_validate(data)
    except ValidationError as exc:
        raise InvalidArticle(describe_validation_error(exc)) from exc


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
    """A plain-text article like the seed: title on the first non-empty line, body after."""
    lines = text.replace("\r\n", "\n").lstrip("\ufeff").split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    if not lines:
        raise InvalidArticle("empty text file")
    title, body = lines[0].strip(), "\n".join(lines[1:]).strip()
    return parse_submission({"title": title, "body": body, "source": source, "url": url})


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

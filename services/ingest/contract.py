"""The submission contract, once: the patterns ingest validates with are the patterns its
OpenAPI schema publishes, so a client (or schemathesis) generating from the schema gets exactly
what the server accepts, and what the schema calls invalid the server refuses.

What a JSON Schema cannot say is checked on top and answered with a 422 in our words: a
feed document pasted as the article, text that is markup only, a port past 65535 or a date
later than tomorrow (the schema only admits years up to last year, so generated dates are
always accepted).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from shared.limits import (EARLIEST_PUBLISHED, MAX_AUTHOR_CHARS, MAX_SOURCE_CHARS, MAX_TITLE_CHARS,
                           MAX_URL_CHARS)

_PORT = r"(?::(?:6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[0-9]{1,4}))?"
#: an absolute http(s) URL: a host of name characters (no IPv6 literals, no user info), an
#: optional port from 0 to 65535, then anything without spaces; blanks around it are stripped
URL = re.compile(r"^\s*[Hh][Tt][Tt][Pp][Ss]?://[A-Za-z0-9._~%!$&'()*+,;=-]+" + _PORT + r"(?:[/?#]\S*)?\s*$")
LANGUAGE = re.compile(r"^\s*[a-zA-Z]{2,3}(?:[-_][a-zA-Z0-9]{2,8})?\s*$")
#: RFC 3339 with its offset (Z or +hh:mm), microseconds at most
DATE_TIME = re.compile(r"^\s*[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,6})?(?:[Zz]|[+-][0-9]{2}:[0-9]{2})\s*$")
#: a body or html must hold at least one letter or digit
WORDS = re.compile(r"[^\W_]")
LENGTHS = {"url": MAX_URL_CHARS, "title": MAX_TITLE_CHARS, "source": MAX_SOURCE_CHARS, "author": MAX_AUTHOR_CHARS}


def _past_years() -> str:
    """A pattern for the years from EARLIEST_PUBLISHED to last year (always accepted dates)."""
    years = "|".join(str(y) for y in range(EARLIEST_PUBLISHED.year, datetime.now(UTC).year))
    return rf"^\s*(?:{years})-"


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


def submission_schema() -> dict[str, Any]:
    """The JSON Schema of POST /articles' body."""
    text = {"type": "string", "pattern": WORDS.pattern}
    props: dict[str, Any] = {
        "url": _nullable({"type": "string", "maxLength": MAX_URL_CHARS, "pattern": URL.pattern,
                          "description": "the article's address; its canonical form is the article id"}),
        "title": _nullable({"type": "string", "maxLength": MAX_TITLE_CHARS}),
        "body": {**text, "description": "plain text; without a title its first sentence becomes the title"},
        "html": {**text, "description": "the article's HTML page"},
        "published_at": _nullable({"type": "string", "format": "date-time",
                                   "allOf": [{"pattern": DATE_TIME.pattern}, {"pattern": _past_years()}],
                                   "description": "RFC 3339; a later date up to tomorrow is accepted too"}),
        "source": _nullable({"type": "string", "maxLength": MAX_SOURCE_CHARS}),
        "language": _nullable({"type": "string", "pattern": LANGUAGE.pattern}),
        "author": _nullable({"type": "string", "maxLength": MAX_AUTHOR_CHARS}),
    }
    return {"title": "ArticleSubmission", "type": "object", "additionalProperties": False, "properties": props,
            "anyOf": [{"required": ["body"]}, {"required": ["html"]}],
            "description": "One article: body (text) or html is required; the rest is optional."}

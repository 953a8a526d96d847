from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.ingest.logic import ingest, parse_submission, read_jsonl, read_text_article
from shared.errors import InvalidArticle

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def test_ingest_gives_deterministic_url_id() -> None:
    a = ingest(parse_submission({"url": "https://www.Example.org/a?utm_source=x&b=1", "body": "text"}), NOW)
    b = ingest(parse_submission({"url": "https://example.org/a?b=1#top", "body": "other text"}), NOW)
    assert a.id == b.id and a.id.startswith("u-")


def test_ingest_without_url_hashes_content() -> None:
    a = ingest(parse_submission({"title": "T", "body": "Some  body"}), NOW)
    b = ingest(parse_submission({"title": "t", "body": "some body"}), NOW)
    c = ingest(parse_submission({"title": "T", "body": "Another body"}), NOW)
    assert a.id == b.id != c.id and a.id.startswith("c-")


@pytest.mark.parametrize(("payload", "field"), [
    ({"title": "x"}, "body or html"),
    ({"body": "   "}, "body: holds no words"),
    ({"body": "x", "url": "ftp://example.org/a"}, "url"),
    ({"body": "x", "url": "javascript:alert(1)"}, "url"),
    ({"body": "x", "url": "https://e.org/" + "a" * 10_000}, "url"),
    ({"body": "x", "published_at": "not a date"}, "published_at"),
    ({"body": "x", "published_at": (datetime.now(UTC) + timedelta(days=30)).isoformat()}, "published_at"),
    ({"body": 12}, "body"),
    ({"body": "x", "colour": "red"}, "colour"),
    ({"body": "x", "language": "english!"}, "language"),
    ({"body": "x" * (6 * 1024 * 1024)}, "body"),
])
def test_bad_submissions_name_the_field(payload: dict, field: str) -> None:
    with pytest.raises(InvalidArticle) as err:
        parse_submission(payload)
    assert field in err.value.reason


@pytest.mark.parametrize("value", [[], "text", 3, None])
def test_non_object_is_rejected(value: object) -> None:
    with pytest.raises(InvalidArticle, match="JSON object"):
        parse_submission(value)


def test_control_characters_are_removed_from_title() -> None:
    s = parse_submission({"title": "Hello\x00\x07 world", "body": "b"})
    assert s.title == "Hello world"


def test_text_article_title_is_first_line() -> None:
    s = read_text_article("\ufeff\n  Headline here \nBody line one.\n\nBody two.\n")
    assert s.title == "Headline here" and s.body == "Body line one.\n\nBody two."


def test_jsonl_reader_reports_bad_lines_and_keeps_going() -> None:
    out = list(read_jsonl(['{"body": "a"}', "not json", '{"title": "no body"}', "", '{"body": "b"}']))
    assert [type(x).__name__ for x in out] == ["ArticleSubmission", "InvalidArticle", "InvalidArticle", "ArticleSubmission"]
    assert "line 2" in out[1].reason and "line 3" in out[2].reason

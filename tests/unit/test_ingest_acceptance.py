"""What clean would certainly refuse is refused at ingest (one rule, shared/acceptance.py), and
the bad URLs and JSON that used to be 500s are InvalidArticle in our words."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.clean.logic import clean
from services.ingest.logic import decode_json, ingest, parse_submission, read_text_article
from shared.acceptance import derive_title, refusal
from shared.errors import InvalidArticle

NOW = datetime(2025, 2, 18, tzinfo=UTC)
RSS = '<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><item><title>A</title></item></channel></rss>'


@pytest.mark.parametrize(("payload", "words"), [
    ({"title": "x", "html": "<p></p>"}, "no words"),
    ({"html": "<html><body>&nbsp;<br></body></html>"}, "no words"),
    ({"title": "t", "body": "<p> </p><br/>"}, "no words"),
    ({"title": "t", "body": RSS}, "feed document"),
    ({"body": "\n\n" + RSS}, "feed document"),
    ({"title": "t", "html": '<feed xmlns="http://www.w3.org/2005/Atom"><title>x</title></feed>'}, "feed document"),
])
def test_what_clean_would_refuse_is_refused_at_ingest_with_the_same_reason(payload: dict, words: str) -> None:
    with pytest.raises(InvalidArticle) as at_ingest:
        parse_submission(payload)
    assert words in at_ingest.value.reason
    # clean applies the very same rule to what other producers write straight onto the topic
    raw = ingest(parse_submission({"title": "placeholder", "body": "Some text here."}), NOW)
    with pytest.raises(InvalidArticle) as at_clean:
        clean(raw.model_copy(update={"title": payload.get("title"), "body": payload.get("body"),
                                     "html": payload.get("html")}))
    assert at_clean.value.reason == at_ingest.value.reason


@pytest.mark.parametrize("payload", [
    {"body": "Putin met Scholz in Berlin on Monday."},
    {"title": "", "body": "Putin met Scholz in Berlin on Monday."},
    {"body": "Putin met Scholz in Berlin on Monday. They spoke about gas prices and Ukraine."},
    {"body": "<html><body><p>Putin met Scholz in Berlin on Monday, officials said.</p></body></html>"},
    {"title": "Putin met Scholz in Berlin on Monday.", "body": "Putin met Scholz in Berlin on Monday."},
    {"title": "PUTIN MET SCHOLZ in Berlin on Monday", "body": "Putin met Scholz in Berlin on Monday."},
])
def test_a_body_without_a_title_gets_its_first_sentence_as_title(payload: dict) -> None:
    out = clean(ingest(parse_submission(payload), NOW))
    assert out.title.startswith("Putin met Scholz in Berlin on Monday")
    assert "Putin met Scholz in Berlin on Monday" in out.body  # the text is kept, not eaten by its title


def test_derive_title() -> None:
    assert derive_title("Headline\n\nFirst paragraph.") == ("Headline", "First paragraph.")
    assert derive_title("One. Two three.") == ("One.", "One. Two three.")
    long_title, _ = derive_title("word " * 200)
    assert len(long_title) <= 301 and long_title.endswith("…")
    assert refusal("A title", "A body that differs.", None) is None


def test_a_one_line_text_file_is_all_body() -> None:
    s = read_text_article("Putin met Scholz in Berlin on Monday.\n")
    assert s.title is None and s.body == "Putin met Scholz in Berlin on Monday."
    assert clean(ingest(s, NOW)).title == "Putin met Scholz in Berlin on Monday."


@pytest.mark.parametrize(("url", "words"), [
    ("https://a.example:abc/x", "port"), ("https://a.example:99999/x", "port"),
    ("https://[::1/x", "IPv6"), ("https://:80/x", "no host"),
])
def test_bad_urls_are_refused_in_our_words(url: str, words: str) -> None:
    with pytest.raises(InvalidArticle) as err:
        parse_submission({"url": url, "title": "T", "body": "Some text."})
    assert "url" in err.value.reason and words in err.value.reason


@pytest.mark.parametrize(("body", "words"), [
    (b'{"title": "T", "body": "b", "source": ' + b"9" * 5000 + b"}", "digits"),
    (b'{"title": "T", "body": "b", "source": -' + b"9" * 5000 + b"}", "digits"),
    (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    (b"   ", "empty"),
    (b'{"a": 1', "not JSON"),
])
def test_json_that_used_to_crash_is_refused_in_our_words(body: bytes, words: str) -> None:
    with pytest.raises(InvalidArticle) as err:
        decode_json(body)
    assert words in err.value.reason


def test_dates_outside_the_sane_range_are_refused() -> None:
    for value, words in (("0001-01-01T00:00:00Z", "before 1900"), (12345, "date-time"), ("2025-02-18", "date-time"),
                         ("2999-01-01T00:00:00Z", "future"), ("2025-02-18T10:00:00", "date-time")):
        with pytest.raises(InvalidArticle) as err:
            parse_submission({"title": "T", "body": "b", "published_at": value})
        assert "published_at" in err.value.reason and words in err.value.reason
    assert parse_submission({"title": "T", "body": "b", "published_at": "2025-02-18T10:00:00Z"}).published_at


def test_the_published_schema_and_the_validation_agree_on_edges() -> None:
    from services.ingest.contract import DATE_TIME, URL, submission_schema

    schema = submission_schema()
    assert schema["properties"]["url"]["anyOf"][0]["pattern"] == URL.pattern
    for url in ("https://a.example:65535/x", " http://a.example/x?y=1 ", "HTTPS://A.EXAMPLE"):
        assert URL.match(url) and parse_submission({"url": url, "body": "b"}).url
    for url in ("https://a.example:65536/x", "https://[::1]/x", "ftp://a.example/", "https://u@a.example/"):
        assert not URL.match(url)
        with pytest.raises(InvalidArticle):
            parse_submission({"url": url, "body": "b"})
    assert DATE_TIME.match("2025-02-18T10:00:00.123456+05:30")
    for field in ("body", "html"):
        with pytest.raises(InvalidArticle, match=f"{field}: holds no words"):
            parse_submission({"title": "T", "body": "text", field: "!!! ..."})
        with pytest.raises(InvalidArticle, match=f"{field}: must be a string"):
            parse_submission({"title": "T", "body": "text", field: None} if field == "html" else {"body": None, "html": "x"})
    with pytest.raises(InvalidArticle, match="title: longer than 1000"):
        parse_submission({"title": " " * 1001, "body": "b"})

"""The clean stage's pure function: seed article, HTML pages, metadata, bad input, idempotence."""

from __future__ import annotations

import gzip
import json
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from services.clean.logic import clean
from shared.errors import InvalidArticle
from shared.ids import canonical_url, content_hash
from shared.models import CleanArticle, RawArticle

DATA = Path(__file__).resolve().parents[1] / "data"
RECEIVED = datetime(2025, 2, 13, 12, 0, tzinfo=UTC)


def raw(**fields: object) -> RawArticle:
    return RawArticle(id=str(fields.pop("id", "u-test")), received_at=RECEIVED, **fields)  # type: ignore[arg-type]


def seed() -> tuple[str, str]:
    title, body = (DATA / "seed-article.txt").read_text(encoding="utf-8").split("\n", 1)
    return title, body


# ----------------------------------------------------------------------------- seed article

SEED_JUNK = [
    "3 hours ago 1",
    "ARTICLE AD",
    "468x60 AD AFTER 4 POSTS",
    "Read more",
    "US President Donald Trump speaks in the Oval Office. No NATO for Kiev",
    "READ MORE: Trump wants a deal with Russia – but can he deliver?",
    "Read Entire Article",
]


def test_seed_article_boilerplate_removed_and_paragraphs_kept() -> None:
    title, body = seed()
    out = clean(raw(title=title, body=body, url="https://www.rt.com/news/612345-trump-ukraine/?utm_source=x"))
    for junk in SEED_JUNK:
        assert junk not in out.body, junk
    assert out.body.startswith("The US president’s phone call with Vladimir Putin is “recognition”")
    real = [p.strip() for p in body.split("\n\n") if len(p.strip()) > 60 and not p.startswith(("Read more", "READ MORE"))]
    for paragraph in real:
        assert paragraph in out.body.split("\n\n"), paragraph[:60]
    assert out.body.endswith("ruled out any territory swap with Kiev.")
    assert out.title == title
    assert out.language == "en" and out.language_source == "detected"
    assert out.canonical_url == "https://rt.com/news/612345-trump-ukraine"
    assert out.content_hash == content_hash(title, out.body)
    assert out.id == "u-test" and out.received_at == RECEIVED and out.duplicate_of is None


def test_idempotent_on_clean_text() -> None:
    title, body = seed()
    once = clean(raw(title=title, body=body))
    twice = clean(raw(title=once.title, body=once.body))
    assert twice.body == once.body and twice.content_hash == once.content_hash


def test_same_input_same_output() -> None:
    title, body = seed()
    assert clean(raw(title=title, body=body)) == clean(raw(title=title, body=body))


# ----------------------------------------------------------------------------- HTML

PAGE = """<!doctype html><html lang="de-DE"><head>
<title>Große Nachricht – Beispielzeitung</title>
<meta property="og:title" content="Große Nachricht">
<meta property="og:url" content="https://www.example.de/politik/nachricht?utm_medium=x">
<link rel="canonical" href="https://www.example.de/politik/nachricht/?utm_source=feed">
<meta property="article:published_time" content="2025-02-13T09:30:00+01:00">
<meta name="author" content="Von Erika Mustermann">
</head><body>
<nav><a href="/">Startseite</a> &gt; <a href="/politik">Politik</a></nav>
<article><h1>Große Nachricht</h1>
<p>Die Bundesregierung hat am Donnerstag in Berlin ein umfangreiches Paket neuer Maßnahmen vorgestellt, das die Wirtschaft in den kommenden Monaten stärken soll.</p>
<p>Anzeige</p>
<p>Nach Angaben des Ministeriums sollen vor allem kleine und mittlere Unternehmen von den geplanten Entlastungen profitieren, die bereits im Frühjahr in Kraft treten könnten.</p>
<p>Kritiker aus der Opposition bemängelten dagegen, dass die Finanzierung des Pakets noch nicht abschließend geklärt sei und wichtige Details fehlten.</p>
<p>Lesen Sie auch: Was das Paket für Verbraucher bedeutet</p>
</article>
<footer><p>© 2025 Beispielzeitung. Alle Rechte vorbehalten.</p></footer>
</body></html>"""


def test_html_page_to_text_and_metadata() -> None:
    out = clean(raw(html=PAGE, url="https://example.de/p/123"))
    assert out.title == "Große Nachricht"
    assert out.body.startswith("Die Bundesregierung hat am Donnerstag")
    assert "Anzeige" not in out.body and "Lesen Sie auch" not in out.body and "©" not in out.body
    assert "Startseite" not in out.body
    assert len(out.body.split("\n\n")) == 3
    assert out.canonical_url == "https://example.de/politik/nachricht"
    assert out.published_at == datetime(2025, 2, 13, 8, 30, tzinfo=UTC)
    assert out.published_at_source == "page-meta"
    assert out.author == "Erika Mustermann"
    assert out.language == "de" and out.language_source == "detected"
    CleanArticle.model_validate(out.model_dump())


def test_input_fields_win_over_page_metadata() -> None:
    published = datetime(2025, 1, 1, tzinfo=UTC)
    out = clean(raw(html=PAGE, title="Given title", author="Given Author", language="en-GB", published_at=published))
    assert out.title == "Given title" and out.author == "Given Author"
    assert (out.language, out.language_source) == ("en", "input")
    assert (out.published_at, out.published_at_source) == (published, "input")


def test_title_from_first_line_when_missing() -> None:
    body = "A headline without a title field\n\nThe first real paragraph of this story is here and it is long enough."
    out = clean(raw(body=body))
    assert out.title == "A headline without a title field"
    assert out.body == "The first real paragraph of this story is here and it is long enough."


def test_date_from_text_dateline() -> None:
    out = clean(raw(title="T", body="Published: 13 February 2025\n\nThe story text goes here, long enough to detect."))
    assert out.published_at == datetime(2025, 2, 13, tzinfo=UTC) and out.published_at_source == "text"


def test_url_falls_back_to_raw_url() -> None:
    out = clean(raw(title="T", body="Some body text here.", url="HTTPS://WWW.Example.com/a/?fbclid=1#frag"))
    assert out.canonical_url == canonical_url("https://example.com/a")


# ----------------------------------------------------------------------------- invalid input


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"title": "T", "body": ""}, "no text: body and html hold no words (only spaces, markup or control characters)"),
        ({"title": "T", "body": "Advertisement\n\nRead more\n\nShare this article\n\n3 hours ago 1"}, "empty after cleaning"),
        ({"title": "T"}, "no text: body and html hold no words (only spaces, markup or control characters)"),
        ({"body": "   "}, "no text: body and html hold no words (only spaces, markup or control characters)"),
        ({"title": "T", "html": "<p></p>"}, "no text: body and html hold no words (only spaces, markup or control characters)"),
        ({"title": "T", "html": "<html><body><nav>Home</nav></body></html>"}, "empty after cleaning"),
        ({"title": "T", "html": "<p>" + "x" * (6 * 1024 * 1024) + "</p>"}, "html too large"),
    ],
)
def test_invalid_article(fields: dict[str, object], reason: str) -> None:
    with pytest.raises(InvalidArticle) as err:
        clean(raw(**fields))
    assert err.value.reason == reason


def test_html_bomb_refused_quickly() -> None:
    bomb = "<html><body>" + "<div>" * 100_000 + "<p>text</p>" + "</div>" * 100_000 + "</body></html>"
    start = time.monotonic()
    with pytest.raises(InvalidArticle) as err:
        clean(raw(title="T", html=bomb))
    assert err.value.reason == "html nested too deeply"
    assert time.monotonic() - start < 5


def test_wide_html_below_limit_is_bounded_in_time() -> None:
    page = "<html><body>" + "<p>Some words in a paragraph of text.</p>" * 20_000 + "</body></html>"
    start = time.monotonic()
    try:
        clean(raw(title="T", html=page))
    except InvalidArticle:
        pass
    assert time.monotonic() - start < 15


# ----------------------------------------------------------------------------- dataset sample


def test_extraction_f1_on_five_dataset_pages() -> None:
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
    from eval_clean import metrics, shingle_matching

    truth = json.loads((DATA / "extraction-dev" / "ground-truth.json").read_text(encoding="utf-8"))
    rows = []
    for key in sorted(truth)[:5]:
        html = gzip.decompress((DATA / "extraction-dev" / "html" / f"{key}.html.gz").read_bytes()).decode("utf-8", "replace")
        out = clean(raw(html=html, url=truth[key]["url"]))
        rows.append(shingle_matching(truth[key]["articleBody"], out.body))
    assert metrics(rows)["f1"] > 0.9

"""The web page at / driven in headless Chromium against the real pipeline.

Needs the Python package ``playwright`` (its driver only: no ``playwright install``) and a
system Chromium at /usr/bin/chromium (Debian package ``chromium``). Skipped if either is missing.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.index.logic import index
from services.index.writer import bulk_write
from shared.es import make_client
from shared.stream.messages import Item
from shared.models import CleanArticle, EnrichedArticle, Place, Topic
from shared.settings import CommonSettings
from tests.e2e.conftest import Pipeline, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

XSS_TITLE = "Peace talks <script>alert(1)</script> resume <img src=x onerror=\"window.__xss=1;alert(2)\">"
ARTICLES = [
    {"url": "https://example.org/world/putin-ukraine-peace-talks", "source": "example-world",
     "published_at": "2025-02-13T12:00:00Z",
     "title": "Putin and Zelensky envoys open peace talks on Ukraine",
     "body": "Russian President Vladimir Putin said on Thursday that peace talks on the war in Ukraine could "
             "begin next week. Ukrainian President Volodymyr Zelensky said any peace deal must include "
             "security guarantees for Kyiv. Officials in Moscow and Kyiv confirmed the talks."},
    {"url": "https://example.org/sport/manchester-derby", "source": "example-sport",
     "published_at": "2025-03-02T18:30:00Z",
     "title": "Manchester United beat Manchester City in the derby",
     "body": "Manchester United won the football match against Manchester City 2-1 at Old Trafford in "
             "Manchester on Sunday. A late goal by the striker settled the derby in front of 70,000 fans."},
    {"url": "https://example.org/world/geneva-talks", "source": "example-wire",
     "published_at": "2025-04-20T09:00:00Z",
     "title": XSS_TITLE,
     "body": "Diplomats met in Geneva, Switzerland, for peace talks. <script>alert(1)</script> The United "
             "Nations hosted the meeting. <img src=x onerror=\"window.__xss=1;alert(2)\"> A further round "
             "of peace talks is planned in Geneva next month."},
    {"url": "https://example.org/europe/brussels-summit", "source": "example-world",
     "published_at": "2025-05-05T15:00:00Z",
     "title": "European leaders meet in Brussels about peace in Ukraine",
     "body": "Leaders of the European Union met in Brussels, Belgium, to discuss a peace plan for Ukraine "
             "and new aid. NATO officials joined the talks in Brussels."},
]
QUERY = "peace"
MARKUP_ID = "browser-markup"


def write_markup_article_directly() -> None:
    """Index an article whose title and body still hold markup, as if cleaning had let it through.

    The clean stage strips tags from what comes in through ingest, so the pipeline's own copy no
    longer carries any: this one, written straight to the test's index, makes sure that whatever
    text reaches the index is shown as text by the page, never run.
    """
    now = datetime.now(UTC)
    article = CleanArticle(
        id=MARKUP_ID, title=XSS_TITLE.replace("Peace talks", "Peace envoys"), body=ARTICLES[2]["body"],
        content_hash=MARKUP_ID, received_at=now, published_at=datetime(2025, 4, 21, tzinfo=UTC),
        source="example-markup", language="en", url="javascript:alert(3)")
    enriched = EnrichedArticle(article=article, enrichment_version="browser-test", actors=[],
                               places=[Place(name="Geneva", aliases=[], lat=46.2, lon=6.14, country_code="CH")],
                               topics=[Topic(id="medtop:20000621", label="peace process", score=0.9)])
    settings = CommonSettings()
    es = make_client(settings)
    assert bulk_write(es, settings.index_alias, [Item(None, index(enriched, now))]) == []
    es.indices.refresh(index=settings.index_alias)


def _playwright() -> Any:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("the Python package playwright is not installed (pip install playwright)")
    if not Path(CHROMIUM).exists() or not shutil.which(CHROMIUM):
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install -y chromium)")
    return sync_playwright


@pytest.fixture()
def browser_page() -> Iterator[Any]:
    sync_playwright = _playwright()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            context = browser.new_context(viewport={"width": 1360, "height": 1000})
            yield context.new_page()
        finally:
            browser.close()


def api_search(base: str, **params: Any) -> dict[str, Any]:
    r = httpx.get(f"{base}/search", params={"size": 10, **params}, timeout=10)
    return r.json() if r.status_code == 200 else {}


def result_ids(page: Any) -> list[str]:
    return page.eval_on_selector_all("#results > li.result", "els => els.map(e => e.dataset.id)")


def wait_settled(page: Any) -> None:
    """Until the page's latest search has rendered (status no longer 'Loading…'/'Searching…')."""
    page.wait_for_function(
        "() => !document.body.classList.contains('busy')"
        " && !/^(Loading|Searching)/.test(document.getElementById('status').textContent)")


def exercise_search_page(page: Any, base: str, query: str, markup_ids: list[str], raw_markup_id: str,
                         article_id: str) -> None:
    """Type a query, check results/timeline/map/escaping, click a place facet, check the change,
    then open articles in the article view."""
    dialogs: list[str] = []
    page_errors: list[str] = []
    outside: list[str] = []

    def on_dialog(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("pageerror", lambda e: page_errors.append(str(e)))

    def only_this_server(route: Any) -> None:  # the page must work with no network but the API
        if route.request.url.startswith(base):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_this_server)
    world: list[int] = []

    def on_response(response: Any) -> None:
        if response.url.endswith("/static/world.svg"):
            world.append(response.status)

    page.on("response", on_response)

    page.goto(f"{base}/")
    wait_settled(page)
    assert page.locator("#results > li.result").count() > 0, "the empty query lists the latest articles"

    page.fill("#q", query)
    page.press("#q", "Enter")
    page.wait_for_url(f"**/?q={query}*")
    wait_settled(page)
    expected = api_search(base, q=query)
    before = result_ids(page)
    assert before == [h["id"] for h in expected["hits"]], (before, expected)
    assert str(expected["total"]) in page.text_content("#status")
    assert page.locator("#results mark").count() > 0, "query words are highlighted"

    # the articles with markup in them: shown as text, nothing injected, nothing run
    for markup_id in markup_ids:
        assert markup_id in before, f"the article with markup {markup_id} matches the query"
        api_hit = next(h for h in expected["hits"] if h["id"] == markup_id)
        shown_title = page.text_content(f'#results li[data-id="{markup_id}"] .result-title')
        assert shown_title is not None and shown_title.strip() == api_hit["title"].strip()
    raw = f'#results li[data-id="{raw_markup_id}"]'
    assert "<script>alert(1)</script>" in page.text_content(f"{raw} .result-title")
    assert "<img src=x onerror=" in page.text_content(f"{raw} .result-title")
    assert "<script>alert(1)</script>" in page.text_content(f"{raw} .snippet")
    hrefs = page.eval_on_selector_all(f"{raw} a", "els => els.map(e => e.getAttribute('href'))")
    assert all(h.startswith("/") and "#article=" in h for h in hrefs), f"a javascript: url is not made a link: {hrefs}"
    assert page.locator("#results script, #results img, #results iframe").count() == 0
    assert page.evaluate("() => window.__xss") is None

    # timeline bars and map markers drawn, the offline world outline loaded
    assert page.locator("#timeline rect.bar").count() >= 1
    bars = page.eval_on_selector_all("#timeline rect.bar", "els => els.map(e => +e.dataset.count)")
    assert sum(bars) == expected["total"], bars
    assert page.locator("#markers circle.marker").count() >= 1, "places of the results on the map"
    assert world and world[-1] == 200, world

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "search-page.png"), full_page=True)

    # click a place facet that narrows the results: a chip appears, the list changes to match the API
    places = expected["facets"]["places"]
    narrowing = [b for b in places if b["count"] < expected["total"]]
    assert narrowing, f"no place facet narrows {query!r}: {places}"
    choice = narrowing[0]["value"]
    page.locator(".facet[data-facet=places] .facet-value", has_text=choice).first.click()
    page.wait_for_function("before => JSON.stringify([...document.querySelectorAll('#results > li.result')]"
                           ".map(e => e.dataset.id)) !== before", arg=json.dumps(before))
    wait_settled(page)
    after = result_ids(page)
    filtered = api_search(base, q=query, place=choice)
    assert after == [h["id"] for h in filtered["hits"]] and after != before, (choice, before, after)
    chip = page.locator("#chips .chip", has_text=choice)
    assert chip.count() == 1
    assert "place=" in page.url
    page.screenshot(path=str(ARTIFACTS / "search-page-filtered.png"), full_page=True)

    # removing the chip brings the first list back
    chip.locator("button.chip-remove").click()
    page.wait_for_function("() => document.querySelectorAll('#chips .chip').length === 0")
    wait_settled(page)
    assert result_ids(page) == before

    exercise_article_view(page, base, article_id, raw_markup_id, before)

    assert dialogs == [], f"a dialog fired: {dialogs}"
    assert page_errors == [], page_errors
    assert outside == [], f"the page asked for something off this server: {outside}"


def open_article_from_results(page: Any, article_id: str) -> None:
    page.locator(f'#results li[data-id="{article_id}"] .result-title a').click()
    page.wait_for_url(f"**#article={article_id}")
    page.wait_for_selector(f'#article-view[data-id="{article_id}"] #article-content:not([hidden])')


def exercise_article_view(page: Any, base: str, article_id: str, markup_id: str, result_list: list[str]) -> None:
    """Open an article from the results: text with its entity mentions highlighted at the API's
    offsets, the entity lists, Back; then the article with markup in it, shown as text."""
    doc = httpx.get(f"{base}/articles/{article_id}", timeout=10).json()
    full = doc["title"] + "\n\n" + doc["body"]
    api_mentions = {kind: {m["text"] for e in doc["entities"][kind] for m in e["mentions"]}
                    for kind in ("actors", "places")}
    assert "Putin" in " ".join(api_mentions["actors"]), api_mentions
    assert api_mentions["places"], "the enrich stage found places with mentions"

    open_article_from_results(page, article_id)
    assert page.is_hidden("#search-view")
    view = "#article-view"
    assert page.text_content(f"{view} #article-title").strip() == doc["title"]
    shown_body = page.eval_on_selector_all(f"{view} #article-body p:not(.note)", "ps => ps.map(p => p.textContent)")
    assert " ".join(shown_body).split() == doc["body"].split(), shown_body
    assert page.text_content(f"{view} #article-meta .source") == doc["source"]
    assert page.get_attribute(f"{view} #article-meta a.original", "href") == doc["url"]

    marks = page.eval_on_selector_all(f"{view} mark.ent", """els => els.map(e => ({
        kind: e.dataset.kind, text: e.textContent, start: +e.dataset.start, end: +e.dataset.end,
        title: e.getAttribute('title'), name: e.dataset.name, body: !!e.closest('#article-body')}))""")
    actor_marks = [m for m in marks if m["kind"] == "actor"]
    place_marks = [m for m in marks if m["kind"] == "place"]
    assert any(m["text"] in api_mentions["actors"] for m in actor_marks), (actor_marks, api_mentions)
    assert any(m["text"] == "Putin" or m["text"].endswith(" Putin") for m in actor_marks), actor_marks
    assert place_marks and all(m["text"] in api_mentions["places"] for m in place_marks), place_marks
    assert any(m["body"] for m in actor_marks) and any(m["body"] for m in place_marks)
    for m in marks:  # each highlight sits exactly at its offsets and says what it was matched to, and how
        assert full[m["start"]:m["end"]] == m["text"], m
        assert m["name"] in m["title"] and "found by" in m["title"] and "confidence" in m["title"], m
    spans = [(m["start"], m["end"]) for m in marks]
    for kind in ("actors", "places"):  # every mention marked, or inside/overlapping one that is
        for e in doc["entities"][kind]:
            for mention in e["mentions"]:
                s, t = mention["start"], mention["end"]
                assert any(s < b and a < t for a, b in spans), (kind, e["name"], mention)
                if (s, t) in spans:  # one mark for words found as two entities names both
                    assert e["name"] in next(m["title"] for m in marks if (m["start"], m["end"]) == (s, t))
    styles = {k: page.eval_on_selector(f"{view} mark.ent-{k}", "e => getComputedStyle(e).backgroundColor")
              for k in ("actor", "place")}
    assert styles["actor"] != styles["place"], styles

    # the lists: actors, places with coordinates, topics with scores
    actors = page.eval_on_selector_all("#article-actors .ent-name", "els => els.map(e => e.textContent)")
    assert actors == [a["name"] for a in doc["entities"]["actors"]]
    places = page.eval_on_selector_all("#article-places .ent-name", "els => els.map(e => e.textContent)")
    assert places == [p["name"] for p in doc["entities"]["places"]]
    coords = page.eval_on_selector_all("#article-places [data-coords]", "els => els.map(e => e.dataset.coords)")
    assert len(coords) == sum(1 for p in doc["entities"]["places"] if p.get("lat") is not None)
    topics = page.eval_on_selector_all("#article-topics .ent-name", "els => els.map(e => e.textContent)")
    assert sorted(topics) == sorted(t["label"] for t in doc["entities"]["topics"])
    assert page.locator("#article-topics .score-value").count() == len(topics)

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "article-view.png"), full_page=True)

    # Back: the results as they were; the browser's Forward reopens the article
    page.click("#article-close")
    page.wait_for_selector("#article-view", state="hidden")
    assert "#article=" not in page.url and result_ids(page) == result_list
    page.go_forward()
    page.wait_for_selector(f'#article-view[data-id="{article_id}"] #article-content:not([hidden])')
    page.keyboard.press("Escape")
    page.wait_for_selector("#article-view", state="hidden")
    assert result_ids(page) == result_list

    # the article with markup: shown as text, no element made from it, nothing run, no javascript: link
    markup = httpx.get(f"{base}/articles/{markup_id}", timeout=10).json()
    open_article_from_results(page, markup_id)
    assert page.text_content(f"{view} #article-title").strip() == markup["title"]
    assert "<script>alert(1)</script>" in page.text_content(f"{view} #article-title")
    assert "<script>alert(1)</script>" in page.text_content(f"{view} #article-body")
    assert "<img src=x onerror=" in page.text_content(f"{view} #article-body")
    assert page.locator(f"{view} script, {view} img, {view} iframe").count() == 0
    assert page.locator(f"{view} a.original").count() == 0, "a javascript: url is not made a link"
    assert page.evaluate("() => window.__xss") is None
    page.screenshot(path=str(ARTIFACTS / "article-view-markup.png"), full_page=True)

    # the URL alone opens the article (a shared link, a reload)
    page.goto(f"{base}/#article={article_id}")
    page.wait_for_selector(f'#article-view[data-id="{article_id}"] #article-content:not([hidden])')
    assert page.locator(f"{view} mark.ent-actor").count() == len(actor_marks)
    page.click("#article-close")
    page.wait_for_selector("#article-view", state="hidden")
    wait_settled(page)
    assert page.locator("#results > li.result").count() > 0


def test_search_page_in_browser(pipeline: Pipeline, browser_page: Any) -> None:
    ids = {}
    for article in ARTICLES:
        resp = httpx.post(f"{pipeline.ingest_url}/articles", json=article, timeout=10)
        assert resp.status_code == 202, resp.text
        ids[article["title"]] = resp.json()["id"]

    def indexed() -> bool:
        found = api_search(pipeline.search_url, size=20)
        return {h["id"] for h in found.get("hits", [])} >= set(ids.values())

    wait_for(indexed, timeout=180, what="the 4 articles in /search")
    write_markup_article_directly()
    exercise_search_page(browser_page, pipeline.search_url, QUERY, [ids[XSS_TITLE], MARKUP_ID], MARKUP_ID,
                         ids[ARTICLES[0]["title"]])
    assert all(pipeline.alive().values()), pipeline.alive()

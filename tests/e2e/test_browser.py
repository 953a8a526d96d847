"""The web page at / driven in headless Chromium against the real pipeline.

Needs the Python package ``playwright`` (its driver only: no ``playwright install``) and a
system Chromium at /usr/bin/chromium (Debian package ``chromium``). Skipped if either is missing.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from elasticsearch import helpers

from services.index.logic import index, story_document
from services.index.writer import bulk_write
from shared.es import STORIES_INDEX_BODY, ensure_index, index_name, make_client, stories_alias
from shared.stream.messages import Item
from shared.models import Actor, CleanArticle, EnrichedArticle, Place, StoriedArticle, StorySummary, Topic
from shared.settings import CommonSettings
from deploy.local import services as launcher
from tests.e2e.conftest import Pipeline, serving, wait_for

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
    # the stories stage gave every posted article a story (the one written directly has none)
    stories = {h["id"]: h["story"] for h in api_search(pipeline.search_url, size=20)["hits"]}
    assert all(stories[i] and stories[i]["source_count"] >= 1 for i in ids.values()), stories
    exercise_story_view(browser_page, pipeline.search_url, QUERY, ids[ARTICLES[0]["title"]])
    assert all(pipeline.alive().values()), pipeline.alive()


# ------------------------------------------------------------------ the story view

STORY_ID = "s-0123456789abcdef"
STORY_MARKUP = 'Strike <b>ends</b> <img src=x onerror="window.__xss=1;alert(4)"> in Rotterdam'
STORY_ARTICLES = [  # (id, title, source, day of June 2025, language, duplicate of)
    ("st-1", "Dock workers strike at the harbour of Rotterdam", "harbour-daily", 1, "en", None),
    ("st-3", STORY_MARKUP, "wire-nl", 4, "nl", None),
    ("st-2", "Rotterdam port strike enters its second day", "port-news", 2, "en", None),
    ("st-4", "Rotterdam port strike enters its second day", "copy-site", 3, "en", "st-2"),
]


def write_story_directly(alias: str) -> None:
    """A story of four articles from four outlets, written as the index stage writes them."""
    summary = StorySummary(
        id=STORY_ID, revision=4, title=STORY_ARTICLES[0][1], first_seen=datetime(2025, 6, 1, 8, tzinfo=UTC),
        last_seen=datetime(2025, 6, 4, 8, tzinfo=UTC), article_count=4, recent_count=1,
        sources=["harbour-daily", "wire-nl", "port-news", "copy-site"], languages=["en", "nl"],
        actors=["FNV", "Port of Rotterdam Authority"], places=["Rotterdam"], topics=["labour"])
    now = datetime.now(UTC)
    docs = []
    for aid, title, source, day, language, dup in STORY_ARTICLES:
        clean = CleanArticle(id=aid, title=title, body=f"{title}. Dock workers in Rotterdam stopped work again.",
                             content_hash=aid, received_at=now, published_at=datetime(2025, 6, day, 8, tzinfo=UTC),
                             source=source, language=language, duplicate_of=dup, url=f"https://{source}.example/{aid}")
        enriched = EnrichedArticle(
            article=clean, enrichment_version="browser-test", actors=[Actor(name="FNV", type="organisation")],
            places=[Place(name="Rotterdam", aliases=[], lat=51.92, lon=4.48, country_code="NL")],
            topics=[Topic(id="medtop:09000000", label="labour", score=0.9)])
        docs.append((alias, aid, index(StoriedArticle(**dict(enriched), story=summary), now)))
    docs.append((stories_alias(alias), STORY_ID, story_document(summary, now)))
    es = make_client(CommonSettings())
    ensure_index(es, stories_alias(alias), body=STORIES_INDEX_BODY)
    ok, errors = helpers.bulk(es, ({"_index": i, "_id": d, "_source": doc} for i, d, doc in docs), raise_on_error=False)
    assert not errors and ok == len(docs), errors
    es.indices.refresh(index=[alias, stories_alias(alias)])


def open_story_from_results(page: Any, article_id: str, story_id: str) -> None:
    page.locator(f'#results li[data-id="{article_id}"] a.story-link').click()
    page.wait_for_url(f"**#story={story_id}")
    page.wait_for_selector(f'#story-view[data-id="{story_id}"] #story-content:not([hidden])')


def exercise_story_view(page: Any, base: str, query: str, article_id: str) -> None:
    """From the results of ``query``: the hit of ``article_id`` says how many sources its story
    has and links to the story view, which shows what /stories/{id} says: timeline, outlets,
    actors, places, the articles in order; an article opened from it goes back to it."""
    page.goto(f"{base}/?q={query}")
    wait_settled(page)
    hits = api_search(base, q=query)["hits"]
    assert result_ids(page) == [h["id"] for h in hits]
    hit_story = next(h["story"] for h in hits if h["id"] == article_id)
    assert hit_story, f"the hit {article_id} has a story"
    story_id = hit_story["id"]
    n = hit_story["source_count"]
    link = f'#results li[data-id="{article_id}"] a.story-link'
    assert page.text_content(link) == f"{n} source{'' if n == 1 else 's'}"
    assert page.get_attribute(link, "href").endswith(f"#story={story_id}")
    for h in hits:  # every hit with a story says so
        if h["story"]:
            assert page.locator(f'#results li[data-id="{h["id"]}"] a.story-link').count() == 1
    before = result_ids(page)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"story-links-{story_id}.png"), full_page=True)

    api = httpx.get(f"{base}/stories/{story_id}", params={"size": 50}, timeout=10).json()
    open_story_from_results(page, article_id, story_id)
    view = "#story-view"
    assert page.is_hidden("#search-view") and page.is_hidden("#article-view")
    assert page.text_content("#story-title") == api["story"]["title"]
    shown = page.eval_on_selector_all("#story-articles > li", "els => els.map(e => e.dataset.id)")
    assert shown == [a["id"] for a in api["articles"]], "the articles in publication order"
    assert api["total"] == api["story"]["article_count"] == len(shown)
    outlets = page.eval_on_selector_all("#story-outlets .story-outlet",
                                        "els => els.map(e => [e.dataset.source, e.querySelector('.outlet-count').textContent])")
    assert outlets == [[o["value"], f"{o['count']} article{'' if o['count'] == 1 else 's'}"] for o in api["outlets"]]
    bars = page.eval_on_selector_all("#story-timeline rect.bar", "els => els.map(e => +e.dataset.count)")
    assert sum(bars) == api["total"] and bars, bars
    for kind in ("actors", "places"):
        names = page.eval_on_selector_all(f"#story-{kind} .ent-name", "els => els.map(e => e.textContent)")
        assert names == api["story"][kind], (kind, names)
    assert f"from {n} source" in page.text_content("#story-meta")
    assert page.locator(f"{view} script, {view} img, {view} iframe").count() == 0
    assert page.evaluate("() => window.__xss") is None
    page.screenshot(path=str(ARTIFACTS / f"story-view-{story_id}.png"), full_page=True)

    # an article of the story opens in the article view; closing it comes back to the story
    last = api["articles"][-1]["id"]
    page.locator(f'#story-articles li[data-id="{last}"] a.read').click()
    page.wait_for_url(f"**#article={last}")
    page.wait_for_selector(f'#article-view[data-id="{last}"] #article-content:not([hidden])')
    assert page.is_hidden("#story-view")
    page.click("#article-close")
    page.wait_for_selector("#article-view", state="hidden")
    page.wait_for_selector(f'#story-view[data-id="{story_id}"]:not([hidden])')
    assert page.url.endswith(f"#story={story_id}")
    # Escape closes the story: the results as they were
    page.keyboard.press("Escape")
    page.wait_for_selector("#story-view", state="hidden")
    assert "#story=" not in page.url and result_ids(page) == before

    # "search within this story": a chip with the story's title, the API's hits for story=
    page.goto(f"{base}/#story={story_id}")
    page.wait_for_selector(f'#story-view[data-id="{story_id}"] #story-content:not([hidden])')
    page.click("#story-meta .story-search")
    page.wait_for_url("**story=*")
    wait_settled(page)
    assert page.is_hidden("#story-view")
    within = api_search(base, story=story_id)
    assert result_ids(page) == [h["id"] for h in within["hits"]] and within["total"] >= 1
    assert page.text_content("#chips .chip .chip-value") == api["story"]["title"]
    page.reload()  # the chip of a story filter read from the URL shows the story's title too
    wait_settled(page)
    assert page.text_content("#chips .chip .chip-value") == api["story"]["title"]


def test_story_view_in_browser(isolated_env: dict[str, str], browser_page: Any, tmp_path: Path) -> None:
    """The story view over a story written as the index stage writes one (the search service
    as a process, no pipeline): markup in a title stays text, unknown ids say so."""
    settings = CommonSettings()
    es = make_client(settings)
    ensure_index(es, settings.index_alias)
    write_story_directly(settings.index_alias)
    env = launcher.isolated_env({**os.environ, **isolated_env})
    page = browser_page
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        with serving("search", env, tmp_path / "search.log") as (base, _proc):
            exercise_story_page(page, base, errors)
    finally:
        for name in (index_name(settings.index_alias), index_name(stories_alias(settings.index_alias))):
            es.indices.delete(index=name, ignore_unavailable=True)


def exercise_story_page(page: Any, base: str, errors: list[str]) -> None:
    """Search shows each hit's story; the story view opens from a hit and from its URL."""
    hits = api_search(base, q="strike")["hits"]
    assert {h["id"] for h in hits} == {"st-1", "st-2", "st-3"}, "the copy is hidden from search"
    assert all(h["story"] == {"id": STORY_ID, "title": STORY_ARTICLES[0][1], "source_count": 4,
                              "article_count": 4} for h in hits), hits
    exercise_story_view(page, base, "strike", "st-1")
    page.goto(f"{base}/#story={STORY_ID}")
    page.wait_for_selector(f'#story-view[data-id="{STORY_ID}"] #story-content:not([hidden])')
    assert page.text_content("#story-title") == STORY_ARTICLES[0][1]
    row = page.text_content('#story-articles li[data-id="st-3"] a.read')
    assert row == STORY_MARKUP, "markup in a title is shown as text"
    assert page.text_content('#story-articles li[data-id="st-4"] .copy') == "copy"
    page.goto(f"{base}/#story=s-0000000000000000")
    page.wait_for_function("() => /no story/.test(document.getElementById('story-status').textContent)")
    assert page.is_hidden("#story-content")
    assert errors == [], errors

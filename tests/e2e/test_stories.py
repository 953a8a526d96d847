"""Stories through the real pipeline: articles about one event from five outlets, posted to
ingest in different words, come out of ``GET /stories`` as one story with five sources; three
unrelated articles are not in it; ``GET /stories/{id}`` lists the five in publication order."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.e2e.conftest import Pipeline, wait_for

pytestmark = pytest.mark.e2e

EVENT = [  # one event, five outlets, five wordings: the same actors and places
    {"url": "https://harbour-times.example/2025/03/rotterdam-strike", "source": "harbour-times",
     "published_at": "2025-03-10T06:10:00Z",
     "title": "Dock workers walk out at the Port of Rotterdam",
     "body": "Thousands of dock workers at the Port of Rotterdam in the Netherlands stopped work on Monday. "
             "The union FNV called the strike over pay and automation at the container terminals. "
             "Dutch Prime Minister Dick Schoof urged both sides to return to talks."},
    {"url": "https://dutch-wire.example/news/rotterdam-port-strike", "source": "dutch-wire",
     "published_at": "2025-03-10T08:45:00Z",
     "title": "Strike halts container traffic in Rotterdam port",
     "body": "Container traffic in Rotterdam, Europe's largest port, came to a standstill as dockers went on "
             "strike. FNV, the Dutch union, says automation threatens jobs at the terminals. Prime Minister "
             "Dick Schoof asked the union and the port employers to negotiate."},
    {"url": "https://europe-daily.example/economy/rotterdam-dockers", "source": "europe-daily",
     "published_at": "2025-03-10T11:30:00Z",
     "title": "Rotterdam dockers strike over automation and wages",
     "body": "Dockers in Rotterdam began a strike over wages and the automation of the port's terminals, the "
             "FNV union said. Ships queued outside the Port of Rotterdam. Dick Schoof, the Dutch prime "
             "minister, called on the union and employers to resume talks."},
    {"url": "https://shipping-news.example/ports/rotterdam-walkout", "source": "shipping-news",
     "published_at": "2025-03-10T15:05:00Z",
     "title": "Rotterdam port walkout leaves ships waiting at sea",
     "body": "Dozens of container ships waited off the Dutch coast after a walkout by dock workers at the "
             "Port of Rotterdam. The FNV union wants higher pay and guarantees against automation. Prime "
             "Minister Dick Schoof said the strike was hurting the Netherlands."},
    {"url": "https://continent-post.example/world/netherlands-port-strike", "source": "continent-post",
     "published_at": "2025-03-11T07:20:00Z",
     "title": "Netherlands: Rotterdam port strike enters second day",
     "body": "The strike by dock workers at the Port of Rotterdam entered its second day on Tuesday. The FNV "
             "union and the terminal operators have not resumed talks on wages and automation, despite a "
             "call from Prime Minister Dick Schoof."},
]
UNRELATED = [
    {"url": "https://sport-desk.example/football/madrid-derby", "source": "sport-desk",
     "published_at": "2025-03-10T21:00:00Z",
     "title": "Real Madrid beat Atletico in the Madrid derby",
     "body": "Real Madrid won the derby against Atletico Madrid 2-1 at the Santiago Bernabeu. Carlo Ancelotti "
             "praised his players after a late goal by Vinicius Junior in front of 80,000 fans."},
    {"url": "https://tech-ledger.example/earnings/apple-quarter", "source": "tech-ledger",
     "published_at": "2025-03-10T13:00:00Z",
     "title": "Apple reports record iPhone sales in its quarter",
     "body": "Apple reported record revenue from iPhone sales in the last quarter, chief executive Tim Cook "
             "said in Cupertino, California. Services revenue also grew, while sales in China fell."},
    {"url": "https://science-now.example/space/mars-rover", "source": "science-now",
     "published_at": "2025-03-10T17:40:00Z",
     "title": "NASA rover finds ancient lake sediments on Mars",
     "body": "NASA's Perseverance rover found layered sediments in Jezero Crater on Mars that scientists say "
             "were laid down by an ancient lake. Samples will be studied by researchers in Pasadena."},
]


def get(base: str, path: str, **params: Any) -> dict[str, Any]:
    r = httpx.get(f"{base}{path}", params=params, timeout=10)
    assert r.status_code == 200, (path, params, r.status_code, r.text)
    return r.json()


def test_one_event_from_five_outlets_is_one_story(pipeline: Pipeline) -> None:
    event_ids, other_ids = [], []
    for article in EVENT + UNRELATED:
        resp = httpx.post(f"{pipeline.ingest_url}/articles", json=article, timeout=10)
        assert resp.status_code == 202, resp.text
        (event_ids if article in EVENT else other_ids).append(resp.json()["id"])
    every = set(event_ids + other_ids)

    def searchable() -> dict[str, Any] | None:
        r = httpx.get(f"{pipeline.search_url}/search", params={"size": 20}, timeout=10)
        hits = r.json().get("hits", []) if r.status_code == 200 else []
        found = {h["id"]: h for h in hits}
        return found if set(found) >= every and all(found[i]["story"] for i in every) else None

    hits = wait_for(searchable, timeout=240, what="the 8 articles in /search, each with its story")
    assert all(pipeline.alive().values()), pipeline.alive()

    event_story = {hits[i]["story"]["id"] for i in event_ids}
    assert len(event_story) == 1, {i: hits[i]["story"] for i in event_ids}
    story_id = event_story.pop()
    other_stories = {hits[i]["story"]["id"] for i in other_ids}
    assert story_id not in other_stories and len(other_stories) == 3, {i: hits[i]["story"] for i in other_ids}

    def story_complete() -> dict[str, Any] | None:  # the story document is written at each revision
        listing = get(pipeline.search_url, "/stories", sort="size", size=20)
        mine = [s for s in listing["stories"] if s["id"] == story_id]
        return listing if mine and mine[0]["article_count"] == 5 else None

    listing = wait_for(story_complete, timeout=60, what="the story document at 5 articles")
    assert listing["total"] == 4, [(s["id"], s["title"], s["article_count"]) for s in listing["stories"]]
    top = listing["stories"][0]
    assert top["id"] == story_id, "the largest story comes first by size"
    assert top["source_count"] == 5 and top["article_count"] == 5
    assert sorted(top["sources"]) == sorted(a["source"] for a in EVENT)
    assert top["title"] in {a["title"] for a in EVENT}
    assert top["first_seen"].startswith("2025-03-10") and top["last_seen"].startswith("2025-03-11")
    assert "Rotterdam" in " ".join(top["places"]), top["places"]
    for other in listing["stories"][1:]:
        assert other["article_count"] == 1 and other["source_count"] == 1, other
    assert {s["id"] for s in listing["stories"][1:]} == other_stories
    # a filter on one of the event's places finds it, and not the others
    assert [s["id"] for s in get(pipeline.search_url, "/stories", place="Rotterdam")["stories"]] == [story_id]

    one = get(pipeline.search_url, f"/stories/{story_id}")
    assert [a["id"] for a in one["articles"]] == event_ids, "the five, in publication order"
    assert one["total"] == 5
    assert sorted((o["value"], o["count"]) for o in one["outlets"]) == sorted((a["source"], 1) for a in EVENT)
    assert sum(b["count"] for b in one["timeline"]) == 5
    within = get(pipeline.search_url, "/search", story=story_id, size=20)
    assert {h["id"] for h in within["hits"]} == set(event_ids)
    facet = {b["value"]: b for b in get(pipeline.search_url, "/search", size=1)["facets"]["stories"]}
    assert facet[story_id]["count"] == 5 and facet[story_id]["source_count"] == 5

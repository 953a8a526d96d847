"""The seed article posted to ingest comes out of /search by actor, place and topic, clean."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from shared.kafka import make_producer, topic
from shared.models import RawArticle
from shared.settings import CommonSettings
from shared.topics import RAW, encode

from tests.e2e.conftest import Pipeline, wait_for

SEED = Path(__file__).resolve().parents[2] / "samples" / "seed-article.txt"
BOILERPLATE = ["3 hours ago", "ARTICLE AD", "468x60", "Read more", "READ MORE:", "Read Entire Article",
               "No NATO for Kiev, Ukrainian territorial concessions"]


def test_seed_article_flows_to_search(pipeline: Pipeline) -> None:
    title, body = SEED.read_text(encoding="utf-8").split("\n", 1)
    resp = httpx.post(f"{pipeline.ingest_url}/articles", json={
        "url": "https://example.org/news/trump-not-betraying-ukraine?utm_source=feed",
        "title": title, "body": body, "source": "sample", "published_at": "2025-02-13T12:00:00Z"})
    assert resp.status_code == 202, resp.text
    article_id = resp.json()["id"]

    def search(**params: str) -> dict:
        r = httpx.get(f"{pipeline.search_url}/search", params=params, timeout=10)
        return r.json() if r.status_code == 200 else {}

    found = wait_for(lambda: search(actor="Vladimir Putin").get("total"), what="seed by actor")
    assert found == 1
    hit = search(actor="Vladimir Putin")["hits"][0]
    assert hit["id"] == article_id
    assert search(place="Ukraine")["hits"][0]["id"] == article_id
    topics = hit["topics"]
    assert topics, "the seed article got no topic"
    assert search(topic=topics[0])["hits"][0]["id"] == article_id
    # aliases typed by a user find the canonical entity
    assert search(actor="Zelenskyy")["total"] == 1
    assert search(place="Kiev")["total"] == 1

    doc = httpx.get(f"{pipeline.search_url}/articles/{article_id}").json()
    for marker in BOILERPLATE:
        assert marker not in doc["body"], f"boilerplate left in the indexed body: {marker!r}"
    assert "Hegseth dismissed those claims" in doc["body"]

    # a syndicated copy under another URL, lightly edited: marked duplicate_of, not a second result
    copy = httpx.post(f"{pipeline.ingest_url}/articles", json={
        "url": "https://mirror.example.com/world/trump-ukraine-hegseth", "title": title + " (updated)",
        "body": body.replace("Hegseth dismissed those claims", "Hegseth rejected those claims"), "source": "mirror"})
    assert copy.status_code == 202 and copy.json()["id"] != article_id
    copy_doc = wait_for(lambda: httpx.get(f"{pipeline.search_url}/articles/{copy.json()['id']}").json()
                        if httpx.get(f"{pipeline.search_url}/articles/{copy.json()['id']}").status_code == 200 else None,
                        what="the syndicated copy")
    assert copy_doc["duplicate_of"] == article_id
    assert search(actor="Vladimir Putin")["total"] == 1
    # (GET /articles is real-time; search sees the copy after the next refresh)
    wait_for(lambda: search(actor="Vladimir Putin", include_duplicates="true").get("total") == 2, timeout=10,
             what="the copy in search with include_duplicates")
    assert all(pipeline.alive().values()), pipeline.alive()


@pytest.mark.pipeline_env(NEWSFLOW_CLEAN_BATCH_SIZE="1")
def test_near_duplicates_are_caught_across_clean_workers(pipeline: Pipeline) -> None:
    """Two clean workers split the partitions; a copy arriving on the other worker is still caught."""
    settings = CommonSettings()
    pipeline.start("clean")  # a second worker: the group rebalances

    def assignments() -> list[list[int]] | None:
        latest = []
        for i in (0, 1):
            lines = [json.loads(line)["message"] for line in (pipeline.log_dir / f"clean-{i}.log").read_text()
                     .splitlines() if "partitions assigned" in line]
            if not lines:
                return None
            latest.append(json.loads(lines[-1].split(": ", 1)[1]))
        return latest if all(latest) and not set(latest[0]) & set(latest[1]) else None

    owned = wait_for(assignments, timeout=90, what="two clean workers sharing the partitions")
    title, body = SEED.read_text(encoding="utf-8").split("\n", 1)
    now = datetime.now(UTC)
    original = RawArticle(id="c-original", title=title, body=body, received_at=now, source="a")
    copy = RawArticle(id="c-copy", title=title, body=body.replace("Hegseth dismissed", "Hegseth rejected"),
                      received_at=now, source="b")
    producer = make_producer(settings)
    raw = topic(settings, RAW).name
    producer.send(raw, key=original.id, value=encode(original), partition=owned[0][0]).get(timeout=30)
    wait_for(lambda: httpx.get(f"{pipeline.search_url}/articles/c-original").status_code == 200,
             what="the original indexed")
    producer.send(raw, key=copy.id, value=encode(copy), partition=owned[1][0]).get(timeout=30)
    doc = wait_for(lambda: (r := httpx.get(f"{pipeline.search_url}/articles/c-copy")).status_code == 200 and r.json(),
                   what="the copy indexed")
    assert doc["duplicate_of"] == "c-original"

    def handled_by() -> set[int]:
        # (a batch is logged once committed, which can come a moment after its output is searchable)
        logs = [(pipeline.log_dir / f"clean-{i}.log").read_text() for i in (0, 1)]
        return {i for i, text in enumerate(logs) for line in text.splitlines() if "batch of 1: 1 written" in line}

    wait_for(lambda: handled_by() == {0, 1}, timeout=15, what="each worker to have cleaned one of the two")

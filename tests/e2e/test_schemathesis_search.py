"""The search API's OpenAPI contract, checked as a third-party client would: schemathesis 4
(``-c all``) against the live search service (a process) over a small real index.

What the contract says and schemathesis holds us to: no 5xx for any input, only documented
statuses, every body matching its schema (errors included), JSON everywhere but /metrics,
schema-invalid input refused with a 4xx. One allowance, in ``schemathesis.toml`` terms: a
``/search`` whose parameters fit the schema may still get a 400, because ``q`` is a query
language (balanced parentheses and quotes) and ``near`` a place name, neither of which JSON
Schema can express; the 400 is documented, in our words, and checked below to be ours.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from services.index.logic import index, story_document
from services.index.writer import bulk_write
from shared.es import STORIES_INDEX_BODY, ensure_index, index_name, make_client, stories_alias
from shared.models import Actor, CleanArticle, EnrichedArticle, Place, StoriedArticle, StorySummary, Topic
from shared.settings import CommonSettings
from shared.stream.messages import Item
from deploy.local import services as launcher
from tests.e2e.conftest import serving

pytestmark = pytest.mark.e2e

#: the whole run's budget (schemathesis stops generating when it is spent), and a hard stop
BUDGET_SECONDS = 60
CONFIG = """
[checks.positive_data_acceptance]
expected-statuses = ["2xx", "404"]

[[operations]]
include-path = "/search"
checks.positive_data_acceptance.expected-statuses = ["2xx", "400"]

[[operations]]
include-path = "/stories"
checks.positive_data_acceptance.expected-statuses = ["2xx", "400"]

[[operations]]
include-path = "/stories/{story_id}"
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "404"]
"""
#: the story of the first six articles (the other six have none)
STORY = StorySummary(id="s-00000000000000aa", revision=6, title="Peace talks in Geneva", article_count=6,
                     first_seen=datetime(2025, 5, 1, tzinfo=UTC), last_seen=datetime(2026, 1, 1, tzinfo=UTC),
                     sources=["wire"], languages=["en"], actors=["Volodymyr Zelensky"], places=["Geneva"],
                     topics=["politics"])


def _articles() -> list[EnrichedArticle]:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    out: list[EnrichedArticle] = []
    for i in range(12):
        article = CleanArticle(
            id=f"c-{i}", title=f"Peace talks in Geneva, day {i}", body=f"Diplomats met in Geneva on day {i}. " * 5,
            content_hash=str(i), received_at=now, published_at=now - timedelta(days=40 * i), source="wire",
            language="en", duplicate_of="c-0" if i == 11 else None)
        enriched = EnrichedArticle(
            article=article, enrichment_version="t",
            actors=[Actor(name="Volodymyr Zelensky", type="person", aliases=["Zelensky"])],
            places=[Place(name="Geneva", aliases=["Genf"], lat=46.2, lon=6.14, country_code="CH")],
            topics=[Topic(id="medtop:11000000", label="politics", score=0.9)])
        out.append(StoriedArticle(**dict(enriched), story=STORY) if i < 6 else enriched)
    return out


@pytest.fixture()
def search_service(isolated_env: dict[str, str], tmp_path: Path) -> Iterator[str]:
    settings = CommonSettings()
    es = make_client(settings)
    ensure_index(es, settings.index_alias)
    assert bulk_write(es, settings.index_alias, [Item(None, index(a, datetime.now(UTC))) for a in _articles()]) == []
    ensure_index(es, stories_alias(settings.index_alias), body=STORIES_INDEX_BODY)
    es.index(index=stories_alias(settings.index_alias), id=STORY.id, document=story_document(STORY, datetime.now(UTC)))
    es.indices.refresh(index=[settings.index_alias, stories_alias(settings.index_alias)])
    env = launcher.isolated_env({**os.environ, **isolated_env})
    try:
        with serving("search", env, tmp_path / "search.log") as (url, _proc):
            yield url
    finally:
        for name in (index_name(settings.index_alias), index_name(stories_alias(settings.index_alias))):
            es.indices.delete(index=name, ignore_unavailable=True)


def test_schemathesis_all_checks_pass(search_service: str, tmp_path: Path) -> None:
    config = tmp_path / "schemathesis.toml"
    config.write_text(CONFIG)
    command = [str(Path(sys.executable).with_name("schemathesis")), "--config-file", str(config), "run",
               f"{search_service}/openapi.json", "-c", "all", "--max-time", str(BUDGET_SECONDS),
               "--max-examples", "60", "--workers", "2", "--seed", "14", "--suppress-health-check", "too_slow",
               "--request-timeout", "10"]
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=BUDGET_SECONDS + 60)
    report = done.stdout[-6000:] + done.stderr[-2000:]
    print(report)
    assert done.returncode == 0, report
    assert "passed" in done.stdout.lower(), report


def test_the_allowed_400s_are_ours(search_service: str) -> None:
    """The one allowance above: a schema-valid /search may get 400, and then in our words."""
    for path, params in (("/search", {"q": "(peace"}), ("/search", {"q": "NOT NOT x"}),
                         ("/search", {"near": "Atlantis"}), ("/search", {"within": "0km", "near": "1,1"}),
                         ("/search", {"cursor": "W251bGwsbnVsbCxudWxsXQ"}), ("/stories", {"cursor": "W251bGxd"}),
                         ("/stories", {"page": 10000, "size": 2}), (f"/stories/{STORY.id}", {"cursor": "e30"})):
        r = httpx.get(f"{search_service}{path}", params=params, timeout=10)
        assert r.status_code == 400, (path, params, r.text)
        message = r.json()["error"]
        assert message and not any(s in message for s in ("[", "Exception", "search_after", "articles-")), message
    r = httpx.get(f"{search_service}/stories/s-0000000000000000", timeout=10)
    assert r.status_code == 404 and r.json() == {"error": "no story with this id"}

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

from services.index.logic import index
from services.index.writer import bulk_write
from shared.es import ensure_index, make_client
from shared.models import Actor, CleanArticle, EnrichedArticle, Place, Topic
from shared.settings import CommonSettings
from shared.stream.messages import Item
from deploy.local import services as launcher

pytestmark = pytest.mark.e2e

#: the whole run's budget (schemathesis stops generating when it is spent), and a hard stop
BUDGET_SECONDS = 60
CONFIG = """
[checks.positive_data_acceptance]
expected-statuses = ["2xx", "404"]

[[operations]]
include-path = "/search"
checks.positive_data_acceptance.expected-statuses = ["2xx", "400"]
"""


def _articles() -> list[EnrichedArticle]:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    out = []
    for i in range(12):
        article = CleanArticle(
            id=f"c-{i}", title=f"Peace talks in Geneva, day {i}", body=f"Diplomats met in Geneva on day {i}. " * 5,
            content_hash=str(i), received_at=now, published_at=now - timedelta(days=40 * i), source="wire",
            language="en", duplicate_of="c-0" if i == 11 else None)
        out.append(EnrichedArticle(
            article=article, enrichment_version="t",
            actors=[Actor(name="Volodymyr Zelensky", type="person", aliases=["Zelensky"])],
            places=[Place(name="Geneva", aliases=["Genf"], lat=46.2, lon=6.14, country_code="CH")],
            topics=[Topic(id="medtop:11000000", label="politics", score=0.9)]))
    return out


@pytest.fixture()
def search_service(isolated_env: dict[str, str], tmp_path: Path) -> Iterator[str]:
    settings = CommonSettings()
    es = make_client(settings)
    ensure_index(es, settings.index_alias)
    assert bulk_write(es, settings.index_alias, [Item(None, index(a, datetime.now(UTC))) for a in _articles()]) == []
    es.indices.refresh(index=settings.index_alias)
    env = launcher.isolated_env({**os.environ, **isolated_env})
    proc = launcher.spawn("search", env, tmp_path / "search.log")
    url, = launcher.health_urls(env, ["search"])
    try:
        try:
            launcher.wait_healthy([url], alive=lambda: proc.poll() is None, timeout=60)
        except TimeoutError as exc:
            raise AssertionError((tmp_path / "search.log").read_text()[-2000:]) from exc
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        es.indices.delete(index=f"{settings.index_alias}-v1")


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
    for params in ({"q": "(peace"}, {"q": "NOT NOT x"}, {"near": "Atlantis"}, {"within": "0km", "near": "1,1"},
                   {"cursor": "W251bGwsbnVsbCxudWxsXQ"}):
        r = httpx.get(f"{search_service}/search", params=params, timeout=10)
        assert r.status_code == 400, (params, r.text)
        message = r.json()["error"]
        assert message and not any(s in message for s in ("[", "Exception", "search_after", "articles-")), message

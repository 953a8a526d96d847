"""The judged query set: for each query, the article that must come first."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from services.index.logic import index
from services.index.writer import bulk_write
from services.search.app import create_app
from shared.aliases import AliasRegistry
from shared.es import ensure_index, index_name, make_client
from shared.stream.messages import Item
from shared.models import Actor, CleanArticle, EnrichedArticle, Place, Topic
from shared.settings import CommonSettings

DATA = Path(__file__).resolve().parents[1] / "data"
JUDGED = json.loads((DATA / "judged-queries.json").read_text())


def corpus(now: datetime) -> list[EnrichedArticle]:
    out = []
    for a in json.loads((DATA / "relevance-corpus.json").read_text()):
        article = CleanArticle(id=a["id"], title=a["title"], body=a["body"], content_hash=a["id"], received_at=now,
                               published_at=now - timedelta(days=a["days_ago"]), language="en", source="judged")
        out.append(EnrichedArticle(
            article=article, enrichment_version="judged",
            actors=[Actor(name=n, type="person") for n in a["actors"]],
            places=[Place(name=n, aliases=a.get("place_aliases", {}).get(n, [])) for n in a["places"]],
            topics=[Topic(id=t, label=t, score=1.0) for t in a["topics"]]))
    return out


@pytest.fixture(scope="module")
def api(infra: dict[str, str]):  # noqa: ANN201
    mp = pytest.MonkeyPatch()
    mp.setenv("NEWSFLOW_INDEX_ALIAS", f"judged-{datetime.now(UTC):%H%M%S%f}")
    mp.setenv("ELASTICSEARCH_URL", infra["es"])
    settings = CommonSettings()
    es = make_client(settings)
    ensure_index(es, settings.index_alias)
    now = datetime.now(UTC)
    bulk_write(es, settings.index_alias, [Item(None, index(a, now)) for a in corpus(now)])
    es.indices.refresh(index=settings.index_alias)
    yield TestClient(create_app(es, settings.index_alias, AliasRegistry.seeded().resolve))
    es.indices.delete(index=index_name(settings.index_alias))
    mp.undo()


@pytest.mark.parametrize("judged", JUDGED, ids=[j["why"] for j in JUDGED])
def test_judged_query(api, judged: dict) -> None:  # noqa: ANN001
    hits = api.get("/search", params=judged["params"]).json()["hits"]
    assert hits, f"no result for {judged['params']}"
    assert hits[0]["id"] == judged["first"], (judged["why"], [h["id"] for h in hits])

"""The ingest API writes accepted articles to the real raw topic, and only those."""

from __future__ import annotations

from fastapi.testclient import TestClient
from pydantic import SecretStr

from services.ingest.__main__ import bootstrap
from services.ingest.settings import IngestSettings
from shared.kafka import topic
from shared.topics import RAW, decode
from tests.integration.helpers import read_topic


def test_accepts_rejects_and_publishes(isolated_env: dict[str, str]) -> None:
    settings = IngestSettings(max_body_bytes=100_000)
    api = TestClient(bootstrap(settings), base_url="http://127.0.0.1:8001")
    ok = api.post("/articles", json={"url": "https://example.org/a", "title": "T", "body": "Body text."})
    assert ok.status_code == 202 and ok.json()["id"].startswith("u-")
    again = api.post("/articles", json={"url": "https://example.org/a?utm_source=x", "title": "T", "body": "Body text."})
    assert again.json()["id"] == ok.json()["id"]
    cases = [
        (b"{bad json", 422, "not JSON"), (b"", 422, "empty"), (b"\xff\xfe", 422, "UTF-8"),
        (b'{"title": "t"}', 422, "body or html"), (b'{"body": "x", "url": "file:///etc/passwd"}', 422, "url"),
        (b'{"body": "' + b"x" * 200_000 + b'"}', 413, "larger"),
    ]
    for body, status, message in cases:
        resp = api.post("/articles", content=body, headers={"content-type": "application/json"})
        assert resp.status_code == status, (body[:40], resp.text)
        assert message in resp.json()["error"]
    records = read_topic(settings, topic(settings, RAW).name, expect=2)
    assert len(records) == 2
    assert {decode(RAW, r.value).id for r in records} == {ok.json()["id"]}


def test_token_required_when_configured(isolated_env: dict[str, str]) -> None:
    api = TestClient(bootstrap(IngestSettings(token=SecretStr("s3cret"))), base_url="http://127.0.0.1:8001")
    assert api.post("/articles", json={"body": "x"}).status_code == 401
    assert api.post("/articles", json={"body": "x"}, headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert api.post("/articles", json={"body": "x"}, headers={"Authorization": "Bearer s3cret"}).status_code == 202

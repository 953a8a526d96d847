"""The HTTP boundary of ingest (and the headers of search), against the real broker:
no cross-site or rebound writes, JSON only, a token, security headers, a complete contract,
no 5xx for hostile input, and 4xx counted as rejections, never as dead letters."""

from __future__ import annotations

import json

from elasticsearch import Elasticsearch
from fastapi.testclient import TestClient
from pydantic import SecretStr

from services.ingest.__main__ import bootstrap
from services.ingest.settings import IngestSettings
from services.search.app import create_app as create_search
from shared.kafka import topic
from shared.topics import RAW
from tests.integration.helpers import read_topic

BASE = "http://127.0.0.1:8001"
GOOD = {"url": "https://example.org/boundary", "title": "Talks", "body": "Diplomats met in Riyadh."}


def metric(api: TestClient, name: str, **labels: str) -> float:
    wanted = ",".join(f'{k}="{v}"' for k, v in labels.items())
    for line in api.get("/metrics").text.splitlines():
        if line.startswith(f"{name}{{") and all(f'{k}="{v}"' in line for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return 0.0 if wanted else 0.0


def test_the_csrf_and_rebinding_post_of_the_issue_is_refused(isolated_env: dict[str, str]) -> None:
    settings = IngestSettings(token=SecretStr("s3cret"), allowed_origins="https://tools.example")
    api = TestClient(bootstrap(settings), base_url=BASE)
    auth = {"Authorization": "Bearer s3cret"}
    body = json.dumps(GOOD)
    cases = [  # (headers, status, words)
        ({"content-type": "text/plain", "Origin": "https://evil.example", "Host": "attacker.example", **auth}, 421, "Host"),
        ({"content-type": "application/json", "Host": "attacker.example", **auth}, 421, "Host"),
        ({"content-type": "application/json", "Origin": "https://evil.example", **auth}, 403, "cross-site"),
        ({"content-type": "application/json", "Origin": "null", **auth}, 403, "cross-site"),
        ({"content-type": "text/plain", **auth}, 415, "application/json"),
        ({"content-type": "application/x-www-form-urlencoded", **auth}, 415, "application/json"),
        ({"content-type": "application/json"}, 401, "token"),
        ({"content-type": "application/json", "Authorization": "Bearer wrong"}, 401, "token"),
    ]
    for headers, status, words in cases:
        resp = api.post("/articles", content=body, headers=headers)
        assert resp.status_code == status, (headers, resp.text)
        assert words in resp.json()["error"]
        assert resp.headers["x-frame-options"] == "DENY"
    for origin in (BASE, "https://tools.example"):  # same origin, and an origin the operator listed
        ok = api.post("/articles", content=body, headers={"content-type": "application/json; charset=utf-8",
                                                          "Origin": origin, **auth})
        assert ok.status_code == 202, ok.text
    ok = api.post("/articles", content=body, headers={"content-type": "application/json", "Host": "ingest:8001", **auth})
    assert ok.status_code == 202
    assert len(read_topic(settings, topic(settings, RAW).name, expect=3)) == 3
    assert api.delete("/articles").status_code == 405  # not a write route: the app's own answer


def test_token_from_the_token_file(isolated_env: dict[str, str], tmp_path) -> None:  # noqa: ANN001
    path = tmp_path / "ingest.token"
    path.write_text("from-file\n")
    api = TestClient(bootstrap(IngestSettings(token_file=str(path))), base_url=BASE)
    assert api.post("/articles", json=GOOD).status_code == 401
    assert api.post("/articles", json=GOOD, headers={"Authorization": "Bearer from-file"}).status_code == 202


def test_hostile_input_is_a_4xx_in_our_words_and_counted_as_rejected(isolated_env: dict[str, str]) -> None:
    api = TestClient(bootstrap(IngestSettings()), base_url=BASE, raise_server_exceptions=False)
    before_rejected = metric(api, "newsflow_rejected_total", stage="ingest", status="422")
    before_dead = metric(api, "newsflow_dead_lettered_total", stage="ingest")
    hostile = [
        json.dumps({"url": "https://a.example:abc/x", "title": "T", "body": "b"}).encode(),
        json.dumps({"url": "https://a.example:99999/x", "title": "T", "body": "b"}).encode(),
        json.dumps({"url": "https://[::1/x", "title": "T", "body": "b"}).encode(),
        b'{"title": "T", "body": "b", "n": ' + b"7" * 5000 + b"}",
        b"[" * 100_000 + b"]" * 100_000,
        json.dumps({"title": "", "body": "<p></p>"}).encode(),
        json.dumps({"title": "Nothing", "body": "&nbsp;<br>"}).encode(),
        json.dumps({"title": "Feed", "body": '<?xml version="1.0"?><rss><channel/></rss>'}).encode(),
        json.dumps({"title": "Old", "body": "b", "published_at": "0001-01-01T00:00:00Z"}).encode(),
    ]
    for body in hostile:
        resp = api.post("/articles", content=body, headers={"content-type": "application/json"})
        assert resp.status_code == 422, (body[:60], resp.status_code, resp.text[:200])
        message = resp.json()["error"]
        assert message and "Traceback" not in message and "Value error" not in message
    assert metric(api, "newsflow_rejected_total", stage="ingest", status="422") == before_rejected + len(hostile)
    assert metric(api, "newsflow_dead_lettered_total", stage="ingest") == before_dead


def test_contract_headers_and_docs_of_both_apps(isolated_env: dict[str, str]) -> None:
    ingest = TestClient(bootstrap(IngestSettings()), base_url=BASE)
    spec = ingest.get("/openapi.json").json()
    post = spec["paths"]["/articles"]["post"]
    schema = post["requestBody"]["content"]["application/json"]["schema"]
    assert schema["additionalProperties"] is False and "body" in schema["properties"]
    assert {"202", "401", "403", "413", "415", "421", "422", "429"} <= set(post["responses"])
    assert post["responses"]["422"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorBody")
    assert "text/plain" in spec["paths"]["/metrics"]["get"]["responses"]["200"]["content"]
    assert "application/json" not in spec["paths"]["/metrics"]["get"]["responses"]["200"]["content"]
    search = TestClient(create_search(Elasticsearch("http://127.0.0.1:9"), "none"), base_url="http://127.0.0.1:8000")
    for api in (ingest, search):
        for path in ("/health", "/docs", "/openapi.json"):
            resp = api.get(path)
            assert resp.status_code == 200, path
            assert resp.headers["x-frame-options"] == "DENY"
            assert resp.headers["x-content-type-options"] == "nosniff"
            assert resp.headers["referrer-policy"] == "no-referrer"
            assert "frame-ancestors 'none'" in resp.headers["content-security-policy"]
        docs = api.get("/docs").text
        assert "<script" not in docs.lower() and "cdn" not in docs.lower() and "/openapi.json" in docs
    page = search.get("/")
    assert page.status_code == 200 and "frame-ancestors 'none'" in page.headers["content-security-policy"]


def test_without_a_token_writes_are_closed_by_default(isolated_env: dict[str, str]) -> None:
    api = TestClient(bootstrap(IngestSettings(open_writes=False)), base_url=BASE)
    resp = api.post("/articles", json={"title": "t", "body": "NATO ministers met in Brussels."})
    assert resp.status_code == 401 and "writes are closed" in resp.json()["error"]

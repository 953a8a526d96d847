"""Bad-input campaign: every bad input gets a clear 4xx or a dead letter; nothing crashes or stalls."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.kafka import make_producer, topic
from shared.settings import CommonSettings
from shared.topics import CLEAN, DEAD_LETTER, ENRICHED, RAW, STORIED, decode
from tests.e2e.conftest import Pipeline, wait_for
from tests.integration.helpers import read_topic

NESTED = "<div>" * 100_000 + "deep" + "</div>" * 100_000
BOMB = "<html><body>" + "<p><b><i><span>" * 50_000 + "x"
ENORMOUS = "<html><body>" + "<p>Many paragraphs of words here.</p>" * 130_000 + "</body></html>"  # ~4.7 MB

HTTP_CASES: list[tuple[str, bytes, int, str]] = [
    ("malformed JSON", b'{"title": "x", "body": ', 422, "not JSON"),
    ("zero-byte body", b"", 422, "empty"),
    ("invalid UTF-8", b'{"body": "\xff\xfe\xfa"}', 422, "UTF-8"),
    ("JSON array", b"[1, 2, 3]", 422, "JSON object"),
    ("wrong type", json.dumps({"body": 42}).encode(), 422, "body"),
    ("missing body and html", json.dumps({"title": "only a title"}).encode(), 422, "body or html"),
    ("unknown field", json.dumps({"body": "x", "evil": True}).encode(), 422, "evil"),
    ("future date", json.dumps({"body": "x", "published_at": (datetime.now(UTC) + timedelta(days=400)).isoformat()}).encode(),
     422, "future"),
    ("10,000-character URL", json.dumps({"body": "x", "url": "https://e.org/" + "a" * 10_000}).encode(), 422, "url"),
    ("non-http URL", json.dumps({"body": "x", "url": "file:///etc/passwd"}).encode(), 422, "url"),
    ("20 MB body", json.dumps({"body": "x" * 20_000_000}).encode(), 413, "larger"),
    # issue 14: what clean would certainly refuse is refused here, and no input is a 5xx
    ("control characters only", json.dumps({"title": "\x01\x02", "body": "\x00\x03\x04\x05 \x06"}).encode(),
     422, "no words"),
    ("<p>-only html", json.dumps({"title": "T", "html": "<p></p>"}).encode(), 422, "no words"),
    ("RSS document as body", json.dumps({"title": "T", "body": '<?xml version="1.0"?><rss><channel/></rss>'}).encode(),
     422, "feed document"),
    ("port not a number", json.dumps({"body": "x", "url": "https://a.example:abc/x"}).encode(), 422, "port"),
    ("port out of range", json.dumps({"body": "x", "url": "https://a.example:99999/x"}).encode(), 422, "port"),
    ("IPv6 host half closed", json.dumps({"body": "x", "url": "https://[::1/x"}).encode(), 422, "IPv6"),
    ("5,000-digit number", b'{"body": "x", "n": ' + b"1" * 5000 + b"}", 422, "digits"),
    ("100k-deep array", b"[" * 100_000 + b"]" * 100_000, 422, "nested"),
    ("year 0001", json.dumps({"body": "x", "published_at": "0001-01-01T00:00:00Z"}).encode(), 422, "before 1900"),
]


def post(pipeline: Pipeline, body: bytes) -> httpx.Response:
    return httpx.post(f"{pipeline.ingest_url}/articles", content=body,
                      headers={"content-type": "application/json"}, timeout=60)


def test_bad_input_campaign(pipeline: Pipeline) -> None:
    s = CommonSettings()
    for name, body, status, message in HTTP_CASES:
        resp = post(pipeline, body)
        assert resp.status_code == status, (name, resp.status_code, resp.text[:200])
        assert message in resp.json()["error"], (name, resp.json())

    # accepted by ingest but rejected downstream, each with a reason in the dead-letter topic
    dead_by_design = {
        "deeply nested HTML": {"html": NESTED, "url": "https://bad.example/nested"},
        "HTML bomb": {"html": BOMB, "url": "https://bad.example/bomb"},
        "enormous HTML": {"html": ENORMOUS, "url": "https://bad.example/enormous"},
        "only boilerplate": {"title": "Read more", "body": "Advertisement\n\nRead Entire Article"},
    }
    ids = {}
    for name, payload in dead_by_design.items():
        resp = post(pipeline, json.dumps(payload).encode())
        assert resp.status_code in (202, 422), (name, resp.text[:200])
        if resp.status_code == 202:
            ids[resp.json()["id"]] = name

    # raw bytes and unknown schema versions straight onto every topic
    producer = make_producer(s)
    junk = [b"\x00\xff garbage", b"{}", b'{"schema_version": 999, "id": "x"}', b"null", b"[]"]
    for spec in (RAW, CLEAN, ENRICHED, STORIED):
        for i, value in enumerate(junk):
            producer.send(topic(s, spec).name, key=f"junk-{spec.name}-{i}", value=value)
    producer.flush()

    # a good article after all that still flows through: nothing stalled
    good = httpx.post(f"{pipeline.ingest_url}/articles", json={
        "url": "https://good.example/after-the-storm", "title": "Putin and Zelensky meet in Istanbul",
        "body": "Russian President Vladimir Putin met Ukrainian President Volodymyr Zelensky in Istanbul "
                "on Monday for peace talks mediated by Turkey."}, timeout=30)
    assert good.status_code == 202
    wait_for(lambda: httpx.get(f"{pipeline.search_url}/articles/{good.json()['id']}").status_code == 200,
             timeout=180, what="the good article to be indexed after the bad ones")
    # issue 10: one sentence, no title line, is an article (title from its first sentence)
    one_line = httpx.post(f"{pipeline.ingest_url}/articles", json={"body": "Putin met Scholz in Berlin on Monday."},
                          timeout=30)
    assert one_line.status_code == 202, one_line.text
    doc = wait_for(lambda: (r := httpx.get(f"{pipeline.search_url}/articles/{one_line.json()['id']}")).status_code == 200
                   and r.json(), timeout=180, what="the one-line article to be indexed")
    assert doc["title"] == "Putin met Scholz in Berlin on Monday." and "Vladimir Putin" in json.dumps(doc)

    expected = len(junk) * 4 + len(ids)
    letters = [decode(DEAD_LETTER, r.value) for r in
               read_topic(s, topic(s, DEAD_LETTER).name, expect=expected, timeout=120)]
    keys = {d.key for d in letters}  # type: ignore[union-attr]
    for article_id, name in ids.items():  # a one-paragraph page is an article now (issue 14): indexed then
        indexed = httpx.get(f"{pipeline.search_url}/articles/{article_id}").status_code == 200
        assert article_id in keys or indexed, f"{name} was neither indexed nor dead-lettered"
    for spec in (RAW, CLEAN, ENRICHED, STORIED):
        for i in range(len(junk)):
            assert f"junk-{spec.name}-{i}" in keys
    assert all(d.reason and d.stage and d.payload_b64 is not None for d in letters)  # type: ignore[union-attr]
    assert any("unknown schema_version 999" in d.reason for d in letters)  # type: ignore[union-attr]
    assert all(pipeline.alive().values()), pipeline.alive()


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=50),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=10,
)
submission_like = st.fixed_dictionaries({}, optional={
    "url": st.one_of(st.text(max_size=80), st.just("https://example.org/x"), json_values),
    "title": st.one_of(st.text(max_size=80), json_values),
    "body": st.one_of(st.text(max_size=300), json_values),
    "html": st.one_of(st.text(max_size=300), json_values),
    "published_at": st.one_of(st.datetimes().map(lambda d: d.isoformat()), st.text(max_size=20), json_values),
    "language": st.one_of(st.text(max_size=8), json_values),
})


@pytest.mark.pipeline_env(NEWSFLOW_CLEAN_BAD_LIMIT="1.0")  # random bytes are most of this test's input
def test_property_ingest_never_5xx_and_raw_topic_never_stalls(pipeline: Pipeline) -> None:
    s = CommonSettings()
    producer = make_producer(s)
    statuses: list[int] = []

    @settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
    @given(payload=st.one_of(submission_like, json_values), raw=st.binary(max_size=300))
    def check(payload: object, raw: bytes) -> None:
        resp = httpx.post(f"{pipeline.ingest_url}/articles", content=json.dumps(payload).encode(),
                          headers={"content-type": "application/json"}, timeout=30)
        statuses.append(resp.status_code)
        assert resp.status_code in (202, 413, 422), resp.text[:200]
        assert "error" in resp.json() or resp.status_code == 202
        producer.send(topic(s, RAW).name, value=raw)

    check()
    producer.flush()
    assert all(pipeline.alive().values()), pipeline.alive()
    marker = httpx.post(f"{pipeline.ingest_url}/articles", json={"title": "Marker", "body": "NATO ministers met in Brussels."})
    wait_for(lambda: httpx.get(f"{pipeline.search_url}/articles/{marker.json()['id']}").status_code == 200,
             timeout=180, what="a good article after the property run")
    assert all(pipeline.alive().values()), pipeline.alive()


def test_a_flood_of_bad_input_stops_the_stage_clearly(pipeline: Pipeline) -> None:
    """A bad deploy upstream must not shovel everything into dead letters: the stage stops."""
    s = CommonSettings()
    producer = make_producer(s)
    for i in range(120):
        producer.send(topic(s, RAW).name, value=b"\x00 not an article %d" % i)
    producer.flush()
    clean = pipeline.procs["clean"][0]
    assert wait_for(lambda: clean.poll() is not None, timeout=120, what="clean to stop") is True
    assert clean.returncode == 3
    log = (pipeline.log_dir / "clean-0.log").read_text()
    assert "broke their topic's contract" in log and "stopping" in log
    assert all(alive for name, alive in pipeline.alive().items() if not name.startswith("clean"))

"""`make test-cluster`: the pipeline on 3 Kafka brokers and 2 Elasticsearch nodes while they fail.

While 2,000 articles stream through: the broker leading the most partitions is SIGKILLed and
later restarted, an Elasticsearch data node is SIGKILLed and later restarted, and enrich is
restarted on three workers instead of one. The bar: 0 lost (every accepted article indexed
or dead-lettered). Also reported: documents written more than once (``_version`` > 1: what
at-least-once costs after a failover) and the seconds until the indexing rate recovered.
"""

from __future__ import annotations

import os
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import httpx
import pytest
from elasticsearch import Elasticsearch, helpers
from kafka import KafkaAdminClient

from shared.kafka import topic
from shared.settings import CommonSettings
from shared.topics import DEAD_LETTER, decode
from tests.cluster.conftest import infra
from tests.cluster.memory import PeakMemory, cluster_nodes
from tests.e2e.campaign import make_articles
from tests.e2e.conftest import Pipeline
from tests.integration.helpers import read_topic

N = int(os.environ.get("NEWSFLOW_CLUSTER_N", "2000"))
pytestmark = pytest.mark.cluster


@dataclass
class Feed:
    """Posts articles to ingest (retrying through outages) and records what was accepted."""

    url: str
    token: str
    accepted: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)
    stop: threading.Event = field(default_factory=threading.Event)  # the test failed: give up

    def post(self, article: dict) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        deadline = time.monotonic() + 300
        with httpx.Client(timeout=30) as client:
            while time.monotonic() < deadline and not self.stop.is_set():
                try:
                    resp = client.post(f"{self.url}/articles", json=article, headers=headers)
                    if resp.status_code == 202:
                        with self.lock:
                            self.accepted.add(resp.json()["id"])
                        return
                    assert resp.status_code in (429, 503), resp.text
                except httpx.HTTPError:
                    pass
                time.sleep(0.5)
        if not self.stop.is_set():
            raise AssertionError(f"ingest never accepted {article['url']}")

    def send(self, articles: list[dict], rate: float) -> None:
        with ThreadPoolExecutor(8) as pool:
            futures = []
            for article in articles:
                if self.stop.wait(1 / rate):
                    break
                futures.append(pool.submit(self.post, article))
            for f in futures:
                f.result()


class Rate:
    """Indexed-document count sampled every second: for recovery times after each failure."""

    def __init__(self, es: Elasticsearch, alias: str) -> None:
        self.es, self.alias, self.samples = es, alias, []  # type: ignore[var-annotated]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(1.0):
            try:
                self.samples.append((time.monotonic(), self.es.count(index=self.alias)["count"]))
            except Exception:  # noqa: BLE001 - a node is down: no sample
                pass

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def rate(self, start: float, end: float) -> float:
        window = [(t, c) for t, c in self.samples if start <= t <= end]
        return (window[-1][1] - window[0][1]) / (window[-1][0] - window[0][0]) if len(window) > 1 else 0.0

    def recovery(self, at: float, done: float) -> float | None:
        """Seconds after ``at`` until the 5-s rate is back to half the rate of the 15 s before."""
        before = self.rate(at - 15, at)
        t = at + 1
        while t < done:
            if self.rate(t, t + 5) >= 0.5 * before > 0:
                return t - at
            t += 1
        return None


def leader_with_most_partitions(settings: CommonSettings) -> int:
    admin = KafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers.split(","))
    try:
        ours = [t for t in admin.list_topics() if t.startswith(settings.topic_prefix)]
        leaders = Counter(p["leader_id"] for t in admin.describe_topics(ours) for p in t["partitions"])
    finally:
        admin.close()
    return leaders.most_common(1)[0][0]


def test_failures_on_a_cluster(cluster_pipeline: Pipeline) -> None:
    feed = Feed(cluster_pipeline.ingest_url, cluster_pipeline.env["NEWSFLOW_INGEST_TOKEN"])
    try:
        run_failures(cluster_pipeline, feed)
    finally:
        feed.stop.set()


def run_failures(p: Pipeline, feed: Feed) -> None:
    settings = CommonSettings()
    es = Elasticsearch([u for u in settings.elasticsearch_url.split(",")], request_timeout=30)
    articles = make_articles(N, run=f"cluster-{int(time.time())}")
    started = time.monotonic()
    sender = threading.Thread(target=feed.send, args=(articles, 25.0), daemon=True)
    sender.start()
    rate = Rate(es, settings.index_alias)
    nodes = cluster_nodes()
    memory = PeakMemory(lambda: {**{c.name: c.pid() for c in nodes},
                                 **{f"{stage}-{i + 1}": proc.pid for stage, procs in p.procs.items()
                                    for i, proc in enumerate(procs) if proc.poll() is None}}).start()
    events: list[tuple[str, float]] = []

    def when_accepted(share: float) -> None:
        while len(feed.accepted) < N * share and sender.is_alive():
            time.sleep(0.2)

    when_accepted(0.15)
    broker = leader_with_most_partitions(settings)
    infra("kill", f"kafka-{broker}")
    events.append((f"SIGKILL kafka-{broker} (leads most partitions)", time.monotonic()))
    time.sleep(20)
    infra("start", f"kafka-{broker}")
    events.append((f"restart kafka-{broker}", time.monotonic()))
    when_accepted(0.45)
    infra("kill", "es-2")
    events.append(("SIGKILL es-2 (data node)", time.monotonic()))
    time.sleep(20)
    infra("start", "es-2")
    events.append(("restart es-2", time.monotonic()))
    when_accepted(0.7)
    p.kill("enrich", sig=15)
    for _ in range(3):
        p.start("enrich")
    events.append(("enrich 1 -> 3 workers", time.monotonic()))
    sender.join()

    deadline = time.monotonic() + 900
    while True:
        es.indices.refresh(index=settings.index_alias)
        docs = {d["_id"]: d["_version"] for d in helpers.scan(es, index=settings.index_alias, version=True,
                                                              query={"query": {"match_all": {}}}, _source=False)}
        letters = read_topic(settings, topic(settings, DEAD_LETTER).name, expect=0, timeout=3)
        dead = {d.key for d in (decode(DEAD_LETTER, r.value) for r in letters)}  # type: ignore[union-attr]
        missing = feed.accepted - set(docs) - dead
        if not missing or time.monotonic() > deadline:
            break
        time.sleep(3)
    done = time.monotonic()
    rate.stop()
    memory.stop()
    rewritten = sum(1 for i in feed.accepted if docs.get(i, 1) > 1)
    print("\n| sent | accepted | indexed | dead-lettered | lost | written more than once | secs |")
    print("|---|---|---|---|---|---|---|")
    print(f"| {N} | {len(feed.accepted)} | {len(feed.accepted & set(docs))} | {len(feed.accepted & dead)} | "
          f"{len(missing)} | {rewritten} | {done - started:.0f} |")
    print("\n| failure | throughput back to half its earlier rate after |\n|---|---|")
    for name, at in events:
        seconds = rate.recovery(at, done)
        print(f"| {name} | {'%.0f s' % seconds if seconds is not None else 'n/a'} |")
    print("\nMemory per process (peak resident, sampled every 2 s):\n\n" + memory.table())
    assert {c.name for c in nodes} <= set(memory.peak), "a broker or node was never seen running"
    assert len(feed.accepted) == N
    assert not missing, f"{len(missing)} accepted articles neither indexed nor dead-lettered"

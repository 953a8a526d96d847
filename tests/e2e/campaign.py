"""A fault campaign: stream N articles through the real pipeline while something breaks.

The check is the pipeline's promise: every article ingest accepted ends up in the index
exactly once or in the dead-letter topic; none is lost and none duplicated.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from elasticsearch import Elasticsearch, helpers

from shared.kafka import topic
from shared.settings import CommonSettings
from shared.topics import DEAD_LETTER, decode
from tests.integration.helpers import read_topic

REPO = Path(__file__).resolve().parents[2]
INFRA = [sys.executable, str(REPO / "deploy/local/infra.py")]


def corpus_sentences() -> list[str]:
    """Real sentences from the extraction dataset's true texts (no lorem ipsum)."""
    truth = REPO / "tests/data/extraction-dev/ground-truth.json"
    data = json.loads(truth.read_text())
    sentences = []
    for item in data.values():
        for s in item["articleBody"].replace("\n", " ").split(". "):
            if 40 < len(s) < 300:
                sentences.append(s.strip() + ".")
    return sentences


def make_articles(n: int, run: str, bad_every: int = 0) -> list[dict]:
    rng = random.Random(run)
    sentences = corpus_sentences()
    articles = []
    for i in range(n):
        body = " ".join(rng.sample(sentences, 6))
        if bad_every and i % bad_every == 0:
            # passes ingest validation, but nothing is left after cleaning: a dead letter
            body = "Read more\n\nAdvertisement\n\nRead Entire Article"
        articles.append({"url": f"https://campaign.example/{run}/{i}", "title": f"Campaign {run} article {i}",
                         "body": body, "source": "campaign"})
    return articles


@dataclass
class Sender:
    """Posts articles to ingest, retrying each until it gets a 202 (or a 4xx)."""

    ingest_url: str
    accepted: dict[str, str] = field(default_factory=dict)  # id -> url
    rejected: list[tuple[int, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def post(self, article: dict) -> None:
        delay = 0.2
        deadline = time.monotonic() + 300
        with httpx.Client(timeout=30) as client:
            while time.monotonic() < deadline:
                try:
                    resp = client.post(f"{self.ingest_url}/articles", json=article)
                except httpx.HTTPError:
                    resp = None
                if resp is not None and resp.status_code == 202:
                    with self.lock:
                        self.accepted[resp.json()["id"]] = article["url"]
                    return
                if resp is not None and 400 <= resp.status_code < 500 and resp.status_code != 429:
                    with self.lock:
                        self.rejected.append((resp.status_code, resp.text))
                    return
                time.sleep(delay)
                delay = min(delay * 2, 3)
        raise AssertionError(f"ingest never accepted {article['url']}")

    def send_all(self, articles: list[dict], rate: float, workers: int = 8) -> None:
        with ThreadPoolExecutor(workers) as pool:
            futures = []
            for article in articles:
                futures.append(pool.submit(self.post, article))
                time.sleep(1 / rate)
            for f in futures:
                f.result()


@dataclass
class Outcome:
    fault: str
    sent: int
    accepted: int
    indexed: int
    dead_lettered: int
    lost: int
    duplicated: int
    seconds: float

    def row(self) -> str:
        return (f"| {self.fault:<34} | {self.sent:>5} | {self.accepted:>8} | {self.indexed:>7} | "
                f"{self.dead_lettered:>13} | {self.lost:>4} | {self.duplicated:>10} | {self.seconds:>6.0f} |")


HEADER = ("| fault                              |  sent | accepted | indexed | dead-lettered | lost | duplicated |"
          "   secs |\n|" + "|".join("-" * w for w in (36, 7, 10, 9, 15, 6, 12, 8)) + "|")


def account(settings: CommonSettings, accepted: dict[str, str], timeout: float) -> tuple[set[str], set[str], int]:
    """Wait until every accepted id is indexed or dead-lettered; return (indexed, dead, duplicates)."""
    es = Elasticsearch(settings.elasticsearch_url, request_timeout=30)
    deadline = time.monotonic() + timeout
    indexed: set[str] = set()
    dead: set[str] = set()
    duplicates = 0
    while True:
        try:
            es.indices.refresh(index=settings.index_alias)
            docs = list(helpers.scan(es, index=settings.index_alias, query={"query": {"match_all": {}}},
                                     _source=["url"]))
            indexed = {d["_id"] for d in docs}
            urls = [d["_source"]["url"] for d in docs]
            duplicates = len(urls) - len(set(urls))
        except Exception:  # Elasticsearch may be the thing we stopped; try again
            pass
        letters = read_topic(settings, topic(settings, DEAD_LETTER).name, expect=0, timeout=3)
        dead = {d.key for d in (decode(DEAD_LETTER, r.value) for r in letters) if d.key}  # type: ignore[union-attr]
        if set(accepted) <= indexed | dead or time.monotonic() > deadline:
            return indexed & set(accepted), dead & set(accepted), duplicates
        time.sleep(2)


class MemorySampler:
    """Peak resident memory per stage (MB), sampled from /proc while the campaign runs."""

    def __init__(self, pipeline) -> None:  # noqa: ANN001
        self.pipeline, self.peak_mb = pipeline, {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            for stage, procs in list(self.pipeline.procs.items()):
                for proc in list(procs):
                    try:
                        status = Path(f"/proc/{proc.pid}/status").read_text()
                    except OSError:
                        continue
                    for line in status.splitlines():
                        if line.startswith("VmRSS:"):
                            mb = int(line.split()[1]) / 1024
                            self.peak_mb[stage] = max(self.peak_mb.get(stage, 0.0), mb)

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def table(self) -> str:
        return "peak RSS (MB): " + ", ".join(f"{k} {v:.0f}" for k, v in sorted(self.peak_mb.items()))


def run_campaign(name: str, pipeline, settings: CommonSettings, n: int, rate: float,  # noqa: ANN001
                 fault: Callable[[], None], fault_at: float = 0.3, bad_every: int = 0,
                 timeout: float = 600) -> Outcome:
    started = time.monotonic()
    slug = "".join(c if c.isalnum() else "-" for c in name.lower())
    articles = make_articles(n, run=f"{slug}-{int(time.time())}", bad_every=bad_every)
    sender = Sender(pipeline.ingest_url)
    errors: list[BaseException] = []

    def send() -> None:
        try:
            sender.send_all(articles, rate)
        except BaseException as exc:  # surfaced below, in the test's thread
            errors.append(exc)

    thread = threading.Thread(target=send, daemon=True)
    with MemorySampler(pipeline) as memory:
        thread.start()
        while len(sender.accepted) < n * fault_at and thread.is_alive():
            time.sleep(0.1)
        fault()
        thread.join()
        accounted = account(settings, sender.accepted, timeout)
    print("\n" + memory.table())
    if errors:
        raise errors[0]
    assert not sender.rejected, f"ingest rejected campaign articles: {sender.rejected[:3]}"
    indexed, dead, duplicated = accounted
    lost = len(set(sender.accepted) - indexed - dead)
    return Outcome(name, n, len(sender.accepted), len(indexed), len(dead), lost, duplicated,
                   time.monotonic() - started)


# ------------------------------------------------------------------ faults


def kill_and_restart(pipeline, stage: str, wait: float = 2.0) -> Callable[[], None]:  # noqa: ANN001
    def fault() -> None:
        pipeline.kill(stage)
        time.sleep(wait)
        pipeline.start(stage)
        if stage in ("ingest", "search"):
            pipeline.wait_healthy()
    return fault


def kill_each_in_turn(pipeline, gap: float = 4.0) -> Callable[[], None]:  # noqa: ANN001
    def fault() -> None:
        for stage in ("clean", "enrich", "index", "ingest"):
            kill_and_restart(pipeline, stage, wait=1.0)()
            time.sleep(gap)
    return fault


def restart_broker() -> None:
    subprocess.run(INFRA + ["restart", "kafka"], check=True)


def stop_elasticsearch(seconds: float = 30) -> Callable[[], None]:
    def fault() -> None:
        subprocess.run(INFRA + ["stop", "elasticsearch"], check=True)
        time.sleep(seconds)
        subprocess.run(INFRA + ["start", "elasticsearch"], check=True)
    return fault


def rebalance(pipeline, stage: str = "enrich") -> Callable[[], None]:  # noqa: ANN001
    """Two replicas of a stage share the partitions; then one is SIGKILLed mid-stream."""
    def fault() -> None:
        pipeline.start(stage)  # the second replica joins: a rebalance
        time.sleep(15)
        pipeline.kill(stage, index=0)  # and the first dies: another one
    return fault

"""A fault campaign: stream N articles through the real pipeline while something breaks.

The check is the pipeline's promise: every article ingest accepted ends up in the index
or in the dead-letter topic, none is lost; and duplicates are handled as the README says.
Duplicates are measured, not assumed: besides the originals the campaign sends

* syndicated copies: an original's text under another outlet's URL, half as they are (an exact
  copy), half with the outlet's name in the title and a credit line (a near copy: MinHash).
  Each copy is posted once its original is in the index, so "first seen" is known: the copy
  must be indexed with ``duplicate_of`` its original, and no original may carry one;
* the same URL twice: an original re-posted under a spelling of its URL that canonicalises to
  the same one (upper-case host, ``www.``, a trailing slash, a tracking parameter): one
  document per canonical URL, under the same id.

and it counts the documents Elasticsearch wrote more than once (``_version`` above the number
of times ingest accepted them): what at-least-once delivery costs around a failure.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from elasticsearch import Elasticsearch, helpers

from services.clean.dedup import DuplicateDetector
from shared.es import make_client
from shared.kafka import topic
from shared.settings import CommonSettings
from shared.topics import DEAD_LETTER, STORY_STATE, decode
from tests.e2e.campaign_stories import StoryFigures, story_figures
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


#: Originals must be nobody's copy: a body whose MinHash Jaccard with an earlier one reaches this
#: (well below clean's 0.3) is drawn again. Six random sentences out of ~2,000 sometimes share two
#: or three with another article's: clean then rightly marks one of them, and the campaign
#: would count it as an original wrongly marked.
ORIGINALS_MAX_JACCARD = 0.18


def make_articles(n: int, run: str, bad_every: int = 0) -> list[dict]:
    rng = random.Random(run)
    sentences = corpus_sentences()
    drawn = DuplicateDetector(threshold=ORIGINALS_MAX_JACCARD, max_entries=max(n, 1))
    articles = []
    for i in range(n):
        title = f"Campaign {run} article {i}"
        body = " ".join(rng.sample(sentences, 6))
        while drawn.check_and_add(str(i), None, str(i), f"{title}\n\n{body}") is not None:
            body = " ".join(rng.sample(sentences, 6))
        if bad_every and i % bad_every == 0:
            # passes ingest validation, but nothing is left after cleaning: a dead letter
            body = "Read more\n\nAdvertisement\n\nRead Entire Article"
        articles.append({"url": f"https://campaign.example/{run}/{i}", "title": title, "body": body,
                         "source": "campaign"})
    return articles


def is_bad(i: int, bad_every: int) -> bool:
    return bool(bad_every) and i % bad_every == 0


def syndicated_copies(articles: list[dict], every: int, bad_every: int = 0) -> list[tuple[str, dict]]:
    """(original URL, copy) for every ``every``-th good article: its text under another outlet's URL."""
    copies = []
    for i in range(1, len(articles), every):
        if is_bad(i, bad_every):
            continue
        original = articles[i]
        copy = {**original, "url": original["url"].replace("campaign.example", "wire.example") + f"-copy{i}",
                "source": f"wire-outlet-{i % 7}"}
        if len(copies) % 2 == 1:  # every other copy is a near one: the outlet's title and credit line
            copy.update(title=f"{original['title']} | Wire Outlet {i}",
                        body=f"{original['body']}\n\nDistributed by Wire Outlet {i}; all rights reserved.")
        copies.append((original["url"], copy))
    return copies


def same_url_again(article: dict) -> dict:
    """The article re-posted under another spelling of its URL (the same canonical URL)."""
    scheme, rest = article["url"].split("://", 1)
    host, path = rest.split("/", 1)
    return {**article, "url": f"{scheme.upper()}://www.{host.upper()}/{path}/?utm_source=campaign-resend#top"}


def with_resends(articles: list[dict], every: int, lag: int, bad_every: int = 0) -> tuple[list[dict], int]:
    """The articles with every ``every``-th good one posted again ``lag`` places later; (list, resends)."""
    out: list[dict] = []
    resends = 0
    for i, article in enumerate(articles):
        out.append(article)
        j = i - lag
        if j >= 0 and j % every == 2 and not is_bad(j, bad_every):
            out.append(same_url_again(articles[j]))
            resends += 1
    return out, resends


@dataclass
class Sender:
    """Posts articles to ingest, retrying each until it gets a 202 (or a 4xx)."""

    ingest_url: str
    accepted: dict[str, str] = field(default_factory=dict)  # id -> url
    by_url: dict[str, str] = field(default_factory=dict)  # url as sent -> id
    writes: Counter[str] = field(default_factory=Counter)  # id -> 202s
    rejected: list[tuple[int, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def post(self, article: dict) -> str | None:
        delay = 0.2
        deadline = time.monotonic() + 300
        with httpx.Client(timeout=30) as client:
            while time.monotonic() < deadline:
                try:
                    resp = client.post(f"{self.ingest_url}/articles", json=article)
                except httpx.HTTPError:
                    resp = None
                if resp is not None and resp.status_code == 202:
                    aid = str(resp.json()["id"])
                    with self.lock:
                        self.accepted.setdefault(aid, article["url"])
                        self.by_url[article["url"]] = aid
                        self.writes[aid] += 1
                    return aid
                if resp is not None and 400 <= resp.status_code < 500 and resp.status_code != 429:
                    with self.lock:
                        self.rejected.append((resp.status_code, resp.text))
                    return None
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
class CopySender:
    """Posts each syndicated copy once its original is found in the index (so it was seen first).

    ``copies`` maps each copy's id (from ingest's answer) to its original's id.
    """

    sender: Sender
    es: Elasticsearch
    alias: str
    pending: list[tuple[str, dict]]
    copies: dict[str, str] = field(default_factory=dict)

    def run(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while self.pending:
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(self.pending)} originals never indexed, copies unsent: "
                                     f"{[u for u, _ in self.pending[:3]]}")
            with self.sender.lock:
                ids = {url: self.sender.by_url.get(url) for url, _ in self.pending}
            wanted = [i for i in ids.values() if i]
            try:
                found = {d["_id"] for d in self.es.mget(index=self.alias, ids=wanted, source=False)["docs"]
                         if d.get("found")} if wanted else set()
            except Exception:  # noqa: BLE001 - index not created yet, or Elasticsearch is the fault
                found = set()
            still = []
            for url, copy in self.pending:
                original = ids[url]
                if original in found:
                    copy_id = self.sender.post(copy)
                    if copy_id:
                        self.copies[copy_id] = original
                else:
                    still.append((url, copy))
            self.pending = still
            time.sleep(0.5)


@dataclass(frozen=True)
class Doc:
    """What the campaign reads back of one indexed document."""

    version: int
    duplicate_of: str | None
    canonical_url: str | None
    story_id: str | None = None


@dataclass(frozen=True)
class Duplicates:
    """How duplicates came out; each is 0 when dedup and ids work (``rewritten`` is a cost, not a fault)."""

    copies_unmarked: int  # syndicated copies not indexed with duplicate_of their original
    originals_marked: int  # articles that are nobody's copy, indexed with a duplicate_of
    extra_docs: int  # documents beyond the first for one canonical URL
    rewritten: int  # documents whose _version exceeds the times ingest accepted them


def count_duplicates(docs: dict[str, Doc], copies: dict[str, str], writes: Counter[str]) -> Duplicates:
    """The duplicate figures of a campaign, from the index's documents (by id) and what was sent.

    ``copies`` maps copy id -> original id; ``writes`` counts the 202s per id.
    """
    unmarked = sum(1 for cid, oid in copies.items() if cid not in docs or docs[cid].duplicate_of != oid)
    marked = sum(1 for did, d in docs.items() if did not in copies and d.duplicate_of is not None)
    per_url = Counter(d.canonical_url for d in docs.values() if d.canonical_url)
    extra = sum(k - 1 for k in per_url.values() if k > 1)
    rewritten = sum(1 for did, d in docs.items() if d.version > max(1, writes.get(did, 1)))
    return Duplicates(unmarked, marked, extra, rewritten)


@dataclass
class Outcome:
    fault: str
    sent: int  # distinct articles (a re-posted URL is the same article)
    accepted: int
    indexed: int
    dead_lettered: int
    lost: int
    duplicates: Duplicates
    seconds: float
    copies: int = 0
    resends: int = 0
    stories: StoryFigures | None = None

    def row(self) -> str:
        d = self.duplicates
        return (f"| {self.fault:<34} | {self.sent:>5} | {self.accepted:>8} | {self.indexed:>7} | "
                f"{self.dead_lettered:>13} | {self.lost:>4} | {d.copies_unmarked:>15} | {d.originals_marked:>16} | "
                f"{d.extra_docs:>20} | {d.rewritten:>10} | {self.seconds:>6.0f} |")

    def note(self) -> str:
        return (f"({self.sent} articles: {self.copies} of them syndicated copies; {self.resends} URLs posted twice; "
                f"'written >1' = _version above the times ingest accepted the article)"
                + (f"\n{self.stories.note()}" if self.stories else ""))


HEADER = ("| fault                              |  sent | accepted | indexed | dead-lettered | lost | "
          "copies unmarked | originals marked | same URL: extra docs | written >1 |   secs |\n|"
          + "|".join("-" * w for w in (36, 7, 10, 9, 15, 6, 17, 18, 22, 12, 8)) + "|")


def read_index(es: Elasticsearch, alias: str) -> dict[str, Doc]:
    """Every document of the alias with its ``_version`` (a scan with ``version=true``)."""
    es.indices.refresh(index=alias)
    return {d["_id"]: Doc(int(d["_version"]), d["_source"].get("duplicate_of"), d["_source"].get("canonical_url"),
                          d["_source"].get("story_id"))
            for d in helpers.scan(es, index=alias, query={"query": {"match_all": {}}}, version=True,
                                  _source=["duplicate_of", "canonical_url", "story_id"])}


def account(settings: CommonSettings, accepted: dict[str, str], timeout: float) -> tuple[dict[str, Doc], set[str]]:
    """Wait until every accepted id is indexed or dead-lettered; return (the index's docs, dead ids)."""
    es = make_client(settings)
    deadline = time.monotonic() + timeout
    docs: dict[str, Doc] = {}
    dead: set[str] = set()
    while True:
        try:
            docs = read_index(es, settings.index_alias)
        except Exception:  # noqa: BLE001 - Elasticsearch may be the thing we stopped; try again
            pass
        letters = read_topic(settings, topic(settings, DEAD_LETTER).name, expect=0, timeout=3)
        dead = {d.key for d in (decode(DEAD_LETTER, r.value) for r in letters) if d.key}  # type: ignore[union-attr]
        if set(accepted) <= set(docs) | dead or time.monotonic() > deadline:
            return docs, dead
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
                 timeout: float = 600, copy_every: int = 10, resend_every: int = 25) -> Outcome:
    """Originals (and ``bad_every``-th bad ones) at ``rate``, copies of every ``copy_every``-th,
    every ``resend_every``-th URL posted twice; ``fault`` once ``fault_at`` of them are accepted."""
    started = time.monotonic()
    slug = "".join(c if c.isalnum() else "-" for c in name.lower())
    articles = make_articles(n, run=f"{slug}-{int(time.time())}", bad_every=bad_every)
    stream, resends = with_resends(articles, resend_every, lag=int(rate * 2), bad_every=bad_every)
    sender = Sender(pipeline.ingest_url)
    es = make_client(settings)
    copier = CopySender(sender, es, settings.index_alias, syndicated_copies(articles, copy_every, bad_every))
    n_copies = len(copier.pending)
    errors: list[BaseException] = []

    def guarded(fn: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            try:
                fn()
            except BaseException as exc:  # surfaced below, in the test's thread
                errors.append(exc)
        return run

    threads = [threading.Thread(target=guarded(lambda: sender.send_all(stream, rate)), daemon=True),
               threading.Thread(target=guarded(lambda: copier.run(timeout)), daemon=True)]
    with MemorySampler(pipeline) as memory:
        for t in threads:
            t.start()
        while len(sender.accepted) < n * fault_at and threads[0].is_alive():
            time.sleep(0.1)
        fault()
        for t in threads:
            t.join()
        docs, dead_all = account(settings, sender.accepted, timeout)
    print("\n" + memory.table())
    if errors:
        raise errors[0]
    assert not sender.rejected, f"ingest rejected campaign articles: {sender.rejected[:3]}"
    accepted = set(sender.accepted)
    indexed, dead = accepted & set(docs), accepted & dead_all
    stories = story_figures(settings, {i: docs[i].story_id for i in indexed}, copier.copies)
    return Outcome(name, n + n_copies, len(accepted), len(indexed), len(dead), len(accepted - indexed - dead),
                   count_duplicates({i: d for i, d in docs.items() if i in accepted}, copier.copies, sender.writes),
                   time.monotonic() - started, copies=n_copies, resends=resends, stories=stories)


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
        for stage in ("clean", "enrich", "stories", "index", "ingest"):
            if stage == "stories":  # killed with a state to restore, not idle behind enrich's restart
                wait_for_story_state(CommonSettings())
            kill_and_restart(pipeline, stage, wait=1.0)()
            time.sleep(gap)
    return fault


def wait_for_story_state(settings: CommonSettings, timeout: float = 300) -> None:
    """Until the stories stage has written state (it clustered a batch since the campaign began)."""
    name = topic(settings, STORY_STATE).name
    deadline = time.monotonic() + timeout
    while not read_topic(settings, name, expect=1, timeout=5):
        assert time.monotonic() < deadline, f"the stories stage wrote no state in {timeout:.0f}s"


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

"""``python -m benchmarks.run [--only SECTION[,SECTION]] [--n N] [--quick] [--profile enrich]``

One run measures, on one corpus (real pages' HTML and TRUE texts, cycled to N articles with
unique ids and URLs), the limits and the services, and prints one table:

* limits: spaCy ``nlp.pipe`` with exactly the Enricher's components and batch size; Elasticsearch
  ``helpers.bulk`` of the documents the index stage writes; kafka-python produce/consume of
  messages of the pipeline's sizes (raw with HTML, clean, enriched);
* each stream stage alone as its real process (``python -m services.<stage>``) on a preloaded
  input topic. Rate = outputs after the first batch / (last output time - first output time),
  from the output records' timestamps, so process start, model load and group join are
  excluded; for index (whose output is Elasticsearch) rate = N / (all N counted after refresh -
  earliest ``indexed_at``, which the stage stamps when it starts a batch). Peak RSS = VmHWM;
* the whole pipeline: every service (the launcher's list, six processes), N POSTs to ingest
  (8 threads), latency from the 202 to the article being found by an Elasticsearch search on the
  alias (an ids query polled every 0.1 s: searchable, not merely written), at full speed and
  paced at half the full-speed rate;
* scale-out: 1 vs 2 enrich processes in one consumer group on a 6-partition topic.

Kafka and Elasticsearch: used where they answer; a local one that does not is started with
``deploy/local/infra.py`` (as the test fixtures do) and stopped at the end. Everything else
created (processes, topics with a unique prefix, indices under a unique alias) is stopped or
deleted in a ``finally``. Results: ``.bench/bench-<timestamp>.json`` and ``.bench/latest.json``.

Each section that raises is recorded as failed and the others still run; the run then exits 1,
prints which sections failed, and its results say ``"ok": false`` with ``failed_sections``.
``--fail-section NAME`` makes one fail on purpose (how the failure path is tested).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import sys
import threading
import time
import uuid

import httpx
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks import corpus as corpus_mod
from benchmarks import workers as workers_mod
from benchmarks.infra import (
    ES_URL,
    KAFKA,
    REPO,
    Resources,
    Service,
    assigned_consumer,
    settings_for,
    start_servers,
    stop_servers,
    wait_healthy,
)
from benchmarks.sections import Sections
from deploy.local import services as launcher

SECTIONS = ("limits", "clean", "enrich", "index", "e2e", "syndicated", "search", "stories")
#: the names ``--fail-section`` takes: what the run records (SECTIONS selects groups of them)
RECORDED = ("servers", "corpus", "limit_nlp", "limit_bulk", "limit_kafka", "stage_clean", "stage_enrich",
            "stage_index", "stage_enrich_x2", "stage_enrich_again", "e2e", "syndicated", "search", "profile_enrich", "stories")



def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def chunks(seq: list[Any], size: int) -> list[list[Any]]:
    return [seq[i:i + size] for i in range(0, len(seq), size)]


def indexed_ops(es: Any, alias: str) -> int:
    """Documents Elasticsearch has indexed into ``alias``'s primaries, refreshed or not (0 before
    the index exists)."""
    try:
        stats = es.indices.stats(index=alias, metric="indexing")
    except Exception:  # noqa: BLE001 - the stage has not created its index yet
        return 0
    return int(stats["_all"]["primaries"].get("indexing", {}).get("index_total", 0))


def default_of(module: str, cls: str, name: str) -> Any:
    import importlib

    return getattr(importlib.import_module(module), cls).model_fields[name].default


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        from elasticsearch import Elasticsearch

        self.args = args
        self.n: int = args.n or (120 if args.quick else 600)
        self.tag = uuid.uuid4().hex[:8]
        self.only = set(args.only.split(",")) if args.only else set(SECTIONS)
        self.es = Elasticsearch(ES_URL, request_timeout=60)
        self.res = Resources(self.es)
        self.out_dir = REPO / ".bench"
        self.log_dir = self.out_dir / "logs" / self.tag
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.results: dict[str, Any] = {"n": self.n, "tag": self.tag, "quick": bool(args.quick),
                                        "started_at": datetime.now(UTC).isoformat()}
        self.sections = Sections(set(args.fail_section.split(",")) if args.fail_section else None)
        self.started: list[str] = []  # servers this run started, stopped at its end
        self.enricher: Any = None
        self.corpus: corpus_mod.Corpus | None = None
        self._index_events: list[Any] | None = None

    # ------------------------------------------------------------------ set-up

    def env(self, prefix: str, alias: str) -> dict[str, str]:
        """The services' env for one run: the launcher's isolation (free HTTP ports, no /metrics
        ports, JSON logs) over this run's topics and index."""
        env = launcher.isolated_env(os.environ)
        env.update({"KAFKA_BOOTSTRAP_SERVERS": KAFKA, "ELASTICSEARCH_URL": ES_URL,
                    "NEWSFLOW_TOPIC_PREFIX": prefix, "NEWSFLOW_INDEX_ALIAS": alias,
                    "NEWSFLOW_LOG_LEVEL": "INFO", "PYTHONUNBUFFERED": "1",
                    # its own ingest on loopback for this run only: posts carry no token
                    "NEWSFLOW_INGEST_OPEN_WRITES": "true",
                    # the corpus cycles 60 pages, so most posts are copies: measure the model's path,
                    # as before copies could skip it (a row with reuse on is still to be written)
                    "NEWSFLOW_ENRICH_REUSE_ORIGINALS": "0"})
        return env

    def build_corpus(self) -> None:
        need_enriched = bool(self.only & {"limits", "index", "search"})
        if need_enriched or self.only & {"enrich", "stories"} or self.args.profile:
            from services.enrich.logic import Enricher

            t0 = time.perf_counter()
            self.enricher = Enricher()
            self.results["enricher_load_s"] = round(time.perf_counter() - t0, 2)
            self.results["nlp_components"] = list(self.enricher.nlp.pipe_names)
        t0 = time.perf_counter()
        self.corpus = corpus_mod.build(self.n, self.tag, need_enriched, self.enricher)
        c = self.corpus
        self.results["corpus"] = {
            "source": c.source, "unique_pages": len(c.pages), "notes": c.notes,
            "mean_text_chars": round(statistics.mean(len(t) for t in c.texts())),
            "mean_html_bytes": round(statistics.mean(len(p.html) for p in c.pages)),
            "build_s": round(time.perf_counter() - t0, 1)}
        log(f"corpus: {self.n} articles from {len(c.pages)} pages ({c.source}); {c.notes or ''}")

    # ------------------------------------------------------------------ limits

    def limit_nlp(self) -> None:
        from services.enrich.logic import MAX_ANALYSED_CHARS

        nlp, batch = self.enricher.nlp, self.enricher.batch_size
        poll = default_of("services.enrich.__main__", "EnrichSettings", "batch_size")
        texts = [t[:MAX_ANALYSED_CHARS] for t in self.corpus.texts()]
        log(f"limit: nlp.pipe {nlp.pipe_names} on {len(texts)} texts, polls of {poll}, batch_size={batch}")
        t0 = time.perf_counter()
        for chunk in chunks(texts, poll):
            for _doc in nlp.pipe(chunk, batch_size=batch):
                pass
        dt = time.perf_counter() - t0
        self.results["limit_nlp"] = {"rate": len(texts) / dt, "seconds": dt, "components": nlp.pipe_names,
                                     "batch": poll}

    def limit_bulk(self) -> None:
        """Elasticsearch's ``helpers.bulk`` of exactly what the index stage writes (see
        :mod:`benchmarks.index_bench`): best of two passes, and two passes of pre-serialized bodies."""
        from benchmarks.index_bench import RawBulk

        size = default_of("services.index.__main__", "IndexSettings", "batch_size")
        raw = RawBulk(self.es, self.res.alias(f"bench-{self.tag}-bulk"), self.index_events(), size)
        log(f"limit: ES bulk of {raw.n} docs ({raw.mb:.1f} MB) in chunks of {size}, {raw.story_docs} story docs")
        raw.create()
        try:
            passes = [raw.helpers_pass(f"-p{k}") for k in range(2)]  # best of two passes: the limit
            bytes_passes = [raw.bytes_pass(f"-b{k}") for k in range(2)]
            count = self.es.count(index=raw.alias)["count"]
        finally:
            raw.delete()
        dt = min(passes)
        self.results["limit_bulk"] = {"rate": raw.n / dt, "seconds": dt, "mb_per_s": raw.mb / dt, "count": count,
                                      "chunk": size, "passes_s": passes, "story_docs": raw.story_docs,
                                      "preserialized_rate": raw.n / min(bytes_passes),
                                      "preserialized_passes_s": bytes_passes}

    def stage_index(self, runs: int = 3) -> dict[str, Any]:
        """The index stage alone, each run right after a raw bulk pass of the same documents."""
        from benchmarks.index_bench import RawBulk, paired

        size = default_of("services.index.__main__", "IndexSettings", "batch_size")
        raw = RawBulk(self.es, self.res.alias(f"bench-{self.tag}-bulkpair"), self.index_events(), size)
        out = paired(raw, lambda k: self.stage_alone("index", f"index{'-' + str(k) if k else ''}", per_article_s=0.5),
                     runs)
        log(f"stage index: best {max(out['runs_rates']):.0f} art/s vs raw bulk {out['raw_rate']:.0f} art/s "
            f"(ratio {out['ratio']:.2f}; per round {', '.join(f'{x:.2f}' for x in out['round_ratios'])})")
        return out

    def index_events(self) -> list[Any]:
        """Index runs ~100x faster than enrich: 5x the corpus, so it is measured over seconds, not a
        blink; each a StoriedArticle, as the stage reads them (see :func:`corpus_mod.storied`)."""
        if self._index_events is None:
            self._index_events = corpus_mod.storied(
                [e.model_copy(update={"article": e.article.model_copy(update={"id": f"{e.article.id}-x{k}"})})
                 for k in range(5) for e in self.corpus.enriched])
        return self._index_events

    def limit_kafka(self) -> None:
        from shared.kafka import make_producer, topic
        from shared.topics import CLEAN, ENRICHED, RAW, encode

        prefix = f"bench{self.tag}-kafka."
        settings = self.res.topics(prefix)
        out = {}
        kinds = [("raw", RAW, self.corpus.raw), ("clean", CLEAN, self.corpus.clean)]
        if self.corpus.enriched:
            kinds.append(("enriched", ENRICHED, self.corpus.enriched))
        for kind, spec, events in kinds:
            events = events[:200]  # enough for a steady rate; raw (HTML) messages are slow to move
            name = topic(settings, spec).name
            values = [encode(e) for e in events]
            keys = [getattr(e, "id", None) or e.article.id for e in events]
            mb = sum(map(len, values)) / 1e6
            producer = make_producer(settings)
            try:
                t0 = time.perf_counter()
                futures = [producer.send(name, key=k, value=v) for k, v in zip(keys, values)]
                producer.flush(timeout=120)
                for f in futures:
                    f.get(timeout=60)
                p_dt = time.perf_counter() - t0
            finally:
                producer.close(timeout=10)
            consumer = assigned_consumer([name])
            try:
                got, t0 = 0, time.perf_counter()
                while got < len(values) and time.perf_counter() - t0 < 120:
                    got += sum(len(b) for b in consumer.poll(timeout_ms=500).values())
                c_dt = time.perf_counter() - t0
            finally:
                consumer.close()
            out[kind] = {"messages": len(values), "mean_bytes": round(mb * 1e6 / len(values)),
                         "produce_rate": len(values) / p_dt, "produce_mb_s": mb / p_dt,
                         "consume_rate": got / c_dt, "consume_mb_s": mb / c_dt}
            log(f"limit: kafka {kind}: produce {len(values) / p_dt:.0f}/s, consume {got / c_dt:.0f}/s")
        self.results["limit_kafka"] = out

    # ------------------------------------------------------------------ stages alone

    def preload(self, settings: Any, spec: Any, events: list[Any]) -> str:
        from shared.kafka import make_producer, topic
        from shared.topics import encode

        name = topic(settings, spec).name
        producer = make_producer(settings)
        try:
            for e in events:
                producer.send(name, key=getattr(e, "id", None) or e.article.id, value=encode(e))
            producer.flush(timeout=120)
        finally:
            producer.close(timeout=10)
        return name

    def stage_alone(self, stage: str, label: str, workers: int = 1, per_article_s: float = 1.0) -> dict[str, Any]:
        from shared.kafka import topic
        from shared.topics import CLEAN, DEAD_LETTER, ENRICHED, RAW, STORIED

        src, dst, events = {"clean": (RAW, CLEAN, self.corpus.raw), "enrich": (CLEAN, ENRICHED, self.corpus.clean),
                            "index": (STORIED, None, self.index_events())}[stage]
        prefix, alias = f"bench{self.tag}-{label}.", self.res.alias(f"bench-{self.tag}-{label}")
        settings = self.res.topics(prefix)
        procs, group_wait = [], None
        if workers > 1:  # all in the group before the input exists: no rebalance, no start-up in the window
            procs = [self.res.start(stage, self.env(prefix, alias), self.log_dir, f"-{label}-{k}")
                     for k in range(workers)]
            group_wait = workers_mod.wait_group(procs, src.partitions, timeout=300)
        self.preload(settings, src, events)
        n = len(events)
        dlq_name = topic(settings, DEAD_LETTER).name
        watch = [dlq_name] + ([topic(settings, dst).name] if dst else [])
        consumer = assigned_consumer(watch)
        log(f"stage {label}: {n} events preloaded; starting {workers} process(es)")
        procs = procs or [self.res.start(stage, self.env(prefix, alias), self.log_dir, f"-{label}-{k}")
                          for k in range(workers)]
        seen: dict[str, int] = {}
        dead = 0
        indexed, t_done = 0, None
        cpu_start: list[float | None] | None = None  # the processes' CPU seconds once set up, and at the end
        cpu_done: list[float | None] = []
        deadline = time.monotonic() + 90 + n * per_article_s
        try:
            while time.monotonic() < deadline:
                for _tp, recs in consumer.poll(timeout_ms=100 if dst is None else 500).items():
                    for r in recs:
                        if r.topic == dlq_name:
                            dead += 1
                        else:
                            seen.setdefault(r.key.decode() if r.key else str(r.offset), r.timestamp)
                if cpu_start is None and procs[0].log_contains(": consuming "):
                    cpu_start = [p.cpu_seconds() for p in procs]
                if dst is None and indexed_ops(self.es, alias) + dead >= n:
                    # every document acknowledged by Elasticsearch (its indexing count sees writes
                    # before any refresh): now one refresh, as the raw bulk ends with. Refreshing
                    # every 0.1 s to count, as this loop did, made Elasticsearch cut a segment per
                    # poll under the stage only; waiting for the group's commits added the stage's
                    # idle poll (0.5 s) after its last bulk, which is latency, not indexing rate.
                    self.es.indices.refresh(index=alias)
                    indexed = self.es.count(index=alias)["count"]  # fewer (a retried bulk counts twice): wait on
                done = (indexed if dst is None else len(seen)) + dead
                if done >= n:
                    t_done = time.time()
                    cpu_done = [p.cpu_seconds() for p in procs]
                    break
                if not all(p.alive() for p in procs):
                    raise RuntimeError(f"{stage} exited early:\n" + procs[0].tail())
            else:
                raise TimeoutError(f"{stage}: {len(seen) or indexed}/{n} outputs, {dead} dead letters; log "
                                   f"{procs[0].log_path}")
        finally:
            consumer.close()
            self.res.stop(procs)
        out: dict[str, Any] = {"n": n, "workers": workers, "dead_lettered": dead,
                               "peak_rss_mb": [round(p.peak_mb or 0, 1) for p in procs]}
        spans = [b - a for a, b in zip(cpu_start or [], cpu_done) if a is not None and b is not None]
        if spans and len(spans) == len(procs):
            # CPU the stage spent per article (all processes, after start-up): steadier than a rate
            # on a machine the neighbours load, and what the stage's own code costs
            out["cpu_ms_per_article"] = 1000 * sum(spans) / n
        if dst is None:
            agg = self.es.search(index=alias, size=0, aggs={"first": {"min": {"field": "indexed_at"}}})
            first = agg["aggregations"]["first"]["value"] / 1000
            out.update(rate=indexed / (t_done - first), seconds=t_done - first, outputs=indexed,
                       method="N / (all N indexed, then one refresh - earliest indexed_at, stamped when the "
                              "first batch reaches the stage function, so its poll and decode are not counted)")
        else:
            ts = sorted(seen.values())
            n_first = sum(1 for t in ts if t <= ts[0] + 100)
            span = (ts[-1] - ts[0]) / 1000
            out.update(outputs=len(ts), first_batch=n_first, seconds=span,
                       rate=(len(ts) - n_first) / span if span > 0 and len(ts) > n_first else None,
                       method="(outputs - first batch) / (last - first output timestamp)")
            if workers > 1:  # from the moment every worker has written its first batch
                since = max(workers_mod.first_batch_at(p.log_path.read_text(errors="replace"), stage) or 0
                            for p in procs)
                rate, counted, span = workers_mod.steady_rate(ts, since)
                out.update(rate=rate, counted=counted, seconds=span, group_wait_s=group_wait,
                           method="outputs after every worker's first batch / (last output - that batch); "
                                  "workers joined before the input was written (benchmarks/workers.py)")
        log(f"stage {label}: {out.get('rate') or 0:.1f} art/s, RSS {out['peak_rss_mb']} MB, dlq {dead}")
        return out

    # ------------------------------------------------------------------ end to end

    def e2e(self) -> None:
        prefix, alias = f"bench{self.tag}-e2e.", self.res.alias(f"bench-{self.tag}-e2e")
        self.res.topics(prefix)
        env = self.env(prefix, alias)
        # every service the launcher knows (index reads what stories writes), in its order
        procs = {s: self.res.start(s, env, self.log_dir, "-e2e") for s in launcher.SERVICES}
        ingest_url, _search_url = launcher.health_urls(env)
        try:
            wait_healthy(launcher.health_urls(env), procs.values(), timeout=120)
            log("e2e: services healthy; warm-up (models loaded, groups joined)")
            warm = self.load(ingest_url, alias, [self.corpus.submission(i, f"{self.tag}w") for i in range(6)],
                             None, timeout=180)
            if warm["searchable"] < 6:
                raise RuntimeError(f"warm-up articles not searchable: {warm}")
            log(f"e2e: full speed, {self.n} POSTs")
            full = self.load(ingest_url, alias, [self.corpus.submission(i, f"{self.tag}f") for i in range(self.n)],
                             None, timeout=120 + self.n * 1.5)
            rate = full["throughput"] / 2
            n_half = max(20, self.n // 2)
            log(f"e2e: half speed, {n_half} POSTs paced at {rate:.2f}/s")
            half = self.load(ingest_url, alias, [self.corpus.submission(i, f"{self.tag}h") for i in range(n_half)],
                             rate, timeout=120 + n_half / rate * 2)
        finally:
            self.res.stop(procs.values())
        self.results["e2e"] = {"full": full, "half": half, "warmup": warm,
                               "peak_rss_mb": {s: round(p.peak_mb or 0, 1) for s, p in procs.items()},
                               "latency_probe": "ES _search (ids query) on the alias every 0.1 s"}

    def syndicated(self, rounds: int = 2) -> None:
        """End to end on a stream with 30 % syndicated copies (:mod:`benchmarks.syndicated`), copy
        reuse off (NEWSFLOW_ENRICH_REUSE_ORIGINALS=0) against on (its default): two pipelines
        started side by side, loaded in turn (off, on, then on, off: the neighbours' load drifts),
        each load a fresh stream at capacity (at most WINDOW posts in flight); the rate is
        searchable / (last found - first POST)."""
        from benchmarks import syndicated as synd
        from benchmarks.corpus import load_pages

        # At most this many posts in flight. A burst of all N at once leaves the whole stream in
        # the topics, and a consumer takes a partition's whole backlog before the next one's, so
        # copies reach enrich before their originals (a third missed the cache that way); a
        # stream at capacity has a bounded backlog, below the copies' lag (syndicated.stream).
        # 256 in flight, each copy at least LAG = 300 posts after its original (so its original
        # is enriched when it arrives), over 600 posts a load: longer loads than the 300 of
        # before, so the fill and drain of the pipeline weigh less on the rate (on a quiet machine
        # 300 gave 1.32-1.34, 600 gave 1.34-1.35: the faster mode lost more to the fixed ends).
        WINDOW, LAG = 256, 300

        _, pages = load_pages()
        n = min(self.n, 600)  # four loads of 600 at full speed: about four minutes
        pipes: dict[str, tuple[dict[str, str], str, dict[str, Service]]] = {}
        try:
            for mode in ("off", "on"):
                prefix, alias = f"bench{self.tag}-syn{mode}.", self.res.alias(f"bench-{self.tag}-syn{mode}")
                self.res.topics(prefix)
                env = self.env(prefix, alias)
                if mode == "on":
                    del env["NEWSFLOW_ENRICH_REUSE_ORIGINALS"]  # the stage's default
                pipes[mode] = (env, alias, {s: self.res.start(s, env, self.log_dir, f"-syn{mode}")
                                            for s in launcher.SERVICES})
            for mode, (env, alias, procs) in pipes.items():
                wait_healthy(launcher.health_urls(env), procs.values(), timeout=180)
                warm = synd.stream(pages, 6, f"{self.tag}-{mode}w", lag=6)
                got = self.load(launcher.health_urls(env)[0], alias, [p.body for p in warm], None, timeout=180)
                if got["searchable"] < 6:
                    raise RuntimeError(f"syndicated {mode}: warm-up articles not searchable: {got}")
            log(f"syndicated: checking a stream of {n} with the clean stage's duplicate detector")
            checked = synd.check(synd.stream(pages, n, f"{self.tag}-check", lag=LAG))
            if checked["copies_marked_as_copies_of_their_original"] < checked["copies"] * 0.95 \
                    or checked["originals_marked_duplicate"] > checked["posts"] * 0.02:
                raise RuntimeError(f"the syndicated stream is not what it claims: {checked}")
            loads: dict[str, list[dict[str, Any]]] = {"off": [], "on": []}
            for r in range(rounds):
                for mode in ("off", "on") if r % 2 == 0 else ("on", "off"):
                    env, alias, procs = pipes[mode]
                    run = f"{self.tag}-{mode}{r}"
                    posts = synd.stream(pages, n, run, lag=LAG)
                    enrich = procs["enrich"]
                    everyone = {f"{m}:{s}": svc for m, (_, _, ps) in pipes.items() for s, svc in ps.items()}
                    cpu_before = {k: svc.cpu_seconds() for k, svc in everyone.items()}
                    cpu0, reused0 = enrich.cpu_seconds(), synd.reused_in_log(enrich.log_path.read_text(errors="replace"))
                    log(f"syndicated: reuse {mode}, round {r}: {n} POSTs, "
                        f"{sum(p.copy_of is not None for p in posts)} copies")
                    got = self.load(launcher.health_urls(env)[0], alias, [p.body for p in posts], None,
                                    timeout=120 + n * 1.5, window=WINDOW)
                    cpu1 = enrich.cpu_seconds()
                    # where the CPU went, per process of both pipelines (the idle one's too), ms per article
                    cpu_ms = {k: round(1000 * (b - a) / n, 1) for k, svc in everyone.items()
                              if (a := cpu_before[k]) is not None and (b := svc.cpu_seconds()) is not None}
                    self.es.indices.refresh(index=alias)
                    marked = self.es.count(index=alias, query={"bool": {"filter": [
                        {"exists": {"field": "duplicate_of"}}, {"wildcard": {"url": f"*/{run}/*"}}]}})["count"]
                    got.update(copies=sum(p.copy_of is not None for p in posts), marked_duplicate=marked, cpu_ms=cpu_ms,
                               reused=synd.reused_in_log(enrich.log_path.read_text(errors="replace")) - reused0,
                               enrich_cpu_ms_per_article=None if cpu0 is None or cpu1 is None
                               else 1000 * (cpu1 - cpu0) / n)
                    log(f"syndicated: reuse {mode}, round {r}: {got['throughput']:.2f} art/s, "
                        f"{got['searchable']}/{n} searchable, {marked} marked copies, {got['reused']} reused")
                    loads[mode].append(got)
        finally:
            for _env, _alias, procs in pipes.values():
                self.res.stop(procs.values())
        best = {mode: max(x["throughput"] for x in runs) for mode, runs in loads.items()}
        self.results["syndicated"] = {
            "n": n, "share": 0.3, "check": checked, "loads": loads, "rate_off": best["off"], "rate_on": best["on"],
            "ratio": best["on"] / best["off"],
            "round_ratios": [on["throughput"] / off["throughput"] for on, off in zip(loads["on"], loads["off"])],
            "method": "best load of each mode; loads alternate off/on, on/off"}

    def load(self, ingest_url: str, alias: str, subs: list[dict[str, Any]], rate: float | None,
             timeout: float, window: int | None = None) -> dict[str, Any]:
        """POST ``subs`` (paced at ``rate``/s, else as fast as ingest takes them; with ``window``,
        never more than that many posted and not yet searchable: a stream at capacity with a
        bounded backlog) and time each one from its 202 to an mget finding it."""
        accepted: dict[str, float] = {}
        found: dict[str, float] = {}
        failures: list[str] = []
        duplicates: list[str] = []
        lock = threading.Lock()
        local = threading.local()
        stop = threading.Event()

        def post(sub: dict[str, Any]) -> None:
            client = getattr(local, "client", None) or httpx.Client(timeout=60)
            local.client = client
            err = ""
            for attempt in range(8):
                try:
                    r = client.post(f"{ingest_url}/articles", json=sub)
                except Exception as exc:  # noqa: BLE001 - recorded as a failure below
                    r, err = None, f"{type(exc).__name__}: {exc}"
                if r is not None and r.status_code == 202:
                    with lock:
                        aid = r.json()["id"]
                        if aid in accepted:
                            duplicates.append(aid)
                        accepted[aid] = time.time()
                    return
                err = f"{r.status_code} {r.text[:100]}" if r is not None else err
                time.sleep(0.2 * 2 ** attempt)
            failures.append(err)

        def poll() -> None:
            while not stop.is_set():
                with lock:
                    pending = [i for i in accepted if i not in found]
                for chunk in chunks(pending, 500):
                    try:
                        # a search, not a (realtime) GET: a GET finds a document before any refresh
                        # and forces one, so it timed "written", not "searchable"
                        hits = self.es.search(index=alias, query={"ids": {"values": chunk}}, size=len(chunk),
                                              source=False)["hits"]["hits"]
                    except Exception:  # noqa: BLE001 - index not there yet
                        continue
                    now = time.time()
                    for h in hits:
                        found[h["_id"]] = now
                stop.wait(0.1)

        poller = threading.Thread(target=poll, daemon=True)
        poller.start()
        t0 = time.time()
        with ThreadPoolExecutor(8) as pool:
            for k, sub in enumerate(subs):
                while window and k - len(found) >= window and time.time() - t0 < timeout:
                    time.sleep(0.02)
                if rate:
                    delay = t0 + k / rate - time.time()
                    if delay > 0:
                        time.sleep(delay)
                pool.submit(post, sub)
        posted = time.time() - t0
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and len(found) < len(accepted) + 0:
            time.sleep(0.1)
        stop.set()
        poller.join(timeout=10)
        lat = sorted(found[i] - accepted[i] for i in found if i in accepted)
        last = max(found.values()) if found else time.time()

        def pct(p: float) -> float | None:
            return lat[min(len(lat) - 1, int(round(p / 100 * (len(lat) - 1))))] if lat else None

        return {"posted": len(subs), "accepted": len(accepted), "searchable": len(found), "failures": failures[:5], "failed": len(failures),
                "duplicate_ids": len(duplicates),
                "post_seconds": posted, "seconds": last - t0, "throughput": len(found) / (last - t0),
                "offered_rate": rate, "p50_s": pct(50), "p95_s": pct(95), "p99_s": pct(99),
                "max_s": lat[-1] if lat else None}

    # ------------------------------------------------------------------ profile

    def profile_enrich(self) -> None:
        from pyinstrument import Profiler

        events = self.corpus.clean[: min(len(self.corpus.clean), 160)]
        size = default_of("services.enrich.__main__", "EnrichSettings", "batch_size")
        log(f"profile: Enricher.enrich_batch on {len(events)} articles in batches of {size} (pyinstrument)")
        profiler = Profiler(interval=0.002)
        profiler.start()
        for chunk in chunks(events, size):
            self.enricher.enrich_batch(chunk)
        profiler.stop()
        root = profiler.last_session.root_frame()
        total = root.time
        self_time: dict[str, float] = {}
        cum: dict[str, float] = {}

        def walk(frame: Any, stack: frozenset[str]) -> None:
            ident = f"{frame.function} ({frame.file_path_short}:{frame.line_no})"
            # pyinstrument's "[self]" children are the parent's own time
            child_time = sum(c.time for c in frame.children if not str(c.function).startswith("["))
            if not str(frame.function).startswith("[") and frame.file_path_short != "<thread>":
                self_time[ident] = self_time.get(ident, 0) + frame.time - child_time
            if ident not in stack and not str(frame.function).startswith("["):  # count recursive frames once
                cum[ident] = cum.get(ident, 0) + frame.time
            for c in frame.children:
                walk(c, stack | {ident})

        walk(root, frozenset())
        top_self = sorted(self_time.items(), key=lambda kv: -kv[1])[:15]
        top_cum = sorted(((k, v) for k, v in cum.items() if "enrich" in k or "spacy" in k or "pydantic" in k
                          or "thinc" in k), key=lambda kv: -kv[1])[:15]
        text = profiler.output_text(unicode=False, color=False, show_all=False)
        self.results["profile_enrich"] = {"pyinstrument_text": text.splitlines()[:70],
            "articles": len(events), "seconds": total, "rate": len(events) / total,
            "top_self": [{"function": k, "seconds": round(v, 3), "share": round(v / total, 3)} for k, v in top_self],
            "top_cumulative": [{"function": k, "seconds": round(v, 3), "share": round(v / total, 3)}
                               for k, v in top_cum]}

    # ------------------------------------------------------------------ orchestration

    def search(self) -> None:
        """GET /search with facets over a 10,000-article index, against ES answering the same bodies."""
        from benchmarks import search_latency

        size = 2_000 if self.args.quick else 10_000
        alias = self.res.alias(f"bench-{self.tag}-search")
        fill_s = search_latency.fill(self.es, alias, self.corpus.enriched, size)
        env = self.env(f"bench-{self.tag}-search.", alias)
        svc = self.res.start("search", env, self.log_dir)
        url, = launcher.health_urls(env, ["search"])
        wait_healthy([url], [svc], timeout=60)  # (it used to carry on silently when search never came up)
        mix = search_latency.requests(self.corpus.enriched)
        result = search_latency.measure(self.es, alias, url, mix, rounds=3 if self.args.quick else 8)
        result.update({"docs": size, "fill_s": fill_s, "peak_rss_mb": svc.peak_mb})
        svc.stop()
        result["peak_rss_mb"] = svc.peak_mb
        self.results["search"] = result
        from shared.es import index_name

        self.es.options(ignore_status=404).indices.delete(index=index_name(alias))

    def stories(self) -> None:
        """Story clustering per article next to Enricher.enrich_batch on the same articles (benchmarks/stories.py)."""
        from benchmarks import stories

        poll = default_of("services.enrich.__main__", "EnrichSettings", "batch_size")
        self.results["stories"] = stories.measure(self.enricher, self.corpus.clean, poll)

    def step(self, name: str, fn: Any, *args: Any, **kw: Any) -> Any:
        return self.sections.run(name, fn, *args, **kw)

    def planned(self) -> list[tuple[str, Any]]:
        """The sections ``--only`` asks for, in order: (name, a call that stores its result)."""
        stages = self.results.setdefault("stages", {})

        def stage(key: str, *args: Any, **kw: Any) -> Any:
            return lambda: stages.__setitem__(key, self.stage_alone(*args, **kw))

        plan: list[tuple[str, Any]] = []
        if self.only & {"limits", "enrich"}:
            plan.append(("limit_nlp", self.limit_nlp))
        if self.only & {"limits", "index"}:
            plan.append(("limit_bulk", self.limit_bulk))
        if "limits" in self.only:
            plan.append(("limit_kafka", self.limit_kafka))
        if "clean" in self.only:
            plan.append(("stage_clean", stage("clean", "clean", "clean", per_article_s=1.0)))
        if "enrich" in self.only:
            plan.append(("stage_enrich", stage("enrich", "enrich", "enrich", per_article_s=1.5)))
        if "index" in self.only:  # best of two runs, as the limit is the best of two passes
            plan.append(("stage_index", lambda: stages.__setitem__("index", self.stage_index())))
        if "enrich" in self.only:
            plan.append(("stage_enrich_x2", stage("enrich_x2", "enrich", "enrich2", workers=2, per_article_s=1.5)))
            # one worker again right after the two: the scale-out ratio is judged against the
            # faster of the single runs either side of it, so a neighbour's load that slowed one
            # single run cannot make two workers look better than two cores allow
            plan.append(("stage_enrich_again", stage("enrich_again", "enrich", "enrich1b", per_article_s=1.5)))
        if "e2e" in self.only:
            plan.append(("e2e", self.e2e))
        if "syndicated" in self.only:
            plan.append(("syndicated", self.syndicated))
        if "search" in self.only:
            plan.append(("search", self.search))
        if "stories" in self.only:
            plan.append(("stories", self.stories))
        if self.args.profile == "enrich":
            plan.append(("profile_enrich", self.profile_enrich))
        return plan

    def start_servers(self) -> None:
        self.started = start_servers()
        self.results["servers_started"] = list(self.started)

    def run(self) -> int:
        """Every planned section; the results file and table; returns the exit code (1: a section failed)."""
        t0 = time.time()
        try:
            self.step("servers", self.start_servers)
            if self.sections.ok:
                self.step("corpus", self.build_corpus)
            ready = self.sections.ok  # without servers or a corpus nothing can be measured
            setup_failed = ", ".join(self.sections.failed)
            for name, call in self.planned():
                if ready:
                    self.step(name, call)  # a failure is recorded and the next section still runs
                else:
                    self.sections.not_run(name, f"{setup_failed} failed first")
        finally:
            self.res.cleanup()
            stop_servers(self.started)
            self.results["cleanup_problems"] = self.res.problems
            self.results["wall_seconds"] = round(time.time() - t0, 1)
        from benchmarks.report import print_report, rows

        self.results.update(self.sections.as_dict())
        from benchmarks import stories

        enrich_rate = ((self.results.get("stages") or {}).get("enrich") or {}).get("rate")
        self.results["table"] = rows(self.results) + stories.rows(self.results.get("stories"), enrich_rate)
        print_report(self.results)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        text = json.dumps(self.results, indent=1, default=str)
        (self.out_dir / f"bench-{stamp}.json").write_text(text)
        (self.out_dir / "latest.json").write_text(text)
        print(f"results: .bench/bench-{stamp}.json (and .bench/latest.json); logs: {self.log_dir.relative_to(REPO)}")
        print(("bench OK: " if self.sections.ok else "bench FAILED: ") + self.sections.summary())
        return self.sections.exit_code


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", help=f"comma-separated sections: {', '.join(SECTIONS)} (default: all)")
    parser.add_argument("--n", type=int, help="articles (default 600, --quick 120)")
    parser.add_argument("--quick", action="store_true", help="120 articles: a smoke run of a few minutes")
    parser.add_argument("--profile", choices=["enrich"], help="also profile Enricher.enrich_batch (pyinstrument)")
    parser.add_argument("--fail-section", metavar="NAME[,NAME]",
                        help=f"make these sections fail on purpose (tests the failure path): {', '.join(RECORDED)}")
    args = parser.parse_args(argv)
    if args.only:
        bad = set(args.only.split(",")) - set(SECTIONS)
        if bad:
            parser.error(f"--only: unknown section(s) {sorted(bad)}; choose from {SECTIONS}")
    if args.fail_section:
        bad = set(args.fail_section.split(",")) - set(RECORDED)
        if bad:
            parser.error(f"--fail-section: unknown section(s) {sorted(bad)}; choose from {RECORDED}")
    # SIGTERM (e.g. from `timeout`) must still run the clean-up in Bench.run's finally
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt("SIGTERM")))
    sys.exit(Bench(args).run())


if __name__ == "__main__":
    main()

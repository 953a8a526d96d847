"""The index stage's yardstick: Elasticsearch's own bulk of exactly the documents the stage writes.

:class:`RawBulk` prepares, once, what the stage writes for the bench's StoriedArticles: per chunk
of the stage's batch size, its articles' documents and, after them, each story's highest
revision in the chunk with ``version_type=external_gte`` (as :mod:`services.index.writer`
does). A pass writes them all under fresh ids (a suffix) and ends with one refresh:

* :meth:`RawBulk.helpers_pass`: ``elasticsearch.helpers.bulk`` from the documents as dicts, the
  way a client would write them (the serialization is inside the clock): the limit the stage
  is held to;
* :meth:`RawBulk.bytes_pass`: ``_bulk`` of NDJSON bodies serialized before the clock:
  Elasticsearch alone (information: no client can be faster than that).

On this shared machine the neighbours' load changes from one minute to the next, so
:func:`paired` interleaves raw passes with the stage's runs and keeps both series.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from elasticsearch import Elasticsearch, helpers

from shared.es import STORIES_INDEX_BODY, ensure_index, index_name, stories_alias


def chunks(seq: list[Any], size: int) -> list[list[Any]]:
    return [seq[i:i + size] for i in range(0, len(seq), size)]


class RawBulk:
    """The stage's documents for ``events`` (StoriedArticles), ready for raw bulk passes."""

    def __init__(self, es: Elasticsearch, alias: str, events: list[Any], chunk: int) -> None:
        from services.index.logic import index, story_document

        self.es, self.alias, self.stories, self.chunk, self.n = es, alias, stories_alias(alias), chunk, len(events)
        now = datetime.now(UTC)

        def story_docs(part: list[Any]) -> list[tuple[str, int, dict[str, Any]]]:
            latest: dict[str, Any] = {}
            for e in part:
                if e.story.id not in latest or latest[e.story.id].revision < e.story.revision:
                    latest[e.story.id] = e.story
            return [(st.id, st.revision, story_document(st, now)) for st in latest.values()]

        self.batches = [([index(e, now) for e in part], story_docs(part)) for part in chunks(events, chunk)]
        self.story_docs = sum(len(sts) for _, sts in self.batches)
        self.mb = sum(len(json.dumps(d)) for docs, sts in self.batches
                      for d in [*docs, *(x for _, _, x in sts)]) / 1e6

    def create(self) -> None:
        ensure_index(self.es, self.alias)
        ensure_index(self.es, self.stories, body=STORIES_INDEX_BODY)
        self.helpers_pass("-warm", self.batches[:1], limit=20)  # a fresh index's first request is slow

    def delete(self) -> None:
        self.es.options(ignore_status=404).indices.delete(index=[index_name(self.alias), index_name(self.stories)])

    def helpers_pass(self, suffix: str, batches: list[Any] | None = None, limit: int | None = None) -> float:
        """Seconds to write every batch with ``helpers.bulk`` (one request per batch), then refresh."""
        t0 = time.perf_counter()
        for docs, sts in batches if batches is not None else self.batches:
            actions = [{"_op_type": "index", "_index": self.alias, "_id": d["id"] + suffix, "_source": d}
                       for d in docs[:limit]]
            actions += [{"_op_type": "index", "_index": self.stories, "_id": sid + suffix, "version": rev,
                         "version_type": "external_gte", "_source": d} for sid, rev, d in sts[:limit]]
            _, errors = helpers.bulk(self.es, actions, raise_on_error=False, max_retries=0,
                                     chunk_size=len(actions), max_chunk_bytes=512 * 1024 * 1024)
            if errors:
                raise RuntimeError(f"bulk errors: {errors[:2]}")
        self.es.indices.refresh(index=[self.alias, self.stories])
        return time.perf_counter() - t0

    def bytes_pass(self, suffix: str) -> float:
        """Seconds for Elasticsearch alone: the same bulks as NDJSON serialized before the clock."""
        head = '{"index":{"_index":%s,"_id":%s}}'
        story_head = '{"index":{"_index":%s,"_id":%s,"version":%d,"version_type":"external_gte"}}'
        alias, stories = json.dumps(self.alias), json.dumps(self.stories)
        bodies = ["".join([*(head % (alias, json.dumps(d["id"] + suffix)) + "\n" + json.dumps(d) + "\n"
                             for d in docs),
                           *(story_head % (stories, json.dumps(sid + suffix), rev) + "\n" + json.dumps(d) + "\n"
                             for sid, rev, d in sts)]).encode()
                  for docs, sts in self.batches]
        t0 = time.perf_counter()
        for body in bodies:
            if self.es.bulk(operations=body, filter_path=["errors"]).get("errors"):  # type: ignore[arg-type]
                raise RuntimeError("bulk errors in the pre-serialized pass")
        self.es.indices.refresh(index=[self.alias, self.stories])
        return time.perf_counter() - t0


def paired(raw: RawBulk, run_stage: Callable[[int], dict[str, Any]], runs: int) -> dict[str, Any]:
    """``runs`` rounds of (one raw helpers.bulk pass, one run of the stage), interleaved so that both
    see the same neighbours; the stage's best run against the best raw pass, and each round's ratio."""
    raw_rates: list[float] = []
    stage_runs: list[dict[str, Any]] = []
    raw.create()
    try:
        for k in range(runs):
            raw_rates.append(raw.n / raw.helpers_pass(f"-r{k}"))
            stage_runs.append(run_stage(k))
    finally:
        raw.delete()
    rates = [r.get("rate") or 0.0 for r in stage_runs]
    best = max(range(runs), key=lambda k: rates[k])
    return {**stage_runs[best], "runs_rates": rates, "raw_rates": raw_rates, "raw_rate": max(raw_rates),
            "ratio": rates[best] / max(raw_rates), "round_ratios": [s / r for s, r in zip(rates, raw_rates)],
            "raw_chunk": raw.chunk, "raw_story_docs": raw.story_docs,
            "method": "interleaved rounds of (raw helpers.bulk pass, stage run); best stage run / best raw pass"}

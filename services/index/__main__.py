"""Entry point: ``python -m services.index``: articles.storied -> Elasticsearch (alias ``articles``, and
the stories index beside it, alias ``articles-stories``)."""

from __future__ import annotations

import gc
import sys
from datetime import UTC, datetime

from pydantic import Field

from services.index.logic import Document, index_json
from services.index.writer import bulk_write
from shared.es import STORIES_INDEX_BODY, ensure_index, make_client, stories_alias
from shared.logs import setup_logging
from shared.models import StoriedArticle
from shared.service import exit_with, run_stream_stage
from shared.settings import StageSettings, metrics_port_setting
from shared.stream.steps import Step, Transform
from shared.topics import STORIED


class IndexSettings(StageSettings, env_prefix="NEWSFLOW_INDEX_"):
    """Index service settings (env prefix NEWSFLOW_INDEX_)."""

    # 500 (was 200): Elasticsearch indexes a fuller bulk with less overhead per document; the
    # request is still split at INDEX_MAX_BULK_BYTES (shared/limits.py)
    batch_size: int = Field(default=500, description="Documents per batch (one bulk request, unless too big)")
    metrics_port: int = metrics_port_setting(9103)


def tune_runtime() -> None:
    """Make the interpreter cheap for this stage's shape of work; called once set up.

    * The cyclic garbage collector: a batch of 500 decoded articles is ~40,000 container
      objects (models, their dicts, field sets, lists) that live until the batch is written and
      then die by reference counting. With the default thresholds (700, 10, 10) the collector
      ran a full pass every few thousand articles over everything alive, import-time objects
      included: measured on the bench corpus, decoding cost 3.5x what it cost with the
      collector off (370 vs 105 us per article), the largest single cost of the stage. Frozen
      start-up objects are never traversed again, and a young generation larger than a batch
      keeps collections to about one per batch; cycles are still collected, so memory stays
      bounded.
    * The GIL switch interval: the writer thread streams a batch's ~6 MB bulk body to
      Elasticsearch while this thread validates the next batch in pydantic's Rust code, which
      holds the GIL; at the default 5 ms the writer waited up to that long for it at every
      socket chunk. At 0.5 ms the stage ran 10-70 % faster in three of three paired runs
      (765/855, 814/907, 752/1314 articles/s).
    """
    gc.freeze()
    gc.set_threshold(100_000, 50, 100)
    sys.setswitchinterval(0.0005)


def main() -> None:
    settings = IndexSettings()
    setup_logging(settings.log_level, settings.log_format)
    es = make_client(settings)

    def handle(events: list[StoriedArticle]) -> list[Document]:
        """The stage function over a batch: each article as its Elasticsearch document (with its
        story's), serialized once (the events were validated once, from the message bytes, by
        the stream's decode)."""
        now = datetime.now(UTC)
        return [index_json(e, now) for e in events]

    def steps(_producer: object) -> list[Step]:
        ensure_index(es, settings.index_alias, settings.index_replicas)  # an outage here is retried
        ensure_index(es, stories_alias(settings.index_alias), settings.index_replicas, body=STORIES_INDEX_BODY)
        tune_runtime()
        return [Transform(handle)]

    exit_with(run_stream_stage(
        stage="index", settings=settings, source=STORIED, make_steps=steps,
        make_write=lambda _producer: lambda items: bulk_write(es, settings.index_alias, items),
    ))


if __name__ == "__main__":
    main()

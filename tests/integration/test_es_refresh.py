"""How soon a document written through the index's settings is searchable (not a realtime GET,
which finds it before any refresh): the fixed wait between a bulk write and a search finding it."""

from __future__ import annotations

import time

from shared.es import ensure_index, index_name, make_client
from shared.settings import CommonSettings


def test_a_written_document_is_searchable_within_the_refresh_interval(isolated_env: dict[str, str]) -> None:
    settings = CommonSettings()
    es = make_client(settings)
    name = ensure_index(es, settings.index_alias)
    waits = []
    try:
        # spaced 0.37 s apart, so the writes fall at every phase of a periodic refresh: with
        # Elasticsearch's 1 s default some wait over 0.8 s, with 250 ms none waits 0.3 s
        for i in range(12):
            es.index(index=settings.index_alias, id=f"r-{i}", document={"id": f"r-{i}", "title": "refresh"})
            written = time.monotonic()
            while not es.search(index=settings.index_alias, query={"ids": {"values": [f"r-{i}"]}},
                                source=False)["hits"]["hits"]:
                assert time.monotonic() - written < 5, "never searchable"
                time.sleep(0.01)
            waits.append(time.monotonic() - written)
            time.sleep(max(0.0, 0.37 - waits[-1]))
        assert max(waits) < 0.7, [round(w, 2) for w in waits]
    finally:
        es.options(ignore_status=404).indices.delete(index=name)
        assert name == index_name(settings.index_alias)

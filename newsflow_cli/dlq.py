"""``newsflow dlq``: list, show and replay dead letters (replay re-sends the original bytes)."""

from __future__ import annotations

import argparse
import base64
import json
from collections.abc import Iterator

from shared.kafka import make_producer, read_to_end, topic
from shared.models import DeadLetter
from shared.settings import CommonSettings
from shared.topics import DEAD_LETTER, decode


def read_all(settings: CommonSettings, name: str) -> Iterator[tuple[int, DeadLetter]]:
    """Every dead letter from the start of the topic to its current end."""
    for record in read_to_end(settings, name):
        yield record.offset, decode(DEAD_LETTER, record.value)  # type: ignore[misc]


def run(args: argparse.Namespace) -> int:
    settings = CommonSettings()
    name = topic(settings, DEAD_LETTER).name
    letters = [(o, d) for o, d in read_all(settings, name)
               if (not args.stage or d.stage == args.stage) and (not args.offsets or o in args.offsets)]
    if args.action == "list":
        for offset, d in letters[-args.limit:]:
            print(f"{offset:>7}  {d.failed_at:%Y-%m-%d %H:%M:%S}  {d.stage:<7} {d.topic}[{d.partition}]@{d.offset}  "
                  f"{d.error_class}: {d.reason[:120]}")
        print(f"{len(letters)} dead letters" + (f" (stage {args.stage})" if args.stage else ""))
    elif args.action == "show":
        for offset, d in letters[-args.limit:]:
            print(json.dumps({"dlq_offset": offset, **d.model_dump(mode="json", exclude={"payload_b64"})},
                             ensure_ascii=False, indent=2))
    else:
        producer = make_producer(settings)
        for offset, d in letters:
            producer.send(d.topic, key=d.key, value=base64.b64decode(d.payload_b64))
            print(f"replayed {offset} -> {d.topic}")
        producer.flush(timeout=60)
        producer.close()
    return 0

"""``newsflow dlq``: list, show and replay dead letters (replay re-sends the original bytes).

Every replay is recorded on the dead-letter topic itself: a letter of stage ``dlq-replay``
naming the dead letter it re-sent (``payload``: its offset) and where the copy went
(``topic``, ``partition``, ``offset``). ``replay`` without offsets skips dead letters already
replayed, the records of replays, and dead letters of messages that were themselves replays
(a replay that failed again is not re-sent in a loop); give offsets to replay one again.
Dead letters that came from no topic (a feed item: ``topic`` empty, ``source`` the feed URL)
are never produced anywhere: the feed is polled again instead.
"""

from __future__ import annotations

import argparse
import base64
import json
from collections.abc import Iterator
from datetime import UTC, datetime

from shared.kafka import make_producer, read_to_end, topic
from shared.models import DeadLetter
from shared.settings import CommonSettings
from shared.topics import DEAD_LETTER, decode, encode

REPLAY_STAGE = "dlq-replay"


def read_all(settings: CommonSettings, name: str) -> Iterator[tuple[int, DeadLetter]]:
    """Every dead letter from the start of the topic to its current end."""
    for record in read_to_end(settings, name):
        yield record.offset, decode(DEAD_LETTER, record.value)  # type: ignore[misc]


def to_replay(letters: list[tuple[int, DeadLetter]], chosen: list[int]) -> list[tuple[int, DeadLetter]]:
    """The dead letters a replay re-sends: ``chosen`` offsets, or every one not replayed yet."""
    if chosen:
        return [(o, d) for o, d in letters if o in chosen and d.stage != REPLAY_STAGE]
    marks = [d for _, d in letters if d.stage == REPLAY_STAGE]
    replayed = {int(d.payload) for d in marks if d.payload.isdigit()}
    copies = {(d.topic, d.partition, d.offset) for d in marks}
    return [(o, d) for o, d in letters if d.stage != REPLAY_STAGE and o not in replayed
            and (d.topic, d.partition, d.offset) not in copies]


def replay(settings: CommonSettings, name: str, letters: list[tuple[int, DeadLetter]]) -> None:
    producer = make_producer(settings)
    for offset, d in letters:
        if not d.topic:
            print(f"skipped {offset}: it came from {d.source or 'no topic'}, not a topic (poll the feed again)")
            continue
        meta = producer.send(d.topic, key=d.key, value=base64.b64decode(d.payload_b64)).get(timeout=60)
        mark = DeadLetter(stage=REPLAY_STAGE, topic=d.topic, partition=meta.partition, offset=meta.offset,
                          key=d.key, error_class="Replayed", reason=f"replay of dead letter {offset}",
                          payload=str(offset), payload_b64="", failed_at=datetime.now(UTC))
        producer.send(name, key=d.key, value=encode(mark)).get(timeout=60)
        print(f"replayed {offset} -> {d.topic}")
    producer.flush(timeout=60)
    producer.close()


def run(args: argparse.Namespace) -> int:
    settings = CommonSettings()
    name = topic(settings, DEAD_LETTER).name
    everything = list(read_all(settings, name))
    letters = [(o, d) for o, d in everything
               if (not args.stage or d.stage == args.stage) and (not args.offsets or o in args.offsets)]
    if args.action == "list":
        for offset, d in letters[-args.limit:]:
            where = f"{d.topic}[{d.partition}]@{d.offset}" if d.topic else (d.source or "-")
            print(f"{offset:>7}  {d.failed_at:%Y-%m-%d %H:%M:%S}  {d.stage:<7} {where}  "
                  f"{d.error_class}: {d.reason[:120]}")
        print(f"{len(letters)} dead letters" + (f" (stage {args.stage})" if args.stage else ""))
    elif args.action == "show":
        for offset, d in letters[-args.limit:]:
            print(json.dumps({"dlq_offset": offset, **d.model_dump(mode="json", exclude={"payload_b64"})},
                             ensure_ascii=False, indent=2))
    else:
        chosen = to_replay(everything, list(args.offsets))
        replay(settings, name, [(o, d) for o, d in chosen if not args.stage or d.stage == args.stage])
    return 0

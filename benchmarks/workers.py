"""Scale-out measured in steady state: every worker joined before the input exists, and the rate
counted only once every worker has written its first batch.

Started on a preloaded topic, the first worker to join took every partition and began a batch
(32 articles: tens of seconds of spaCy here); the second waited in the group's rebalance until the
first polled again, and the window also held the second's first batch, with its lazily loaded
parts (pymorphy2's dictionaries). That is start-up, counted against two workers and not one.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Sequence
from datetime import datetime
from typing import Any

_ASSIGNED = re.compile(r"partitions (assigned|revoked): \[([0-9, ]*)\]")


def _lines(log_text: str) -> list[dict[str, Any]]:
    out = []
    for line in log_text.splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:
            continue
    return out


def assignment(log_text: str) -> set[int] | None:
    """The partitions a worker owns according to its log (None while it has no assignment)."""
    owned: set[int] | None = None
    for rec in _lines(log_text):
        m = _ASSIGNED.search(str(rec.get("message", "")))
        if m:
            parts = {int(p) for p in m.group(2).replace(" ", "").split(",") if p}
            owned = parts if m.group(1) == "assigned" else None
    return owned


def group_formed(logs: Sequence[str], partitions: int) -> bool:
    """Every worker owns some partitions, no two the same one, all of them owned."""
    owned = [assignment(text) for text in logs]
    if any(not o for o in owned):
        return False
    union = set().union(*owned)  # type: ignore[arg-type]
    return len(union) == partitions == sum(len(o) for o in owned)  # type: ignore[arg-type]


def wait_group(services: Sequence[Any], partitions: int, timeout: float) -> float:
    """Until the workers' group has formed (see :func:`group_formed`); returns the seconds waited."""
    t0 = time.monotonic()
    while not group_formed([s.log_path.read_text(errors="replace") if s.log_path.exists() else ""
                            for s in services], partitions):
        if time.monotonic() - t0 > timeout:
            raise TimeoutError(f"{len(services)} workers did not form a group of {partitions} partitions "
                               f"in {timeout:.0f}s")
        if not all(s.alive() for s in services):
            raise RuntimeError("a worker exited before the group formed:\n" + services[0].tail())
        time.sleep(0.5)
    return time.monotonic() - t0


def first_batch_at(log_text: str, stage: str) -> float | None:
    """Epoch seconds of the worker's first finished batch (logged after its write and commit)."""
    for rec in _lines(log_text):
        if str(rec.get("message", "")).startswith(f"{stage}: batch of "):
            return datetime.fromisoformat(rec["time"]).timestamp()
    return None


def steady_rate(output_ms: Sequence[int], since: float) -> tuple[float | None, int, float]:
    """(rate, outputs counted, seconds) of the outputs stamped after ``since`` (epoch seconds)."""
    after = sorted(t / 1000 for t in output_ms if t / 1000 > since)
    if len(after) < 2:
        return None, len(after), 0.0
    span = after[-1] - since
    return len(after) / span, len(after), span

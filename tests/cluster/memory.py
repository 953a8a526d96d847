"""Peak resident memory of every process of the cluster test, sampled while it runs.

A broker or node SIGKILLed and restarted, or a stage restarted on more workers, keeps one row:
its peak over the run. Elasticsearch runs as a launcher JVM with the server JVM as its child,
so each row is the sum over the process and its descendants.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

LOCAL = Path(__file__).resolve().parents[2] / "deploy" / "local"


def cluster_nodes(cluster: bool = True) -> list[Any]:
    """The brokers and Elasticsearch nodes of the local launcher (``infra.py``, a script whose
    modules import one another as siblings), each with ``name`` and ``pid()``."""
    if str(LOCAL) not in sys.path:
        sys.path.insert(0, str(LOCAL))
    import infra  # type: ignore[import-not-found]

    kafkas, nodes = infra.topology(cluster)
    return [*kafkas, *nodes]


def rss_mb(pid: int) -> float:
    """Resident memory of one process in MB (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def children() -> dict[int, list[int]]:
    """Parent pid -> its children's pids, from /proc."""
    kids: dict[int, list[int]] = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat[stat.rfind(")") + 2:].split()[1])
        kids.setdefault(ppid, []).append(int(d))
    return kids


def tree_mb(pid: int, kids: dict[int, list[int]]) -> float:
    todo, total = [pid], 0.0
    while todo:
        p = todo.pop()
        total += rss_mb(p)
        todo.extend(kids.get(p, []))
    return total


class PeakMemory:
    """Samples ``named()`` (row name -> pid, or None while it is down) every ``every`` seconds."""

    def __init__(self, named: Callable[[], dict[str, int | None]], every: float = 2.0) -> None:
        self.named, self.every = named, every
        self.peak: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> PeakMemory:
        self._thread.start()
        return self

    def sample(self) -> None:
        kids = children()
        for name, pid in self.named().items():
            if pid is not None:
                self.peak[name] = max(self.peak.get(name, 0.0), tree_mb(pid, kids))

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            self.sample()

    def stop(self) -> dict[str, float]:
        self._stop.set()
        self._thread.join(timeout=10)
        self.sample()
        return self.peak

    def table(self) -> str:
        rows = [f"| {name} | {mb:.0f} |" for name, mb in sorted(self.peak.items())]
        total = sum(self.peak.values())
        return "\n".join(["| process | peak RSS (MB) |", "|---|---|", *rows, f"| all of them | {total:.0f} |"])

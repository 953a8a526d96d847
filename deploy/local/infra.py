#!/usr/bin/env python3
"""Run real Apache Kafka and Elasticsearch on this machine, without Docker: the launcher.

    python deploy/local/infra.py up|down|status
    python deploy/local/infra.py start|stop|restart|kill kafka|elasticsearch|<node>

One Kafka node (9092) and one Elasticsearch node (9200) by default. With NEWSFLOW_CLUSTER=1
(``make run CLUSTER=1``): a KRaft cluster of three Kafka nodes (brokers 9192-9194,
controllers 9292-9294; replication factor 3, min.insync.replicas 2) and two Elasticsearch
nodes (HTTP 9210-9211, transport 9310-9311; a master+data node and a data node), each with
its own data directory, log and pid file under var/. ``env`` prints the settings the
services need for the chosen mode.

Runs under the project's venv (it asks Kafka's health with kafka-python's admin client).
Downloads are in infra_install.py, the node types in kafka_node.py and es_node.py.
"""

from __future__ import annotations

import os
import signal
import sys
import time

from es_node import Elasticsearch
from infra_base import ES_VERSION, HOST, KAFKA_VERSION, Component, InfraError, say, tail
from kafka_node import Kafka, kafka_probe

CLUSTER = os.environ.get("NEWSFLOW_CLUSTER", "") not in ("", "0", "false", "no")
KAFKA_NODES, ES_NODES = 3, 2
CLUSTER_KAFKA_HEAP = os.environ.get("KAFKA_HEAP", "512m")
CLUSTER_ES_HEAP = os.environ.get("ES_HEAP", "768m")


def topology(cluster: bool) -> tuple[list[Kafka], list[Elasticsearch]]:
    if not cluster:
        return [Kafka()], [Elasticsearch()]
    voters = [(n, 9291 + n) for n in range(1, KAFKA_NODES + 1)]
    kafkas = [Kafka(f"kafka-{n}", n, 9191 + n, 9291 + n, voters, replication=KAFKA_NODES, heap=CLUSTER_KAFKA_HEAP)
              for n in range(1, KAFKA_NODES + 1)]
    seeds = [(f"es-{n}", 9309 + n) for n in range(1, ES_NODES + 1)]
    nodes = [Elasticsearch(name, 9209 + n, port, seeds, master="es-1", heap=CLUSTER_ES_HEAP)
             for n, (name, port) in enumerate(seeds, 1)]
    return kafkas, nodes


KAFKAS, ESES = topology(CLUSTER)
ALL: list[Component] = [*KAFKAS, *ESES]
BY_NAME: dict[str, list[Component]] = {"kafka": list(KAFKAS), "elasticsearch": list(ESES), "es": list(ESES),
                                       **{c.name: [c] for c in ALL}}


def settings_env() -> dict[str, str]:
    """What the services need for this mode (the same variables as in Kubernetes)."""
    env = {"KAFKA_BOOTSTRAP_SERVERS": ",".join(f"{HOST}:{k.port}" for k in KAFKAS),
           "ELASTICSEARCH_URL": ",".join(f"http://{HOST}:{e.port}" for e in ESES)}
    if CLUSTER:
        env.update(NEWSFLOW_TOPIC_REPLICATION="3", NEWSFLOW_TOPIC_MIN_INSYNC="2", NEWSFLOW_INDEX_REPLICAS="1")
    return env


def cluster_healthy() -> tuple[bool, str]:
    ok, detail = kafka_probe(KAFKAS[0].port, expect_brokers=len(KAFKAS))
    if not ok:
        return False, f"kafka: {detail}"
    for node in ESES:
        node.expect_nodes = len(ESES)
    ok, detail = ESES[0].probe()
    return ok, ("" if ok else "elasticsearch: ") + detail


# --------------------------------------------------------------------------- commands

def cmd_up(_: list[Component]) -> int:
    t0 = time.monotonic()
    say(f"mode: {'cluster (3 Kafka, 2 Elasticsearch)' if CLUSTER else 'single node'}")
    # launch every node, then wait for all: the JVMs boot in parallel (a quorum needs its peers anyway)
    pending = [(c, pid, time.monotonic()) for c in ALL if (pid := c.begin()) is not None]
    for c, pid, started in pending:
        if len(ALL) > 2:
            c.timeout = max(c.timeout, 300)
        c.wait_healthy(pid, started)
    deadline = time.monotonic() + 120
    while not (state := cluster_healthy())[0]:
        if time.monotonic() > deadline:
            raise InfraError(f"nodes are up but the cluster is not: {state[1]}")
        time.sleep(1)
    print_summary()
    say(f"up: all healthy in {time.monotonic() - t0:.1f}s")
    return 0


def print_summary() -> None:
    print()
    for c in ALL:
        s = c.status()
        version = KAFKA_VERSION if isinstance(c, Kafka) else ES_VERSION
        print(f"  {c.name:<14} {version:<7} {'healthy' if s.healthy else 'NOT healthy':<12} {HOST}:{c.port}  "
              f"pid {s.pid or '-'}  log {c.logfile}")
    for key, value in settings_env().items():
        print(f"  {key}={value}")
    print()


def cmd_down(_: list[Component]) -> int:
    """Stops both modes' nodes, so `make stop` needs no CLUSTER=1 to stop a cluster."""
    kafkas, nodes = topology(not CLUSTER)
    for c in reversed([*kafkas, *nodes, *ALL]):
        if c.pid() is not None or c.stray_pids():
            c.stop()
    say("down: nothing of ours is running")
    return 0


def cmd_status(_: list[Component]) -> int:
    ok_all = True
    for c in ALL:
        s = c.status()
        ok_all &= s.healthy
        running = f"running (pid {s.pid})" if s.pid else (
            "running (not started by infra.py)" if s.healthy else "not running")
        print(f"{c.name:<14} {running:<28} {'healthy' if s.healthy else 'unhealthy'}  "
              f"{HOST}:{c.port}  [{s.detail}]  log {c.logfile}")
    return 0 if ok_all else 1


def cmd_env(_: list[Component]) -> int:
    for key, value in settings_env().items():
        print(f"export {key}={value}")
    return 0


def cmd_start(cs: list[Component]) -> int:
    for c in cs:
        c.start()
    return 0


def cmd_stop(cs: list[Component]) -> int:
    for c in cs:
        c.stop()
    return 0


def cmd_restart(cs: list[Component]) -> int:
    for c in cs:
        c.stop()
        c.start()
    return 0


def cmd_kill(cs: list[Component]) -> int:
    for c in cs:
        c.stop(signal.SIGKILL)
    return 0


COMMANDS = {
    "up": (cmd_up, False), "down": (cmd_down, False), "status": (cmd_status, False), "env": (cmd_env, False),
    "start": (cmd_start, True), "stop": (cmd_stop, True), "restart": (cmd_restart, True),
    "kill": (cmd_kill, True),
}

USAGE = """usage: infra.py up | down | status | env
       infra.py start|stop|restart|kill kafka|elasticsearch|<node name>   (NEWSFLOW_CLUSTER=1: a cluster)"""


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help", "help") or argv[0] not in COMMANDS:
        print(USAGE, file=sys.stderr if argv and argv[0] not in ("-h", "--help", "help") else sys.stdout)
        return 0 if argv and argv[0] in ("-h", "--help", "help") else 2
    fn, needs_component = COMMANDS[argv[0]]
    comps: list[Component] = []
    if needs_component:
        if len(argv) != 2 or argv[1] not in BY_NAME:
            print(USAGE, file=sys.stderr)
            return 2
        comps = BY_NAME[argv[1]]
    elif len(argv) != 1:
        print(USAGE, file=sys.stderr)
        return 2
    try:
        return fn(comps)
    except InfraError as e:
        print(f"\n[infra] FAILED: {e}", file=sys.stderr)
        if e.log is not None:
            print(f"[infra] log: {e.log} (last 30 lines):", file=sys.stderr)
            print(tail(e.log, 30), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\n[infra] interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Processes, topics and indices the benchmark creates, and their guaranteed clean-up."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import httpx

from kafka import KafkaAdminClient, KafkaConsumer
from kafka.structs import TopicPartition

from shared.es import index_name, stories_alias
from deploy.local import services as launcher
from deploy.local.services import python
from shared.kafka import MAX_MESSAGE_BYTES, ensure_topics
from shared.settings import CommonSettings

REPO = Path(__file__).resolve().parents[1]
KAFKA = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
ES_URL = os.environ.get("ELASTICSEARCH_URL", "http://127.0.0.1:9200")


def settings_for(prefix: str, alias: str = "articles-bench") -> CommonSettings:
    return CommonSettings.model_validate({"KAFKA_BOOTSTRAP_SERVERS": KAFKA, "ELASTICSEARCH_URL": ES_URL,
                                         "NEWSFLOW_TOPIC_PREFIX": prefix, "NEWSFLOW_INDEX_ALIAS": alias})


def vm_hwm_mb(pid: int) -> float | None:
    """Peak resident set size (VmHWM) of a live process, in MB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


class Service:
    """A service started by the launcher (:func:`deploy.local.services.spawn`) as a child
    process, with its VmHWM sampled until it exits."""

    def __init__(self, stage: str, env: dict[str, str], log_dir: Path, tag: str = "") -> None:
        self.stage = stage
        self.log_path = log_dir / f"{stage}{tag}.log"
        self.proc = launcher.spawn(stage, env, self.log_path)
        self.started = time.time()
        self.peak_mb: float | None = None
        self._done = threading.Event()
        threading.Thread(target=self._sample, daemon=True).start()

    def _sample(self) -> None:
        while not self._done.is_set() and self.proc.poll() is None:
            v = vm_hwm_mb(self.proc.pid)
            if v is not None:
                self.peak_mb = max(self.peak_mb or 0.0, v)
            self._done.wait(0.2)

    def cpu_seconds(self) -> float | None:
        """User + system CPU seconds the process has used so far (None once it is gone)."""
        try:
            fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def alive(self) -> bool:
        return self.proc.poll() is None

    def log_contains(self, text: str) -> bool:
        try:
            return text in self.log_path.read_text(errors="replace")
        except OSError:
            return False

    def tail(self, n: int = 15) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    def stop(self) -> None:
        v = vm_hwm_mb(self.proc.pid) if self.alive() else None
        if v is not None:
            self.peak_mb = max(self.peak_mb or 0.0, v)
        self._done.set()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


class Resources:
    """Everything created during a run; :meth:`cleanup` stops, deletes and reports."""

    def __init__(self, es: Any) -> None:
        self.es = es
        self.services: list[Service] = []
        self.prefixes: list[str] = []
        self.aliases: list[str] = []
        self.problems: list[str] = []

    def topics(self, prefix: str) -> CommonSettings:
        self.prefixes.append(prefix)
        settings = settings_for(prefix)
        ensure_topics(settings)
        return settings

    def alias(self, alias: str) -> str:
        self.aliases.append(alias)
        return alias

    def start(self, stage: str, env: dict[str, str], log_dir: Path, tag: str = "") -> Service:
        svc = Service(stage, env, log_dir, tag)
        self.services.append(svc)
        return svc

    def stop(self, services: Iterable[Service]) -> None:
        for svc in services:
            svc.stop()

    def cleanup(self) -> None:
        for svc in self.services:
            try:
                svc.stop()
            except Exception as exc:  # noqa: BLE001 - keep cleaning up the rest
                self.problems.append(f"stop {svc.stage}: {exc}")
        for alias in self.aliases:
            try:
                self.es.options(ignore_status=404).indices.delete(
                    index=[index_name(alias), index_name(stories_alias(alias))])
            except Exception as exc:  # noqa: BLE001
                self.problems.append(f"delete index {alias}: {exc}")
        if self.prefixes:
            try:
                admin = KafkaAdminClient(bootstrap_servers=KAFKA.split(","), request_timeout_ms=30_000)
                try:
                    names = [t for t in admin.list_topics() if any(t.startswith(p) for p in self.prefixes)]
                    if names:
                        admin.delete_topics(names, timeout_ms=30_000)
                finally:
                    admin.close()
            except Exception as exc:  # noqa: BLE001
                self.problems.append(f"delete topics {self.prefixes}: {exc}")


def assigned_consumer(topics: list[str]) -> KafkaConsumer:
    """A group-less consumer reading every partition of ``topics`` from the beginning."""
    consumer = KafkaConsumer(bootstrap_servers=KAFKA.split(","), group_id=None, enable_auto_commit=False,
                             max_partition_fetch_bytes=MAX_MESSAGE_BYTES + 64 * 1024,
                             fetch_max_bytes=64 * 1024 * 1024, consumer_timeout_ms=1000)
    tps = []
    deadline = time.monotonic() + 30
    for t in topics:
        parts = consumer.partitions_for_topic(t)
        while not parts and time.monotonic() < deadline:
            time.sleep(0.2)
            parts = consumer.partitions_for_topic(t)
        tps += [TopicPartition(t, p) for p in sorted(parts or [])]
    consumer.assign(tps)
    consumer.seek_to_beginning(*tps)
    return consumer


def wait_healthy(urls: Iterable[str], services: Iterable[Service], timeout: float) -> None:
    """Until every URL answers 200 on /health (the launcher's one wait); raises with the services'
    log tails otherwise."""
    services = list(services)
    try:
        launcher.wait_healthy(urls, alive=lambda: all(svc.alive() for svc in services), timeout=timeout)
    except TimeoutError as exc:
        raise RuntimeError(f"services not healthy ({exc}): " + "; ".join(
            f"{svc.stage}: {svc.tail(3)}" for svc in services)) from exc


# --------------------------------------------------------------------------- servers

LAUNCHER = REPO / "deploy" / "local" / "infra.py"
#: where deploy/local/infra.py runs each server (its KAFKA_PORT / ELASTICSEARCH_PORT overrides, read
#: from the same environment the launcher inherits), by its name there
LOCAL = {"kafka": f"127.0.0.1:{os.environ.get('KAFKA_PORT', '9092')}",
         "elasticsearch": f"http://127.0.0.1:{os.environ.get('ELASTICSEARCH_PORT', '9200')}"}


def server_up(name: str) -> bool:
    """Whether Kafka (``name="kafka"``) or Elasticsearch answers at the configured address."""
    if name == "elasticsearch":
        try:
            return httpx.get(f"{ES_URL.split(',')[0]}/_cluster/health", timeout=3).status_code == 200
        except httpx.HTTPError:
            return False
    host, _, port = KAFKA.split(",")[0].rpartition(":")
    try:  # a closed port answers at once; kafka-python would wait out its bootstrap timeout
        socket.create_connection((host, int(port)), timeout=3).close()
    except (OSError, ValueError):
        return False
    try:
        admin = KafkaAdminClient(bootstrap_servers=KAFKA.split(","), request_timeout_ms=5000,
                                 client_id="newsflow-bench")
    except Exception:  # noqa: BLE001 - NoBrokersAvailable and friends: not up
        return False
    try:
        admin.list_topics()
        return True
    except Exception:  # noqa: BLE001
        return False
    finally:
        admin.close()


def start_servers() -> list[str]:
    """Start (with the local launcher, as the test fixtures do) whichever of Kafka and
    Elasticsearch is not answering; returns the names started, for :func:`stop_servers`.

    Raises RuntimeError when a server is down at an address the launcher does not serve (it
    will not start a local one in place of the one you named), or when the launcher fails.
    """
    configured = {"kafka": KAFKA, "elasticsearch": ES_URL}
    started: list[str] = []
    for name in ("kafka", "elasticsearch"):
        if server_up(name):
            continue
        if configured[name] != LOCAL[name]:
            raise RuntimeError(f"{name} does not answer at {configured[name]}, and that is not the local "
                               f"launcher's address ({LOCAL[name]}): start it, or unset the variable")
        print(f"[bench] {name} is not running: starting it with deploy/local/infra.py", file=sys.stderr, flush=True)
        done = subprocess.run([python(), str(LAUNCHER), "start", name], cwd=REPO)
        if done.returncode != 0 or not server_up(name):
            stop_servers(started)
            raise RuntimeError(f"could not start {name} (deploy/local/infra.py start {name}: "
                               f"exit {done.returncode}); see var/log/")
        started.append(name)
    return started


def stop_servers(names: Iterable[str]) -> None:
    """Stop the servers this run started (and only those)."""
    for name in names:
        print(f"[bench] stopping {name} (this run started it)", file=sys.stderr, flush=True)
        subprocess.run([python(), str(LAUNCHER), "stop", name], cwd=REPO)

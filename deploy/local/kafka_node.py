"""One Kafka node (broker and KRaft controller in one process), alone or one of a cluster.

Health is asked with kafka-python's admin client (``describe_cluster``): the node is healthy
once the cluster it belongs to lists the expected number of unfenced brokers and a controller.
"""

from __future__ import annotations

import base64
import os
import subprocess
import uuid
from pathlib import Path

from infra_base import (DATA, HOST, INFRA, KAFKA_CONTROLLER_PORT, KAFKA_HEAP, KAFKA_PORT, KAFKA_TIMEOUT,
                        KAFKA_VERSION, LOGS, Component, open_log, port_open, say)
from infra_install import install_kafka_jars, kafka_java, run_checked


def kafka_probe(port: int = KAFKA_PORT, expect_brokers: int = 1) -> tuple[bool, str]:
    """Healthy when the cluster answers with ``expect_brokers`` unfenced brokers and a controller."""
    from kafka import KafkaAdminClient  # the venv's kafka-python: infra.py runs under .venv/bin/python

    try:
        admin = KafkaAdminClient(bootstrap_servers=f"{HOST}:{port}", request_timeout_ms=3000,
                                 client_id="newsflow-infra")
        try:
            info = admin.describe_cluster()
        finally:
            admin.close()
    except Exception as exc:  # noqa: BLE001 - any failure is "not healthy yet", with its text
        return False, f"{type(exc).__name__}: {exc}"
    brokers = [b for b in info.get("brokers", []) if not b.get("is_fenced")]
    if info.get("controller_id", -1) < 0:
        return False, "no active controller yet"
    if len(brokers) < expect_brokers:
        return False, f"{len(brokers)} of {expect_brokers} brokers up"
    listing = ",".join(f"{b['broker_id']}@{b['host']}:{b['port']}" for b in brokers)
    return True, f"brokers={listing} controller={info['controller_id']} cluster_id={info['cluster_id']}"


class Kafka(Component):
    def __init__(self, name: str = "kafka", node_id: int = 1, port: int = KAFKA_PORT,
                 controller_port: int = KAFKA_CONTROLLER_PORT, voters: list[tuple[int, int]] | None = None,
                 replication: int = 1, heap: str = KAFKA_HEAP) -> None:
        self.name, self.node_id, self.port, self.controller_port = name, node_id, port, controller_port
        self.timeout = KAFKA_TIMEOUT
        self.voters = voters or [(node_id, controller_port)]
        self.replication, self.heap = replication, heap
        self.home = INFRA / f"kafka-{KAFKA_VERSION}"
        self.libs = self.home / "libs"
        self.conf = self.home / ("config" if name == "kafka" else f"config-{name}")
        self.data = DATA / name
        self._java: tuple[str, str] | None = None

    @property
    def java(self) -> tuple[str, str]:
        if self._java is None:
            self._java = kafka_java()
        return self._java

    def java_desc(self) -> str:
        return self.java[1]

    def extra_ports(self) -> list[int]:
        return [self.controller_port]

    def markers(self) -> list[str]:
        return ["kafka.Kafka", str(self.conf / "server.properties")]

    def probe(self) -> tuple[bool, str]:
        if not port_open(self.port):
            return False, f"port {self.port} closed"
        return kafka_probe(self.port, expect_brokers=1)

    def install(self) -> None:
        install_kafka_jars(self.libs)

    def write_config(self) -> Path:
        self.conf.mkdir(parents=True, exist_ok=True)
        self.data.mkdir(parents=True, exist_ok=True)
        rf, isr = str(self.replication), str(max(1, self.replication - 1))
        props = {
            "process.roles": "broker,controller",
            "node.id": str(self.node_id),
            "controller.quorum.voters": ",".join(f"{n}@{HOST}:{p}" for n, p in self.voters),
            "listeners": f"PLAINTEXT://{HOST}:{self.port},CONTROLLER://{HOST}:{self.controller_port}",
            "advertised.listeners": f"PLAINTEXT://{HOST}:{self.port}",
            "inter.broker.listener.name": "PLAINTEXT",
            "controller.listener.names": "CONTROLLER",
            "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
            "log.dirs": str(self.data),
            "num.partitions": "6",
            # a cluster of 3 keeps every partition on 3 brokers and acks a write once 2 have it
            "default.replication.factor": rf,
            "min.insync.replicas": isr,
            "auto.create.topics.enable": "true",
            "offsets.topic.replication.factor": rf,
            "transaction.state.log.replication.factor": rf,
            "transaction.state.log.min.isr": isr,
            "share.coordinator.state.topic.replication.factor": rf,
            "share.coordinator.state.topic.min.isr": isr,
            "group.initial.rebalance.delay.ms": "0",
            "num.network.threads": "3",
            "num.io.threads": "4",
            "num.recovery.threads.per.data.dir": "1",
            "log.retention.hours": "168",
            "log.segment.bytes": str(256 * 1024 * 1024),
            "delete.topic.enable": "true",
        }
        path = self.conf / "server.properties"
        path.write_text("# generated by deploy/local/kafka_node.py on every start; edits are overwritten\n"
                        + "".join(f"{k}={v}\n" for k, v in props.items()))
        (self.conf / "log4j2.properties").write_text(
            "# generated by deploy/local/kafka_node.py\n"
            "status = warn\n"
            "appender.out.type = Console\n"
            "appender.out.name = STDOUT\n"
            "appender.out.layout.type = PatternLayout\n"
            "appender.out.layout.pattern = [%d] %p %m (%c)%n\n"
            "rootLogger.level = INFO\n"
            "rootLogger.appenderRef.out.ref = STDOUT\n"
            "logger.request.name = kafka.request.logger\n"
            "logger.request.level = WARN\n"
            "logger.statechange.name = state.change.logger\n"
            "logger.statechange.level = WARN\n"
            "logger.authorizer.name = kafka.authorizer.logger\n"
            "logger.authorizer.level = WARN\n"
        )
        return path

    def jvm(self, heap_min: str | None = None, heap_max: str | None = None) -> list[str]:
        return [self.java[0], f"-Xms{heap_min or self.heap}", f"-Xmx{heap_max or self.heap}",
                "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20", "-XX:InitiatingHeapOccupancyPercent=35",
                "-XX:+ExplicitGCInvokesConcurrent", "-Djava.awt.headless=true",
                f"-Dlog4j2.configurationFile={self.conf / 'log4j2.properties'}",
                f"-Dkafka.logs.dir={LOGS / self.name}",
                "-cp", f"{self.libs}/*"]

    def cluster_id(self) -> str:
        """One id for every node of a cluster (kept beside their data), a new one for a lone node."""
        if len(self.voters) == 1:
            return base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        shared = DATA / f"kafka-cluster-{len(self.voters)}.id"
        if not shared.exists():
            DATA.mkdir(parents=True, exist_ok=True)
            shared.write_text(base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("="))
        return shared.read_text().strip()

    def format_storage(self, props: Path) -> None:
        if (self.data / "meta.properties").exists():
            return
        cluster_id = self.cluster_id()
        say(f"{self.name}: formatting storage {self.data} (cluster id {cluster_id})")
        run_checked(self.jvm("64m", "256m") + ["kafka.tools.StorageTool", "format", "-t", cluster_id,
                                               "-c", str(props), "--ignore-formatted"],
                    f"{self.name} storage format", env=self._env())

    @staticmethod
    def _env() -> dict[str, str]:
        env = dict(os.environ)
        env.pop("CLASSPATH", None)
        env.pop("KAFKA_OPTS", None)
        return env

    def launch(self) -> subprocess.Popen[bytes]:
        props = self.write_config()
        self.format_storage(props)
        say(f"{self.name}: starting broker+controller {self.node_id} on {HOST}:{self.port} "
            f"(controller {self.controller_port}), heap {self.heap}, java {self.java_desc()}")
        log = open_log(self.logfile, self.name)
        try:
            return subprocess.Popen(self.jvm() + ["kafka.Kafka", str(props)], cwd=self.home,
                                    stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                    start_new_session=True, env=self._env())
        finally:
            log.close()

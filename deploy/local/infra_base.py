"""What every local infrastructure process shares: paths, small utilities, and the lifecycle.

:class:`Component` starts a process in its own session, tracks it by pid file (and by its
command line, for strays), waits for its health probe and stops it (SIGTERM, then SIGKILL).
Kafka and Elasticsearch nodes subclass it (``kafka_node.py``, ``es_node.py``); downloads and
Java discovery are in ``infra_install.py``; the launcher (``infra.py``) only composes them.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
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


@dataclass
class Status:
    pid: int | None
    healthy: bool
    detail: str


class Component:
    name: str
    port: int
    timeout: float

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
    def find_java(self) -> tuple[Path, str]: ...  # (the JDK or its java executable, a description)

    _java: tuple[Path, str] | None = None

    @property
    def java(self) -> tuple[Path, str]:
        """:meth:`find_java`, looked up once and only when needed (``status`` and ``stop`` need none)."""
        if self._java is None:
            self._java = self.find_java()
        return self._java

    def java_desc(self) -> str:
        return self.java[1]

    def extra_ports(self) -> list[int]:
        return []

    def __repr__(self) -> str:
        return f"{self.name}@{HOST}:{self.port}"

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
            self._kill(left)

    def _kill(self, pids: list[int]) -> None:
        """SIGKILL each process group and wait (10 s at most) until they are gone."""
        for pid in pids:
            self._signal(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while any(pid_alive(p) for p in pids) and time.monotonic() < deadline:
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
            self._kill(pids)
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


"""The one launcher of newsflow's services: how each one starts (its command, its env, its health
check), used by `make run`, the e2e tests (tests/e2e/conftest.py) and the benchmarks
(benchmarks/infra.py); run as a script, it starts and stops them in the background (the no-Docker way):

    python deploy/local/services.py start [--workers enrich=2,clean=1]
    python deploy/local/services.py stop
    python deploy/local/services.py status

Logs go to var/log/<service>[-<n>].log, pid files to var/run/. Each service runs under
deploy/local/supervise.py, which restarts it with backoff when it exits non-zero (`status`
shows the restarts); each supervisor is started in its own session so it outlives this
launcher; `stop` sends SIGTERM (a stage finishes its
batch and commits), then SIGKILL after a grace period.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
VAR = Path(os.environ.get("NEWSFLOW_VAR", REPO / "var"))
LOGS, RUN = VAR / "log", VAR / "run"


@dataclass(frozen=True)
class ServiceSpec:
    """How one service runs: ``python -m services.<name>``, its settings under ``NEWSFLOW_<NAME>_``."""

    name: str
    #: an HTTP service's default port (``NEWSFLOW_<NAME>_PORT``); it is healthy once /health answers 200
    http_port: int | None = None
    #: a stream stage's default /metrics port (``NEWSFLOW_<NAME>_METRICS_PORT``); 0 turns it off
    metrics_port: int | None = None
    #: its state is one sequential decision over the whole stream: never more than one worker
    single_worker: bool = False

    @property
    def env_prefix(self) -> str:
        return f"NEWSFLOW_{self.name.upper()}_"

    def command(self) -> list[str]:
        return [python(), "-m", f"services.{self.name}"]

    def url(self, env: Mapping[str, str]) -> str | None:
        """Where an HTTP service listens under ``env`` (None: not an HTTP service)."""
        if self.http_port is None:
            return None
        return f"http://127.0.0.1:{env.get(self.env_prefix + 'PORT', self.http_port)}"

    def worker_env(self, env: Mapping[str, str], instance: int) -> dict[str, str]:
        """``env`` for worker ``instance``: each worker of a stage on its own /metrics port (the
        default + 10 per worker) unless ``env`` sets one (0 in tests: all off)."""
        out = dict(env)
        if self.metrics_port is not None:
            out.setdefault(self.env_prefix + "METRICS_PORT", str(self.metrics_port + 10 * instance))
        return out


#: every service, in start order (each consumer after its topic's producer)
SPECS = {spec.name: spec for spec in (
    ServiceSpec("ingest", http_port=8001),
    ServiceSpec("clean", metrics_port=9101),
    ServiceSpec("enrich", metrics_port=9102),
    ServiceSpec("stories", metrics_port=9105, single_worker=True),
    ServiceSpec("index", metrics_port=9103),
    ServiceSpec("search", http_port=8000),
)}
SERVICES = tuple(SPECS)
HTTP_SERVICES = tuple(name for name, spec in SPECS.items() if spec.http_port is not None)


def python() -> str:
    venv = REPO / ".venv" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def isolated_env(base: Mapping[str, str]) -> dict[str, str]:
    """``base`` made safe to run beside other copies of the services on one machine (tests,
    benchmarks): each HTTP service on a free port, every /metrics port off, JSON logs."""
    env = dict(base)
    for spec in SPECS.values():
        if spec.http_port is not None:
            env[spec.env_prefix + "PORT"] = str(free_port())
        if spec.metrics_port is not None:
            env[spec.env_prefix + "METRICS_PORT"] = "0"
    env["NEWSFLOW_LOG_FORMAT"] = "json"
    return env


def health_urls(env: Mapping[str, str], services: Iterable[str] = SERVICES) -> list[str]:
    """The URLs :func:`wait_healthy` waits on for ``services`` started with ``env``."""
    return [url for name in services if (url := SPECS[name].url(env)) is not None]


def tag(service: str, instance: int = 0) -> str:
    return service if instance == 0 else f"{service}-{instance}"


def spawn(service: str, env: Mapping[str, str], log: Path, instance: int = 0,
          supervised_in: Path | None = None) -> subprocess.Popen[bytes]:
    """Start worker ``instance`` of ``service`` as a child process, its output appended to ``log``.

    ``supervised_in`` (a run directory; `make run`): under deploy/local/supervise.py, which
    restarts it on a non-zero exit and keeps its restarts there, in a session of its own so it
    outlives the caller. Otherwise (tests, benchmarks) the service itself, in the caller's session.
    """
    spec = SPECS[service]
    env = spec.worker_env(env, instance)
    if supervised_in is not None:
        command = [python(), str(REPO / "deploy/local/supervise.py"), "--tag", tag(service, instance),
                   "--log", str(log), "--run-dir", str(supervised_in), "--", *spec.command()]
        return subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    with open(log, "ab") as out:  # the child keeps its own handle
        return subprocess.Popen(spec.command(), cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    try:  # a zombie is not alive
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return True


def start_one(service: str, instance: int, env: dict[str, str]) -> int:
    name = tag(service, instance)
    pidfile = RUN / f"{name}.pid"
    if pidfile.exists() and alive(int(pidfile.read_text())):
        print(f"  {name}: already running (pid {pidfile.read_text().strip()})")
        return int(pidfile.read_text())
    logfile = LOGS / f"{name}.log"
    proc = spawn(service, env, logfile, instance, supervised_in=RUN)
    pidfile.write_text(str(proc.pid))
    print(f"  {name}: started (pid {proc.pid}, log {logfile})")
    return proc.pid


def wait_healthy(urls: Iterable[str], alive: Callable[[], bool] = lambda: True, timeout: float = 90) -> None:
    """Until every service URL answers 200 on /health: the one health wait of the project
    (``make run``, the e2e tests and the benchmarks all call it). Raises TimeoutError naming the
    URL when ``timeout`` passes or ``alive()`` turns false (a service died while starting)."""
    deadline = time.monotonic() + timeout
    for url in urls:
        while True:
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline or not alive():
                raise TimeoutError(f"{url} did not become healthy"
                                   + ("" if alive() else " (a service exited while starting)"))
            time.sleep(0.3)


def start(workers: dict[str, int]) -> None:
    LOGS.mkdir(parents=True, exist_ok=True)
    RUN.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.setdefault("NEWSFLOW_LOG_FORMAT", "json")
    pids = {}
    for service in SERVICES:
        for n in range(workers.get(service, 1)):
            pids[(service, n)] = start_one(service, n, env)
    for service in HTTP_SERVICES:
        url = health_urls(env, [service])
        try:
            wait_healthy(url, alive=lambda: alive(pids[(service, 0)]))
        except TimeoutError as exc:
            logfile = LOGS / f"{service}.log"
            tail = logfile.read_text(errors="replace").splitlines()[-30:] if logfile.exists() else []
            sys.exit(f"{service}: {exc}; its log is {logfile}:\n" + "\n".join(tail))
        print(f"  {service}: healthy on {url[0].removeprefix('http://')}")
    time.sleep(1)
    dead = [tag(s, n) for (s, n), pid in pids.items() if not alive(pid)]
    if dead:
        sys.exit(f"services exited right after start: {dead}; see {LOGS}")


def stop(grace: float = 20) -> None:
    files = [p for p in RUN.glob("*.pid") if p.stem.split("-")[0] in SERVICES] if RUN.exists() else []
    pids = {}
    for pidfile in files:
        try:
            pid = int(pidfile.read_text())
        except ValueError:
            pidfile.unlink()
            continue
        if alive(pid):
            os.killpg(pid, signal.SIGTERM) if _is_group_leader(pid) else os.kill(pid, signal.SIGTERM)
            pids[pidfile] = pid
        else:
            pidfile.unlink()
    deadline = time.monotonic() + grace
    while pids and time.monotonic() < deadline:
        for pidfile, pid in list(pids.items()):
            if not alive(pid):
                pidfile.unlink(missing_ok=True)
                print(f"  {pidfile.stem}: stopped")
                del pids[pidfile]
        time.sleep(0.2)
    for pidfile, pid in pids.items():
        os.killpg(pid, signal.SIGKILL) if _is_group_leader(pid) else os.kill(pid, signal.SIGKILL)
        pidfile.unlink(missing_ok=True)
        print(f"  {pidfile.stem}: killed after {grace:.0f}s")


def _is_group_leader(pid: int) -> bool:
    try:
        return os.getpgid(pid) == pid
    except OSError:
        return False


def status() -> int:
    rows, ok = [], True
    for pidfile in sorted(RUN.glob("*.pid")) if RUN.exists() else []:
        if pidfile.stem.split("-")[0] not in SERVICES:
            continue
        pid = int(pidfile.read_text())
        state = "running" if alive(pid) else "DEAD"
        ok &= state == "running"
        restarts_file = RUN / f"{pidfile.stem}.restarts.json"
        restarts = json.loads(restarts_file.read_text()) if restarts_file.exists() else {}
        rows.append({"service": pidfile.stem, "pid": pid, "state": state, "restarts": restarts.get("restarts", 0),
                     "last_exit": restarts.get("last_exit"), "last_restart_at": restarts.get("last_restart_at")})
    print(json.dumps(rows, indent=1))
    return 0 if ok and rows else 1


def parse_workers(text: str) -> dict[str, int]:
    out = {}
    for part in filter(None, text.split(",")):
        name, _, count = part.partition("=")
        if name not in SERVICES or not count.isdigit():
            sys.exit(f"--workers: expected e.g. enrich=2,clean=1, got {part!r}")
        if SPECS[name].single_worker and int(count) != 1:
            sys.exit(f"--workers: {name} runs as exactly one worker (its clustering is one sequential decision "
                     f"over the whole stream, see docs/ARCHITECTURE.md), got {part!r}")
        out[name] = int(count)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["start", "stop", "status", "restart"])
    parser.add_argument("--workers", default=os.environ.get("NEWSFLOW_WORKERS", ""),
                        help="workers per stage, e.g. enrich=2 (env NEWSFLOW_WORKERS)")
    args = parser.parse_args()
    if args.command in ("stop", "restart"):
        stop()
    if args.command in ("start", "restart"):
        start(parse_workers(args.workers))
    if args.command == "status":
        sys.exit(status())


if __name__ == "__main__":
    main()

"""Start and stop newsflow's services as background processes (the no-Docker way).

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
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterable
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
VAR = Path(os.environ.get("NEWSFLOW_VAR", REPO / "var"))
LOGS, RUN = VAR / "log", VAR / "run"
SERVICES = ("ingest", "clean", "enrich", "stories", "index", "search")
HTTP_SERVICES = ("ingest", "search")
DEFAULT_PORTS = {"ingest": 8001, "search": 8000}
METRICS_PORTS = {"clean": 9101, "enrich": 9102, "index": 9103, "stories": 9105}
#: stages whose state is one sequential decision over the whole stream: never more than one worker
SINGLE_WORKER = ("stories",)


def python() -> str:
    venv = REPO / ".venv" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable


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
    tag = service if instance == 0 else f"{service}-{instance}"
    pidfile = RUN / f"{tag}.pid"
    if pidfile.exists() and alive(int(pidfile.read_text())):
        print(f"  {tag}: already running (pid {pidfile.read_text().strip()})")
        return int(pidfile.read_text())
    env = dict(env)
    if service in METRICS_PORTS:
        env.setdefault(f"NEWSFLOW_{service.upper()}_METRICS_PORT", str(METRICS_PORTS[service] + 10 * instance))
    logfile = LOGS / f"{tag}.log"
    # the supervisor restarts the service when it exits non-zero, as compose's restart policy does
    supervisor = [python(), str(REPO / "deploy/local/supervise.py"), "--tag", tag, "--log", str(logfile),
                  "--run-dir", str(RUN), "--", python(), "-m", f"services.{service}"]
    proc = subprocess.Popen(supervisor, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    pidfile.write_text(str(proc.pid))
    print(f"  {tag}: started (pid {proc.pid}, log {LOGS / (tag + '.log')})")
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
        port = env.get(f"NEWSFLOW_{service.upper()}_PORT", str(DEFAULT_PORTS[service]))
        try:
            wait_healthy([f"http://127.0.0.1:{port}"], alive=lambda: alive(pids[(service, 0)]))
        except TimeoutError as exc:
            logfile = LOGS / f"{service}.log"
            tail = logfile.read_text(errors="replace").splitlines()[-30:] if logfile.exists() else []
            sys.exit(f"{service}: {exc}; its log is {logfile}:\n" + "\n".join(tail))
        print(f"  {service}: healthy on 127.0.0.1:{port}")
    time.sleep(1)
    dead = [f"{s}-{n}" if n else s for (s, n), pid in pids.items() if not alive(pid)]
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
        if name in SINGLE_WORKER and int(count) != 1:
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

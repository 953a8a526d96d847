"""Keep one service running, as compose's ``restart: on-failure`` does: the local mode's supervisor.

    python deploy/local/supervise.py --tag clean --log var/log/clean.log -- python -m services.clean

Runs the command; when it exits non-zero (a crash: 1, start-up gave up: 2, the guard: 3, or
killed) it is started again after a backoff (1 s doubling to 60 s; back to 1 s once it has run
for a minute). Exit 0 means the service was asked to stop: the supervisor ends too. SIGTERM or
SIGINT to the supervisor is passed on to the service, which finishes its batch and stops.
Restarts are kept in ``<run>/<tag>.restarts.json`` for ``services.py status`` (``make status``).
"""

from __future__ import annotations

import argparse
import json
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

MAX_BACKOFF, STABLE_AFTER = 60.0, 60.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tag", required=True)
    parser.add_argument("--log", type=Path, required=True)
    parser.add_argument("--run-dir", type=Path, default=Path(__file__).resolve().parents[2] / "var" / "run")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    state_file = args.run_dir / f"{args.tag}.restarts.json"
    args.run_dir.mkdir(parents=True, exist_ok=True)
    state = {"tag": args.tag, "restarts": 0, "last_exit": None, "last_restart_at": None}
    state_file.write_text(json.dumps(state))
    stopping = False
    child: subprocess.Popen[bytes] | None = None

    def forward(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True
        if child is not None and child.poll() is None:
            child.send_signal(signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    backoff = 1.0
    while True:
        started = time.monotonic()
        with open(args.log, "ab") as log:
            child = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
            code = child.wait()
        if stopping or code == 0:
            return code
        if time.monotonic() - started >= STABLE_AFTER:
            backoff = 1.0
        state.update(restarts=int(state["restarts"] or 0) + 1, last_exit=code,
                     last_restart_at=datetime.now(UTC).isoformat(timespec="seconds"))
        state_file.write_text(json.dumps(state))
        with open(args.log, "ab") as log:
            log.write(f"[supervisor] {args.tag} exited with {code}; restart {state['restarts']} "
                      f"in {backoff:.0f}s\n".encode())
        deadline = time.monotonic() + backoff
        while time.monotonic() < deadline and not stopping:
            time.sleep(0.2)
        if stopping:
            return code
        backoff = min(backoff * 2, MAX_BACKOFF)


if __name__ == "__main__":
    sys.exit(main())

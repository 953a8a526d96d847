"""Which sections of a benchmark run succeeded, failed or were not run: the run's exit code.

A section is one measurement (a limit, a stage alone, the pipeline end to end...). One that
raises is recorded as failed with its error and the run goes on with the others, but the run
then exits non-zero and its results say ``"ok": false`` and name it: a benchmark whose
sections fail (say, every one with "connection refused") is no measurement and must not read
as one.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

OK, FAILED, NOT_RUN = "ok", "failed", "not run"


class ForcedFailure(RuntimeError):
    """Raised in a section named by ``--fail-section``, to exercise the failure path for real."""


class Sections:
    """Runs sections, recording each one's outcome; :attr:`exit_code` is 1 if any failed."""

    def __init__(self, force_fail: set[str] | None = None) -> None:
        self.status: dict[str, str] = {}
        self.errors: dict[str, str] = {}
        self.force_fail = force_fail or set()

    def run(self, name: str, fn: Callable[..., T], *args: Any, **kw: Any) -> T | None:
        """``fn(*args, **kw)``, or ``None`` when it raised (the error is recorded, not raised)."""
        try:
            if name in self.force_fail:
                raise ForcedFailure(f"section {name} forced to fail (--fail-section)")
            value = fn(*args, **kw)
        except Exception as exc:  # noqa: BLE001 - one failed section must not hide the others
            self.status[name] = FAILED
            self.errors[name] = f"{type(exc).__name__}: {exc}"
            print(f"[{time.strftime('%H:%M:%S')}] section {name} FAILED: {self.errors[name]}", file=sys.stderr,
                  flush=True)
            return None
        self.status[name] = OK
        return value

    def not_run(self, name: str, why: str) -> None:
        self.status[name] = NOT_RUN
        self.errors[name] = why

    @property
    def failed(self) -> list[str]:
        """Sections that failed or could not run, in the order they were recorded."""
        return [name for name, status in self.status.items() if status != OK]

    @property
    def ok(self) -> bool:
        return bool(self.status) and not self.failed

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1

    def summary(self) -> str:
        if self.ok:
            return f"all {len(self.status)} sections ran: {', '.join(self.status)}"
        return "FAILED sections: " + "; ".join(f"{name} ({self.status[name]}: {self.errors[name]})"
                                               for name in self.failed)

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "sections": dict(self.status), "failed_sections": self.failed,
                "errors": dict(self.errors)}

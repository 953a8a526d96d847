"""The guard against systemic failure, and only systemic failure.

It watches messages that no correct producer in the pipeline would write: undecodable bytes
and contract violations on our own topics (a schema change deployed in the wrong order, a
broken build). When most recent messages are like that, stopping without committing leaves
them in place for the fixed build. What a client can send (an article clean refuses, a page
with no text) is a dead letter and never counts here: no client can stop a stage.
"""

from __future__ import annotations

from collections import deque


class TooManyBadEvents(RuntimeError):
    """The share of contract violations passed the limit; the service exits with code 3."""


class BadInputGuard:
    def __init__(self, limit: float = 0.5, window: int = 200, min_events: int = 50) -> None:
        self.limit, self.min_events = limit, min_events
        self._outcomes: deque[bool] = deque(maxlen=window)

    def observe(self, ok: int, violations: int) -> None:
        self._outcomes.extend([False] * ok + [True] * violations)

    def check(self, stage: str) -> None:
        """Raise :class:`TooManyBadEvents` if the recent share of violations is over the limit."""
        n = len(self._outcomes)
        if n >= self.min_events and sum(self._outcomes) / n > self.limit:
            raise TooManyBadEvents(
                f"{stage}: more than {self.limit:.0%} of the last {n} messages broke their topic's "
                "contract (undecodable or an unknown schema); stopping so a broken producer does "
                "not dead-letter everything. Nothing after them was committed; see the dead-letter topic."
            )

"""The one project exception for bad input.

Raising :class:`InvalidArticle` means: this message can never be processed, retrying will not
help, send it to dead letters with ``reason``. Any other exception means an outage or a bug:
the message is not committed and will be processed again.
"""


class InvalidArticle(ValueError):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ContractViolation(InvalidArticle):
    """Bad input that no correct producer in the pipeline writes: undecodable bytes, an unknown
    schema on one of our own topics. Dead-lettered like any bad input, and also counted by the
    stage's guard against systemic failure (a client's bad article never is)."""

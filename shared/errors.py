"""The one project exception for bad input.

Raising :class:`InvalidArticle` means: this message can never be processed, retrying will not
help, send it to dead letters with ``reason``. Any other exception means an outage or a bug:
the message is not committed and will be processed again.
"""


class InvalidArticle(ValueError):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

"""The stream loop as a chain of small steps, in the manner of getsentry/arroyo.

A stage is composed in its ``__main__`` from these pieces, each in its own module and tested
on its own (with :mod:`shared.stream.memory`, an in-memory broker; integration tests run the
same composition on real Kafka):

    Poll (source.py) -> Decode (steps.py) -> Transform: the stage's pure function (steps.py)
        -> Write: produce with acks, or ES bulk (steps.py, writers in the services)
        -> DeadLetter (dead_letters.py) -> Commit (steps.py)

:class:`shared.stream.processor.StreamProcessor` runs the chain: one write in flight while
the next batch is transformed, commits in order and only after the write, partitions paused
(but the consumer kept polling, so it stays in its group) while an outage lasts.

Two kinds of failure are kept apart (STYLE.md): bad input (:class:`shared.errors.InvalidArticle`)
is never retried and becomes a dead letter; an outage (:data:`shared.stream.retry.RETRIABLE`)
is retried without end and never dropped. Anything else is a bug: it propagates, the service
logs its traceback and exits non-zero, and nothing uncommitted is lost.
"""

"""The clean stage's steps: its function over a batch, then duplicate detection with its state.

``clean_batch`` wraps the pure :func:`services.clean.logic.clean` for the stream's
:class:`~shared.stream.steps.Transform`; :class:`Deduplicate` runs after it. The detector's
memory is the compacted topic ``newsflow.dedup-state``: a new original's signature goes into
the batch's state records (written and acknowledged before the clean articles, so before the
commit), and before each batch the step takes in what other clean workers remembered.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from services.clean.dedup import DuplicateDetector
from services.clean.logic import clean
from shared.errors import InvalidArticle
from shared.models import CleanArticle, DedupEntry, RawArticle
from shared.stream.messages import Item
from shared.stream.steps import Batch
from shared.topics import encode


def clean_batch(events: list[RawArticle]) -> list[CleanArticle | InvalidArticle]:
    """The stage function over a batch: one result per event, a rejection as a value."""
    results: list[CleanArticle | InvalidArticle] = []
    for raw in events:
        try:
            results.append(clean(raw))
        except InvalidArticle as exc:
            results.append(exc)
    return results


class Deduplicate:
    """Marks each near-duplicate with ``duplicate_of`` its first-seen original.

    ``learn`` yields the entries other workers stored since the last batch (ours come back
    too: harmless, entries are keyed by article id).
    """

    def __init__(self, detector: DuplicateDetector, state_topic: str,
                 learn: Callable[[], Iterable[DedupEntry]] = lambda: ()) -> None:
        self.detector, self.state_topic, self.learn = detector, state_topic, learn

    def __call__(self, batch: Batch) -> Batch:
        for entry in self.learn():
            self.detector.add_entry(entry.model_dump())
        batch.items = [self.mark(item, batch) for item in batch.items]
        return batch

    def mark(self, item: Item[CleanArticle], batch: Batch) -> Item[CleanArticle]:
        article = item.value
        text = f"{article.title}\n\n{article.body}"
        original = self.detector.check_and_add(article.id, article.canonical_url, article.content_hash, text)
        if original is not None:
            return Item(item.message, article.model_copy(update={"duplicate_of": original}))
        entry = self.detector.entry_for(article.id, article.canonical_url, article.content_hash, text)
        batch.state.append((self.state_topic, article.id, encode(DedupEntry.model_validate(entry))))
        return item

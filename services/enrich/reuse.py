"""Copies skip the model: a syndicated copy's enrichment taken from its already-enriched original.

Clean marks a copy ``duplicate_of`` its first-seen original. When enrich still holds that
original's :class:`~shared.models.EnrichedArticle` (same enrichment version), the copy gets the
original's actors, places, topics and keywords, with each mention moved to where the same words
stand in the copy's own text (``title + "\\n\\n" + body``: another title shifts every body
offset). A mention that cannot be found in the copy is dropped, an entity left with none is
dropped, counts follow the mentions kept. When too few mentions are found (a copy that only
shares part of the story), :func:`reuse_enrichment` answers ``None`` and the copy goes through
the model like any article.

Pure: no model, no I/O. Wiring (a bounded cache of recent originals in the enrich step) is
the caller's.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable
from typing import TypeVar

from shared.models import Actor, CleanArticle, EnrichedArticle, Mention, Place

from .logic import article_text

E = TypeVar("E", Actor, Place)
log = logging.getLogger(__name__)

#: Least share of the original's mentions that must be found in the copy for its entities to be
#: reused; below it the texts differ too much and the copy is analysed afresh.
MIN_MENTIONS_FOUND = 0.8


def reuse_enrichment(copy: CleanArticle, original: EnrichedArticle, version: str,
                     min_found: float = MIN_MENTIONS_FOUND) -> EnrichedArticle | None:
    """The copy's enrichment from its original's, or ``None`` when it cannot be reused.

    Reused only when ``copy.duplicate_of`` names the original, the original was enriched by
    ``version`` (the running enricher's) and the languages agree (a copy without one takes the
    original's), and at least ``min_found`` of the original's mentions are found in the copy.
    """
    source = original.article
    if copy.duplicate_of != source.id or original.enrichment_version != version:
        return None
    if copy.language is not None and copy.language != source.language:
        return None
    old_text, new_text = article_text(source), article_text(copy)
    finder = _Finder(old_text, new_text, len(copy.title) - len(source.title))
    actors = [a for a in (_moved(x, finder) for x in original.actors) if a is not None]
    places = [p for p in (_moved(x, finder) for x in original.places) if p is not None]
    if finder.total and finder.found / finder.total < min_found:
        return None
    return EnrichedArticle(article=copy, actors=actors, places=places, topics=original.topics,
                           keywords=original.keywords, enrichment_version=original.enrichment_version)


class _Finder:
    """Maps the original's mention offsets into the copy's text, each copy span used once."""

    def __init__(self, old_text: str, new_text: str, title_shift: int) -> None:
        self.new_text = new_text
        self.body_start = old_text.find("\n\n")
        self.title_shift = title_shift
        self.used: set[tuple[int, int]] = set()
        self.total = self.found = 0

    def move(self, m: Mention) -> Mention | None:
        self.total += 1
        # a body mention of an unchanged body sits exactly title_shift further on
        hint = m.start + (self.title_shift if self.body_start >= 0 and m.start > self.body_start else 0)
        start = self._nearest(m.text, hint)
        if start is None:
            return None
        self.used.add((start, start + len(m.text)))
        self.found += 1
        return m if start == m.start else Mention(text=m.text, start=start, end=start + len(m.text))

    def _nearest(self, needle: str, hint: int) -> int | None:
        text, best = self.new_text, None
        if not needle:
            return None
        i = text.find(needle)
        while i >= 0:
            whole = (i == 0 or not text[i - 1].isalnum()) and (
                i + len(needle) >= len(text) or not text[i + len(needle)].isalnum())
            if whole and (i, i + len(needle)) not in self.used and (best is None or abs(i - hint) < abs(best - hint)):
                best = i
                if i == hint:
                    break
            i = text.find(needle, i + 1)
        return best


def _moved(entity: E, finder: _Finder) -> E | None:
    """The entity with its mentions moved into the copy; ``None`` when none of them is there."""
    if not entity.mentions:  # known without a span (e.g. from metadata): nothing to check
        return entity
    mentions = [moved for m in entity.mentions if (moved := finder.move(m)) is not None]
    if not mentions:
        return None
    return entity.model_copy(update={"mentions": mentions, "count": len(mentions)})


class ReuseOriginals:
    """The enrich stage's function with copies skipping the model.

    Keeps this worker's ``size`` most recent originals; an article clean marked ``duplicate_of``
    one of them gets :func:`reuse_enrichment`, the rest go through ``enrich`` in one batch.
    Output order = input order. A copy whose original another worker enriched just misses the
    cache and is analysed as usual.
    """

    def __init__(self, enrich: Callable[[list[CleanArticle]], list[EnrichedArticle]], version: str,
                 size: int = 2000) -> None:
        self.enrich, self.version, self.size = enrich, version, size
        self._originals: OrderedDict[str, EnrichedArticle] = OrderedDict()
        self.reused = 0

    def __call__(self, events: list[CleanArticle]) -> list[EnrichedArticle]:
        done: list[EnrichedArticle | None] = []
        for event in events:
            original = self._originals.get(event.duplicate_of) if event.duplicate_of else None
            done.append(reuse_enrichment(event, original, self.version) if original is not None else None)
        fresh = iter(self.enrich([e for e, d in zip(events, done) if d is None]) if None in done else [])
        out = [d if d is not None else next(fresh) for d in done]
        reused = sum(d is not None for d in done)
        self.reused += reused
        if reused:
            log.info("%d of %d articles were copies that took their original's enrichment", reused, len(events))
        for enriched in out:
            if enriched.article.duplicate_of is None:
                self._originals[enriched.article.id] = enriched
                self._originals.move_to_end(enriched.article.id)
        while len(self._originals) > self.size:
            self._originals.popitem(last=False)
        return out

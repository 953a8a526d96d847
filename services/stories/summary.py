"""A story's state record as the summary readers see: :func:`summarize` (pure, no I/O).

The summary travels on every ``articles.storied`` message (the index stage writes it to the
``stories`` index with ``revision`` as an external version, so the newest one wins whatever
order writes arrive in). Everything in it is computed from the :class:`StoryRecord` alone, so
a replayed article gets exactly the summary the story has now.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from services.stories.logic import hour_of
from shared.models import StoryRecord, StorySummary

__all__ = ["RECENT", "TOP", "recent_count", "summarize", "top"]

#: names and labels listed per kind in a summary (the record keeps up to STORY_MAX_ENTITIES)
TOP = 10
#: the growth measure's span: articles in this long up to the story's last article
RECENT = timedelta(hours=24)


def top(counts: dict[str, int], n: int = TOP) -> list[str]:
    """The ``n`` heaviest names, most first; equal counts in name order (deterministic)."""
    return [name for name, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:n]]


def recent_count(hours: dict[str, int], last_seen: datetime) -> int:
    """Articles in the 24 hourly buckets ending with ``last_seen``'s hour (at least 1: the last one)."""
    newest = hour_of(last_seen)
    oldest = hour_of(last_seen - RECENT + timedelta(hours=1))
    return max(1, sum(n for hour, n in hours.items() if oldest <= hour <= newest))


def summarize(story: StoryRecord) -> StorySummary:
    """The summary of ``story`` as it stands; ``revision`` is its article count."""
    return StorySummary(
        id=story.story_id, revision=story.article_count, title=story.title,
        first_seen=story.first_seen, last_seen=story.last_seen, article_count=story.article_count,
        sources=list(story.sources), languages=list(story.languages),
        actors=top(story.actors), places=top(story.places), topics=top(story.topics),
        recent_count=recent_count(story.hours, story.last_seen),
    )

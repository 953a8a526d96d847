"""Online story clustering: each article joins the best open story or starts a new one.

The single entry point is :meth:`StoryClusterer.assign` (``assign(article) -> story_id``); the
``newsflow cluster`` command and the pipeline run exactly it. No Kafka, no Elasticsearch here.

How an article is matched (single pass, in arrival order):

1. Re-processed article (its id was assigned inside the window): its earlier story.
2. Near-duplicate (``duplicate_of`` an assigned article): the original's story.
3. Otherwise the open stories that share terms with it are pre-scored through an inverted
   index, the best :data:`~shared.limits.STORY_MAX_CANDIDATES` are scored in full::

       score = (w_centroid * cos(words, story centroid)
                + w_member * max cos(words, a kept member)
                + w_names  * cos(names, story names)) * time_factor

   with IDF weights over the open stories (a term in few stories counts more) and a time factor
   that decays once the article is more than ``grace`` away from the story's last article.
   The article joins the best story whose score reaches ``threshold``, else starts one.

Story ids are derived from the first article's id (``s-`` + 16 hex of its SHA-1), so the same
input order gives the same ids. The state is bounded by the window (event time: the newest
``published_at`` seen is the clock) and by the per-story caps in :mod:`shared.limits`.
"""

from __future__ import annotations

import hashlib
import heapq
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from pydantic import BaseModel, ConfigDict, field_validator

from services.stories.features import NameFinder, Terms, name_terms, word_terms
from services.stories.index import StoryIndex, capped, keep_members, merged
from services.stories.state import AssignmentRecord, MemberRecord, StateRecord, StoryRecord
from shared.errors import InvalidArticle
from shared.limits import (MAX_TITLE_CHARS, STORY_MAX_ARTICLE_TERMS, STORY_MAX_CANDIDATES, STORY_MAX_ENTITIES,
                           STORY_WINDOW)
from shared.models import EnrichedArticle

#: the clock of a stream whose very first article has no time (later ones take the stream's clock)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

__all__ = ["Assignment", "ClusterSettings", "StoryArticle", "StoryClusterer", "hour_of", "story_id_for"]


class StoryArticle(BaseModel):
    """What clustering reads of an article (a ``newsflow cluster --jsonl`` line, or enrich's output)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str
    title: str
    text: str = ""
    published_at: datetime | None = None
    source: str | None = None
    language: str | None = None
    actors: list[str] = []
    places: list[str] = []
    topics: list[str] = []
    duplicate_of: str | None = None

    @field_validator("id")
    @classmethod
    def _id_present(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value

    @field_validator("published_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("needs a time zone (e.g. 2025-02-18T10:00:00Z)")
        return value

    @classmethod
    def from_enriched(cls, event: EnrichedArticle) -> StoryArticle:
        """The pipeline's adapter: canonical actors and places, topic labels, dedup's verdict."""
        a = event.article
        return cls(id=a.id, title=a.title, text=a.body, published_at=a.published_at or a.received_at,
                   source=a.source, language=a.language, actors=[x.name for x in event.actors],
                   places=[p.name for p in event.places], topics=[t.label for t in event.topics],
                   duplicate_of=a.duplicate_of)


@dataclass(frozen=True)
class ClusterSettings:
    """Tuned on the dev half of ``tests/data/stories-gold.jsonl`` (``make eval-stories``)."""

    window: timedelta = STORY_WINDOW
    threshold: float = 0.28
    w_centroid: float = 1.0
    w_member: float = 0.6
    w_names: float = 0.8
    #: names count fully only with this much word similarity too (the same actor in another
    #: event, e.g. a second visit of the same president, shares names but few words)
    names_gate: float = 0.3
    #: stories assumed open besides the real ones when computing IDF, so a near-empty state
    #: (a fresh start) does not make every shared word look rare
    idf_prior: int = 200
    #: no time penalty within this distance of the story's last article
    grace: timedelta = timedelta(hours=24)
    #: beyond the grace, the score halves every ``half_life``
    half_life: timedelta = timedelta(hours=36)


@dataclass(frozen=True)
class Assignment:
    """What one :meth:`StoryClusterer.assign_with_changes` did, for persisting it."""

    story_id: str
    new_story: bool
    #: records to write (the changed story and the article's assignment); empty on a re-process
    records: list[StateRecord] = field(default_factory=list)
    #: keys that left the window: write tombstones for them
    evicted: list[str] = field(default_factory=list)
    #: the story as it stands after this article (the summary's source); the current one on a re-process
    story: StoryRecord | None = None


def story_id_for(first_article_id: str) -> str:
    return "s-" + hashlib.sha1(first_article_id.encode("utf-8")).hexdigest()[:16]


def _validate(article: StoryArticle) -> None:
    if not article.title.strip() and not article.text.strip():
        raise InvalidArticle("stories: an article needs a title or a text")
    if len(article.title) > MAX_TITLE_CHARS:
        raise InvalidArticle(f"stories: title longer than {MAX_TITLE_CHARS} characters")


class StoryClusterer:
    """The clustering state and its one decision function. Not thread-safe (one per partition set)."""

    def __init__(self, settings: ClusterSettings | None = None, names: NameFinder | None = None) -> None:
        self.settings = settings or ClusterSettings()
        self._names = names or NameFinder()
        self._index = StoryIndex(self.settings.idf_prior)
        self._assigned: dict[str, AssignmentRecord] = {}
        self._assigned_by_time: list[tuple[datetime, str]] = []  # a heap, for eviction
        self._clock: datetime | None = None
        self._seq = 0

    # ------------------------------------------------------------------ the decision

    def assign(self, article: StoryArticle) -> str:
        """The story id of ``article`` (joining or starting a story). Raises InvalidArticle on bad input."""
        return self.assign_with_changes(article).story_id

    def assign_with_changes(self, article: StoryArticle) -> Assignment:
        _validate(article)
        earlier = self._assigned.get(article.id)
        if earlier is not None and (current := self._index.get(earlier.story_id)) is not None:
            return Assignment(earlier.story_id, new_story=False, story=current)
        at = article.published_at or self._clock or _EPOCH
        evicted = self._advance(at)
        words = capped(word_terms(article.title, article.text), words=True, limit=STORY_MAX_ARTICLE_TERMS)
        names = name_terms(self._article_names(article))
        story = self._duplicate_story(article) or self._best_story(words, names, at)
        new_story = story is None
        member = MemberRecord(id=article.id, at=at, words=words, norm=self._index.norm(words))
        if story is None:
            self._seq += 1
            story = StoryRecord(story_id=story_id_for(article.id), seq=self._seq, title=article.title,
                                first_seen=at, last_seen=at, article_count=0, sources=[], languages=[],
                                words={}, names={}, members=[])
        story = self._index.put(_joined(story, member, names, article, self.settings.window))
        record = AssignmentRecord(article_id=article.id, story_id=story.story_id, at=at)
        self._remember(record)
        return Assignment(story.story_id, new_story, [story, record], evicted, story)

    def _article_names(self, article: StoryArticle) -> list[str]:
        given = article.actors + article.places
        found = given if given else self._names.find(article.title, article.text)
        return found + article.topics

    def _duplicate_story(self, article: StoryArticle) -> StoryRecord | None:
        original = self._assigned.get(article.duplicate_of or "")
        return self._index.get(original.story_id) if original is not None else None

    def _best_story(self, words: Terms, names: Terms, at: datetime) -> StoryRecord | None:
        s, index = self.settings, self._index
        best = s.threshold
        chosen: StoryRecord | None = None
        query = index.query(words, names)  # index.cosine's numbers, with the article's side computed once
        for story in index.candidates(words, names, STORY_MAX_CANDIDATES):
            time_factor = self._time_factor(at, story)
            if time_factor <= 0.0:
                continue
            centroid, names_cos, bound = query.parts(story)
            # the score grows with the member part: if even its bound cannot win, skip the members
            if self._score(time_factor, centroid, bound, names_cos) < best:
                continue
            score = self._score(time_factor, centroid, query.member(story), names_cos)
            # ties go to the older story, so the decision never depends on dict order
            if score > best or (score == best and (chosen is None or story.seq < chosen.seq)):
                best, chosen = score, story
        return chosen

    def _score(self, time_factor: float, centroid: float, member: float, names: float) -> float:
        s = self.settings
        gate = min(1.0, max(centroid, member) / s.names_gate) if s.names_gate > 0 else 1.0
        return time_factor * (s.w_centroid * centroid + s.w_member * member + s.w_names * (names * gate))

    def _time_factor(self, at: datetime, story: StoryRecord) -> float:
        gap = max(story.first_seen - at, at - story.last_seen, timedelta(0))
        if gap > self.settings.window:
            return 0.0
        over = max(gap - self.settings.grace, timedelta(0))
        return math.pow(0.5, over / self.settings.half_life)

    # ------------------------------------------------------------------ the window

    def _advance(self, at: datetime) -> list[str]:
        if self._clock is not None and at <= self._clock:
            return []
        self._clock = at
        horizon = at - self.settings.window
        evicted = [s.key() for s in self._index.evict_before(horizon)]
        stale: list[str] = []
        while self._assigned_by_time and self._assigned_by_time[0][0] < horizon:
            _, article_id = heapq.heappop(self._assigned_by_time)
            stale.append(self._assigned.pop(article_id).key())
        return evicted + stale

    def _remember(self, record: AssignmentRecord) -> None:
        self._assigned[record.article_id] = record
        heapq.heappush(self._assigned_by_time, (record.at, record.article_id))

    # ------------------------------------------------------------------ persistence

    def records(self) -> list[StateRecord]:
        """Every live record (stories in creation order, then assignments)."""
        return [*self._index.stories(), *self._assigned.values()]

    @classmethod
    def from_records(cls, records: Iterable[StateRecord], settings: ClusterSettings | None = None,
                     names: NameFinder | None = None) -> StoryClusterer:
        """A clusterer that decides exactly as the one whose :meth:`records` these are."""
        clusterer = cls(settings, names)
        stories: list[StoryRecord] = []
        for record in records:
            if isinstance(record, StoryRecord):
                stories.append(record)
            else:
                clusterer._remember(record)
        for story in sorted(stories, key=lambda s: s.seq):
            clusterer._index.put(story, restored=True)
            clusterer._seq = max(clusterer._seq, story.seq)
        times = [r.at for r in clusterer._assigned.values()] + [s.last_seen for s in stories]
        clusterer._clock = max(times) if times else None
        return clusterer

    @property
    def size(self) -> tuple[int, int]:
        """(open stories, remembered assignments): what the window bounds."""
        return len(self._index), len(self._assigned)


def _joined(story: StoryRecord, member: MemberRecord, names: Terms, article: StoryArticle,
            window: timedelta) -> StoryRecord:
    sources = story.sources if not article.source or article.source in story.sources else [*story.sources, article.source]
    langs = story.languages if not article.language or article.language in story.languages else [
        *story.languages, article.language]
    return story.model_copy(update={
        "first_seen": min(story.first_seen, member.at), "last_seen": max(story.last_seen, member.at),
        "article_count": story.article_count + 1, "sources": sources[:64], "languages": langs,
        "words": capped(merged(story.words, member.words), words=True),
        "names": capped(merged(story.names, names), words=False),
        "members": keep_members([*story.members, member]),
        "actors": _counted(story.actors, article.actors), "places": _counted(story.places, article.places),
        "topics": _counted(story.topics, article.topics),
        "hours": _hours(story.hours, member.at, max(story.last_seen, member.at) - window),
    })


def hour_of(at: datetime) -> str:
    """The ``hours`` bucket of a time: its UTC hour, e.g. ``2025-02-18T10``."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H")


def _counted(counts: dict[str, int], names: list[str]) -> dict[str, int]:
    """``counts`` plus one per distinct name; the heaviest STORY_MAX_ENTITIES kept (ties: by name)."""
    out = dict(counts)
    for name in dict.fromkeys(n for n in names if n):
        out[name] = out.get(name, 0) + 1
    if len(out) <= STORY_MAX_ENTITIES:
        return out
    return dict(sorted(out.items(), key=lambda kv: (-kv[1], kv[0]))[:STORY_MAX_ENTITIES])


def _hours(hours: dict[str, int], at: datetime, horizon: datetime) -> dict[str, int]:
    """``hours`` with one more article in ``at``'s hour, buckets older than ``horizon``'s hour dropped."""
    out = dict(hours)
    out[hour_of(at)] = out.get(hour_of(at), 0) + 1
    oldest = hour_of(horizon)
    return {h: n for h, n in sorted(out.items()) if h >= oldest}

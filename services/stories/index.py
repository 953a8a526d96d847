"""The open stories, their term statistics and an inverted index for finding candidates.

IDF is over open stories, not articles: ``idf(t) = ln((N + 1) / (df(t) + 1)) + 1`` with N the
open stories and df(t) those whose centroid or names hold t. It is derived from the story
records alone, so a clusterer restored from its records computes the very same scores.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterator
from datetime import datetime

from services.stories.features import Terms
from services.stories.state import MemberRecord, StoryRecord
from shared.limits import STORY_MAX_ENTITIES, STORY_MAX_MEMBERS, STORY_MAX_TERMS

__all__ = ["StoryIndex", "capped", "keep_members", "merged"]

#: A term held by more open stories than this share (once there are enough of them) finds no
#: candidates: it would pull in half the state and decide nothing.
_COMMON_SHARE = 0.05
_MIN_STORIES_FOR_COMMON = 200


def merged(a: Terms, b: Terms) -> Terms:
    out = dict(a)
    for term, weight in b.items():
        out[term] = out.get(term, 0.0) + weight
    return out


def capped(terms: Terms, *, words: bool, limit: int | None = None) -> Terms:
    """The heaviest terms (ties: the smaller term id), so the cap is deterministic."""
    limit = limit if limit is not None else STORY_MAX_TERMS if words else STORY_MAX_ENTITIES
    if len(terms) <= limit:
        return terms
    kept = sorted(terms.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    return dict(kept)


def keep_members(members: list[MemberRecord]) -> list[MemberRecord]:
    """The first member (what the story was about) and the latest ones (where it is going)."""
    if len(members) <= STORY_MAX_MEMBERS:
        return members
    return [members[0], *members[-(STORY_MAX_MEMBERS - 1):]]


class StoryIndex:
    def __init__(self, idf_prior: int = 0) -> None:
        self._idf_prior = idf_prior
        self._idf_cache: dict[int, float] = {}  # valid until the next change of the state
        self._stories: dict[str, StoryRecord] = {}
        self._df: dict[int, int] = {}
        self._postings: dict[int, set[str]] = {}
        self._by_last_seen: list[tuple[datetime, int, str]] = []

    def __len__(self) -> int:
        return len(self._stories)

    def get(self, story_id: str) -> StoryRecord | None:
        return self._stories.get(story_id)

    def stories(self) -> list[StoryRecord]:
        return sorted(self._stories.values(), key=lambda s: s.seq)

    def put(self, story: StoryRecord, *, restored: bool = False) -> StoryRecord:
        """Store ``story`` (its norms recomputed, unless ``restored`` from records that hold them)."""
        self._idf_cache.clear()
        old = self._stories.get(story.story_id)
        old_terms = set(old.words) | set(old.names) if old is not None else set()
        new_terms = set(story.words) | set(story.names)
        for term in old_terms - new_terms:
            self._unpost(term, story.story_id)
        for term in new_terms - old_terms:
            self._df[term] = self._df.get(term, 0) + 1
            self._postings.setdefault(term, set()).add(story.story_id)
        if not restored:
            story = story.model_copy(update={"words_norm": self.norm(story.words), "names_norm": self.norm(story.names)})
        self._stories[story.story_id] = story
        if old is None or old.last_seen != story.last_seen:
            heapq.heappush(self._by_last_seen, (story.last_seen, story.seq, story.story_id))
        return story

    def _unpost(self, term: int, story_id: str) -> None:
        count = self._df[term] - 1
        if count:
            self._df[term] = count
            self._postings[term].discard(story_id)
        else:
            del self._df[term]
            del self._postings[term]

    def evict_before(self, horizon: datetime) -> list[StoryRecord]:
        """Remove (and return) the stories whose last article is older than ``horizon``."""
        gone: list[StoryRecord] = []
        heap = self._by_last_seen
        self._idf_cache.clear()
        while heap and heap[0][0] < horizon:
            last_seen, _, story_id = heapq.heappop(heap)
            story = self._stories.get(story_id)
            if story is None or story.last_seen != last_seen:
                continue  # a stale heap entry: the story moved on (or is gone already)
            for term in set(story.words) | set(story.names):
                self._unpost(term, story_id)
            del self._stories[story_id]
            gone.append(story)
        return gone

    # ------------------------------------------------------------------ scoring

    def idf(self, term: int) -> float:
        value = self._idf_cache.get(term)
        if value is None:
            value = math.log((len(self._stories) + self._idf_prior + 1) / (self._df.get(term, 0) + 1)) + 1.0
            self._idf_cache[term] = value
        return value

    def cosine(self, a: Terms, a_norm: float, b: Terms, b_norm: float) -> float:
        """Cosine of the IDF-weighted, sublinear (1 + ln tf) vectors; 0 if either is empty.

        The loop runs over the smaller side; the norms are given.
        """
        if a_norm == 0.0 or b_norm == 0.0:
            return 0.0
        if len(b) < len(a):
            a, b = b, a
        dot = 0.0
        for term, weight in a.items():
            other = b.get(term)
            if other is not None:
                dot += _tf(weight) * _tf(other) * self.idf(term) ** 2
        return dot / (a_norm * b_norm)

    def norm(self, terms: Terms) -> float:
        return math.sqrt(sum((_tf(w) * self.idf(t)) ** 2 for t, w in terms.items()))

    def candidates(self, words: Terms, names: Terms, limit: int) -> Iterator[StoryRecord]:
        """Open stories sharing rare-enough terms, best pre-score first (ties: older story)."""
        n = len(self._stories)
        common = n * _COMMON_SHARE if n >= _MIN_STORIES_FOR_COMMON else math.inf
        pre: dict[str, float] = {}
        for terms in (words, names):
            for term in terms:
                posting = self._postings.get(term)
                if not posting or len(posting) > common:
                    continue
                gain = self.idf(term) ** 2
                for story_id in posting:
                    pre[story_id] = pre.get(story_id, 0.0) + gain
        ranked = sorted(pre.items(), key=lambda kv: (-kv[1], self._stories[kv[0]].seq))[:limit]
        for story_id, _ in ranked:
            yield self._stories[story_id]


def _tf(weight: float) -> float:
    return 1.0 + math.log(weight) if weight >= 1.0 else weight

"""The open stories, their term statistics and an inverted index for finding candidates.

IDF is over open stories, not articles: ``idf(t) = ln((N + 1) / (df(t) + 1)) + 1`` with N the
open stories and df(t) those whose centroid or names hold t. It is derived from the story
records alone, so a clusterer restored from its records computes the very same scores.

Speed (one article is compared with up to 40 stories and their 12 members each): the index
keeps each open story's vectors with the sublinear tf already applied (:class:`_Vectors`), and
:meth:`StoryIndex.query` applies tf and IDF to the article once; :class:`Query` then scores a
story with dictionary look-ups only. The arithmetic and its order are those of
:meth:`StoryIndex.cosine`, so the scores are the same to the last bit (tested).
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterator
from datetime import datetime

from services.stories.features import Terms
from services.stories.state import MemberRecord, StoryRecord
from shared.limits import STORY_MAX_ENTITIES, STORY_MAX_MEMBERS, STORY_MAX_TERMS

__all__ = ["Query", "StoryIndex", "capped", "keep_members", "merged"]

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


class _Vectors:
    """One open story's vectors with tf applied (same keys, same order as the record's)."""

    __slots__ = ("member_max", "member_min_norm", "members", "names", "words")
    words: tuple[dict[int, float], float]
    names: tuple[dict[int, float], float]
    members: list[tuple[dict[int, float], float]]
    #: per term the largest tf any kept member has, and the smallest member norm: with them one
    #: pass over the article bounds every member's cosine from above (Query.member_bound)
    member_max: dict[int, float]
    member_min_norm: float

    def __init__(self, story: StoryRecord, before: tuple[StoryRecord, _Vectors] | None = None) -> None:
        self.words = _tf_of(story.words), story.words_norm
        self.names = _tf_of(story.names), story.names_norm
        # a join keeps most members as they were (the very same records): their vectors too
        kept = {id(m): v for m, v in zip(before[0].members, before[1].members)} if before else {}
        self.members = [kept.get(id(m)) or (_tf_of(m.words), m.norm) for m in story.members]
        top: dict[int, float] = {}
        for words, _ in self.members:
            for term, weight in words.items():
                if weight > top.get(term, 0.0):
                    top[term] = weight
        self.member_max = top
        self.member_min_norm = min((norm for _, norm in self.members if norm > 0.0), default=0.0)  # 0: cosine 0


class StoryIndex:
    def __init__(self, idf_prior: int = 0) -> None:
        self._idf_prior = idf_prior
        #: idf by document frequency: it depends on nothing else while the open stories' number holds
        self._idf_by_df: dict[int, float] = {}
        self._idf_n = -1
        self._stories: dict[str, StoryRecord] = {}
        self._vectors: dict[str, _Vectors] = {}
        self._seq: dict[str, int] = {}
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
        before = (old, self._vectors[story.story_id]) if old is not None else None
        self._vectors[story.story_id] = _Vectors(story, before)
        self._seq[story.story_id] = story.seq
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
        while heap and heap[0][0] < horizon:
            last_seen, _, story_id = heapq.heappop(heap)
            story = self._stories.get(story_id)
            if story is None or story.last_seen != last_seen:
                continue  # a stale heap entry: the story moved on (or is gone already)
            for term in set(story.words) | set(story.names):
                self._unpost(term, story_id)
            del self._stories[story_id], self._vectors[story_id], self._seq[story_id]
            gone.append(story)
        return gone

    # ------------------------------------------------------------------ scoring

    def idf(self, term: int) -> float:
        n = len(self._stories)
        if n != self._idf_n:
            self._idf_by_df.clear()
            self._idf_n = n
        df = self._df.get(term, 0)
        value = self._idf_by_df.get(df)
        if value is None:
            value = math.log((n + self._idf_prior + 1) / (df + 1)) + 1.0
            self._idf_by_df[df] = value
        return value

    def query(self, words: Terms, names: Terms) -> Query:
        """An article's words and names ready to be scored against open stories (until the next change)."""
        return Query(self, words, names)

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
        get = pre.get
        for terms in (words, names):
            for term in terms:
                posting = self._postings.get(term)
                if not posting or len(posting) > common:
                    continue
                gain = self.idf(term) ** 2
                for story_id in posting:
                    pre[story_id] = get(story_id, 0.0) + gain
        if len(pre) > limit:  # the limit-th best pre-score, found without keys; only those at or above it are sorted
            floor = heapq.nlargest(limit, pre.values())[-1]
            pre = {story_id: value for story_id, value in pre.items() if value >= floor}
        seq = self._seq
        # the same order as sorting all of them (keys are unique: seq breaks every tie)
        ranked = sorted(pre.items(), key=lambda kv: (-kv[1], seq[kv[0]]))[:limit]
        for story_id, _ in ranked:
            yield self._stories[story_id]

    def vectors(self, story_id: str) -> _Vectors:
        return self._vectors[story_id]


class Query:
    """One article scored against open stories: :meth:`StoryIndex.cosine`'s numbers, computed faster.

    Valid while the index does not change (IDF moves with every story stored or evicted).
    """

    __slots__ = ("_index", "_names", "_words")

    def __init__(self, index: StoryIndex, words: Terms, names: Terms) -> None:
        self._index = index
        self._words = _Side(index, words)
        self._names = _Side(index, names)

    @property
    def words_norm(self) -> float:
        return self._words.norm

    @property
    def names_norm(self) -> float:
        return self._names.norm

    def centroid(self, story: StoryRecord) -> float:
        """cos(article words, the story's centroid)."""
        return self._words.cosine(self._index.vectors(story.story_id).words)

    def member(self, story: StoryRecord) -> float:
        """The best cos(article words, one kept member's words); 0 for a story without members.

        :meth:`_Side.cosine` inlined: this loop is most of the time an article takes.
        """
        side = self._words
        a, idf2, size, a_norm = side.tf, side.idf2, side.size, side.norm
        best = 0.0
        if a_norm == 0.0:
            return best
        for b, b_norm in self._index.vectors(story.story_id).members:
            if b_norm == 0.0:
                value = 0.0
            else:
                dot = 0.0
                if len(b) < size:
                    for term, weight in b.items():
                        mine = a.get(term)
                        if mine is not None:
                            dot += weight * mine * idf2[term]
                else:
                    for term, weight in a.items():
                        theirs = b.get(term)
                        if theirs is not None:
                            dot += weight * theirs * idf2[term]
                value = dot / (a_norm * b_norm)
            if value > best:
                best = value
        return best

    def parts(self, story: StoryRecord) -> tuple[float, float, float]:
        """``(centroid(story), names(story), member_bound(story))`` in one call: the per-candidate
        price on short articles is mostly calls and look-ups, not arithmetic."""
        v = self._index.vectors(story.story_id)
        return self._words.cosine(v.words), self._names.cosine(v.names), self._bound(v)

    def member_bound(self, story: StoryRecord) -> float:
        """At least :meth:`member` (never less), at the cost of one cosine instead of one per member.

        Each member's dot product is at most the article's against the members' largest tf per
        term, and its norm at least the smallest member norm; the factor covers rounding.
        """
        return self._bound(self._index.vectors(story.story_id))

    def _bound(self, v: _Vectors) -> float:
        side = self._words
        if side.norm == 0.0 or v.member_min_norm == 0.0:
            return 0.0
        top, idf2 = v.member_max, side.idf2
        dot = 0.0
        for term, weight in side.tf.items():
            theirs = top.get(term)
            if theirs is not None:
                dot += weight * theirs * idf2[term]
        return dot / (side.norm * v.member_min_norm) * (1.0 + 1e-9)

    def names(self, story: StoryRecord) -> float:
        """cos(article names, the story's names)."""
        return self._names.cosine(self._index.vectors(story.story_id).names)


class _Side:
    """An article's terms with tf and squared IDF applied, and its norm."""

    __slots__ = ("idf2", "norm", "size", "tf")

    def __init__(self, index: StoryIndex, terms: Terms) -> None:
        self.tf = _tf_of(terms)
        self.idf2 = {t: index.idf(t) ** 2 for t in terms}
        self.norm = index.norm(terms)
        self.size = len(terms)

    def cosine(self, other: tuple[dict[int, float], float]) -> float:
        """As StoryIndex.cosine: the loop over the smaller side, each product tf*tf*idf^2, in that order."""
        b, b_norm = other
        if self.norm == 0.0 or b_norm == 0.0:
            return 0.0
        dot = 0.0
        if len(b) < self.size:
            a, idf2 = self.tf, self.idf2
            for term, weight in b.items():
                mine = a.get(term)
                if mine is not None:
                    dot += weight * mine * idf2[term]
        else:
            idf2 = self.idf2
            for term, weight in self.tf.items():
                theirs = b.get(term)
                if theirs is not None:
                    dot += weight * theirs * idf2[term]
        return dot / (self.norm * b_norm)


def _tf_of(terms: Terms) -> dict[int, float]:
    return {t: _tf(w) for t, w in terms.items()}


def _tf(weight: float) -> float:
    return 1.0 + math.log(weight) if weight >= 1.0 else weight

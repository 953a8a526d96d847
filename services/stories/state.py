"""The stories stage's state as records, for a compacted topic (or any key-value store).

Two record kinds, one model each, keyed so that compaction keeps exactly the live state:

* :class:`StoryRecord`, key ``story:<story_id>``: one open story (its centroid, names, a few
  member vectors, first and last seen). Written each time the story changes.
* :class:`AssignmentRecord`, key ``article:<article_id>``: which story an article joined, so a
  replayed or re-processed article gets its earlier story back.

When a story or an assignment falls out of the time window, its key gets a tombstone (the
``evicted`` keys of :class:`services.stories.logic.Assignment`). Restoring from the live
records (:meth:`services.stories.logic.StoryClusterer.from_records`) rebuilds a clusterer that
makes exactly the same decisions as the one that wrote them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class MemberRecord(BaseModel):
    """One member article's own terms, kept for nearest-member matching."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    at: datetime
    words: dict[int, float]
    norm: float = Field(description="norm of the IDF-weighted words when the member joined")


class StoryRecord(BaseModel):
    """One open story (key ``story:<story_id>``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: Literal[1] = 1
    kind: Literal["story"] = "story"
    story_id: str
    seq: int = Field(description="creation order; breaks ties so decisions are deterministic")
    title: str = Field(description="the first article's title")
    first_seen: datetime
    last_seen: datetime
    article_count: int
    sources: list[str]
    languages: list[str]
    words: dict[int, float] = Field(description="centroid: summed word-term counts, the heaviest kept")
    names: dict[int, float] = Field(description="summed name-term counts, the heaviest kept")
    #: norms of the IDF-weighted centroid and names as of the story's last change: stored, not
    #: recomputed per comparison (that was 90 % of the time), and restored exactly as written
    words_norm: float = 0.0
    names_norm: float = 0.0
    members: list[MemberRecord]

    def key(self) -> str:
        return f"story:{self.story_id}"


class AssignmentRecord(BaseModel):
    """An article's story (key ``article:<article_id>``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: Literal[1] = 1
    kind: Literal["article"] = "article"
    article_id: str
    story_id: str
    at: datetime

    def key(self) -> str:
        return f"article:{self.article_id}"


StateRecord = StoryRecord | AssignmentRecord

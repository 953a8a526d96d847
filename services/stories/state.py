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

from shared.models import AssignmentRecord, MemberRecord, StoryRecord

__all__ = ["AssignmentRecord", "MemberRecord", "StateRecord", "StoryRecord"]

StateRecord = StoryRecord | AssignmentRecord

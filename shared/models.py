"""Event contracts: one frozen pydantic model per topic, each with a ``schema_version``.

Every topic's model, its producer and its consumers are registered in :mod:`shared.topics`.
A consumer decodes with :func:`decode`, which upgrades older known versions and rejects
unknown newer ones with :class:`shared.errors.InvalidArticle` (so they go to dead letters).
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal, Self

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, model_validator


class Event(BaseModel):
    """Base of every event: frozen, unknown fields rejected so contract drift is loud."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: int


class OneOf(Event):
    """A state record of two kinds: exactly one of the fields named in ``KINDS`` is set (the
    record's key says which kind, ``<kind>:<id>``)."""

    KINDS: ClassVar[tuple[str, str]]

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        if sum(getattr(self, kind) is not None for kind in self.KINDS) != 1:
            raise ValueError(f"a {type(self).__name__} record holds exactly one of {' or '.join(self.KINDS)}")
        return self


# --------------------------------------------------------------------------- raw


class ArticleFields(BaseModel):
    """The fields an article has as submitted and as accepted: named once, for both contracts
    (``services.ingest.logic.ArticleSubmission`` and :class:`RawArticle`)."""

    url: str | None = None
    title: str | None = None
    body: str | None = None
    html: str | None = None
    published_at: datetime | None = None
    source: str | None = None
    language: str | None = None
    author: str | None = None


class RawArticle(ArticleFields, Event):
    """An article as accepted by ingest (topic ``articles.raw``).

    Either ``body`` (plain text) or ``html`` (a full page or fragment) is present.
    ``id`` is deterministic (see :func:`shared.ids.article_id`) so replays overwrite.
    """

    schema_version: Literal[1] = 1
    id: str
    origin: str = Field(default="http", description="how it came in: http, file, feed, kafka")
    received_at: datetime


# --------------------------------------------------------------------------- clean


class CleanArticle(Event):
    """An article after cleaning (topic ``articles.clean``): plain text, normalised."""

    schema_version: Literal[1] = 1
    id: str
    url: str | None = None
    canonical_url: str | None = None
    title: str
    body: str
    published_at: datetime | None = None
    published_at_source: str | None = Field(
        default=None, description="where published_at came from: input, feed, page-meta, text"
    )
    source: str | None = None
    language: str | None = None
    language_source: str | None = None
    author: str | None = None
    content_hash: str
    duplicate_of: str | None = None
    received_at: datetime


# --------------------------------------------------------------------------- enriched


class Mention(BaseModel):
    """A span of the cleaned text (``title + "\\n\\n" + body``) that named the entity."""

    model_config = ConfigDict(frozen=True)

    text: str
    start: int
    end: int


class Entity(BaseModel):
    """What an actor and a place both are: a canonical name, the other names the text used for it,
    each mention, and how it was found (``method``, with a ``confidence``)."""

    model_config = ConfigDict(frozen=True)

    name: str
    aliases: list[str] = []
    count: int = 1
    mentions: list[Mention] = []
    method: str
    confidence: float = 1.0


class Actor(Entity):
    type: Literal["person", "organisation"]
    roles: list[str] = []
    method: str = "model"


class Place(Entity):
    geonameid: int | None = None
    country_code: str | None = None
    feature: str | None = Field(default=None, description="country, admin1, city, region")
    lat: float | None = None
    lon: float | None = None
    method: str = "gazetteer"


class Topic(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str = Field(description="IPTC Media Topic code, e.g. medtop:16000000")
    label: str
    parent: str | None = None
    score: float
    method: str = "lexicon"


class EnrichedArticle(Event):
    """A cleaned article with actors, places and topics (topic ``articles.enriched``)."""

    schema_version: Literal[1] = 1
    article: CleanArticle
    actors: list[Actor] = []
    places: list[Place] = []
    topics: list[Topic] = []
    keywords: list[str] = []
    enrichment_version: str


# --------------------------------------------------------------------------- storied


class StorySummary(BaseModel):
    """A story as of one article joining it: what the ``stories`` index stores under ``id``.

    ``revision`` is the story's article count after that join. The index stage writes the story
    document with ``version_type=external_gte`` and this revision, so whatever order the writes
    arrive in (or are replayed in) the stories index keeps the newest summary.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    revision: int = Field(ge=1)
    title: str = Field(description="representative title: the story's first article's")
    first_seen: datetime
    last_seen: datetime
    article_count: int = Field(ge=1)
    sources: list[str] = []
    languages: list[str] = []
    actors: list[str] = Field(default=[], description="most mentioned canonical actors, most first")
    places: list[str] = Field(default=[], description="most mentioned canonical places, most first")
    topics: list[str] = Field(default=[], description="most frequent topic labels, most first")
    recent_count: int = Field(default=1, description="articles in the 24 hours up to last_seen (growth)")


class StoriedArticle(EnrichedArticle):
    """An enriched article with the story it joined (topic ``articles.storied``)."""

    story: StorySummary


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
    #: canonical names and topic labels with their counts over the members (the summary's top
    #: lists; capped at STORY_MAX_ENTITIES each, heaviest kept)
    actors: dict[str, int] = {}
    places: dict[str, int] = {}
    topics: dict[str, int] = {}
    #: articles per hour ("2025-02-18T10"), within the window: the summary's recent_count
    hours: dict[str, int] = {}

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


class StoryState(OneOf):
    """One record of the compacted topic ``newsflow.story-state``: exactly one of ``story`` (key
    ``story:<id>``) or ``assignment`` (key ``article:<id>``); see :mod:`services.stories.state`."""

    KINDS = ("story", "assignment")
    schema_version: Literal[1] = 1
    story: StoryRecord | None = None
    assignment: AssignmentRecord | None = None


# --------------------------------------------------------------------------- dead letters


class DeadLetter(Event):
    """A message a stage could not process (topic ``articles.dead-letter``).

    ``payload`` is a readable preview of the original value (its first 64 KiB, decoded as UTF-8
    with bad bytes replaced); ``payload_b64`` keeps the exact bytes so a replay re-sends them
    unchanged (empty only if they were too large to keep, which ``reason`` then says).
    """

    schema_version: Literal[1] = 1
    stage: str
    topic: str
    partition: int | None = None
    offset: int | None = None
    key: str | None = None
    error_class: str
    reason: str
    payload: str
    payload_b64: str
    failed_at: datetime
    #: where the message came from when not a topic (a feed URL); ``topic`` is then empty
    source: str | None = None



# --------------------------------------------------------------------------- state topics


class DedupEntry(Event):
    """One original's duplicate signature (compacted topic ``newsflow.dedup-state``, key: article id).

    Entries written before this model carried their version as ``v``; both spellings are read.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    schema_version: Literal[1] = Field(default=1, validation_alias=AliasChoices("schema_version", "v"))
    id: str
    url: str | None = None
    hash: str
    minhash: list[int] | None = None
    scheme: str = "affine32"
    seq: int


class AliasCorrection(Event):
    """An operator's alias correction (compacted topic ``newsflow.aliases``, key: the folded alias).

    An empty ``canonical`` removes the alias. Records written before this model had no
    ``schema_version``: version 0 is upgraded on read.
    """

    schema_version: Literal[1] = 1
    alias: str = Field(min_length=1)
    canonical: str = ""
    type: str | None = None
    source: str = "operator"


class FeedValidators(BaseModel):
    """A feed's ETag / Last-Modified as of the last response whose items were all handled."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    url: str
    etag: str | None = None
    last_modified: str | None = None
    updated_at: datetime


class SeenItem(BaseModel):
    """A feed item that was produced or dead-lettered (acked either way), so never emitted twice."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    feed_url: str
    guid: str
    article_id: str | None = None
    outcome: Literal["emitted", "dead-lettered"]
    seen_at: datetime


class FeedState(OneOf):
    """One record of the compacted topic ``newsflow.feed-state``: exactly one of ``feed`` (key
    ``feed:<url>``) or ``item`` (key ``item:<hash>``). Version 1 held both kinds' fields flat,
    told apart by ``kind``; it is upgraded on read."""

    KINDS = ("feed", "item")
    schema_version: Literal[2] = 2
    feed: FeedValidators | None = None
    item: SeenItem | None = None

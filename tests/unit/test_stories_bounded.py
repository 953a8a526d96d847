"""Issue 13's bar: the clustering state stays bounded when the stream runs for the window and longer.

Ten days of synthetic articles at a steady rate (one every 10 minutes, a new event every few
articles, each event a few hours long, plus one story that never stops) through a clusterer
with the 3-day window. Once the window has passed, the open stories, the remembered
assignments and the bytes of the serialized records (what the compacted state topic holds)
stop growing. The same check over the same stream with eviction off (a window longer than
the stream) must fail, or it would prove nothing.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from services.stories.logic import ClusterSettings, StoryArticle, StoryClusterer
from services.stories.state import StoryRecord
from shared.limits import STORY_MAX_ENTITIES, STORY_MAX_MEMBERS, STORY_MAX_TERMS, STORY_WINDOW

T0 = datetime(2025, 1, 1, tzinfo=UTC)
DAYS = 10
EVERY = timedelta(minutes=10)
_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _word(rng: random.Random) -> str:
    return "".join(rng.choices(_LETTERS, k=rng.randint(6, 9)))


def stream(seed: int = 3) -> list[StoryArticle]:
    rng = random.Random(seed)
    common = [_word(rng) for _ in range(300)]
    events: list[tuple[list[str], list[str]]] = []
    out = []
    for n in range(int(timedelta(days=DAYS) / EVERY)):
        at = T0 + n * EVERY
        if n % 6 == 0:  # the story that never stops: new outlets and new names all along
            out.append(StoryArticle(id=f"hot{n}", title="Volcano eruption continues on Reykjanes peninsula",
                                    text="Lava flows towards Grindavik. " + " ".join(rng.sample(common, 30)),
                                    published_at=at, source=f"outlet{n}", language="en",
                                    actors=[f"Person {_word(rng).title()}"], places=["Grindavik", "Iceland"],
                                    topics=["disaster"]))
            continue
        if not events or rng.random() < 0.3:
            events.append(([_word(rng) for _ in range(6)], [f"{_word(rng).title()} {_word(rng).title()}"]))
        words, names = events[max(0, len(events) - 1 - int(rng.expovariate(1 / 3)))]
        body = rng.sample(words, 4) + rng.sample(common, 40)
        out.append(StoryArticle(id=f"a{n}", title=" ".join(rng.sample(words, 4)).capitalize(), text=" ".join(body),
                                published_at=at, source=f"s{n % 40}", language="en", actors=names))
    return out


def daily(clusterer: StoryClusterer, articles: list[StoryArticle]) -> list[tuple[int, int, int]]:
    """(open stories, assignments, serialized bytes) at the end of each day."""
    per_day = int(timedelta(days=1) / EVERY)
    out = []
    for n, article in enumerate(articles, start=1):
        clusterer.assign_with_changes(article)
        if n % per_day == 0:
            stories, assigned = clusterer.size
            out.append((stories, assigned, sum(len(r.model_dump_json()) for r in clusterer.records())))
    return out


def levels_off(series: list[int], after_day: int) -> bool:
    """After ``after_day`` the series stays within 10 % of its value that day (no growth, no collapse)."""
    ref = series[after_day - 1]
    return all(0.9 * ref <= value <= 1.1 * ref for value in series[after_day:])


def test_state_stops_growing_after_the_window_and_would_grow_without_eviction() -> None:
    articles = stream()
    window_days = STORY_WINDOW.days
    assert window_days == 3 and DAYS > 3 * window_days - 1  # the stream runs for the window and twice more
    bounded = StoryClusterer()
    days = daily(bounded, articles)
    stories, assigned, size = ([d[k] for d in days] for k in range(3))
    after = window_days + 1  # a day past the window, the oldest day of stories has gone
    assert levels_off(stories, after), stories
    assert levels_off(assigned, after), assigned
    assert levels_off(size, after), size
    # the assignments are those of the last window exactly (one article each 10 minutes)
    assert assigned[-1] <= STORY_WINDOW / EVERY + 1
    # the story open all ten days is bounded by the per-story caps, not by the window
    hot = [r for r in bounded.records() if isinstance(r, StoryRecord) and r.title.startswith("Volcano")]
    assert len(hot) == 1 and hot[0].article_count == len([a for a in articles if a.id.startswith("hot")])
    record = hot[0]
    assert len(record.members) <= STORY_MAX_MEMBERS and len(record.words) <= STORY_MAX_TERMS
    assert len(record.actors) <= STORY_MAX_ENTITIES and len(record.sources) <= 64
    assert len(record.hours) <= STORY_WINDOW / timedelta(hours=1) + 1

    # eviction off (a window longer than the stream): the same checks fail, so they measure something
    unbounded = StoryClusterer(ClusterSettings(window=timedelta(days=365)))
    off = daily(unbounded, articles)
    assert not levels_off([d[0] for d in off], after) and not levels_off([d[1] for d in off], after)
    assert not levels_off([d[2] for d in off], after)
    assert off[-1][1] == len(articles) and off[-1][2] > 2 * size[-1]

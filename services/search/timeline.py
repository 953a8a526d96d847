"""The timeline facet: a date histogram that never asks for more than MAX_TIMELINE_BUCKETS.

The number of buckets depends on the span of the matching articles, which only Elasticsearch
knows, so a search with facets asks twice: first the span (``span_body``: min and max
``published_at`` of the matching articles, inside the sane range), then the page with a
histogram whose interval is the one asked for, *coarsened* (hour -> day -> ... -> year) until
the span fits in MAX_TIMELINE_BUCKETS. The interval used is returned as ``timeline_interval``,
so a client sees when it got days instead of hours. The range is clamped to
[EARLIEST_PUBLISHED, now + FUTURE_SLACK], so an article dated 0001-01-01
by another producer cannot stretch the default timeline over two thousand years.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal, get_args

from shared.limits import EARLIEST_PUBLISHED, FUTURE_SLACK, MAX_TIMELINE_BUCKETS

Interval = Literal["hour", "day", "week", "month", "quarter", "year"]
INTERVALS: tuple[Interval, ...] = get_args(Interval)
#: the shortest each calendar interval can be, so that a bucket count is never underestimated
_SHORTEST = {"hour": timedelta(hours=1), "day": timedelta(days=1), "week": timedelta(days=7),
             "month": timedelta(days=28), "quarter": timedelta(days=89), "year": timedelta(days=365)}


def _as_datetime(value: date | datetime, end_of_day: bool = False) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.combine(value, time.max if end_of_day else time.min, tzinfo=UTC)


def clamp(date_from: date | datetime | None, date_to: date | datetime | None,
          now: datetime) -> tuple[datetime, datetime]:
    """The range a timeline may cover: the one asked for, inside the sane publication range."""
    lo, hi = EARLIEST_PUBLISHED, now + FUTURE_SLACK
    if date_from is not None:
        lo = min(max(lo, _as_datetime(date_from)), hi)
    if date_to is not None:
        hi = max(min(hi, _as_datetime(date_to, end_of_day=True)), lo)
    return lo, hi


def span_body(query: dict[str, Any], lo: datetime, hi: datetime) -> dict[str, Any]:
    """A size-0 request (cacheable) for the first and last date of what ``query`` matches."""
    return {
        "size": 0, "track_total_hits": False,
        "query": {"bool": {"filter": [query, {"range": {"published_at": {"gte": _iso(lo), "lte": _iso(hi)}}}]}},
        "aggs": {"first": {"min": {"field": "published_at"}}, "last": {"max": {"field": "published_at"}}},
    }


def span_of(resp: dict[str, Any]) -> tuple[datetime, datetime] | None:
    """(first, last) from the answer to :func:`span_body`; None when nothing matched."""
    aggs = resp.get("aggregations", {})
    first, last = aggs.get("first", {}).get("value"), aggs.get("last", {}).get("value")
    if first is None or last is None:
        return None
    return datetime.fromtimestamp(first / 1000, UTC), datetime.fromtimestamp(last / 1000, UTC)


def buckets(first: datetime, last: datetime, interval: Interval) -> int:
    """At most how many calendar buckets of ``interval`` cover [first, last]."""
    return int((last - first) / _SHORTEST[interval]) + 2


def wanted(asked: Interval | None, first: datetime, last: datetime) -> Interval:
    """The user's interval, else one that suits the span (days up to a quarter, weeks up to two years)."""
    if asked:
        return asked
    days = (last - first).days
    return "day" if days <= 92 else "week" if days <= 730 else "month"


@dataclass(frozen=True)
class Timeline:
    """The histogram one search asks for: its interval and the range it may cover."""

    interval: Interval
    lo: datetime
    hi: datetime

    @classmethod
    def choose(cls, asked: Interval | None, span: tuple[datetime, datetime] | None,
               bounds: tuple[datetime, datetime]) -> Timeline:
        """The asked (or suitable) interval, coarsened until the span fits in MAX_TIMELINE_BUCKETS."""
        first, last = span or bounds
        interval = wanted(asked, first, last)
        for candidate in INTERVALS[INTERVALS.index(interval):]:
            interval = candidate
            if buckets(first, last, candidate) <= MAX_TIMELINE_BUCKETS:
                break
        return cls(interval, first, last)

    def aggregation(self) -> dict[str, Any]:
        """The histogram over what lies in [lo, hi] only: its buckets run from the first to the
        last date found there. (``hard_bounds`` would say the same, but on Elasticsearch 9.2 it
        returns no buckets at all for a date histogram.)"""
        histogram = {"field": "published_at", "calendar_interval": self.interval, "min_doc_count": 0}
        return {"filter": {"range": {"published_at": {"gte": _iso(self.lo), "lte": _iso(self.hi)}}},
                "aggs": {"bars": {"date_histogram": histogram}}}

    @staticmethod
    def bars(aggregations: dict[str, Any]) -> list[dict[str, Any]]:
        """``[{"date", "count"}]`` from the response's aggregations."""
        found = aggregations.get("timeline", {}).get("bars", {}).get("buckets", [])
        return [{"date": b["key_as_string"], "count": b["doc_count"]} for b in found]


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"

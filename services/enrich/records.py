"""Working records shared by every language pipeline: candidates, entity groups, output builders.

An article's analysis is a sequence of named phases over one :class:`Analysis` record (see
``english.py`` and ``multilingual.py``); the phases fill ``groups`` and ``place_mentions`` and
:func:`finish_entities` turns them into the stage's ``Actor`` and ``Place`` models.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from shared.aliases import fold
from shared.models import Actor, Mention, Place

from .gazetteer import GeoEntry, Gazetteer

METHOD_RANK = {"alias": 4, "gazetteer": 3, "rule": 2, "model": 1}
PLACE_LABELS = frozenset({"GPE", "LOC", "FAC"})


@dataclass
class Cand:
    """A candidate mention: token range [i, j) in the doc and what it may be."""

    i: int
    j: int
    label: str  # spaCy label, or SCAN-* for token-scan hits
    roles: list[str] = field(default_factory=list)
    had_the: bool = False


@dataclass
class Group:
    """One entity of the article: its canonical name and every mention that resolved to it."""

    name: str
    kind: str  # person | organisation | place
    method: str
    confidence: float
    mentions: list[tuple[int, int]] = field(default_factory=list)
    surfaces: set[str] = field(default_factory=set)
    roles: set[str] = field(default_factory=set)
    geo: GeoEntry | None = None

    def add(self, start: int, end: int, surface: str, method: str, confidence: float) -> None:
        self.mentions.append((start, end))
        self.surfaces.add(surface)
        if METHOD_RANK.get(method, 0) > METHOD_RANK.get(self.method, 0):
            self.method = method
        self.confidence = max(self.confidence, confidence)


#: A place mention waiting for document-level resolution: surface, start, end, text, method, conf.
PlaceMention = tuple[str, int, int, str, str, float]


@dataclass
class Analysis:
    """Everything one article's analysis builds up, phase by phase."""

    text: str
    tokens: list[Any] = field(default_factory=list)
    lowers: list[str] = field(default_factory=list)
    cands: list[Cand] = field(default_factory=list)
    groups: dict[tuple[str, str], Group] = field(default_factory=dict)
    place_mentions: list[PlaceMention] = field(default_factory=list)
    demonyms: list[tuple[GeoEntry, int, int, str]] = field(default_factory=list)
    persons: list[tuple[Cand, str]] = field(default_factory=list)
    #: place surface -> entry already known (a foreign-language name the gazetteer cannot parse)
    fixed_places: dict[str, GeoEntry] = field(default_factory=dict)
    #: countries the article's language points to (a weak prior between namesakes: Valencia)
    context_countries: list[str] = field(default_factory=list)
    actors: list[Actor] = field(default_factory=list)
    places: list[Place] = field(default_factory=list)

    def actor_group(self, name: str, kind: str, method: str, conf: float) -> Group:
        key = (kind, fold(name))
        g = self.groups.get(key)
        if g is None:
            g = self.groups[key] = Group(name, kind, method, conf)
        return g

    def add_actor(self, name: str, kind: str, start: int, end: int, method: str, conf: float,
                  roles: Iterable[str] = ()) -> None:
        g = self.actor_group(name, kind, method, conf)
        g.add(start, end, self.text[start:end], method, conf)
        g.roles.update(roles)


def finish_entities(a: Analysis, gazetteer: Gazetteer) -> None:
    """Resolve the article's places together (demonyms add country evidence); build the outputs."""
    resolved = gazetteer.resolve_document(
        [p[0] for p in a.place_mentions if p[0] not in a.fixed_places],
        [d[0].country_code for d in a.demonyms if d[0].country_code] + a.context_countries,
    )
    place_groups: dict[str, Group] = {}
    for surface, start, end, mention_text, method, conf in a.place_mentions:
        fixed = a.fixed_places.get(surface)
        res = resolved.get(surface)
        entry = fixed if fixed is not None else res.entry if res is not None else None
        if entry is None:
            if method != "model":
                continue
            ug = place_groups.setdefault(f"unresolved:{fold(surface)}", Group(surface, "place", "model", conf))
            ug.add(start, end, mention_text, "model", conf)
            continue
        pg = place_groups.get(entry.key)
        if pg is None:
            pg = place_groups[entry.key] = Group(entry.name, "place", method, 0.0, geo=entry)
        if res is not None and fixed is None and method == "gazetteer":
            conf = min(conf, res.confidence)
        pg.add(start, end, mention_text, method, conf)
    for country, start, end, s in a.demonyms:
        dg = place_groups.get(country.key)
        if dg is None:
            dg = place_groups[country.key] = Group(country.name, "place", "demonym", 0.0, geo=country)
        dg.add(start, end, s, "demonym", 0.75)
    merge_short_bodies(a)
    a.actors = [to_actor(g, a.text) for g in a.groups.values()]
    a.actors.sort(key=lambda x: (-x.count, x.mentions[0].start if x.mentions else 0, x.name))
    a.places = [to_place(g, a.text) for g in place_groups.values()]
    a.places.sort(key=lambda p: (-p.count, p.mentions[0].start if p.mentions else 0, p.name))


def merge_short_bodies(a: Analysis) -> None:
    """A one-word organisation that is the last word of exactly one longer organisation of the
    same article is that body ("Senate" after "the US Senate", "Commission" after "European
    Commission"): its mentions join the longer name."""
    orgs = [(key, g) for key, g in a.groups.items() if g.kind == "organisation"]
    for key, short in orgs:
        if " " in key[1] or not short.name[:1].isupper():
            continue
        longer = [g for k, g in orgs if k != key and k[1].endswith(" " + key[1]) and k in a.groups]
        if len(longer) == 1:
            target = longer[0]
            for (start, end), surface in zip(short.mentions, [a.text[s:e] for s, e in short.mentions]):
                target.add(start, end, surface, short.method, short.confidence)
            target.roles.update(short.roles)
            del a.groups[key]


def is_latin(surface: str) -> bool:
    """No letter outside the Latin script (accents allowed): "Erdoğan" yes, "Путин" no."""
    return all(not ch.isalpha() or ord(ch) < 0x250 or 0x1E00 <= ord(ch) < 0x1F00 for ch in surface)


def span_text(toks: Any, i: int, j: int) -> str:
    if j <= i:
        return ""
    return "".join([t.text_with_ws for t in toks[i : j - 1]] + [toks[j - 1].text])


def end_char(doc: Any, j: int) -> int:
    last = doc[j - 1]
    return int(last.idx + len(last.text))


def coarse(label: str) -> str:
    if label in ("PERSON", "PER"):
        return "person"
    if label == "ORG":
        return "organisation"
    if label in PLACE_LABELS:
        return "place"
    return label.lower()


def _mentions(g: Group, text: str) -> list[Mention]:
    return [Mention(text=text[s:e], start=s, end=e) for s, e in sorted(set(g.mentions))]


def to_actor(g: Group, text: str) -> Actor:
    mentions = _mentions(g, text)
    conf = g.confidence
    if g.method == "model":
        conf = min(0.95, 0.5 + 0.1 * len(mentions))
    return Actor(
        name=g.name,
        type="person" if g.kind == "person" else "organisation",
        aliases=sorted(s for s in g.surfaces if s != g.name),
        roles=sorted(g.roles),
        count=len(mentions),
        mentions=mentions,
        method=g.method,
        confidence=round(conf, 3),
    )


def to_place(g: Group, text: str) -> Place:
    mentions = _mentions(g, text)
    e = g.geo
    return Place(
        name=g.name,
        geonameid=e.geonameid if e else None,
        country_code=e.country_code if e else None,
        feature=e.feature if e else "region",
        lat=e.lat if e else None,
        lon=e.lon if e else None,
        aliases=sorted(s for s in g.surfaces if s != g.name),
        count=len(mentions),
        mentions=mentions,
        method=g.method,
        confidence=round(g.confidence, 3),
    )


def load_data(name: str) -> Mapping[str, Any]:
    import json
    from importlib import resources

    return json.loads(resources.files(__package__).joinpath(f"data/{name}").read_text("utf-8"))  # type: ignore[no-any-return]

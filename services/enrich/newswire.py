"""English wire copy by its layout: datelines, capitals headlines, result lines, tables, scorecards.

Agency copy carries structure the model reads badly: "ABU DHABI 1996-12-07" (the model's span
runs into the date and comes out an organisation), "SOCCER - MILAN CRASH AT HOME" (a capitals
line the model cuts at random), "Bayern Munich 2 Hamburg 1" and standings rows (clubs named
after places, typed as places), "Saeed Anwar c Croft b Cork 176" (bowlers read as places),
"Pete Sampras ( U.S. ) beat ..." (the player missed, the country in brackets taken for a team).
:func:`wire_pass` is a pure pass over the article's token texts and the candidates after the
scan; it returns candidates where these layouts fix the type of a span. Those carry the labels
``WIRE-person``, ``WIRE-organisation``, ``WIRE-place``: :mod:`.orgs` never retypes them (a
``WIRE-organisation`` counts as a strong organisation cue for the document's other mentions of
the name) and the English pipeline takes them as they are.

A line is the run of tokens between newline tokens. The sport is the capitals prefix of the
first line ("SOCCER -", "ICE HOCKEY -"); in a team sport's report a country or city that the
gazetteer knows (``is_place``) is the team, unless it follows "in" or is a dateline. Every rule
looks only at layout and small closed word lists, so its cost is a pass over the tokens.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from shared.aliases import fold

from .records import Cand

PERSON, ORG, PLACE = "WIRE-person", "WIRE-organisation", "WIRE-place"
WIRE_LABELS = frozenset({PERSON, ORG, PLACE})
TEAM_SPORTS = frozenset("soccer football cricket rugby basketball hockey baseball volleyball handball polo".split())
# table and layout words the model takes for names ("Halftime 0-0 .", "Attendance 48,000")
LAYOUT_WORDS = frozenset(
    "halftime half-time attendance extras total totals leading score scores results result standings "
    "scoreboard summary women men".split()
)
_PARTICLES = frozenset("de da di del van der von le la al el ul bin ibn st".split())
_NUM = re.compile(r"^(\d{1,3}|\.\d{3}|\d{1,3}/\d|\d\.\d+)$")
_YEAR = re.compile(r"^(19|20)\d\d$")
_DATE = re.compile(r"^(19|20)\d\d-\d\d-\d\d$")
_CRICKET = frozenset({"c", "b", "lbw", "st"})
_INNINGS = frozenset({"first", "second"})
# capitalised words after a place that make it part of an event's name ("U.S. Open"): not scored
EVENT_WORDS = frozenset("Open OPEN Masters MASTERS Cup CUP Championship Championships Classic Invitational Games Trophy".split())
_WEEKDAYS = frozenset("monday tuesday wednesday thursday friday saturday sunday".split())


def lines(tokens: Sequence[str]) -> list[tuple[int, int]]:
    """Token ranges of the lines (newline tokens excluded)."""
    out, start = [], 0
    for k, tok in enumerate(tokens):
        if "\n" in tok and not tok.strip():
            if k > start:
                out.append((start, k))
            start = k + 1
    if start < len(tokens):
        out.append((start, len(tokens)))
    return out


def _cap(tok: str) -> bool:
    return tok[:1].isupper() and any(ch.isalpha() for ch in tok)


def name_end(toks: Sequence[str], i: int, stop: int, limit: int = 6) -> int:
    """End of a capitalised name starting at i ("Bayern Munich", "Inzamam - ul - Haq", "de Silva"), or i."""
    j = i
    while j < stop and j - i < limit:
        t = toks[j]
        nxt = toks[j + 1] if j + 1 < stop else ""
        if _cap(t) and not _NUM.match(t) and fold(t) not in LAYOUT_WORDS:
            j += 1
        elif t == "-" and j > i and nxt.isalpha() and toks[j - 1].isalpha():
            j += 1  # "Inzamam - ul - Haq", "Kim Do - hoon"
        elif t.lower() in _PARTICLES and (_cap(nxt) or nxt == "-"):
            j += 1
        elif j > i and toks[j - 1] == "-" and t.isalpha():
            j += 1
        else:
            break
    while j > i and (toks[j - 1] == "-" or toks[j - 1].lower() in _PARTICLES):
        j -= 1
    return j


def _date_at(toks: Sequence[str], k: int, stop: int) -> bool:
    if _DATE.match(toks[k]):
        return True
    return k + 4 < stop and bool(_YEAR.match(toks[k])) and toks[k + 1] == "-" and toks[k + 3] == "-"


def dateline(toks: Sequence[str], i: int, j: int, is_place: Callable[[str], bool]) -> list[tuple[int, int]]:
    """Place spans of a dateline line ("AL - AIN , United Arab Emirates 1996 - 12 - 06"): each part
    in capitals or a place the gazetteer knows, so "Updated 2024 - 05 - 01" is none."""
    if j - i > 14:
        return []
    k = next((k for k in range(i, j) if _date_at(toks, k, j)), None)
    if k is None or k == i:
        return []
    out, s = [], i
    for m in range(i, k + 1):
        if m == k or toks[m] == ",":
            part = toks[s:m]
            if m > s and not all(_cap(t) or t in ("-", ".") for t in part):
                return []
            if m > s and (all(not any(ch.islower() for ch in t) for t in part) or is_place(" ".join(part))):
                out.append((s, m))
            s = m + 1
    return out


def sport_of(toks: Sequence[str], first: tuple[int, int]) -> tuple[str, int]:
    """("soccer", index after the dash) for "SOCCER - JAPAN ..."; ("", first start) otherwise."""
    i, j = first
    for k in range(i, min(j, i + 4)):
        if toks[k] == "-" and k > i and all(t.isupper() and t.isalpha() for t in toks[i:k]):
            return " ".join(t.lower() for t in toks[i:k]), k + 1
    return "", i


def is_caps_line(toks: Sequence[str], i: int, j: int) -> bool:
    words = [t for t in toks[i:j] if any(ch.isalpha() for ch in t)]
    return len(words) >= 3 and all(not any(ch.islower() for ch in t) for t in words)


def _score_row(toks: Sequence[str], i: int, j: int) -> list[tuple[int, int]] | None:
    """Team spans of "Bayern Munich 2 Hamburg 1" / "Ajax 1 ( Kluivert 56 ) NAC Breda 0 . Halftime 0-0"."""
    teams, k = [], i
    for _side in range(2):
        e = name_end(toks, k, j)
        if e == k or e >= j or not _NUM.match(toks[e]):
            return None
        teams.append((k, e))
        k = e + 1
        if k < j and toks[k] == "(":
            close = next((m for m in range(k, j) if toks[m] == ")"), None)
            if close is None:
                return None
            k = close + 1
    if k < j and toks[k] not in (".", "(", ";"):
        return None
    return teams


def _table_row(toks: Sequence[str], i: int, j: int) -> tuple[int, int] | None:
    """The name of a standings row: a name, then at least four numbers and nothing else."""
    e = name_end(toks, i, j)
    rest = toks[e:j]
    if e == i or len(rest) < 4 or not all(_NUM.match(t) or t in ("-", "1/2") for t in rest):
        return None
    return (i, e) if sum(1 for t in rest if _NUM.match(t)) >= 4 else None


def _scorecard(toks: Sequence[str], i: int, j: int) -> list[tuple[int, int]] | None:
    """Player spans of "Saeed Anwar c Croft b Cork 176", "Andrew Hudson lbw b Kumble 11", "X not out 40"."""
    if not _NUM.match(toks[j - 1]):
        return None
    low = [t.lower() for t in toks[i:j]]
    if not (any(w in _CRICKET for w in low) or "not out" in " ".join(low)):
        return None
    out, k = [], i
    while k < j - 1:
        e = name_end(toks, k, j)
        if e > k:
            out.append((k, e))
            k = e
        elif low[k - i] in _CRICKET or low[k - i] in ("not", "out", "run", "(", ")"):
            k += 1
        else:
            return None
    return out or None


def _brackets(toks: Sequence[str], i: int, j: int, is_place: Callable[[str], bool]) -> list[tuple[int, int, str]]:
    """"Pete Sampras ( U.S. )", "( Britain unless stated )": the country a place, the name before it a person."""
    out = []
    for k in range(i, j - 2):
        if toks[k] != "(":
            continue
        close = next((m for m in range(k + 1, min(j, k + 7)) if toks[m] == ")"), None)
        if close is None:
            continue
        unless = list(toks[close - 2 : close]) == ["unless", "stated"]
        end = close - 2 if unless else close
        if end <= k + 1 or not is_place(" ".join(toks[k + 1 : end])):
            continue
        out.append((k + 1, end, PLACE))
        s = k
        while s > i and (_cap(toks[s - 1]) or (toks[s - 1] == "-" and s - 1 > i and toks[s - 2].isalpha())):
            s -= 1
        while s < k and not _cap(toks[s]):
            s += 1
        if not unless and s < k and k - s <= 5 and toks[s].lower() not in _WEEKDAYS:
            out.append((s, k, PERSON))
    return out


def wire_pass(tokens: Sequence[str], cands: Sequence[Cand], is_place: Callable[[str], bool]) -> list[Cand]:
    """The candidates with the types the wire layout fixes (see the module docstring)."""
    rows = lines(tokens)
    if not rows:
        return list(cands)
    sport, after_dash = sport_of(tokens, rows[0])
    team_sport = any(w in TEAM_SPORTS for w in sport.split())
    fixed: list[tuple[int, int, str]] = []
    table = [r for r in rows if _table_row(tokens, *r)] if not sport or team_sport else []
    for i, j in rows:
        spans = dateline(tokens, i, j, is_place)
        if spans:
            fixed += [(a, b, PLACE) for a, b in spans]
            continue
        teams = _score_row(tokens, i, j)
        if teams:
            fixed += [(a, b, ORG) for a, b in teams]
            fixed += [(a, b, PERSON) for a, b in _bracket_names(tokens, i, j)]
            continue
        row = _table_row(tokens, i, j) if len(table) >= 2 else None
        if row:
            fixed.append((*row, ORG))
            continue
        e = name_end(tokens, i, j)
        if e > i and e + 1 < j and tokens[e].lower() in _INNINGS and tokens[e + 1].lower() == "innings":
            fixed.append((i, e, ORG))  # "Pakistan first innings"
            continue
        players = _scorecard(tokens, i, j)
        if players:
            fixed += [(a, b, PERSON) for a, b in players]
            continue
        fixed += _brackets(tokens, i, j, is_place)
    return _merge(tokens, cands, fixed, rows[0], after_dash, team_sport, is_place)


def _bracket_names(toks: Sequence[str], i: int, j: int) -> list[tuple[int, int]]:
    """Scorers in a result line's brackets: "( Nilis 10 , 37 , Cocu 61 )"."""
    out, depth, k = [], 0, i
    while k < j:
        if toks[k] == "(":
            depth += 1
        elif toks[k] == ")":
            depth -= 1
        elif depth > 0:
            e = name_end(toks, k, j)
            if e > k:
                out.append((k, e))
                k = e
                continue
        k += 1
    return out


def _merge(tokens: Sequence[str], cands: Sequence[Cand], fixed: list[tuple[int, int, str]], head: tuple[int, int],
           after_dash: int, team_sport: bool, is_place: Callable[[str], bool]) -> list[Cand]:
    low = [t.lower() for t in tokens]
    taken = {k for a, b, _ in fixed for k in range(a, b)}
    caps_head = is_caps_line(tokens, *head)
    out = [Cand(a, b, label) for a, b, label in fixed]
    persons = {low[c.j - 1] for c in cands if c.label == "PERSON" and c.j - c.i >= 2}
    body: dict[str, str] = {}
    for c in cands:
        if any(k in taken for k in range(c.i, c.j)):
            continue
        if caps_head and head[0] <= c.i < head[1]:
            continue  # the headline is re-read below, from the names of the body
        if low[c.i] in LAYOUT_WORDS and not any(t.isalpha() for t in tokens[c.i + 1 : c.j]):
            continue  # "Halftime", "Halftime 1 - 1"
        nxt = tokens[c.j] if c.j < len(tokens) else ""
        if nxt in EVENT_WORDS or nxt.lower() in ("index", "average") or (
            _NUM.match(nxt) and c.j + 1 < len(tokens) and tokens[c.j + 1].lower() == "index"
        ):
            continue  # "U.S. Open", "German Masters", "The FTSE 100 index", "the Nikkei average"
        if c.label not in WIRE_LABELS and c.j - c.i == 1 and nxt == "scored" and team_sport and not is_place(tokens[c.i]):
            out.append(Cand(c.i, c.j, PERSON))  # "Ronaldo scored twice"
            continue
        surface = " ".join(tokens[c.i : c.j])
        label = c.label
        teamable = label not in WIRE_LABELS and (label != "PERSON" or (c.j - c.i == 1 and low[c.i] not in persons))
        if team_sport and teamable and is_place(surface) and not (c.i > 0 and low[c.i - 1] == "in"):
            label = ORG  # "Japan beat Syria", "joined Newcastle from Blackburn"
        if label == c.label and c.i > 1 and low[c.i - 1] == "of" and is_place(surface) and any(
            p.label == "PERSON" and p.j == c.i - 1 and p.j - p.i >= 2 for p in cands
        ):
            label = PLACE  # "Boris Becker of Germany"
        out.append(c if label == c.label else Cand(c.i, c.j, label, list(c.roles), c.had_the))
        body.setdefault(fold(surface), label)
        if label == "PERSON" and c.j - c.i >= 2:
            body.setdefault(low[c.j - 1], "SCAN-person")
    for a, b, label in fixed:
        body.setdefault(fold(" ".join(tokens[a:b])), label)
        if label == PERSON and b - a >= 2:
            body.setdefault(low[b - 1], PERSON)
    if caps_head:
        acronyms = set()
        for c in cands:  # "BASKETBALL - NBA RESULTS": one word left once prefix and layout words go
            rest = [k for k in range(max(c.i, after_dash), c.j) if low[k] not in LAYOUT_WORDS]
            if c.label == "ORG" and head[0] <= c.i < head[1] and len(rest) == 1:
                acronyms.add(rest[0])
        out += _headline(tokens, after_dash, head[1], body, team_sport, is_place, acronyms)
    return sorted(out, key=lambda c: (c.i, c.j))


_SCAN = {"PERSON": "SCAN-person", "ORG": "SCAN-organisation", "GPE": "SCAN-place", "LOC": "SCAN-place"}


def _headline(tokens: Sequence[str], i: int, j: int, body: dict[str, str], team_sport: bool,
              is_place: Callable[[str], bool], acronyms: set[int]) -> list[Cand]:
    """Names of a capitals headline, typed as the same names in the body ("MILAN" as "Milan");
    places the gazetteer knows (teams in a team sport's report); short acronyms inside a span
    the model called an organisation."""
    out, k = [], i
    while k < j:
        for size in (4, 3, 2, 1):
            if k + size > j:
                continue
            if not (_cap(tokens[k]) and _cap(tokens[k + size - 1])) or (k + size < j and tokens[k + size] in EVENT_WORDS):
                continue
            surface = " ".join(tokens[k : k + size])
            label = body.get(fold(surface))
            if label is None and is_place(surface) and any(ch.isalpha() for ch in surface):
                label = ORG if team_sport and not (k > 0 and tokens[k - 1].lower() == "in") else "SCAN-place"
            if label is None and size == 1 and 2 <= len(surface) <= 4 and surface.isalpha() and k in acronyms:
                label = "SCAN-organisation"  # "NBA" inside the model's "BASKETBALL - NBA RESULTS"
            if label is not None and label != "NORP":
                out.append(Cand(k, k + size, _SCAN.get(label, label)))
                k += size
                break
        else:
            k += 1
    return out

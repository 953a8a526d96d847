"""English organisations by context: clubs, national teams and companies named after places or people.

"Japan" in a match report is a team, "Arsenal 2-1 Chelsea" names two clubs, "shares of Ford"
a company. The model types such names as places or persons (or misses them in a result line);
:func:`type_organisations` is a pure pass over the article's tokens and the candidate mentions
of the English pipeline (:class:`~.records.Cand`, token ranges with a label) that

1. repairs and adds the teams of result lines (``Arsenal 2-1 Chelsea``, ``Manchester United 0-3
   Liverpool``: the model's span "Manchester United 0-" is cut back to the name),
2. collects organisation cues per name: in a sports text (a result line, or two sports words)
   a place or name next to a sports role or verb ("Scotland boss", "Japan stun", "beat Wales",
   "against Brazil") or holding a club word ("Bayern Munich", "Leicester City"); in any text
   the vocabulary of companies ("shares of", "Ford's chief executive", "carmaker Tesla",
   "X said it"), and against them the place cue "in X",
3. decides once per name for the whole document: a name with more organisation cues than
   place cues is an organisation in every mention; in a sports text a name coordinated with a
   team ("against Spain and Norway") is one too, and so is the short form of a club named in the
   same text ("Leicester" after "Leicester City", "Villa" after "Aston Villa").

A few cues hold in any text: a player's or coach's role right after the name ("France coach",
"Japan striker", "Scotland head coach"). Persons stay persons: a multi-word PERSON span, or a
single word that is the surname of one in the same text ("Nadal 6-4"), is never retyped; a span
the model called an organisation right after "goals from" or "header from" is a player.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence

from shared.aliases import fold

from .newswire import LAYOUT_WORDS, WIRE_LABELS
from .records import Cand

_SCORE = re.compile(r"^\d{1,3}$")
_SCORE_ONE = re.compile(r"^\d{1,3}[-–]\d{1,3}$")
_DASHES = frozenset({"-", "–"})
_NEVER = frozenset({"NORP", "SCAN-demonym", "SCAN-metonym"})
_NOT_NAMES = frozenset("the a an its their his her our this that these those and but".split())

SPORT_WORDS = frozenset(
    "match matches goal goals scored relegation relegated striker midfielder defender goalkeeper keeper coach manager league cup "
    "squad season fixture fixtures kick-off half-time penalty penalties stadium tournament qualifier "
    "qualifiers championship final semi-final quarter-final derby referee fans supporters innings wicket "
    "wickets try tries rugby football cricket tennis hockey win defeat draw victory defeats wins draws victories "
    "semi-final semi-finals quarter-finals finals toss bowlers bowler batsmen batting bowling fly-half hat-trick "
    "equaliser unbeaten goalless promotion qualifiers".split()
)
# roles after a name that say "team" in any text ("France coach", "Japan striker")
STRONG_ROLES = frozenset("striker midfielder goalkeeper winger captain skipper fly-half coach manager".split())
# a name the model called an organisation right after these is a player ("goals from Vinicius Junior")
_PLAYER_BEFORE2 = frozenset({("goals", "from"), ("goal", "from"), ("header", "from"), ("strike", "from"),
                             ("penalty", "from"), ("try", "from"), ("tries", "from"), ("cross", "from")})
# words that also say "sport" in a text, besides SPORT_WORDS (the people and the results)
_SPORT_PEOPLE = frozenset("striker midfielder winger goalkeeper captain players squad fans coach beat beats defeated thrashed stunned".split())
SPORT_ROLES = frozenset(
    "striker coach manager boss midfielder defender goalkeeper keeper captain skipper winger forward "
    "fly-half fans supporters squad side team players player chairman academy head".split()
)
SPORT_VERBS_AFTER = frozenset(
    "beat beats defeated thrashed stunned stun stuns edged hammered overcame routed won win wins lost lose "
    "loses drew draw draws held sacked signed sign appointed cruised equalised scored trail lead top reached".split()
)
SPORT_BEFORE = frozenset("beat beats beating defeated against versus vs v v. thrashed stun stuns stunned edged hammered joined".split())
SPORT_BEFORE2 = frozenset({("signed", "for"), ("move", "to"), ("loan", "from"), ("loan", "to"), ("win", "over"),
                           ("draw", "with"), ("defeat", "to"), ("loss", "to"), ("lost", "to"), ("win", "against")})
# club words after another name ("Newcastle United", "Tottenham Hotspur"): the strong ones name
# a club anywhere, the others only in a sports text ("Mexico City" is a place); and club words
# that lead a name in a sports text ("Bayern Munich", "Real Madrid")
CLUB_STRONG = frozenset("fc afc united rovers wanderers albion hotspur athletic".split())
CLUB_AFTER = CLUB_STRONG | frozenset("city villa rangers county town".split())
CLUB_BEFORE = frozenset("fc afc bayern borussia real atletico atlético inter olympique sporting dynamo spartak".split())
COMPANY_AFTER = frozenset(
    "shares stock profits profit revenue revenues sales earnings shareholders investors ceo executives "
    "spokesman spokeswoman spokesperson board dividend".split()
)
COMPANY_AFTER2 = frozenset({("chief", "executive"), ("said", "it"), ("says", "it"), ("shares", "fell"),
                            ("shares", "rose")})
# company nouns right after a name ("the Waitrose supermarket chain")
COMPANY_NOUN_AFTER = frozenset("supermarket retailer carmaker airline brewer chipmaker".split())
COMPANY_BEFORE = frozenset(
    "carmaker automaker retailer supermarket airline brewer chipmaker insurer lender conglomerate firm "
    "maker giant manufacturer rival".split()
)
COMPANY_BEFORE2 = frozenset({("shares", "of"), ("shares", "in"), ("stake", "in"), ("takeover", "of"), ("bid", "for"),
                             ("acquisition", "of"), ("merger", "with"), ("subsidiary", "of"), ("owned", "by"),
                             ("bought", "by"), ("sold", "to")})


# legal-form words that end a company's full name ("Dell Computer Corp", "Deutsche Bank AG"): the
# name without them, and its first word before an industry noun ("Dell" of "Dell Computer"), is
# the company's short form in the same text, even where it is also a person's surname
CORPORATE_SUFFIXES = frozenset("corp corporation co cos inc ag sa nv plc ltd group holdings".split())
_INDUSTRY_NOUNS = frozenset("computer computers motor motors electronics airlines airways steel chemical chemicals".split())

_RESULT_VERBS = frozenset("beat beats defeated thrashed stunned stun edged hammered routed overcame".split())


def _is_cap(tok: str) -> bool:
    return tok[:1].isupper()


def _score_at(low: Sequence[str], k: int) -> int:
    """Tokens a score takes at k ("2", "-", "1" or "2-1"); 0 when there is none."""
    if k < len(low) and _SCORE_ONE.match(low[k]):
        return 1
    if k + 2 < len(low) and _SCORE.match(low[k]) and low[k + 1] in _DASHES and _SCORE.match(low[k + 2]):
        return 3
    return 0


def _result_teams(toks: Sequence[str], low: Sequence[str]) -> list[tuple[int, int]]:
    """Token ranges of the names either side of a score: "Arsenal 2-1 Chelsea"."""
    out: list[tuple[int, int]] = []
    k = 0
    while k < len(toks):
        size = _score_at(low, k)
        if not size:
            k += 1
            continue
        if _score_at(low, k + size) or (k + size < len(low) and low[k + size] == "," and _score_at(low, k + size + 1)):
            k += size  # a set score of a tennis match ("6-4, 6-3"): players, not teams
            continue
        i = k
        while i > 0 and k - i < 3 and _is_cap(toks[i - 1]) and toks[i - 1].isalpha():
            i -= 1
        if i < k:
            out.append((i, k))
        j = k + size
        while j < len(toks) and j - (k + size) < 3 and _is_cap(toks[j]) and toks[j].isalpha():
            j += 1
        if j > k + size:
            out.append((k + size, j))
        k += size
    return out


def _trimmed(c: Cand, toks: Sequence[str], low: Sequence[str], extend: bool = True) -> tuple[int, int]:
    """The span without a leading company noun ("Carmaker Volkswagen") or trailing words that are
    not part of a name ("Tottenham Hotspur face", "Manchester United 0-"), extended by an adjacent
    club word the model left out ("Real" + "Madrid", "Leicester" + "City")."""
    i, j = c.i, c.j
    if j - i >= 2 and low[i] in COMPANY_BEFORE:
        i += 1
    while j > i + 1:
        last, before = toks[j - 1], toks[j - 2]
        if _SCORE.match(last) or _SCORE_ONE.match(last) or (last in _DASHES and _SCORE.match(before)):
            j -= 1  # "Manchester United 0-"
        elif last.isalpha() and last.islower() and _is_cap(before) and before.isalpha():
            j -= 1  # "Tottenham Hotspur face"; not "Lai Ching-te", whose last word follows a hyphen
        else:
            break
    if not extend:
        return i, j
    if i > 0 and low[i - 1] in CLUB_BEFORE and _is_cap(toks[i - 1]):
        i -= 1
    if j < len(toks) and low[j] in CLUB_AFTER and _is_cap(toks[j]):
        j += 1
    return i, j


def _repaired(
    cands: Sequence[Cand], toks: Sequence[str], low: Sequence[str], teams: set[tuple[int, int]], sporty: bool
) -> list[Cand]:
    """Candidates with spans repaired (see :func:`_trimmed`), teams of result lines the model
    missed added, single capitalised words right before a company or sports word ("Philips
    shareholders", "Ajax fans", "Waitrose supermarket") added, and in a sports text those right
    before a result verb ("Wales beat Italy"); names the model took for organisations right after
    "goals from" are persons."""
    out: list[Cand] = []
    taken: set[int] = set()
    for c in cands:
        inside = sorted(t for t in teams if c.i <= t[0] and t[1] <= c.j)
        if len(inside) == 2:  # "Everton 1-1 Fulham" taken as one name: the two teams
            for i, j in inside:
                out.append(Cand(i, j, "ORG"))
                taken.update(range(i, j))
            continue
        if c.label in WIRE_LABELS:  # the wire layout fixed span and type (newswire.py)
            out.append(c)
            taken.update(range(c.i, c.j))
            continue
        i, j = _trimmed(c, toks, low)
        if out and (out[-1].i, out[-1].j) == (i, i + 1) and i < c.i and out[-1].label not in WIRE_LABELS:
            taken.discard(out.pop().i)  # "Sporting" + "Gijon": the club word was a candidate of its own
        if any(k in taken for k in range(i, j)):
            i, j = _trimmed(c, toks, low, extend=False)  # an extension would overlap the previous candidate
            if any(k in taken for k in range(i, j)):
                i, j = c.i, c.j
        label = "ORG" if (i, j) in teams else c.label  # "Manchester United 0-" was a PERSON
        if label == "ORG" and i > 1 and (low[i - 2], low[i - 1]) in _PLAYER_BEFORE2 and j - i >= 2:
            label = "PERSON"  # "goals from Vinicius Junior"
        out.append(Cand(i, j, label, list(c.roles), c.had_the) if (i, j, label) != (c.i, c.j, c.label) else c)
        taken.update(range(i, j))
    for i, j in teams:
        if not any(k in taken for k in range(i, j)):
            out.append(Cand(i, j, "ORG"))
            taken.update(range(i, j))
    for k in range(len(toks) - 1):
        if k in taken or not (_is_cap(toks[k]) and toks[k].isalpha()) or low[k] in _NOT_NAMES or low[k] in LAYOUT_WORDS:
            continue
        after = low[k + 1]
        if (
            after in COMPANY_AFTER
            or after in COMPANY_NOUN_AFTER
            or after in ("fans", "supporters", "striker", "midfielder", "coach")
            or (sporty and after in _RESULT_VERBS)
        ):
            out.append(Cand(k, k + 1, "SCAN-organisation"))
            taken.add(k)
    out.sort(key=lambda c: (c.i, c.j))
    return out


def _sporty(low: Sequence[str], teams: set[tuple[int, int]]) -> bool:
    return bool(teams) or sum(1 for w in low if w in SPORT_WORDS or w in _SPORT_PEOPLE) >= 2


def company_short_forms(tokens: Sequence[str], cands: Sequence[Cand]) -> frozenset[str]:
    """Folded short forms of the companies named in full: "dell computer" and "dell" for
    "Dell Computer Corp", "philip morris" for "Philip Morris Cos Inc"."""
    out: set[str] = set()
    for c in cands:
        words = [t.lower() for t in tokens[c.i : c.j]]
        if c.label != "ORG" or len(words) < 2 or words[-1].rstrip(".") not in CORPORATE_SUFFIXES:
            continue
        while len(words) > 1 and words[-1].rstrip(".") in CORPORATE_SUFFIXES:
            words.pop()
        out.add(fold(" ".join(words)))
        if len(words) == 2 and words[1] in _INDUSTRY_NOUNS:
            out.add(fold(words[0]))
    return frozenset(out)


def _trim_scores(c: Cand, low: Sequence[str]) -> tuple[int, int]:
    """The span without trailing set scores ("Michael Chang 6 - 3 6 - 4")."""
    j = c.j
    while j > c.i + 1 and (_SCORE.match(low[j - 1]) or _SCORE_ONE.match(low[j - 1]) or low[j - 1] in _DASHES):
        j -= 1
    return c.i, j


def type_organisations(tokens: Sequence[str], cands: Sequence[Cand],
                       is_place: Callable[[str], bool] | None = None) -> tuple[list[Cand], frozenset[str]]:
    """(candidates, folded names that are organisations in this document).

    ``tokens`` are the document's token texts (case kept); ``cands`` the pipeline's candidate
    mentions; ``is_place`` (optional) says whether a surface is a known country or city, whose
    company cues after it do not count ("London shares", "U.S. sales"). Pure: the input
    candidates are not changed; the returned list may hold repaired copies and added
    result-line teams.
    """
    low = [t.lower() for t in tokens]
    shorts = company_short_forms(tokens, cands)

    def clubbish(c: Cand) -> bool:  # holds a club word anywhere ("Aston Villa" the model took for a person)
        return any(w in CLUB_STRONG or w in CLUB_AFTER or w in CLUB_BEFORE for w in low[c.i : c.j])

    persons = {
        _trim_scores(c, low)
        for c in cands
        if c.label == "PERSON" and c.j - c.i >= 2 and not clubbish(c) and fold(" ".join(tokens[c.i : c.j])) not in shorts
    }
    persons = {(i, j) for i, j in persons if j - i >= 2 and not any(_score_at(low, k) for k in range(i, j))}
    surnames = {low[j - 1] for _i, j in persons} | {low[c.j - 1] for c in cands if c.label == "WIRE-person"}
    surnames -= shorts
    wired = {k for c in cands if c.label in WIRE_LABELS for k in range(c.i, c.j)}
    teams = {t for t in _result_teams(tokens, low) if t not in persons and not (t[1] - t[0] == 1 and low[t[0]] in surnames)
             and not any(k in wired for k in range(*t)) and not (t[1] - t[0] == 1 and low[t[0]] in LAYOUT_WORDS)}
    sporty = _sporty(low, teams)
    out = _repaired(cands, tokens, low, teams, sporty)
    org: Counter[str] = Counter()
    place: Counter[str] = Counter()
    cued: dict[int, int] = {}  # index in ``out`` -> cues
    names: list[str | None] = []
    for idx, c in enumerate(out):
        club = c.j - c.i >= 2 and (
            any(w in CLUB_STRONG or (sporty and w in CLUB_AFTER) for w in low[c.i + 1 : c.j])
            or (sporty and low[c.i] in CLUB_BEFORE)
        )
        name = fold(" ".join(tokens[c.i : c.j]))
        short = name in shorts
        if c.label in _NEVER or c.label in ("WIRE-person", "WIRE-place") or (
            c.label == "PERSON" and c.j - c.i >= 2 and not club and not short
        ):
            names.append(None)
            continue
        if c.j - c.i == 1 and low[c.i] in surnames:
            names.append(None)
            continue
        names.append(name)
        prev = low[c.i - 1] if c.i > 0 else ""
        prev2 = (low[c.i - 2], prev) if c.i > 1 else ("", prev)
        k = c.j + 1 if c.j < len(low) and low[c.j] in ("'s", "’s") else c.j
        nxt = low[k] if k < len(low) else ""
        nxt2 = (nxt, low[k + 1] if k + 1 < len(low) else "")
        cues = int(club) + 2 * (c.label == "WIRE-organisation") + 2 * short
        if sporty:
            cues += (c.i, c.j) in teams
            cues += prev in SPORT_BEFORE or prev2 in SPORT_BEFORE2
            cues += nxt in SPORT_ROLES or nxt in SPORT_VERBS_AFTER
        elif k == c.j:
            cues += nxt in STRONG_ROLES or nxt2 == ("head", "coach")
        cues += prev in COMPANY_BEFORE or prev2 in COMPANY_BEFORE2
        if is_place is None or not is_place(" ".join(tokens[c.i : c.j])):  # not "London shares"
            cues += nxt in COMPANY_AFTER or nxt2 in COMPANY_AFTER2 or nxt in COMPANY_NOUN_AFTER
        if cues:
            org[name] += cues
            cued[idx] = cues
        elif prev == "in":
            place[name] += 1
    if sporty:
        _coordinated(out, low, names, cued, org, place)
        out = _short_forms(out, tokens, low, names, org, place)
    return out, frozenset(n for n, v in org.items() if v > place[n])


def _coordinated(out: Sequence[Cand], low: Sequence[str], names: Sequence[str | None], cued: dict[int, int],
                 org: Counter[str], place: Counter[str]) -> None:
    """"against Spain and Norway": a name joined by "and", "or" or a comma to a cued team is a team."""
    for idx in range(len(out) - 1):
        a, b = out[idx], out[idx + 1]
        if b.i - a.j != 1 or low[a.j] not in ("and", "or", ","):
            continue
        for src, dst in ((idx, idx + 1), (idx + 1, idx)):
            name = names[dst]
            if src in cued and dst not in cued and name is not None:
                org[name] += 1
                cued[dst] = 1


def _short_forms(out: list[Cand], tokens: Sequence[str], low: Sequence[str], names: Sequence[str | None],
                 org: Counter[str], place: Counter[str]) -> list[Cand]:
    """"Leicester" after "Leicester City", "Villa" after "Aston Villa": a single word that opens or
    closes a club's name in the same text is that club (not after "in": "in Manchester"); such a
    word the model missed is added as a candidate."""
    ends = {w for n, v in org.items() if v > place[n] and len(n.split()) >= 2 for w in (n.split()[0], n.split()[-1])}
    if not ends:
        return out
    for c, name in zip(out, names):
        if name is None or c.j - c.i != 1 or (c.i > 0 and low[c.i - 1] == "in") or org[name] > place[name]:
            continue
        if name in ends:
            org[name] += place[name] + 1
    taken = {k for c in out for k in range(c.i, c.j)}
    added = [
        Cand(k, k + 1, "SCAN-organisation")
        for k, tok in enumerate(tokens)
        if k not in taken and _is_cap(tok) and tok.isalpha() and fold(tok) in ends and not (k > 0 and low[k - 1] == "in")
    ]
    for c in added:
        org[fold(tokens[c.i])] += 1
    return sorted(out + added, key=lambda c: (c.i, c.j)) if added else out

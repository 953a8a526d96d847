"""Context rules of the multilingual scan, as pure functions over the text and its tokens.

* ``is_dateline``: the all-capitals place that opens a wire story ("WOLFSBURG –", "MOSKAU (dpa)",
  "МОСКВА, 12 сентября /ТАСС/"): a town of any size may be named there.
* ``quoted_titles``: in Russian, a «quoted» phrase is the name of a work, event or body
  («Россия — исламский мир», «Сила Сибири», «Краснодар» the club); a place inside it does not count.
* ``after_given_name``: in Russian, a case form after a given name, or read first as a surname, is
  a surname ("Тимура Иванова" is not Ivanovo).
* ``club_article``: in Spanish and Italian a city after a masculine article is a club ("al Girona").
* ``clubs_over_cities``: in an article naming a club, its city's bare name is the club.
* ``capital_subject``: a capital that opens a clause and is followed by a verb stands for its
  government ("Moscou a accusé", "Москва готова", "que Moscú responderá"), as the gold's
  annotation guide says; as an object ("mit Kiew") it is a place only.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection

from shared.aliases import fold

from .foreign_names import GOVERNMENT_WORDS
from .gazetteer import Gazetteer, GeoEntry
from .lexicons import HOME_COUNTRY
from .records import Analysis
from .translit import GIVEN_NAMES

__all__ = ["after_given_name", "capital_subject", "club_article", "clubs_over_cities", "governments", "is_dateline", "quoted_titles", "town_cue"]

_QUOTED = re.compile(r"«([^»\n]{1,120})»")
_RU_GIVEN = frozenset(fold(k) for k in GIVEN_NAMES)
#: Words that open a clause whose subject may follow ("..., dass Moskau", "que Moscou").
_SUBORDINATORS = {"de": {"dass"}, "fr": {"que", "qu"}, "es": {"que"}, "it": {"che"}, "ru": {"что"}}
#: Words after a capital that show it is not a clause's subject (prepositions, conjunctions).
_NOT_VERBS = {
    "de": {"und", "oder", "sowie", "in", "im", "an", "am", "auf", "bei", "mit", "nach", "von", "vom", "zu", "zum", "zur",
           "für", "gegen", "über", "unter", "aus", "als", "wie", "der", "die", "das", "des", "den", "dem"},
    "fr": {"et", "ou", "en", "à", "au", "aux", "de", "du", "des", "le", "la", "les", "pour", "par", "sur", "dans", "avec",
           "contre", "vers", "comme", "entre"},
    "es": {"y", "e", "o", "u", "en", "a", "al", "de", "del", "el", "la", "los", "las", "para", "por", "con", "contra",
           "sobre", "como", "entre", "hacia", "desde"},
    "it": {"e", "ed", "o", "in", "a", "al", "alla", "di", "del", "della", "da", "dal", "il", "la", "le", "per", "con",
           "su", "come", "tra", "fra", "contro", "verso"},
    "ru": {"и", "или", "в", "во", "на", "с", "со", "к", "по", "из", "от", "до", "для", "как", "против", "между"},
}


#: Masculine articles before a city's name make it a club: cities take none ("venció al Girona",
#: "il Napoli"); a region may take one ("nel Lazio"), so this is asked of cities only.
_CLUB_ARTICLES = {"es": {"el", "al", "del"}, "it": {"il", "al", "del", "dal", "col"}}
#: Italian clubs may be feminine ("la Roma", "contro la Lazio"): asked only of a listed club city.
_CLUB_ARTICLES_FEMININE = {"it": {"la", "alla", "della", "dalla"}}


def club_article(text: str, toks: list[tuple[int, int]], i: int, lang: str, feminine: bool = False) -> bool:
    articles = (_CLUB_ARTICLES_FEMININE if feminine else _CLUB_ARTICLES).get(lang, set())
    return i > 0 and text[toks[i - 1][1] : toks[i][0]] == " " and text[toks[i - 1][0] : toks[i - 1][1]].lower() in articles


def is_dateline(text: str, toks: list[tuple[int, int]], i: int) -> bool:
    """Token i opens the body (or the text) in capitals: a wire story's dateline."""
    start, end = toks[i]
    before = text[max(0, start - 2) : start]
    word = text[start:end]
    return (start == 0 or before == "\n\n") and word.isupper() and len(word) > 2


def quoted_titles(text: str) -> list[tuple[int, int]]:
    """Spans of «quoted» names: a work, event or body («Сила Сибири»), or a club or company named
    after a city («Краснодар»), never a place."""
    return [(m.start(1), m.end(1)) for m in _QUOTED.finditer(text)]


def after_given_name(text: str, toks: list[tuple[int, int]], i: int) -> bool:
    """A Russian word after a given name ("Тимура Иванова"), or read first as a surname."""
    from .foreign_names import ru_name_tags

    word = text[toks[i][0] : toks[i][1]]
    if "Surn" in ru_name_tags(word) and "Geox" not in ru_name_tags(word):
        return True
    if i == 0 or text[toks[i - 1][1] : toks[i][0]] != " ":
        return False
    prev = text[toks[i - 1][0] : toks[i - 1][1]]
    return prev[:1].isupper() and (fold(prev) in _RU_GIVEN or "Name" in ru_name_tags(prev))


def capital_subject(text: str, toks: list[tuple[int, int]], i: int, j: int, lang: str) -> bool:
    """Tokens [i, j) open a clause (sentence start, or after 'que'/'что'/...) and a verb-like
    lowercase word follows."""
    if j >= len(toks) or text[toks[j - 1][1] : toks[j][0]] != " ":
        return False
    nxt = text[toks[j][0] : toks[j][1]]
    if not nxt[:1].islower() or nxt.lower() in _NOT_VERBS.get(lang, ()):  # not folded: Italian "è" is no "e"
        return False
    if i == 0:
        return True
    gap = text[toks[i - 1][1] - 1 : toks[i][0]]
    if "\n" in gap or gap.strip()[-1:] in (".", "!", "?", ":", ",", "-", "–", "—"):
        return True  # a clause's start: "..., Moscou a"
    prev = fold(text[toks[i - 1][0] : toks[i - 1][1]])
    return prev in _SUBORDINATORS.get(lang, ()) and text[toks[i - 1][1] : toks[i][0]].strip(" '’") == ""


#: "the government of/in <capital>"
_GOVERNMENT_OF = {"de": ("in",), "fr": ("de",), "es": ("de",), "it": ("di",), "ru": ()}
#: "from <capital> came ...": the capital's government answered ("Aus Moskau kam Kritik", "Da
#: Mosca è arrivata una replica", "Desde Moscú llegó", "De Moscou est venue", "Из Москвы пришёл")
_SOURCE = {"de": ("aus",), "it": ("da",), "es": ("desde", "de"), "fr": ("de",), "ru": ("из",)}
_CAME = {"de": ("kam", "kamen", "kommt", "kommen", "hieß", "hiess", "hieß es"),
         "it": ("è", "sono", "arriva", "arrivano", "giunge", "giungono"),
         "es": ("llegó", "llega", "llegaron", "llegan"),
         "fr": ("est", "sont", "vient", "viennent"),
         "ru": ("пришёл", "пришел", "пришла", "пришли", "поступил", "поступила", "поступили", "последовал", "последовала")}


def capital_source(text: str, toks: list[tuple[int, int]], i: int, j: int, lang: str) -> bool:
    """Tokens [i, j) follow "from" at a clause's start and a verb of arriving follows them."""
    if i == 0 or j >= len(toks) or fold(text[toks[i - 1][0] : toks[i - 1][1]]) not in _SOURCE.get(lang, ()):
        return False
    before = text[max(0, toks[i - 1][0] - 2) : toks[i - 1][0]]
    opens = toks[i - 1][0] == 0 or "\n" in before or before.strip()[-1:] in (".", "!", "?", ":", ";", "")
    return opens and text[toks[j][0] : toks[j][1]].lower() in _CAME.get(lang, ())


def clubs_over_cities(a: Analysis, clubs: Collection[str], locatives: Collection[str]) -> None:
    """In an article that names a club, its city's bare name is the club ("Dortmund schlägt
    Leipzig" after "Borussia Dortmund ... RB Leipzig"), unless a locative precedes it ("in Dortmund")."""
    words: dict[str, tuple[str, str]] = {}
    for (kind, _key), g in a.groups.items():
        if kind == "organisation" and g.name in clubs:
            for surface in g.surfaces:
                for w in surface.replace("-", " ").split():
                    words.setdefault(fold(w), (g.name, kind))
    if not words:
        return
    keep = []
    for mention in a.place_mentions:
        _name, start, end, surface, _method, _conf = mention
        before = a.text[:start].split()[-1:] or [""]
        club = words.get(fold(surface))
        if club is not None and before[0] not in locatives:
            a.add_actor(club[0], "organisation", start, end, "alias", 0.9)
        else:
            keep.append(mention)
    a.place_mentions[:] = keep


def governments(a: Analysis, gazetteer: Gazetteer, name: str, entry: GeoEntry | None, text: str,
                toks: list[tuple[int, int]], i: int, j: int, lang: str) -> None:
    """A capital opening a clause stands for its government too ("Moscou a accusé"), as does a
    country after the word for government ("правительства России", "Regierung Frankreichs")."""
    if capital_subject(text, toks, i, j, lang) or capital_source(text, toks, i, j, lang):
        capital = next((e for e, alt in gazetteer.candidates(name) if e.is_capital and not alt), None)
        capital = capital or (entry if entry is not None and entry.is_capital else None)
        if capital is not None and capital.country_code:
            a.add_actor(gazetteer.government_name(capital.country_code), "organisation", toks[i][0], toks[j - 1][1], "rule", 0.7)
    elif entry is not None and entry.feature == "country" and entry.country_code and i > 0 \
            and fold(text[toks[i - 1][0] : toks[i - 1][1]]).startswith(GOVERNMENT_WORDS.get(lang, ("-",))):
        a.add_actor(gazetteer.government_name(entry.country_code), "organisation", toks[i - 1][0], toks[j - 1][1], "rule", 0.7)
    elif i > 1 and fold(text[toks[i - 1][0] : toks[i - 1][1]]) in _GOVERNMENT_OF.get(lang, ()) \
            and fold(text[toks[i - 2][0] : toks[i - 2][1]]).startswith(GOVERNMENT_WORDS.get(lang, ("-",))):
        capital = next((e for e, alt in gazetteer.candidates(name) if e.is_capital and not alt), None)
        capital = capital or (entry if entry is not None and entry.is_capital else None)
        if capital is not None and capital.country_code and capital.country_code != HOME_COUNTRY.get(lang):
            # "il governo di Berlino", "die Regierung in Paris"; not the home capital ("el Gobierno
            # de Madrid" is as often the region's)
            a.add_actor(gazetteer.government_name(capital.country_code), "organisation", toks[i - 2][0], toks[j - 1][1], "rule", 0.7)


#: words that announce a town's name ("die Nachbarstadt Zgorzelec", "la commune de Corte")
_TOWN_WORDS = {
    "de": ("stadt", "gemeinde", "kreisstadt", "ortschaft", "dorf", "kurort", "ortsteil"),
    "fr": ("ville", "commune", "village", "bourg"),
    "es": ("ciudad", "localidad", "municipio", "pueblo", "villa"),
    "it": ("città", "comune", "paese", "borgo", "frazione", "cittadina"),
    "ru": ("город", "города", "городе", "городу", "посёлок", "поселок", "посёлке", "поселке", "село", "селе", "деревне"),
}
#: "of" before a town after a common noun ("una cooperativa de Lorca", "un mobilificio di Bassano")
_OF = {"fr": ("de", "d'"), "es": ("de",), "it": ("di",)}


def town_cue(text: str, toks: list[tuple[int, int]], i: int, lang: str, conj: frozenset[str],
             place_ends: set[int], is_title: Callable[[str], bool]) -> bool:
    """Does the context of token i say a town follows, however small? A town word before it, an
    "of" after a common noun, the headline's first word before ":" or ",", or a coordination with
    a place just found ("in Celle und Peine", "de Almonte, Moguer y Lucena")."""
    start, end = toks[i]
    if start == 0 and text[end : end + 1] in (":", ","):
        return True  # "Görlitz: Stadtrat stoppt ...", "Chioggia, chiude il ponte"
    if i == 0 or text[toks[i - 1][1] : start] != " ":
        return False
    prev = text[toks[i - 1][0] : toks[i - 1][1]].lower()
    if prev in _TOWN_WORDS.get(lang, ()) or (lang == "de" and prev.endswith(("stadt", "gemeinde"))):
        return True
    if i >= 2 and prev in _OF.get(lang, ()) and text[toks[i - 2][0] : toks[i - 2][1]].isalpha() \
            and text[toks[i - 2][0]].islower() and not is_title(text[toks[i - 2][0] : toks[i - 2][1]]):
        return True  # not after a title: "el ministro de Justicia" names a portfolio
    if prev in conj and i >= 2 and toks[i - 2][1] in place_ends:
        return True
    return text[toks[i - 1][1] : start] == " " and prev == "," and toks[i - 1][0] in place_ends

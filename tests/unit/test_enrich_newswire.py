"""Wire-copy layout (services/enrich/newswire.py) and the organisation rules it feeds (orgs.py)."""

from __future__ import annotations

from services.enrich.newswire import PERSON, PLACE, ORG, wire_pass
from services.enrich.orgs import type_organisations
from services.enrich.records import Cand

PLACES = {"Moldova", "Kishinev", "England", "U.S.", "Spain", "Netherlands", "Britain", "London", "Genoa", "Verona",
          "MILAN", "Milan", "VIENNA"}


def is_place(surface: str) -> bool:
    return surface in PLACES


def toks_of(text: str) -> list[str]:
    """Space-split tokens; a line break is its own token, as spaCy makes it."""
    return text.replace("\n", " \n ").split(" ")


def cands_of(toks: list[str], marks: list[tuple[str, str]]) -> list[Cand]:
    out, used = [], set()
    for surface, label in marks:
        words = surface.split()
        i = next(k for k in range(len(toks)) if toks[k : k + len(words)] == words and k not in used)
        used.update(range(i, i + len(words)))
        out.append(Cand(i, i + len(words), label))
    return out


def labels(toks: list[str], cands: list[Cand]) -> list[tuple[str, str]]:
    return [(" ".join(toks[c.i : c.j]), c.label) for c in cands]


def test_dateline_result_lines_and_scorers() -> None:
    text = ("SOCCER - ITALIAN RESULTS .\nMILAN 1996 - 10 - 06\nResults on Sunday :\n"
            "Genoa 2 ( Montella 12 , Nappi 80 ) Verona 1 ( Orlandini 30 ) . Halftime 1 - 1\nSampdoria 0 Atalanta 0")
    toks = toks_of(text)
    cands = cands_of(toks, [("MILAN 1996", "ORG"), ("Genoa", "GPE"), ("Montella", "GPE"), ("Verona", "GPE"),
                            ("Halftime", "PERSON")])
    got = labels(toks, wire_pass(toks, cands, is_place))
    assert ("MILAN", PLACE) in got and ("MILAN 1996", "ORG") not in got
    assert {("Genoa", ORG), ("Verona", ORG), ("Sampdoria", ORG), ("Atalanta", ORG)} <= set(got)
    assert {("Montella", PERSON), ("Nappi", PERSON), ("Orlandini", PERSON)} <= set(got)
    assert not any(s == "Halftime" for s, _ in got)


def test_a_date_line_without_a_place_is_no_dateline() -> None:
    toks = toks_of("Markets .\nUpdated 2024 - 05 - 01\nVIENNA , Austria 2024 - 05 - 01")
    got = labels(toks, wire_pass(toks, [], is_place))
    assert got == [("VIENNA", PLACE)]  # "Austria" is not in this test's gazetteer; "Updated" is no place


def test_standings_rows_are_teams_but_a_golf_leaderboard_is_not() -> None:
    table = "SOCCER - STANDINGS .\nSheffield Wednesday 3 3 0 0 6 2 9\nAston Villa 3 2 0 1 5 3 6"
    toks = toks_of(table)
    assert {("Sheffield Wednesday", ORG), ("Aston Villa", ORG)} <= set(labels(toks, wire_pass(toks, [], is_place)))
    golf = "GOLF - SCORES .\n134 Colin Montgomerie 66 68\n135 Ian Woosnam 67 68"
    toks = toks_of(golf)
    assert labels(toks, wire_pass(toks, [], is_place)) == []


def test_players_by_their_country_in_brackets_and_the_country_is_a_place() -> None:
    text = "TENNIS - RESULTS .\n1 - Carlos Moya ( Spain ) beat Jan Siemerink ( Netherlands ) 6 - 4 6 - 2"
    toks = toks_of(text)
    cands = cands_of(toks, [("Moya", "GPE"), ("Spain", "GPE"), ("Netherlands", "ORG")])
    got = set(labels(toks, wire_pass(toks, cands, is_place)))
    assert {("Carlos Moya", PERSON), ("Jan Siemerink", PERSON), ("Spain", PLACE), ("Netherlands", PLACE)} <= got
    text = "GOLF - SCORES .\nLeading scores on Friday ( Britain unless stated ) :"
    toks = toks_of(text)
    assert labels(toks, wire_pass(toks, [], is_place)) == [("Britain", PLACE)]  # not "Friday" as a player


def test_cricket_scorecard_names_are_players_and_the_innings_line_a_team() -> None:
    text = "CRICKET - SCOREBOARD .\nEngland first innings\nMike Atherton c Anwar b Wasim 31\nAlec Stewart lbw b Mushtaq 44"
    toks = toks_of(text)
    got = set(labels(toks, wire_pass(toks, [], is_place)))
    assert {("England", ORG), ("Mike Atherton", PERSON), ("Anwar", PERSON), ("Wasim", PERSON), ("Alec Stewart", PERSON),
            ("Mushtaq", PERSON)} <= got


def test_team_sport_places_are_teams_except_after_in() -> None:
    text = "SOCCER - QUALIFIER .\nEngland play Moldova in Kishinev on Sunday ."
    toks = toks_of(text)
    cands = cands_of(toks, [("England", "GPE"), ("Moldova", "GPE"), ("Kishinev", "GPE")])
    got = labels(toks, wire_pass(toks, cands, is_place))
    assert ("England", ORG) in got and ("Moldova", ORG) in got and ("Kishinev", "GPE") in got
    toks = toks_of("TENNIS - FINAL .\nSpain 's Carlos Moya won in Vienna .")  # not a team sport
    assert labels(toks, wire_pass(toks, cands_of(toks, [("Spain", "GPE")]), is_place)) == [("Spain", "GPE")]


def test_capitals_headline_takes_the_type_of_the_body_name() -> None:
    text = "SOCCER - LAZIO HELD BY PARMA .\nRome\nLazio were held by Parma ."
    toks = toks_of(text)
    cands = cands_of(toks, [("SOCCER - LAZIO", "ORG"), ("PARMA", "GPE"), ("Lazio", "ORG"), ("Parma", "ORG")])
    got = labels(toks, wire_pass(toks, cands, is_place))
    assert ("LAZIO", "SCAN-organisation") in got and ("PARMA", "SCAN-organisation") in got
    assert ("SOCCER - LAZIO", "ORG") not in got


def test_a_place_inside_an_event_name_and_an_index_name_are_no_mentions() -> None:
    toks = toks_of("Results at the U.S. Open ; the FTSE 100 index fell .")
    cands = cands_of(toks, [("U.S.", "GPE"), ("FTSE", "ORG")])
    assert wire_pass(toks, cands, is_place) == []


def test_a_company_short_form_is_the_company_though_a_person_bears_the_name() -> None:
    toks = "Dell Computer Corp cut prices . Chairman Michael Dell said so . Dell shares fell".split()
    cands = cands_of(toks, [("Dell Computer Corp", "ORG"), ("Michael Dell", "PERSON"), ("Dell", "PERSON")])
    _out, names = type_organisations(toks, cands)
    assert "dell" in names and "michael dell" not in names


def test_company_words_after_a_place_do_not_make_it_a_company() -> None:
    toks = "London shares closed lower as Glaxo shares fell".split()
    cands = cands_of(toks, [("London", "GPE"), ("Glaxo", "ORG")])
    _out, names = type_organisations(toks, cands, is_place)
    assert names == {"glaxo"}


def test_a_player_span_running_into_set_scores_still_gives_his_surname() -> None:
    toks = "TENNIS - BECKER BEATS CHANG . Boris Becker beat Michael Chang 6 - 3 6 - 4 . Chang said".split()
    cands = cands_of(toks, [("BECKER", "SCAN-person"), ("CHANG", "SCAN-person"), ("Boris Becker", "PERSON"),
                            ("Michael Chang 6 - 3 6 - 4", "PERSON"), ("Chang", "PERSON")])
    _out, names = type_organisations(toks, cands)
    assert "chang" not in names


def test_wire_copy_through_the_english_pipeline() -> None:
    from services.enrich.logic import Enricher

    text = ("SOCCER - GERMAN RESULTS .\nABU DHABI 1996-12-07\nResults of German first division matches on Saturday :\n"
            "Bayern Munich 2 Hamburg 1\nWerder Bremen 0 Borussia Dortmund 3")
    (actors, places, _t, _k), = Enricher().analyse_texts([text], ["en"])
    orgs = {m.text for a in actors if a.type == "organisation" for m in a.mentions}
    assert {"Bayern Munich", "Hamburg", "Werder Bremen", "Borussia Dortmund"} <= orgs
    assert "ABU DHABI" in {m.text for p in places for m in p.mentions}
    assert not any("1996" in m.text for a in actors for m in a.mentions)

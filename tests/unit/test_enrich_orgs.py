"""English organisations by context (services/enrich/orgs.py): a pure pass over tokens and candidates."""

from __future__ import annotations

import pytest

from services.enrich.orgs import type_organisations
from services.enrich.records import Cand


def spans(tokens: list[str], cands: list[Cand]) -> list[tuple[str, str]]:
    return [(" ".join(tokens[c.i : c.j]), c.label) for c in cands]


def run(text: str, marks: list[tuple[str, str]]) -> tuple[list[str], list[Cand], frozenset[str]]:
    """Tokens split on spaces; each mark (surface, label) becomes a candidate at its first free place."""
    toks = text.split()
    cands = []
    used: set[int] = set()
    for surface, label in marks:
        words = surface.split()
        i = next(k for k in range(len(toks)) if toks[k : k + len(words)] == words and k not in used)
        used.update(range(i, i + len(words)))
        cands.append(Cand(i, i + len(words), label))
    out, names = type_organisations(toks, cands)
    return toks, out, names


def test_result_line_teams_are_repaired_and_added() -> None:
    toks, out, names = run("Manchester United 0 - 3 Liverpool : fans booed", [("Manchester United 0 -", "PERSON")])
    assert spans(toks, out) == [("Manchester United", "ORG"), ("Liverpool", "ORG")]
    assert names == {"manchester united", "liverpool"}


def test_national_teams_in_a_match_report_and_one_type_per_name() -> None:
    text = "Japan stun Germany 2 - 1 in the World Cup . Japan coach Hajime Moriyasu said fans in Japan celebrated ."
    marks = [("Japan", "GPE"), ("Germany", "SCAN-place"), ("Japan", "GPE"), ("Hajime Moriyasu", "PERSON"), ("Japan", "SCAN-place")]
    _toks, _out, names = run(text, marks)
    assert names == {"japan", "germany"}  # two team cues outvote one "in Japan": the name keeps one type


def test_places_stay_places_without_sport_or_company_context() -> None:
    text = "Japan beat forecasts as exports from Germany rose ; inflation in Japan eased ."
    _toks, _out, names = run(text, [("Japan", "GPE"), ("Germany", "GPE"), ("Japan", "GPE")])
    assert names == frozenset()  # one sports-like word ("beat") is not a sports text


def test_place_cues_outvote_a_single_weak_cue() -> None:
    text = "Fans in Brazil and in Rio watched as the striker scored ; Brazil fans cheered in Brazil ."
    _toks, _out, names = run(text, [("Brazil", "GPE"), ("Rio", "GPE"), ("Brazil", "GPE"), ("Brazil", "GPE")])
    assert "brazil" not in names  # two "in Brazil" against one "Brazil fans"


@pytest.mark.parametrize(
    ("text", "marks", "expected"),
    [
        ("Shares of Ford fell 3 % after the carmaker cut its forecast .", [("Ford", "ORG")], {"ford"}),
        ("Investors sold shares in Dell after sales slowed .", [("Dell", "PERSON")], {"dell"}),
        ("Boeing said it would cut production .", [("Boeing", "PERSON")], {"boeing"}),
        ("Carmaker Volkswagen agreed to pay .", [("Carmaker Volkswagen", "ORG")], {"volkswagen"}),
        ("Henry Ford said it was a good car .", [("Henry Ford", "PERSON")], frozenset()),
        ("Lincoln said he would fight on .", [("Lincoln", "PERSON")], frozenset()),
    ],
)
def test_companies_named_after_people_and_places(text: str, marks: list[tuple[str, str]], expected: set[str]) -> None:
    assert run(text, marks)[2] == expected


def test_tennis_set_scores_are_not_teams_and_players_stay_persons() -> None:
    text = "Rafael Nadal beat Novak Djokovic 6 - 4 , 6 - 3 in the final ; Nadal 6 - 4 was enough ."
    toks, out, names = run(text, [("Rafael Nadal", "PERSON"), ("Novak Djokovic", "PERSON"), ("Nadal", "PERSON")])
    assert names == frozenset()
    assert all(c.label == "PERSON" for c in out)


def test_club_words_extend_and_name_clubs_but_not_countries() -> None:
    text = "The midfielder joined Leicester City from Real Madrid , scouts in the United States said after the match ."
    toks, out, names = run(text, [("Leicester", "SCAN-place"), ("Madrid", "GPE"), ("United States", "GPE")])
    assert ("Leicester City", "SCAN-place") in spans(toks, out) and ("Real Madrid", "GPE") in spans(toks, out)
    assert {"leicester city", "real madrid"} <= names
    assert "united states" not in names
    _t, _o, plain = run("Flights from Mexico City resumed .", [("Mexico", "GPE")])
    assert plain == frozenset()  # "City" names a club only in a sports text


def test_spans_trimmed_only_where_the_tail_is_not_a_name() -> None:
    toks, out, _ = run("Tottenham Hotspur face Arsenal in the derby", [("Tottenham Hotspur face", "PERSON"), ("Arsenal", "ORG")])
    assert spans(toks, out)[0] == ("Tottenham Hotspur", "PERSON")
    toks, out, _ = run("President Lai Ching - te spoke in Taipei", [("Lai Ching - te", "PERSON")])
    assert spans(toks, out)[0] == ("Lai Ching - te", "PERSON")


def test_words_before_a_club_or_company_word_become_candidates() -> None:
    toks, out, names = run("Philips shareholders approved the sale .", [])
    assert spans(toks, out) == [("Philips", "SCAN-organisation")] and names == {"philips"}
    toks, out, names = run("The shareholders approved it .", [])
    assert out == [] and names == frozenset()


def test_the_input_is_not_changed() -> None:
    toks = "Manchester United 0 - 3 Liverpool".split()
    cands = [Cand(0, 4, "PERSON")]
    type_organisations(toks, cands)
    assert (cands[0].i, cands[0].j, cands[0].label) == (0, 4, "PERSON")


def test_through_the_english_pipeline() -> None:
    from services.enrich.logic import Enricher

    enricher = Enricher()
    (actors, places, _t, _k), = enricher.analyse_texts(
        ["Arsenal 2-1 Chelsea\n\nA late goal from the striker kept Arsenal top of the league."], ["en"]
    )
    orgs = {a.name for a in actors if a.type == "organisation"}
    assert {"Arsenal", "Chelsea"} <= orgs
    assert not {"Arsenal", "Chelsea"} & {p.name for p in places}


def test_one_span_over_a_result_line_is_split_into_its_teams() -> None:
    toks, out, names = run("Everton 1-1 Fulham : a late penalty", [("Everton 1-1 Fulham", "PERSON")])
    assert spans(toks, out) == [("Everton", "ORG"), ("Fulham", "ORG")]
    assert names == {"everton", "fulham"}


def test_a_name_coordinated_with_a_team_is_a_team() -> None:
    text = "Scotland boss Steve Clarke named his squad for the games against Spain and Norway in the qualifiers ."
    marks = [("Scotland", "GPE"), ("Steve Clarke", "PERSON"), ("Spain", "GPE"), ("Norway", "GPE")]
    _toks, _out, names = run(text, marks)
    assert names == {"scotland", "spain", "norway"}
    # the same coordination outside a sports text says nothing
    _toks, _out, names = run("Exports to Spain and Norway rose in March .", [("Spain", "GPE"), ("Norway", "GPE")])
    assert names == frozenset()


def test_the_short_form_of_a_club_is_the_club_and_is_added_when_missed() -> None:
    text = "Leicester City have sacked their manager after six defeats . Leicester are 18th , behind Wolves ."
    toks, out, names = run(text, [("Leicester City", "ORG")])
    assert "leicester" in names and ("Leicester", "SCAN-organisation") in spans(toks, out)
    # "in Manchester" stays a place even with "Manchester United" in the text
    text = "Manchester United beat Chelsea 2 - 0 . Fans in Manchester celebrated ."
    _toks, _out, names = run(text, [("Manchester United", "ORG"), ("Chelsea", "ORG"), ("Manchester", "GPE")])
    assert "manchester" not in names and "manchester united" in names


def test_a_club_the_model_took_for_a_person_gives_no_surname() -> None:
    text = "Aston Villa signed the midfielder from Lyon . Villa manager Unai Emery was pleased ."
    marks = [("Aston Villa", "PERSON"), ("Lyon", "ORG"), ("Villa", "SCAN-person"), ("Unai Emery", "PERSON")]
    _toks, _out, names = run(text, marks)
    assert {"aston villa", "villa"} <= names


def test_a_player_role_after_a_country_names_a_team_in_any_text() -> None:
    _toks, _out, names = run("France coach Didier Deschamps named Antoine Griezmann .", [("France", "GPE"),
                             ("Didier Deschamps", "PERSON"), ("Antoine Griezmann", "PERSON")])
    assert names == {"france"}
    _toks, _out, names = run("The president of France met reporters .", [("France", "GPE")])
    assert names == frozenset()


def test_result_verbs_add_a_missed_team_and_goals_from_names_a_player() -> None:
    text = "Wales beat Italy 24 - 20 in Rome , with goals from Vinicius Junior and a late try ."
    toks, out, names = run(text, [("Italy", "GPE"), ("Rome", "GPE"), ("Vinicius Junior", "ORG")])
    found = spans(toks, out)
    assert ("Wales", "SCAN-organisation") in found and ("Vinicius Junior", "PERSON") in found
    assert {"wales", "italy"} <= names and "rome" not in names

"""The general repairs of services/enrich/ml_fixes.py, as pure functions on short texts of
their own (none taken from the blind set they were found on)."""

from __future__ import annotations

from types import SimpleNamespace

from services.enrich.ml_fixes import accent_variant, agency_credit, portfolio_cut, saint_prefix, span_start, title_run
from services.enrich.ml_words import Words
from services.enrich.multilingual import _TOKEN
from services.enrich.records import Analysis

WORDS = Words()


def toks(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in _TOKEN.finditer(text)]


def tok_at(text: str, word: str) -> int:
    start = text.index(word)
    return next(k for k, (s, _e) in enumerate(toks(text)) if s == start)


def test_agency_credit_as_written_unless_known_or_an_acronym() -> None:
    text = "Titolo\n\nGENOVA (Agenzia Stampa Ligure) - Il porto riapre."
    a = Analysis(text=text)
    agency_credit(a, text, [], lambda s: None)
    assert [g.name for g in a.groups.values()] == ["Agenzia Stampa Ligure"]
    for credit in ("(XYZ)", "(mb)"):  # an unknown acronym or an author's initials: left alone
        text = f"Titel\n\nKASSEL {credit} - Der Stadtrat tagt."
        a = Analysis(text=text)
        agency_credit(a, text, [], lambda s: None)
        assert not a.groups
    text = "Titre\n\nLYON (Presse Lyonnaise) – Le maire parle."
    a = Analysis(text=text)
    agency_credit(a, text, [(text.index("Presse"), text.index(")"))], lambda s: None)
    assert not a.groups  # already found by the scan


def test_span_start_skips_the_credit_and_drops_a_portfolio() -> None:
    text = "BARI (Nuova Agenzia) - Il sindaco Carlo Rossi parla."
    start = span_start(WORDS, text, toks(text), text.index("Nuova"), text.index(" parla"), "person", "it")
    assert text[start:].startswith("Il sindaco")
    text = "El ministro de Asuntos Sociales, Ana Ruiz, habló."
    assert span_start(WORDS, text, toks(text), text.index("Asuntos"), text.index(","), "person", "es") == -1


def test_title_run_takes_the_titles_adjective_and_the_span_is_a_persons() -> None:
    text = "le Premier ministre néerlandais Jan Peeters a parlé"
    t = toks(text)
    k = title_run(WORDS, text, t, 0, text.index(" a parlé"), "fr")
    assert text[t[k][0]:].startswith("Jan Peeters")
    end = text.index(" a parlé")
    assert portfolio_cut(WORDS, text, t, 0, k, end, "organisation", "fr", lambda s: None) == (k, "person")
    text = "la ministre de la Santé Claire Martin visite"
    t = toks(text)
    end = text.index(" visite")
    k = title_run(WORDS, text, t, 0, end, "fr")
    k, kind = portfolio_cut(WORDS, text, t, 0, k, end, "organisation", "fr", lambda s: None)
    assert kind == "person" and text[t[k][0]:end] == "Claire Martin"
    text = "le directeur de la Banque de France parle"
    t = toks(text)
    end = text.index(" parle")
    k = title_run(WORDS, text, t, 0, end, "fr")  # a known organisation stays one
    assert portfolio_cut(WORDS, text, t, 0, k, end, "organisation", "fr", lambda s: object())[1] == "organisation"


def test_saint_prefix_and_accent_variant() -> None:
    text = "nel quartiere di San Paolo e a San."
    t = toks(text)
    assert saint_prefix(text, t, tok_at(text, "San"), 1)
    assert not saint_prefix(text, t, len(t) - 1, 1)
    rec = SimpleNamespace(type="organisation", alias="Sénat")
    assert accent_variant(rec, "Senat", "de") and not accent_variant(rec, "Sénat", "de")
    assert not accent_variant(rec, "Senat", "fr")
    assert not accent_variant(SimpleNamespace(type="organisation", alias="ver.di"), "Verdi", "de")


def test_titled_name_particles_and_german_national_nouns() -> None:
    from services.enrich.ml_titled import titled_name

    text = "la presidenta regional, Ana María Pérez de la Rosa, habló"
    persons: list[tuple[int, int, str | None, list[str]]] = []
    assert titled_name(WORDS, lambda w: None, text, toks(text), tok_at(text, "Ana"), "es", persons) == 6
    assert persons[0][2] == "Ana María Pérez de la Rosa"
    text = "Der Franzose Pierre Dubreuil gewann vor Anna Weber von Greenpeace."
    persons = []
    assert titled_name(WORDS, lambda w: None, text, toks(text), tok_at(text, "Pierre"), "de", persons) == 2
    assert persons[0][2] == "Pierre Dubreuil"
    persons = []
    titled_name(WORDS, lambda w: None, text, toks(text), tok_at(text, "Anna"), "de", persons)
    assert [p[2] for p in persons] in ([], ["Anna Weber"])  # never "Anna Weber von Greenpeace"


def test_national_person_whatever_the_label() -> None:
    from services.enrich.ml_fixes import national_person

    text = "devant le Norvégien Erik Solberg et la Banque"
    s = text.index("Norvégien")
    assert national_person(text, s, text.index(" et"), None, "fr") == ("person", text.index("Erik"))
    text = "ante el checo Pavel Novak en la final"
    s = text.index("Pavel")
    assert national_person(text, s, text.index(" en la"), "organisation", "es") == ("person", s)
    text = "ante el checo Banco en la final"  # one word: unchanged
    s = text.index("Banco")
    assert national_person(text, s, s + 5, "organisation", "es") == ("organisation", s)


def test_oblast_named_after_a_former_city_name() -> None:
    from services.enrich.ml_fixes import oblast_name

    assert oblast_name("Свердловск", "Yekaterinburg") == "Sverdlovsk"
    assert oblast_name("Оренбург", "Orenburg") == "Orenburg"
    assert oblast_name("Нижегород", "Nizhny Novgorod") == "Nizhny Novgorod"

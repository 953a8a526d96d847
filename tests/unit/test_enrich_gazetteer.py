import pytest

from services.enrich.gazetteer import Gazetteer


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return Gazetteer()


def pick(gaz: Gazetteer, target: str, *others: str, ctx: tuple[str, ...] = ()):  # type: ignore[no-untyped-def]
    return gaz.resolve_document([target, *others], ctx)[target].entry


def test_alternate_names(gaz: Gazetteer) -> None:
    assert pick(gaz, "Kiev").name == "Kyiv"
    assert pick(gaz, "Bombay").name == "Mumbai"


def test_georgia_by_context(gaz: Gazetteer) -> None:
    assert pick(gaz, "Georgia", "Tbilisi").feature == "country"
    assert pick(gaz, "Georgia", ctx=("RU",)).feature == "country"  # a neighbour named nearby
    state = pick(gaz, "Georgia", "Atlanta")
    assert state.feature == "admin1" and state.country_code == "US"


def test_paris_and_washington(gaz: Gazetteer) -> None:
    assert pick(gaz, "Paris").country_code == "FR"
    assert pick(gaz, "Paris", "Texas").country_code == "US"
    assert pick(gaz, "Washington").name == "Washington, D.C."
    assert pick(gaz, "Washington", "Seattle").feature == "admin1"
    assert pick(gaz, "Odessa", "Ukraine").country_code == "UA"


def test_countries_have_coordinates_and_demonyms(gaz: Gazetteer) -> None:
    ua = gaz.countries["UA"]
    assert ua.lat is not None and ua.geonameid == 690791
    assert gaz.demonym("Ukrainians") == ua
    assert gaz.demonym("American").name == "United States"
    assert gaz.demonym("Saudi").country_code == "SA"
    assert len(gaz.demonym_forms) >= 100
    assert gaz.government_name("RU") == "Russian government"

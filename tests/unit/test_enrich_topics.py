from services.enrich.topics import TopicClassifier, keywords


def words(text: str) -> list[str]:
    return [w.strip(".,'\"").lower() for w in text.split()]


def test_sport_and_economy() -> None:
    tc = TopicClassifier()
    sport = tc.classify(words("The striker scored twice as the club won the league title in front of 50,000 fans at the stadium."))
    assert sport[0].id == "medtop:15000000"
    econ = tc.classify(words("The central bank raised interest rates by 25 basis points as inflation stayed high, and shares fell."))
    ids = [t.id for t in econ]
    assert ids[0] in ("medtop:04000000", "medtop:20000350") and "medtop:20000350" in ids


def test_no_topic_for_empty_text() -> None:
    assert TopicClassifier().classify([]) == []


def test_keywords_are_deterministic() -> None:
    w = words("peace talks peace talks summit summit summit the the")
    assert keywords(w, {"the"}, ["Kyiv"]) == keywords(w, {"the"}, ["Kyiv"]) == ["Kyiv", "summit", "peace", "talks"]


def test_a_much_named_subject_outweighs_the_sales_vocabulary() -> None:
    from shared.models import Actor

    tc = TopicClassifier()
    tokens = words("Kodak cameras sell out\n\nKodak said sales of its digital cameras rose and its shares "
                   "gained as retailers cheered. Kodak said customers bought more of the Kodak cameras, and "
                   "analysts said Kodak stores were busy. Kodak would make more, Kodak said.")
    named = {n: tc.classify(tokens, [Actor(name="Kodak", type="organisation", count=n)])[0].id for n in (3, 7)}
    # seven mentions: the camera maker is the subject; counted only three times (the old cap),
    # the sales words won
    assert named == {3: "medtop:04000000", 7: "medtop:13000000"}

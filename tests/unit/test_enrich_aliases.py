from shared.aliases import AliasRegistry, fold


def test_fold_ignores_case_accents_and_dots() -> None:
    assert fold("Erdoğan") == fold("erdogan")
    assert fold("U.S.") == fold("US")
    assert fold("Zelensky’s") == fold("Zelenskys")


def test_seed_resolves_variants() -> None:
    reg = AliasRegistry.seeded()
    for variant in ("Zelensky", "Zelenskyy", "Zelenskiy", "Vladimir Zelensky", "ZELENSKY"):
        assert reg.resolve(variant) == "Volodymyr Zelensky"
    assert reg.resolve("Putin") == "Vladimir Putin"
    assert reg.resolve("Trump") == "Donald Trump"
    assert reg.resolve("Hegseth") == "Pete Hegseth"
    assert reg.resolve("United States of America") == "United States"
    assert reg.resolve("Kiev") == "Kyiv"
    assert reg.resolve("Nobody Special") is None


def test_add_follows_chains_and_round_trips() -> None:
    reg = AliasRegistry.seeded()
    rec = reg.add("Zelenskyi", "Zelensky")  # target is itself an alias -> stored against the canonical
    assert rec.canonical == "Volodymyr Zelensky" and rec.type == "person"
    reg.add("Jane Q. Public", "Jane Public", "person")
    copy = AliasRegistry.from_records(reg.to_records())
    assert copy.to_records() == reg.to_records()
    assert copy.resolve("jane q public") == "Jane Public"


def test_tombstone_removes_alias() -> None:
    reg = AliasRegistry.from_records([{"alias": "Foo", "canonical": "Bar"}, {"alias": "Foo", "canonical": None}])
    assert reg.resolve("Foo") is None

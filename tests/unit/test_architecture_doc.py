"""docs/ARCHITECTURE.md names real code: every dotted name in backticks imports."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "ARCHITECTURE.md"
NAME = re.compile(r"`((?:shared|services|newsflow_cli|deploy)(?:\.\w+)+)`")


def resolve(dotted: str) -> object:
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj: object = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for attr in parts[cut:]:
            obj = getattr(obj, attr)
        return obj
    raise ModuleNotFoundError(dotted)


NAMES = sorted(set(NAME.findall(DOC.read_text())))


def test_the_doc_names_enough() -> None:
    assert len(NAMES) > 30


@pytest.mark.parametrize("name", NAMES)
def test_every_named_symbol_exists(name: str) -> None:
    assert resolve(name) is not None


def test_a_missing_name_is_caught() -> None:
    with pytest.raises((ModuleNotFoundError, AttributeError)):
        resolve("shared.stream.steps.NoSuchStep")

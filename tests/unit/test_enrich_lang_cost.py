"""The cost of non-English enrichment stays in proportion to the names in a text: natasha reads
only the sentences that may hold a name, and a gazetteer-only language loads no model."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from services.enrich.lexicons import _may_name, load_russian, russian_docs, stop_words

ROOT = Path(__file__).resolve().parents[2]
NAMED = "Министр иностранных дел России Сергей Лавров прибыл в Пекин."
SPEECH = "Внезапно я захотел вести блог, совершенно любой, и не перестану есть то, что люблю."


def natasha_spans(text: str) -> list[tuple[int, int, str, str]]:
    """natasha's own pipeline over the whole text: every sentence tagged and read by NER."""
    from natasha import Doc

    ru = load_russian()
    doc = Doc(text)
    doc.segment(ru.segmenter)
    doc.tag_morph(ru.morph_tagger)
    doc.tag_ner(ru.ner_tagger)
    for span in doc.spans:
        span.normalize(ru.morph_vocab)
    return [(s.start, s.stop, s.type, s.normal) for s in doc.spans]


def test_may_name_keeps_capitals_and_name_openers() -> None:
    vocab = load_russian().morph_vocab
    assert not _may_name(["Внезапно", "я", "захотел"], vocab)  # an adverb opens, nothing else capitalised
    assert not _may_name(["Это", "может", "быть", "борщ"], vocab)
    assert not _may_name([], vocab)
    assert _may_name(["В", "Москве"], vocab)  # a capital after the first word
    assert _may_name(["Это", "Instagram"], vocab)  # Latin letters
    assert _may_name(["Путин", "заявил"], vocab)  # a surname opens the sentence
    assert _may_name(["Кремль", "заявил"], vocab)  # a noun may be a name
    assert _may_name(["Цзиньпин", "прибыл"], vocab)  # a word the dictionary lacks


def test_russian_docs_read_only_sentences_that_may_name(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "\n\n".join([SPEECH] * 20 + [NAMED] + [SPEECH] * 20 + ["Позже Лавров посетил Санкт-Петербург."])
    ru = load_russian()
    seen: dict[str, list[Any]] = {"ner": [], "morph": []}
    ner_map, morph_map = ru.ner_tagger.map, ru.morph_tagger.map
    monkeypatch.setattr(ru.ner_tagger, "map", lambda texts: (seen["ner"].extend(texts), ner_map(texts))[1])
    monkeypatch.setattr(ru.morph_tagger, "map", lambda items: (seen["morph"].extend(items), morph_map(items))[1])
    doc = russian_docs([text])[0]
    for span in doc.spans:
        span.normalize(ru.morph_vocab)
    got = [(s.start, s.stop, s.type, s.normal) for s in doc.spans]
    monkeypatch.undo()
    assert got == natasha_spans(text)  # the same spans and base forms as natasha over everything
    assert {"Сергей Лавров", "Пекин", "Санкт-Петербург"} <= {g[3] for g in got}
    (masked,) = seen["ner"]
    assert len(masked) == len(text)  # offsets kept
    assert len(masked.split()) == len((NAMED + " Позже Лавров посетил Санкт-Петербург.").split())
    assert len(seen["morph"]) == 2  # the two sentences holding a name, not 42


def test_stop_words_are_spacys_lists_read_without_the_language_package() -> None:
    from spacy.lang.de.stop_words import STOP_WORDS as DE
    from spacy.lang.ru.stop_words import STOP_WORDS as RU

    assert stop_words("de") == DE and stop_words("ru") == RU and "und" in stop_words("de")
    assert stop_words("xx") == frozenset() and stop_words("../de") == frozenset()


def test_gazetteer_only_language_loads_no_model() -> None:
    """A Korean article with Latin names costs its lookups only: neither natasha (the Russian
    lemma index of regions) nor spaCy's French package (whose import compiles the tokenizer
    exceptions) is loaded, and the names are still found."""
    code = """
import json, sys
from datetime import UTC, datetime
from services.enrich.logic import Enricher
from shared.models import CleanArticle
body = "윤석열 대통령은 Seoul 에서 Samsung Electronics 기자회견을 열고 North Korea 미사일 발사를 규탄했다. Joe Biden 대통령과 통화했다."
e = Enricher()
r = e.enrich_batch([CleanArticle(id="k", url="https://e.com/k", title="제목", body=body, language="ko",
                                 content_hash="h", received_at=datetime.now(UTC))])[0]
print(json.dumps({"actors": [a.name for a in r.actors], "places": [p.name for p in r.places],
                  "natasha": "natasha" in sys.modules, "fr": "spacy.lang.fr" in sys.modules}))
"""
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True, timeout=300)
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert not got["natasha"] and not got["fr"]
    assert {"Seoul", "North Korea"} <= set(got["places"]) and "Joe Biden" in got["actors"]


def test_russian_model_runs_numpy_blas_on_one_thread() -> None:
    """natasha's small matrices: a second OpenBLAS thread only spins (half the CPU per article)."""
    code = """
import ctypes, os
from pathlib import Path
import numpy
from services.enrich.lexicons import load_russian
lib = next((Path(numpy.__file__).parent.parent / "numpy.libs").glob("*openblas*.so*"))
blas = ctypes.CDLL(str(lib))
get = next(getattr(blas, n) for n in ("scipy_openblas_get_num_threads64_", "openblas_get_num_threads64_", "openblas_get_num_threads") if hasattr(blas, n))
before = get()
load_russian()
print(before, get())
"""
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True, timeout=300, env=env)
    before, after = map(int, out.stdout.split()[-2:])
    assert after == 1, (before, after)
    pinned = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True, timeout=300,
                            env={**env, "OPENBLAS_NUM_THREADS": "2"})
    assert pinned.stdout.split()[-2:] == ["2", "2"]  # an explicit setting wins

"""The syndicated-copies stream of the benchmark: unique originals, real copies, 30 % of the posts."""

from __future__ import annotations

from benchmarks.corpus import load_pages
from benchmarks.syndicated import check, reused_in_log, stream, vary


def test_the_stream_has_the_share_of_copies_each_after_its_original() -> None:
    _, pages = load_pages()
    posts = stream(pages, 120, "unit", lag=30)
    copies = [(k, p.copy_of) for k, p in enumerate(posts) if p.copy_of is not None]
    assert len(copies) == 36  # 30 %
    assert all(k >= 30 and o is not None and o <= k - 30 and posts[o].copy_of is None for k, o in copies)
    assert len({p.body["url"] for p in posts}) == 120
    assert stream(pages, 120, "unit", lag=30) == posts  # deterministic
    for k, o in copies[:5]:
        copy, original = posts[k].body, posts[o].body
        assert copy["title"] == original["title"] and copy["source"] != original["source"]
        assert copy["body"] != original["body"] and copy["body"].rsplit("\n", 1)[0] == original["body"].rsplit("\n", 1)[0]


def test_clean_marks_every_copy_and_no_original() -> None:
    """With 120 posts some pages give two originals: without the word shuffle they would be
    marked duplicates of each other (and are, if ``vary`` returns its input)."""
    _, pages = load_pages()
    got = check(stream(pages, 120, "unit", lag=30))
    assert got == {"posts": 120, "copies": 36, "copies_marked_as_copies_of_their_original": 36,
                   "originals_marked_duplicate": 0}


def test_vary_keeps_the_words_and_the_names_in_place() -> None:
    text = "Vladimir Putin met the press in Moscow on a cold and rainy day in the late autumn"
    varied = vary(text, "s")
    assert varied != text and sorted(varied.split()) == sorted(text.split())
    assert [w for w in varied.split() if w[0].isupper()] == ["Vladimir", "Putin", "Moscow"]
    assert varied.split().index("Putin") == text.split().index("Putin")


def test_reused_copies_are_read_from_the_enrich_log() -> None:
    log = ('{"message": "3 of 32 articles were copies that took their original\'s enrichment"}\n'
           '{"message": "index: batch"}\n{"message": "12 of 32 articles were copies that took their original\'s"}\n')
    assert reused_in_log(log) == 15

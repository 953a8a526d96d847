"""The fault campaign's duplicate figures, over crafted index contents (no I/O).

Each test breaks one thing the way a broken system would (dedup off, an original marked,
a canonicaliser that splits one URL into two documents, a replay) and checks that the
figure that should see it does, and that the others stay 0.
"""

from __future__ import annotations

from collections import Counter

import random

from services.clean.dedup import DuplicateDetector
from tests.e2e.campaign import (
    Doc,
    Duplicates,
    count_duplicates,
    corpus_sentences,
    make_articles,
    same_url_again,
    syndicated_copies,
    with_resends,
)
from shared.ids import article_id, canonical_url

COPIES = {"c1": "o1", "c2": "o2"}
WRITES = Counter({"o1": 1, "o2": 1, "o3": 2, "c1": 1, "c2": 1})


def docs(**changes: Doc) -> dict[str, Doc]:
    healthy = {"o1": Doc(1, None, "https://a/1"), "o2": Doc(1, None, "https://a/2"),
               "o3": Doc(2, None, "https://a/3"),  # posted twice: two writes are expected
               "c1": Doc(1, "o1", "https://w/1"), "c2": Doc(1, "o2", "https://w/2")}
    healthy.update(changes)
    return healthy


def test_a_healthy_index_has_no_duplicate_figures() -> None:
    assert count_duplicates(docs(), COPIES, WRITES) == Duplicates(0, 0, 0, 0)


def test_dedup_switched_off_leaves_copies_unmarked() -> None:
    off = docs(c1=Doc(1, None, "https://w/1"), c2=Doc(1, None, "https://w/2"))
    assert count_duplicates(off, COPIES, WRITES) == Duplicates(2, 0, 0, 0)


def test_a_copy_marked_as_duplicate_of_the_wrong_article_or_missing_counts_as_unmarked() -> None:
    wrong = docs(c1=Doc(1, "o2", "https://w/1"))
    del wrong["c2"]
    assert count_duplicates(wrong, COPIES, WRITES).copies_unmarked == 2


def test_copy_seen_first_marks_the_original() -> None:
    # the copy reached clean first: it is the "original", and the real original points at it
    swapped = docs(o1=Doc(1, "c1", "https://a/1"), c1=Doc(1, None, "https://w/1"))
    assert count_duplicates(swapped, COPIES, WRITES) == Duplicates(1, 1, 0, 0)


def test_one_url_as_two_documents_is_counted() -> None:
    split = docs(o3b=Doc(1, None, "https://a/3"))
    assert count_duplicates(split, COPIES, WRITES).extra_docs == 1


def test_a_replay_is_a_rewrite_but_a_second_post_is_not() -> None:
    assert count_duplicates(docs(o1=Doc(2, None, "https://a/1")), COPIES, WRITES).rewritten == 1
    assert count_duplicates(docs(o3=Doc(3, None, "https://a/3")), COPIES, WRITES).rewritten == 1
    assert count_duplicates(docs(), COPIES, WRITES).rewritten == 0  # o3 at _version 2 after 2 posts


def test_campaign_copies_and_resends_are_what_they_claim() -> None:
    articles = [{"url": f"https://campaign.example/r/{i}", "title": f"t{i}", "body": f"b{i}", "source": "s"}
                for i in range(60)]
    copies = syndicated_copies(articles, every=10, bad_every=21)
    assert [u for u, _ in copies] == [articles[i]["url"] for i in (1, 11, 31, 41, 51)]  # 21 is a bad one
    for (url, copy), k in zip(copies, range(len(copies))):
        original = next(a for a in articles if a["url"] == url)
        assert canonical_url(copy["url"]) != canonical_url(url)
        exact = k % 2 == 0  # exact and near copies alternate
        assert (copy["title"], copy["body"]) == (original["title"], original["body"]) if exact else \
            copy["title"] != original["title"] and copy["body"].startswith(original["body"])
    again = same_url_again(articles[7])
    assert again["url"] != articles[7]["url"]
    assert article_id(again["url"], None, None) == article_id(articles[7]["url"], None, None)
    stream, resends = with_resends(articles, every=25, lag=5, bad_every=50)
    assert resends == 3 and len(stream) == 63  # articles 2, 27 and 52 again
    assert stream.index(same_url_again(articles[2])) == 8  # 5 places after article 2 (plus itself)


def marked_by_clean(articles: list[dict]) -> int:
    """How many of these articles clean's detector (default threshold) would mark as copies."""
    detector = DuplicateDetector()
    return sum(detector.check_and_add(str(k), None, str(k), f"{a['title']}\n\n{a['body']}") is not None
               for k, a in enumerate(articles))


def test_campaign_originals_are_nobodys_copy() -> None:
    # six random sentences each, drawn naively, do collide: clean marks some of 2,000
    rng, sentences = random.Random("naive"), corpus_sentences()
    naive = [{"title": f"Campaign naive article {i}", "body": " ".join(rng.sample(sentences, 6))} for i in range(2000)]
    assert marked_by_clean(naive) > 0
    assert marked_by_clean(make_articles(2000, "drawn-again")) == 0

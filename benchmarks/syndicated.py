"""A stream with syndicated copies: the same wire story posted again under other URLs and sources.

The bench corpus has 60 real pages, so cycling it makes most posts copies of one another. This
stream instead has unique originals and a known share of real copies:

* **originals**: each a real page's title and text, made a different story for the duplicate
  detector by a deterministic word shuffle: about half the lower-case words trade places with
  other lower-case words of the same text (names, which start upper-case, stay where they are,
  so the model still finds them). Every word 3-shingle that contains a moved word is new, so
  two originals from one page share a few percent of their shingles, far below the detector's
  0.3 Jaccard (pages where they would not are left out, :func:`distinct_pages`); the
  vocabulary and length, what the model's cost depends on, stay the page's. Each carries a
  wire footer line.
* **copies**: an earlier original (at least ``lag`` posts earlier, so its enrichment is done
  when the copy arrives, as with real syndication minutes later: 150 posts, as the stages'
  consumers take hundreds of records from one partition before the next, so a copy only a
  few dozen posts behind can reach enrich before its original), word for word, under its
  own URL and source, with the footer line changed ("... via <outlet>"): what clean marks
  ``duplicate_of`` the original.

:func:`check` runs the clean stage's own duplicate detector over a stream, to show before the
pipeline runs that the copies are copies and the originals are not.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from typing import Any

OUTLETS = ("Daily Ledger", "Morning Post", "City Herald", "Valley Times", "Coast Courier", "Metro Wire")


@dataclass(frozen=True)
class Post:
    """One POST /articles body, and which earlier post it copies (None: an original)."""

    body: dict[str, Any]
    copy_of: int | None = None


def _rng(*parts: object) -> random.Random:
    return random.Random(hashlib.sha256(repr(parts).encode()).digest())


def vary(text: str, seed: str, share: float = 0.5) -> str:
    """``text`` with about ``share`` of its lower-case words swapped among themselves (see above)."""
    rng = _rng("vary", seed)
    lines = text.split("\n")
    slots = [(li, wi) for li, line in enumerate(lines) for wi, w in enumerate(line.split(" "))
             if w and not w[:1].isupper() and rng.random() < share]
    words = [line.split(" ") for line in lines]
    moved = [words[li][wi] for li, wi in slots]
    rng.shuffle(moved)
    for (li, wi), w in zip(slots, moved):
        words[li][wi] = w
    return "\n".join(" ".join(ws) for ws in words)


def distinct_pages(pages: list[Any], most: float = 0.12) -> list[Any]:
    """The pages whose variants are different stories: two variants' estimated Jaccard at most
    ``most`` (texts with few movable words, like Japanese without spaces, are left out)."""
    from services.clean.dedup import jaccard_estimate

    return [p for p in pages if jaccard_estimate(vary(p.body, "probe-a"), vary(p.body, "probe-b")) <= most]


def stream(pages: list[Any], n: int, run: str, share: float = 0.3, lag: int = 150) -> list[Post]:
    """``n`` posts, ``round(share * n)`` of them copies, all at positions ``>= lag``, each copying
    an original at least ``lag`` positions before it; deterministic in (pages, n, run)."""
    pages = distinct_pages(pages)
    copies = round(share * n)
    lag = min(lag, n - copies)  # room for the copies after the first lag originals
    span = n - lag
    rng = _rng("stream", run, n)
    posts: list[Post] = []
    originals: list[int] = []
    for k in range(n):
        j = k - lag
        is_copy = j >= 0 and (j + 1) * copies // span > j * copies // span
        eligible = [o for o in originals if o <= k - lag]
        if is_copy and eligible:
            o = rng.choice(eligible)
            src = posts[o].body
            outlet = OUTLETS[k % len(OUTLETS)]
            body = src["body"].replace("Distributed by Newsflow Wire.", f"Distributed by Newsflow Wire via {outlet}.")
            posts.append(Post({"url": f"https://{outlet.lower().replace(' ', '')}.example/{run}/{k}",
                               "title": src["title"], "body": body, "source": outlet.lower().replace(" ", "-"),
                               "published_at": src["published_at"]}, copy_of=o))
            continue
        page = pages[len(originals) % len(pages)]
        body = vary(page.body, f"{run}-{k}") + "\n\nDistributed by Newsflow Wire."
        posts.append(Post({"url": f"https://wire.example/{run}/{k}", "title": page.title, "body": body,
                           "source": "newsflow-wire", "published_at": "2026-01-02T03:04:05Z"}))
        originals.append(k)
    return posts


def check(posts: list[Post]) -> dict[str, int]:
    """What the clean stage's duplicate detector says of ``posts`` in order: copies it marks (should
    be all), originals it marks (should be none). Runs clean itself, as the stage does."""
    from services.clean.dedup import DuplicateDetector
    from services.clean.logic import clean
    from shared.models import RawArticle

    detector = DuplicateDetector()
    marked_copies = marked_originals = 0
    for k, post in enumerate(posts):
        from datetime import UTC, datetime

        a = clean(RawArticle(id=f"s-{k}", url=post.body["url"], title=post.body["title"], body=post.body["body"],
                             received_at=datetime.now(UTC)))
        original = detector.check_and_add(a.id, a.canonical_url, a.content_hash, f"{a.title}\n\n{a.body}")
        if post.copy_of is None:
            marked_originals += original is not None
        else:
            marked_copies += original == f"s-{post.copy_of}"
    return {"posts": len(posts), "copies": sum(p.copy_of is not None for p in posts),
            "copies_marked_as_copies_of_their_original": marked_copies,
            "originals_marked_duplicate": marked_originals}


def reused_in_log(text: str) -> int:
    """Copies the enrich stage says took their original's enrichment, summed over its log."""
    import re

    return sum(int(m) for m in re.findall(r"(\d+) of \d+ articles were copies that took their original", text))

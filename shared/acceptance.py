"""What an article needs before the pipeline accepts it, decided once for ingest and clean.

A client's useless post must be refused at the door (ingest: HTTP 422 with this reason), not
accepted and then dead-lettered by clean: dead letters are for what only a later stage can
find out. So every rule clean applies that can be decided without HTML extraction lives
here, and clean calls the same :func:`refusal` (the rule lives once):

* no words at all in ``body`` nor ``html`` (whitespace, control characters, markup only:
  ``<p></p>``, ``&nbsp;``);
* a feed document (RSS, Atom, RDF, any ``<?xml`` document) pasted as the article.

What a body without a title gets instead of a refusal is :func:`derive_title`: the first
paragraph of a longer text (the old headline-on-the-first-line convention), or the first
sentence of a one-paragraph text, which then stays whole in the body. A title that is the
whole body (:func:`same_text`) counts as no title: clean used to remove it from the body as
a repeated headline and refuse what was left, nothing.

What only extraction or boilerplate removal can tell (a page whose text is all navigation, a
body that is only "Advertisement") is still refused by clean, as a dead letter.
"""

from __future__ import annotations

import html as html_lib
import re

from shared.ids import normalise_text
from shared.limits import DERIVED_TITLE_CHARS

__all__ = ["refusal", "derive_title", "same_text"]

_FEED_DOCUMENT = re.compile(r"^\s*(?:\ufeff)?(?:<\?xml\b|<rss\b|<feed\b|<rdf:rdf\b)", re.I)
_MARKUP = re.compile(r"<!--.*?-->|<(script|style)\b.*?</\1\s*>|<[^<>]{0,2000}>", re.I | re.S)
_WORD = re.compile(r"[^\W_]")
#: a sentence ends at . ! ? … (optionally closed by a quote or bracket) before a space
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’»)\]]*\s+(?=\S)")
#: how much of a text is inspected for words: a longer text is never markup-only in practice
_SCAN_CHARS = 200_000


def _has_words(text: str | None) -> bool:
    if not text:
        return False
    visible = _MARKUP.sub(" ", html_lib.unescape(text[:_SCAN_CHARS]))
    return _WORD.search(visible) is not None


def refusal(title: str | None, body: str | None, html: str | None) -> str | None:
    """Why clean would certainly refuse this article, or ``None`` if it may go on."""
    for name, text in (("body", body), ("html", html)):
        if text and _FEED_DOCUMENT.match(text):
            return (f"{name} is an RSS/Atom/XML feed document, not an article: "
                    "post its items one by one, or list the feed in the feeds file")
    if not _has_words(body) and not _has_words(html):
        return "no text: body and html hold no words (only spaces, markup or control characters)"
    return None


def same_text(title: str | None, body: str | None) -> bool:
    """The title is the whole body (case, spaces and punctuation aside)."""
    one_title = normalise_text(title or "")
    return bool(one_title) and one_title == normalise_text(body or "")


def _bounded(text: str) -> str:
    if len(text) <= DERIVED_TITLE_CHARS:
        return text
    words = text[:DERIVED_TITLE_CHARS].rsplit(" ", 1)[0]
    return words.rstrip(" ,;:") + "…"


def derive_title(body: str) -> tuple[str, str]:
    """A title for a body that came without one: ``(title, body)``.

    Several paragraphs: the first is the headline (and leaves the body). One paragraph: its
    first sentence is the title and the paragraph stays whole, so a one-line article such as
    "Putin met Scholz in Berlin on Monday." keeps its text (title and body then agree).
    """
    body = body.strip()
    first, _, rest = body.partition("\n\n")
    if rest.strip():
        return _bounded(first.strip()), rest.strip()
    sentence = _SENTENCE_END.split(first, maxsplit=1)[0]
    return _bounded(" ".join(sentence.split())), body

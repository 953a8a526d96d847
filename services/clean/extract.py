"""Main text of an HTML page: trafilatura, tuned and repaired where it measurably fails.

Measured on the 60 dev pages of the article-extraction benchmark (``tools/eval_clean.py``):
``favor_precision=True, include_comments=False`` is the best single trafilatura setting
(reader comments are never article text; the default keeps them). Precision mode however
sometimes drops inline link text from the middle of a sentence, and on some pages it
returns nothing or a stub. So:

1. run precision mode and the default (recall-leaning) mode, both without comments;
2. repair: a precision paragraph whose words are a gapped subsequence of a slightly longer
   default paragraph is replaced by that paragraph (restores dropped inline links);
3. fall back to the default output when precision mode is empty or a stub, then to
   ``favor_recall`` (which also runs trafilatura's readability/jusText fallbacks);
4. repair from the DOM (:mod:`services.clean.extract_region`): drop a run of teaser lines
   (whole link texts) at either end, put back article blocks trafilatura left out (sibling
   body containers of the same kind, headings/list items/quotes between two extracted
   paragraphs);
5. paragraph-level junk filtering happens afterwards in :mod:`services.clean.boilerplate`.

Safety: pages above :data:`MAX_HTML_BYTES` are refused, and so are pages nested deeper than
:data:`MAX_DEPTH` (libxml2 itself stops building the tree at depth 256, which silently loses
the text; refusing early gives a clear reason and bounds the work).
"""

from __future__ import annotations

import logging
import re
from typing import Any

import trafilatura

from services.clean.extract_region import add_missing_blocks, drop_teaser_runs, parse
from shared.errors import InvalidArticle

__all__ = ["MAX_HTML_BYTES", "MAX_DEPTH", "check_html", "extract_main_text"]

MAX_HTML_BYTES = 5 * 1024 * 1024
MAX_DEPTH = 400

# trafilatura logs a warning for every page it finds empty; those are our InvalidArticle cases.
logging.getLogger("trafilatura").setLevel(logging.ERROR)

_CONTAINER_TAG = re.compile(
    r"<(/?)(div|section|article|span|table|tbody|tr|td|ul|ol|blockquote|font|main|aside|header|footer|nav|form|center|b|i|em|strong)\b[^>]{0,2000}?(/?)>",
    re.I,
)
_WORD = re.compile(r"\w+")
_SHORT_CHARS = 250
_PROSE_CHARS = 200
_MISSING_PROSE_RATIO = 0.5


def _max_depth(html: str) -> int:
    """Nesting depth of normally-closed container tags (a cheap, linear upper bound check)."""
    depth = peak = 0
    for m in _CONTAINER_TAG.finditer(html):
        if m.group(1):
            depth = max(0, depth - 1)
        elif not m.group(3):
            depth += 1
            if depth > peak:
                peak = depth
                if peak > MAX_DEPTH:
                    break
    return peak


def check_html(html: str) -> None:
    """Raise :class:`InvalidArticle` for HTML too large or too deeply nested to process safely."""
    if len(html) > MAX_HTML_BYTES or len(html.encode("utf-8", "surrogatepass")) > MAX_HTML_BYTES:
        raise InvalidArticle("html too large")
    if _max_depth(html) > MAX_DEPTH:
        raise InvalidArticle("html nested too deeply")


def _words(text: str) -> list[str]:
    return _WORD.findall(text.casefold())


def _is_subsequence(short: list[str], long: list[str]) -> bool:
    it = iter(long)
    return all(word in it for word in short)


def _repair_dropped_links(precise: str, default: str) -> str:
    """Swap in default-mode paragraphs that are precision paragraphs plus a few missing words."""
    candidates = [(p, _words(p)) for p in default.split("\n") if p.strip()]
    out = []
    for para in precise.split("\n"):
        words = _words(para)
        best = para
        if len(words) >= 8:
            for cand, cwords in candidates:
                extra = len(cwords) - len(words)
                if (
                    0 < extra <= max(12, len(words) // 2)
                    and cwords[:2] == words[:2]
                    and cwords[-2:] == words[-2:]
                    and _is_subsequence(words, cwords)
                ):
                    best = cand
                    break
        out.append(best)
    return "\n".join(out)


def _key(text: str) -> str:
    return " ".join(_words(text))


def _missing_prose(precise: str, default: str) -> int:
    """Characters of long, sentence-ending default-mode paragraphs absent from precision mode."""
    pkeys = {_key(p) for p in precise.split("\n")}
    return sum(
        len(p) for p in default.split("\n") if len(p) >= _PROSE_CHARS and p.rstrip()[-1:] in ".!?\"”’" and _key(p) not in pkeys
    )




#: trafilatura's options in every mode: plain text of the article and its tables, no reader
#: comments; repeated passages are kept (trafilatura's deduplicate drops a paragraph seen on an
#: earlier page of the same process, which would make the output depend on what came before)
_OPTIONS: dict[str, Any] = {"include_comments": False, "include_tables": True, "include_images": False,
                             "include_formatting": False, "deduplicate": False}


def _extract(page: Any, url: str | None, favor_precision: bool = False, favor_recall: bool = False) -> str:
    text = trafilatura.extract(page, url=url, favor_precision=favor_precision, favor_recall=favor_recall, **_OPTIONS)
    return text or ""


def extract_main_text(html: str, url: str | None = None, checked: bool = False) -> str:
    """The article text of ``html`` (paragraphs separated by newlines), or "" if none found.

    Raises :class:`InvalidArticle` for HTML too large or too deeply nested (see module doc);
    ``checked``: the caller has already run :func:`check_html` on it.
    """
    if not checked:
        check_html(html)
    # parsed once for every trafilatura pass (it works on copies of the tree it is given: the
    # outputs were compared equal to passing the string on the 61 pages of tests/data)
    page = trafilatura.load_html(html)
    if page is None:
        page = html
    precise = _extract(page, url, favor_precision=True)
    default = _extract(page, url)
    if len(precise) < _SHORT_CHARS and len(default) > len(precise):
        text = default
    elif _missing_prose(precise, default) > _MISSING_PROSE_RATIO * len(precise):
        # precision mode stopped early (e.g. at an inline widget): whole article paragraphs lost
        text = default
    else:
        text = _repair_dropped_links(precise, default) if default else precise
    if len(text) < _SHORT_CHARS:
        recall = _extract(page, url, favor_recall=True)
        if len(recall) > len(text):
            text = recall
    root = parse(html) if text else None
    if root is None:
        return text
    return add_missing_blocks(root, drop_teaser_runs(root, text))

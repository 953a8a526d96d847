"""DOM repair of trafilatura output: article blocks it left out, teaser runs it kept.

trafilatura picks *one* body container and drops some block types inside it. Two general
recall failures follow, and :func:`add_missing_blocks` repairs both from the page's DOM:

1. **Split body.** The article is spread over several sibling containers of the same kind
   (same tag and class, e.g. two ``<div class="body">`` inside one ``<article>``, with an ad
   or a widget between them); extraction stops after the first. Rule: climb from the lowest
   common ancestor of the extracted paragraphs (at most :data:`_MAX_CLIMB` levels, never past
   an ``<article>``/``<main>`` element and never to ``<body>``) and take in sibling containers
   with the same tag and class as the container on the path, if they hold prose.
2. **Dropped blocks inside the body.** Headings, list items and quotes (embedded posts are
   quotes) that sit *between* two extracted paragraphs of the same container are put back in
   place. Being sandwiched between accepted article paragraphs, inside the same container,
   is the evidence (the jusText "neighbours decide" idea, applied only to interior blocks).

Every added block must sit outside furniture (no boilerplate class or id: share bars,
related stories, newsletter boxes, galleries, comments) and, except interior headings
(product or section titles are often links), have a low link density; line-level junk is
removed afterwards by :mod:`services.clean.boilerplate` as for the rest of the text.

One precision failure is repaired too (:func:`drop_teaser_runs`): a run of "more stories"
headlines (lines that are, whole, the text of a link) at the start or end of the output.

All rules are structural (tags, classes, link text, position); none names a site. Measured
with ``tools/eval_clean.py`` and a synthetic split-body variant of the dev pages.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import lxml.html
from lxml import etree

__all__ = ["add_missing_blocks", "drop_teaser_runs", "parse"]

_WORD = re.compile(r"\w+")
_BLOCK_TAGS = frozenset({"p", "h2", "h3", "h4", "li", "blockquote", "pre"})
_HEADINGS = frozenset({"h2", "h3", "h4"})
_INTERIOR_TAGS = frozenset({"h2", "h3", "h4", "li", "blockquote", "p"})
_SKIP_TAGS = frozenset(
    {"script", "style", "noscript", "template", "nav", "footer", "aside", "form", "button", "select", "svg", "figure", "figcaption"}
)
_JUNK_ATTR = re.compile(
    r"share|social|related|recirc|recommend|newsletter|subscri|promo|sponsor|advert|\bads?\b|ad-|-ad\b|banner|"
    r"gallery|slideshow|carousel|photo|video|player|comment|footer|sidebar|\bnav|menu|breadcrumb|byline|author|"
    r"caption|credit|tags?\b|popular|trending|"
    r"more-(?:stories|from|on)|read-?more|signup|paywall|cookie|modal|hidden|visually-hidden|sr-only",
    re.I,
)
_MAX_CLIMB = 3
_MIN_ANCHORS = 3  # extracted paragraphs found in the DOM before any repair is attempted
_MIN_ANCHOR_WORDS = 6
_MAX_LINK_DENSITY = 0.35
_PROSE_CHARS = 120
_MIN_TEASER_RUN = 3
_WINDOW = 40
_SENT_END = re.compile(r"[.!?\"”’)]\s*$")


def _key(text: str) -> str:
    return " ".join(_WORD.findall(text.casefold()))


def _text(el: etree._Element) -> str:
    return " ".join(el.text_content().split())


def _link_density(el: etree._Element, text: str) -> float:
    if not text:
        return 1.0
    linked = sum(len(" ".join(a.text_content().split())) for a in el.iter("a"))
    return linked / len(text)


def _junk_attr(el: etree._Element) -> bool:
    return bool(_JUNK_ATTR.search(f"{el.get('class', '')} {el.get('id', '')}"))


def _blocks(root: etree._Element) -> Iterator[etree._Element]:
    """Block elements in document order, skipping furniture subtrees and nested blocks."""
    stack = [root]
    while stack:
        el = stack.pop()
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in _SKIP_TAGS or (el is not root and tag and _junk_attr(el)):
            continue
        if tag in _BLOCK_TAGS and not any(isinstance(c.tag, str) and c.tag in _BLOCK_TAGS for c in el.iterdescendants()):
            yield el
            continue
        stack.extend(reversed([c for c in el if isinstance(c.tag, str)]))


def _ancestors(el: etree._Element) -> list[etree._Element]:
    out = []
    parent = el.getparent()
    while parent is not None:
        out.append(parent)
        parent = parent.getparent()
    return out


def _lca(elements: list[etree._Element]) -> etree._Element | None:
    common: list[etree._Element] | None = None
    for el in elements:
        chain = [el, *_ancestors(el)]
        if common is None:
            common = chain
        else:
            ids = {id(a) for a in chain}
            common = [a for a in common if id(a) in ids]
    return common[0] if common else None


def _acceptable(el: etree._Element, text: str) -> bool:
    return bool(text) and _link_density(el, text) <= _MAX_LINK_DENSITY


def _is_prose(text: str) -> bool:
    return len(text) >= _PROSE_CHARS and bool(_SENT_END.search(text))


def _same_kind(a: etree._Element, b: etree._Element) -> bool:
    return a.tag == b.tag and bool(a.get("class")) and a.get("class") == b.get("class")


def parse(html: str) -> etree._Element | None:
    """The page's DOM, or ``None`` when lxml cannot build one (then no repair is made)."""
    try:
        return lxml.html.fromstring(html)
    except (etree.ParserError, ValueError):
        return None


def _is_label(line: str) -> bool:
    line = line.strip()
    return bool(line) and len(line.split()) <= 8 and not _SENT_END.search(line)


def drop_teaser_runs(root: etree._Element, text: str) -> str:
    """``text`` without a run of teaser lines at its start or end.

    A teaser line is, whole, the text of one link on the page; a run of
    :data:`_MIN_TEASER_RUN` or more of them at either end of the text is a "more stories"
    block, not the article. A short label line (no sentence end) heading the run goes too.
    """
    lines = [ln for ln in text.split("\n") if ln.strip()]
    anchor_keys = {k for a in root.iter("a") if len((k := _key(a.text_content())).split()) >= 2}

    def is_teaser(line: str) -> bool:
        return _key(line) in anchor_keys

    start = 1 if lines and _is_label(lines[0]) and not is_teaser(lines[0]) else 0
    run = start
    while run < len(lines) and is_teaser(lines[run]):
        run += 1
    if run - start >= _MIN_TEASER_RUN and run < len(lines):
        lines = lines[run:]
    end = len(lines)
    while end and is_teaser(lines[end - 1]):
        end -= 1
    if len(lines) - end >= _MIN_TEASER_RUN and end > 0:
        if _is_label(lines[end - 1]) and end > 1:
            end -= 1
        lines = lines[:end]
    return "\n".join(lines)


def add_missing_blocks(root: etree._Element, text: str) -> str:
    """``text`` with the article blocks it misses (see the module doc) put back; else unchanged."""
    lines = [ln for ln in text.split("\n") if ln.strip()]
    if len(lines) < _MIN_ANCHORS:
        return text
    body = root.find("body")
    if body is None:
        body = root
    line_keys = [_key(ln) for ln in lines]
    padded = [f" {k} " for k in line_keys]

    blocks = [(b, _text(b)) for b in _blocks(body)]
    anchors: dict[int, int] = {}  # block index -> extracted line index
    line_at: dict[str, list[int]] = {}
    for j, k in enumerate(line_keys):
        line_at.setdefault(k, []).append(j)
    cursor = 0
    for i, (_b, t) in enumerate(blocks):
        k = _key(t)
        if len(k.split()) < _MIN_ANCHOR_WORDS:
            continue
        # a whole line (the usual case) by lookup; part of a line only within a short window
        # ahead, which keeps the matching linear on huge pages
        exact = next((j for j in line_at.get(k, ()) if j >= cursor), None)
        if exact is None:
            needle = f" {k} "
            exact = next((j for j in range(cursor, min(len(padded), cursor + _WINDOW)) if needle in padded[j]), None)
        if exact is not None:
            anchors[i] = cursor = exact
    if len(anchors) < _MIN_ANCHORS:
        return text
    region = _lca([blocks[i][0] for i in anchors])
    if region is None or region is body or region.tag in ("html", "body"):
        return text

    inserts: dict[int, list[str]] = {}  # after extracted line index (-1: before all) -> new lines
    seen = set(line_keys)
    whole = " " + " ".join(line_keys) + " "

    def is_new(t: str) -> bool:
        k = _key(t)
        return bool(k) and k not in seen and f" {k} " not in whole

    # 2. interior blocks of the region, between two anchors
    region_ids = {id(e) for e in region.iter()}
    anchor_idx = sorted(anchors)
    first, last = anchor_idx[0], anchor_idx[-1]
    prev_line = None
    for i in range(first, last + 1):
        if i in anchors:
            prev_line = anchors[i]
            continue
        el, t = blocks[i]
        if id(el) not in region_ids or el.tag not in _INTERIOR_TAGS or prev_line is None:
            continue
        if el.tag == "p" and not _is_prose(t):
            continue
        if is_new(t) and (el.tag in _HEADINGS or _acceptable(el, t)):
            inserts.setdefault(prev_line, []).append(t)
            seen.add(_key(t))

    # 1. sibling containers of the same kind as the region's container
    container = region
    for _ in range(_MAX_CLIMB):
        if container.tag in ("article", "main"):
            break  # siblings of a whole article are other articles (infinite scroll, teasers)
        parent = container.getparent()
        if parent is None or parent.tag in ("html", "body"):
            break
        siblings = [s for s in parent if isinstance(s.tag, str) and s is not container and _same_kind(s, container)]
        if siblings:
            position = list(parent).index(container)
            for sib in siblings:
                if _junk_attr(sib):
                    continue
                new = [(b, t) for b, t in ((b, _text(b)) for b in _blocks(sib)) if is_new(t) and _acceptable(b, t)]
                if not any(_is_prose(t) for _b, t in new):
                    continue
                where = len(lines) - 1 if list(parent).index(sib) > position else -1
                for _b, t in new:
                    inserts.setdefault(where, []).append(t)
                    seen.add(_key(t))
            break
        container = parent

    if not inserts:
        return text
    out = list(inserts.get(-1, []))
    for j, ln in enumerate(lines):
        out.append(ln)
        out.extend(inserts.get(j, []))
    return "\n".join(out)

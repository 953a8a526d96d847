"""Page metadata (title, canonical URL, byline, publication date, description) and text dates.

Reads the usual places in order of reliability: OpenGraph / article:* meta tags, JSON-LD
(``NewsArticle`` and friends), ``<link rel=canonical>``, ``<title>``, ``<time datetime>``,
then htmldate's quick (non-extensive) search. Call :func:`services.clean.extract.check_html`
first: this module assumes the HTML is within the size and depth bounds.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime

import lxml.html
from lxml import etree

__all__ = ["PageMeta", "page_metadata", "parse_datetime", "clean_author", "date_in_text"]

logging.getLogger("htmldate").setLevel(logging.ERROR)


@dataclass(frozen=True)
class PageMeta:
    title: str | None = None
    canonical_url: str | None = None
    author: str | None = None
    published_at: datetime | None = None
    description: str | None = None
    site_name: str | None = None
    language: str | None = None
    headlines: tuple[str, ...] = ()


_SPACE = re.compile(r"\s+")


def _text(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    value = _SPACE.sub(" ", value).strip()
    return value or None


def parse_datetime(value: str | None) -> datetime | None:
    """ISO-8601-ish date or datetime; naive values are taken as UTC."""
    if not value:
        return None
    value = value.strip()
    m = re.match(r"(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2})?)(?:\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?", value)
    if not m:
        return None
    iso = m.group(1) + ("T" + m.group(2) if m.group(2) else "T00:00:00")
    tz = m.group(3)
    if tz:
        iso += "+00:00" if tz == "Z" else (tz if ":" in tz else f"{tz[:3]}:{tz[3:]}")
    try:
        parsed = datetime.fromisoformat(iso)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    if not 1990 <= parsed.year <= 2100:
        return None
    return parsed


_BY = re.compile(r"^(?:by|von|par|por|di|от|автор:?)\s+", re.I)


def clean_author(value: object) -> str | None:
    """A readable byline: no "By " prefix, no URLs, bounded length."""
    if isinstance(value, list):
        names = [clean_author(v) for v in value]
        joined = ", ".join(dict.fromkeys(n for n in names if n))
        return joined or None
    if isinstance(value, dict):
        return clean_author(value.get("name"))
    text = _text(value)
    if not text or re.match(r"https?://|www\.", text, re.I) or "@" in text and " " not in text:
        return None
    text = _BY.sub("", text).strip(" ,;|-–—")
    return text if 0 < len(text) <= 120 else None


_LD_TYPES = re.compile(r"(News)?Article|BlogPosting|Report|WebPage|LiveBlogPosting|ReportageNewsArticle", re.I)


def _json_ld_items(tree: lxml.html.HtmlElement) -> list[dict[str, object]]:
    items: list[dict[str, object]] = []
    for script in tree.xpath('//script[@type="application/ld+json"]')[:20]:
        try:
            data = json.loads(script.text or "")
        except (ValueError, RecursionError):
            continue
        stack = [data]
        while stack and len(items) < 50:
            node = stack.pop()
            if isinstance(node, list):
                stack.extend(node[:50])
            elif isinstance(node, dict):
                if "@graph" in node:
                    stack.append(node["@graph"])
                kind = node.get("@type")
                kinds = kind if isinstance(kind, list) else [kind]
                if any(isinstance(k, str) and _LD_TYPES.fullmatch(k) for k in kinds):
                    items.append(node)
    # Articles before generic web pages.
    items.sort(key=lambda n: 0 if "Article" in str(n.get("@type")) or "Posting" in str(n.get("@type")) else 1)
    return items


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_META_ATTRS = ("property", "name", "itemprop")
MetaIndex = dict[tuple[str, str], list[str]]


def _meta_index(tree: lxml.html.HtmlElement) -> MetaIndex:
    """Every ``<meta>``'s content by (attribute, its value in ASCII lower case), in page order:
    one walk of the tree instead of an XPath scan per name asked for."""
    index: MetaIndex = {}
    for el in tree.iter("meta"):
        content = el.get("content")
        if content is None:
            continue
        for attr in _META_ATTRS:
            if (key := el.get(attr)) is not None:
                index.setdefault((attr, key.translate(_ASCII_LOWER)), []).append(content)
    return index


def _meta(metas: MetaIndex, *names: str) -> str | None:
    """The first non-empty content among ``names``, each looked up as property, name, itemprop."""
    for name in names:
        for attr in _META_ATTRS:
            for value in metas.get((attr, name), ()):
                if text := _text(value):
                    return text
    return None


def _strip_site_suffix(title: str, site_name: str | None) -> str:
    parts = re.split(r"\s+[|–—-]\s+|\s+::\s+|\s+»\s+", title)
    if len(parts) > 1:
        last = parts[-1].strip()
        if (site_name and last.casefold() == site_name.casefold()) or len(last.split()) <= 3:
            return " - ".join(p for p in parts[:-1]) if len(parts) > 2 else parts[0]
    return title


def page_metadata(html: str) -> PageMeta:
    """Metadata of a page; fields the page does not state are ``None``."""
    try:
        tree = lxml.html.fromstring(html)
    except (etree.ParserError, ValueError):
        return PageMeta()
    if not isinstance(tree, lxml.html.HtmlElement):
        return PageMeta()
    metas = _meta_index(tree)
    ld = _json_ld_items(tree)

    site_name = _meta(metas, "og:site_name", "application-name")
    title = _meta(metas, "og:title", "twitter:title")
    if not title:
        title = next((_text(n.get("headline")) for n in ld if _text(n.get("headline"))), None)
    if not title:
        raw_title = _text(" ".join(tree.xpath("//title//text()")[:5]))
        if raw_title:
            title = _strip_site_suffix(raw_title, site_name)
    if not title:
        title = _text(" ".join(tree.xpath("(//h1)[1]//text()")))

    headlines = tuple(
        dict.fromkeys(
            h
            for h in (
                title,
                _meta(metas, "og:title"),
                _meta(metas, "twitter:title"),
                *(_text(n.get("headline")) for n in ld),
                _text(" ".join(tree.xpath("//title//text()")[:5])),
                *(_text(" ".join(h1.xpath(".//text()"))) for h1 in tree.xpath("//h1")[:3]),
            )
            if h
        )
    )

    canonical = next(
        (
            _text(h)
            for h in tree.xpath('//link[contains(concat(" ", translate(@rel, "CANONICAL", "canonical"), " "), " canonical ")]/@href')
            if _text(h) and re.match(r"https?://", h.strip(), re.I)
        ),
        None,
    ) or (lambda u: u if u and re.match(r"https?://", u, re.I) else None)(_meta(metas, "og:url"))

    author = clean_author(_meta(metas, "author", "article:author", "byl", "dc.creator", "parsely-author", "sailthru.author"))
    if not author:
        author = next((a for n in ld if (a := clean_author(n.get("author")))), None)

    published = None
    for value in (
        _meta(metas, "article:published_time", "og:published_time", "datepublished", "pubdate", "publishdate",
              "publish-date", "date", "dc.date", "dc.date.issued", "dcterms.created", "sailthru.date", "parsely-pub-date"),
        *(n.get("datePublished") for n in ld),
        *tree.xpath("//time[@datetime][1]/@datetime"),
    ):
        if isinstance(value, str) and (published := parse_datetime(value)):
            break
    if published is None:
        published = _htmldate(tree)

    description = _meta(metas, "og:description", "description", "twitter:description")
    lang = _text(tree.get("lang") or tree.get("xml:lang")) or _meta(metas, "og:locale", "content-language")
    language = re.split(r"[-_]", lang)[0].lower() if lang else None
    return PageMeta(title, canonical, author, published, description, site_name, language, headlines)


def _htmldate(tree: lxml.html.HtmlElement) -> datetime | None:
    try:
        from htmldate import find_date

        found = find_date(tree, extensive_search=False, original_date=True, outputformat="%Y-%m-%d")
    except Exception:  # noqa: BLE001 - htmldate is a best-effort heuristic; a failure means "no date"
        return None
    return parse_datetime(found) if found else None


_MONTHS = {
    m: i + 1
    for i, names in enumerate(
        [
            "january jan januar janvier enero gennaio janeiro", "february feb februar février fevrier febrero febbraio fevereiro",
            "march mar märz maerz mars marzo março", "april apr avril abril aprile", "may mai mayo maggio maio",
            "june jun juni juin junio giugno junho", "july jul juli juillet julio luglio julho",
            "august aug août aout agosto", "september sep sept septembre septiembre settembre setembro",
            "october oct oktober octobre octubre ottobre outubro", "november nov novembre noviembre novembro",
            "december dec dezember décembre decembre diciembre dicembre dezembro",
        ]
    )
    for m in names.split()
}
_MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))
_DATE_LINE = re.compile(
    r"^(?:(?:published|posted|updated|first published|publié le|veröffentlicht(?: am)?|publicado(?: el)?|pubblicato(?: il)?|опубликовано)\s*:?\s*)?"
    r"(?:(?:mon|tue|wed|thu|fri|sat|sun)\w*,?\s+)?"
    rf"(?:(?P<iso>\d{{4}}-\d{{2}}-\d{{2}})|(?P<d1>\d{{1,2}})\.?\s+(?P<m1>{_MONTH_RE})\.?,?\s+(?P<y1>\d{{4}})"
    rf"|(?P<m2>{_MONTH_RE})\.?\s+(?P<d2>\d{{1,2}}),?\s+(?P<y2>\d{{4}}))"
    r"(?:,?\s+(?:at\s+)?\d{1,2}[:.]\d{2}(?:\s*[ap]\.?m\.?)?(?:\s+[A-Z]{2,4})?)?\s*$",
    re.I,
)


def date_in_text(paragraphs: list[str], look: int = 3) -> tuple[datetime, int] | None:
    """A dateline paragraph ("Published: 13 February 2025") among the first/last ``look``.

    Returns the date (midnight UTC) and the paragraph index; only paragraphs that are a date
    and nothing else count, so dates mentioned in sentences are never taken for the dateline.
    """
    n = len(paragraphs)
    for idx in [*range(min(look, n)), *range(max(look, n - look), n)]:
        para = paragraphs[idx]
        if len(para) > 80 or not (m := _DATE_LINE.match(para.strip())):
            continue
        try:
            if m.group("iso"):
                return datetime.fromisoformat(m.group("iso")).replace(tzinfo=UTC), idx
            day = int(m.group("d1") or m.group("d2"))
            month = _MONTHS[(m.group("m1") or m.group("m2")).lower()]
            year = int(m.group("y1") or m.group("y2"))
            return datetime(year, month, day, tzinfo=UTC), idx
        except (ValueError, KeyError):
            continue
    return None

"""Deterministic article ids: canonical URL if there is one, else a hash of the content."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Query parameters that only track the reader; dropping them makes syndicated links agree.
_TRACKING = re.compile(
    r"^(utm_[a-z_]+|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|igshid|yclid|_ga|_gl|ref|ref_src|"
    r"cmpid|ocid|ito|icid|spm|share|smid|s_cid|at_medium|at_campaign|at_custom\d)$",
    re.IGNORECASE,
)


def canonical_url(url: str) -> str:
    """Lower-case scheme and host, drop default ports, fragments and tracking parameters.

    Raises ValueError, in words fit for a client, for a URL with no host, a malformed IPv6
    host or a port that is not a number from 0 to 65535.
    """
    try:
        parts = urlsplit(url.strip())
    except ValueError as exc:  # "Invalid IPv6 URL"
        raise ValueError("has a malformed host (an IPv6 address needs both [ and ])") from exc
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if not host:
        raise ValueError("has no host")
    if host.startswith("www."):
        host = host[4:]
    try:
        port = parts.port
    except ValueError as exc:  # "Port could not be cast to integer value" / "out of range"
        raise ValueError("has a port that is not a number from 0 to 65535") from exc
    if ":" in host:
        host = f"[{host}]"
    netloc = host if port in (None, 80, 443) else f"{host}:{port}"
    query = urlencode(
        sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k))
    )
    path = re.sub(r"/{2,}", "/", parts.path) or "/"
    if len(path) > 1 and path.endswith("/"):
        path = path[:-1]
    return urlunsplit((scheme, netloc, path, query, ""))


def normalise_text(text: str) -> str:
    """Case- and whitespace-insensitive form used for content hashes."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(re.findall(r"\w+", text))


def content_hash(title: str | None, body: str | None) -> str:
    digest = hashlib.sha256(f"{normalise_text(title or '')}\n{normalise_text(body or '')}".encode())
    return digest.hexdigest()


def article_id(url: str | None, title: str | None, body: str | None) -> str:
    """``u-<sha256(canonical url)[:32]>`` or ``c-<sha256(content)[:32]>``."""
    if url:
        return "u-" + hashlib.sha256(canonical_url(url).encode()).hexdigest()[:32]
    return "c-" + content_hash(title, body)[:32]

"""Boilerplate removal for plain-text article bodies.

Scraped and extracted text still carries page furniture: ad slots, share bars, "Read more"
teasers, photo credits, wire copyright footers, comment counters, leftover markup. This
module removes such *lines* (whole lines only, so a sentence that merely mentions
"advertisement" or "read more" stays) and normalises the text.

Decisions:

* Unicode: NFC, plus compatibility folding only for ligatures and full-width/half-width
  forms. Curly quotes, dashes and ellipses are kept as written: they are readable, carry
  meaning (quotes inside quotes, ranges) and the content hash (:func:`shared.ids.content_hash`)
  ignores punctuation anyway. Full NFKC is avoided because it mangles ``m²`` -> ``m2`` and
  ``½`` -> ``1⁄2``.
* Zero-width spaces, BOM, soft hyphens, direction marks and control characters are removed;
  ZWJ/ZWNJ are kept because they change how Indic, Persian and emoji text is written.
* Output: one paragraph per line of input, paragraphs separated by a blank line; hard-wrapped
  lines (no sentence end, next line starts lower-case) are joined first.

:func:`clean_text` is idempotent: it iterates to a fixpoint (bounded), so cleaning its own
output returns it unchanged.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable, Sequence

from shared.ids import normalise_text

__all__ = ["clean_text", "normalise_unicode", "is_boilerplate_line"]

_MAX_PASSES = 4

# ----------------------------------------------------------------------------- normalisation

_REMOVE_CHARS = dict.fromkeys(
    map(ord, "\u200b\u2060\ufeff\u00ad\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u180e"),
    None,
)
# Every space separator (Zs) and the tab become a plain space; control characters and lone
# surrogates (Cc, Cs) go, except the newline. All of them sit in the Basic Multilingual Plane,
# so two character classes made at import do in C what a loop over characters did in Python.
def _char_class(wanted: Callable[[int, str], bool]) -> re.Pattern[str]:
    cps = [cp for cp in range(0x10000) if wanted(cp, unicodedata.category(chr(cp)))]
    ranges, first = [], cps[0]
    for prev, cp in zip(cps, [*cps[1:], -1]):
        if cp != prev + 1:
            ranges.append(f"\\u{first:04x}-\\u{prev:04x}")
            first = cp
    return re.compile(f"[{''.join(ranges)}]")


_SPACES = _char_class(lambda cp, cat: (cat == "Zs" and cp != 0x20) or cp == 0x09)
_CONTROLS = _char_class(lambda cp, cat: cat in ("Cc", "Cs") and cp not in (0x09, 0x0A))
_NEWLINES = re.compile(r"\r\n?|[\u2028\u2029\x0b\x0c\x85]")
_KNOWN_TAGS = (
    r"a|abbr|article|aside|b|big|blockquote|br|caption|center|cite|code|dd|del|div|dl|dt|em|"
    r"figcaption|figure|font|footer|h[1-6]|header|hr|i|iframe|img|ins|kbd|li|main|mark|nav|"
    r"noscript|ol|p|picture|pre|q|s|script|section|small|source|span|strike|strong|style|sub|sup|"
    r"table|tbody|td|tfoot|th|thead|time|tr|tt|u|ul|video"
)
_BLOCK_TAG = re.compile(r"<\s*(?:br|/?p|/?div|/?li|/?h[1-6]|/?tr|/?blockquote)\b[^<>]{0,300}?/?\s*>", re.I)
_TAG = re.compile(rf"<\s*/?\s*(?:{_KNOWN_TAGS})\b[^<>]{{0,500}}?/?\s*>|<!--.{{0,2000}}?-->", re.I | re.S)
_SCRIPT = re.compile(r"<(script|style)\b[^<>]{0,500}>.{0,20000}?</\1\s*>", re.I | re.S)
_SHORTCODE = re.compile(
    r"\[/?(?:button|caption|embed|video|audio|gallery|playlist|ad|ads|adsense|tweet|instagram|youtube)"
    r"(?:\s[^\[\]]{0,300})?\]"
    r"|\[[a-z_]{2,30}\s+[a-z_]{2,30}\s*=\s*[\"“”'][^\[\]]{0,300}\]|\[/[a-z_]{2,30}\]",
    re.I,
)


def _fold_compat(match: re.Match[str]) -> str:
    return unicodedata.normalize("NFKC", match.group(0))


_COMPAT = re.compile(r"[\ufb00-\ufb4f\uff01-\uffee]")


def normalise_unicode(text: str) -> str:
    """Entities, markup, zero-width and control characters, spaces; see the module docstring."""
    for _ in range(3):  # "&amp;amp;" is common in double-escaped feeds; bound the unescaping
        unescaped = html.unescape(text)
        if unescaped == text:
            break
        text = unescaped
    text = _NEWLINES.sub("\n", text)
    text = _SCRIPT.sub(" ", text)
    text = _BLOCK_TAG.sub("\n", text)
    text = _TAG.sub("", text)
    text = _SHORTCODE.sub("", text)
    text = unicodedata.normalize("NFC", text).translate(_REMOVE_CHARS)
    text = _COMPAT.sub(_fold_compat, text)
    return _CONTROLS.sub("", _SPACES.sub(" ", text))


# ----------------------------------------------------------------------------- line patterns

_UNITS_EN = r"(?:sec|secs|second|seconds|min|mins|minute|minutes|hr|hrs|hour|hours|day|days|week|weeks|month|months|year|years)"
_REL_TIME = (
    rf"(?:\d+|an?|one)\s*{_UNITS_EN}\s+ago|just now|yesterday|today"
    r"|vor\s+\d+\s+(?:sekunden?|minuten?|stunden?|tagen?|wochen?|monaten?|jahren?)"
    r"|il y a\s+\d+\s+(?:secondes?|minutes?|heures?|jours?|semaines?|mois|ans?)"
    r"|hace\s+\d+\s+(?:segundos?|minutos?|horas?|días?|semanas?|mes(?:es)?|años?)"
    r"|\d+\s+(?:secondi|minuti|ore|ora|giorni|giorno|settimane|mesi|anni)\s+fa"
    r"|há\s+\d+\s+(?:segundos?|minutos?|horas?|dias?|semanas?|mes(?:es)?|anos?)"
    r"|\d+\s+(?:секунд\w*|минут\w*|час\w*|дн\w*|день|недел\w*|месяц\w*|год\w*|лет)\s+назад"
)

_READ_MORE = (
    r"read more|read also|also read|more to read|related|related articles?|related stories|"
    r"see also|recommended|more on this( story)?|you may also like|you might also like|"
    r"lesen sie (?:auch|mehr)|mehr (?:zum thema|lesen)|weiterlesen|"
    r"lire (?:aussi|la suite|plus)|à lire aussi|a lire aussi|voir aussi|"
    r"leer más|lee también|lea también|te puede interesar|"
    r"leggi (?:anche|di più|tutto)|potrebbe interessarti|"
    r"leia (?:mais|também)|saiba mais|veja também|"
    r"читайте (?:также|тоже|далее)|подробнее|смотрите также|по теме"
)

# Lines removed when they match completely (case-insensitive, after trimming punctuation).
_LINE_PATTERNS: list[tuple[str, str]] = [
    ("ad", r"(?:article |story |page )?(?:ad|ads|advert|advertisement|advertising|sponsored(?: content| post| links?| stories)?)"
           r"|\d{2,4}\s*[x×]\s*\d{2,4}(?:\s+ad\b.*)?|ad\s+\d{2,4}\s*[x×]\s*\d{2,4}.*"
           r"|(?:story|article) continues (?:below|after)(?: (?:this )?(?:ad|advertisement))?"
           r"|scroll (?:down )?to continue(?: with content)?|skip (?:this )?ad"
           r"|advertisement\s*-\s*scroll to continue|sponsored by [^.,;!?]{1,60}"
           r"|anzeige|werbung|publicité|publicite|publicidad|pubblicità|publicidade|реклама"),
    ("time", rf"(?:{_REL_TIME})(?:\s*[|·•]?\s*\d{{1,5}})?"),
    ("read-more-prefix", rf"(?:{_READ_MORE})\s*[:|–—>»-]\s*.{{1,250}}"),
    ("continue", r"read (?:the )?(?:entire|full|whole|complete) (?:article|story|post)(?: here| on .{1,60})?"
                 r"|continue reading(?: the main story| this article| below| here)?|keep reading|click here to read more"
                 r"|read the rest of (?:this|the) (?:article|story)|show more|load more"
                 r"|seguir leyendo|sigue leyendo|continua a leggere|continuar lendo|continue lendo|читать далее|читать полностью"
                 r"|suite de l'article|lire l'article|artikel lesen|zum artikel"),
    ("share", r"share(?: this| the)?(?: article| story| post| page| video)?(?: on| via| with)?"
              r"(?:\W+(?:facebook|twitter|x|linkedin|whatsapp|pinterest|reddit|telegram|email|e-mail|messenger|flipboard|print|copy link|sms))*"
              r"|(?:(?:share|tweet|email|e-mail|print|facebook|twitter|linkedin|whatsapp|pinterest|reddit|telegram|messenger|flipboard|copy link|copy|comments?|save|x)(?:\W+|$)){2,12}"
              r"|teilen|artikel teilen|partager(?: cet article| sur .{1,40})?|compartir(?: en .{1,40})?|condividi(?: su .{1,40})?"
              r"|compartilh(?:ar|e)(?: .{1,40})?|поделиться(?: .{1,40})?"),
    ("newsletter", r"(?:sign up|subscribe|register)(?: now| today| here)?(?: for| to) (?:our|the|my|a) [^.!?]{0,60}newsletters?[^.!?]{0,120}"
                   r"|(?:get|receive) (?:our|the) .{0,60}newsletter.{0,120}"
                   r"|.{0,60}newsletter:? (?:sign up|subscribe).{0,100}"
                   r"|subscribe(?: now| today)?(?: to (?:continue|keep) reading| to read (?:more|the full .{1,40})| for (?:full|unlimited) access.{0,80})?"
                   r"|already (?:a subscriber|have an account)\??.{0,80}|(?:log|sign) in to (?:continue|read).{0,80}"
                   r"|this (?:article|story|content) is (?:only )?(?:available|reserved|for) (?:to |for )?(?:subscribers|members).{0,80}"
                   r"|(?:become|subscribe as) a (?:subscriber|member).{0,80}|unlock (?:this|full) (?:article|access).{0,80}"
                   r"|newsletter abonnieren.{0,80}|jetzt abonnieren.{0,80}|abonnez-vous.{0,120}|inscrivez-vous à (?:notre|la) newsletter.{0,80}"
                   r"|suscr[ií]bete.{0,120}|iscriviti (?:alla|alle) newsletter.{0,80}|abbonati.{0,80}|assine (?:a|nossa) newsletter.{0,80}"
                   r"|подпишитесь.{0,120}|tell us what you think.{0,30}|click here (?:for|to) .{1,80}"),
    ("photo", r"(?:photo|photos|photograph|image|images|picture|pic|foto|fotos|bild|crédit|credit|credits|photo credit|image credit|source|quelle|фото)"
              r"\s*(?:credit)?\s*[:/©]\s*.{1,100}"
              r"|image (?:copyright|caption)\b.{0,120}|(?:©|\(c\))?\s*getty images.{0,60}"
              r"|\(?(?:getty images|afp via getty images|afp|reuters|ap|ap photo[^)]{0,80}|epa(?:-efe)?[^)]{0,40}|shutterstock|dpa|anp|ansa|tass|ria novosti|[^()]{1,40}/ ?getty images)\)?"),
    ("copyright", r"(?:(?:©|\(c\))\s*(?:\d{4}(?:\s*[-–]\s*\d{4})?)?|copyright\s*(?:©|\(c\))\s*(?:\d{4}(?:\s*[-–]\s*\d{4})?)?"
                  r"|copyright\s+\d{4}(?:\s*[-–]\s*\d{4})?)\s*.{0,120}?(?:all rights reserved\.?.{0,200})?"
                  r"|all rights reserved\.?.{0,200}|alle rechte vorbehalten\.?.{0,80}|tous droits réservés\.?.{0,80}"
                  r"|todos los derechos reservados\.?.{0,80}|tutti i diritti riservati\.?.{0,80}|todos os direitos reservados\.?.{0,80}"
                  r"|все права защищены\.?.{0,80}"
                  r"|this material may not be published, broadcast, rewritten,? or redistributed\.?"),
    ("embed", r"view this (?:post|photo|video) on (?:instagram|facebook|twitter|x|tiktok)|a (?:post|photo|video) shared by .{1,120}"
              r"|.{0,300}pic\.twitter\.com/\S+.{0,120}|[—–-]\s*.{1,80}\(@\w{1,30}\)\s+\w+\s+\d{1,2},\s+\d{4}"
              r"|(?:embed|tweet|instagram|facebook|youtube|tiktok) (?:post|video|content)|loading (?:tweet|instagram|video).{0,20}"
              r"|dieser beitrag auf instagram ansehen|voir cette publication sur instagram|ver esta publicación en instagram"
              r"|visualizza questo post su instagram|ver essa foto no instagram|посмотреть эту публикацию в instagram"),
    ("video", r"(?:watch|video|watch video|watch now|listen)\s*[:|–—-]\s*.{1,200}|video duration\s*\d{1,2}:\d{2}(?::\d{2})?"
              r"|now playing|up next|play video|watch video|watch|video|replay|play|pause|mute|unmute|fullscreen|\d{1,2}:\d{2}(?::\d{2})?"
              r"|(?:\d{1,2}:\d{2}(?::\d{2})?\s*)?(?:duration|dauer|durée|duración|durata|duração)\s*:?\s*\d{1,2}:\d{2}(?::\d{2})?"
              r"|video ansehen|jetzt ansehen|regarder(?: la vidéo)?|ver vídeo|ver video|guarda(?: il)? video|assista(?: ao vídeo)?"
              r"|смотреть(?: видео)?|смотрите(?: видео)?|видео|vidéo|vídeo|en lecture|wird geladen|reproduciendo"),
    ("nav", r"home|menu|main menu|navigation|search|skip to (?:main )?content|skip navigation|log ?in|sign in|back to top"
            r"|startseite|accueil|inicio|portada|início|главная|zum inhalt springen|aller au contenu|ir al contenido"),
    ("crumbs", r"(?:home|startseite|accueil|inicio|portada|início|главная)(?:\s*[>»›/|]\s*[^>»›/|.!?]{1,40}){1,6}"
               r"|[^>»›.!?]{1,30}(?:\s+[>»›]\s+[^>»›.!?]{1,30}){2,6}"),
    ("comments", r"\d+\s*(?:comments?|replies|responses|kommentare?|commentaires?|comentarios?|commenti|commento|comentários?|комментари\w*)"
                 r"|(?:comments?|kommentare|commentaires|comentarios|commenti|comentários|комментарии)\s*(?:\(\d+\)|\d+)?"
                 r"|(?:view|show|hide|read|load|see) (?:all )?\d*\s*comments?|(?:leave|add|post|write) a (?:comment|reply)"
                 r"|join the (?:conversation|discussion)|be the first to comment|no comments yet"),
]
_LINE_RES: list[tuple[str, re.Pattern[str]]] = [(name, re.compile(rf"(?:{p})", re.I | re.S)) for name, p in _LINE_PATTERNS]
_READ_MORE_ALONE = re.compile(rf"(?:{_READ_MORE})\s*[:…>»›→.]*", re.I)
_TRIM = " \t:;|·•–—-_=*#>»›→…\"'“”‘’()[]"
_MAX_JUNK_LINE = 400  # longer lines are prose, whatever they start with


def _trimmed(line: str) -> str:
    return line.strip(_TRIM + ".!?")


def is_boilerplate_line(line: str) -> str | None:
    """The category name if the whole line is boilerplate, else ``None``."""
    stripped = line.strip()
    if not stripped or len(stripped) > _MAX_JUNK_LINE:
        return None
    if not re.search(r"\w", stripped):
        return "punctuation"
    candidates = {stripped, _trimmed(stripped), stripped.rstrip(".!?: ")}
    for name, pattern in _LINE_RES:
        if any(pattern.fullmatch(c) for c in candidates):
            return name
    return None


_INLINE_CREDITS = re.compile(
    r"\s*\((?:(?:photo|image|foto|picture)s?\s*(?:credit)?\s*:[^()]{1,80}"
    r"|[^()]{0,40}/\s*getty images|getty images|ap photo[^()]{0,80}|afp[^()]{0,20}photo[^()]{0,40})\)",
    re.I,
)
_SENT_END = re.compile(r"[.!?:;\"”’»)\]…]$")


def _join_wrapped(block: list[str]) -> list[str]:
    """Join hard-wrapped lines: a line without a sentence end followed by a lower-case start."""
    out: list[str] = []
    for line in block:
        if out and not _SENT_END.search(out[-1]) and line[:1].islower() and len(out[-1]) >= 40:
            out[-1] = f"{out[-1]} {line}"
        else:
            out.append(line)
    return out


def _same(a: str, b: str) -> bool:
    na = normalise_text(a)
    return bool(na) and na == normalise_text(b)


def _is_headline(para: str, title: str | None, headlines: Sequence[str]) -> bool:
    """The paragraph is the title, or one of the page's headline variants, or a piece of one.

    Page ``<title>``s carry the site name, so a first paragraph that is a (4+ word) part of a
    headline variant counts too.
    """
    if title and _same(para, title):
        return True
    npara = normalise_text(para)
    if not npara:
        return False
    for headline in headlines:
        nhead = normalise_text(headline)
        if nhead and (npara == nhead or (len(npara.split()) >= 4 and f" {npara} " in f" {nhead} ")):
            return True
    return False


def _one_pass(text: str, title: str | None, headlines: Sequence[str]) -> str:
    blocks: list[list[str]] = []
    for raw_block in re.split(r"\n\s*\n", text):
        lines = [re.sub(r" {2,}", " ", ln).strip() for ln in raw_block.split("\n")]
        lines = [ln for ln in lines if ln]
        if lines:
            blocks.append(_join_wrapped(lines))

    kept: list[str] = []
    for bi, block in enumerate(blocks):
        skip_next = False
        for li, line in enumerate(block):
            if skip_next:
                skip_next = False
                continue
            if _READ_MORE_ALONE.fullmatch(line.strip()):
                # "Read more" on its own line announces a teaser headline right after it.
                if li + 1 < len(block):
                    skip_next = len(block[li + 1]) <= 300
                elif bi + 1 < len(blocks) and len(blocks[bi + 1]) == 1:
                    nxt = blocks[bi + 1][0]
                    if len(nxt) <= 200 and not re.search(r"[.!?]$", nxt):
                        blocks[bi + 1] = []
                continue
            if is_boilerplate_line(line):
                continue
            line = _INLINE_CREDITS.sub("", line).strip()
            if line:
                kept.append(line)

    # A lede repeated: the title as first paragraph, or the first paragraph repeated next.
    while kept and _is_headline(kept[0], title, headlines):
        kept.pop(0)
    while len(kept) >= 2 and _same(kept[0], kept[1]):
        kept.pop(0)
    return "\n\n".join(kept)


def clean_text(
    text: str,
    title: str | None = None,
    headlines: Sequence[str] = (),
    extra_line_filter: Callable[[str], bool] | None = None,
) -> str:
    """Normalise ``text`` and drop boilerplate lines; paragraphs joined by a blank line.

    ``title`` (if given) is removed when repeated as the first paragraph, and so is a first
    paragraph equal to (or a 4+ word part of) one of ``headlines`` (the page's og:title,
    ``<title>``, ``<h1>`` ...).
    ``extra_line_filter`` returns True for further lines to drop (used by HTML extraction).
    Idempotent: ``clean_text(clean_text(t, title), title) == clean_text(t, title)``.
    """
    text = normalise_unicode(text)
    for _ in range(_MAX_PASSES):
        if extra_line_filter is not None:
            text = "\n".join(ln for ln in text.split("\n") if not (ln.strip() and extra_line_filter(ln)))
        cleaned = _one_pass(text, title, headlines)
        if cleaned == text:
            break
        text = cleaned
    return text

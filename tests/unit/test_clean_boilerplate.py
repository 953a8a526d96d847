"""Plain-text boilerplate rules: every category, removed and kept (one short case per line)."""

from __future__ import annotations

import pytest

from services.clean.boilerplate import clean_text, is_boilerplate_line, normalise_unicode

REMOVED = [
    # ads
    "ARTICLE AD", "468x60 AD AFTER 4 POSTS", "Advertisement", "ADVERTISEMENT", "Sponsored", "Story continues below advertisement",
    "Anzeige", "Publicité", "Publicidad", "Pubblicità", "Publicidade", "Реклама",
    # relative times with counters
    "3 hours ago 1", "2 mins ago", "5 minutes ago", "vor 3 Stunden", "il y a 2 heures", "hace 5 minutos", "3 ore fa",
    "há 2 horas", "3 часа назад",
    # read more / continue
    "READ MORE: Trump wants a deal with Russia – but can he deliver?", "Read Entire Article", "Continue reading",
    "Lesen Sie auch: Die Lage in Berlin", "Lire aussi : La réforme des retraites", "Leer más: El gobierno anuncia",
    "Leggi anche: Il governo annuncia", "Leia mais: O governo anuncia", "Читайте также: Новые санкции",
    # share bars
    "Share this article", "Share on Facebook Twitter LinkedIn", "Facebook Twitter Email", "Partager", "Compartir", "Поделиться",
    # newsletter / paywall
    "Sign up for our newsletter", "Subscribe to continue reading", "Already a subscriber? Log in",
    "Newsletter abonnieren", "Abonnez-vous à notre newsletter", "Suscríbete a nuestro boletín", "Подпишитесь на наш канал",
    # photo credits
    "Photo: Reuters", "(Getty Images)", "Image copyright Getty Images", "Foto: dpa", "AFP via Getty Images",
    # wire copyright
    "© 2025 Reuters", "Copyright 2025 The Associated Press. All rights reserved.", "All rights reserved.",
    "Tous droits réservés.",
    # embedded posts
    "View this post on Instagram", "A post shared by Jane Doe (@jane)", "Great day! pic.twitter.com/AbC123xyz",
    "— Jane Doe (@janedoe) November 18, 2019",
    # video player
    "Watch: Trump speaks to reporters", "Video duration 02:31", "Now playing", "02:31",
    # breadcrumbs
    "Home > World > Europe", "Skip to content", "Menu", "Back to top", "Startseite > Politik > Ausland", "News » Politics » Congress",
    # comment counters
    "12 comments", "Comments (34)", "Leave a comment", "15 Kommentare", "3 commentaires", "комментарии",
]

KEPT = [
    "He said he would read more books.",
    "The advertisement campaign cost $2 million, officials said.",
    "Sponsored by the city, the festival drew 10,000 visitors over three days.",
    "The attack happened 3 hours ago, police said, and two people were hurt.",
    "Readers can continue reading the report on the ministry's website, she added.",
    "She did not share the article with her colleagues before it was published.",
    "Sign up numbers for the newsletter rose by 20 percent last year, the company said in its report to investors.",
    "The photo, taken by a Reuters photographer, shows the damage.",
    "Copyright law in the EU is changing, lawmakers said on Tuesday.",
    "The video of the incident was shared thousands of times on Instagram.",
    "Watch the markets closely this week, analysts warned, as inflation data is due.",
    "Prices rose 5% > expected, the agency said.",
    "The 12 comments she made at the hearing were widely reported.",
    "Er sagte, er wolle mehr lesen.",
    "La publicité a coûté deux millions d'euros, selon le ministère.",
    "Реклама на телевидении подорожала на 20 процентов, сообщили в компании.",
]


@pytest.mark.parametrize("line", REMOVED)
def test_boilerplate_line_removed(line: str) -> None:
    assert is_boilerplate_line(line), line
    text = f"First real paragraph of the story, long enough to be prose.\n\n{line}\n\nLast real paragraph of the story."
    assert clean_text(text) == "First real paragraph of the story, long enough to be prose.\n\nLast real paragraph of the story."


@pytest.mark.parametrize("line", KEPT)
def test_sentence_mentioning_boilerplate_words_kept(line: str) -> None:
    assert is_boilerplate_line(line) is None
    assert line in clean_text(f"Intro paragraph here.\n\n{line}")


@pytest.mark.parametrize("marker", ["Read more", "Lesen Sie mehr", "Lire la suite", "Leer más", "Leggi anche", "Leia mais", "Читайте также"])
def test_read_more_removes_following_teaser(marker: str) -> None:
    text = f"Real paragraph one.\n\n{marker}\nTeaser headline of another story\n\nReal paragraph two."
    assert clean_text(text) == "Real paragraph one.\n\nReal paragraph two."


def test_read_more_teaser_in_next_block_removed_only_if_headline_like() -> None:
    assert clean_text("One.\n\nRead more\n\nA teaser headline\n\nTwo.") == "One.\n\nTwo."
    assert clean_text("One.\n\nRead more\n\nA real sentence follows here.\n\nTwo.") == "One.\n\nA real sentence follows here.\n\nTwo."


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Tom &amp; Jerry", "Tom & Jerry"),
        ("Tom &amp;amp; Jerry", "Tom & Jerry"),
        ("a&nbsp;b", "a b"),
        ("it&#8217;s", "it’s"),
        ("<b>bold</b> text", "bold text"),
        ("line one<br/>line two", "line one\n\nline two"),
        ("zero\u200bwidth\ufeff", "zerowidth"),
        ("ctrl\x07char", "ctrlchar"),
        ("soft\u00adhyphen", "softhyphen"),
        ("ligature \ufb01ne", "ligature fine"),
        ("full\uff37idth", "fullWidth"),
        ("x < y and y > z", "x < y and y > z"),
        ("“quoted” – dash … m² ½", "“quoted” – dash … m² ½"),
        ("many    spaces\there", "many spaces here"),
    ],
)
def test_entities_markup_and_unicode(raw: str, expected: str) -> None:
    assert clean_text(raw) == expected


def test_title_repeated_as_first_line_removed() -> None:
    assert clean_text("My Title\n\nBody text.", title="My Title") == "Body text."
    assert clean_text("MY TITLE!\n\nBody text.", title="My title") == "Body text."


def test_repeated_lede_removed_but_subtitle_kept() -> None:
    assert clean_text("The lede sentence.\n\nThe lede sentence.\n\nMore.") == "The lede sentence.\n\nMore."
    assert clean_text("A subtitle line\n\nThe story begins.") == "A subtitle line\n\nThe story begins."


def test_hard_wrapped_lines_joined_and_paragraphs_split() -> None:
    text = "This is a long line of a hard wrapped paragraph that goes on and\non until here.\nSecond paragraph."
    assert clean_text(text) == "This is a long line of a hard wrapped paragraph that goes on and on until here.\n\nSecond paragraph."


@pytest.mark.parametrize("line", REMOVED + KEPT)
def test_idempotent(line: str) -> None:
    text = f"Title\n\nParagraph one, first.\n\n{line}\n\nRead more\nTeaser\n\nParagraph &amp; two."
    once = clean_text(text, title="Title")
    assert clean_text(once, title="Title") == once


def test_normalise_unicode_keeps_newlines() -> None:
    assert normalise_unicode("a\r\nb\u2028c") == "a\nb\nc"


def test_every_space_separator_becomes_a_space_and_every_control_character_goes() -> None:
    """The two character classes against Unicode's own categories, over the whole BMP."""
    import unicodedata

    from services.clean.boilerplate import normalise_unicode

    for cp in range(0x10000):
        ch = chr(cp)
        cat = unicodedata.category(ch)
        if cat == "Zs" or ch == "\t":
            want = " "
        elif ch == "\n":
            want = "\n"
        elif cat in ("Cc", "Cs"):
            want = ""
        else:
            continue
        if cp in (0x0B, 0x0C, 0x0D, 0x85):
            want = "\n"  # line breaks, made newlines first
        assert normalise_unicode(f"a{ch}b") == f"a{want}b", hex(cp)

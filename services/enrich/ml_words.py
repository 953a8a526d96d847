"""Per-language function words of the multilingual pipelines: determiners, conjunctions,
locatives and titles (``data/multilingual.json``), and the shape tests of a person's name."""

from __future__ import annotations

from shared.aliases import fold

from .lexicons import lexicon, stop_words

__all__ = ["Words", "inside_name", "name_shaped"]

_NAME_PARTICLES = frozenset({"de", "da", "di", "del", "della", "do", "dos", "du", "von", "van", "der", "den", "le", "la", "y", "e", "des", "dei", "zu"})
_DE_TITLE_HEADS = ("chef", "chefin", "minister", "ministerin", "prasident", "prasidentin", "kanzler", "kanzlerin",
                   "vorsitzende", "vorsitzender", "sprecher", "sprecherin", "sekretar", "sekretarin", "direktor",
                   "direktorin", "trainer", "trainerin", "bischof", "burgermeister", "burgermeisterin", "senator", "senatorin")


class Words:
    """Determiners, conjunctions, locatives and titles by language; read-only once built."""

    def __init__(self) -> None:
        lex = lexicon()
        self.det = {lang: frozenset(fold(w) for w in words) for lang, words in lex["determiners"].items()}
        self.conj = {lang: frozenset(words) for lang, words in lex["conjunctions"].items()}
        self.loc = {lang: frozenset(words) for lang, words in lex["locatives"].items()}
        self.titles = {lang: frozenset(fold(w) for w in words) for lang, words in lex["titles"].items()}
        self.not_places = {lang: frozenset(fold(w) for w in words) for lang, words in lex["not_places"].items()}
        self.water_heads = frozenset(lex["water_heads"])

    def is_title(self, word: str, lang: str) -> bool:
        key = fold(word.rstrip("."))
        if lang == "ru":
            return any(key.startswith(stem) for stem in self.titles["ru"])
        if lang == "de" and key.endswith(_DE_TITLE_HEADS) and word[:1].isupper():
            return True  # compounds: "SPD-Fraktionschef", "Betriebsratschefin", "Außenministerin"
        return key in self.titles.get(lang, ())

    def is_title_or_det(self, word: str, lang: str) -> bool:
        return fold(word) in self.det.get(lang, ()) or self.is_title(word, lang)

    def portfolio(self, text: str, toks: list[tuple[int, int]], start: int, lang: str) -> bool:
        """A title and a determiner before ``start``: a minister's portfolio ("ministre des Affaires
        étrangères"), also with the title's adjective between ("ministre russe des Affaires")."""
        k = next((k for k, (s, _e) in enumerate(toks) if s >= start), 0)
        if k < 2 or fold(text[toks[k - 1][0] : toks[k - 1][1]]) not in self.det.get(lang, ()):
            return False
        word = text[toks[k - 2][0] : toks[k - 2][1]]
        return self.is_title(word, lang) or (k >= 3 and word.islower() and self.is_title(text[toks[k - 3][0] : toks[k - 3][1]], lang))

    def role_before(self, text: str, toks: list[tuple[int, int]], i: int, lang: str) -> str | None:
        """Title words right before token i ("Bundeskanzler", "el presidente", "глава МИД" not)."""
        k = i
        while k > 0 and i - k < 4 and text[toks[k - 1][1] : toks[k][0]].strip() in ("", "-"):
            word = text[toks[k - 1][0] : toks[k - 1][1]]
            if not self.is_title_or_det(word, lang):
                break
            k -= 1
        while k < i and not self.is_title(text[toks[k][0] : toks[k][1]], lang):
            k += 1
        if k >= i:
            return None
        return text[toks[k][0] : toks[i - 1][1]]


def inside_name(text: str, toks: list[tuple[int, int]], i: int, j: int, lang: str) -> bool:
    """In Romance languages a capitalised word glued to a place name makes it part of a person's
    name ("Ana Belén Gómez"). Not in German, where every noun is capitalised."""
    def name_word(k: int, gap: str) -> bool:
        if not 0 <= k < len(toks) or gap != " ":
            return False
        word = text[toks[k][0] : toks[k][1]]
        return word[:1].isupper() and word.isalpha() and fold(word) not in stop_words(lang)

    if lang not in ("fr", "es", "it"):
        # German and Russian capitalise more than names; a common given name before a capitalised
        # word is still a person's ("von Lucas Cranach" is no Lucas, Brazil)
        from .foreign_names import given_names

        first = text[toks[i][0] : toks[i][1]]
        return j == i + 1 and j < len(toks) and fold(first) in given_names() and first[-1:] != "." \
            and name_word(j, text[toks[i][1] : toks[j][0]])

    before = i > 0 and name_word(i - 1, text[toks[i - 1][1] : toks[i][0]])
    after = j < len(toks) and not text[toks[j - 1][1] - 1] == "." and name_word(j, text[toks[j - 1][1] : toks[j][0]])
    return bool(before or after)


def name_shaped(surface: str) -> bool:
    """Every word capitalised but name particles ("Lula da Silva", "Ursula von der Leyen"), no digits."""
    words = surface.replace("-", " ").split()
    return not any(ch.isdigit() for ch in surface) and all(
        w[:1].isupper() or w in _NAME_PARTICLES for w in words
    )

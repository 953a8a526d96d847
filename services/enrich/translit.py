"""Russian Cyrillic -> Latin for names that have no registry entry.

A simple BGN/PCGN-like table (the system English-language wires use: "Дмитрий" -> "Dmitry",
"Щербаков" -> "Shcherbakov", "Юрий" -> "Yury"): no diacritics, "й" and word-final "ий"/"ый"
give "y", soft and hard signs are dropped, "е" after a vowel or at a word start gives "ye".
It is deterministic and reversible enough for search; a registry alias overrides it.
"""

from __future__ import annotations

_TABLE = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "yo", "ж": "zh", "з": "z",
    "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
    "і": "i", "ї": "yi", "є": "ye", "ґ": "g",
}
_VOWELS = set("аеёиоуыэюяъь")


def _word(word: str) -> str:
    low = word.lower()
    if low.endswith(("ий", "ый")) and len(low) > 3:
        low = low[:-2] + "y"  # Дмитрий -> Dmitry, Юрий -> Yury
    out = []
    for k, ch in enumerate(low):
        if ch == "е" and (k == 0 or low[k - 1] in _VOWELS):
            out.append("ye")
        else:
            out.append(_TABLE.get(ch, ch))
    latin = "".join(out)
    return latin[:1].upper() + latin[1:] if word[:1].isupper() else latin


def transliterate(text: str) -> str:
    """'Сергей Шойгу' -> 'Sergey Shoygu'; hyphenated parts are kept ('Санкт-Петербург' -> 'Sankt-Peterburg')."""
    return " ".join("-".join(_word(part) for part in word.split("-")) for word in text.split())

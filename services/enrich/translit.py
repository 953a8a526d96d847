"""Russian Cyrillic -> Latin for names that have no registry entry.

A simple BGN/PCGN-like table (the system English-language wires use: "Дмитрий" -> "Dmitry",
"Щербаков" -> "Shcherbakov"), except for common given names, which take their usual English
spelling ("Сергей" -> "Sergei", "Алексей" -> "Alexei", "Юрий" -> "Yuri"): no diacritics, "й" and word-final "ий"/"ый"
give "y", soft and hard signs are dropped, "е" after a vowel or at a word start gives "ye".
It is deterministic and reversible enough for search; a registry alias overrides it.
"""

from __future__ import annotations

from collections.abc import Iterable

from shared.aliases import fold

_TABLE = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "yo", "ж": "zh", "з": "z",
    "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
    "і": "i", "ї": "yi", "є": "ye", "ґ": "g",
}
_VOWELS = set("аеёиоуыэюяъь")
#: Given names whose usual English spelling is not the letter-by-letter one (the English-language
#: wires write "Sergei Sobyanin", "Alexei Miller", "Yuri", "Maxim"); a registry alias still wins.
GIVEN_NAMES = {
    "сергей": "Sergei", "алексей": "Alexei", "андрей": "Andrei", "александр": "Alexander",
    "максим": "Maxim", "юрий": "Yuri", "николай": "Nikolai", "евгений": "Yevgeny", "матвей": "Matvei",
    "тимофей": "Timofei", "григорий": "Grigory", "георгий": "Georgy", "василий": "Vasily",
    "анатолий": "Anatoly", "виталий": "Vitaly", "валерий": "Valery", "геннадий": "Gennady",
    "аркадий": "Arkady", "дмитрий": "Dmitry", "пётр": "Pyotr", "петр": "Pyotr", "фёдор": "Fyodor",
    "федор": "Fyodor", "семён": "Semyon", "семен": "Semyon", "артём": "Artyom", "артем": "Artyom",
    "алёна": "Alyona", "алена": "Alyona", "наталья": "Natalya", "татьяна": "Tatyana", "юлия": "Yulia",
    "мария": "Maria", "ксения": "Ksenia", "екатерина": "Yekaterina", "елена": "Yelena",
    "евгения": "Yevgenia", "дарья": "Darya", "софья": "Sofya", "наталия": "Natalia", "лев": "Lev", "илья": "Ilya", "герман": "Herman",
    "алексеевич": "Alexeyevich", "сергеевич": "Sergeyevich", "эльвира": "Elvira",
}


def _word(word: str) -> str:
    low = word.lower()
    if low in GIVEN_NAMES:
        return GIVEN_NAMES[low]
    if low.endswith(("ий", "ый")) and len(low) > 3:
        low = low[:-2] + "y"  # Дмитрий -> Dmitry, Юрий -> Yury
    out = []
    for k, ch in enumerate(low):
        if ch == "е" and (k == 0 or (low[k - 1] in _VOWELS and low[k - 1] != "и")):  # Гергиев -> Gergiev
            out.append("ye")
        elif ch == "й" and 0 < k < len(low) - 1 and low[k - 1] in _VOWELS and low[k + 1] not in _VOWELS:
            out.append("i")  # Шойгу -> Shoigu, Айвазовский -> Aivazovsky, Хинштейн -> Khinshtein
        else:
            out.append(_TABLE.get(ch, ch))
    latin = "".join(out)
    if latin.endswith("iya") and len(latin) > 4:
        latin = latin[:-3] + "ia"  # Анастасия -> Anastasia, Виктория -> Viktoria
    return latin[:1].upper() + latin[1:] if word[:1].isupper() else latin


def transliterate(text: str) -> str:
    """'Сергей Шойгу' -> 'Sergey Shoygu'; hyphenated parts are kept ('Санкт-Петербург' -> 'Sankt-Peterburg')."""
    return " ".join("-".join(_word(part) for part in word.split("-")) for word in text.split())


def closest_name(latin: str, known: Iterable[str]) -> str:
    """A transliterated name close to a known one is that one ("Marko Rubio" is Marco Rubio): same
    number of words, first letters equal, each word at most one edit apart (two past 7 letters)."""
    words = fold(latin).split()
    for canonical in known:
        other = fold(canonical).split()
        if len(other) == len(words) and all(
            x[:1] == y[:1] and _edits(x, y) <= 1 + (len(x) > 7) for x, y in zip(words, other)
        ):
            return canonical
    return latin


def _edits(a: str, b: str) -> int:
    """Levenshtein distance (names are short)."""
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]

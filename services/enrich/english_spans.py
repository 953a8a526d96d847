"""English span rules: cleaning spaCy's spans (titles, determiners, possessives) and the context
tests the English phases use (a title before a name, a subject of a reporting verb)."""

from __future__ import annotations

from typing import Any

from shared.aliases import fold

from .gazetteer import Gazetteer
from .records import Cand, load_data, span_text

_POSSESSIVE = ("'s", "’s", "'", "’")


class SpanRules:
    """Lexicons (titles, metonyms, reporting verbs) and the span rules built on them."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gazetteer = gazetteer
        titles = load_data("titles.json")
        self.honorifics = frozenset(titles["honorifics"])
        self.heads = frozenset(titles["heads"]) | self.honorifics
        self.title_words = self.heads | frozenset(titles["modifiers"])
        self.non_actor_heads = frozenset(titles["non_actor_heads"])
        met = load_data("metonyms.json")
        self.metonyms = {fold(m["surface"]): m for m in met["metonyms"]}
        self._reporting = frozenset(met["reporting_verbs"])
        self._aux = frozenset(met["auxiliaries"])
        self._adverbs = frozenset(met["adverbs_between"])
        self._modals = frozenset(met["modals"])
        self._not_after = frozenset(met["not_after"])

    def clean_span(self, doc: Any, i: int, j: int, label: str) -> Cand | None:
        cand = Cand(i, j, label)
        # whitespace/newline tokens and spans crossing a paragraph break are junk
        if any("\n" in doc[k].text_with_ws[:-1] or doc[k].is_space for k in range(i, j)):
            return None
        while cand.i < cand.j and doc[cand.i].lower_ in ("the", "a", "an"):
            cand.had_the = True
            cand.i += 1
        # possessive and trailing punctuation
        while cand.j > cand.i and (
            (doc[cand.j - 1].text in _POSSESSIVE and label != "ORG") or doc[cand.j - 1].is_punct
        ):
            cand.j -= 1
        if cand.j <= cand.i:
            return None
        words = [doc[k].lower_ for k in range(cand.i, cand.j)]
        if all(w in self.title_words for w in words) and not self._body_alone(doc, cand, label):
            return None  # "Defense" in "Defense Secretary Pete Hegseth"
        if not any(ch.isalpha() for ch in span_text(doc, cand.i, cand.j)):
            return None
        if label == "PERSON":
            # titles inside the span: "President Donald Trump", "Mr Hegseth"
            k = cand.i
            while k < cand.j - 1 and doc[k].lower_ in self.title_words:
                k += 1
            if k > cand.i and doc[k - 1].lower_ in self.heads:
                cand.roles.append(span_text(doc, cand.i, k))
                cand.i = k
            role = self.role_before(doc, cand.i)
            if role:
                cand.roles.append(role)
        elif label == "ORG":
            # trailing role words: "Pentagon chief"
            k = cand.j
            while k > cand.i + 1 and doc[k - 1].lower_ in self.heads:
                k -= 1
            if k < cand.j:
                cand.roles.append(span_text(doc, cand.i, cand.j))
                cand.j = k
            elif cand.j < len(doc) and doc[cand.j].lower_ in self.heads and doc[cand.j].lower_ not in self.honorifics:
                cand.roles.append(f"{span_text(doc, cand.i, cand.j)} {doc[cand.j].text}")
        text = span_text(doc, cand.i, cand.j)
        if text[:1].islower() or len(text) < 2:
            return None
        return cand

    def _body_alone(self, doc: Any, cand: Cand, label: str) -> bool:
        """An organisation span of title words that no title word or name follows is the body
        itself ("the Senate voted", "Labour won"), not part of a role ("Senate Majority Leader")."""
        if label != "ORG" or not doc[cand.i].text[:1].isupper():
            return False
        nxt = doc[cand.j] if cand.j < len(doc) else None
        return nxt is None or not (nxt.lower_ in self.title_words or nxt.text[:1].isupper())

    def role_before(self, doc: Any, i: int) -> str | None:
        """A title phrase right before a person's name: "US President", "Ukrainian leader"."""
        k = i
        while k > 0 and i - k < 5:
            prev = doc[k - 1]
            low = prev.lower_
            if low in self.title_words and not prev.is_punct:
                k -= 1
                continue
            # a leading nationality/country qualifies the title ("Russian President")
            if k < i and (self.gazetteer.demonym(prev.text) is not None or low in ("us", "u.s.", "uk", "eu", "un")):
                if prev.text[:1].isupper():
                    k -= 1
            break
        while k < i and doc[k].lower_ in ("the", "of"):
            k += 1
        if k >= i or doc[i - 1].lower_ not in self.heads:
            return None
        return span_text(doc, k, i)

    def is_subject(self, doc: Any, j: int, i: int | None = None) -> bool:
        """Is the span [i, j) followed by a reporting/volition verb ("says", "has said", "must accept")?

        Not when it follows a preposition ("officials in Doha confirmed") or is the tail of a
        longer capitalised name ("Real Madrid have signed").
        """
        n = len(doc)
        if i is not None and i > 0:
            prev = doc[i - 1]
            if prev.lower_ in self._not_after or (prev.text[:1].isupper() and not prev.is_sent_start and prev.lower_ != "the"):
                return False
        k = j
        if k < n and doc[k].text in _POSSESSIVE:
            return False
        if k < n and doc[k].lower_ in self._reporting:
            return True
        if k + 1 < n and doc[k].lower_ in self._modals and doc[k + 1].is_alpha and doc[k + 1].is_lower:
            return True
        if k < n and doc[k].lower_ in self._aux:
            k += 1
            while k < n and doc[k].lower_ in self._adverbs:
                k += 1
            if k < n:
                w = doc[k].lower_
                return w in self._reporting or (w.endswith("ed") and w.isalpha())
        return False

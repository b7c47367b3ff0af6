"""Accent folding shared by the safety net and the model's features: children type "não" and
"nao", "chết" and "chet", "sœur" and "soeur"; both readings must treat them as one word."""

from __future__ import annotations

import unicodedata

# Letters that keep no accent to drop when decomposed: folded by hand.
_FOLD = str.maketrans({"đ": "d", "ð": "d", "ø": "o", "ł": "l", "ß": "ss", "æ": "ae", "œ": "oe", "ı": "i"})


def fold_accents(text: str) -> str:
    """`text` without diacritics ("chết" -> "chet"); expects lower case (the table folds only that)."""
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).translate(_FOLD)

"""Deterministic safety net: normalised text against per-language phrase lists.

The model can miss "kms" or "nataka kujiuaaa"; this cannot. It runs inside the NLU pipeline
(bot.nlu_components.SafetyNet) so every channel and `python -m bot triage` see the same result.
Phrase lists are compiled once into token-sequence patterns; matching is a scan over tokens.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

PHRASES_DIR = Path(__file__).resolve().parent / "phrases"

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e"), None)
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"})
_NON_WORD = re.compile(r"[^\w*]+|_")
_REPEATS = re.compile(r"(\w)\1+")
_HAS_LETTER = re.compile(r"[^\W\d_]")


def _deleet(token: str) -> str:
    """Map leetspeak inside words ("k1ll", "$uicide") but leave plain numbers ("14") alone."""
    if token.isdigit() or not _HAS_LETTER.search(token):
        return token
    return token.translate(_LEET)


def tokens(text: str, spelling: dict[str, str] | None = None) -> list[str]:
    """Normalise a message into comparable tokens.

    NFKC, lowercase, zero-width characters out, leetspeak in words mapped, punctuation to
    spaces, runs of one letter squashed ("kiiiill" and "kill" both become "kil"), then
    token-level spelling fixes.
    """
    text = unicodedata.normalize("NFKC", text).translate(_ZERO_WIDTH).lower()
    raw = [_deleet(t) for t in re.split(r"\s+", text) if t]
    out: list[str] = []
    for chunk in raw:
        for token in _NON_WORD.sub(" ", chunk).split():
            token = _REPEATS.sub(r"\1", token)
            if spelling:
                token = spelling.get(token, token)
            out.append(token)
    return out


class PhraseSet:
    """Token-sequence patterns grouped by label; `*` matches any one token.

    Patterns are indexed by their first token, so a scan costs one dictionary look-up per
    token of the message, however many phrases there are.
    """

    def __init__(self) -> None:
        self.by_first: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
        self.wild_first: list[tuple[str, tuple[str, ...]]] = []

    def add(self, label: str, phrase_tokens: list[str]) -> None:
        if not phrase_tokens:
            return
        pattern = tuple(phrase_tokens)
        if pattern[0] == "*":
            self.wild_first.append((label, pattern))
        else:
            self.by_first.setdefault(pattern[0], []).append((label, pattern))

    def matches(self, toks: list[str]) -> list[tuple[int, str]]:
        """(position, label) of every match, in the order they occur in the message."""
        found: list[tuple[int, str]] = []
        for i, tok in enumerate(toks):
            for label, pattern in self.by_first.get(tok, ()):
                if _matches_at(toks, i, pattern):
                    found.append((i, label))
            for label, pattern in self.wild_first:
                if _matches_at(toks, i, pattern):
                    found.append((i, label))
        return found

    def labels_in(self, toks: list[str]) -> set[str]:
        return {label for _, label in self.matches(toks)}


def _matches_at(toks: list[str], i: int, pattern: tuple[str, ...]) -> bool:
    if i + len(pattern) > len(toks):
        return False
    return all(p == "*" or toks[i + j] == p for j, p in enumerate(pattern))


@dataclass(frozen=True)
class SafetyFindings:
    """What the phrase lists found in one message."""

    urgent: str | None  # "suicidal", "danger_now" or None
    self_harm: bool
    categories: tuple[str, ...]
    attributes: dict[str, str]
    platform: str | None

    def as_dict(self) -> dict:
        return {
            "urgent": self.urgent,
            "self_harm": self.self_harm,
            "categories": list(self.categories),
            "attributes": dict(self.attributes),
            "platform": self.platform,
        }


# attribute label in the phrase files -> (taxonomy attribute, value)
_ATTRIBUTE_LABELS = {
    "caller_other_person": ("caller", "other_person"),
    "setting_offline": ("setting", "offline"),
    "setting_online": ("setting", "online"),
    "perpetrator_known_adult": ("perpetrator", "known_adult"),
    "perpetrator_known_peer": ("perpetrator", "known_peer"),
    "perpetrator_stranger": ("perpetrator", "stranger"),
    "told_nobody": ("told_anyone", "nobody"),
    "told_friend": ("told_anyone", "friend"),
    "told_caregiver": ("told_anyone", "caregiver"),
    "told_other_adult": ("told_anyone", "other_adult"),
    "time_ongoing": ("time_since_event", "ongoing"),
    "time_under_a_week": ("time_since_event", "under_a_week"),
    "time_under_a_month": ("time_since_event", "under_a_month"),
    "time_longer": ("time_since_event", "longer"),
}
# When several values of one attribute match, the first in this order wins.
_PRECEDENCE = [label for label in _ATTRIBUTE_LABELS]


class SafetyNet:
    """All languages' phrase lists; a message is checked against every language at once.

    Checking all languages means a child who mixes English and Kiswahili is still caught.
    """

    def __init__(self, phrases_dir: Path = PHRASES_DIR) -> None:
        self.spelling: dict[str, str] = {}
        files = sorted(phrases_dir.glob("*.yml"))
        docs = [yaml.safe_load(f.read_text(encoding="utf-8")) for f in files]
        for doc in docs:
            for wrong, right in (doc.get("spelling") or {}).items():
                self.spelling[_squash(str(wrong))] = _squash(str(right))
        self.urgent = PhraseSet()
        self.self_harm = PhraseSet()
        self.categories = PhraseSet()
        self.attributes = PhraseSet()
        self.platforms = PhraseSet()
        for doc in docs:
            for kind, phrases in (doc.get("urgent") or {}).items():
                self._add(self.urgent, kind, phrases)
            self._add(self.self_harm, "self_harm", doc.get("self_harm") or [])
            for code, phrases in (doc.get("categories") or {}).items():
                self._add(self.categories, code, phrases)
            for label, phrases in (doc.get("attributes") or {}).items():
                self._add(self.attributes, label, phrases)
            for platform, phrases in (doc.get("platforms") or {}).items():
                self._add(self.platforms, platform, phrases)

    def _add(self, target: PhraseSet, label: str, phrases: list[str]) -> None:
        for phrase in phrases:
            if isinstance(phrase, str):  # a stray null in the YAML must never become the word "none"
                target.add(label, tokens(phrase, self.spelling))

    def check(self, text: str) -> SafetyFindings:
        toks = tokens(text, self.spelling)
        urgent_kinds = self.urgent.labels_in(toks)
        urgent = "suicidal" if "suicidal" in urgent_kinds else ("danger_now" if urgent_kinds else None)
        attributes: dict[str, str] = {}
        matched = self.attributes.labels_in(toks)
        for label in _PRECEDENCE:
            if label in matched:
                name, value = _ATTRIBUTE_LABELS[label]
                if name == "setting" and name in attributes and attributes[name] != value:
                    attributes[name] = "both"
                else:
                    attributes.setdefault(name, value)
        platforms = self.platforms.matches(toks)  # the first platform named is where it began
        return SafetyFindings(
            urgent=urgent,
            self_harm=bool(self.self_harm.labels_in(toks)),
            categories=tuple(sorted(self.categories.labels_in(toks))),
            attributes=attributes,
            platform=platforms[0][1] if platforms else None,
        )


def _squash(token: str) -> str:
    return _REPEATS.sub(r"\1", token.lower())


@lru_cache(maxsize=1)
def safety_net() -> SafetyNet:
    return SafetyNet()

"""Deterministic safety net: normalised text against per-language phrase lists.

The model can miss "kms" or "nataka kujiuaaa"; this cannot. It runs inside the NLU pipeline
(bot.nlu_components.SafetyNet) so every channel and `python -m bot triage` see the same result.
Phrase lists are compiled once into token-sequence patterns; matching is a scan over tokens.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from bot.settings import LOCALES_DIR, SUPPORTED_LANGUAGES
from bot.text_fold import fold_accents
from bot.yaml_files import read_yaml

PHRASE_FILES = ("safety.yml", "signals.yml")  # in each language's folder, locales/<lang>/

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e"), None)
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"})
_NON_WORD = re.compile(r"[^\w*]+|_")
_REPEATS = re.compile(r"(\w)\1+")
_HAS_LETTER = re.compile(r"[^\W\d_]")
# A time of day as children type it ("9", "9pm", "21h", "9h30"): the token class CLOCK in phrases
# ("before *clock", "trước *clock") matches any of them, so a deadline needs no list of hours.
CLOCK = "*clock"
_CLOCK_TIME = re.compile(r"\d{1,2}(?:h\d{1,2}|h|hrs?|pm|am)?")
_EDGE_PUNCTUATION = ".,!?;:()[]\"'"


def _deleet(token: str) -> str:
    """Map leetspeak inside words ("k1ll", "$uicide") but leave numbers ("14") and times ("10pm") alone."""
    if token.isdigit() or not _HAS_LETTER.search(token) or _CLOCK_TIME.fullmatch(token.strip(_EDGE_PUNCTUATION)):
        return token
    return token.translate(_LEET)


def tokens(text: str, spelling: dict[str, str] | None = None) -> list[str]:
    """Normalise a message into comparable tokens.

    NFKC, lowercase, zero-width characters out, accents dropped (children type "não" and
    "nao", "chết" and "chet": one phrase matches both), leetspeak in words mapped, punctuation
    to spaces, runs of one letter squashed ("kiiiill" and "kill" both become "kil"), then
    token-level spelling fixes, where one token may stand for several ("nlng" -> "na lang").
    """
    text = fold_accents(unicodedata.normalize("NFKC", text).translate(_ZERO_WIDTH).lower())
    raw = [_deleet(t) for t in re.split(r"\s+", text) if t]
    out: list[str] = []
    for chunk in raw:
        for token in _NON_WORD.sub(" ", chunk).split():
            token = _REPEATS.sub(r"\1", token)
            if spelling and token in spelling:
                out.extend(spelling[token].split())  # a contraction may stand for two words ("nlng": "na lang")
            else:
                out.append(token)
    return out


_LABELS = ""  # trie key for the labels of phrases that end at a node (no token is empty)


class PhraseSet:
    """Token-sequence patterns grouped by label; `*` matches any one token, `*clock` a time of day.

    Patterns are kept in a trie of tokens, so a scan walks from each token of the message only as
    far as some phrase still fits: the cost does not grow with the number of phrases.
    """

    def __init__(self) -> None:
        self.root: dict[str, Any] = {}

    def add(self, label: str, phrase_tokens: list[str]) -> None:
        if not phrase_tokens:
            return
        node = self.root
        for token in phrase_tokens:
            node = node.setdefault(token, {})
        labels = node.setdefault(_LABELS, [])
        if label not in labels:
            labels.append(label)

    def patterns(self) -> Iterator[tuple[str, tuple[str, ...]]]:
        """(label, pattern) of every phrase, for checks and tests."""
        stack: list[tuple[dict[str, Any], tuple[str, ...]]] = [(self.root, ())]
        while stack:
            node, path = stack.pop()
            for key, child in node.items():
                if key == _LABELS:
                    yield from ((label, path) for label in child)
                else:
                    stack.append((child, (*path, key)))

    def spans(self, toks: list[str]) -> list[tuple[int, int, str]]:
        """(start, end, label) of every match, in the order they start in the message (shorter first)."""
        found: list[tuple[int, int, str]] = []
        keys = [(token, "*", CLOCK) if _CLOCK_TIME.fullmatch(token) else (token, "*") for token in toks]
        for start in range(len(toks)):
            frontier = [self.root]
            end = start
            while frontier and end < len(toks):
                reached = []
                for node in frontier:
                    for key in keys[end]:
                        child = node.get(key)
                        if child is not None:
                            reached.append(child)
                end += 1
                for node in reached:
                    found.extend((start, end, label) for label in node.get(_LABELS, ()))
                frontier = reached
        return found

    def matches(self, toks: list[str]) -> list[tuple[int, str]]:
        """(position, label) of every match, in the order they occur in the message."""
        return [(start, label) for start, _, label in self.spans(toks)]

    def labels_in(self, toks: list[str]) -> set[str]:
        return {label for _, _, label in self.spans(toks)}


@dataclass(frozen=True)
class SafetyFindings:
    """What the phrase lists found in one message."""

    urgent: UrgentKind | None
    self_harm: bool
    categories: tuple[str, ...]
    attributes: dict[str, str]
    platform: str | None
    danger_categories: tuple[str, ...] = ()  # what is happening, when urgent is "danger_now"
    negated: bool = False  # an urgent phrase was negated ("im not suicidal"): ask, don't alarm
    idiom: bool = False  # an urgent word was part of an everyday idiom ("my mum will kill me")
    first_person: bool = False  # the message tells of the writer's own life
    info_question: bool = False  # the message opens as a question about a topic ("what is ...")
    lone_signal: bool = False  # one strong risk signal alone (a method, an intent, a goodbye): ask, don't route
    danger_context: tuple[str, ...] = ()  # what words around a danger now say it is ("his hand under my shirt")
    joking: bool = False  # laughter ("🤣", "wkwk", "mdr") and no "seriously": the model's guess alone asks, not routes
    safe_now: bool = False  # "made it home safe", "nimefika nyumbani salama": the danger has passed; the model's guess alone asks

    def as_dict(self) -> dict:
        return {
            "urgent": self.urgent,
            "self_harm": self.self_harm,
            "categories": list(self.categories),
            "attributes": dict(self.attributes),
            "platform": self.platform,
            "danger_categories": list(self.danger_categories),
            "negated": self.negated,
            "idiom": self.idiom,
            "first_person": self.first_person,
            "info_question": self.info_question,
            "lone_signal": self.lone_signal,
            "danger_context": list(self.danger_context),
            "joking": self.joking,
            "safe_now": self.safe_now,
        }


UrgentKind = Literal["suicidal", "danger_now"]
# Kinds of indirect suicide-risk signal (phrase files' `risk_signals`): two different kinds in one
# message are urgent, at least one of them strong (a time alone with a goodbye-like word is not).
SIGNAL_KINDS = ("method", "intent", "imminence", "finality")
STRONG_SIGNALS = frozenset({"method", "intent", "finality"})
# The not_urgent kind that says the danger has passed: it softens the model's guess, never a phrase.
SAFE_NOW = "safe_now"
# danger_now phrases listed without a category are recorded as this one.
DEFAULT_DANGER_CATEGORY = "abuse.other"
# A negation word up to this many tokens before an urgent phrase negates it ("im not suicidal").
NEGATION_WINDOW = 3
# "don't", "didn't" ... tokenise to "don t": a lone "t" after one of these is a negation.
_NEGATING_T = {"don", "didn", "won", "isn", "wasn", "ain", "aren", "wouldn", "shouldn", "couldn", "haven", "doesn"}

# attribute label in the phrase files -> (taxonomy attribute, value)
_ATTRIBUTE_LABELS = {
    "caller_parent": ("caller_role", "parent"),
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

    def __init__(self, root: Path = LOCALES_DIR, languages: tuple[str, ...] = SUPPORTED_LANGUAGES) -> None:
        self.spelling: dict[str, str] = {}
        files = [root / lang / name for lang in languages for name in PHRASE_FILES if (root / lang / name).is_file()]
        docs = [read_yaml(f) for f in files]
        for doc in docs:
            for wrong, right in (doc.get("spelling") or {}).items():
                self.spelling[_squash(str(wrong))] = _squash(str(right))
        self.urgent = PhraseSet()
        self.not_urgent = PhraseSet()
        self.self_harm = PhraseSet()
        self.categories = PhraseSet()
        self.attributes = PhraseSet()
        self.platforms = PhraseSet()
        self.info_question = PhraseSet()
        self.signals = PhraseSet()
        self.danger_context = PhraseSet()
        self.laughter = PhraseSet()
        self.laughter_symbols: set[str] = set()  # emoji and emoticons, which tokens() drops: found in the raw text
        self.earnest = PhraseSet()
        self.negation_words: set[str] = set()
        self.first_person: set[str] = set()
        # Words that say "I" in one language only and are ordinary words in another (Vietnamese "e"
        # is Portuguese "and"): they count only when the message is known to be in that language.
        self.first_person_own: dict[str, set[str]] = {}
        for doc in docs:
            urgent = doc.get("urgent") or {}
            self._add(self.urgent, "suicidal", urgent.get("suicidal") or [])
            danger = urgent.get("danger_now") or {}
            for category, phrases in (danger.items() if isinstance(danger, dict) else [(DEFAULT_DANGER_CATEGORY, danger)]):
                self._add(self.urgent, f"danger_now:{category}", phrases)
            for kind, phrases in (doc.get("not_urgent") or {}).items():
                self._add(self.not_urgent, kind, phrases)
            self._add(self.self_harm, "self_harm", doc.get("self_harm") or [])
            for code, phrases in (doc.get("categories") or {}).items():
                self._add(self.categories, code, phrases)
            for label, phrases in (doc.get("attributes") or {}).items():
                self._add(self.attributes, label, phrases)
            for platform, phrases in (doc.get("platforms") or {}).items():
                self._add(self.platforms, platform, phrases)
            self._add(self.info_question, "info_question", doc.get("info_question") or [])
            for kind, phrases in (doc.get("risk_signals") or {}).items():
                self._add(self.signals, kind, phrases)
            for code, phrases in (doc.get("danger_context") or {}).items():
                self._add(self.danger_context, code, phrases)
            joking = doc.get("joking") or {}
            for marker in joking.get("laughter") or []:
                marker_tokens = tokens(str(marker), self.spelling)
                if marker_tokens:
                    self.laughter.add("laughter", marker_tokens)
                elif symbol := str(marker).replace("\ufe0f", "").strip():
                    self.laughter_symbols.add(symbol)
            self._add(self.earnest, "earnest", joking.get("earnest") or [])
            self.negation_words |= {t for w in doc.get("negation_words") or [] for t in tokens(str(w), self.spelling)}
            self.first_person |= {t for w in doc.get("first_person") or [] for t in tokens(str(w), self.spelling)}
            own = {t for w in doc.get("first_person_own_language") or [] for t in tokens(str(w), self.spelling)}
            if own and doc.get("language"):
                self.first_person_own.setdefault(str(doc["language"]), set()).update(own)

    def _add(self, target: PhraseSet, label: str, phrases: list[str]) -> None:
        for phrase in phrases:
            if isinstance(phrase, str):  # a stray null in the YAML must never become the word "none"
                target.add(label, tokens(phrase, self.spelling))

    def _negated_at(self, toks: list[str], start: int) -> bool:
        for i in range(max(0, start - NEGATION_WINDOW), start):
            if toks[i] in self.negation_words or (toks[i] == "t" and i > 0 and toks[i - 1] in _NEGATING_T):
                return True
        return False

    def _signals(self, toks: list[str], exceptions: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
        """Indirect suicide-risk signals outside any idiom or negation ("kesho sitakuwepo shuleni")."""
        return [(s, e, kind) for s, e, kind in self.signals.spans(toks) if not any(x < e and s < y for x, y, _ in exceptions)]

    @staticmethod
    def _combined(signals: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
        """Suicide risk told indirectly: signals of two different kinds in one message (a method and
        a plan, a time and a goodbye, ...) count as one urgent match spanning them."""
        kinds = {kind for _, _, kind in signals}
        strong = _disjoint([(s, e) for s, e, kind in signals if kind in STRONG_SIGNALS])
        if not (len(kinds) >= 2 and kinds & STRONG_SIGNALS) and strong < 2:
            return []
        return [(start, end, "suicidal") for start, end, _ in signals]

    def _urgent(self, toks: list[str]) -> tuple[list[str], bool, bool, bool, bool]:
        """Urgent labels that stand, whether any were negated or part of an idiom, whether a strong
        risk signal stands (one alone is not urgent: the child is asked), and whether the child says
        the danger has passed. That statement overlaps no phrase: "im home safe now" keeps the "now"
        of "tonight is the night, im ok now" as a signal, and "but hes outside" stays a danger."""
        all_exceptions = self.not_urgent.spans(toks)
        exceptions = [span for span in all_exceptions if span[2] != SAFE_NOW]
        signals = self._signals(toks, exceptions)
        kept: list[str] = []
        negated = idiom = False
        for start, end, label in self.urgent.spans(toks) + self._combined(signals):
            overlapping = {kind for s, e, kind in exceptions if s < end and start < e}
            if "negated" in overlapping or self._negated_at(toks, start):
                negated = True
            elif "idiom" in overlapping:
                idiom = True
            else:
                kept.append(label)
        strong = any(kind in STRONG_SIGNALS and not self._negated_at(toks, s) for s, _, kind in signals)
        # An idiom or a negation anywhere also overrules the model's urgent guess, which has no span
        # to overlap ("mama ataniua nikifeli", "im not in danger, he's blocked"): see nlu_components.
        kinds = {kind for _, _, kind in exceptions}
        safe_now = any(kind == SAFE_NOW for _, _, kind in all_exceptions)
        return kept, negated or "negated" in kinds, idiom or "idiom" in kinds, strong, safe_now

    def check(self, text: str, language: str | None = None) -> SafetyFindings:
        """What the phrase lists find in `text`; `language`, when known, adds its own first-person words."""
        toks = tokens(text, self.spelling)
        own_words = self.first_person_own.get(language or "", set())
        urgent_labels, negated, idiom, strong_signal, safe_now = self._urgent(toks)
        danger = tuple(dict.fromkeys(label.split(":", 1)[1] for label in urgent_labels if label.startswith("danger_now:")))
        urgent: UrgentKind | None = "suicidal" if "suicidal" in urgent_labels else ("danger_now" if danger else None)
        attributes: dict[str, str] = {}
        matched = self.attributes.labels_in(toks)
        for label in _PRECEDENCE:
            if label in matched:
                name, value = _ATTRIBUTE_LABELS[label]
                if name == "setting" and name in attributes and attributes[name] != value:
                    attributes[name] = "both"
                else:
                    attributes.setdefault(name, value)
        if attributes.get("caller_role") == "parent":
            attributes["caller"] = "other_person"
        elif attributes.get("caller") == "other_person":
            attributes["caller_role"] = "friend"
        platforms = self.platforms.matches(toks)  # the first platform named is where it began
        return SafetyFindings(
            urgent=urgent,
            self_harm=bool(self.self_harm.labels_in(toks)),
            categories=tuple(sorted(self.categories.labels_in(toks))),
            attributes=attributes,
            platform=platforms[0][1] if platforms else None,
            danger_categories=danger,
            negated=negated and not urgent,
            idiom=idiom and not urgent,
            first_person=any(t in self.first_person or t in own_words for t in toks),
            info_question=any(start <= 1 for start, _, _ in self.info_question.spans(toks)),
            lone_signal=strong_signal and not urgent and not negated and not idiom,
            danger_context=tuple(sorted(self.danger_context.labels_in(toks))),
            joking=self._joking(text, toks),
            safe_now=safe_now and not urgent,
        )

    def _joking(self, text: str, toks: list[str]) -> bool:
        """Laughter in the message and nothing that says it is meant ("wkwk tapi serius")."""
        laughing = bool(self.laughter.spans(toks)) or any(symbol in text for symbol in self.laughter_symbols)
        return laughing and not self.earnest.spans(toks)


def _disjoint(spans: list[tuple[int, int]]) -> int:
    """How many of these spans can be picked without overlapping ("end it" inside "ending it" is one)."""
    count, last_end = 0, -1
    for start, end in sorted(spans, key=lambda span: span[1]):
        if start >= last_end:
            count, last_end = count + 1, end
    return count


def _squash(token: str) -> str:
    return _REPEATS.sub(r"\1", token.lower())


@lru_cache(maxsize=1)
def safety_net() -> SafetyNet:
    return SafetyNet()

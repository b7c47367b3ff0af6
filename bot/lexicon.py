"""How children answer the bot's own questions, name countries, ages and languages, in every language.

The words are data: locales/<lang>/lexicon.yml, one file per supported language, merged so a child
who mixes languages is still understood. Country names come from CLDR (Babel) in every supported
language, with the lexicon's aliases (cities, slang) on top and a loose match for typos
("keyna", "tanzaniya"). Text is normalised exactly as the safety net does (bot.safety.tokens),
and everything is compiled once per process: reading a message costs dictionary look-ups.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

from babel import Locale

from bot.languages import language
from bot.safety import PhraseSet, safety_net, tokens
from bot.settings import LOCALES_DIR, SUPPORTED_LANGUAGES
from bot.yaml_files import read_yaml

# Signals an answer can carry; `read_answer` turns them into what the answer means.
# "just" (a minimiser) and "fear" (scared, worried, stressed, ashamed) only qualify a no: "no, just
# scared" denies the thoughts and tells of fear (see `_denied_with_fear`); alone they mean nothing.
ANSWER_SIGNALS = ("yes", "no", "unsure", "distress", "ok", "unsafe", "thoughts", "just", "fear")
# A plain answer inside a longer phrase of another kind is that phrase's: "không có" is no, not
# also yes ("có"); "not ok" is distress, not also ok. Hedges, distress, danger and thoughts stay,
# except inside a longer no (`_without_plain_inside`).
_PLAIN_ANSWERS = frozenset({"yes", "no", "ok"})
_QUALIFIERS = frozenset({"just", "fear"})  # alone, not an answer: the child's own list has not spoken
FAQ_TOPICS = ("wait_time", "anyone_there", "confidential", "cost", "hours", "hotline_helpline", "leave_queue")
# CLDR territories that are not places a child lives in.
_NOT_COUNTRIES = {"ZZ", "UN", "EZ", "QO", "XA", "XB", "XK"}
_MIN_FUZZY_LENGTH = 5
# Inside a message that is not an answer to "which country?", a name this short is more likely a
# word of some language ("uk" is Vietnamese texting for yes) than a country: not read there.
_MIN_UNASKED_LENGTH = 4
# Even as the answer to "which country?", a name that short only counts in a short answer ("im in
# the uk"): in a sentence it is more likely a word ("picha zangu za uchi": "za" is not ZA).
_SHORT_ANSWER_TOKENS = 6
_FUZZY_CUTOFF = 0.8

# What an answer to a risk question means for the conversation.
Reading = Literal["risk", "safe", "thoughts_safe"]
# Which way a question is asked: "are you having thoughts of suicide?" (yes is risk) or
# "are you safe right now?" (yes is safe).
Polarity = Literal["yes_is_risk", "yes_is_safe"]


@dataclass(frozen=True)
class Countries:
    """Normalised country names (as token tuples) -> ISO 3166 alpha-2 code."""

    exact: dict[tuple[str, ...], str]
    by_length: dict[int, list[str]]  # for loose matching: names joined by spaces, by token count

    def find(self, toks: list[str], loose: bool) -> str | None:
        """`loose`: the message answers "which country?" (short names and near-misses count)."""
        longest = max(self.by_length, default=0)
        for size in range(min(longest, len(toks)), 0, -1):
            for start in range(len(toks) - size + 1):
                window = tuple(toks[start:start + size])
                code = self.exact.get(window)
                short_name = len(" ".join(window)) < _MIN_UNASKED_LENGTH
                if code and (not short_name or (loose and len(toks) <= _SHORT_ANSWER_TOKENS)):
                    return code
        if not loose:
            return None
        for size in range(min(longest, len(toks)), 0, -1):
            names = self.by_length.get(size, [])
            for start in range(len(toks) - size + 1):
                window = " ".join(toks[start:start + size])
                if len(window) < _MIN_FUZZY_LENGTH:
                    continue
                close = difflib.get_close_matches(window, names, n=1, cutoff=_FUZZY_CUTOFF)
                if close:
                    return self.exact[tuple(close[0].split())]
        return None


class Lexicon:
    """All supported languages' lexicons, merged."""

    def __init__(self, root: Path = LOCALES_DIR, languages: tuple[str, ...] = SUPPORTED_LANGUAGES,
                 spelling: dict[str, str] | None = None) -> None:
        self.spelling = safety_net().spelling if spelling is None else spelling
        self.docs = {lang: read_yaml(root / lang / "lexicon.yml") for lang in languages}
        self.answers = PhraseSet()
        self.own_answers: dict[str, PhraseSet] = {lang: PhraseSet() for lang in languages}
        # Answers that are words of another kind inside a sentence (Tagalog "oo" = yes squashes to
        # "o" = "or"): read only as the whole message, and only in the child's own language.
        self.whole_answers: dict[str, dict[tuple[str, ...], str]] = {lang: {} for lang in languages}
        self.faq = PhraseSet()
        self.language_names = PhraseSet()
        self.numbers: dict[tuple[str, ...], int] = {}
        self.under = PhraseSet()
        for lang, doc in self.docs.items():
            for signal, phrases in (doc.get("answers") or {}).items():
                self._add(self.answers, signal, phrases)
                self._add(self.own_answers[lang], signal, phrases)
            for signal, phrases in (doc.get("whole_answers") or {}).items():
                self._add(PhraseSet(), signal, phrases)  # the same checks as any answer list
                self.whole_answers[lang] |= {tuple(self.tokens(phrase)): signal for phrase in phrases}
            for topic, phrases in (doc.get("faq") or {}).items():
                self._add(self.faq, topic, phrases)
            for named, names in (doc.get("language_names") or {}).items():
                self._add(self.language_names, named, names)
            self._add(self.under, "under", doc.get("under") or [])
            for words, number in (doc.get("numbers") or {}).items():
                self.numbers[tuple(self.tokens(str(words)))] = int(number)
        self.countries = self._countries(languages)

    def tokens(self, text: str) -> list[str]:
        return tokens(text, self.spelling)

    def _add(self, target: PhraseSet, label: object, phrases: list[object]) -> None:
        # YAML 1.1 reads a bare yes/no/on/off as a boolean: such an entry would silently never match.
        if not isinstance(label, str) or not all(isinstance(p, str) for p in phrases or []):
            raise ValueError(f"lexicon: quote the entries of {label!r} (YAML read a non-string)")
        for phrase in phrases or []:
            target.add(label, self.tokens(phrase))

    def _countries(self, languages: tuple[str, ...]) -> Countries:
        exact: dict[tuple[str, ...], str] = {}
        for lang in languages:
            for code, name in Locale.parse(language(lang).cldr).territories.items():
                if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES:
                    for variant in {name, name.split(" - ")[0], re.sub(r"\s*\(.*\)", "", name)}:
                        toks = tuple(t for t in self.tokens(variant) if t != "the")
                        if toks:
                            exact.setdefault(toks, code)
        for doc in self.docs.values():
            for alias, code in (doc.get("country_aliases") or {}).items():
                exact[tuple(self.tokens(str(alias)))] = str(code)
        by_length: dict[int, list[str]] = {}
        for toks in exact:
            by_length.setdefault(len(toks), []).append(" ".join(toks))
        return Countries(exact, by_length)

    # --- reading a message -----------------------------------------------------------------
    def answer_spans(self, text: str, language: str | None = None) -> tuple[list[tuple[int, int, str]], bool]:
        """The answer phrases in a message, and whether they are the child's own language's: read in
        that language first (Vietnamese "k" is "no", English "k" is "ok"), and in every language
        when their own says nothing (a child who answers in English, or mixes another in)."""
        toks = self.tokens(text)
        whole = self.whole_answers.get(language or "", {}).get(tuple(toks))
        if whole:
            return [(0, len(toks), whole)], True
        own = self.own_answers.get(language or "")
        found = _without_plain_inside(own.spans(toks)) if own else []
        if any(label not in _QUALIFIERS for _, _, label in found):
            return found, True
        return _without_plain_inside(self.answers.spans(toks)), False

    def answer_signals(self, text: str, language: str | None = None) -> set[str]:
        return {label for _, _, label in self.answer_spans(text, language)[0]}

    def is_bare_answer(self, text: str, language: str | None = None) -> bool:
        """Whether every word of the message is part of an answer phrase ("takde", "no never"):
        then the answer lists alone say what it means, whatever the model reads in it."""
        toks = self.tokens(text)
        spans, _ = self.answer_spans(text, language)
        return bool(toks) and all(any(s <= i < e for s, e, _ in spans) for i in range(len(toks)))

    def read_answer(self, text: str, polarity: Polarity, language: str | None = None) -> Reading | None:
        """What a typed answer to a risk question means, or None when it is not an answer.

        Hedged answers ("kind of", "idk", "not really", "sijui") and distress ("bad",
        "sijisikii poa") read as risk, as crisis lines do: asking again costs less than missing it.
        A no that only adds fear ("no, just scared") is a no (`_denied_with_fear`; the dialogue still
        takes the urgent route when the model reads a crisis in the words).
        """
        spans, own = self.answer_spans(text, language)
        s = {label for _, _, label in spans}
        safe_words = "ok" in s
        if "unsafe" in s:
            return "risk"
        if "thoughts" in s and safe_words:
            return "thoughts_safe"
        if polarity == "yes_is_risk" and own and _denied_with_fear(spans):
            return "safe"  # the thoughts denied, the fear told: the reply thanks, the helpline stays in it
        if "distress" in s or "unsure" in s:
            return "risk"
        if polarity == "yes_is_risk":
            if "yes" in s and safe_words and "no" not in s:  # "yes, but I'm safe right now"
                return "thoughts_safe"
            if "yes" in s or "thoughts" in s:
                return "risk"
            if "no" in s or safe_words:
                return "safe"
            return None
        if "thoughts" in s:
            return "risk"
        if "no" in s and not safe_words:
            return "risk"
        if "yes" in s or safe_words:
            return "safe"
        return None

    def faq_topics(self, text: str) -> list[str]:
        """Questions about the service itself, in the order the child asked them."""
        seen: dict[str, None] = {}
        for _, topic in self.faq.matches(self.tokens(text)):
            seen.setdefault(topic, None)
        return list(seen)

    def find_country(self, text: str, loose: bool = False) -> str | None:
        """An ISO country code named in free text; `loose` also forgives typos ("keyna")."""
        return self.countries.find(self.tokens(text), loose)

    def find_age_band(self, text: str) -> str | None:
        """An age band from "im 14", "13", "nina miaka kumi na nne" or "under 13"."""
        lowered = text.lower()
        toks = self.tokens(text)
        if any(end < len(toks) and toks[end] == "13" for _, end, _ in self.under.spans(toks)):
            return "under_13"  # "under 13", "chini ya 13", "di bawah 13": each language's `under` words
        match = re.search(r"\b(\d{1,2})\b", lowered)
        age = int(match.group(1)) if match else self._number_in(toks)
        if age is None or not 5 <= age <= 99:
            return None
        if age < 13:
            return "under_13"
        if age <= 15:
            return "13_15"
        return "16_17" if age <= 17 else "adult"

    def _number_in(self, toks: list[str]) -> int | None:
        longest = max((len(k) for k in self.numbers), default=0)
        for size in range(min(longest, len(toks)), 0, -1):
            for start in range(len(toks) - size + 1):
                number = self.numbers.get(tuple(toks[start:start + size]))
                if number is not None:
                    return number
        return None

    def find_language(self, text: str) -> str | None:
        found = self.language_names.matches(self.tokens(text))
        return found[0][1] if found else None


def _without_plain_inside(spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """The matches, less a yes / no / ok that lies inside a longer match of another kind, and less
    anything inside a longer no: a no is listed whole, so "hata kidogo" (not at all) is not also
    the hedge "kidogo" (a little), nor "chưa bao giờ" (never) the hedge "chưa" (not yet)."""
    return [(start, end, label) for start, end, label in spans if not any(
        s <= start and end <= e and e - s > end - start and other != label and (label in _PLAIN_ANSWERS or other == "no")
        for s, e, other in spans)]


def _denied_with_fear(spans: list[tuple[int, int, str]]) -> bool:
    """"no, just scared" / "gak, cuma takut": the message opens with a no, a minimiser follows, and
    every distress phrase in it is fear; no yes, hedge, danger or thoughts anywhere. "no just help
    me", "nao so quero sumir" (distress that is not fear) stay risk."""
    labels = {label for _, _, label in spans}
    if labels & {"yes", "unsure", "unsafe", "thoughts"} or not any(s == 0 and label == "no" for s, _, label in spans):
        return False
    fears = [(s, e) for s, e, label in spans if label == "fear"]
    distress = [(s, e) for s, e, label in spans if label == "distress"]
    return "just" in labels and bool(fears) and all(any(s <= fs and fe <= e for fs, fe in fears) for s, e in distress)


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    """The process-wide lexicon, built on first use (at start-up, not per message)."""
    return Lexicon()

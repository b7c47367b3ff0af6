"""Language guess for a message, restricted to the languages we have texts for.

langdetect is seeded (same answer every run) and loaded with only our languages' profiles
(each language's `detect` in locales/<code>/language.yml), once per process. Short messages are
never guessed: "ok" or "sawa" says too little. Where two languages share a profile (Malay reads
as Indonesian to langdetect, which has no Malay), a guess of it names neither.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory
from langdetect.lang_detect_exception import LangDetectException

from bot.languages import language
from bot.settings import SUPPORTED_LANGUAGES

MIN_WORDS = 4
_WORDS = re.compile(r"[^\W\d_]+")
MIN_PROBABILITY = 0.90


def _profiles() -> dict[str, list[str]]:
    """langdetect profile -> the supported languages it stands for."""
    found: dict[str, list[str]] = {}
    for lang in SUPPORTED_LANGUAGES:
        profile = language(lang).detect
        if profile and (Path(PROFILES_DIRECTORY) / profile).is_file():
            found.setdefault(profile, []).append(lang)
    return found


@lru_cache(maxsize=1)
def _factory() -> tuple[DetectorFactory, dict[str, list[str]]]:
    factory, profiles = DetectorFactory(), _profiles()
    factory.load_json_profile([(Path(PROFILES_DIRECTORY) / p).read_text(encoding="utf-8") for p in sorted(profiles)])
    factory.set_seed(0)
    return factory, profiles


def guess_language(text: str) -> str | None:
    """The supported language of a message of four or more words, or None when unsure."""
    words = _WORDS.findall(text.lower())  # as written: accents tell Vietnamese, Portuguese, French apart
    if len(words) < MIN_WORDS:
        return None
    factory, profiles = _factory()
    detector = factory.create()
    detector.append(" ".join(words))
    try:
        best = max(detector.get_probabilities(), key=lambda p: p.prob)
    except (LangDetectException, ValueError):
        return None
    named = profiles.get(best.lang, [])
    return named[0] if best.prob >= MIN_PROBABILITY and len(named) == 1 else None

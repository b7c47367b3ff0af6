"""Language guess for a message, restricted to the languages we have texts for.

langdetect is seeded (same answer every run) and loaded with only our languages' profiles,
once per process. Short messages are never guessed: "ok" or "sawa" says too little.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory
from langdetect.lang_detect_exception import LangDetectException

from bot.safety import tokens
from bot.settings import SUPPORTED_LANGUAGES

MIN_WORDS = 4
MIN_PROBABILITY = 0.90


@lru_cache(maxsize=1)
def _factory() -> DetectorFactory:
    factory = DetectorFactory()
    profiles = [(Path(PROFILES_DIRECTORY) / lang).read_text(encoding="utf-8") for lang in SUPPORTED_LANGUAGES]
    factory.load_json_profile(profiles)
    factory.set_seed(0)
    return factory


def guess_language(text: str) -> str | None:
    """The supported language of a message of four or more words, or None when unsure."""
    words = [t for t in tokens(text) if any(c.isalpha() for c in t)]
    if len(words) < MIN_WORDS:
        return None
    detector = _factory().create()
    detector.append(" ".join(words))
    try:
        best = max(detector.get_probabilities(), key=lambda p: p.prob)
    except (LangDetectException, ValueError):
        return None
    return best.lang if best.prob >= MIN_PROBABILITY else None

"""Where a language's data lives: one folder, locales/<code>/, whose files are the whole language
(docs/adding-a-language.md). The supported languages are the folders that hold texts
(bot.settings.language_folders); nothing else in the code names a language.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from bot.settings import LOCALES_DIR, SUPPORTED_LANGUAGES
from bot.yaml_files import read_yaml

# Every file a language folder must have, and what it holds.
FILES = {
    "language.yml": "the language itself: its own name, CLDR locale, detector profile, countries, review status",
    "messages.yml": "every text a child reads, with age variants",
    "webchat.yml": "the web chat page's labels",
    "telegram.yml": "Telegram's command menu",
    "canned.yml": "counsellors' canned responses",
    "lexicon.yml": "how children answer the bot's questions, number words, language names, country aliases, commands",
    "nlu.yml": "the intent classifier's examples",
    "safety.yml": "the safety net's phrases: urgent, danger now, idioms that must not trigger, categories",
    "signals.yml": "indirect suicide-risk signals",
}
REVIEW_STATUSES = ("reviewed", "machine-drafted")


@dataclass(frozen=True)
class Language:
    code: str
    name: str  # in itself: the picker shows it
    english_name: str
    cldr: str  # Babel/CLDR locale for country names ("fil" for Filipino)
    detect: str | None  # langdetect profile; None: never suggested from what a child writes
    countries: tuple[str, ...]  # directory entries whose children write it: offered first
    review: str  # REVIEW_STATUSES
    reviewed_by: str | None
    country_names: dict[str, str]  # where a sentence needs another form than CLDR's ("the United Kingdom")
    eu_name: str  # the EU entry is not a country: "your EU country"
    eu_button: str


def path(lang: str, name: str, root: Path = LOCALES_DIR) -> Path:
    return root / lang / name


def read(lang: str, root: Path = LOCALES_DIR) -> Language:
    doc = read_yaml(path(lang, "language.yml", root)) or {}
    review = doc.get("review") or {}
    return Language(code=lang, name=str(doc.get("name") or lang), english_name=str(doc.get("english_name") or lang),
                    cldr=str(doc.get("cldr") or lang), detect=doc.get("detect"),
                    countries=tuple(doc.get("countries") or ()), review=str(review.get("status") or ""),
                    reviewed_by=review.get("by"), country_names=dict(doc.get("country_names") or {}),
                    eu_name=str((doc.get("eu") or {}).get("name") or ""), eu_button=str((doc.get("eu") or {}).get("button") or ""))


@cache
def territories(lang: str) -> dict[str, str]:
    """Country names in a language, from CLDR (Babel), with the language's own overrides."""
    from babel import Locale

    found = dict(Locale.parse(language(lang).cldr).territories)
    return {**found, **language(lang).country_names}


def country_name(lang: str, code: str) -> str:
    return language(lang).eu_name if code == "EU" else territories(lang).get(code, "")


@cache
def language(lang: str) -> Language:
    """A supported language's description, read once."""
    return read(lang)


def nlu_files(languages: tuple[str, ...] = SUPPORTED_LANGUAGES, root: Path = LOCALES_DIR) -> list[Path]:
    """The languages' training examples (beside nlu_data/, which holds the language-neutral ones)."""
    return [path(lang, "nlu.yml", root) for lang in languages if path(lang, "nlu.yml", root).is_file()]


# What a command word in a language's lexicon (`commands:`) may stand for: the payload it sends.
COMMAND_TARGETS = {"help": "/help", "choose_language": "/choose_language", "help_now": "/help_now"}


@lru_cache(maxsize=1)
def commands() -> dict[str, str]:
    """Typed commands in every language ("/ajuda" -> "/help"), read once from the lexicons."""
    found: dict[str, str] = {}
    for lang in SUPPORTED_LANGUAGES:
        doc = read_yaml(path(lang, "lexicon.yml")) or {}
        for word, target in (doc.get("commands") or {}).items():
            if target in COMMAND_TARGETS:
                found.setdefault(f"/{str(word).lower()}", COMMAND_TARGETS[target])
    return found

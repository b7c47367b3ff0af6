"""Counsellors' canned responses, per language (locales/<lang>/canned.yml), read once."""

from __future__ import annotations

from functools import cache

from bot.settings import DEFAULT_LANGUAGE, PROJECT_ROOT, SUPPORTED_LANGUAGES
from bot.yaml_files import read_yaml


@cache
def canned(language: str) -> list[dict[str, str]]:
    """[{"title", "text"}] in the child's language (the default language for any other)."""
    lang = language if language in SUPPORTED_LANGUAGES else DEFAULT_LANGUAGE
    entries = read_yaml(PROJECT_ROOT / "locales" / lang / "canned.yml") or {}
    return [{"title": str(entry["title"]), "text": str(entry["text"]).strip()} for entry in entries.values()]


def problems() -> list[str]:
    """For `python -m bot check`: every language has the same canned responses, each with a title and text."""
    found = []
    keys = {}
    for lang in SUPPORTED_LANGUAGES:
        entries = read_yaml(PROJECT_ROOT / "locales" / lang / "canned.yml") or {}
        keys[lang] = set(entries)
        found += [f"{lang}: canned '{key}' needs a title and a text" for key, entry in entries.items()
                  if not isinstance(entry, dict) or not entry.get("title") or not entry.get("text")]
    for lang in SUPPORTED_LANGUAGES:
        found += [f"{lang}: canned '{key}' missing" for key in sorted(keys[DEFAULT_LANGUAGE] - keys[lang])]
    return found

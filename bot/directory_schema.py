"""The signposting directory's schema (bot/directory.yml), checked by `python -m bot check`.

A wrong number or a missing source is a safety defect, so the file's shape is validated with
JSON Schema: every entry has an emergency number, a source and a verified date; hours are
"24h" or "unknown" (never guessed); a helpline without a confirmed number says so (null).
"""

from __future__ import annotations

from typing import Any

from jsonschema import Draft7Validator

_SERVICE = {
    "type": "object",
    "required": ["name", "number", "hours"],
    "properties": {
        "name": {"type": "string", "minLength": 1},
        "number": {"type": ["string", "null"], "pattern": r"^[0-9+][0-9 ()+\-A-Za-z.,]*$"},
        "hours": {"enum": ["24h", "unknown"]},
    },
    "additionalProperties": False,
}
_SITE = {
    "type": "object",
    "required": ["name", "address"],
    "properties": {"name": {"type": "string"}, "address": {"type": "string"}},
    "additionalProperties": False,
}
_ROUTES = {"type": "array", "items": {"enum": ["take_it_down", "report_remove", "stop_ncii"]}, "minItems": 1}
SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["defaults", "entries", "eu_members"],
    "properties": {
        "defaults": {
            "type": "object",
            "required": ["removal", "hotline"],
            "properties": {"removal": _ROUTES, "hotline": {"oneOf": [{"type": "null"}, _SITE]}},
        },
        "entries": {
            "type": "object",
            "propertyNames": {"pattern": "^[A-Z]{2}$"},
            "additionalProperties": {
                "type": "object",
                "required": ["helpline", "emergency", "confidence", "source", "verified"],
                "properties": {
                    "helpline": _SERVICE,
                    "crisis": _SERVICE,
                    "emergency": {"type": "array", "items": {"type": "string", "pattern": "^[0-9]{2,6}$"}, "minItems": 1},
                    "hotline": _SITE,
                    "removal": _ROUTES,
                    "confidence": {"enum": ["high", "medium", "unknown"]},
                    "source": {"type": "string", "minLength": 1},
                    "verified": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
                },
                "additionalProperties": False,
            },
        },
        "eu_members": {"type": "array", "items": {"type": "string", "pattern": "^[A-Z]{2}$"}},
    },
}


def directory_problems(directory: Any, languages: tuple[str, ...]) -> list[str]:
    """Schema errors, plus a country name in every language for every entry (CLDR, via Babel)."""
    from bot.languages import country_name

    found = [
        f"directory.yml: {'/'.join(str(p) for p in error.absolute_path) or '(top)'}: {error.message}"
        for error in Draft7Validator(SCHEMA).iter_errors(_plain(directory))
    ]
    for code in (directory or {}).get("entries") or {}:
        for lang in languages:
            if not country_name(lang, code):
                found.append(f"{lang}: no country name for directory entry {code}")
    return found


def _plain(node: Any) -> Any:
    """YAML gives dates as date objects; the schema checks them as the strings they were written as."""
    if isinstance(node, dict):
        return {k: _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    return node.isoformat() if hasattr(node, "isoformat") else node

"""The text catalogue: every text a child reads, per language, rendered with signposting.

Loaded once per process from locales/flows.yml (structure) and locales/<lang>/messages.yml
(texts). Rendering is pure dictionary work: nothing is parsed on the per-message path.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from bot.buttons import BUTTON_PAYLOADS, COUNTRY_PAYLOADS, LANGUAGE_BUTTONS
from bot.directory_schema import directory_problems
from bot.languages import country_name, language
from bot.lexicon import ANSWER_SIGNALS, FAQ_TOPICS
from bot.settings import DEFAULT_LANGUAGE, LOCALES_DIR, PROJECT_ROOT, SUPPORTED_LANGUAGES, get_settings
from bot.yaml_files import read_yaml

DIRECTORY_FILE = PROJECT_ROOT / "bot" / "directory.yml"
AGE_VARIANTS = ("under_13", "13_15", "16_17")
# Placeholders a text may use; all are filled from the signposting directory.
SIGNPOST_FIELDS = ("helpline", "helpline_hours", "emergency", "hotline", "removal", "country_name", "crisis", "country_question")
# Placeholders only the live handoff fills: the counsellor's display name (bot.handoff.relay), the
# child's place in the queue and the usual wait (actions.counsellor).
LIVE_FIELDS = ("counsellor", "position", "minutes")


def _countries_first(buttons: list[dict[str, str]], first: tuple[str, ...]) -> list[dict[str, str]]:
    """Country buttons with the language's own countries first (the others keep their order)."""
    places = [i for i, b in enumerate(buttons) if b["payload"] in COUNTRY_PAYLOADS]
    if not places or not first:
        return buttons
    rank = {code: i for i, code in enumerate(first)}
    ordered = sorted((buttons[i] for i in places), key=lambda b: rank.get(COUNTRY_PAYLOADS[b["payload"]], len(rank)))
    result = list(buttons)
    for i, button in zip(places, ordered, strict=True):
        result[i] = button
    return result


def _expand_languages(flows: dict[str, Any]) -> dict[str, Any]:
    """`languages` in a button list stands for one button per supported language."""
    for entry in [*flows["messages"].values(), *(s for t in flows["topics"].values() for s in t["steps"])]:
        if "languages" in entry.get("buttons", []):
            at = entry["buttons"].index("languages")
            entry["buttons"][at:at + 1] = list(LANGUAGE_BUTTONS)
    return flows


def age_variant(age_band: str | None) -> str:
    """Which text variant an age band reads: unknown ages get the middle one."""
    if age_band == "under_13":
        return "under_13"
    if age_band in ("16_17", "adult"):
        return "16_17"
    return "13_15"


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _flat_keys(node: Any, prefix: str = "") -> set[str]:
    if not isinstance(node, dict):
        return {prefix}
    return {key for name, value in node.items() for key in _flat_keys(value, f"{prefix}{name}.")}


def _fix_age_keys(node: Any) -> Any:
    """YAML 1.1 reads an unquoted `13_15:` as the integer 1315; give such keys back their name."""
    if isinstance(node, dict):
        return {
            (f"{str(k)[:2]}_{str(k)[2:]}" if isinstance(k, int) and len(str(k)) == 4 else k): _fix_age_keys(v)
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_fix_age_keys(v) for v in node]
    return node


@dataclass(frozen=True)
class Reply:
    text: str
    buttons: list[dict[str, str]]

    def as_dict(self) -> dict[str, Any]:
        return {"text": self.text, "buttons": self.buttons}


class Catalog:
    """Structure, texts and signposting for all supported languages."""

    def __init__(self, root: Path = LOCALES_DIR, directory_file: Path = DIRECTORY_FILE) -> None:
        self.flows = _expand_languages(read_yaml(root / "flows.yml"))
        self.texts = {
            lang: _fix_age_keys(read_yaml(root / lang / "messages.yml"))
            for lang in SUPPORTED_LANGUAGES
        }
        self.webchat = {
            lang: read_yaml(root / lang / "webchat.yml") for lang in SUPPORTED_LANGUAGES
        }
        self.telegram = {
            lang: read_yaml(root / lang / "telegram.yml") for lang in SUPPORTED_LANGUAGES
        }
        self.directory = read_yaml(directory_file)
        self.lexicons = {
            lang: read_yaml(root / lang / "lexicon.yml") for lang in SUPPORTED_LANGUAGES
        }
        self._signposts: dict[tuple[str, str, bool], dict[str, str]] = {}

    # --- structure -------------------------------------------------------------------
    def topics(self) -> list[str]:
        return list(self.flows["topics"])

    def step_count(self, topic: str) -> int:
        return len(self.flows["topics"][topic]["steps"])

    def step_asks(self, topic: str, step: int) -> str | None:
        return self.flows["topics"][topic]["steps"][step].get("ask")

    def language_name(self, lang: str) -> str:
        return language(lang).name

    def topic_title(self, lang: str, topic: str) -> str:
        return self.texts[lang]["topics"][topic]["title"]

    def country_code(self, code: str) -> str | None:
        """The directory entry for a country: itself, the EU entry for a member state, or None."""
        entries = self.directory["entries"]
        if code in entries:
            return code
        if code in self.directory["eu_members"]:
            return "EU"
        return None

    # --- rendering -------------------------------------------------------------------
    def button(self, lang: str, button_id: str, **variables: str) -> dict[str, str]:
        if button_id.startswith("language_"):  # every language by its own name, whatever the child reads
            title = language(button_id.removeprefix("language_")).name
        elif button_id == "country_EU":
            title = language(lang).eu_button
        elif button_id.startswith("country_"):
            title = country_name(lang, button_id.removeprefix("country_"))
        else:
            title = self.texts[lang]["buttons"][button_id].format(**variables)
        return {"title": title, "payload": BUTTON_PAYLOADS[button_id]}

    def message(
        self, key: str, lang: str, age_band: str | None = None, country: str | None = None,
        extra_buttons: list[dict[str, str]] | None = None, values: dict[str, str] | None = None,
    ) -> Reply:
        """A message for a language; `values` fills placeholders beyond the signposting (LIVE_FIELDS)."""
        lang = self._lang(lang)
        text = self._pick(self.texts[lang]["messages"][key], age_band)
        buttons = self.flows["messages"][key]["buttons"]
        return self._reply(lang, text, buttons, country, age_band, extra_buttons, values)

    def step(
        self, topic: str, step: int, lang: str, age_band: str | None = None,
        country: str | None = None, extra_buttons: list[dict[str, str]] | None = None,
    ) -> Reply:
        lang = self._lang(lang)
        text = self._pick(self.texts[lang]["topics"][topic]["steps"][step], age_band)
        buttons = self.flows["topics"][topic]["steps"][step]["buttons"]
        return self._reply(lang, text, buttons, country, age_band, extra_buttons)

    def _reply(
        self, lang: str, text: str, button_ids: list[str], country: str | None, age_band: str | None,
        extra_buttons: list[dict[str, str]] | None, values: dict[str, str] | None = None,
    ) -> Reply:
        if "{" in text:
            fields = self.signposts(lang, country, adult=age_band == "adult")
            text = text.format(**({**fields, **values} if values else fields))
            text = "\n".join(line for line in text.splitlines() if line.strip())  # an empty placeholder's line goes
        buttons = [self.button(lang, b) for b in button_ids] + list(extra_buttons or [])
        return Reply(text.strip(), _countries_first(buttons, language(lang).countries))

    @staticmethod
    def _lang(lang: str | None) -> str:
        return lang if lang in SUPPORTED_LANGUAGES else DEFAULT_LANGUAGE

    @staticmethod
    def _pick(text: str | dict[str, str], age_band: str | None) -> str:
        if isinstance(text, str):
            return text
        return text.get(age_variant(age_band)) or text["13_15"]

    # --- signposting -----------------------------------------------------------------
    def signposts(self, lang: str, country: str | None, adult: bool = False) -> dict[str, str]:
        """Placeholder values for a language and country, cached: the directory is static.

        An unknown country reads HOME_COUNTRY (the helpline's own); with none set, the text
        asks the country and gives numbers that work in many countries meanwhile.
        """
        country = country or get_settings().home_country
        key = (lang, country or "", adult)
        if key not in self._signposts:
            self._signposts[key] = self._build_signposts(lang, country, adult)
        return self._signposts[key]

    def _build_signposts(self, lang: str, country: str | None, adult: bool) -> dict[str, str]:
        words = self.texts[lang]["directory"]
        code = self.country_code(country) if country else None
        entry = self.directory["entries"].get(code, {}) if code else {}
        defaults = self.directory["defaults"]

        helpline = entry.get("helpline")
        if helpline and helpline.get("number"):
            helpline_text = words["helpline"].format(name=helpline["name"], number=helpline["number"])
        elif helpline:
            helpline_text = words["helpline_no_number"].format(name=helpline["name"])
        else:
            helpline_text = words["helpline_unknown"]
        hours = words["hours_24h"] if helpline and helpline.get("hours") == "24h" else words["hours_unknown"]

        emergency_numbers = entry.get("emergency") or []
        emergency = words["or"].join(emergency_numbers) if emergency_numbers else words["emergency_unknown"]

        hotline = entry.get("hotline") or defaults["hotline"]
        hotline_text = f"{hotline['name']} ({hotline['address']})" if hotline else words["hotline_unknown"]

        removal_routes = entry.get("removal") or defaults["removal"]
        if adult:  # 18 and over: StopNCII first; children's routes only for pictures taken under 18
            removal_routes = ["stop_ncii", *removal_routes]
        removal = "; ".join(words[f"removal_{route}"] for route in removal_routes)

        crisis = entry.get("crisis")
        crisis_text = words["crisis"].format(
            name=crisis["name"], number=crisis["number"],
            hours=words["hours_24h"] if crisis.get("hours") == "24h" else words["hours_unknown"],
        ) if crisis else ""
        return {
            "helpline": helpline_text,
            "helpline_hours": hours,
            "emergency": emergency,
            "hotline": hotline_text,
            "removal": removal,
            "country_name": country_name(lang, country) if country else "",
            "crisis": crisis_text,
            "country_question": "" if country else words["country_question"],
        }

    # --- checks used by tests and `python -m bot check-locales` ------------------------
    def problems(self) -> list[str]:
        """Everything that would make a text fail to render, in any language."""
        from bot.language_check import problems as language_problems

        found: list[str] = directory_problems(self.directory, tuple(self.texts))
        found += language_problems(tuple(self.texts), directory=self.directory)
        for lang, lexicon in self.lexicons.items():
            found += [f"{lang}: lexicon {problem}" for problem in lexicon_problems(lexicon)]
        button_ids = {b for m in self.flows["messages"].values() for b in m["buttons"]}
        button_ids |= {b for t in self.flows["topics"].values() for s in t["steps"] for b in s["buttons"]}
        button_ids |= {"resume"} | {f"topic_{t}" for t in self.flows["topics"] if f"topic_{t}" in BUTTON_PAYLOADS}
        allowed = {*SIGNPOST_FIELDS, *LIVE_FIELDS}
        for lang, labels in self.webchat.items():
            for key in sorted(set(self.webchat["en"]) ^ set(labels)):
                found.append(f"{lang}: web chat label '{key}' missing in one language")
        for lang, texts in self.telegram.items():
            for key in sorted(_flat_keys(self.telegram["en"]) ^ _flat_keys(texts)):
                found.append(f"{lang}: Telegram text '{key.rstrip('.')}' missing in one language")
        for lang, texts in self.texts.items():
            for b in sorted(button_ids):
                try:
                    titled = bool(self.button(lang, b, topic="x")["title"]) if b in BUTTON_PAYLOADS else True
                except KeyError:
                    titled = False
                if not titled:
                    found.append(f"{lang}: button '{b}' has no title")
            for b in sorted(button_ids - set(BUTTON_PAYLOADS)):
                found.append(f"button '{b}' has no payload")
            for key in self.flows["messages"]:
                text = texts["messages"].get(key)
                if text is None:
                    found.append(f"{lang}: message '{key}' missing")
                    continue
                for variant in text.values() if isinstance(text, dict) else [text]:
                    if not _placeholders(variant) <= allowed:
                        found.append(f"{lang}: message '{key}' uses {_placeholders(variant) - allowed}")
            for topic, flow in self.flows["topics"].items():
                steps = texts["topics"].get(topic, {}).get("steps", [])
                if len(steps) != len(flow["steps"]):
                    found.append(f"{lang}: topic '{topic}' has {len(steps)} steps, flows.yml {len(flow['steps'])}")
                    continue
                for i, step in enumerate(steps):
                    if not isinstance(step, dict) or set(AGE_VARIANTS) - set(step):
                        found.append(f"{lang}: topic '{topic}' step {i + 1} lacks age variants")
                        continue
                    for variant in step.values():
                        if not _placeholders(variant) <= allowed:
                            found.append(f"{lang}: '{topic}' step {i + 1} uses {_placeholders(variant) - allowed}")
        return found


LEXICON_SECTIONS = {"answers": ANSWER_SIGNALS, "faq": FAQ_TOPICS}  # what bot.lexicon reads


def lexicon_problems(doc: Any) -> list[str]:
    """Every answer signal and FAQ topic present, as lists of strings (YAML reads bare yes/no as booleans)."""
    if not isinstance(doc, dict):
        return ["is not a mapping"]
    found = []
    for section, keys in LEXICON_SECTIONS.items():
        entries = doc.get(section) or {}
        for key in keys:
            phrases = entries.get(key)
            if not phrases or not all(isinstance(p, str) for p in phrases):
                found.append(f"{section}.{key}: missing, empty or not all quoted strings")
        found += [f"{section}: unexpected key {k!r} (quote yes/no)" for k in entries if k not in keys]
    for key, phrases in (doc.get("whole_answers") or {}).items():  # optional
        if key not in ANSWER_SIGNALS or not phrases or not all(isinstance(p, str) for p in phrases):
            found.append(f"whole_answers.{key}: an answer signal ({', '.join(ANSWER_SIGNALS)}) with quoted strings")
    for section in ("numbers", "language_names"):
        if not doc.get(section):
            found.append(f"{section}: missing")
    return found


@lru_cache(maxsize=1)
def catalog() -> Catalog:
    """The process-wide catalogue, loaded on first use (at start-up, not per message)."""
    return Catalog()

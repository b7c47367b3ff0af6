"""What `python -m bot check` asks of every language folder (locales/<code>/): every file, and
in them everything English has: the same intents with enough examples, the same phrase
categories and dialogue answer lists, valid commands, countries the directory knows.
Texts, placeholders and labels are checked by bot.locales.Catalog.problems.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

from bot.languages import COMMAND_TARGETS, FILES, REVIEW_STATUSES, read
from bot.lexicon import Lexicon
from bot.safety import PHRASE_FILES, SafetyNet, tokens
from bot.settings import DEFAULT_LANGUAGE, LOCALES_DIR, SUPPORTED_LANGUAGES
from bot.yaml_files import read_yaml

MIN_EXAMPLES = 25  # per intent, per language
LEXICON_EXTRAS = {"commands": "typed commands -> help | choose_language | help_now",
                  "under": "the words before a number that mean younger than it: 'under 13'"}
# Intents whose examples may hold crisis words; every other training example is a child's message
# that is not a crisis, so a crisis phrase that fires on one (in any language) would alarm a child.
CRISIS_INTENTS = frozenset({"urgent_risk", "danger_now", "self_harm", "help_now"})
_ANNOTATION = re.compile(r"\[([^\]]*)\](?:\([^)]*\)|\{[^}]*\})")
# Sections of safety.yml every language must fill (lists or mappings, not empty).
# Everyday idioms, negations, and statements that the danger has passed (bot/safety).
NOT_URGENT_KINDS = ("idiom", "negated", "safe_now")
SAFETY_SECTIONS = ("urgent", "not_urgent", "negation_words", "info_question", "first_person", "self_harm",
                   "categories", "attributes", "platforms", "joking", "danger_context")


def _load(path: Path) -> Any:
    return read_yaml(path) if path.is_file() else None


def _examples(doc: Any) -> dict[str, int]:
    return dict(Counter(intent for intent, _ in _example_texts(doc)))


def _language_problems(lang: str, root: Path, directory: dict[str, Any]) -> list[str]:
    found = []
    try:
        meta = read(lang, root)
    except (OSError, yaml.YAMLError) as wrong:
        return [f"{lang}: language.yml unreadable ({type(wrong).__name__})"]
    from babel import Locale, UnknownLocaleError
    from langdetect.detector_factory import PROFILES_DIRECTORY

    try:
        Locale.parse(meta.cldr)
    except (UnknownLocaleError, ValueError):
        found.append(f"{lang}: language.yml cldr {meta.cldr!r} is not a CLDR locale")
    if meta.detect and not (Path(PROFILES_DIRECTORY) / meta.detect).is_file():
        found.append(f"{lang}: language.yml detect {meta.detect!r} is not a langdetect profile (use null)")
    known = set(directory.get("entries") or {}) | set(directory.get("eu_members") or [])
    found += [f"{lang}: language.yml country {code} has no directory entry" for code in meta.countries if code not in known]
    if meta.review not in REVIEW_STATUSES:
        found.append(f"{lang}: language.yml review status must be one of {REVIEW_STATUSES}")
    if not (meta.eu_name and meta.eu_button):
        found.append(f"{lang}: language.yml needs eu: {{name, button}}")
    return found


def _example_texts(doc: Any) -> list[tuple[str, str]]:
    """(intent, text) of every training example, entity annotations removed."""
    found = []
    for block in (doc or {}).get("nlu") or []:
        for line in str(block.get("examples", "")).splitlines() if "intent" in block else []:
            if line.strip().startswith("- "):
                found.append((block["intent"], _ANNOTATION.sub(r"\1", line.strip()[2:].strip())))
    return found


def crisis_phrase_problems(net: SafetyNet, languages: tuple[str, ...], root: Path) -> list[str]:
    """Training examples of non-crisis intents that the phrase lists (all languages at once, as the
    bot reads them) would send down the urgent route: a phrase too broad, or a missing idiom."""
    found = []
    for lang in languages:
        for intent, text in _example_texts(_load(root / lang / "nlu.yml")):
            if intent not in CRISIS_INTENTS and (urgent := net.check(text).urgent):
                found.append(f"{lang}: nlu.yml {intent} example {text!r} is {urgent} by the phrase lists")
    return found


def folded_twin_problems(net: SafetyNet, languages: tuple[str, ...], root: Path) -> list[str]:
    """Phrases the safety net reads as one ("não" and "nao", "commit" and "comit", a spelling the
    file maps to another) listed twice in one list: the second is dead weight for the reviewer."""
    found = []

    def walk(node: Any, where: str, lang: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, f"{where}.{key}", lang)
        elif isinstance(node, list):
            seen: dict[tuple[str, ...], str] = {}
            for item in node:
                folded = tuple(tokens(item, net.spelling)) if isinstance(item, str) else ()
                if folded and folded in seen:
                    found.append(f"{lang}: {where}: {item!r} reads as {seen[folded]!r} (accents, repeated letters "
                                 "and the spelling map fold them): list it once")
                seen.setdefault(folded, str(item))

    for lang in languages:
        for name in PHRASE_FILES:
            walk(_load(root / lang / name), name, lang)
    return found


def answer_problems(net: SafetyNet, languages: tuple[str, ...], root: Path) -> list[str]:
    """Listed "no" answers that would not be read as a no to "are you thinking of suicide?": a
    phrase inside one (a hedge, a thought) must not turn a child's no into the urgent route."""
    languages = tuple(lang for lang in languages if (root / lang / "lexicon.yml").is_file())
    lexicon = Lexicon(root, languages, net.spelling)
    return [f"{lang}: lexicon.yml answers.no {phrase!r} is read as {reading!r}, not as a no"
            for lang in languages for phrase in ((lexicon.docs[lang] or {}).get("answers") or {}).get("no") or []
            if (reading := lexicon.read_answer(str(phrase), "yes_is_risk", lang)) != "safe"]


def _same_keys(lang: str, what: str, mine: Any, reference: Any) -> list[str]:
    missing = sorted(set(reference or {}) - set(mine or {}))
    return [f"{lang}: {what} lacks {', '.join(map(str, missing))}"] if missing else []


def problems(languages: tuple[str, ...] = SUPPORTED_LANGUAGES, root: Path = LOCALES_DIR,
             directory: dict[str, Any] | None = None) -> list[str]:
    """Everything a language folder lacks, in words an editor can act on."""
    directory = directory or {}
    reference = {name: _load(root / DEFAULT_LANGUAGE / name) for name in FILES}
    ref_intents = _examples(reference["nlu.yml"])
    found: list[str] = []
    for lang in languages:
        missing = [name for name in FILES if not (root / lang / name).is_file()]
        found += [f"{lang}: {name} missing ({FILES[name]})" for name in missing]
        if "language.yml" not in missing:
            found += _language_problems(lang, root, directory)
        lexicon = _load(root / lang / "lexicon.yml") or {}
        found += [f"{lang}: lexicon.yml needs {name} ({why})" for name, why in LEXICON_EXTRAS.items() if not lexicon.get(name)]
        for word, target in (lexicon.get("commands") or {}).items():
            if target not in COMMAND_TARGETS or not str(word).isascii() or not str(word).isalnum():
                found.append(f"{lang}: lexicon command {word!r} -> {target!r}: a plain word -> {'|'.join(COMMAND_TARGETS)}")
        found += _same_keys(lang, "lexicon language_names", lexicon.get("language_names"), dict.fromkeys(languages))
        safety = _load(root / lang / "safety.yml") or {}
        found += [f"{lang}: safety.yml section {name} missing or empty" for name in SAFETY_SECTIONS if not safety.get(name)]
        own = safety.get("first_person_own_language", [])
        if not isinstance(own, list) or not all(isinstance(w, str) and w.strip() for w in own):
            found.append(f"{lang}: safety.yml first_person_own_language must be a list of words")
        not_urgent = safety.get("not_urgent") or {}
        found += [f"{lang}: safety.yml not_urgent.{kind} missing or empty" for kind in NOT_URGENT_KINDS
                  if not not_urgent.get(kind)]
        joking = safety.get("joking") or {}
        found += [f"{lang}: safety.yml joking.{kind} missing or empty" for kind in ("laughter", "earnest")
                  if not joking.get(kind)]
        urgent = safety.get("urgent") or {}
        found += [f"{lang}: safety.yml urgent.{kind} missing or empty" for kind in ("suicidal", "danger_now")
                  if not urgent.get(kind)]
        for section in ("categories", "attributes", "danger_context"):
            found += _same_keys(lang, f"safety.yml {section}", safety.get(section), reference["safety.yml"].get(section))
        signals = (_load(root / lang / "signals.yml") or {}).get("risk_signals")
        found += _same_keys(lang, "signals.yml risk_signals", signals, reference["signals.yml"].get("risk_signals"))
        intents = _examples(_load(root / lang / "nlu.yml"))
        for intent in sorted(ref_intents):
            if intents.get(intent, 0) < MIN_EXAMPLES:
                found.append(f"{lang}: nlu.yml intent {intent} has {intents.get(intent, 0)} examples (at least {MIN_EXAMPLES})")
        found += [f"{lang}: nlu.yml intent {name} is not in English's (domain.yml)" for name in sorted(set(intents) - set(ref_intents))]
        canned = _load(root / lang / "canned.yml")
        found += _same_keys(lang, "canned.yml", canned, reference["canned.yml"])
    net = SafetyNet(root, languages)
    return (found + crisis_phrase_problems(net, languages, root) + folded_twin_problems(net, languages, root)
            + answer_problems(net, languages, root))

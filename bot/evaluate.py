"""`python -m bot evaluate`: the project's own safety evaluation on tests/eval/ (never trained on).

Two kinds of labelled data per language, written independently of nlu_data/ and the phrase lists:
- messages_<lang>.yml: children's messages with their kind (urgent, danger_now, high, low, none,
  idiom, negated) and categories, run through the trained model and bot.triage;
- dialogues_<lang>.yml: the bot's question (a setup reached with real button presses), then the
  child's typed answer, run through the rules and the real actions in process, as the action
  server would run them (loaded by package name through rasa_sdk's executor).
Figures per language: urgent recall (the urgent route), urgent messages asked about instead (the
direct check question, which carries the emergency number), urgent missed (neither), false urgent
(the urgent route for a message that was not), checks of messages that were not urgent,
danger-now kept apart from suicide, high recall, category hit rate and dialogue pass rate.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.settings import PROJECT_ROOT
from bot.triage import Triage, triage
from bot.yaml_files import read_yaml

EVAL_DIR = PROJECT_ROOT / "tests" / "eval"
# A separate development set (tests/dev/), written independently too: the one to look at while
# tuning rules, so that tests/eval/ stays a measurement.
DEV_DIR = PROJECT_ROOT / "tests" / "dev"
RULES_FILE = PROJECT_ROOT / "nlu_data" / "rules.yml"
URGENT_KINDS = ("urgent", "danger_now")
# How each setup is reached: the button presses a child would make (after choosing the language).
SETUPS = {
    "feelings_check": ["/ask_sextortion", "/affirm"],
    "safe_now": ["/urgent_risk"],
    "ask_country": ["/greet", '/inform_age{"age_band":"13_15"}'],
    "ask_age": ["/greet"],
}
URGENT_REPLIES = {"urgent", "danger_now", "urgent_again", "danger_now_again", "urgent_country_saved"}
# Intents whose reply is itself the direct question with the emergency number in it: the self-harm
# reply ("If you are badly hurt or in danger now, call {emergency} ... are you thinking about suicide?").
DIRECT_QUESTION_INTENTS = frozenset({"self_harm"})
SAFE_REPLIES = {"safe_ack", "feelings_ack", "self_harm_next"}


@dataclass
class LanguageFigures:
    language: str
    messages: int = 0
    urgent_total: int = 0
    urgent_caught: int = 0
    urgent_checked: int = 0  # not routed, but asked directly, the emergency number in the question
    danger_total: int = 0
    danger_kept_apart: int = 0  # danger now: urgent, and not recorded as suicidal
    high_total: int = 0
    high_caught: int = 0
    not_urgent_total: int = 0
    false_urgent: int = 0
    checked: int = 0  # not urgent, and asked the direct question
    category_total: int = 0
    category_hit: int = 0
    dialogues: int = 0
    dialogues_passed: int = 0
    dialogue_urgent_total: int = 0
    dialogue_urgent_caught: int = 0
    failures: list[str] = field(default_factory=list)

    @property
    def urgent_missed(self) -> int:
        return self.urgent_total - self.urgent_caught - self.urgent_checked

    @staticmethod
    def rate(part: int, whole: int) -> str:
        return f"{part}/{whole} {100 * part / whole:.1f}%" if whole else "-"

    def row(self) -> list[str]:
        return [
            self.language, str(self.messages), self.rate(self.urgent_caught, self.urgent_total),
            str(self.urgent_checked), str(self.urgent_missed), str(self.false_urgent), str(self.checked),
            self.rate(self.danger_kept_apart, self.danger_total),
            self.rate(self.high_caught, self.high_total), self.rate(self.category_hit, self.category_total),
            self.rate(self.dialogues_passed, self.dialogues), self.rate(self.dialogue_urgent_caught, self.dialogue_urgent_total),
        ]


HEADER = ["language", "messages", "urgent recall", "urgent asked", "urgent missed", "false urgent", "asked, not urgent",
          "danger now kept apart", "high recall", "category hit", "dialogue pass", "dialogue urgent caught"]


def load_sets(eval_dir: Path = EVAL_DIR) -> dict[str, dict[str, Any]]:
    """{language: {"messages": [...], "cases": [...]}} from the files that exist."""
    sets: dict[str, dict[str, Any]] = {}
    for path in sorted(eval_dir.glob("messages_*.yml")):
        doc = read_yaml(path)
        sets.setdefault(doc["language"], {"messages": [], "cases": []})["messages"] = doc["messages"]
    for path in sorted(eval_dir.glob("dialogues_*.yml")):
        doc = read_yaml(path)
        sets.setdefault(doc["language"], {"messages": [], "cases": []})["cases"] = doc["cases"]
    return sets


def score_message(figures: LanguageFigures, item: dict[str, Any], result: Triage) -> None:
    kind, expected = item["kind"], set(item.get("categories") or [])
    figures.messages += 1
    urgent = result.risk == "urgent"
    asked = bool(result.possible_urgent) or (not urgent and result.intent in DIRECT_QUESTION_INTENTS)
    ok = True
    if kind in URGENT_KINDS:
        figures.urgent_total += 1
        figures.urgent_caught += urgent
        figures.urgent_checked += asked
        ok = urgent
        if kind == "danger_now":
            figures.danger_total += 1
            apart = urgent and "mental_health.suicidal" not in result.categories
            figures.danger_kept_apart += apart
    else:
        figures.not_urgent_total += 1
        figures.false_urgent += urgent
        figures.checked += asked
        ok = not urgent
    if kind == "high":
        figures.high_total += 1
        figures.high_caught += result.risk in ("high", "urgent")
    category_ok = not expected or bool(expected & set(result.categories))
    if expected:
        figures.category_total += 1
        figures.category_hit += category_ok
    if not ok:
        figures.failures.append(f"[{kind}] risk={result.risk}{' asked' if asked else ''} {item['text']!r}")
    elif not category_ok:
        figures.failures.append(f"[category] expected {sorted(expected)} got {sorted(result.categories)} {item['text']!r}")


class Conversation:
    """One child's conversation run in process: parse with the model, pick the rule's action, run it."""

    def __init__(self, agent: Any, executor: Any, rules: dict[str, str], language: str, channel: str | None = None) -> None:
        self.agent, self.executor, self.rules = agent, executor, rules
        self.slots: dict[str, Any] = {"language": language}
        self.replies: list[str] = []
        self.sender = "eval"
        self.channel = channel  # the input channel the actions see (None: none, as in the evaluation)

    async def send(self, text: str) -> list[str]:
        return await self.act(await self.agent.parse_message(text))

    async def act(self, parsed: dict[str, Any]) -> list[str]:
        """Pick the rule's action for this parse result and run it."""
        from rasa_sdk import Tracker
        from rasa_sdk.executor import CollectingDispatcher

        intent = (parsed.get("intent") or {}).get("name") or "nlu_fallback"
        action = self.executor.actions[self.rules.get(intent, "action_fallback")]
        events = [{"event": "user", "text": parsed.get("text"), "parse_data": parsed, "input_channel": self.channel}] \
            if self.channel else []
        tracker = Tracker(self.sender, dict(self.slots), parsed, events, False, None, {}, "action_listen")
        dispatcher = CollectingDispatcher()
        events = await action(dispatcher, tracker, {})
        for event in events:
            if event.get("event") == "slot":
                self.slots[event["name"]] = event["value"]
        self.replies = [m.get("response", "") for m in dispatcher.messages]
        return self.replies


def outcome_matches(expect: str, replies: list[str], slots: dict[str, Any]) -> bool:
    """Does what the bot did fit the label? (see tests/eval/dialogues_*.yml)"""
    keys = {r.split(":", 1)[1] for r in replies if r.startswith("msg:")}
    if expect == "urgent":
        return bool(keys & URGENT_REPLIES)
    if expect == "safe":
        return bool(keys & SAFE_REPLIES) and not keys & URGENT_REPLIES
    if expect == "thoughts_safe":
        return "thoughts_safe" in keys
    if expect == "recheck":
        return "recheck_feelings" in keys
    kind, _, value = expect.partition(":")
    if kind == "country":
        from bot.locales import catalog

        if value == "unlisted":
            code = slots.get("country")
            return bool(code) and code != "unknown" and catalog().country_code(code) is None
        return slots.get("country") == value
    if kind == "age":
        return slots.get("age_band") == value
    if kind == "topic":
        return any(r.startswith(f"step:{value}:") for r in replies)
    raise ValueError(f"unknown dialogue label {expect!r}")


async def run_case(agent: Any, executor: Any, rules: dict[str, str], language: str, case: dict[str, Any]) -> tuple[bool, str]:
    conversation = Conversation(agent, executor, rules, language)
    for step in SETUPS[case["setup"]]:
        await conversation.send(step)
    replies = await conversation.send(case["answer"])
    ok = outcome_matches(case["expect"], replies, conversation.slots)
    return ok, f"[{case['setup']} -> {case['expect']}] got {replies} {case['answer']!r}"


def rules_table(path: Path = RULES_FILE) -> dict[str, str]:
    """intent -> action, from the one-step rules (every intent has exactly one next action)."""
    table = {}
    for rule in read_yaml(path)["rules"]:
        steps = rule["steps"]
        if len(steps) == 2 and "intent" in steps[0] and "action" in steps[1]:
            table[steps[0]["intent"]] = steps[1]["action"]
    return table


async def evaluate(agent: Any, sets: dict[str, dict[str, Any]] | None = None) -> list[LanguageFigures]:
    """Figures per language for `sets` (default: tests/eval/)."""
    from rasa_sdk.executor import ActionExecutor

    executor = ActionExecutor()
    executor.register_package("actions")
    rules = rules_table()
    results = []
    for language, data in (sets or load_sets()).items():
        figures = LanguageFigures(language)
        for item in data["messages"]:
            score_message(figures, item, triage(await agent.parse_message(item["text"])))
        for case in data["cases"]:
            ok, detail = await run_case(agent, executor, rules, language, case)
            figures.dialogues += 1
            figures.dialogues_passed += ok
            if case["expect"] == "urgent":
                figures.dialogue_urgent_total += 1
                figures.dialogue_urgent_caught += ok
            if not ok:
                figures.failures.append(detail)
        results.append(figures)
    return results


def table(rows: Iterable[list[str]]) -> str:
    rows = [HEADER, *rows]
    widths = [max(len(r[i]) for r in rows) for i in range(len(HEADER))]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) for row in rows)


def run(model_path: str, show_failures: bool, eval_dir: Path = EVAL_DIR, languages: list[str] | None = None) -> list[LanguageFigures]:
    from rasa.core.agent import Agent

    sets = {lang: data for lang, data in load_sets(eval_dir).items() if not languages or lang in languages}
    agent = Agent.load(model_path)
    results = asyncio.new_event_loop().run_until_complete(evaluate(agent, sets))
    if show_failures:
        for figures in results:
            for failure in figures.failures:
                print(f"{figures.language} {failure}")
    print(table(f.row() for f in results))
    return results

"""`python -m bot triage`: the bot's own triage, as JSON lines, with taxonomy codes only."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from bot.triage import RISK_ORDER
from tests.conftest import ROOT

TAXONOMY_CODES = {
    "ocsea.sextortion", "ocsea.images_shared", "ocsea.offer_for_images", "ocsea.offer_to_meet", "ocsea.grooming",
    "ocsea.unwanted_content", "ocsea.csam_encountered", "ocsea.livestream", "abuse.sexual_offline", "abuse.other",
    "bullying", "mental_health.suicidal", "mental_health.self_harm", "mental_health.distress", "info.consent",
    "info.reporting", "info.image_removal", "info.online_safety", "info.service", "support.human", "other",
}
# (text, a category that must be found or None for none at all, the risk)
CASES = [
    ("hi", "other", "none"),  # no reason named: the taxonomy's "anything else"
    ("someone says he will post my nudes unless i send him money", "ocsea.sextortion", "high"),
    ("gonna kms tonight", "mental_health.suicidal", "urgent"),
    ("i want to unalive myself", "mental_health.suicidal", "urgent"),
    ("someone offered me robux for pics", "ocsea.offer_for_images", None),
    ("how do i report an account on tiktok", "info.reporting", "none"),
    ("what does consent mean", "info.consent", "none"),
    ("can i talk to a real person", "support.human", "none"),
    ("mtu ananitishia kusambaza picha zangu za uchi nisipomlipa", "ocsea.sextortion", "high"),
    ("nataka kujiua", "mental_health.suicidal", "urgent"),
    ("mjomba ananigusa vibaya nikiwa nyumbani", "abuse.sexual_offline", "high"),
    ("i cut myself again last night", "mental_health.self_harm", "high"),
]


@pytest.fixture(scope="module")
def triaged(trained_model: str) -> list[dict]:
    lines = [json.dumps({"text": t}) for t, _, _ in CASES] + ["not json", json.dumps({"txt": "x"})]
    result = subprocess.run(
        [sys.executable, "-m", "bot", "triage", "--model", trained_model], cwd=ROOT, input="\n".join(lines) + "\n",
        capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_one_line_out_per_line_in_in_order(triaged: list[dict]) -> None:
    assert len(triaged) == len(CASES) + 2
    assert "error" in triaged[-1] and "error" in triaged[-2]


def test_output_uses_only_taxonomy_codes(triaged: list[dict]) -> None:
    for out in triaged[: len(CASES)]:
        assert set(out) == {"language", "intent", "confidence", "categories", "risk"}
        assert set(out["categories"]) <= TAXONOMY_CODES
        assert out["risk"] in RISK_ORDER
        assert 0.0 <= out["confidence"] <= 1.0
        assert out["language"] in ("en", "sw", "unknown")


@pytest.mark.parametrize("index", range(len(CASES)))
def test_cases(triaged: list[dict], index: int) -> None:
    text, category, risk = CASES[index]
    out = triaged[index]
    if category is None:
        assert out["categories"] == []
    else:
        assert category in out["categories"], (text, out)
    if risk is not None:
        assert out["risk"] == risk, (text, out)


def test_language_is_only_guessed_on_four_words_or_more(triaged: list[dict]) -> None:
    assert triaged[0]["language"] == "unknown"  # "hi"
    assert triaged[1]["language"] == "en"
    assert triaged[8]["language"] == "sw"

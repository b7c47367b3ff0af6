"""The accent-folding tokenizer (bot.folding_tokenizer), alone and inside the trained model."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bot.folding_tokenizer import fold


@pytest.mark.parametrize(("typed", "folded"), [
    ("Được", "duoc"), ("không", "khong"), ("ĐT", "dt"), ("ça", "ca"), ("está", "esta"),
    ("naïve", "naive"), ("kujiua", "kujiua"), ("ko dc", "ko dc"),
])
def test_fold_drops_diacritics_and_case(typed: str, folded: str) -> None:
    assert fold(typed) == folded


def _ranking(agent: Any, text: str) -> list[tuple[str, float]]:
    parsed = asyncio.new_event_loop().run_until_complete(agent.parse_message(text))
    return [(r["name"], round(r["confidence"], 6)) for r in parsed["intent_ranking"]]


@pytest.mark.parametrize(("accented", "plain"), [
    ("mình muốn hỏi dịch vụ này có mất phí không", "minh muon hoi dich vu nay co mat phi khong"),
    ("ça coûte combien de parler ici, c'est gratuit ?", "ca coute combien de parler ici, c'est gratuit ?"),
    ("quem responde aqui, é uma pessoa ou um robô?", "quem responde aqui, e uma pessoa ou um robo?"),
])
def test_the_model_reads_a_message_with_and_without_diacritics_alike(agent: Any, accented: str, plain: str) -> None:
    # The classifier sees only folded tokens, so the child who types without accents gets the
    # same reading as the one who types them; the safety net still reads the text as typed.
    with_marks, without = _ranking(agent, accented), _ranking(agent, plain)
    assert with_marks == without
    assert with_marks[0][0] == "ask_service"

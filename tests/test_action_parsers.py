"""Free-text answers to the bot's questions: age, country and language, in both languages."""

from __future__ import annotations

import pytest

from actions.actions import find_age_band, find_country, find_language


@pytest.mark.parametrize(
    ("text", "band"),
    [("im 14", "13_15"), ("12", "under_13"), ("I'm sixteen", "16_17"), ("under 13", "under_13"),
     ("nina miaka kumi na nne", "13_15"), ("miaka 17", "16_17"), ("i am 19", "adult"), ("chini ya 13", "under_13"),
     ("no", None), ("i have 2 cats", None)],
)
def test_age_band(text: str, band: str | None) -> None:
    assert find_age_band(text) == band


@pytest.mark.parametrize(
    ("text", "code"),
    [("i live in kenya", "KE"), ("South Africa", "ZA"), ("niko afrika kusini", "ZA"), ("uk", "GB"),
     ("the philippines", "PH"), ("naishi Dar", "TZ"), ("germany", "DE"), ("marekani", "US"), ("my house", None)],
)
def test_country(text: str, code: str | None) -> None:
    assert find_country(text) == code


@pytest.mark.parametrize(
    ("text", "lang"),
    [("can we speak swahili", "sw"), ("kiswahili tafadhali", "sw"), ("english please", "en"), ("kiingereza", "en"), ("hmm", None)],
)
def test_language(text: str, lang: str | None) -> None:
    assert find_language(text) == lang

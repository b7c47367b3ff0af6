"""Every text renders in every language, with the right country's numbers."""

from __future__ import annotations

import re

import pytest

from bot.buttons import ALLOWED_PAYLOADS
from bot.locales import AGE_VARIANTS, LOCALES_DIR, Catalog, catalog
from bot.settings import SUPPORTED_LANGUAGES


def test_no_locale_problems() -> None:
    assert catalog().problems() == []


def test_languages_have_the_same_keys() -> None:
    en = catalog().texts["en"]
    for lang in SUPPORTED_LANGUAGES:
        for section in ("buttons", "directory", "messages", "topics"):
            assert set(en[section]) <= set(catalog().texts[lang][section]), (lang, section)


def test_the_picker_shows_every_language_by_its_own_name_and_countries_come_from_cldr() -> None:
    cat = catalog()
    for lang in SUPPORTED_LANGUAGES:
        titles = {b["payload"]: b["title"] for b in cat.message("choose_language", lang).buttons}
        assert titles == {cat.button("en", f"language_{code}")["payload"]: cat.language_name(code)
                          for code in SUPPORTED_LANGUAGES}
    assert cat.language_name("sw") == "Kiswahili" and cat.signposts("en", "FR")["country_name"] == "France"
    assert cat.signposts("sw", "MZ")["country_name"] == "Msumbiji"  # CLDR's Kiswahili name
    kenya_first = [b["title"] for b in cat.message("ask_country", "sw").buttons][:3]
    assert kenya_first == ["Kenya", "Tanzania", "Uganda"]  # Kiswahili's own countries first


LIVE_VALUES = {"counsellor": "Amina", "position": "2", "minutes": "6"}  # what the live handoff fills in


def test_every_message_and_step_renders_for_every_country_and_age() -> None:
    cat = catalog()
    countries = [None, *cat.directory["entries"], "DE", "ZZ"]
    for lang in SUPPORTED_LANGUAGES:
        for country in countries:
            for age in (None, "under_13", "13_15", "16_17", "adult"):
                for key in cat.flows["messages"]:
                    reply = cat.message(key, lang, age_band=age, country=country, values=LIVE_VALUES)
                    assert reply.text and "{" not in reply.text, (lang, key)
                    assert all(b["payload"] in ALLOWED_PAYLOADS for b in reply.buttons)
                for topic in cat.topics():
                    for n in range(cat.step_count(topic)):
                        assert "{" not in cat.step(topic, n, lang, age_band=age, country=country).text


def test_age_variants_differ() -> None:
    cat = catalog()
    for lang in SUPPORTED_LANGUAGES:
        for topic in cat.topics():
            if cat.flows["topics"][topic].get("audience") == "adults":
                continue
            first = cat.texts[lang]["topics"][topic]["steps"][0]
            assert len({first[v] for v in AGE_VARIANTS}) >= 2, (lang, topic)


@pytest.mark.parametrize(
    ("country", "helpline", "emergency"),
    [("KE", "116", "999"), ("GB", "0800 1111", "999"), ("US", "1-800-422-4453", "911"), ("DE", "116 111", "112"),
     ("KH", "1280", "117"), ("PH", "163", "911")],
)
def test_signposting_uses_the_directory(country: str, helpline: str, emergency: str) -> None:
    for lang in SUPPORTED_LANGUAGES:
        signs = catalog().signposts(lang, country)
        assert helpline in signs["helpline"] and emergency in signs["emergency"]


def test_unknown_and_unconfirmed_numbers_are_never_invented() -> None:
    cat = catalog()
    for lang in SUPPORTED_LANGUAGES:
        words = cat.texts[lang]["directory"]
        unknown = cat.signposts(lang, None)
        assert unknown["helpline"] == words["helpline_unknown"]
        assert unknown["emergency"] == words["emergency_unknown"]
        ethiopia = cat.signposts(lang, "ET")
        assert not re.search(r"\d", ethiopia["helpline"])  # Adama's number is not confirmed
        assert "991" in ethiopia["emergency"]


def test_uk_gets_report_remove_and_everyone_gets_take_it_down() -> None:
    cat = catalog()
    assert "Report Remove" in cat.signposts("en", "GB")["removal"]
    assert "Report Remove" not in cat.signposts("en", "KE")["removal"]
    assert "Take It Down" in cat.signposts("en", "KE")["removal"]
    assert "IWF" in cat.signposts("en", "GB")["hotline"]


def test_sextortion_steps_carry_the_seven_key_messages_in_english() -> None:
    cat = catalog()
    for age in ("under_13", "13_15", "16_17"):
        whole = "\n".join(cat.step("sextortion", n, "en", age_band=age, country="GB").text for n in range(7)).lower()
        for needle in ("not your fault", "pay", "block", "screenshot", "take it down", "report remove", "suicide"):
            assert needle in whole, (age, needle)


def test_urgent_text_starts_with_the_numbers() -> None:
    cat = catalog()
    for lang in SUPPORTED_LANGUAGES:
        first_line = cat.message("urgent", lang, country="KE").text.splitlines()[0]
        assert "999" in first_line and "116" in first_line


def test_catalog_accepts_unquoted_age_keys(tmp_path) -> None:
    """YAML reads an unquoted 13_15 as the integer 1315; the loader must still find it."""
    import shutil

    root = tmp_path / "locales"
    shutil.copytree(LOCALES_DIR, root)
    path = root / "en" / "messages.yml"
    path.write_text(path.read_text(encoding="utf-8").replace('"13_15":', "13_15:"), encoding="utf-8")
    cat = Catalog(root)
    assert cat.problems() == []
    assert cat.step("consent", 0, "en", age_band="13_15").text == catalog().step("consent", 0, "en", age_band="13_15").text


def test_a_telegram_text_missing_in_one_language_is_a_problem(tmp_path) -> None:
    import shutil

    root = tmp_path / "locales"
    shutil.copytree(LOCALES_DIR, root)
    path = root / "sw" / "telegram.yml"
    path.write_text(re.sub(r"(?m)^  forget: .*\n", "", path.read_text(encoding="utf-8")), encoding="utf-8")
    assert Catalog(root).problems() == ["sw: Telegram text 'commands.forget' missing in one language"]


def test_telegram_texts_are_plain_enough_for_telegram() -> None:
    """Sent as Telegram HTML after escaping: only **bold** is markup, and commands are valid names."""
    for lang in SUPPORTED_LANGUAGES:
        texts = catalog().telegram[lang]
        assert set(texts["commands"]) == {"sos", "start", "help", "language", "exit", "forget"}
        assert all(0 < len(d) <= 256 for d in texts["commands"].values())
        for key in ("exit_done", "forget_done", "group_only", "button_expired", "failed"):
            assert texts[key].strip() and "<" not in texts[key] and "{" not in texts[key], (lang, key)


URGENT_KEYS = ("urgent", "danger_now", "urgent_again", "danger_now_again", "help_now", "fallback")


def test_an_urgent_reply_always_has_a_number() -> None:
    """Whatever the country (known, unlisted, unknown), never "your local emergency number" alone."""
    cat = catalog()
    for lang in SUPPORTED_LANGUAGES:
        for country in (None, *cat.directory["entries"], "DE", "NG", "IN"):
            for key in URGENT_KEYS:
                text = cat.message(key, lang, country=country).text
                assert re.search(r"\b\d{2,}\b", text), (lang, country, key)


def test_unknown_country_urgent_reply_asks_the_country() -> None:
    cat = catalog()
    for lang in SUPPORTED_LANGUAGES:
        unknown = cat.message("urgent", lang).text
        known = cat.message("urgent", lang, country="KE").text
        question = cat.texts[lang]["directory"]["country_question"]
        assert question in unknown and question not in known
        assert "112" in unknown and "911" in unknown


def test_home_country_gives_the_numbers_when_the_child_s_is_unknown(monkeypatch: pytest.MonkeyPatch) -> None:
    import dataclasses

    from bot import locales
    from bot.settings import get_settings

    kenya = dataclasses.replace(get_settings(), home_country="KE")
    monkeypatch.setattr(locales, "get_settings", lambda: kenya)
    cat = Catalog()
    text = cat.message("urgent", "en").text
    assert text.startswith("If you are in danger right now, call 999 or 112.") and "116" in text
    assert cat.texts["en"]["directory"]["country_question"] not in text


def test_hours_are_said_only_as_the_directory_states_them() -> None:
    cat = catalog()
    for code in ("ZA", "VN", "KH", "US"):
        assert cat.signposts("en", code)["helpline_hours"] == "free, open 24 hours", code
    for code in ("KE", "GB", "TZ"):
        assert "24 hours" not in cat.signposts("en", code)["helpline_hours"], code


def test_us_urgent_replies_include_988_and_others_do_not() -> None:
    cat = catalog()
    for key in ("urgent", "urgent_again", "help_now"):
        assert "988" in cat.message(key, "en", country="US").text
        assert "988" not in cat.message(key, "en", country="KE").text


def test_report_remove_is_described_truthfully() -> None:
    removal = catalog().signposts("en", "GB")["removal"]
    assert "upload" in removal and "IWF" in removal
    take_it_down = removal.split(";")[0]
    assert "never leaves your device" in take_it_down and "Take It Down" in take_it_down


def test_directory_schema_finds_a_broken_entry() -> None:
    from bot.directory_schema import directory_problems

    cat = catalog()
    broken = {**cat.directory, "entries": {**cat.directory["entries"], "KE": {
        "helpline": {"name": "Childline Kenya", "number": "116", "hours": "24/7"}, "emergency": [], "confidence": "high",
    }}}
    problems = directory_problems(broken, cat.texts)
    assert any("24/7" in p for p in problems) and any("source" in p for p in problems) and any("emergency" in p for p in problems)
    assert directory_problems(cat.directory, cat.texts) == []


def test_lexicon_problems_find_unquoted_yes() -> None:
    from bot.locales import lexicon_problems

    assert lexicon_problems({"answers": {True: ["yes"]}}) and lexicon_problems({}) != []
    for lang in SUPPORTED_LANGUAGES:
        assert lexicon_problems(catalog().lexicons[lang]) == []

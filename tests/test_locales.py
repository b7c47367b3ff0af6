"""Every text renders in both languages, with the right country's numbers."""

from __future__ import annotations

import re

import pytest

from bot.buttons import ALLOWED_PAYLOADS
from bot.locales import AGE_VARIANTS, LOCALES_DIR, Catalog, catalog
from bot.settings import SUPPORTED_LANGUAGES


def test_no_locale_problems() -> None:
    assert catalog().problems() == []


def test_languages_have_the_same_keys() -> None:
    en, sw = (catalog().texts[lang] for lang in SUPPORTED_LANGUAGES)
    for section in ("buttons", "countries", "directory", "messages", "topics"):
        assert set(en[section]) == set(sw[section]), section


def test_every_message_and_step_renders_for_every_country_and_age() -> None:
    cat = catalog()
    countries = [None, *cat.directory["entries"], "DE", "ZZ"]
    for lang in SUPPORTED_LANGUAGES:
        for country in countries:
            for age in (None, "under_13", "13_15", "16_17", "adult"):
                for key in cat.flows["messages"]:
                    reply = cat.message(key, lang, age_band=age, country=country)
                    assert reply.text and "{" not in reply.text, (lang, key)
                    assert all(b["payload"] in ALLOWED_PAYLOADS for b in reply.buttons)
                for topic in cat.topics():
                    for n in range(cat.step_count(topic)):
                        assert "{" not in cat.step(topic, n, lang, age_band=age, country=country).text


def test_age_variants_differ() -> None:
    cat = catalog()
    for lang in SUPPORTED_LANGUAGES:
        for topic in cat.topics():
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
        assert set(texts["commands"]) == {"start", "help", "language", "exit", "forget"}
        assert all(0 < len(d) <= 256 for d in texts["commands"].values())
        for key in ("exit_done", "forget_done", "group_only", "button_expired", "failed"):
            assert texts[key].strip() and "<" not in texts[key] and "{" not in texts[key], (lang, key)

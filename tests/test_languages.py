"""A language is a folder of data (bot.languages, bot.language_check): what makes a folder a
language, what the check says of an incomplete one, and how each language reaches the child:
its name in the picker, its countries first, its commands, answers read in its own words,
accents that do not matter, and a switch suggested only on long messages."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from bot.channels.inbound import inbound_text
from bot.language import guess_language
from bot.language_check import problems
from bot.languages import language, read
from bot.lexicon import lexicon
from bot.locales import catalog
from bot.safety import tokens
from bot.settings import LOCALES_DIR, SUPPORTED_LANGUAGES, language_folders
from bot.yaml_files import read_yaml

NEW = ("pt", "id", "ms", "tl", "vi", "fr")


def test_the_supported_languages_are_the_folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert set(NEW) | {"en", "sw"} <= set(SUPPORTED_LANGUAGES) and SUPPORTED_LANGUAGES[0] == "en"
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "messages.yml").write_text("{}")
    (tmp_path / "xx").mkdir()  # no texts: not a language yet
    (tmp_path / "zz").mkdir()
    (tmp_path / "zz" / "messages.yml").write_text("{}")
    assert language_folders(tmp_path) == ("en", "zz")
    monkeypatch.setenv("LANGUAGES", "sw")  # a deployment offering only some: English stays
    assert language_folders(LOCALES_DIR) == ("en", "sw")


def test_the_check_says_what_a_language_folder_lacks(tmp_path: Path) -> None:
    for lang in ("en", "sw"):
        shutil.copytree(LOCALES_DIR / lang, tmp_path / lang)
    (tmp_path / "sw" / "signals.yml").unlink()
    nlu = read_yaml(tmp_path / "sw" / "nlu.yml")
    greet = next(block for block in nlu["nlu"] if block.get("intent") == "greet")
    greet["examples"] = "- habari\n- mambo\n"
    (tmp_path / "sw" / "nlu.yml").write_text(yaml.safe_dump(nlu, allow_unicode=True), encoding="utf-8")
    lexicon_doc = read_yaml(tmp_path / "sw" / "lexicon.yml")
    lexicon_doc["commands"]["msaada!"] = "delete_everything"
    lexicon_doc["answers"]["no"] += ["kidogo"]  # also a hedge ("a little"): a no the bot could not read as a no
    (tmp_path / "sw" / "lexicon.yml").write_text(yaml.safe_dump(lexicon_doc, allow_unicode=True), encoding="utf-8")
    safety_doc = read_yaml(tmp_path / "sw" / "safety.yml")
    safety_doc["self_harm"] += ["nájikata"]  # "najikata" to the safety net: listed twice
    (tmp_path / "sw" / "safety.yml").write_text(yaml.safe_dump(safety_doc, allow_unicode=True), encoding="utf-8")
    found = problems(("en", "sw"), tmp_path, catalog().directory)
    assert any(p.startswith("sw: safety.yml.self_harm: 'nájikata' reads as 'najikata'") for p in found)
    assert any("sw: signals.yml missing" in p for p in found)
    assert "sw: nlu.yml intent greet has 2 examples (at least 25)" in found
    assert any("lexicon command 'msaada!'" in p for p in found)
    assert "sw: lexicon.yml answers.no 'kidogo' is read as 'risk', not as a no" in found
    assert not any(p.startswith("en:") for p in found)


def test_every_shipped_language_passes_the_check_and_is_honest_about_review() -> None:
    assert problems(SUPPORTED_LANGUAGES, LOCALES_DIR, catalog().directory) == []
    for lang in NEW:
        assert read(lang).review == "machine-drafted"  # until a native-speaking counsellor has read it


def test_each_language_by_its_own_name_with_its_countries_first() -> None:
    cat = catalog()
    titles = [b["title"] for b in cat.message("choose_language", "vi").buttons]
    assert titles == [language(lang).name for lang in SUPPORTED_LANGUAGES]
    assert {"Português", "Tiếng Việt", "Français", "Bahasa Melayu"} <= set(titles)
    firsts = {lang: cat.message("ask_country", lang).buttons[0]["title"] for lang in ("pt", "id", "ms", "tl", "vi")}
    assert firsts == {"pt": "Moçambique", "id": "Indonesia", "ms": "Malaysia", "tl": "Pilipinas", "vi": "Việt Nam"}
    assert cat.signposts("pt", "MZ")["country_name"] == "Moçambique"
    assert "119" in cat.signposts("pt", "MZ")["emergency"] and "111" in cat.signposts("vi", "VN")["helpline"]


def test_typed_commands_in_every_language() -> None:
    for lang in SUPPORTED_LANGUAGES:
        doc = read_yaml(LOCALES_DIR / lang / "lexicon.yml")
        for word, target in doc["commands"].items():
            assert inbound_text(f"/{word}") in ("/help", "/choose_language", "/help_now", "/greet"), (lang, word)
            assert inbound_text(f"/{word}").strip("/") == target or word in ("start",), (lang, word, target)
    assert inbound_text("/lugha") == "/choose_language" and inbound_text("/start") == "/greet"


def test_answers_are_read_in_the_childs_language_first() -> None:
    words = lexicon()
    for lang in SUPPORTED_LANGUAGES:
        answers = read_yaml(LOCALES_DIR / lang / "lexicon.yml")["answers"]
        for phrase in answers["yes"][:5]:
            assert words.read_answer(phrase, "yes_is_risk", lang) in ("risk", "thoughts_safe"), (lang, phrase)
        for phrase in answers["no"][:5]:
            assert words.read_answer(phrase, "yes_is_risk", lang) == "safe", (lang, phrase)
        for phrase in answers["distress"][:5]:
            assert words.read_answer(phrase, "yes_is_safe", lang) == "risk", (lang, phrase)
    assert words.read_answer("la", "yes_is_safe", "sw") == "risk"  # Kiswahili "no" to "are you safe?"
    assert words.read_answer("ok la", "yes_is_safe", "ms") == "safe"  # Malay "ok la" is not a Kiswahili "no"


def test_accents_never_matter() -> None:
    assert tokens("Não aguento mais") == tokens("nao aguento mais")
    assert tokens("Tôi muốn chết") == tokens("toi muon chet")
    assert tokens("Je veux mourir, ça suffit") == tokens("je veux mourir ca suffit")


@pytest.mark.parametrize(("text", "expected"), [
    ("alguém está a ameaçar publicar as minhas fotos se eu não pagar", "pt"),
    ("quelqu'un menace de publier mes photos si je ne paie pas", "fr"),
    ("có người đe dọa đăng ảnh của mình nếu mình không gửi tiền", "vi"),
    ("obrigado", None),  # short: never a switch
])
def test_a_switch_is_suggested_only_for_long_messages_in_a_supported_language(text: str, expected: str | None) -> None:
    assert guess_language(text) == expected


def test_malay_and_indonesian_share_a_detector_profile_so_neither_is_guessed() -> None:
    assert guess_language("ada orang ugut nak sebarkan gambar aku kalau aku tak bayar duit") is None
    assert guess_language("ada orang ngancam mau nyebarin foto aku kalau aku gak bayar") is None

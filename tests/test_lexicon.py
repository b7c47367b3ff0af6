"""The lexicon: free-text answers to the bot's questions (risk, age, country, language) and service questions."""

from __future__ import annotations

import pytest

from bot.lexicon import lexicon


def find_age_band(text: str) -> str | None:
    return lexicon().find_age_band(text)


def find_country(text: str) -> str | None:
    return lexicon().find_country(text, loose=True)


def find_language(text: str) -> str | None:
    return lexicon().find_language(text)


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
     ("the philippines", "PH"), ("naishi Dar", "TZ"), ("germany", "DE"), ("marekani", "US"), ("my house", None),
     ("keyna", "KE"), ("tanzaniya", "TZ"), ("south afrika", "ZA"), ("phillipines", "PH"), ("nigeria", "NG"),
     ("india", "IN"), ("Ujerumani", "DE"), ("nchi ya Afrika Kusini", "ZA"), ("ok", None), ("yes", None)],
)
def test_country(text: str, code: str | None) -> None:
    assert find_country(text) == code


@pytest.mark.parametrize(
    ("text", "lang"),
    [("can we speak swahili", "sw"), ("kiswahili tafadhali", "sw"), ("english please", "en"), ("kiingereza", "en"), ("hmm", None)],
)
def test_language(text: str, lang: str | None) -> None:
    assert find_language(text) == lang


@pytest.mark.parametrize(("text", "polarity", "reading"), [
    ("yes", "yes_is_risk", "risk"), ("ya sometimes", "yes_is_risk", "risk"), ("kind of", "yes_is_risk", "risk"),
    ("idk", "yes_is_risk", "risk"), ("not really", "yes_is_risk", "risk"), ("bad", "yes_is_risk", "risk"),
    ("ndiyo", "yes_is_risk", "risk"), ("sijui", "yes_is_risk", "risk"), ("sijisikii poa kabisa", "yes_is_risk", "risk"),
    ("no", "yes_is_risk", "safe"), ("hapana", "yes_is_risk", "safe"), ("nah im good", "yes_is_risk", "safe"),
    ("im ok just scared", "yes_is_risk", "safe"), ("yes but im safe right now", "yes_is_risk", "thoughts_safe"),
    ("i have thoughts but im safe", "yes_is_risk", "thoughts_safe"),
    ("yes", "yes_is_safe", "safe"), ("no", "yes_is_safe", "risk"), ("hapana", "yes_is_safe", "risk"),
    ("ndiyo niko salama", "yes_is_safe", "safe"), ("not safe", "yes_is_safe", "risk"), ("idk", "yes_is_safe", "risk"),
    ("no im safe", "yes_is_safe", "safe"), ("im not ok", "yes_is_safe", "risk"), ("still have the thoughts", "yes_is_safe", "risk"),
    ("what is grooming", "yes_is_risk", None), ("how long will i wait", "yes_is_safe", None), ("huh", "yes_is_risk", None),
])
def test_read_answer(text: str, polarity: str, reading: str | None) -> None:
    assert lexicon().read_answer(text, polarity) == reading


def test_a_lexicon_with_a_bare_yes_key_is_refused(tmp_path) -> None:
    from bot.lexicon import Lexicon

    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "lexicon.yml").write_text("answers:\n  yes: [yes]\n", encoding="utf-8")
    with pytest.raises(ValueError, match="quote"):
        Lexicon(root=tmp_path, languages=("en",))


@pytest.mark.parametrize(("text", "language", "polarity", "reading"), [
    ("oo", "tl", "yes_is_risk", "risk"),      # Tagalog yes, the whole message
    ("Oooo", "tl", "yes_is_risk", "risk"),
    ("oo", "tl", "yes_is_safe", "safe"),
    ("di", "tl", "yes_is_safe", "risk"),      # Tagalog no to "are you safe?"
    ("o", "pt", "yes_is_risk", None),         # Portuguese "o" (the article) is no answer
    ("o que eu faço", "tl", "yes_is_safe", None),  # inside a sentence "o" is not "oo"
])
def test_whole_message_answers_are_read_only_whole_and_in_their_language(text, language, polarity, reading) -> None:
    assert lexicon().read_answer(text, polarity, language) == reading


@pytest.mark.parametrize("text", ["he's outside", "she's here", "he's at the door", "it's him again"])
def test_a_letter_of_english_is_no_portuguese_yes_to_are_you_safe(text: str) -> None:
    # Portuguese texting "s" (sim) is the "s" of "he's": never "I'm safe" inside a sentence.
    assert lexicon().read_answer(text, "yes_is_safe", "en") != "safe"
    assert lexicon().read_answer("s", "yes_is_safe", "pt") == "safe"


def test_a_short_country_name_inside_a_sentence_is_a_word() -> None:
    # Asked "which country?", a child may still tell what happened: Kiswahili "za" (of) is not ZA.
    assert lexicon().find_country("mtu ananitishia kusambaza picha zangu za uchi mtandaoni", loose=True) is None
    assert lexicon().find_country("im in the uk", loose=True) == "GB"


@pytest.mark.parametrize(("text", "language", "reading"), [
    ("no, just scared", "en", "safe"),  # the thoughts denied, the fear told
    ("no im so scared", "en", "risk"),  # no minimiser: distress still reads as risk
    ("not really, just worried", "en", "risk"),  # hedged: asked again
    ("n, so tenho medo dele", "pt", "safe"),
    ("gak sih, cuma takut aja", "id", "safe"),
    ("hong có", "vi", "safe"),  # "không có" is no: its "có" is not also a yes
    ("có", "vi", "risk"),
    ("not ok", "en", "risk"),
    # A no beside distress that is not fear stays risk, in any language (review, 2026-12-06).
    ("no just help me", "en", "risk"), ("no i just feel hopeless", "en", "risk"), ("no one cares i just feel alone", "en", "risk"),
    ("nao so quero sumir", "pt", "risk"), ("hapana, nisaidie tu", "sw", "risk"), ("gak, cuma sedih banget", "id", "risk"),
    ("tak, penat je", "ms", "risk"), ("non juste ca va pas", "fr", "risk"),
    # Minimisers of other languages never count: Portuguese "so" in "no, so sad", Malay "je" in French.
    ("no, so sad", "fr", "risk"), ("non je suis triste", "en", "risk"),
    # Hedges inside a longer "ok" phrase are kept.
    ("ok sikit", "ms", "risk"), ("ca va un peu", "fr", "risk"), ("medyo okay na", "tl", "risk"),
    ("no, im scared", "tl", "risk"),  # the child's own list says nothing but "scared": every language reads it
])
def test_a_clear_no_beside_fear_is_a_no(text: str, language: str, reading: str) -> None:
    assert lexicon().read_answer(text, "yes_is_risk", language) == reading


@pytest.mark.parametrize(("text", "language", "inner"), [
    ("hata kidogo", "sw", "kidogo"),  # "not at all": not also the hedge "kidogo" (a little)
    ("chưa bao giờ", "vi", "chưa"),  # "never": not also the hedge "chưa" (not yet)
    ("hindi sumagi sa isip ko", "tl", "sumagi sa isip ko"),  # "it never crossed my mind": not the thought inside it
    ("pas vraiment non", "fr", "pas vraiment"),  # listed as a no by its writer
])
def test_a_listed_no_is_read_whole(text: str, language: str, inner: str) -> None:
    assert lexicon().read_answer(text, "yes_is_risk", language) == "safe"
    assert lexicon().read_answer(inner, "yes_is_risk", language) == "risk"  # alone, the inner phrase still counts


def test_a_bare_answer_is_all_answer_words() -> None:
    assert lexicon().is_bare_answer("no never", "en") and lexicon().is_bare_answer("hong có", "vi")
    assert not lexicon().is_bare_answer("no just want to disappear", "en")  # words the lists do not know

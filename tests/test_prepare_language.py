"""The reply's language: detection among a base's languages (py3langid), the fallback to
the source language when unsure, and the decision's reasons."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from replykb.prepare import language as language_module
from replykb.prepare.language import (
    MIN_CONFIDENCE,
    MIN_UNSUPPORTED_CONFIDENCE,
    LanguageGuess,
    choose_language,
    detect_language,
    known_languages,
    settle_language,
    untranslated,
)

SHORT_MESSAGES = Path(__file__).parent.parent / "benchmarks" / "data" / "short_messages.jsonl"

# Short, informal messages as customers write them: typos, no accents, slang, emojis.
SHORT = {
    "it": ["nn mi è ancora arrivato il pacco", "ciao dove è il mio ordine??", "grazie mille!!"],
    "es": ["todavia no me llega el paquete 😡", "me cobraron dos veces", "ayuda porfa"],
    "fr": ["toujours pas recu mon colis 😡", "je veux parler a un responsable", "aidez moi svp"],
    "de": ["paket immer noch nicht da 😡", "kann mich nicht einloggen", "wie kündige ich mein abo"],
    "pt": ["ainda nao chegou minha encomenda 😡", "me cobraram duas vezes", "cade meu pedido??"],
    "en": ["where is my order??", "u charged me twice wtf", "cant log in to my account"],
}
CASES = [(language, text) for language, texts in SHORT.items() for text in texts]


@pytest.mark.parametrize(("language", "text"), CASES)
def test_a_short_message_is_detected_among_the_source_and_its_language(
    language: str, text: str
) -> None:
    languages = ("en", language) if language != "en" else ("en", "it")
    choice = choose_language(text, languages)
    assert (choice.language, choice.reason, choice.fallback) == (language, "detected", False)
    assert choice.detected == language
    assert choice.confidence is not None and choice.confidence >= MIN_CONFIDENCE


@pytest.mark.parametrize(("language", "text"), CASES)
def test_a_short_message_is_detected_among_six_languages(language: str, text: str) -> None:
    guess = detect_language(text, ("en", "it", "es", "fr", "de", "pt"))
    assert guess.language == language
    assert [code for code, _ in guess.scores] == sorted(
        (code for code, _ in guess.scores), key=lambda code: -dict(guess.scores)[code]
    )
    assert sum(score for _, score in guess.scores) == pytest.approx(1.0, abs=1e-3)


@pytest.mark.parametrize("text", ["ok", "lol", "hello", "si", "ok merci"])
def test_an_unsure_guess_falls_back_to_the_source_language_and_says_so(text: str) -> None:
    # On an English + Italian base these are neither clearly English nor clearly Italian.
    choice = choose_language(text, ("en", "it"))
    assert choice.language == "en"
    assert choice.fallback is True
    assert choice.reason == "fallback-unsure"
    assert choice.matched is None  # each language's questions are tried
    assert choice.confidence is None or choice.confidence < MIN_CONFIDENCE


@pytest.mark.parametrize(
    "text", ["😡😡😡", "@FernhillCare #FH1234567", "https://fernhill.example/x 42"]
)
def test_a_message_without_words_falls_back_with_nothing_detected(text: str) -> None:
    choice = choose_language(text, ("it", "en"))
    assert (choice.language, choice.reason, choice.fallback) == ("it", "fallback-unsure", True)
    assert choice.detected is None and choice.confidence is None


def test_handles_links_and_order_numbers_do_not_make_a_message_english() -> None:
    text = "@FernhillCare ciao ordine FH1234567 https://fernhill.example/track ancora niente"
    assert choose_language(text, ("en", "it")).language == "it"


def test_a_requested_language_is_taken_and_the_message_s_is_still_detected() -> None:
    choice = choose_language("where is my order", ("en", "it"), "it")
    assert choice.model_dump() == {
        "language": "it",
        "requested": "it",
        "detected": "en",
        "confidence": choice.confidence,
        "matched": "en",  # matched against its own language's questions, replied in Italian
        "fallback": False,
        "reason": "requested",
    }
    assert choice.confidence is not None and choice.confidence >= MIN_CONFIDENCE


@pytest.mark.parametrize(
    ("text", "requested", "matched"),
    [
        ("ciao dove è il mio ordine", None, "it"),
        ("where is my order", None, "en"),
        ("ok", None, None),  # unsure: each language's questions are tried
        ("ok", "it", None),
        ("ciao dove è il mio ordine", "en", "it"),
        ("wo ist meine Bestellung", None, "en"),  # German, which the base lacks: the source's
        ("wo ist meine Bestellung", "it", "en"),
    ],
)
def test_the_message_is_matched_in_its_own_language_when_sure(
    text: str, requested: str | None, matched: str | None
) -> None:
    assert choose_language(text, ("en", "it"), requested).matched == matched


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("donde esta mi pedido?? llevo dos semanas esperando", "es"),
        ("wo ist meine Bestellung", "de"),
        ("ma commande n'est toujours pas arrivée", "fr"),
        ("cade meu pedido, ja faz duas semanas", "pt"),
    ],
)
def test_a_language_the_base_does_not_list_falls_back_to_the_source(
    text: str, language: str
) -> None:
    """A Spanish customer on an English + Italian base is not told they wrote Italian."""
    choice = choose_language(text, ("en", "it"))
    assert (choice.language, choice.detected) == ("en", language)
    # Matched against the source's questions only: the reply is in the source language.
    assert (choice.reason, choice.fallback, choice.matched) == ("fallback-unsupported", True, "en")


@pytest.mark.parametrize(
    ("text", "language"), [("gracias", "es"), ("obrigado", "pt"), ("muchas gracias por todo", "es")]
)
def test_a_fairly_sure_unlisted_language_is_matched_with_the_source_s_questions_only(
    text: str, language: str
) -> None:
    """Short thanks the detector gives Spanish/Portuguese at 0.69-0.76 (below
    MIN_CONFIDENCE): not "unsure", so each language's questions are not tried."""
    choice = choose_language(text, ("en", "it"))
    assert (choice.language, choice.detected, choice.reason, choice.fallback) == (
        "en",
        language,
        "fallback-unsupported",
        True,
    )
    assert choice.matched == "en"
    assert choice.confidence is not None and choice.confidence >= MIN_UNSUPPORTED_CONFIDENCE
    # Matching does not turn it into another language.
    assert settle_language(choice, "en", found_answer=False) == choice


def test_no_english_or_italian_labelled_message_is_taken_for_an_unlisted_language() -> None:
    chosen = [(choose_language(text, ("en", "it")), lang) for text, lang in _labelled()]
    assert [
        (c.detected, lang)
        for c, lang in chosen
        if lang in ("en", "it") and c.reason == "fallback-unsupported"
    ] == []


def test_the_outcome_of_matching_settles_an_unsure_choice() -> None:
    unsure = choose_language("ok", ("en", "it"))
    assert (unsure.reason, unsure.matched) == ("fallback-unsure", None)
    settled = settle_language(unsure, "it", found_answer=True)
    assert (settled.language, settled.reason, settled.fallback, settled.matched) == (
        "it",
        "matched",
        False,
        "it",
    )
    # No language's questions matched it: the source language, still unsure.
    assert settle_language(unsure, "it", found_answer=False).model_dump() == {
        **unsure.model_dump(),
        "matched": "it",
    }
    sure = choose_language("where is my order", ("en", "it"))
    assert settle_language(sure, "en", found_answer=True) == sure


def test_an_untranslated_answer_is_said() -> None:
    choice = choose_language("ciao dove è il mio ordine", ("en", "it"))
    assert untranslated(choice, "it") == choice
    fell_back = untranslated(choice, "en")
    assert (fell_back.language, fell_back.detected, fell_back.reason, fell_back.fallback) == (
        "en",
        "it",
        "fallback-untranslated",
        True,
    )


def test_a_one_language_base_never_runs_the_detector(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(text: str, languages: object) -> LanguageGuess:
        raise AssertionError("the detector ran for a one-language base")

    monkeypatch.setattr(language_module, "detect_language", refuse)
    choice = choose_language("dove è il mio ordine", ("en",))
    assert (choice.language, choice.reason, choice.fallback) == (
        "en",
        "fallback-single-language",
        False,
    )


def test_detection_is_deterministic() -> None:
    texts = [text for _, text in CASES] + ["ok", "hay stock?"]
    first = [detect_language(t, ("en", "it", "es")) for t in texts]
    assert [detect_language(t, ("es", "it", "en")) for t in texts] == first


def test_a_language_the_detector_does_not_know_is_never_detected() -> None:
    assert "en" in known_languages() and "it" in known_languages()
    assert "kl" not in known_languages()  # Greenlandic: a valid ISO 639-1 code
    assert detect_language("where is my order", ("kl", "en")).scores == ()
    choice = choose_language("where is my order", ("kl", "en"))
    assert (choice.language, choice.detected, choice.reason) == ("en", "en", "detected")


def _labelled() -> list[tuple[str, str]]:
    rows = [json.loads(line) for line in SHORT_MESSAGES.read_text(encoding="utf-8").splitlines()]
    return [(row["text"], row["language"]) for row in rows]


def test_the_threshold_accepts_no_wrong_guess_on_the_labelled_short_messages() -> None:
    """MIN_CONFIDENCE is calibrated on benchmarks/data/short_messages.jsonl: restricted to
    its six languages, no guess at or above it is wrong, and few messages fall back."""
    rows = _labelled()
    six = ("en", "it", "es", "fr", "de", "pt")
    guesses = [(detect_language(text, six), language) for text, language in rows]
    accepted = [(g, lang) for g, lang in guesses if g.confidence >= MIN_CONFIDENCE]
    assert [g.language for g, lang in accepted if g.language != lang] == []
    assert len(accepted) >= 0.85 * len(rows)


def test_an_english_and_italian_base_never_detects_a_labelled_message_wrongly() -> None:
    rows = _labelled()
    chosen = [(choose_language(text, ("en", "it")), lang) for text, lang in rows]
    mine = [(c, lang) for c, lang in chosen if lang in ("en", "it")]
    others = [(c, lang) for c, lang in chosen if lang not in ("en", "it")]
    assert [
        (c.language, lang) for c, lang in mine if c.reason == "detected" and c.language != lang
    ] == []
    # Unsure ones are matched against each language's questions (tests/test_kb_languages.py).
    assert sum(c.reason == "fallback-unsure" for c, _ in mine) <= 0.06 * len(mine)
    # Spanish, French, German and Portuguese messages: never taken for English or Italian.
    assert [(c.language, lang) for c, lang in others if c.reason == "detected"] == []
    unsupported = [c for c, _ in others if c.reason == "fallback-unsupported"]
    assert len(unsupported) >= 0.8 * len(others)
    assert all(c.language == "en" and c.fallback for c in unsupported)


def test_the_language_is_detected_on_the_prefix_that_is_matched() -> None:
    """A long, plainly Italian paste is detected as surely as its first 4,096 characters
    (the prefix the embedder matches), not "unsure" because it is long (R1-3)."""
    from replykb.embed import MAX_MESSAGE_CHARS
    from replykb.prepare.language import MAX_DETECTED_CHARS, detect_language

    assert MAX_DETECTED_CHARS == MAX_MESSAGE_CHARS
    text = "il mio pacco non è ancora arrivato, dov è il mio ordine? " * 20_000
    languages = ("en", "it", "es", "fr", "de", "pt")
    whole, prefix = detect_language(text, languages), detect_language(text[:4096], languages)
    assert whole == prefix
    assert whole.scores[0][0] == "it" and whole.scores[0][1] > 0.99

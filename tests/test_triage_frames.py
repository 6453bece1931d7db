"""A polite frame around a request ("Salve, <request> Grazie mille") is not matched: the
greeting it opens with and the thanks or sign-off it closes with are trimmed from the
text that is embedded (R1-7), through every door, while nothing a request needs is cut."""

from __future__ import annotations

import pytest

from replykb import KnowledgeBase
from replykb.evaluate import LabelledMessage, score_messages
from replykb.prepare.chatter import request_text

NAMES = ("Paola", "Fernhill")

FRAMES = {
    "it": [("Buongiorno, ", ""), ("Salve, ", " Grazie mille"), ("ciao ", " grazie")],
    "en": [("Good morning, ", ""), ("Hi, ", " Thanks!"), ("hello ", " thank you, regards")],
}
# Requests of the example base's tests, each right and confident bare.
REQUESTS = {
    "it": [
        ("where-is-my-order", "dov'è il mio ordine?"),
        ("refund-timing", "quando arriva il rimborso?"),
        ("cancel-order", "posso annullare l'ordine?"),
    ],
    "en": [
        ("where-is-my-order", "where is my order?"),
        ("refund-timing", "when will I get my refund?"),
        ("cancel-order", "can I cancel my order?"),
    ],
}
CASES = [
    (language, prefix, suffix, answer_id, request)
    for language, frames in FRAMES.items()
    for prefix, suffix in frames
    for answer_id, request in REQUESTS[language]
]


@pytest.mark.parametrize(("language", "prefix", "suffix", "answer_id", "asked"), CASES)
def test_a_framed_request_is_matched_as_the_bare_one(
    example_kb: KnowledgeBase,
    language: str,
    prefix: str,
    suffix: str,
    answer_id: str,
    asked: str,
) -> None:
    framed = prefix + asked + suffix
    bare = example_kb.match(asked)
    assert (bare.status, bare.answer_id) == ("confident", answer_id)
    for door in ("match", "suggest", "eval"):
        if door == "match":
            found = example_kb.match(framed)
        elif door == "suggest":
            suggestion = example_kb.suggest(framed, channel="x")
            found = suggestion.match
            assert suggestion.reply is not None
            assert suggestion.reply.language == language
            assert suggestion.message == framed  # shown whole
        else:
            (scored,) = score_messages(
                example_kb, [LabelledMessage(message=framed, expected=answer_id)]
            )
            assert scored.candidates[0][0] == answer_id
            continue
        assert (found.status, found.answer_id, found.score) == ("confident", answer_id, bare.score)


@pytest.mark.parametrize(
    ("message", "matched"),
    [
        ("Salve, dov'è il mio ordine? Grazie mille, Marco", "dov'è il mio ordine?"),
        ("Buongiorno, dov'è il mio ordine?", "dov'è il mio ordine?"),
        ("ciao dov'è il mio ordine grazie", "dov'è il mio ordine"),
        ("Ciao Paola, quando arriva il rimborso? grazie Fernhill!", "quando arriva il rimborso?"),
        ("Hi Sarah, my order is late. Kind regards, John Smith", "my order is late."),
        ("@FernhillCare hi where is my parcel\nSent from my iPhone", "where is my parcel"),
        ("Good morning, which plan is best? Best,\nAnna", "which plan is best?"),
        ("Hola, ¿dónde está mi pedido? Muchas gracias", "¿dónde está mi pedido?"),
    ],
)
def test_the_frame_is_trimmed(message: str, matched: str) -> None:
    assert request_text(message, NAMES) == matched


@pytest.mark.parametrize(
    "message",
    [
        "evening delivery available?",  # a greeting word that is the topic
        "which plan is best",
        "morning slots for delivery?",
        "please pass on my thanks",  # thanks said as an object
        "fernhill app freezes",  # the brand as the subject, not greeted
        "come la cambio su fernhill",
        "Thanks for the refund, but where is it?",  # leading thanks: not a greeting
        "dov'è il mio ordine",  # no frame: as it came
        "grazie",  # only a frame: whole (the gate says it asks nothing)
        "Buongiorno!",
        # A short rest may be what the frame means (CLINC150's thank_you, goodbye and
        # greeting intents): kept whole.
        "great, thanks!",
        "have a good day, bye",
        "hey, what's new",
        "Salve, rimborso? Grazie",
    ],
)
def test_nothing_a_request_needs_is_trimmed(message: str) -> None:
    assert request_text(message, NAMES) == message


def test_the_mood_and_language_read_the_whole_message(example_kb: KnowledgeBase) -> None:
    """Only the vector loses the frame: the thanks still reads as the customer's mood."""
    framed = example_kb.suggest("Salve, dov'è il mio ordine? Grazie mille", channel="x")
    assert framed.language is not None and framed.language.language == "it"
    assert framed.mood is not None
    bare = example_kb.suggest("dov'è il mio ordine? Grazie mille", channel="x")
    assert bare.mood == framed.mood

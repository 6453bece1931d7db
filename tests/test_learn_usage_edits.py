"""How agents' edits are compared: normalised words, the reply's frame left out."""

from __future__ import annotations

import pytest

from replykb.learn.usage_edits import (
    BODY_SLOT,
    NAME_SLOT,
    change_key,
    describe_change,
    diff_notation,
    frame_of,
    normalise_words,
    word_diff,
)
from replykb.loader import load_answer_base
from replykb.models import Customer
from replykb.render import Renderer
from tests.conftest import SHOP_BASE

BODY = "Refunds reach your account within 5 working days of approval. You can follow yours at"
LINK = "https://help.acme.example/refunds"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Refunds: 10 days!", ["refunds", "10", "days"]),
        ("  REFUNDS   10\tdays ", ["refunds", "10", "days"]),
        ("Perché il rimborso è lento?", ["perche", "il", "rimborso", "e", "lento"]),
        ("ﬁne – ok…", ["fine", "ok"]),  # NFKC: the ligature is two letters
        ("mail <email> now", ["mail", "<email>", "now"]),  # masking tokens stay words
        ("snake_case", ["snake", "case"]),
    ],
)
def test_normalised_words(text: str, words: list[str]) -> None:
    assert normalise_words(text) == words


def _reply(channel: str, agent: str | None, conversation: str | None, customer: str | None) -> str:
    base = load_answer_base(SHOP_BASE)
    answer = base.answer("refund-timing")
    return (
        Renderer.for_base(base)
        .render(
            answer,
            channel=channel,
            agent=agent,
            customer=None if customer is None else Customer(name=customer),
            conversation_id=conversation,
        )
        .text
    )


def _frame(channel: str, agent: str | None, conversation: str | None) -> tuple[int, int] | None:
    base = load_answer_base(SHOP_BASE)
    marked = base.answer("refund-timing").model_copy(update={"answer": BODY_SLOT, "short": None})
    text = (
        Renderer.for_base(base)
        .render(
            marked,
            channel=channel,
            agent=agent,
            customer=Customer(name=NAME_SLOT),
            conversation_id=conversation,
        )
        .text
    )
    return frame_of(text)


@pytest.mark.parametrize(
    ("channel", "agent", "conversation", "customer"),
    [
        ("x", "paola", "c1", "Mario"),
        ("email", "paola", "c2", "Anna Bell"),
        ("facebook", "dev", "c3", None),
        ("chat", None, "c4", "Luca"),
    ],
)
def test_the_same_correction_is_the_same_change_on_every_channel_agent_and_name(
    channel: str, agent: str | None, conversation: str, customer: str | None
) -> None:
    reference = _reply(channel, agent, conversation, NAME_SLOT)
    frame = _frame(channel, agent, conversation)
    sent = _reply(channel, agent, conversation, customer)
    edited = sent.replace("5 working days", "10 working days")
    assert edited != sent
    assert change_key(edited, reference, frame) == ((("5",), ("10",)),)
    # The reply as given, with the customer's name: no change to the answer's words.
    assert change_key(sent, reference, frame) == ()


def test_a_greeting_in_another_mood_and_another_signature_are_frame() -> None:
    reference = _reply("x", "paola", "c1", NAME_SLOT)
    frame = _frame("x", "paola", "c1")
    assert frame is not None and frame[0] >= 1 and frame[1] == 1  # "^Paola"
    body_start = reference.index("Refunds")
    edited = "So sorry for the wait, Mario! " + reference[body_start:].replace("^Paola", "^Sam")
    assert change_key(edited, reference, frame) == ()


def test_a_sentence_added_where_the_body_ends_counts() -> None:
    reference = _reply("x", "paola", "c1", NAME_SLOT)
    frame = _frame("x", "paola", "c1")
    edited = reference.replace(NAME_SLOT, "Mario").replace(
        " ^Paola", " Sorry for the delay. ^Paola"
    )
    assert change_key(edited, reference, frame) == (((), ("sorry", "for", "the", "delay")),)


def test_case_punctuation_and_accents_do_not_make_another_change() -> None:
    reference = f"Hi {NAME_SLOT}! {BODY} {LINK}. ^Paola"
    one = f"Hi Mario! {BODY.replace('5', '10')} {LINK}. ^Paola"
    other = f"hi mario {BODY.replace('5', '10').upper()} {LINK} ^paola!!"
    assert change_key(one, reference) == change_key(other, reference) == ((("5",), ("10",)),)


def test_without_a_rendered_frame_a_short_opening_and_signature_are_left_out() -> None:
    canonical = BODY
    edited = f"Ciao Mario, {BODY.replace('5', '10')} ^Jo"
    assert change_key(edited, canonical) == ((("5",), ("10",)),)
    # A long addition at the end is a sentence, not a signature.
    longer = f"{BODY} Please check your spam folder for the confirmation e-mail too."
    assert change_key(longer, canonical) == (
        (
            (),
            tuple(
                [
                    "please",
                    "check",
                    "your",
                    "spam",
                    "folder",
                    "for",
                    "the",
                    "confirmation",
                    "e",
                    "mail",
                    "too",
                ]
            ),
        ),
    )


def test_changes_are_described_in_wdiff_notation() -> None:
    key = ((("5",), ("10",)), ((), ("sorry",)), (("approval",), ()))
    assert describe_change(key) == "[-5-] {+10+} … {+sorry+} … [-approval-]"


def test_word_diff_keeps_the_words_as_written_and_shortens_long_runs() -> None:
    parts = word_diff(
        "One two three four five six seven eight nine ten.",
        "One two three four five six seven eight NINE 10!",
    )
    assert diff_notation(parts) == "One two three four … six seven eight NINE [-ten.-] {+10!+}"


@pytest.mark.parametrize("channel", ["x", "email", "chat"])
def test_every_opening_variant_is_frame_against_the_reply_of_no_conversation(channel: str) -> None:
    # The report renders one reference per answer, channel and agent (no conversation);
    # the replies agents were given open with the variant of their conversation.
    reference = _reply(channel, "paola", None, NAME_SLOT)
    frame = _frame(channel, "paola", None)
    sent = [_reply(channel, "paola", f"conversation-{n}", "Anna Bell") for n in range(12)]
    openings = {text.split("Refunds")[0] for text in sent}
    assert len(openings) >= 2  # the conversations did get other variants
    for text in sent:
        assert change_key(text, reference, frame) == ()
        edited = text.replace("5 working days", "10 working days")
        assert change_key(edited, reference, frame) == ((("5",), ("10",)),)

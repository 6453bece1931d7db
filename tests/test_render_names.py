"""Customer names on every channel: real names in every script fit, SMS stays GSM-7.

Issue 11, point 6: ``render app-crash --channel sms --customer "Łukasz"`` raised
ReplyTooLongError (so did Zoë, Ольга, 王芳 and any name over 40 graphemes, whose "…" is
not GSM-7), and a name of "a" + 300 combining marks was never shortened. These tests
render the example base (answers/) itself, with every agent, and need no model.
"""

from __future__ import annotations

import unicodedata

import pytest
import regex
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from replykb import Customer, RenderError, load_answer_base
from replykb.length import count_length, is_gsm7
from replykb.render import (
    ABSENT_NAME,
    MAX_NAME_GRAPHEMES,
    NAME_BUDGET,
    Renderer,
    bound_name,
    customer_views,
    gsm_spelling,
    worst_case_names,
)

from .conftest import EXAMPLE_BASE

BASE = load_answer_base(EXAMPLE_BASE)
RENDERER = Renderer.for_base(BASE)
AGENTS = [None, *BASE.settings.agents]
LONG_LATIN = "Maximiliana-Josefina Featherstonehaugh-Wolfeschlegel Montgomery III"

# name -> how an SMS in GSM-7 prints it
SMS_NAMES = {
    "Łukasz": "Lukasz",
    "Zoë": "Zoe",
    "Ольга": "Olga",
    "王芳": None,  # no GSM-7 spelling: the opening goes without a name
    "José 🎉": "José",
    "Niccolò": "Niccolò",  # Italian letters are GSM-7
    "Ευαγγελία": "Eyangelia",
    "Żaneta Wiśniewska-Przybylska-Łukaszewicz": "Zaneta Wisniewska-Przybylska-Lukaszewicz",
    LONG_LATIN: "Maximiliana-Josefina...",  # whole words within 40 characters
    "a" + "\u0301" * 300: "a",
    "Mario\nP.S.": "Mario P.S.",
    "👩‍👩‍👧‍👦🇮🇹": None,
}


def replies(name: str, channel: str = "sms"):  # type: ignore[no-untyped-def]
    """Every answer of the example base, by every agent, with a few openings."""
    for answer in BASE.answers:
        for agent in AGENTS:
            for conversation in ("c0", "c1", "c2"):
                yield RENDERER.render(
                    answer,
                    channel=channel,
                    agent=agent,
                    customer=name,
                    conversation_id=conversation,
                )


@pytest.mark.parametrize("name", list(SMS_NAMES))
def test_sms_replies_for_real_names_fit_stay_gsm7_and_print_the_name(name: str) -> None:
    printed = SMS_NAMES[name]
    for reply in replies(name):
        assert reply.length <= 2 and reply.length == count_length(reply.text, "sms")
        assert is_gsm7(reply.text), f"{reply.answer_id}: {reply.text!r}"
        assert "…" not in reply.text
        if printed is not None:
            assert printed in reply.text
        else:
            assert ", there" not in reply.text and "there." not in reply.text


def test_sms_app_crash_for_lukasz_is_the_full_answer() -> None:
    """The reproduction of the issue: a full reply, the name spelled in GSM-7."""
    answer = BASE.answer("app-crash")
    reply = RENDERER.render(answer, channel="sms", customer="Łukasz")
    assert reply.form == "full" and reply.length == 2
    assert reply.text.startswith("Sorry about this, Lukasz. Please update it")
    longest_opening = RENDERER.render(answer, channel="sms", customer="Łukasz", conversation_id="0")
    assert longest_opening.text.startswith("We're sorry, Lukasz: that's not the experience")


@pytest.mark.parametrize("name", ["Łukasz", "王芳", "👩‍👩‍👧‍👦", LONG_LATIN])
@pytest.mark.parametrize("channel", ["x", "facebook", "instagram", "chat", "email"])
def test_other_channels_keep_the_name_as_written(name: str, channel: str) -> None:
    view = customer_views(name, RENDERER.channel(channel)[1])
    assert len(view) == 1
    for reply in replies(name, channel):
        assert reply.limit is None or reply.length <= reply.limit
        assert view[0].name in reply.text


@pytest.mark.parametrize(
    ("name", "spelled"),
    [
        ("Łukasz", "Lukasz"),
        ("Zoë", "Zoe"),
        ("Ольга", "Olga"),
        ("Щербаков Жанна", "Shcherbakov Zhanna"),
        ("王芳", ""),
        ("王芳 (Wang Fang)", "(Wang Fang)"),
        ("José 🎉", "José"),
        ("NICCOLÒ Dell’Acqua", "NICCOLO Dell'Acqua"),
        ("Jürgen Weiß", "Jürgen Weiß"),
        ("Björk Guðmundsdóttir", "Björk Gudmundsdottir"),
        ("Nguyễn Thị Ánh", "Nguyen Thi Anh"),
        ("Dvořák", "Dvorak"),
        ("ΟΥΡΑΝΙΑ Παπαδοπούλου", "OURANIA Papadopoulou"),
        ("Mario [Acme] {VIP} €", "Mario (Acme) (VIP) EUR"),
        ("محمد", ""),
        ("🎉🎉", ""),
    ],
)
def test_gsm_spelling(name: str, spelled: str) -> None:
    assert gsm_spelling(name) == spelled
    assert is_gsm7(spelled)
    # Only single-septet characters: a name never costs more than its length.
    assert count_length(spelled, "sms") <= 1 and not regex.search(r"[\[\]{}|~^€\\]", spelled)


def test_a_name_kept_as_written_only_when_the_sms_is_ucs2_anyway() -> None:
    """A reply already in UCS-2 (its answer has a character outside GSM-7) prints the
    name as written when that fits as well; a GSM-7 reply never turns UCS-2 for it."""
    ucs2 = BASE.answer("app-crash").model_copy(
        update={"answer": "It’s fixed: update the app.", "short": None}
    )
    assert RENDERER.render(ucs2, channel="sms", customer="Łukasz").text.count("Łukasz") == 1
    gsm = ucs2.model_copy(update={"answer": "It is fixed: update the app."})
    reply = RENDERER.render(gsm, channel="sms", customer="Łukasz")
    assert "Lukasz" in reply.text and is_gsm7(reply.text)


def test_a_long_sms_name_is_shortened_with_a_gsm7_marker_at_a_word_boundary() -> None:
    spec = RENDERER.channel("sms")[1]
    name = customer_views("Giovanni " * 6, spec)[0].name
    assert name == "Giovanni Giovanni Giovanni Giovanni..."
    assert count_length(name, "sms") == 1 and len(name) <= NAME_BUDGET


@pytest.mark.parametrize(
    "name",
    [
        "a" + "\u0301" * 300,
        "Z" + "\u0351" * 40 + "oë" + "\u0300" * 9,
        "👩🏽‍❤️‍💋‍👨🏻" * 30,
        "Bartholomew " * 20,
        "王" * 200,
        "x" * 10_000,
    ],
)
@pytest.mark.parametrize("count", ["chars", "graphemes", "twitter", "mastodon", "sms"])
def test_every_name_is_bounded_per_grapheme_and_in_total(name: str, count: str) -> None:
    bounded = bound_name(unicodedata.normalize("NFC", name[:256]), count)  # type: ignore[arg-type]
    graphemes = regex.findall(r"\X", bounded)
    assert 1 <= len(graphemes) <= MAX_NAME_GRAPHEMES
    assert all(len(g) <= 10 for g in graphemes), "a combining sequence is bounded"
    assert len(bounded) <= 80
    units = len(bounded) + len(regex.findall(r"[\U00010000-\U0010ffff]", bounded))
    measured = units if count == "sms" else count_length(bounded, count)
    assert measured <= NAME_BUDGET


@pytest.mark.parametrize("value", [True, False, 5, 3.5, ["Mario"], {"name": "Mario"}, object()])
def test_a_customer_that_is_not_text_is_a_clear_error(value: object) -> None:
    with pytest.raises(RenderError) as raised:
        RENDERER.render(BASE.answers[0], channel="sms", customer=value)  # type: ignore[arg-type]
    error = raised.value
    assert error.what == "customer" and error.answer_id == BASE.answers[0].id
    assert error.channel == "sms"
    assert type(value).__name__ in str(error) and "name, an @handle or a Customer" in str(error)


def test_customer_model_and_handle_are_spelled_on_sms() -> None:
    spec = RENDERER.channel("sms")[1]
    view = customer_views(Customer(name="Ольга", handle="@ольга_k"), spec)[0]
    assert (view.name, view.handle) == ("Olga", "@olga_k")
    anonymous = customer_views(Customer(handle="@王芳"), spec)[0]
    assert anonymous.anonymous and anonymous.name == ABSENT_NAME and not anonymous.name


@pytest.mark.parametrize("tone", ["neutral", "apology", "thanks"])
def test_anonymous_customers_get_openings_without_a_name(tone: str) -> None:
    answer = BASE.answers[0].model_copy(update={"tone": tone})
    for conversation in range(12):
        text = RENDERER.render(answer, channel="chat", conversation_id=str(conversation)).text
        first = text.split(". ")[0].split("! ")[0]
        assert "there." not in first and ", there" not in first and "there," not in first


# --- the worst case the linter renders with ---------------------------------------------


@pytest.mark.parametrize("channel", sorted(BASE.settings.channels))
def test_worst_case_names_cover_the_scripts_and_come_longest_first(channel: str) -> None:
    spec = BASE.settings.channels[channel]
    names = worst_case_names(spec)
    joined = "".join(names)
    for script in (
        r"\p{Cyrillic}",
        r"\p{Han}",
        r"\p{Greek}",
        r"[ŁłŻżś]",
        r"\p{Extended_Pictographic}",
    ):
        assert regex.search(script, joined), script
    assert any(len(g) > 10 for n in names for g in regex.findall(r"\X", n)), "long combining"
    printed = [customer_views(n, spec)[0].name for n in names]
    measure = [len(p) if spec.count == "sms" else count_length(p, spec.count) for p in printed]
    assert measure[0] == max(measure) == NAME_BUDGET


# Any name: letters of many scripts, marks, emoji, controls, spaces.
ANY_NAME = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8", exclude_categories=("Cs",)),
        st.sampled_from(
            [
                *"ŁłŻźśęąćńóÅØæßÉÈàòù",
                *"ЖщЫьЁё",
                *"王芳李娜",
                "\u0301",
                "\u200d",
                "👩",
                "🏽",
                "🇮",
                "\n",
            ]
        ),
    ),
    max_size=120,
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=ANY_NAME, index=st.integers(0, len(BASE.answers) - 1))
def test_no_name_gives_a_longer_reply_than_the_worst_case_names(name: str, index: int) -> None:
    """What makes `check` sound: measured without limits, a reply for any name is never
    longer than the longest reply for the worst-case names, on every channel."""
    unlimited = Renderer(
        BASE.settings.model_copy(
            update={
                "channels": {
                    n: s.model_copy(update={"limit": None})
                    for n, s in BASE.settings.channels.items()
                }
            }
        ),
        dict(BASE.templates),
    )
    answer = BASE.answers[index]
    for channel, spec in BASE.settings.channels.items():

        def measured(customer: str, channel: str = channel, count: str = spec.count) -> int:
            text = unlimited.render(answer, channel=channel, agent="jo", customer=customer).text
            return count_length(text, count)

        worst = max(measured(n) for n in worst_case_names(spec))
        assert measured(name) <= worst, (channel, name)
        if spec.count == "sms":
            assert is_gsm7(RENDERER.render(answer, channel=channel, customer=name).text)


LONG_SHORTENED = "Maximiliana Alexandrovna Konstantinopolskaya-Preobrazhenskaya"


@pytest.mark.parametrize(
    ("channel", "customer", "start"),
    [
        # Initials end with their own full stop: the opening's stop was printed after it.
        ("x", "J.R.", "Thanks for reaching out, J.R. Refunds reach"),
        ("email", "J.R.", "Thanks for reaching out, J.R.\n\nRefunds reach"),
        # A shortened name ends with its marker: "Alexandrovna…." / "Alexandrovna....".
        ("x", LONG_SHORTENED, "Thanks for reaching out, Maximiliana Alexandrovna… Refunds"),
        ("sms", LONG_SHORTENED, "Thanks for reaching out, Maximiliana Alexandrovna... Refunds"),
        # Any other name keeps the opening's stop.
        ("x", "Mario", "Thanks for reaching out, Mario. Refunds reach"),
        ("email", "Mario", "Thanks for reaching out, Mario.\n\nRefunds reach"),
    ],
)
def test_a_name_ending_with_a_stop_gets_no_second_one(
    channel: str, customer: str, start: str
) -> None:
    # conversation "c1" picks "Thanks for reaching out, {{ customer.name }}." (neutral).
    reply = RENDERER.render(
        BASE.answer("refund-timing"), channel=channel, customer=customer, conversation_id="c1"
    )
    assert reply.text.startswith(start), reply.text


@pytest.mark.parametrize(
    ("customer", "start"),
    [
        # Punctuation alone was printed as the name: "Thanks for reaching out, ,."
        (",", "Thanks for reaching out. Refunds"),
        ("...", "Thanks for reaching out. Refunds"),
        (". . .", "Thanks for reaching out. Refunds"),
        ("-", "Thanks for reaching out. Refunds"),
        # A separator the sentence doubles: "Mario,."
        ("Mario,", "Thanks for reaching out, Mario. Refunds"),
        ("Mario;", "Thanks for reaching out, Mario. Refunds"),
        # Emoji and initials are names.
        ("🌸", "Thanks for reaching out, 🌸. Refunds"),
        ("J.", "Thanks for reaching out, J. Refunds"),
    ],
)
def test_a_name_of_punctuation_addresses_no_one(customer: str, start: str) -> None:
    reply = RENDERER.render(
        BASE.answer("refund-timing"), channel="x", customer=customer, conversation_id="c1"
    )
    assert reply.text.startswith(start), reply.text

"""Customers with no name, and handles that are never names (issue 13, point 1).

Every answer of the example base (answers/), on every channel, in every tone, for a
customer with no name or with only a handle: no "there" stand-in, no punctuation left
dangling where a name was, no handle printed as a name. A base's own openings get
nameless forms too (``anonymous_openings:``, or the name taken out). No model needed.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from replykb import AnswerBaseError, Customer, load_answer_base
from replykb.models import Answer, Settings
from replykb.render import (
    ABSENT_NAME,
    ANONYMOUS_OPENINGS,
    DEFAULT_OPENINGS,
    Renderer,
    choose_opening,
    customer_views,
    elide_absent_name,
    looks_like_handle,
    prints_customer_name,
)
from replykb.render.names import ABSENT_NAME_MARK

from .conftest import EXAMPLE_BASE, WriteBase

BASE = load_answer_base(EXAMPLE_BASE)
RENDERER = Renderer.for_base(BASE)
CHANNELS = sorted(BASE.settings.channels)
TONES = ["neutral", "apology", "thanks"]
# No name at all, a handle, a handle without its @, a model holding only a handle, a
# model whose "name" is a handle, and a name with no GSM-7 spelling (nameless on SMS).
NAMELESS = [
    None,
    "@giulia_r",
    "giulia_r",
    "mario.rossi",
    "tony1987",
    Customer(handle="@giulia_r"),
    Customer(name="@giulia_r"),
    Customer(name="", handle="giulia_r"),
    "   ",
]

THERE = re.compile(r"(?i)\bthere\b")
# Punctuation a missing name leaves: at the start of a line, after a space, doubled
# ("Hi ,", ", .", ",:", "!!" from "Hi !"), or a comma or colon ending the reply.
DANGLING = re.compile(r"(?m)^[ \t]*[,.;:!?]|[ \t][,.;:!?](?!\.\.)|[,;:][.,;:!?]|[,;:]\s*\Z|\(\s*\)")


def assert_reads_well(text: str, named: str | None = None) -> None:
    """No absent name, no punctuation left dangling; with ``named`` (the same reply to a
    customer with a name), no more "there"s than it has: none stands in for the name
    ("Sorry about this, there.", "Hi there!"), while an answer's own "there" is fine."""
    assert ABSENT_NAME_MARK not in text, f"an absent name was printed: {text!r}"
    if named is not None:
        assert len(THERE.findall(text)) <= len(THERE.findall(named)), (
            f"'there' stands in for a name: {text!r}"
        )
    found = DANGLING.search(text.replace("...", "…"))
    assert found is None, f"dangling punctuation {found.group()!r} in {text!r}"


def untagged(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html)


def with_tone(answer: Answer, tone: str) -> Answer:
    return answer.model_copy(update={"tone": tone})


@pytest.mark.parametrize("tone", TONES)
@pytest.mark.parametrize("channel", CHANNELS)
def test_every_answer_without_a_name_reads_well(channel: str, tone: str) -> None:
    """The issue's done-when: all answers x channels x tones, for a customer without a
    name, with no `there` stand-in and no dangling punctuation."""
    for answer in BASE.answers:
        for conversation in ("c0", "c1", "c2"):
            toned = with_tone(answer, tone)
            reply = RENDERER.render(
                toned, channel=channel, agent="paola", conversation_id=conversation
            )
            named = RENDERER.render(
                toned, channel=channel, agent="paola", conversation_id=conversation, customer="Zed"
            )
            assert reply.text, f"{answer.id} on {channel} rendered nothing"
            assert_reads_well(reply.text, named.text)
            if reply.html is not None:
                assert named.html is not None
                assert_reads_well(untagged(reply.html), untagged(named.html))
            if reply.private_reply is not None:
                assert named.private_reply is not None
                assert_reads_well(reply.private_reply.text, named.private_reply.text)


@pytest.mark.parametrize("customer", NAMELESS, ids=repr)
@pytest.mark.parametrize("channel", CHANNELS)
def test_a_handle_is_never_turned_into_a_name(channel: str, customer: object) -> None:
    for answer in BASE.answers:
        reply = RENDERER.render(answer, channel=channel, customer=customer, conversation_id="h")  # type: ignore[arg-type]
        nameless = RENDERER.render(answer, channel=channel, conversation_id="h")
        assert reply == nameless, "a handle gives the reply to a customer with no name"
        for text in (reply.text, reply.html or "", getattr(reply.private_reply, "text", "")):
            assert not re.search(r"(?i)giulia|mario\.rossi|tony1987", text), text
            assert_reads_well(untagged(text))


@pytest.mark.parametrize("tone", TONES)
@pytest.mark.parametrize("channel", CHANNELS)
def test_every_nameless_opening_on_every_channel(channel: str, tone: str) -> None:
    """Each built-in nameless form is reached (the conversation id picks it) and starts
    the reply as written."""
    answer = with_tone(BASE.answer("app-crash"), tone)
    seen = set()
    for conversation in range(80):
        reply = RENDERER.render(answer, channel=channel, conversation_id=f"v{conversation}")
        opening = next(o for o in ANONYMOUS_OPENINGS[tone] if reply.text.startswith(o))  # type: ignore[index]
        seen.add(opening)
        assert_reads_well(reply.text)
    assert seen == set(ANONYMOUS_OPENINGS[tone])  # type: ignore[index]


@pytest.mark.parametrize(
    ("customer", "printed"),
    [
        ("Giulia", "Giulia"),
        (Customer(name="Giulia Rossi", handle="@giulia_r"), "Giulia Rossi"),
        (Customer(name="giulia_r"), "giulia_r"),  # a name given as a name is used as given
        ("Anne-Marie", "Anne-Marie"),
        ("J.R.", "J.R."),
        ("Niccolò", "Niccolò"),
    ],
    ids=repr,
)
@pytest.mark.parametrize("channel", ["x", "facebook", "chat", "email"])
def test_a_display_name_is_used_when_given(channel: str, customer: object, printed: str) -> None:
    reply = RENDERER.render(
        BASE.answer("app-crash"),
        channel=channel,
        customer=customer,
        conversation_id="n",  # type: ignore[arg-type]
    )
    assert printed in reply.text.split("\n")[0]
    assert "@" not in reply.text.split(".")[0], "a public reply never @mentions the customer"


@pytest.mark.parametrize(
    ("text", "handle"),
    [
        ("@giulia_r", True),
        ("＠giulia_r", True),
        ("giulia_r", True),
        ("mario.rossi", True),
        ("tony1987", True),
        ("ольга_k", True),
        ("Mario", False),
        ("mario", False),
        ("Anne-Marie", False),
        ("J.R.", False),
        ("Mario Rossi", False),
        ("王芳", False),
        ("Zoë", False),
        ("a_" * 100, False),  # no platform has handles this long
    ],
)
def test_looks_like_handle(text: str, handle: bool) -> None:
    assert looks_like_handle(text) is handle


def test_the_absent_name_is_false_and_empty_in_templates() -> None:
    view = customer_views(None, RENDERER.channel("chat")[1])[0]
    assert view.anonymous and view.name is ABSENT_NAME
    assert not view.name and len(view.name) == 0


M = ABSENT_NAME_MARK


@pytest.mark.parametrize(
    ("rendered", "expected"),
    [
        (f"Hi {M}!", "Hi!"),
        (f"Hello {M}!", "Hello!"),
        (f"{M}, we're sorry for the trouble.", "We're sorry for the trouble."),
        (f"Sorry about this, {M}.", "Sorry about this."),
        (f"We're sorry, {M}: that's not it.", "We're sorry: that's not it."),
        (f"Hi {M}, thanks for getting in touch.", "Hi, thanks for getting in touch."),
        (f"Thanks, {M}, for writing.", "Thanks for writing."),
        (f"Thank you, {M}!", "Thank you!"),
        (f"<p>{M}, we are sorry</p>", "<p>We are sorry</p>"),
        (f"Ciao {M}! Come va?", "Ciao! Come va?"),
        (f"Grazie {M} per la pazienza.", "Grazie per la pazienza."),
        (f"¡Hola {M}!", "¡Hola!"),
        (f"{M}!", ""),
        (f"Hi {M.upper()}!", "Hi!"),
        ("No name here.", "No name here."),
    ],
)
def test_an_absent_name_is_taken_out_with_its_punctuation(rendered: str, expected: str) -> None:
    assert elide_absent_name(rendered) == expected


@pytest.mark.parametrize(
    ("source", "prints"),
    [
        ("Hi {{ customer.name }}!", True),
        ("Hi {{ customer }}!", True),
        ("Hi {{ customer.name | upper }}!", True),
        ("{% if customer.name %}Hi {{ customer.name }}{% else %}Hi{% endif %}!", True),
        ("Hi!", False),
        ("Hi {{ customer.handle }}!", False),
        ("Thanks for writing to {{ brand }}.", False),
    ],
)
def test_prints_customer_name(source: str, prints: bool) -> None:
    assert prints_customer_name(source) is prints


# --- a base's own openings ----------------------------------------------------------------


def settings_with(**fields: object) -> Settings:
    return Settings.model_validate({"brand": "Acme", "channels": {"chat": {}, "x": {}}, **fields})


ANSWER = Answer(id="refund", questions=["refund?"], answer="Refunds take 5 days.", tone="apology")


def openings_for(settings: Settings, customer: object, tone: str = "apology") -> set[str]:
    renderer = Renderer(settings)
    answer = ANSWER.model_copy(update={"tone": tone})
    return {
        renderer.render(
            answer, channel="chat", customer=customer, conversation_id=f"c{i}"
        ).text.split(" Refunds")[0]  # type: ignore[arg-type]
        for i in range(60)
    }


def test_a_base_gives_nameless_forms_of_its_openings() -> None:
    settings = settings_with(
        openings={
            "apology": ["Ci dispiace, {{ customer.name }}.", "{{ customer.name }}, scusaci."]
        },
        anonymous_openings={"apology": ["Ci dispiace.", "Scusaci."]},
    )
    assert openings_for(settings, "Giulia") == {"Ci dispiace, Giulia.", "Giulia, scusaci."}
    assert openings_for(settings, None) == {"Ci dispiace.", "Scusaci."}
    assert openings_for(settings, "@giulia_r") == {"Ci dispiace.", "Scusaci."}


def test_without_nameless_forms_a_base_uses_its_openings_that_print_no_name() -> None:
    settings = settings_with(
        openings={"apology": ["Ci dispiace, {{ customer.name }}.", "Ci scusiamo per il disagio."]}
    )
    assert openings_for(settings, None) == {"Ci scusiamo per il disagio."}


def test_when_every_opening_prints_a_name_the_name_is_taken_out() -> None:
    """Today's bug: a base's own openings printed "there" for a nameless customer."""
    settings = settings_with(
        openings={
            "apology": [
                "Ci dispiace, {{ customer.name }}.",
                "{{ customer.name }}, ci scusiamo per il disagio.",
                "Scusaci {{ customer.name }}!",
            ]
        }
    )
    assert openings_for(settings, None) == {
        "Ci dispiace.",
        "Ci scusiamo per il disagio.",
        "Scusaci!",
    }


def test_nameless_forms_only_for_one_tone_leave_the_others_built_in() -> None:
    settings = settings_with(anonymous_openings={"thanks": ["Grazie!"]})
    assert openings_for(settings, None, "thanks") == {"Grazie!"}
    assert openings_for(settings, None, "apology") <= set(ANONYMOUS_OPENINGS["apology"])
    assert openings_for(settings, "Giulia", "thanks") <= {
        o.replace("{{ customer.name }}", "Giulia") for o in DEFAULT_OPENINGS["thanks"]
    }


def test_the_same_conversation_keeps_the_opening_at_the_same_place() -> None:
    """Named and nameless forms are paired by position, so a customer whose name becomes
    known mid-conversation keeps the same opening."""
    for i in range(40):
        named = choose_opening(settings_with(), "apology", anonymous=False, conversation_id=str(i))
        nameless = choose_opening(
            settings_with(), "apology", anonymous=True, conversation_id=str(i)
        )
        assert named.index == nameless.index
        assert nameless.source == ANONYMOUS_OPENINGS["apology"][named.index]


@pytest.mark.parametrize(
    ("template", "named", "nameless"),
    [
        (
            "{% if customer.name %}Caro {{ customer.name }},{% else %}Salve,{% endif %}\n\n{{ body }}",
            "Caro Giulia,\n\nRefunds take 5 days.",
            "Salve,\n\nRefunds take 5 days.",
        ),
        (
            "{{ body }} Thanks, {{ customer.name }}!",
            "Refunds take 5 days. Thanks, Giulia!",
            "Refunds take 5 days. Thanks!",
        ),
        (
            "{{ body }} ({{ customer.name | length }})",
            "Refunds take 5 days. (6)",
            "Refunds take 5 days. (0)",
        ),
    ],
)
def test_channel_templates_see_a_false_absent_name(
    template: str, named: str, nameless: str
) -> None:
    renderer = Renderer(settings_with(), {"chat.j2": template})
    answer = ANSWER.model_copy(update={"tone": "neutral"})
    assert renderer.render(answer, channel="chat", customer="Giulia").text == named
    assert renderer.render(answer, channel="chat").text == nameless


def test_anonymous_openings_load_from_replykb_yaml(write_base: WriteBase) -> None:
    root = write_base(
        {
            "replykb.yaml": """\
                brand: Acme
                channels: {chat: {}}
                openings:
                  neutral: ["Ciao {{ customer.name }}!"]
                anonymous_openings:
                  neutral: ["Ciao!"]
                """,
            "refund.yaml": "questions: [refund?]\nanswer: Refunds take 5 days.\n",
        }
    )
    base = load_answer_base(root)
    renderer = Renderer.for_base(base)
    assert renderer.render(base.answers[0], channel="chat").text.startswith("Ciao! Refunds")


def test_a_misspelt_anonymous_openings_key_is_located(write_base: WriteBase) -> None:
    root = write_base(
        {
            "replykb.yaml": "brand: Acme\nanonymous_opening:\n  neutral: [Ciao!]\n",
            "refund.yaml": "questions: [refund?]\nanswer: Refunds take 5 days.\n",
        }
    )
    with pytest.raises(AnswerBaseError) as raised:
        load_answer_base(root)
    assert "replykb.yaml:2" in str(raised.value) and "anonymous_openings" in str(raised.value)


def test_a_template_error_in_an_anonymous_opening_names_its_line(write_base: WriteBase) -> None:
    root = write_base(
        {
            "replykb.yaml": "brand: Acme\nchannels: {chat: {}}\nanonymous_openings:\n  neutral:\n    - Ciao {{ nope }}!\n",
            "refund.yaml": "questions: [refund?]\nanswer: Refunds take 5 days.\n",
        }
    )
    base = load_answer_base(root)
    with pytest.raises(Exception) as raised:
        Renderer.for_base(base).render(base.answers[0], channel="chat")
    error = raised.value
    assert getattr(error, "what", None) == "opening" and getattr(error, "name", None) == "nope"
    assert f"{Path(root, 'replykb.yaml')}:5" in str(error)


# --- how each public platform reaches the customer ---------------------------------------

PRESETS = Renderer(Settings.model_validate({"brand": "Acme"}))


@pytest.mark.parametrize(
    ("customer", "name", "mention"),
    [
        ("@giulia_r@mastodon.social", None, "@giulia_r@mastodon.social"),
        ("@giulia_r", None, "@giulia_r"),
        ("giulia_r", None, "@giulia_r"),
        (
            Customer(name="Giulia", handle="@giulia_r@social.example"),
            "Giulia",
            "@giulia_r@social.example",
        ),
        ("Giulia", "Giulia", ""),
        (None, None, ""),
        (Customer(handle="@evil https://x.example"), None, ""),
        (Customer(handle="@a@b"), None, ""),
    ],
    ids=repr,
)
def test_mastodon_replies_start_with_the_customers_mention(
    customer: object, name: str | None, mention: str
) -> None:
    """Mastodon notifies only the accounts a status mentions; X, Facebook, Instagram,
    Bluesky and Threads notify the author of what is replied to."""
    reply = PRESETS.render(ANSWER, channel="mastodon", customer=customer, conversation_id="m")  # type: ignore[arg-type]
    by_name = PRESETS.render(ANSWER, channel="mastodon", customer=name, conversation_id="m")
    assert reply.text == (f"{mention} {by_name.text}" if mention else by_name.text)
    # Mastodon counts a remote mention without its domain.
    domain = mention.split("@")[2] if mention.count("@") == 2 else ""
    assert reply.length == len(reply.text) - (len(domain) + 1 if domain else 0)
    for channel in ("x", "facebook", "instagram", "bluesky", "threads", "linkedin"):
        other = PRESETS.render(ANSWER, channel=channel, customer=customer, conversation_id="m")  # type: ignore[arg-type]
        assert "@" not in other.text and "giulia_r" not in other.text


@settings(max_examples=200, deadline=None)
@given(
    handle=st.from_regex(r"@?[A-Za-z][A-Za-z0-9_]{0,14}", fullmatch=True).filter(
        lambda h: "_" in h or h.startswith("@") or any(c.isdigit() for c in h)
    ),
    channel=st.sampled_from(CHANNELS),
    answer=st.sampled_from(BASE.answers),
)
def test_no_handle_is_ever_printed_as_a_name(handle: str, channel: str, answer: Answer) -> None:
    """Any X-style handle, with or without its @, on any channel of the example base."""
    reply = RENDERER.render(answer, channel=channel, customer=handle, conversation_id=handle)
    nameless = RENDERER.render(answer, channel=channel, conversation_id=handle)
    assert reply == nameless

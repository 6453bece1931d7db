"""Ticket details in replies (issue 13, point 3).

An answer declares the details it prints (``details: {order_id: {fallback: ...}}``) and
uses them as ``{{ details.order_id }}``; a request gives them
(``render(..., details={...})``). A missing detail never leaves a hole, a placeholder or
``None``: the fallback is printed, or the next form of the answer is used, or the reply
has no text and says what it needs. Details are data (never templates), bounded, and
never shown on public channels. No model needed.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from replykb import AnswerBaseError, MessageError, load_answer_base
from replykb.details import MAX_DETAIL_CHARS, MAX_DETAILS
from replykb.models import Answer, Settings
from replykb.render import Renderer, clean_details
from replykb.render.detailview import DETAIL_MARKS

from .conftest import EXAMPLE_BASE, WriteBase

SETTINGS = Settings.model_validate(
    {
        "brand": "Acme",
        "channels": {
            "chat": {},
            "email": {},
            "x": {},
            "sms": {},
            "facebook": {},
            "open": {"limit": None, "count": "chars", "family": "chat"},
            "wall": {"limit": None, "count": "chars", "family": "chat", "public": True},
        },
    }
)
RENDERER = Renderer(SETTINGS)
ORDER = "FH1234567"
TRACKING = "https://track.example/FH1234567"


def make_answer(**fields: object) -> Answer:
    values: dict[str, object] = {
        "id": "where-is-my-order",
        "questions": ["where is my order?"],
        "answer": "Your order {{ details.order_id }} is on its way: follow it at {{ details.tracking_url }}.",
        "details": {
            "order_id": {"fallback": "your order", "description": "FH and 7 digits"},
            "tracking_url": {"fallback": "https://help.acme.example/track"},
        },
    }
    return Answer.model_validate({**values, **fields})


def body(channel: str, answer: Answer, **details: object) -> str:
    return RENDERER.render(answer, channel=channel, details=details, conversation_id="c").text


@pytest.mark.parametrize("channel", ["chat", "email", "sms", "open"])
def test_details_are_printed_on_private_channels(channel: str) -> None:
    text = body(channel, make_answer(), order_id=ORDER, tracking_url=TRACKING)
    assert f"Your order {ORDER} is on its way: follow it at {TRACKING}." in text


@pytest.mark.parametrize("channel", ["chat", "email", "sms", "open"])
def test_a_missing_detail_prints_its_fallback(channel: str) -> None:
    text = body(channel, make_answer(), order_id=ORDER)
    assert (
        f"Your order {ORDER} is on its way: follow it at https://help.acme.example/track." in text
    )
    text = body(channel, make_answer(), tracking_url=TRACKING, order_id=None)
    assert f"Your order your order is on its way: follow it at {TRACKING}." in text


@pytest.mark.parametrize("channel", ["x", "facebook", "wall"])
def test_public_channels_never_show_a_ticket_detail(channel: str) -> None:
    text = body(channel, make_answer(), order_id=ORDER, tracking_url=TRACKING)
    assert ORDER not in text and TRACKING not in text
    assert "your order is on its way" in text.replace("Your order your", "your")


def test_a_detail_without_fallback_skips_to_a_form_that_does_not_need_it() -> None:
    answer = make_answer(
        answer="Your refund of {{ details.amount }} reaches your card within 5 working days.",
        short="Refunds reach your card within 5 working days.",
        details={"amount": {}},
    )
    reply = RENDERER.render(answer, channel="chat")
    assert reply.form == "short" and reply.needs_details == []
    assert "Refunds reach your card within 5 working days." in reply.text
    given = RENDERER.render(answer, channel="chat", details={"amount": "£23.50"})
    assert given.form == "full" and "Your refund of £23.50 reaches" in given.text


@pytest.mark.parametrize("channel", ["chat", "email", "sms", "x", "wall"])
def test_when_every_form_needs_a_missing_detail_the_reply_says_so(channel: str) -> None:
    answer = make_answer(
        answer="Your refund of {{ details.amount }} for {{ details.order_id }} is on its way.",
        short="{{ details.amount }} refunded.",
        details={"amount": {}, "order_id": {"fallback": "your order"}},
    )
    reply = RENDERER.render(answer, channel=channel, details={"order_id": ORDER})
    assert reply.form == "needs_details" and reply.needs_details == ["amount"]
    assert reply.text == "" and reply.length == 0 and reply.html is None
    if channel in ("chat", "email", "sms"):
        given = RENDERER.render(answer, channel=channel, details={"amount": "£23.50"})
        assert given.needs_details == [] and "£23.50" in given.text


def test_an_undeclared_detail_is_needed_too() -> None:
    answer = make_answer(answer="Your code is {{ details.code }}.", details={})
    assert RENDERER.render(answer, channel="chat").needs_details == ["code"]
    assert (
        "Your code is X1." in RENDERER.render(answer, channel="chat", details={"code": "X1"}).text
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "{% if details.order_id %}Order {{ details.order_id }}{% else %}Your order{% endif %} ships today.",
            ("Order FH1234567 ships today.", "Your order ships today."),
        ),
        (
            "{{ details.order_id | default('your order', true) }} ships today.",
            ("FH1234567 ships today.", "your order ships today."),
        ),
        (
            "Your order{% if 'order_id' in details %} {{ details.order_id }}{% endif %} ships today.",
            ("Your order FH1234567 ships today.", "Your order ships today."),
        ),
    ],
)
def test_templates_can_ask_whether_the_ticket_has_a_detail(
    text: str, expected: tuple[str, str]
) -> None:
    """A detail the ticket lacks is false, with or without a fallback."""
    for declared in ({}, {"order_id": {"fallback": "your order"}}):
        answer = make_answer(answer=text, details=declared)
        with_it, without = (
            RENDERER.render(answer, channel="open", details=d, conversation_id="c").text
            for d in ({"order_id": ORDER}, {})
        )
        assert expected[0] in with_it and expected[1] in without


@pytest.mark.parametrize(
    "value",
    ["{{ 7*7 }}", "{% for x in range(9) %}x{% endfor %}", "{{ ''.__class__ }}", "None", "<b>1</b>"],
)
def test_detail_values_are_data_never_templates(value: str) -> None:
    reply = RENDERER.render(make_answer(), channel="email", details={"order_id": value})
    assert f"Your order {value} is on its way" in reply.text
    assert "49" not in reply.text
    assert reply.html is not None and "<b>1</b>" not in reply.html


@pytest.mark.parametrize(
    ("value", "printed"),
    [("FH\u202e1234", "FH1234"), ("FH\n1234", "FH 1234"), (1234567, "1234567"), ("  ", None)],
)
def test_detail_values_are_cleaned_like_customer_text(value: object, printed: str | None) -> None:
    text = body("open", make_answer(), order_id=value)
    assert f"Your order {printed or 'your order'} is on its way" in text


@pytest.mark.parametrize(
    ("details", "message"),
    [
        ("FH1234567", "must be an object of detail names and values"),
        ({"Order-ID": "1"}, "'Order-ID' is not a detail name"),
        ({"order_id": True}, "`order_id` must be text or a whole number, not true"),
        ({"order_id": 12.5}, "`order_id` must be text or a whole number, not a number"),
        ({"order_id": ["FH1"]}, "not a list"),
        ({"order_id": "x" * (MAX_DETAIL_CHARS + 1)}, f"at most {MAX_DETAIL_CHARS}"),
        ({f"d{i}": "x" for i in range(MAX_DETAILS + 1)}, f"at most {MAX_DETAILS} are accepted"),
        ({"order_id": "FH\ud800"}, "lone surrogate"),
    ],
)
def test_bad_details_are_a_clear_error(details: object, message: str) -> None:
    with pytest.raises(MessageError) as raised:
        RENDERER.render(make_answer(), channel="chat", details=details)  # type: ignore[arg-type]
    assert str(raised.value).startswith("`details` ") and message in str(raised.value)


def test_a_detail_named_like_a_method_is_a_detail() -> None:
    answer = make_answer(answer="Items: {{ details.items }}, keys: {{ details.keys }}.", details={})
    assert "Items: 3, keys: 2." in body("open", answer, items="3", keys=2)


@pytest.mark.parametrize(
    ("yaml", "message"),
    [
        ("details:\n  order-id: {fallback: your order}\n", "is not a detail name"),
        ("details:\n  order_id: {fallbak: your order}\n", "did you mean `fallback`"),
        ("details:\n  order_id: {fallback: '  '}\n", "must not be blank"),
        ("details:\n  order_id: your order\n", "order_id"),
    ],
)
def test_a_bad_details_declaration_is_located(
    write_base: WriteBase, yaml: str, message: str
) -> None:
    root = write_base(
        {"order.yaml": f"questions: [where is my order?]\nanswer: On its way.\n{yaml}"}
    )
    with pytest.raises(AnswerBaseError) as raised:
        load_answer_base(root)
    text = str(raised.value)
    assert "order.yaml:" in text and message in text


def test_the_example_base_uses_details_with_fallbacks() -> None:
    base = load_answer_base(EXAMPLE_BASE)
    answer = base.answer("where-is-my-order")
    renderer = Renderer.for_base(base)
    without = renderer.render(answer, channel="chat", agent="paola", customer="Mario").text
    assert "follow your order step by step at https://help.fernhill.example/orders/track" in without
    with_them = renderer.render(
        answer,
        channel="chat",
        agent="paola",
        customer="Mario",
        details={"order_id": ORDER, "tracking_url": TRACKING},
    ).text
    assert f"follow {ORDER} step by step at {TRACKING}" in with_them
    assert "chase the courier" in with_them and "Send us your order number" not in with_them


# --- property: a missing detail never leaves a hole ------------------------------------------

NAMES = ["order_id", "tracking_url", "amount", "delivery_date"]
WORDS = st.sampled_from(["Your", "order", "ships", "on", "today", "refund", "of", "at", "🎉", "è"])
REFERENCE = st.sampled_from(NAMES).map(lambda name: "{{ details." + name + " }}")
TEXT = st.lists(st.one_of(WORDS, REFERENCE), min_size=1, max_size=20).map(" ".join)
FALLBACK = st.one_of(st.none(), st.sampled_from(["your order", "soon", "our tracking page"]))
VALUE = st.one_of(
    st.none(),
    st.just(""),
    st.integers(min_value=0, max_value=10**12),
    st.text(
        alphabet=st.characters(
            codec="utf-8", exclude_categories=("Cs",), exclude_characters="{}[]%"
        ),
        max_size=40,
    ).filter(lambda text: "None" not in text),
)
HOLE = re.compile(r"None|\{\{|\}\}|\{%|\[|\]|<[a-z_]+>|\bdetails\.")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=TEXT,
    short=st.one_of(st.none(), TEXT),
    fallbacks=st.fixed_dictionaries({name: FALLBACK for name in NAMES}),
    declared=st.sets(st.sampled_from(NAMES)),
    values=st.dictionaries(st.sampled_from(NAMES), VALUE, max_size=4),
    channel=st.sampled_from(["open", "wall", "chat", "x", "sms", "email"]),
)
def test_a_missing_detail_never_leaves_a_hole(
    text: str,
    short: str | None,
    fallbacks: dict[str, str | None],
    declared: set[str],
    values: dict[str, object],
    channel: str,
) -> None:
    details = {
        name: ({"fallback": fallbacks[name]} if fallbacks[name] else {}) for name in declared
    }
    answer = make_answer(answer=text, short=short, details=details)
    try:
        reply = RENDERER.render(answer, channel=channel, details=values)
    except Exception as error:  # only a reply too long for the channel may fail
        assert type(error).__name__ == "ReplyTooLongError", error
        return
    public = RENDERER.channel(channel)[1].public
    # What the request gives, as printed (control characters are spaces; blank is missing).
    cleaned = clean_details(values)
    given = set() if public else set(cleaned)
    with_fallback = {name for name in declared if fallbacks[name]}
    for part in (reply.text, reply.html or ""):
        assert not DETAIL_MARKS.search(part), f"a hole in {part!r}"
        assert not HOLE.search(re.sub(r"</?p>|<br>", "", part)), f"a placeholder in {part!r}"
    if reply.form == "needs_details":
        assert reply.text == "" and reply.needs_details
        used = set(re.findall(r"details\.(\w+)", text + (short or "")))
        assert set(reply.needs_details) <= used - given - with_fallback
    else:
        assert reply.needs_details == [] and reply.text
        # The form sent prints only details the ticket gives or the answer has words for.
        sent = short if reply.form == "short" else text
        assert set(re.findall(r"details\.(\w+)", sent or "")) <= given | with_fallback
        for name in given:
            if re.search(rf"details\.{name}\b", text) and reply.form == "full":
                assert cleaned[name] in reply.text

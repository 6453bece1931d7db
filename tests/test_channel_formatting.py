"""Formatting per channel: answers written in Markdown, shown as each platform shows text
(plain where Markdown is not rendered, WhatsApp's own marks, Markdown kept where a chat
widget renders it), with the length counted on what the customer sees."""

from __future__ import annotations

import re
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from replykb import load_answer_base
from replykb.length import count_length
from replykb.models import Answer, Settings
from replykb.render import Renderer
from replykb.render.formatting import convert_markdown, convert_template, raw_markdown

from .conftest import EXAMPLE_BASE, WriteBase

# (Markdown, plain, WhatsApp)
CONVERSIONS = [
    ("**Important:** read this", "Important: read this", "*Important:* read this"),
    ("__Important__ too", "Important too", "*Important* too"),
    ("it takes *5 working days*", "it takes 5 working days", "it takes _5 working days_"),
    ("it takes _5 working days_", "it takes 5 working days", "it takes _5 working days_"),
    ("a ~~Post Office~~ locker", "a Post Office locker", "a ~Post Office~ locker"),
    ("***both*** at once", "both at once", "*_both_* at once"),
    ("**_nested_** and _**nested**_", "nested and nested", "*_nested_* and _*nested*_"),
    ("use `SAVE10` at checkout", "use SAVE10 at checkout", "use `SAVE10` at checkout"),
    (
        "see [the refund page](https://help.acme.example/refunds) today",
        "see the refund page https://help.acme.example/refunds today",
        "see the refund page https://help.acme.example/refunds today",
    ),
    (
        'see [our page](https://help.acme.example/a_b_c "Help") or <https://acme.example/x_y_>',
        "see our page https://help.acme.example/a_b_c or https://acme.example/x_y_",
        "see our page https://help.acme.example/a_b_c or https://acme.example/x_y_",
    ),
    # A link whose text is its address prints the address once.
    (
        "[https://acme.example/help](https://acme.example/help) or [acme.example](https://acme.example/)",
        "https://acme.example/help or https://acme.example/",
        "https://acme.example/help or https://acme.example/",
    ),
    (
        "write to <mailto:help@acme.example>",
        "write to help@acme.example",
        "write to help@acme.example",
    ),
    ("# Returns\nAll free.", "Returns\nAll free.", "*Returns*\nAll free."),
    ("## **Returns** ##\nAll free.", "Returns\nAll free.", "*Returns*\nAll free."),
    (
        "Steps:\n* print the label\n+ pack it\n- drop it off\n1. done",
        "Steps:\n- print the label\n- pack it\n- drop it off\n1. done",
        "Steps:\n- print the label\n- pack it\n- drop it off\n1. done",
    ),
    ("  * indented item", "  - indented item", "  - indented item"),
    ("-\tdash item\n*\tstar item", "-\tdash item\n-\tstar item", "-\tdash item\n-\tstar item"),
    (
        "Code:\n```\n**as is**\n```\nafter **bold**",
        "Code:\n**as is**\nafter bold",
        "Code:\n```\n**as is**\n```\nafter *bold*",
    ),
    (
        r"a literal \*star\* and \_under\_",
        "a literal *star* and _under_",
        "a literal *star* and _under_",
    ),
    # Left as written: marks inside words, arithmetic, handles, URLs, unclosed marks.
    (
        "snake_case, file__name__x, 2*3*4, a**b**c, @first_last_",
        "snake_case, file__name__x, 2*3*4, a**b**c, @first_last_",
        "snake_case, file__name__x, 2*3*4, a**b**c, @first_last_",
    ),
    (
        "https://acme.example/_x_/*y*/ and www.acme.example/__init__",
        "https://acme.example/_x_/*y*/ and www.acme.example/__init__",
        "https://acme.example/_x_/*y*/ and www.acme.example/__init__",
    ),
    ("5 * 3 = 15 and 10 * 2", "5 * 3 = 15 and 10 * 2", "5 * 3 = 15 and 10 * 2"),
    (
        "Prices from £5* (*terms apply)",
        "Prices from £5* (*terms apply)",
        "Prices from £5* (*terms apply)",
    ),
    ("#1 in customer care", "#1 in customer care", "#1 in customer care"),
    (
        "**bold across\nlines** stays",
        "**bold across\nlines** stays",
        "**bold across\nlines** stays",
    ),
]


@pytest.mark.parametrize(("markdown", "plain", "whatsapp"), CONVERSIONS)
def test_markdown_per_format(markdown: str, plain: str, whatsapp: str) -> None:
    assert convert_markdown(markdown, "plain") == plain
    # The text part of an e-mail is plain text.
    assert convert_markdown(markdown, "html") == plain
    assert convert_markdown(markdown, "whatsapp") == whatsapp
    assert convert_markdown(markdown, "markdown") == markdown


# Prose with no Markdown mark: whatever it says, every format returns it as written.
PROSE = st.lists(
    st.sampled_from(
        [*"abcXYZ019 .,;:!?'\"()/@&%£€-–—\n\tàéç", "😡", "https://a.example/x_y", "@ann_b"]
    ),
    max_size=60,
).map("".join)


@given(PROSE)
def test_text_without_markdown_is_unchanged_byte_for_byte(text: str) -> None:
    for output in ("plain", "whatsapp", "html", "markdown"):
        assert convert_markdown(text, output) == text


EXAMPLE = load_answer_base(EXAMPLE_BASE)


@pytest.mark.parametrize("answer", EXAMPLE.answers, ids=lambda a: a.id)
def test_example_answers_show_no_markdown_marks_on_plain_channels(answer) -> None:  # type: ignore[no-untyped-def]
    for source in filter(None, (answer.answer, answer.short)):
        text = re.sub(r"\{\{.*?\}\}", "https://acme.example/x", source)  # {{ link }}
        for output in ("plain", "whatsapp"):
            shown = convert_markdown(text, output)
            assert "**" not in shown and "](" not in shown and "__" not in shown
            assert raw_markdown(text, output) == []


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("| day | time |\n|---|---|\n| Mon | 9-17 |", ["a table"]),
        ("see ![the map](https://acme.example/map.png)", ["an image"]),
        ("call us <b>now</b>", ["an HTML tag"]),
        ("this is **not closed", ["bold or strike marks left open"]),
        ("[a link](https://acme.example/a b)", ["a link left as Markdown"]),
        ("all fine: **bold**, _it_, [link](https://acme.example), `a**b`", []),
        ("e-mail us at <help@acme.example>, 5 < 6 > 4", []),
    ],
)
def test_raw_markdown_names_what_a_plain_channel_would_show_as_written(
    text: str, found: list[str]
) -> None:
    assert raw_markdown(text, "plain") == found
    assert raw_markdown(text, "markdown") == []


# --- as replies: the renderer converts each body before fitting it ---------------------

CHANNELS = {**EXAMPLE.settings.model_dump(mode="json")["channels"], "whatsapp": {}}
RENDERER = Renderer(
    Settings.model_validate({**EXAMPLE.settings.model_dump(mode="json"), "channels": CHANNELS}),
    dict(EXAMPLE.templates),
)
MARKDOWN_ANSWERS = ("how-to-return", "reset-password")


@pytest.mark.parametrize("channel", sorted(CHANNELS))
@pytest.mark.parametrize("answer", EXAMPLE.answers, ids=lambda a: a.id)
def test_every_example_answer_as_each_channel_shows_it(answer: Answer, channel: str) -> None:
    reply = RENDERER.render(answer, channel=channel, agent="paola", customer="Mario")
    spec = RENDERER.settings.channels[reply.channel]
    # The length is that of the text sent, as the platform counts it, within its limit.
    assert reply.length == count_length(reply.text, spec.count)
    assert spec.limit is None or reply.length <= spec.limit
    sent = [reply.text, reply.html or "", reply.private_reply.text if reply.private_reply else ""]
    if spec.format == "markdown":
        if answer.id in MARKDOWN_ANSWERS and reply.form == "full":
            assert "**" in reply.text
        return
    for text in sent:
        assert "**" not in text and "](" not in text
        if spec.format != "whatsapp":
            assert "_1 hour_" not in text


@pytest.mark.parametrize(
    ("channel", "expected"),
    [
        ("x", "Returns are free:\n1. Start yours at https://help.fernhill.example/returns/start."),
        (
            "sms",
            "Returns are free:\n1. Start yours at https://help.fernhill.example/returns/start.",
        ),
        (
            "whatsapp",
            "Returns are *free*:\n1. Start yours at https://help.fernhill.example/returns/start.",
        ),
        (
            "chat",
            "Returns are **free**:\n1. Start yours at https://help.fernhill.example/returns/start.",
        ),
        (
            "email",
            "Returns are free:\n1. Start yours at https://help.fernhill.example/returns/start.",
        ),
    ],
)
def test_a_markdown_list_per_channel(channel: str, expected: str) -> None:
    reply = RENDERER.render(EXAMPLE.answer("how-to-return"), channel=channel, customer="Mario")
    assert expected in reply.text
    assert "3. Drop the parcel at any Post Office or InPost locker." in reply.text


@pytest.mark.parametrize(
    ("channel", "expected"),
    [
        (
            "facebook",
            "Choose Forgot password on the sign-in page or open our reset page "
            "https://help.fernhill.example/account/password, and we'll e-mail you a reset link "
            "that works for 1 hour.",
        ),
        (
            "whatsapp",
            "Choose *Forgot password* on the sign-in page or open our reset page "
            "https://help.fernhill.example/account/password, and we'll e-mail you a reset link "
            "that works for _1 hour_.",
        ),
        (
            "chat",
            "Choose **Forgot password** on the sign-in page or open [our reset page]"
            "(https://help.fernhill.example/account/password), and we'll e-mail you a reset link "
            "that works for _1 hour_.",
        ),
    ],
)
def test_emphasis_and_links_per_channel(channel: str, expected: str) -> None:
    reply = RENDERER.render(EXAMPLE.answer("reset-password"), channel=channel, customer="Mario")
    assert expected in reply.text


def tight_renderer(limit: int | None, output: str = "plain") -> Renderer:
    channel = {"limit": limit, "count": "chars", "family": "chat", "format": output}
    return Renderer(Settings.model_validate({"brand": "Acme", "channels": {"tight": channel}}))


MARKED = Answer(
    id="refund-timing",
    questions=["refund?"],
    answer="Refunds take **5 working days**: see [the refund page]({{ link }}).",
    short="Refunds: 5 working days.",
    link="https://acme.example/refunds",
)


def test_the_length_is_counted_after_formatting() -> None:
    shown = tight_renderer(None).render(MARKED, channel="tight")
    assert "Refunds take 5 working days: see the refund page https://acme.example/refunds." in (
        shown.text
    )
    # Exactly what the customer sees fits, although the Markdown written is longer.
    exact = tight_renderer(shown.length).render(MARKED, channel="tight")
    assert (exact.form, exact.text, exact.length) == ("full", shown.text, shown.length)
    assert tight_renderer(shown.length - 1).render(MARKED, channel="tight").form == "short"
    # Kept as Markdown, the same limit takes the short form: the marks count there.
    assert tight_renderer(shown.length, "markdown").render(MARKED, channel="tight").form == "short"


def test_a_cut_reply_is_cut_from_the_converted_text() -> None:
    answer = MARKED.model_copy(update={"short": None, "answer": "**Refunds** " + "take time " * 30})
    reply = tight_renderer(80).render(answer, channel="tight")
    assert reply.form == "cut" and reply.length <= 80
    assert "**" not in reply.text and "Refunds take time" in reply.text


def test_a_bases_private_invitation_is_converted_too(write_base: WriteBase) -> None:
    root = write_base(
        {
            "templates/private_invite.j2": "Please **DM us**: we'll look into it privately.",
            "a.yaml": "questions: [my order]\nanswer: Your order.\nprivate: true\n",
        }
    )
    base = load_answer_base(root)
    reply = Renderer.for_base(base).render(base.answer("a"), channel="x")
    assert reply.form == "private_invite"
    assert "Please DM us: we'll look into it privately." in reply.text


# --- what a reply prints of the customer and the ticket is data, never Markdown ---------


@pytest.mark.parametrize(
    ("source", "plain", "whatsapp"),
    [
        ("See [our page]({{ link }}).", "See our page {{ link }}.", "See our page {{ link }}."),
        (
            "Order **{{ details.order_id }}**",
            "Order {{ details.order_id }}",
            "Order *{{ details.order_id }}*",
        ),
        (
            "{% if details.order_id %}**Found** it{% else %}_Not yet_{% endif %}",
            "{% if details.order_id %}Found it{% else %}Not yet{% endif %}",
            "{% if details.order_id %}*Found* it{% else %}_Not yet_{% endif %}",
        ),
        (
            "{{ a_b_c }} and {# _note_ #} {{ '**' }}",
            "{{ a_b_c }} and {# _note_ #} {{ '**' }}",
            None,
        ),
    ],
)
def test_a_templates_tags_are_kept_as_written(
    source: str, plain: str, whatsapp: str | None
) -> None:
    assert convert_template(source, "plain") == plain
    assert convert_template(source, "whatsapp") == (whatsapp or plain)
    assert convert_template(source, "markdown") == source


DETAILED = Answer(
    id="order-status",
    questions=["where is my order"],
    answer="Your order **{{ details.order_id }}** is on its way: _{{ details.note }}_.",
    details={"order_id": {"fallback": "your order"}, "note": {"fallback": "no note"}},
)


@pytest.mark.parametrize(
    ("output", "expected"),
    [
        ("plain", "Your order A_12_B**x** is on its way: *urgent* __init__."),
        ("whatsapp", "Your order *A_12_B**x*** is on its way: _*urgent* __init___."),
        ("markdown", "Your order **A_12_B**x**** is on its way: _*urgent* __init___."),
    ],
)
def test_ticket_details_print_as_given_whatever_the_format(output: str, expected: str) -> None:
    reply = tight_renderer(None, output).render(
        DETAILED, channel="tight", details={"order_id": "A_12_B**x**", "note": "*urgent* __init__"}
    )
    assert expected in reply.text


# Each opening mark with no closing one used to scan the rest of its line (or text), so
# these took from 5 seconds to minutes; now each conversion is linear in the text.
HOSTILE_SOURCES = {
    "italic-openings": "*a " * 20_000,
    "bold-openings": "**a " * 20_000,
    "underscore-openings": "__a " * 20_000,
    "strike-openings": "~~a " * 20_000,
    "jinja-openings": "{{" * 40_000,
    "jinja-block-openings": "{%" * 40_000,
    "image-openings": "![a](" * 40_000,
}


@pytest.mark.parametrize("source", HOSTILE_SOURCES.values(), ids=HOSTILE_SOURCES)
@pytest.mark.parametrize("output", ["plain", "whatsapp"])
def test_a_long_line_of_unclosed_marks_converts_in_linear_time(source: str, output: str) -> None:
    started = time.perf_counter()
    assert convert_markdown(source, output)
    assert convert_template(source, output)
    raw_markdown(source, output)
    assert time.perf_counter() - started < 4.0  # was 5 s to minutes; now well under 1 s


@pytest.mark.parametrize(
    ("source", "plain", "raw"),
    [
        ("**" + "a" * 998 + "**", "a" * 998, []),
        # Emphasis over 1,000 characters is shown as written, and `check` names it.
        ("**" + "a" * 1_001 + "**", "**" + "a" * 1_001 + "**", ["bold or strike marks left open"]),
        ("{{ x }} *y* {{ z", "{{ x }} y {{ z", []),
    ],
)
def test_emphasis_has_a_bounded_span(source: str, plain: str, raw: list[str]) -> None:
    assert convert_template(source, "plain") == plain
    assert raw_markdown(source, "plain") == raw

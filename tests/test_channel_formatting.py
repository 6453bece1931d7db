"""Formatting per channel: answers written in Markdown, shown as each platform shows text
(plain where Markdown is not rendered, WhatsApp's own marks, Markdown kept where a chat
widget renders it), with the length counted on what the customer sees."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from replykb import load_answer_base
from replykb.render.formatting import convert_markdown, raw_markdown

from .conftest import EXAMPLE_BASE

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
    for text in filter(None, (answer.answer, answer.short)):
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

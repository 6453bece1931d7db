"""RKB203: Markdown in an answer that a channel would show as written (tables, images,
HTML tags, marks left open), once per answer field, naming the channels."""

from __future__ import annotations

from .check_helpers import REFUND, SETTINGS, assert_one, base_files, check, found, line_of
from .conftest import WriteBase

TABLE = """\
answer: |-
  Refunds reach your account within 5 working days of approval:
  | card | days |
  |------|------|
  | Visa | 5    |
"""


def with_answer(text: str) -> str:
    """REFUND with its `answer:` replaced by ``text`` (a YAML `answer:` entry)."""
    start = REFUND.index("answer:")
    end = REFUND.index("short:")
    return REFUND[:start] + text + REFUND[end:]


def test_rkb203_a_table_shows_raw_on_plain_channels(write_base: WriteBase, real_embedder) -> None:  # type: ignore[no-untyped-def]
    text = with_answer(TABLE + "  Follow yours at {{ link }}.\n")
    root = write_base(base_files(refund_timing=text))
    report = check(root, real_embedder)
    finding = assert_one(
        report,
        "RKB203",
        root / "refund-timing.yaml",
        line_of(text, "answer:"),
        contains=[
            "`answer` of 'refund-timing' has a table, which x, sms, facebook, email, x_dm, messenger show"
        ],
    )
    assert finding.answer == "refund-timing"
    assert finding.severity == "warning"


def test_rkb203_open_marks_and_html_are_one_finding_each(
    write_base: WriteBase, real_embedder
) -> None:  # type: ignore[no-untyped-def]
    text = REFUND.replace('short: "Refunds arrive', 'short: "<b>Refunds</b> arrive **within')
    root = write_base(base_files(refund_timing=text))
    messages = sorted(f.message for f in found(check(root, real_embedder), "RKB203"))
    assert messages == [
        "`short` of 'refund-timing' has an HTML tag, which x, sms, facebook, email, x_dm, messenger show as written",
        "`short` of 'refund-timing' has bold or strike marks left open, which x, sms, facebook, "
        "email, x_dm, messenger show as written",
    ]


def test_rkb203_markdown_replykb_converts_is_fine(write_base: WriteBase, real_embedder) -> None:  # type: ignore[no-untyped-def]
    text = with_answer(
        'answer: "Refunds reach your account within **5 working days** of approval: '
        '[follow yours]({{ link }}), _no_ need to call."\n'
    )
    root = write_base(base_files(refund_timing=text))
    assert found(check(root, real_embedder), "RKB203") == []


def test_rkb203_not_for_channels_that_render_markdown(write_base: WriteBase, real_embedder) -> None:  # type: ignore[no-untyped-def]
    settings = SETTINGS.split("channels:")[0] + "channels:\n  chat: {format: markdown}\n"
    text = with_answer(TABLE)
    root = write_base(base_files(refund_timing=text) | {"replykb.yaml": settings})
    assert found(check(root, real_embedder), "RKB203") == []

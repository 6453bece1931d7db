"""RKB605: an answer still holding the TODO that `replykb gaps` drafts is an error, on
the `answer:` or `short:` line, until a person writes the reply."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from replykb.checks.drafts import is_todo
from replykb.cli import cli

from .check_helpers import PAYMENT, REFUND, assert_one, base_files, check, found, line_of
from .conftest import WriteBase

PICKUP = """\
questions:
  - can I pick up my order in store
  - collect my parcel from a shop
  - is click and collect possible
answer: "TODO: write the reply to these questions"
reviewed: 2026-10-01
tests:
  - can I collect it myself
"""


@pytest.mark.parametrize(
    ("key", "old", "new"),
    [
        ("answer", None, None),
        ("short", "reviewed:", 'short: "  TODO shorter form"\nreviewed:'),
    ],
)
def test_rkb605_todo_answer_fails_the_check(
    write_base: WriteBase,
    real_embedder,  # type: ignore[no-untyped-def]
    key: str,
    old: str | None,
    new: str | None,
) -> None:
    text = PICKUP
    if old is not None and new is not None:
        text = PICKUP.replace('"TODO: write the reply to these questions"', "Yes, in any shop.")
        text = text.replace(old, new, 1)
    root = write_base(base_files(refund_timing=REFUND, pickup=text))
    report = check(root, real_embedder)
    finding = assert_one(
        report, "RKB605", root / "pickup.yaml", line_of(text, f"{key}:"), contains=[f"`{key}:`"]
    )
    assert finding.severity == "error" and finding.answer == "pickup"
    assert report.failed(strict=False)


def test_rkb605_passes_once_the_answer_is_written(write_base: WriteBase, real_embedder) -> None:  # type: ignore[no-untyped-def]
    written = PICKUP.replace(
        '"TODO: write the reply to these questions"', "Yes: choose click and collect at checkout."
    )
    root = write_base(base_files(refund_timing=REFUND, payment_methods=PAYMENT, pickup=written))
    report = check(root, real_embedder)
    assert found(report, "RKB605") == []


def test_rkb605_cli_exit_code_and_line(write_base: WriteBase) -> None:
    root = write_base(base_files(refund_timing=REFUND, pickup=PICKUP))
    result = CliRunner().invoke(cli, ["check", str(root)])
    assert result.exit_code == 1, result.output
    line = line_of(PICKUP, "answer:")
    assert f"pickup.yaml:{line}:" in result.output and "RKB605 error" in result.output


@pytest.mark.parametrize(
    ("text", "todo"),
    [
        ("TODO: write it", True),
        ("  TODO", True),
        ("TODO write it", True),
        ("TODOS are fine", False),
        ("Nothing to do", False),
        ("Refunds: TODO later", False),
        ("  todo: write it", True),
        ("Todo : scrivere la risposta", True),
        ("Todo pedido tiene seguimiento en la web.", False),
        ("Todo está listo: tu reembolso llega en 5 días.", False),
        (None, False),
    ],
)
def test_what_counts_as_a_todo(text: str | None, todo: bool) -> None:
    assert is_todo(text) is todo

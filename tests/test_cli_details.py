"""`replykb render` / `suggest` with ticket details, nameless customers and private
pairs, through click's CliRunner on the example base (render needs no model)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from replykb.cli import cli

from .conftest import EXAMPLE_BASE

KB = ["--kb", str(EXAMPLE_BASE)]


def render(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["render", "where-is-my-order", *KB, *args])
    return result.exit_code, result.output


def test_detail_options_fill_the_answer() -> None:
    code, output = render(
        "-c",
        "chat",
        "--detail",
        "order_id=FH1234567",
        "--detail",
        "tracking_url=https://t.example/1",
    )
    assert code == 0, output
    assert "You can follow FH1234567 step by step at https://t.example/1." in output


def test_without_details_the_fallbacks_print() -> None:
    code, output = render("-c", "sms", "-q")
    assert code == 0 and output.startswith("Hi! You can follow your order step by step")


def test_a_public_channel_shows_the_invitation_then_the_private_message() -> None:
    code, output = render("-c", "x", "--customer", "@giulia_r", "--detail", "order_id=FH1234567")
    assert code == 0, output
    invitation, private = output.split("then, privately:")
    assert "[where-is-my-order on x: private_invite" in invitation
    assert "direct message" in invitation and "FH1234567" not in invitation
    assert "[where-is-my-order on x_dm: full" in private and "FH1234567" in private
    assert "giulia" not in output


def test_json_holds_the_private_reply_and_needs_details() -> None:
    code, output = render("-c", "facebook", "--json")
    assert code == 0, output
    (reply,) = json.loads(output)
    assert reply["form"] == "private_invite" and reply["needs_details"] == []
    assert reply["private_reply"]["channel"] == "messenger"


def test_a_reply_that_needs_a_detail_says_which(tmp_path: Path) -> None:
    root = tmp_path / "base"
    root.mkdir()
    (root / "replykb.yaml").write_text("brand: Acme\nchannels: {chat: {}}\n", encoding="utf-8")
    (root / "refund.yaml").write_text(
        "questions: [how much is my refund]\nanswer: We refund {{ details.amount }}.\n"
        "details:\n  amount: {}\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["render", "refund", "--kb", str(root), "-c", "chat"])
    assert result.exit_code == 0, result.output
    assert "no reply without the ticket's amount: --detail amount=..." in result.output
    given = CliRunner().invoke(
        cli, ["render", "refund", "--kb", str(root), "-c", "chat", "--detail", "amount=£23.50"]
    )
    assert "We refund £23.50." in given.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--detail", "FH1234567"], "--detail 'FH1234567': write NAME=VALUE"),
        (["--detail", "Order ID=1"], "'Order ID' is not a detail name"),
        (["--detail", "order_id=" + "9" * 501], "at most 500"),
        # The last of two values was printed silently.
        (
            ["--detail", "order_id=FH1", "--detail", "order_id=FH2"],
            "--detail order_id is given twice ('FH1' and 'FH2'); give it once",
        ),
    ],
)
def test_a_bad_detail_option_is_one_clear_line(args: list[str], message: str) -> None:
    code, output = render("-c", "chat", *args)
    assert code == 2 and message in output and "Traceback" not in output


def test_detail_is_for_one_message_not_a_batch(tmp_path: Path) -> None:
    lines = tmp_path / "in.jsonl"
    lines.write_text('{"message": "where is my order"}\n', encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["suggest", *KB, "--input", str(lines), "-c", "chat", "--detail", "order_id=1"]
    )
    assert result.exit_code != 0 and "--detail is for one MESSAGE" in result.output

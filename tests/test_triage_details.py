"""Ticket details, names and private pairs through the triage core: kb.suggest,
kb.render and suggest_many give the same replies (real model, the example base)."""

from __future__ import annotations

import pytest

from replykb import MessageError, TriageFailure, TriageRequest, TriageResult

DETAILS = {"order_id": "FH1234567", "tracking_url": "https://track.example/FH1234567"}
WHERE = "where is my parcel? I ordered it last week"


@pytest.mark.parametrize("channel", ["chat", "sms", "x"])
def test_suggest_prints_the_tickets_details(example_kb, channel: str) -> None:  # type: ignore[no-untyped-def]
    suggestion = example_kb.suggest(
        WHERE, channel=channel, customer="@giulia_r", details=DETAILS, conversation_id="t1"
    )
    assert suggestion.status == "confident" and suggestion.match.answer_id == "where-is-my-order"
    reply = suggestion.reply
    assert reply is not None and "giulia" not in reply.text
    private = suggestion.private_reply if channel == "x" else reply
    assert (
        private is not None
        and "FH1234567" in private.text
        and DETAILS["tracking_url"] in private.text
    )
    if channel == "x":
        assert reply.form == "private_invite" and "FH1234567" not in reply.text
        assert private.channel == "x_dm"
    # The same reply through every door.
    assert (
        example_kb.render(
            "where-is-my-order",
            channel=channel,
            customer="@giulia_r",
            details=DETAILS,
            conversation_id="t1",
        )
        == reply
    )
    (result,) = example_kb.suggest_many(
        [
            TriageRequest(
                message=WHERE,
                channel=channel,
                customer="@giulia_r",
                details=DETAILS,
                conversation_id="t1",
            )
        ]
    )
    assert isinstance(result, TriageResult)
    assert result.suggestion.model_dump_json() == suggestion.model_dump_json()


def test_without_details_the_fallbacks_are_printed(example_kb) -> None:  # type: ignore[no-untyped-def]
    reply = example_kb.suggest(WHERE, channel="chat").reply
    assert reply is not None and reply.needs_details == []
    assert "You can follow your order step by step at https://help.fernhill.example" in reply.text


@pytest.mark.parametrize(
    ("details", "message"),
    [
        ({"order_id": True}, "`details` `order_id` must be text or a whole number, not true"),
        ({"Order ID": "1"}, "is not a detail name"),
        ("FH1234567", "must be an object of detail names and values"),
        # str() refuses ints over 4,300 digits with a message about sys.set_int_max_str_digits.
        (
            {"order_id": 10**5000},
            "`details` `order_id` is a number of more than 40 digits; give it as text, in quotes",
        ),
    ],
)
def test_bad_details_fail_on_their_field(example_kb, details: object, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(MessageError, match=message):
        example_kb.suggest(WHERE, channel="chat", details=details)
    (failure, fine) = example_kb.suggest_many(
        [
            {"message": WHERE, "channel": "chat", "details": details, "id": "a"},
            {"message": WHERE, "channel": "chat", "details": DETAILS, "id": "b"},
        ]
    )
    assert isinstance(failure, TriageFailure) and failure.field == "details"
    assert failure.kind == "MessageError" and message in failure.error and failure.id == "a"
    assert isinstance(fine, TriageResult) and "FH1234567" in fine.suggestion.reply.text


@pytest.mark.parametrize(
    ("name", "content"),
    [
        (
            "in.jsonl",
            '{"message": "where is my parcel??", "channel": "sms", "details": {"order_id": "FH7654321"}}\n'
            '{"message": "where is my parcel??", "channel": "sms", "details": {"order_id": true}}\n'
            '{"message": "where is my parcel??", "channel": "sms"}\n',
        ),
        (
            "in.csv",
            "message,channel,Details.Order_ID\n"
            "where is my parcel??,sms,FH7654321\n"
            "where is my parcel??,sms,FH 7654321 has a very long and repeated text "
            + "x"
            * 500
            + "\n"
            "where is my parcel??,sms,\n",
        ),
    ],
)
def test_batch_records_carry_their_details(tmp_path, name: str, content: str) -> None:  # type: ignore[no-untyped-def]
    """A JSONL record's `details` object, or a CSV's `details.<name>` columns."""
    import json

    from click.testing import CliRunner

    from replykb.cli import cli

    from .conftest import EXAMPLE_BASE

    source = tmp_path / name
    source.write_text(content, encoding="utf-8")
    result = CliRunner().invoke(cli, ["suggest", "--kb", str(EXAMPLE_BASE), "--input", str(source)])
    rows = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    first = 2 if name.endswith(".csv") else 1  # a CSV's line 1 is its header
    assert [row["line"] for row in rows] == [first, first + 1, first + 2], result.output
    given, bad, none = rows
    assert "You can follow FH7654321 step by step" in given["reply"]["text"]
    assert bad["status"] == "error" and bad["field"] == "details", bad
    assert "You can follow your order step by step" in none["reply"]["text"]

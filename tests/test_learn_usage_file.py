"""``replykb usage --input FILE``: statuses of a plain file of messages, matched with the
real model; no outcomes; records without a time, unreadable lines and unknown channels
are counted, not fatal."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from replykb.cli import cli
from replykb.errors import DataError
from replykb.learn.usage_file import parse_time, report_from_file
from replykb.learn.usage_html import render_html
from replykb.learn.usage_text import render_text
from tests.conftest import SHOP_BASE

NOW = datetime(2026, 11, 23, tzinfo=UTC)
MESSAGES = [
    {"message": "when will I get my refund?", "channel": "x", "at": "2026-11-20T09:00:00Z"},
    {"message": "still waiting for my money back!!", "channel": "x", "at": "2026-11-20T10:00:00Z"},
    {"message": "who won the football last night", "channel": "x", "at": "2026-11-20T11:00:00Z"},
    {"message": "I forgot my password", "channel": "email", "at": "2026-11-22T08:00:00+01:00"},
    {"message": "what is the capital of Peru", "channel": "sms", "at": 1795305600},  # Nov 22
    {"message": "where is my order", "channel": "x"},  # no time
    {"message": "how do I reset my password", "channel": "fax", "at": "2026-11-22"},  # unknown
    {"message": "any news on my package", "channel": "sms", "at": "yesterday"},  # bad time
]


def _write(path: Path) -> Path:
    lines = [json.dumps(m) for m in MESSAGES[:5]] + [
        "",
        "{not json",
        *map(json.dumps, MESSAGES[5:]),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_statuses_per_channel_and_day_are_those_of_the_library(shop_kb, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    report = report_from_file(shop_kb, _write(tmp_path / "messages.jsonl"), until=NOW)
    library = Counter(
        shop_kb.match(str(m["message"])).status for m in MESSAGES if m["channel"] != "fax"
    )
    assert library == {"confident": 5, "no_match": 2}
    totals = report.totals
    assert (totals.confident, totals.ambiguous, totals.no_match) == (5, 0, 2)
    # 7 triaged, plus the fax record (unknown channel) and the line that is not JSON.
    assert (totals.total, totals.errors) == (9, 2)
    assert totals.no_match_rate == pytest.approx(2 / 7)
    channels = {row.key: row for row in report.channels}
    assert (channels["x"].total, channels["x"].no_match) == (4, 1)
    assert (channels["sms"].total, channels["sms"].no_match) == (2, 1)
    assert (channels["fax"].errors, channels["(none)"].errors) == (1, 1)
    days = [(d.key, d.total, d.no_match, d.errors) for d in report.days]
    assert days == [
        ("2026-11-20", 3, 1, 0),
        ("2026-11-21", 0, 0, 0),
        ("2026-11-22", 3, 1, 1),  # e-mail at 07:00 UTC, sms, and the fax error
    ]
    assert report.feedback is None and report.repeated_edits is None
    assert all(row.outcomes is None for row in report.answers)
    assert report.unused == []  # every shop answer matched something
    assert any("without a time" in note for note in report.notes)
    assert any("(lines 10)" in note for note in report.notes)  # "yesterday"
    assert report.source == "file" and report.versions[0].key == shop_kb.base.fingerprint
    text, page = render_text(report), render_html(report)
    assert "Outcomes: none in a plain file" in text and "<svg" in page
    for message in MESSAGES:  # no customer text in a report
        assert str(message["message"]) not in text + page


def test_since_leaves_out_earlier_dated_records(shop_kb, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    since = datetime(2026, 11, 21, tzinfo=UTC)
    report = report_from_file(shop_kb, _write(tmp_path / "m.jsonl"), since=since, until=NOW)
    assert [d.key for d in report.days] == ["2026-11-22"]
    assert any("3 message(s) before --since" in note for note in report.notes)


def test_a_csv_with_a_default_channel(shop_kb, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "posts.csv"
    path.write_text(
        "Message,Created At\nwhen will I get my refund?,2026-11-20 09:00\n"
        "who won the football last night,2026-11-20 10:00\n",
        encoding="utf-8",
    )
    report = report_from_file(shop_kb, path, channel="sms", until=NOW)
    assert [(c.key, c.total, c.no_match) for c in report.channels] == [("sms", 2, 1)]
    assert [d.key for d in report.days] == ["2026-11-20"]
    assert [a.answer_id for a in report.unused] == ["reset-password", "where-is-my-order"]
    # A file is a sample, not a period up to now: months later, the same answers are unused.
    later = report_from_file(shop_kb, path, channel="sms", until=datetime(2027, 6, 1, tzinfo=UTC))
    assert later.period.unused_days is None
    assert [a.answer_id for a in later.unused] == ["reset-password", "where-is-my-order"]
    assert "Not matched by any message of the file (2 answer(s))" in render_text(later)


@pytest.mark.parametrize(
    ("content", "message"),
    [("", "no messages in the file"), ("\n\n", "no messages in the file")],
)
def test_a_file_without_messages_is_an_error(
    shop_kb, tmp_path: Path, content: str, message: str
) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "empty.jsonl"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(DataError, match=message):
        report_from_file(shop_kb, path, until=NOW)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-11-20T09:00:00Z", datetime(2026, 11, 20, 9, tzinfo=UTC)),
        ("2026-11-20T10:00:00+01:00", datetime(2026, 11, 20, 9, tzinfo=UTC)),
        ("2026-11-20 09:00", datetime(2026, 11, 20, 9, tzinfo=UTC)),
        ("2026-11-20", datetime(2026, 11, 20, tzinfo=UTC)),
        (1795305600, datetime(2026, 11, 22, tzinfo=UTC)),
        ("1795305600", datetime(2026, 11, 22, tzinfo=UTC)),
        ("yesterday", None),
        (True, None),
        (float("inf"), None),
        ("nan", None),
        ({"a": 1}, None),
    ],
)
def test_times_of_a_record(value: object, expected: datetime | None) -> None:
    assert parse_time(value) == expected


def test_the_command_on_a_file(tmp_path: Path) -> None:
    path = tmp_path / "posts.csv"
    path.write_text("message,channel\nwhen will I get my refund?,x\nlol,x\n", encoding="utf-8")
    result = CliRunner().invoke(
        cli,
        [
            "usage",
            "--kb",
            str(SHOP_BASE),
            "--cache-dir",
            str(tmp_path / "cache"),
            "--input",
            str(path),
            "--json",
            "-q",
        ],
    )
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["source"], data["totals"]["total"], data["feedback"]) == ("file", 2, None)
    assert data["channels"][0]["key"] == "x"


def test_records_not_triaged_are_named_with_their_line_and_why(shop_kb, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A1: `errors 5` alone sent the team hunting; the report names the first lines."""
    path = tmp_path / "bad.jsonl"
    path.write_text(
        '{"message": "I forgot my password", "channel": "x"}\n'
        "not json\n"
        '{"message": 5, "channel": "x"}\n'
        '{"channel": "x"}\n'
        "[1, 2]\n"
        '{"message": "hi", "channel": "fax"}\n',
        encoding="utf-8",
    )
    report = report_from_file(shop_kb, path)
    assert report.totals.errors == 5
    named = [note for note in report.notes if note.startswith("not triaged: ")]
    assert [note.split(":", 2)[1] for note in named] == [
        " line 2",
        " line 3",
        " line 4",
        " line 5",
        " line 6",
    ]
    assert "unknown channel 'fax'" in named[-1]
    assert all(note in render_text(report) for note in named)

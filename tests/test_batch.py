"""Batch triage: one result per record, in order, bad lines reported and skipped."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from replykb.batch import BadRecord, BatchRecord, read_records, triage
from replykb.cli import cli

from .conftest import SHOP_BASE

JSONL = "\n".join(
    [
        '{"id": 1, "message": "my refund hasn\'t arrived yet", "customer": "@mario"}',
        '{"message": ""}',
        "not json",
        '{"id": "b", "message": "who won the football last night", "channel": "sms"}',
        '{"message": "I forgot my password", "channel": "email", "conversation_id": "c1"}',
        "",
        '{"message": "I forgot my password", "channel": "fax"}',
    ]
)
CSV = 'id,message,channel,customer\n7,"my refund hasn\'t arrived yet",x,Mario\n8,,x,\n'


def test_read_records_jsonl() -> None:
    records = list(read_records(io.StringIO(JSONL), csv_format=False))
    assert [type(r) for r in records] == [
        BatchRecord,
        BadRecord,
        BadRecord,
        BatchRecord,
        BatchRecord,
        BatchRecord,
    ]
    assert [r.line for r in records] == [1, 2, 3, 4, 5, 7]
    assert records[0].id == "1" and records[0].customer == "@mario"  # type: ignore[union-attr]
    assert "not valid JSON" in records[2].error  # type: ignore[union-attr]


def test_read_records_csv_reports_lines() -> None:
    records = list(read_records(io.StringIO(CSV), csv_format=True))
    assert (
        isinstance(records[0], BatchRecord) and records[0].line == 2 and records[0].channel == "x"
    )
    assert isinstance(records[1], BadRecord) and records[1].line == 3 and records[1].id == "8"


def test_triage_keeps_order_and_isolates_bad_lines(shop_kb) -> None:  # type: ignore[no-untyped-def]
    records = read_records(io.StringIO(JSONL), csv_format=False)
    results = list(triage(shop_kb, records, channel="x", agent="paola", batch_size=2))
    assert [r["line"] for r in results] == [1, 2, 3, 4, 5, 7]
    assert [r["status"] for r in results] == [
        "confident",
        "error",
        "error",
        "no_match",
        "confident",
        "error",
    ]
    assert results[0]["answer_id"] == "refund-timing"
    assert results[0]["reply"]["channel"] == "x" and results[0]["reply"]["text"].endswith("^Paola")
    assert results[4]["reply"]["channel"] == "email"
    assert "unknown channel 'fax'" in results[5]["error"]
    single = shop_kb.suggest(
        "I forgot my password", channel="email", agent="paola", conversation_id="c1"
    )
    assert results[4]["reply"]["text"] == single.reply.text


@pytest.mark.parametrize("to_stdout", [False, True], ids=["file", "dash"])
def test_cli_batch_writes_one_line_per_record(
    shop_kb, tmp_path: Path, monkeypatch, to_stdout
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    source = tmp_path / "backlog.csv"
    source.write_text(CSV)
    target = Path("-") if to_stdout else tmp_path / "out.jsonl"
    result = CliRunner().invoke(
        cli,
        [
            "suggest",
            "--input",
            str(source),
            "--output",
            str(target),
            "--kb",
            str(SHOP_BASE),
            "--cache-dir",
            str(tmp_path / "c"),
        ],
    )
    assert result.exit_code == 0, result.output
    written = result.stdout if to_stdout else target.read_text()
    assert not (tmp_path / "-").exists(), "- is standard output, not a file"
    lines = [json.loads(line) for line in written.splitlines()]
    assert [line["line"] for line in lines] == [2, 3]
    assert lines[0]["answer_id"] == "refund-timing" and lines[1]["status"] == "error"
    assert f"{source}:3: `message` is missing or empty" in result.output


def test_cli_batch_strict_fails_on_bad_line(tmp_path: Path) -> None:
    source = tmp_path / "backlog.jsonl"
    source.write_text('{"message": "refund?"}\nnot json\n')
    result = CliRunner().invoke(
        cli,
        [
            "suggest",
            "--input",
            str(source),
            "--kb",
            str(SHOP_BASE),
            "-c",
            "x",
            "--strict",
            "--cache-dir",
            str(tmp_path / "c"),
        ],
    )
    assert result.exit_code == 1
    assert f"{source}:2: bad line (--strict)" in result.output


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["suggest", "refund?"], "give a MESSAGE and its --channel"),
        (["suggest", "x", "--input", "README.md"], "not both"),
    ],
)
def test_cli_suggest_usage_errors(args: list[str], words: str) -> None:
    result = CliRunner().invoke(cli, [*args, "--kb", str(SHOP_BASE)])
    assert result.exit_code == 2 and words in result.output

"""The command line, through click's CliRunner: output and exit codes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from replykb import __version__
from replykb.cli import cli

from .conftest import EXAMPLE_BASE, SHOP_BASE, WriteBase


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture(scope="module")
def shop_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cli") / "shop"
    shutil.copytree(SHOP_BASE, root, ignore=shutil.ignore_patterns(".replykb"))
    return root


def test_version(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["--version"])
    assert result.exit_code == 0 and __version__ in result.output


def test_check_clean_base_exits_0(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["check", str(EXAMPLE_BASE)])
    assert result.exit_code == 0, result.output


def test_check_broken_base_exits_1_with_located_problems(
    runner: CliRunner, write_base: WriteBase
) -> None:
    root = write_base(
        {"a/one.yaml": "qestions: [hi]\nanswer: x\n", "a/two.yaml": "questions: [hi]\n"}
    )
    result = runner.invoke(cli, ["check", str(root)])
    assert result.exit_code == 1
    assert (
        f"{root / 'a/one.yaml'}:1:1: qestions: unknown key `qestions`; did you mean `questions`?"
        in result.output
    )
    assert f"{root / 'a/two.yaml'}:1:1: answer: missing required key `answer`" in result.output


@pytest.mark.parametrize("args", [["check", "/no/such/folder"], ["check", "."]])
def test_check_cannot_run_exits_2(runner: CliRunner, args: list[str], tmp_path: Path) -> None:
    if args[1] == ".":
        args = ["check", str(tmp_path)]
    result = runner.invoke(cli, args)
    assert result.exit_code == 2
    assert "replykb: error:" in result.output
    assert "Traceback" not in result.output


def test_suggest_confident_prints_the_reply(runner: CliRunner, shop_copy: Path) -> None:
    result = runner.invoke(
        cli,
        [
            "suggest",
            "my refund hasn't arrived yet",
            "--kb",
            str(shop_copy),
            "--channel",
            "x",
            "--agent",
            "paola",
            "--customer",
            "@mario",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "refund-timing (confident" in result.output
    assert "5 working days" in result.output and "^Paola" in result.output
    assert "weighted characters of 280" in result.output


def test_suggest_json_is_the_library_suggestion(
    runner: CliRunner, shop_copy: Path, shop_kb
) -> None:  # type: ignore[no-untyped-def]
    args = [
        "suggest",
        "I forgot my password",
        "--kb",
        str(shop_copy),
        "-c",
        "email",
        "--conversation",
        "c9",
        "--json",
    ]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    library = shop_kb.suggest("I forgot my password", channel="email", conversation_id="c9")
    assert payload == json.loads(library.model_dump_json())
    assert payload["reply"]["answer_id"] == "reset-password"


def test_suggest_no_match_says_so(runner: CliRunner, shop_copy: Path) -> None:
    result = runner.invoke(
        cli, ["suggest", "who won the football last night", "--kb", str(shop_copy), "-c", "sms"]
    )
    assert result.exit_code == 0
    assert (
        "no confident answer" in result.output and "pass this message to a person" in result.output
    )


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        (["-c", "fax"], "unknown channel 'fax'; known channels:"),
        (["-c", "x", "--agent", "zed"], "unknown agent 'zed'"),
    ],
)
def test_suggest_unknown_names_exit_2(
    runner: CliRunner, shop_copy: Path, extra: list[str], words: str
) -> None:
    result = runner.invoke(cli, ["suggest", "refund?", "--kb", str(shop_copy), *extra])
    assert result.exit_code == 2
    assert words in result.output


def test_render_all_channels(runner: CliRunner) -> None:
    result = runner.invoke(
        cli, ["render", "refund-timing", "--kb", str(EXAMPLE_BASE), "--agent", "paola", "--json"]
    )
    assert result.exit_code == 0, result.output
    replies = json.loads(result.stdout)
    assert {reply["channel"] for reply in replies} == {
        "x",
        "facebook",
        "instagram",
        "sms",
        "email",
        "chat",
    }
    assert all(reply["limit"] is None or reply["length"] <= reply["limit"] for reply in replies)


def test_render_unknown_answer(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["render", "nope", "--kb", str(EXAMPLE_BASE)])
    assert result.exit_code == 2 and "unknown answer 'nope'" in result.output


def test_eval_shop_base_reports_and_exits_0(runner: CliRunner, shop_copy: Path) -> None:
    result = runner.invoke(cli, ["eval", str(shop_copy), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["in_scope_accuracy"] == 1.0 and report["oos_recall"] == 1.0


def test_eval_with_data_file_and_calibration(
    runner: CliRunner, shop_copy: Path, tmp_path: Path
) -> None:
    data = tmp_path / "labelled.csv"
    data.write_text(
        "message,expected\n"
        "refund not here yet,refund-timing\n"
        "where is my parcel,where-is-my-order\n"
        "forgot password,reset-password\n"
        "what's the weather like,\n"
        "recommend a good film,\n"
    )
    result = runner.invoke(
        cli, ["eval", str(shop_copy), "--data", str(data), "--calibrate", "--min-oos-recall", "1.0"]
    )
    assert result.exit_code == 0, result.output
    assert "paste into replykb.yaml:\nmatch:\n  threshold:" in result.output
    assert "out-of-scope recall   100.0%" in result.output


def test_eval_bad_data_file_names_the_line(
    runner: CliRunner, shop_copy: Path, tmp_path: Path
) -> None:
    data = tmp_path / "labelled.jsonl"
    data.write_text(
        '{"message": "refund?", "expected": "refund-timing"}\n{"message": "x", "expected": "nope"}\n'
    )
    result = runner.invoke(cli, ["eval", str(shop_copy), "--data", str(data)])
    assert result.exit_code == 2
    assert f"{data}:2: unknown answer id 'nope'" in result.output

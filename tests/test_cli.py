"""The command line, through click's CliRunner: output and exit codes."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from replykb import KnowledgeBase, __version__
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


CHECK_SETTINGS = """\
brand: Acme
channels:
  x: {}
  email: {}
agents:
  paola: {name: Paola}
policy:
  max_review_age_days: 365
  min_questions: 3
"""
# Warnings only: no `tests:` (RKB603) and an old review (RKB601).
CHECK_REFUND = """\
questions: [when will I get my refund, how long does a refund take, still waiting for my money]
answer: Refunds reach your account within 5 working days.
reviewed: 2020-01-01
"""
# An error: the same question as the refund answer (RKB401).
CHECK_PAYMENT = """\
questions:
  - which cards do you accept
  - can I pay with PayPal
  - How long does a refund take?
answer: We accept Visa, Mastercard and PayPal.
reviewed: 2020-01-01
"""


@pytest.fixture(scope="module")
def check_bases(tmp_path_factory: pytest.TempPathFactory, real_embedder) -> dict[str, Path]:  # type: ignore[no-untyped-def]
    """A base with warnings only and one with an error, their caches filled so the CLI
    re-checks them without encoding anything again."""
    from replykb.check import run_checks

    bases = {
        "warnings": {"refund.yaml": CHECK_REFUND},
        "errors": {"refund.yaml": CHECK_REFUND, "payment.yaml": CHECK_PAYMENT},
    }
    roots = {}
    for name, answers in bases.items():
        root = tmp_path_factory.mktemp("check") / name
        root.mkdir()
        (root / "replykb.yaml").write_text(CHECK_SETTINGS, encoding="utf-8")
        for file, text in answers.items():
            (root / file).write_text(text, encoding="utf-8")
        run_checks(root, embedder=real_embedder)
        roots[name] = root
    return roots


@pytest.mark.parametrize(
    ("base", "flags", "exit_code"),
    [
        ("warnings", [], 0),
        ("warnings", ["--strict"], 1),
        ("errors", [], 1),
        ("errors", ["--strict"], 1),
    ],
)
def test_check_exit_codes(
    runner: CliRunner, check_bases: dict[str, Path], base: str, flags: list[str], exit_code: int
) -> None:
    root = check_bases[base]
    result = runner.invoke(cli, ["check", str(root), *flags], env={"GITHUB_ACTIONS": None})
    assert result.exit_code == exit_code, result.output
    assert f"{root / 'refund.yaml'}:3:1: RKB601 warning answer 'refund' was last reviewed" in (
        result.output
    )
    assert result.output.rstrip().endswith("(1 answer, 3 questions)") or base == "errors"


def test_check_text_report_locates_the_error_and_its_twin(
    runner: CliRunner, check_bases: dict[str, Path]
) -> None:
    root = check_bases["errors"]
    result = runner.invoke(cli, ["check", str(root)], env={"GITHUB_ACTIONS": None})
    lines = result.output.splitlines()
    error = next(i for i, line in enumerate(lines) if " RKB401 error " in line)
    assert lines[error].startswith(f"{root / 'refund.yaml'}:1:")
    assert lines[error + 1].startswith("    hint: ")
    assert lines[error + 2] == f"    see also: {root / 'payment.yaml'}:4:5"
    assert lines[-1] == f"{root}: 1 error, 4 warnings (2 answers, 6 questions)"


@pytest.mark.parametrize("output", [[], ["--output", "-"]], ids=["default", "dash"])
def test_check_json_report(
    runner: CliRunner, check_bases: dict[str, Path], output: list[str]
) -> None:
    root = check_bases["errors"]
    result = runner.invoke(cli, ["check", str(root), "--format", "json", *output])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert (report["error_count"], report["warning_count"]) == (1, 4)
    codes = sorted(finding["code"] for finding in report["findings"])
    assert codes == ["RKB401", "RKB601", "RKB601", "RKB603", "RKB603"]
    duplicate = next(f for f in report["findings"] if f["code"] == "RKB401")
    assert duplicate["severity"] == "error" and duplicate["hint"]
    assert duplicate["location"]["file"] == str(root / "refund.yaml")
    assert duplicate["location"]["line"] == 1
    assert duplicate["related"][0] == {"file": str(root / "payment.yaml"), "line": 4, "column": 5}


@pytest.mark.parametrize("strict", [False, True])
def test_check_junit_report_to_a_file(
    runner: CliRunner, check_bases: dict[str, Path], tmp_path: Path, strict: bool
) -> None:
    import xml.etree.ElementTree as ET

    from replykb.check import RULES

    output = tmp_path / "check.xml"
    args = ["check", str(check_bases["errors"]), "--format", "junit", "--output", str(output)]
    result = runner.invoke(cli, args + (["--strict"] if strict else []))
    assert result.exit_code == 1
    assert " RKB401 error " in result.output  # the console still shows the text report
    suite = ET.fromstring(output.read_text(encoding="utf-8")).find("testsuite")
    assert suite is not None
    assert suite.get("tests") == str(len(RULES))
    failed = {
        case.get("name", "").split()[0]
        for case in suite.iter("testcase")
        if case.find("failure") is not None
    }
    assert failed == ({"RKB401", "RKB601", "RKB603"} if strict else {"RKB401"})
    assert suite.get("failures") == str(len(failed))


def test_check_github_annotations_when_on_actions(
    runner: CliRunner, check_bases: dict[str, Path]
) -> None:
    root = check_bases["errors"]
    result = runner.invoke(cli, ["check", str(root)], env={"GITHUB_ACTIONS": "true"})
    assert result.exit_code == 1
    annotations = [line for line in result.output.splitlines() if line.startswith("::")]
    assert len(annotations) == 5
    error = next(line for line in annotations if "title=RKB401" in line)
    assert error.startswith(f"::error file={root / 'refund.yaml'},line=1,col=")
    assert "%0Ahint: " in error  # the hint, on the annotation's second line
    assert any(line.startswith("::warning file=") for line in annotations)
    assert result.output.rstrip().endswith("(2 answers, 6 questions)")  # and the plain summary


def test_check_broken_base_exits_1_with_located_problems(
    runner: CliRunner, write_base: WriteBase
) -> None:
    root = write_base(
        {"a/one.yaml": "qestions: [hi]\nanswer: x\n", "a/two.yaml": "questions: [hi]\n"}
    )
    result = runner.invoke(cli, ["check", str(root)], env={"GITHUB_ACTIONS": None})
    assert result.exit_code == 1
    assert (
        f"{root / 'a/one.yaml'}:1:1: RKB001 error qestions: unknown key `qestions`; "
        "did you mean `questions`?" in result.output
    )
    assert f"{root / 'a/two.yaml'}:1:1: RKB001 error answer: missing required key `answer`" in (
        result.output
    )


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


def test_suggest_json_is_the_library_suggestion(runner: CliRunner, shop_copy: Path) -> None:
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
    # The library as users load it (the same embedder as the CLI), byte for byte.
    kb = KnowledgeBase.load(shop_copy)
    library = kb.suggest("I forgot my password", channel="email", conversation_id="c9")
    assert result.stdout == library.model_dump_json(indent=2) + "\n"
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


def test_render_headers_count_in_each_channel_unit(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["render", "refund-timing", "--kb", str(EXAMPLE_BASE)])
    assert result.exit_code == 0, result.output
    headers = [line for line in result.output.splitlines() if line.startswith("[refund-timing")]
    assert len(headers) == 6
    assert re.search(r"on x: full, \d+ weighted characters of 280\]", result.output)
    assert "on sms: full, 1 segment of 2]" in result.output
    assert re.search(r"on email: full, \d+ characters\]", result.output)


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
    threshold = re.search(r"match:\n  threshold: (\S+)\n", result.output)
    assert threshold is not None, result.output
    assert f"at threshold {threshold.group(1)}," in result.output, "the same threshold twice"
    metrics = [line for line in result.output.splitlines() if line.endswith("%")]
    assert len(metrics) == 5 and len({line.index("100.0%") for line in metrics}) == 1, metrics
    assert "  out-of-scope recall     100.0%" in metrics


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

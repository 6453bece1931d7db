"""The examples run against the example base, as their docstrings say."""

from __future__ import annotations

import csv
import importlib.util
import json
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from replykb import KnowledgeBase

from .conftest import EXAMPLE_BASE

EXAMPLES = Path(__file__).parent.parent / "examples"


def load_example(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_triage_csv_example(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    example_kb: KnowledgeBase,
) -> None:
    module = load_example("triage_csv")
    monkeypatch.setattr(module.KnowledgeBase, "load", lambda path: example_kb)
    output = tmp_path / "triaged.csv"
    monkeypatch.setattr(
        sys,
        "argv",
        ["triage_csv.py", str(EXAMPLES / "social_posts.csv"), str(output), "--agent", "paola"],
    )
    module.main()
    rows = {row["post_id"]: row for row in csv.DictReader(output.open())}
    assert rows["1001"]["answer_id"] == "refund-timing" and rows["1001"]["reply"].endswith("^Paola")
    assert rows["1002"]["answer_id"] == "cancel-plus"
    assert rows["1004"]["status"] == "no_match" and rows["1004"]["reply"] == ""
    assert rows["1006"]["status"] == "error"
    assert (
        rows["1007"]["answer_id"] == "double-charge" and "direct message" in rows["1007"]["reply"]
    )
    assert "triaged 7 posts" in capsys.readouterr().out


def _check_commands(commands: list[str]) -> list[list[str]]:
    """The `replykb check` command lines among shell commands, as argument lists."""
    import shlex

    return [shlex.split(c)[1:] for c in commands if c.startswith("replykb check")]


def test_github_actions_workflow_passes_on_the_example_base(tmp_path: Path) -> None:
    import xml.etree.ElementTree as ET

    import yaml
    from click.testing import CliRunner

    from replykb.cli import cli

    workflow = yaml.safe_load((EXAMPLES / "github-actions" / "replykb-check.yml").read_text())
    steps = workflow["jobs"]["check"]["steps"]
    runs = [step["run"] for step in steps if "run" in step]
    assert any("torch==2.13.0" in run for run in runs)  # never an unpinned CUDA torch
    cached = next(step["with"]["path"] for step in steps if "actions/cache" in step.get("uses", ""))
    assert cached == "answers/.replykb"  # where `replykb check answers/` keeps its cache
    commands = _check_commands(runs)
    assert commands
    for args in commands:
        args = [str(EXAMPLE_BASE) if a == "answers/" else a for a in args]
        args = [str(tmp_path / a) if a.endswith(".xml") else a for a in args]
        result = CliRunner().invoke(cli, args, env={"GITHUB_ACTIONS": "true"})
        assert result.exit_code == 0, result.output
        assert not [line for line in result.output.splitlines() if line.startswith("::")]
        report = ET.parse(tmp_path / "replykb-check.xml").getroot()
        assert report.get("failures") == "0" and int(report.get("tests", "0")) >= 15


def _pre_commit_hook(source: str) -> dict[str, Any]:
    import yaml

    if source == "hooks file":
        hooks = yaml.safe_load((EXAMPLES.parent / ".pre-commit-hooks.yaml").read_text())
        return dict(next(h for h in hooks if h["id"] == "replykb-check"))
    readme = (EXAMPLES.parent / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", readme, flags=re.DOTALL)
    config = next(yaml.safe_load(block) for block in blocks if "repo: local" in block)
    return dict(config["repos"][0]["hooks"][0])


@pytest.mark.parametrize(("source", "language"), [("hooks file", "python"), ("README", "system")])
def test_pre_commit_hook_runs_the_check(
    monkeypatch: pytest.MonkeyPatch, source: str, language: str
) -> None:
    from click.testing import CliRunner

    from replykb.cli import cli

    hook = _pre_commit_hook(source)
    assert hook["id"] == "replykb-check"
    assert hook["pass_filenames"] is False and hook["language"] == language
    # pre-commit runs the entry from the repository root; answers/ is the default folder.
    monkeypatch.chdir(EXAMPLE_BASE.parent)
    [args] = _check_commands([hook["entry"]])
    result = CliRunner().invoke(cli, args, env={"GITHUB_ACTIONS": None})
    assert result.exit_code == 0, result.output
    # The example base accepts RKB707 (English model, Italian questions) with a reason in
    # its replykb.yaml `check: ignore:`, and the summary says so.
    assert re.search(
        r"^answers: no problems, 1 suppressed by `check: ignore` \(\d+ answers, \d+ questions\)$",
        result.output,
        flags=re.MULTILINE,
    ), result.output


# --- the data files the README's commands use ------------------------------------------------


@pytest.fixture
def cli_on_example_kb(monkeypatch: pytest.MonkeyPatch, example_kb: KnowledgeBase) -> list[Path]:
    """The CLI matches with the session's example base (the same base, model and index
    `--kb answers/` loads), so these tests build no index of their own."""
    import replykb.cli.evaluate
    import replykb.cli.suggest

    loaded: list[Path] = []

    def load(path: Path, cache_dir: Path | None, *, log: str | None = None) -> KnowledgeBase:
        loaded.append(path)
        assert path.resolve() == EXAMPLE_BASE.resolve() and cache_dir is None
        assert log is None  # no --log in these commands: nothing is recorded
        return example_kb

    monkeypatch.setattr(replykb.cli.suggest, "load_kb", load)
    monkeypatch.setattr(replykb.cli.evaluate, "load_kb", load)
    monkeypatch.chdir(EXAMPLES.parent)  # the README's commands run from the clone's root
    return loaded


def _invoke(args: list[str]) -> Any:
    from click.testing import CliRunner

    from replykb.cli import cli

    return CliRunner().invoke(cli, args)


def test_backlog_example_triages_as_the_readme_shows(cli_on_example_kb: list[Path]) -> None:
    args = ["suggest", "--input", "examples/backlog.jsonl", "--output", "-", "--kb", "answers/"]
    result = _invoke([*args, "--channel", "facebook", "--agent", "paola"])
    assert result.exit_code == 0, result.output
    assert cli_on_example_kb == [Path("answers/")]
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    lines = (EXAMPLES / "backlog.jsonl").read_text(encoding="utf-8").splitlines()
    assert [row["line"] for row in rows] == list(range(1, len(lines) + 1))
    by_id = {row["id"]: row for row in rows}
    assert by_id["t1"]["status"] == "confident" and by_id["t1"]["answer_id"] == "refund-timing"
    assert by_id["t1"]["reply"]["text"].endswith("^Paola")  # the record's own channel: x
    assert by_id["t2"]["status"] == "no_match" and by_id["t2"]["reply"] is None
    assert rows[2]["status"] == "error" and rows[2]["error"].startswith("not valid JSON (")
    assert "examples/backlog.jsonl:3: not valid JSON (Expecting value" in result.stderr
    assert by_id["t7"]["channel"] == "facebook"  # no channel of its own: --channel
    assert {row["status"] for row in rows} == {"confident", "no_match", "error"}


def test_posts_example_passes_the_strict_run(cli_on_example_kb: list[Path]) -> None:
    result = _invoke(
        [
            "suggest",
            "--input",
            "examples/posts.csv",
            "--kb",
            "answers/",
            "--channel",
            "x",
            "--strict",
        ]
    )
    assert result.exit_code == 0, result.output
    rows = {row["id"]: row for row in map(json.loads, result.stdout.splitlines())}
    assert list(rows) == ["p1", "p2", "p3", "p4", "p5"]
    assert rows["p1"]["answer_id"] == "refund-timing" and rows["p2"]["answer_id"] == "cancel-plus"
    assert rows["p4"]["status"] == "no_match"
    assert rows["p5"]["answer_id"] == "where-is-my-order" and rows["p5"]["channel"] == "x"


def test_labelled_example_is_held_out_and_covers_every_answer() -> None:
    from replykb import load_answer_base
    from replykb.evaluate import MIN_OUT_OF_SCOPE, read_labelled

    base = load_answer_base(EXAMPLE_BASE)
    items = read_labelled(EXAMPLES / "labelled.jsonl", (a.id for a in base.answers))
    expected = sorted(item.expected for item in items if item.expected is not None)
    assert expected == sorted(answer.id for answer in base.answers)  # one phrasing each
    assert sum(item.expected is None for item in items) >= MIN_OUT_OF_SCOPE
    seen = {
        text.casefold() for answer in base.answers for text in [*answer.questions, *answer.tests]
    } | {text.casefold() for text in base.settings.out_of_scope}
    assert not [item.message for item in items if item.message.casefold() in seen]


def test_calibrating_on_the_labelled_example_is_reliable(cli_on_example_kb: list[Path]) -> None:
    args = ["eval", "answers/", "--data", "examples/labelled.jsonl", "--calibrate"]
    result = _invoke(args)
    assert result.exit_code == 0, result.output
    assert "100 messages (49 in scope, 51 out of scope)" in result.stdout
    assert "paste into replykb.yaml:\nmatch:\n  threshold: " in result.stdout
    assert result.stderr == ""  # 51 out-of-scope messages: no warning
    plain = _invoke(["eval", "answers/", "--data", "examples/labelled.jsonl"])
    assert plain.exit_code == 1  # at the base's threshold a few off-topic messages get answers
    assert "examples/labelled.jsonl:" in plain.stdout


def test_eval_on_the_example_base_reports_each_language(
    cli_on_example_kb: list[Path], example_kb: KnowledgeBase
) -> None:
    """`replykb eval answers/` on the bilingual example base: all right, and per language."""
    settings = example_kb.settings
    counts = {
        "en": (sum(len(a.tests) for a in example_kb.answers), len(settings.out_of_scope)),
        "it": (
            sum(len(a.translations["it"].tests) for a in example_kb.answers),
            len(settings.translations["it"].out_of_scope),
        ),
    }
    result = _invoke(["eval", "answers/"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    in_scope, out_of_scope = (sum(c[i] for c in counts.values()) for i in (0, 1))
    assert lines[0] == (
        f"{in_scope + out_of_scope} messages ({in_scope} in scope, {out_of_scope} out of scope) "
        f"at threshold {settings.match.threshold:g}, margin {settings.match.margin:g}"
    )
    for name, code in [("English", "en"), ("Italian", "it")]:
        tests, oos = counts[code]
        at = lines.index(
            f"{name} ({code}): {tests + oos} messages ({tests} in scope, {oos} out of scope)"
        )
        assert lines[at + 1] == (
            "  top-1 100.0%, in-scope 100.0%, out-of-scope recall 100.0%, answer precision 100.0%"
        )
    as_json = _invoke(["eval", "answers/", "--json"])
    assert as_json.exit_code == 0, as_json.output
    figures = json.loads(as_json.stdout)["languages"]
    assert [(f["language"], f["in_scope"], f["out_of_scope"]) for f in figures] == [
        (code, *counts[code]) for code in ("en", "it")
    ]
    assert all(f["in_scope_accuracy"] == f["oos_recall"] == 1.0 for f in figures)

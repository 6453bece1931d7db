"""`replykb check` on bilingual bases, through the command line: a stale and a missing
translation each fail with their own code, file and line, in every report format."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from replykb.cli import cli

from .check_helpers import BILINGUAL_SETTINGS, PAYMENT_IT, bilingual_files, mark_current

# The packaged model (no `model:`): the CLI loads it as a user's would.
SETTINGS = BILINGUAL_SETTINGS.replace(
    "model: sentence-transformers/paraphrase-multilingual-MiniLM-L12-v2\n", ""
)


@pytest.fixture(scope="module")
def language_bases(tmp_path_factory: pytest.TempPathFactory, real_embedder) -> dict[str, Path]:  # type: ignore[no-untyped-def]
    """A clean bilingual base, one with a stale translation and one with a missing one;
    their caches filled so the CLI re-checks them without encoding anything again."""
    from replykb.checks import run_checks

    roots = {}
    for name in ("clean", "stale", "missing"):
        root = tmp_path_factory.mktemp("languages") / name
        root.mkdir()
        files = bilingual_files()
        files["replykb.yaml"] = SETTINGS
        if name == "missing":
            files["payment-methods.yaml"] = PAYMENT_IT.split("translations:\n")[0]
        for file, text in files.items():
            (root / file).write_text(str(text), encoding="utf-8")
        mark_current(root)
        if name == "stale":
            refund = root / "refund-timing.yaml"
            edited = refund.read_text(encoding="utf-8").replace("of approval", "after approval")
            refund.write_text(edited, encoding="utf-8")
        run_checks(root, embedder=real_embedder)
        roots[name] = root
    return roots


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def _line(root: Path, file: str, needle: str) -> int:
    lines = (root / file).read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(lines, 1) if needle in line)


# Each failing base: its code, file and the line the finding points at.
EXPECTED = {
    "stale": ("RKB703", "refund-timing.yaml", "    source:"),
    "missing": ("RKB702", "payment-methods.yaml", "answer:"),
}


@pytest.mark.parametrize("base", ["stale", "missing"])
def test_stale_and_missing_translations_fail_check(  # type: ignore[no-untyped-def]
    runner: CliRunner, language_bases: dict[str, Path], base: str
) -> None:
    root = language_bases[base]
    code, file, needle = EXPECTED[base]
    result = runner.invoke(cli, ["check", str(root)], env={"GITHUB_ACTIONS": None})
    assert result.exit_code == 1, result.output
    line = _line(root, file, needle)
    assert f"{root / file}:{line}:" in result.output
    assert f" {code} error " in result.output
    errors = [row for row in result.output.splitlines() if " error " in row and "RKB" in row]
    assert len(errors) == 1, result.output


def test_clean_bilingual_base_passes_and_warns_about_the_model(  # type: ignore[no-untyped-def]
    runner: CliRunner, language_bases: dict[str, Path]
) -> None:
    root = language_bases["clean"]
    result = runner.invoke(cli, ["check", str(root)], env={"GITHUB_ACTIONS": None})
    assert result.exit_code == 0, result.output
    assert " RKB707 warning " in result.output
    strict = runner.invoke(cli, ["check", str(root), "--strict"], env={"GITHUB_ACTIONS": None})
    assert strict.exit_code == 1


@pytest.mark.parametrize("base", ["stale", "missing"])
def test_json_github_and_junit_reports_carry_the_codes(  # type: ignore[no-untyped-def]
    runner: CliRunner, language_bases: dict[str, Path], base: str, tmp_path: Path
) -> None:
    root = language_bases[base]
    code, file, needle = EXPECTED[base]
    line = _line(root, file, needle)

    result = runner.invoke(cli, ["check", str(root), "--format", "json"])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    finding = next(f for f in report["findings"] if f["code"] == code)
    assert finding["severity"] == "error" and finding["hint"]
    assert finding["location"]["file"] == str(root / file)
    assert finding["location"]["line"] == line
    assert finding["answer"] == file.removesuffix(".yaml")

    result = runner.invoke(cli, ["check", str(root)], env={"GITHUB_ACTIONS": "true"})
    assert result.exit_code == 1
    annotation = next(row for row in result.output.splitlines() if f"title={code}" in row)
    assert annotation.startswith(f"::error file={root / file},line={line},col=")

    output = tmp_path / "check.xml"
    args = ["check", str(root), "--format", "junit", "--output", str(output)]
    assert runner.invoke(cli, args).exit_code == 1
    suite = ET.fromstring(output.read_text(encoding="utf-8")).find("testsuite")
    assert suite is not None
    failed = {
        case.get("name", "").split()[0]
        for case in suite.iter("testcase")
        if case.find("failure") is not None
    }
    assert failed == {code}
    names = {case.get("name", "").split()[0] for case in suite.iter("testcase")}
    assert {f"RKB70{n}" for n in range(1, 9)} <= names

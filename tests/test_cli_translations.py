"""``replykb translations``: what it prints, its JSON, its exit codes, and the marks it
writes into real answer files."""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from replykb import load_answer_base
from replykb.cli import cli
from replykb.languages import source_hash

SETTINGS = "brand: Acme\nlanguages: [en, it, fr]\n"

# A source and its Italian; `{it_source}` is the Italian's `source:` line (or nothing).
ANSWER = """\
# {name}: owned by billing.
questions: [When is my {name}?]
answer: The {name} arrives in 5 working days.
short: 5 working days.
translations:
  it:   # reviewed by Giulia
{it_source}    answer: Il {name} arriva in 5 giorni lavorativi.
    short: 5 giorni lavorativi.
  fr:
    source: "{fr_source}"
    answer: Le {name} arrive en 5 jours ouvrables.
    short: 5 jours ouvrables.
"""


def _write(root: Path, name: str, *, it_source: str | None, fr_source: str = "0" * 12) -> Path:
    line = f'    source: "{it_source}"\n' if it_source else ""
    file = root / "a" / f"{name}.yaml"
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(ANSWER.format(name=name, it_source=line, fr_source=fr_source))
    return file


def _hash_of(root: Path, name: str) -> str:
    return source_hash(load_answer_base(root).answer(name))


@pytest.fixture
def base(tmp_path: Path) -> Path:
    """refund: it current, fr stale; parcel: it unmarked, fr stale; voucher: no translations."""
    root = tmp_path / "base"
    root.mkdir()
    (root / "replykb.yaml").write_text(SETTINGS)
    _write(root, "refund", it_source="0" * 12)
    _write(root, "parcel", it_source=None)
    (root / "a" / "voucher.yaml").write_text("questions: [Voucher?]\nanswer: Vouchers last.\n")
    _write(root, "refund", it_source=_hash_of(root, "refund"))
    return root


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_the_listing_says_what_needs_work_where_and_exits_1(runner: CliRunner, base: Path) -> None:
    result = runner.invoke(cli, ["translations", "--kb", str(base)])
    assert result.exit_code == 1, result.output
    refund, parcel = _hash_of(base, "refund"), _hash_of(base, "parcel")
    assert result.stdout == (
        "Italian (it): 1 missing, 0 stale, 1 unmarked, 1 current\n"
        f"  unmarked  parcel   {base}/a/parcel.yaml:6  review it, then --mark-current parcel it\n"
        f"  missing   voucher  {base}/a/voucher.yaml:2\n"
        "French (fr): 1 missing, 2 stale, 0 unmarked, 0 current\n"
        f"  stale     parcel   {base}/a/parcel.yaml:10  recorded 000000000000, source now {parcel}\n"
        f"  stale     refund   {base}/a/refund.yaml:11  recorded 000000000000, source now {refund}\n"
        f"  missing   voucher  {base}/a/voucher.yaml:2\n"
    )


@pytest.mark.parametrize(
    ("args", "lines"),
    [
        (["--language", "it"], ["Italian (it)", "parcel", "voucher"]),
        (["--language", "it", "-v"], ["Italian (it)", "parcel", "refund", "voucher"]),
        (["--language", "fr", "-q"], ["parcel", "refund", "voucher"]),
    ],
    ids=["one-language", "verbose", "quiet"],
)
def test_language_verbose_and_quiet(
    runner: CliRunner, base: Path, args: list[str], lines: list[str]
) -> None:
    result = runner.invoke(cli, ["translations", str(base), *args])
    assert result.exit_code == 1
    shown = [
        line.split()[1] if line.startswith("  ") else line.split(":")[0]
        for line in result.stdout.splitlines()
    ]
    assert shown == lines


def test_the_json_report(runner: CliRunner, base: Path) -> None:
    result = runner.invoke(cli, ["translations", "--kb", str(base), "--json", "--language", "fr"])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report == {
        "base": str(base),
        "source_language": "en",
        "ok": False,
        "languages": [
            {
                "language": "fr",
                "name": "French",
                "counts": {"missing": 1, "stale": 2, "unmarked": 0, "current": 0},
                "translations": [
                    {
                        "answer_id": name,
                        "state": state,
                        "recorded": recorded,
                        "current": _hash_of(base, name),
                        "missing_fields": [],
                        "file": f"{base}/a/{name}.yaml",
                        "line": line,
                    }
                    for name, state, recorded, line in [
                        ("parcel", "stale", "0" * 12, 10),
                        ("refund", "stale", "0" * 12, 11),
                        ("voucher", "missing", None, 2),
                    ]
                ],
            }
        ],
    }


@pytest.mark.parametrize("language", ["de", "en"], ids=["not-listed", "the-source"])
def test_a_language_that_has_no_translations_exits_2(
    runner: CliRunner, base: Path, language: str
) -> None:
    result = runner.invoke(cli, ["translations", str(base), "--language", language])
    assert result.exit_code == 2
    assert result.stderr == (
        f"replykb: error: unknown translation language '{language}'; known translation "
        "languages: fr, it\n"
        if language != "en"
        else f"replykb: error: en is the source language of {base}: its texts are the "
        "answers' own, not a translation; translations are into: "
        + ", ".join(load_answer_base(base).settings.languages[1:])
        + "\n"
    )


def test_mark_current_writes_the_mark_and_the_listing_then_passes(
    runner: CliRunner, base: Path
) -> None:
    (base / "a" / "voucher.yaml").unlink()
    file = base / "a" / "parcel.yaml"
    before = file.read_text()
    result = runner.invoke(
        cli,
        [
            "translations",
            str(base),
            "--mark-current",
            "parcel",
            "it",
            "--mark-current",
            "parcel",
            "fr",
            "--mark-current",
            "refund",
            "fr",
        ],
    )
    assert result.exit_code == 0, result.output
    parcel, refund = _hash_of(base, "parcel"), _hash_of(base, "refund")
    assert result.stdout == (
        f"{base}/a/parcel.yaml:7: parcel it current (source {parcel}; was unmarked)\n"
        f"{base}/a/parcel.yaml:11: parcel fr current (source {parcel}; was 000000000000)\n"
        f"{base}/a/refund.yaml:11: refund fr current (source {refund}; was 000000000000)\n"
    )
    assert file.read_text() == before.replace(
        "  it:   # reviewed by Giulia\n",
        f'  it:   # reviewed by Giulia\n    source: "{parcel}"\n',
    ).replace('source: "000000000000"', f'source: "{parcel}"')
    listing = runner.invoke(cli, ["translations", str(base)])
    assert listing.exit_code == 0, listing.output
    assert listing.stdout == (
        "Italian (it): 0 missing, 0 stale, 0 unmarked, 2 current\n"
        "French (fr): 0 missing, 0 stale, 0 unmarked, 2 current\n"
    )


def test_mark_all_current_marks_stale_and_unmarked_not_missing(
    runner: CliRunner, base: Path
) -> None:
    result = runner.invoke(cli, ["translations", str(base), "--mark-all-current", "fr", "--json"])
    assert result.exit_code == 0, result.output
    marked = json.loads(result.stdout)
    assert [(m["answer_id"], m["language"], m["previous"]) for m in marked] == [
        ("parcel", "fr", "0" * 12),
        ("refund", "fr", "0" * 12),
    ]
    assert marked[0]["source"] == _hash_of(base, "parcel")
    assert set(marked[0]) == {"answer_id", "language", "file", "line", "source", "previous"}
    after = runner.invoke(cli, ["translations", str(base), "--language", "fr"])
    assert after.exit_code == 1  # voucher is still missing: a mark never invents a text
    assert "French (fr): 1 missing, 0 stale, 0 unmarked, 2 current" in after.stdout


def test_a_read_only_answer_file_is_a_clear_error(runner: CliRunner, base: Path) -> None:
    file = base / "a" / "parcel.yaml"
    file.chmod(0o444)
    before = file.read_text()
    result = runner.invoke(cli, ["translations", str(base), "--mark-current", "parcel", "it"])
    assert result.exit_code == 2
    assert result.stderr == (
        f"replykb: error: {file}: the file is read-only, so the translation cannot be "
        f"marked; make it writable (chmod u+w {file}) and run the command again\n"
    )
    assert file.read_text() == before


def test_a_base_with_one_language_has_nothing_to_translate(
    runner: CliRunner, tmp_path: Path
) -> None:
    (tmp_path / "replykb.yaml").write_text("brand: Acme\nlanguage: en\n")
    (tmp_path / "refund.yaml").write_text("questions: [When?]\nanswer: Soon.\n")
    result = runner.invoke(cli, ["translations", str(tmp_path)])
    assert result.exit_code == 0
    assert "one language (en), nothing to translate" in result.stdout
    as_json = runner.invoke(cli, ["translations", str(tmp_path), "--json"])
    assert json.loads(as_json.stdout)["languages"] == [] and as_json.exit_code == 0


def test_a_base_that_does_not_load_exits_1_with_the_located_problem(
    runner: CliRunner, base: Path
) -> None:
    (base / "replykb.yaml").write_text("brand: Acme\nlanguage: en\nlanguages: [it, en]\n")
    result = runner.invoke(cli, ["translations", str(base)])
    assert result.exit_code == 1
    assert f"{base}/replykb.yaml:3:" in result.stderr
    assert "remove the old `language:` key" in result.stderr


def test_help_has_examples_exit_codes_kb_and_quiet(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["translations", "--help"])
    assert result.exit_code == 0
    assert "Examples:\n    replykb translations --kb answers/" in result.output
    words = " ".join(result.output.split())
    assert "Exit 0 when every translation is current and complete, 1 when any is missing" in words
    assert "--kb DIR The answer base folder (default: answers/)." in words
    assert "--mark-current ID LANG" in words and "-q, --quiet" in words
    assert "replykb translations" in runner.invoke(cli, ["--help"]).output


def test_the_installed_command_exits_1_then_0(base: Path) -> None:
    (base / "a" / "voucher.yaml").unlink()
    env = {**os.environ, "REPLYKB_KB": str(base)}
    command = [sys.executable, "-m", "replykb", "translations"]
    first = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    assert first.returncode == 1 and "unmarked  parcel" in first.stdout
    marks = ["--mark-all-current", "it", "--mark-all-current", "fr"]
    marked = subprocess.run(
        [*command, *marks[:2]], env=env, capture_output=True, text=True, check=False
    )
    assert marked.returncode == 0, marked.stderr
    subprocess.run([*command, *marks[2:]], env=env, capture_output=True, check=True)
    last = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    assert last.returncode == 0, last.stdout


def _with_hook(monkeypatch: pytest.MonkeyPatch, hook: Callable[[Path], None]) -> None:
    """The command's own mark_current, with ``hook`` run just before each file is
    compared and replaced (the moment another writer can strike)."""
    from replykb import translations as module

    monkeypatch.setattr(
        module, "mark_current", functools.partial(module.mark_current, before_replace=hook)
    )


def test_an_edit_saved_during_mark_all_current_is_kept_and_the_run_exits_2(
    runner: CliRunner, base: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    parcel, refund = base / "a" / "parcel.yaml", base / "a" / "refund.yaml"
    originals = {parcel: parcel.read_bytes(), refund: refund.read_bytes()}

    def translator_appends_a_note(file: Path) -> None:
        if file == refund.resolve():  # parcel.yaml is already written by now
            with refund.open("ab") as stream:
                stream.write(b"# translator note\n")

    _with_hook(monkeypatch, translator_appends_a_note)
    result = runner.invoke(cli, ["translations", str(base), "--mark-all-current", "fr"])
    assert result.exit_code == 2
    assert result.stderr == (
        f"replykb: error: {refund.resolve()}: refund.yaml changed while marking (saved by "
        "someone else since it was read); it was left as it is and no mark was written: run "
        "the command again\n"
    )
    assert refund.read_bytes() == originals[refund] + b"# translator note\n"
    assert parcel.read_bytes() == originals[parcel]  # restored: all or nothing
    listing = runner.invoke(cli, ["translations", str(base), "--language", "fr"])
    assert "French (fr): 1 missing, 2 stale, 0 unmarked, 0 current" in listing.stdout


def test_a_second_run_at_once_is_refused_and_no_mark_is_lost(
    runner: CliRunner, base: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seconds: list[subprocess.CompletedProcess[str]] = []

    def another_run(file: Path) -> None:
        if not seconds:  # a real second process, while this run holds the lock
            command = [sys.executable, "-m", "replykb", "translations", str(base)]
            seconds.append(
                subprocess.run(
                    [*command, "--mark-all-current", "it"],
                    capture_output=True,
                    text=True,
                    check=False,
                )
            )

    _with_hook(monkeypatch, another_run)
    result = runner.invoke(cli, ["translations", str(base), "--mark-all-current", "fr"])
    assert result.exit_code == 0, result.output
    (second,) = seconds
    assert second.returncode == 2
    assert second.stderr == (
        f"replykb: error: {base}: another `replykb translations --mark-...` is marking this "
        "base; wait until it ends, then run the command again\n"
    )
    fr = runner.invoke(cli, ["translations", str(base), "--language", "fr"])
    assert "French (fr): 1 missing, 0 stale, 0 unmarked, 2 current" in fr.stdout
    it = runner.invoke(cli, ["translations", str(base), "--language", "it"])
    assert "Italian (it): 1 missing, 0 stale, 1 unmarked, 1 current" in it.stdout
    # Run again once the first ended: it marks, and every French mark is still there.
    again = runner.invoke(cli, ["translations", str(base), "--mark-all-current", "it"])
    assert again.exit_code == 0, again.output
    both = runner.invoke(cli, ["translations", str(base)])
    assert "Italian (it): 1 missing, 0 stale, 0 unmarked, 2 current" in both.stdout
    assert "French (fr): 1 missing, 0 stale, 0 unmarked, 2 current" in both.stdout


@pytest.mark.parametrize("italian_fallback", [False, True], ids=["english-only", "italian"])
def test_a_detail_with_only_an_english_fallback_fails_translations_as_check(  # type: ignore[no-untyped-def]
    runner: CliRunner, write_base, real_embedder, italian_fallback: bool
) -> None:
    """The Italian text prints details.order_id, whose fallback only the English gives
    ("Segui your order al link"): `replykb check` (RKB702) and `replykb translations`
    both fail on it, at the same answer; with an Italian fallback both pass."""
    from replykb.checks import run_checks

    from .check_helpers import bilingual_base
    from .test_checks_languages_details import IT_FALLBACK, WHERE_IT

    where = WHERE_IT + IT_FALLBACK if italian_fallback else WHERE_IT
    root = bilingual_base(write_base, **{"where.yaml": where})
    result = runner.invoke(cli, ["translations", "--kb", str(root), "--language", "it"])
    report = run_checks(root, embedder=real_embedder)
    rkb702 = [f.answer for f in report.findings if f.code == "RKB702"]
    if italian_fallback:
        assert (result.exit_code, rkb702) == (0, []), result.output
        return
    assert result.exit_code == 1 and rkb702 == ["where"], result.output
    line = next(text for text in result.output.splitlines() if " where " in text)
    assert line.split()[:2] == ["current", "where"]
    assert line.endswith("lacks details.order_id.fallback (the source has it)"), line
    data = json.loads(runner.invoke(cli, ["translations", str(root), "--json"]).output)
    (status,) = [t for t in data["languages"][0]["translations"] if t["answer_id"] == "where"]
    assert status["missing_fields"] == ["details.order_id.fallback"] and not data["ok"]

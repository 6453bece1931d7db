"""`replykb init`: a new base that passes its own checks at once, never overwriting."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from replykb import KnowledgeBase, load_answer_base
from replykb.checks import run_checks
from replykb.checks.formats import format_text
from replykb.cli import cli
from replykb.evaluate import labelled_from_base, report, score_messages


def test_init_creates_a_base_that_loads_and_matches(tmp_path: Path, real_embedder) -> None:  # type: ignore[no-untyped-def]
    root = tmp_path / "my-answers"
    result = CliRunner().invoke(cli, ["init", str(root)])
    assert result.exit_code == 0, result.output
    for expected in (
        "replykb.yaml",
        ".gitignore",
        ".github/workflows/replykb-check.yml",
        "templates/short.j2",
    ):
        assert (root / expected).is_file(), expected
    base = load_answer_base(root)
    assert len(base.answers) == 3
    kb = KnowledgeBase.load(root, embedder=real_embedder)
    result_report = report(
        score_messages(kb, labelled_from_base(base)),
        base.settings.match.threshold,
        base.settings.match.margin,
    )
    assert result_report.failures == []
    assert ".replykb/" in (root / ".gitignore").read_text()
    checked = run_checks(root, embedder=real_embedder)
    assert checked.findings == [], format_text(checked)


def test_init_refuses_to_overwrite(tmp_path: Path) -> None:
    (tmp_path / "replykb.yaml").write_text("brand: Mine\n")
    result = CliRunner().invoke(cli, ["init", str(tmp_path)])
    assert result.exit_code == 2
    assert "already exists; replykb init never overwrites" in result.output
    assert (tmp_path / "replykb.yaml").read_text() == "brand: Mine\n"


def test_debug_shows_traceback_and_no_color(tmp_path: Path) -> None:
    (tmp_path / "replykb.yaml").write_text("brand: Mine\n")
    plain = CliRunner().invoke(cli, ["init", str(tmp_path)])
    debug = CliRunner().invoke(cli, ["--debug", "init", str(tmp_path)])
    assert "Traceback" not in plain.output
    assert "Traceback" in debug.output and "BaseExistsError" in debug.output


def test_no_color_strips_styles(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli,
        [
            "render",
            "refund-timing",
            "--kb",
            str(Path(__file__).parent.parent / "answers"),
            "-c",
            "x",
        ],
        env={"NO_COLOR": "1"},
        color=True,
    )
    assert result.exit_code == 0
    assert "\x1b[" not in result.output
    colored = CliRunner().invoke(
        cli,
        [
            "render",
            "refund-timing",
            "--kb",
            str(Path(__file__).parent.parent / "answers"),
            "-c",
            "x",
        ],
        color=True,
    )
    assert "\x1b[" in colored.output

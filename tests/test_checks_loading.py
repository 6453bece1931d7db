"""RKB0xx: a base that does not load fails the check, with every problem located."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from replykb.checks import LOADER_CODES, CheckReport, run_checks
from replykb.checks import run as run_module
from replykb.cli import cli

from .check_helpers import (
    PAYMENT,
    PAYMENT_IT,
    REFUND,
    REFUND_IT,
    SETTINGS,
    assert_one,
    base_files,
    bilingual_files,
    check,
    found,
    line_of,
)
from .conftest import WriteBase
from .unprivileged import load_and_check_unprivileged, make_world_readable, shared_tmp

__all__ = ["shared_tmp"]  # a fixture, used by name


def test_rkb001_schema_error_is_located(write_base: WriteBase) -> None:
    text = REFUND.replace("questions:", "qestions:")
    root = write_base(base_files(refund_timing=text))
    report = run_checks(root)
    assert not report.loaded and report.checks == list(LOADER_CODES)
    messages = [(f.location.line, f.message) for f in found(report, "RKB001")]
    assert any(
        line == 1 and m.startswith("questions: missing required key `questions`; add")
        for line, m in messages
    )
    unknown = [m for line, m in messages if line == 1 and m.startswith("qestions: unknown key")]
    assert unknown and "did you mean `questions`" in unknown[0]


def test_rkb001_yaml_syntax_error_is_located(write_base: WriteBase) -> None:
    root = write_base(base_files(refund_timing=REFUND + "tags: [a, b\n"))
    report = run_checks(root)
    finding = found(report, "RKB001")[0]
    assert finding.location.file == str(root / "refund-timing.yaml")
    assert "YAML syntax error" in finding.message


@pytest.mark.parametrize(
    ("file", "text"),
    [
        ("replykb.yaml", "~\n"),
        ("refund-timing.yaml", "~\n"),
        ("refund-timing.yaml", "null\n"),
        ("refund-timing.yaml", ""),
        ("refund-timing.yaml", "- a list\n"),
    ],
)
def test_rkb001_a_base_that_does_not_load_never_passes(
    write_base: WriteBase, file: str, text: str
) -> None:
    """Issue 11: `~` in replykb.yaml or an empty/null answer file used to exit 0."""
    root = write_base(base_files(refund_timing=REFUND) | {file: text})
    report = run_checks(root)
    assert not report.loaded and report.failed()
    assert [Path(f.location.file).name for f in found(report, "RKB001")] == [file]
    result = CliRunner().invoke(cli, ["check", str(root)])
    assert result.exit_code == 1, result.output
    assert f"{root / file}:1:1: RKB001 error" in result.output


def test_rkb002_duplicate_id(write_base: WriteBase) -> None:
    root = write_base(base_files(a=f"id: refund\n{REFUND}", b=f"id: refund\n{PAYMENT}"))
    assert_one(run_checks(root), "RKB002", root / "b.yaml", 1, contains=["duplicate answer id"])


def test_rkb003_signature_for_an_unknown_channel(write_base: WriteBase) -> None:
    settings = SETTINGS.replace('      sms: "Paola"', '      fax: "Paola"')
    root = write_base({"replykb.yaml": settings, "refund-timing.yaml": REFUND})
    assert_one(
        run_checks(root),
        "RKB003",
        root / "replykb.yaml",
        line_of(settings, "fax:"),
        contains=["unknown channel 'fax'"],
    )


def test_rkb003_unknown_detail_of_a_translation_hint_agrees_with_the_message(
    write_base: WriteBase,
) -> None:
    # R1-5: the message says to declare it under the answer's `details:`; the hint must
    # not send the team to replykb.yaml.
    refund = REFUND_IT + "    details:\n      nope:\n        fallback: x\n"
    root = write_base(bilingual_files(refund_timing=refund, payment_methods=PAYMENT_IT))
    finding = assert_one(
        run_checks(root),
        "RKB003",
        root / "refund-timing.yaml",
        line_of(refund, "nope:"),
        contains=["declare it under the answer's `details:` first"],
    )
    assert "the answer's `details:` for a detail" in (finding.hint or "")
    assert not (finding.hint or "").startswith("define it in replykb.yaml")


def test_rkb003_channel_template_that_does_not_exist(write_base: WriteBase, real_embedder) -> None:  # type: ignore[no-untyped-def]
    settings = SETTINGS.replace("  facebook: {}", "  facebook:\n    template: fb.j2")
    root = write_base({"replykb.yaml": settings, "refund-timing.yaml": REFUND})
    report = check(root, real_embedder)
    assert report.loaded
    assert_one(
        report,
        "RKB003",
        root / "replykb.yaml",
        line_of(settings, "template: fb.j2"),
        contains=["fb.j2"],
    )


@pytest.mark.parametrize("file", ["refund-timing.yaml", "replykb.yaml", "templates/sms.j2"])
def test_rkb004_unreadable_file_is_a_finding(shared_tmp: Path, file: str) -> None:
    """Issue 11: an unreadable answer, template or replykb.yaml was a traceback."""
    root = shared_tmp / "base"
    root.mkdir()
    files = base_files(refund_timing=REFUND) | {"templates/sms.j2": "{{ body }}\n"}
    for relative, text in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(str(text), encoding="utf-8")
    make_world_readable(root)
    (root / file).chmod(0o000)
    seen = load_and_check_unprivileged(root)
    assert seen["exit_code"] == 1, seen["output"]
    assert f"{root / file}:1:1: RKB004 error" in seen["output"], seen["output"]
    assert "Traceback" not in seen["output"]


def test_an_unreadable_file_the_loader_missed_is_still_a_finding(
    write_base: WriteBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_base(base_files(refund_timing=REFUND))

    def unreadable(path: object) -> None:
        raise PermissionError(13, "Permission denied", str(root / "refund-timing.yaml"))

    monkeypatch.setattr(run_module, "load_answer_base", unreadable)
    report = run_checks(root)
    assert not report.loaded and report.failed()
    assert_one(report, "RKB004", root / "refund-timing.yaml", 1, contains=["Permission denied"])


def test_a_report_of_a_base_that_did_not_load_always_fails() -> None:
    assert CheckReport(base="answers", loaded=False).failed()
    assert not CheckReport(base="answers").failed()


def test_loading_codes_are_the_loaders(write_base: WriteBase) -> None:
    from replykb.locations import LoaderCode

    assert set(LOADER_CODES) == set(LoaderCode.__args__)

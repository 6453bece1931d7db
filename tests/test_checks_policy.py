"""RKB6xx: the review policy; and accepting findings with `check: ignore`, reported as
suppressed, with a warning (RKB604) for an ignore that accepts nothing."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from replykb.checks import run_checks
from replykb.checks.formats import format_json, format_junit, format_text
from replykb.cli import cli

from .check_helpers import (
    PAYMENT,
    REFUND,
    SETTINGS,
    assert_one,
    base_files,
    check,
    found,
    line_of,
)
from .conftest import WriteBase

HELLO = "questions:\n  - hi\nanswer: Hello!\nreviewed: 2026-10-01\n"


def test_rkb601_review_too_old_or_missing(write_base: WriteBase, real_embedder) -> None:  # type: ignore[no-untyped-def]
    old = REFUND.replace("reviewed: 2026-10-01", "reviewed: 2025-01-15")
    never = PAYMENT.replace("reviewed: 2026-10-01\n", "")
    root = write_base(base_files(refund_timing=old, payment_methods=never))
    report = check(root, real_embedder)
    findings = found(report, "RKB601")
    assert [(Path(f.location.file).name, f.location.line) for f in findings] == [
        ("payment-methods.yaml", 1),
        ("refund-timing.yaml", line_of(old, "reviewed:")),
    ]
    assert "677 days ago" in findings[1].message and findings[1].severity == "warning"
    assert [f.answer for f in findings] == ["payment-methods", "refund-timing"]


def test_rkb602_and_rkb603_few_questions_no_tests(write_base: WriteBase, real_embedder) -> None:  # type: ignore[no-untyped-def]
    root = write_base(base_files(hello=HELLO))
    report = check(root, real_embedder)
    assert_one(report, "RKB602", root / "hello.yaml", 1, contains=["has 1 question;", "at least 3"])
    assert_one(report, "RKB603", root / "hello.yaml", 1, contains=["no `tests:`"])
    assert report.errors == []


# --- accepting findings ---------------------------------------------------------------


def test_base_ignore_suppresses_a_code_everywhere(write_base: WriteBase, real_embedder) -> None:  # type: ignore[no-untyped-def]
    settings = SETTINGS + "check:\n  ignore: [RKB602, {code: RKB603, reason: tests come later}]\n"
    root = write_base(
        base_files(hello=HELLO, bye=HELLO.replace("hi", "bye")) | {"replykb.yaml": settings}
    )
    report = check(root, real_embedder)
    assert found(report, "RKB602") == found(report, "RKB603") == []
    assert report.findings == [], [str(f) for f in report.findings]
    assert report.suppressed_count == 4
    by_code = {(s.finding.code, s.finding.answer): s for s in report.suppressed}
    assert set(by_code) == {(c, a) for c in ("RKB602", "RKB603") for a in ("bye", "hello")}
    accepted = by_code[("RKB603", "hello")]
    assert accepted.reason == "tests come later"
    assert accepted.ignored_at.file == str(root / "replykb.yaml")
    assert accepted.ignored_at.line == line_of(settings, "ignore:")
    text = format_text(report)
    assert "no problems, 4 suppressed by `check: ignore`" in text
    assert "    2  RKB603 answer without tests (warning, suppressed)" in text
    data = json.loads(format_json(report))
    assert data["suppressed_count"] == 4 and data["warning_count"] == 0
    assert {s["reason"] for s in data["suppressed"]} == {None, "tests come later"}
    junit = format_junit(report, strict=True)
    assert "<failure" not in junit and "suppressed at" in junit
    # --strict passes: nothing but accepted warnings is left.
    result = CliRunner().invoke(cli, ["check", str(root), "--strict"])
    assert result.exit_code == 0, result.output
    assert "4 suppressed" in result.output


def test_answer_ignore_suppresses_that_answer_only(write_base: WriteBase, real_embedder) -> None:  # type: ignore[no-untyped-def]
    reason = "seasonal answer, reviewed every summer"
    old = REFUND.replace("reviewed: 2026-10-01", "reviewed: 2025-01-15")
    accepted = old + f"check:\n  ignore:\n    - code: RKB601\n      reason: {reason}\n"
    root = write_base(base_files(refund_timing=accepted, payment=old.replace("refund", "money")))
    report = check(root, real_embedder)
    assert [f.answer for f in found(report, "RKB601")] == ["payment"]
    (suppressed,) = report.suppressed
    assert (suppressed.finding.code, suppressed.finding.answer) == ("RKB601", "refund-timing")
    assert suppressed.reason == reason
    assert suppressed.ignored_at.file == str(root / "refund-timing.yaml")
    assert suppressed.ignored_at.line == line_of(accepted, "- code: RKB601")


def test_rkb604_ignore_that_accepts_nothing(write_base: WriteBase, real_embedder) -> None:  # type: ignore[no-untyped-def]
    settings = SETTINGS + "check:\n  ignore:\n    - RKB405\n"
    refund = REFUND + "check:\n  ignore: [RKB403, RKB999]\n"
    root = write_base(base_files(refund_timing=refund) | {"replykb.yaml": settings})
    report = check(root, real_embedder)
    findings = found(report, "RKB604")
    assert [(Path(f.location.file).name, f.location.line, f.answer) for f in findings] == [
        ("refund-timing.yaml", line_of(refund, "RKB403"), "refund-timing"),
        ("refund-timing.yaml", line_of(refund, "RKB999"), "refund-timing"),
        ("replykb.yaml", line_of(settings, "- RKB405"), None),
    ]
    assert "accepts RKB403, but no RKB403 finding is left in 'refund-timing'" in findings[0].message
    assert "RKB999, which is not a code" in findings[1].message
    assert all(f.severity == "warning" for f in findings)
    assert report.suppressed == []


def test_an_ignore_that_is_not_a_code_does_not_load(write_base: WriteBase) -> None:
    refund = REFUND + "check:\n  ignore: [RKB40]\n"
    root = write_base(base_files(refund_timing=refund))
    report = run_checks(root)
    finding = assert_one(report, "RKB001", root / "refund-timing.yaml", line_of(refund, "RKB40"))
    assert "such as RKB403" in finding.message

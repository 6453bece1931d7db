"""The rule registry: every code declared once with its docs, a test, and the README's
list of codes generated from it; the example base passes; the public API."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import replykb
from replykb.checks import CHECKS, FAMILIES, LOADER_CODES, RULES, CheckReport, run_checks
from replykb.checks.catalogue import BEGIN, END, catalogue_markdown, replace_catalogue
from replykb.checks.formats import format_text
from replykb.checks.registry import Family, Found

from .check_helpers import PAYMENT, REFUND, base_files, check
from .conftest import EXAMPLE_BASE, WriteBase

TESTS = Path(__file__).parent
README = TESTS.parent / "README.md"


@pytest.mark.parametrize("code", sorted(RULES))
def test_every_code_is_documented(code: str) -> None:
    rule = RULES[code]
    assert re.fullmatch(r"RKB\d{3}", code)
    assert rule.title and rule.hint and rule.severity in ("error", "warning")
    assert "```yaml\n" in rule.doc and "\nFix: " in f"\n{rule.doc}", rule.doc
    family = next(f for f in FAMILIES if f.name == rule.family)
    assert code.startswith(family.prefix.rstrip("x"))


@pytest.mark.parametrize("code", sorted(RULES))
def test_every_code_has_a_test(code: str) -> None:
    """A test named test_rkbNNN_... in a tests/test_checks_<family>.py file."""
    pattern = re.compile(rf"^def test_(?:\w+_)?{code.lower()}_", re.M)
    files = [f.name for f in TESTS.glob("test_checks_*.py") if pattern.search(f.read_text())]
    assert files, f"no test_{code.lower()}_... in tests/test_checks_*.py"


def test_the_readme_lists_the_registrys_codes() -> None:
    readme = README.read_text(encoding="utf-8")
    assert BEGIN in readme and END in readme
    assert replace_catalogue(readme) == readme, (
        "the README's check codes differ from replykb/checks/: run "
        "`python -m replykb.checks.catalogue --write README.md`"
    )
    for code, rule in RULES.items():
        assert f"### {code} {rule.title} ({rule.severity})" in catalogue_markdown()


def test_the_catalogue_is_derived_from_the_declarations() -> None:
    declared = [rule.code for family in FAMILIES for rule in family.rules]
    assert sorted(declared) == list(RULES) and len(set(declared)) == len(declared)
    assert tuple(rule.check for rule in RULES.values() if rule.check is not None) == CHECKS
    assert LOADER_CODES == ("RKB001", "RKB002", "RKB003", "RKB004")


def test_a_family_refuses_a_code_twice_or_of_another_family() -> None:
    family = Family("demo", "RKB9xx", "demo")

    @family.rule("RKB901", "warning", "demo", hint="none")
    def demo(ctx: object) -> list[Found]:
        """```yaml\n```\nFix: none."""
        return []

    with pytest.raises(ValueError, match="declared twice"):
        family.rule("RKB901", "warning", "again", hint="none")(demo)
    with pytest.raises(ValueError, match="not a code of family RKB9xx"):
        family.declare("RKB101", "error", "other", hint="none", doc="")
    assert family.rules[0].doc.startswith("```yaml")


def test_public_api() -> None:
    assert replykb.run_checks is run_checks
    assert replykb.CheckReport is CheckReport


@pytest.fixture(scope="module")
def example_report(real_embedder) -> CheckReport:  # type: ignore[no-untyped-def]
    return run_checks(EXAMPLE_BASE, embedder=real_embedder)


def test_example_base_has_no_errors(example_report: CheckReport) -> None:
    assert example_report.loaded
    assert example_report.answers == 49
    assert example_report.errors == [], format_text(example_report)
    assert example_report.checks == list(RULES)


def test_clean_base_has_no_findings(write_base: WriteBase, real_embedder) -> None:  # type: ignore[no-untyped-def]
    root = write_base(base_files(refund_timing=REFUND, payment_methods=PAYMENT))
    report = check(root, real_embedder)
    assert report.findings == [], format_text(report)
    assert (report.answers, report.questions) == (2, 6)


def test_text_without_totals_is_only_the_findings(write_base: WriteBase, real_embedder) -> None:  # type: ignore[no-untyped-def]
    """`replykb check -q`: each finding with its hint, no counts and no summary."""
    from replykb.checks.formats import format_github

    root = write_base(base_files(refund_timing=REFUND.replace("reviewed: 2026-10-01\n", "")))
    report = check(root, real_embedder)
    text = format_text(report, totals=False)
    assert text == "".join(f"{f}\n    hint: {f.hint}\n" for f in report.findings), text
    assert text.startswith(f"{root / 'refund-timing.yaml'}:1:1: RKB601 warning")
    assert "RKB601 answer not reviewed" not in text and str(root) + ":" not in text.splitlines()[-1]
    assert format_github(report, totals=False).endswith(text)
    clean = CheckReport(base="answers")
    assert format_text(clean, totals=False) == format_github(clean, totals=False) == ""

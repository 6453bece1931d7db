"""Check reports as text for people, JSON for tools, GitHub annotations and JUnit XML for CI.

Every formatter is a pure function ``CheckReport -> str``: nothing is printed here.
Titles and severities come from the rule registry; accepted (suppressed) findings are
counted in the summary and listed, never failing and never annotated.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Final

from ..models import Finding
from .report import CheckReport
from .rules import RULES

__all__ = ["FORMATS", "format_github", "format_json", "format_junit", "format_text", "summary"]


def summary(report: CheckReport) -> str:
    """One line: how many errors and warnings (and accepted findings), in how many answers."""
    errors, warnings = report.error_count, report.warning_count
    if not report.findings:
        outcome = "no problems"
    else:
        outcome = f"{_plural(errors, 'error')}, {_plural(warnings, 'warning')}"
    if report.suppressed:
        outcome += f", {report.suppressed_count} suppressed by `check: ignore`"
    if report.loaded:
        scope = f"{_plural(report.answers, 'answer')}, {_plural(report.questions, 'question')}"
    else:
        scope = "the base did not load: fix these first, the other checks did not run"
    return f"{report.base}: {outcome} ({scope})"


def format_text(report: CheckReport, *, totals: bool = True) -> str:
    """``path:line:col: CODE severity message`` per finding, its hint and related places
    indented below it, then a count per code (accepted ones apart) and a summary line.

    Without ``totals`` (``replykb check -q``) only the findings: an empty string when
    there are none."""
    lines = [_finding_block(finding) for finding in report.findings]
    if totals:
        lines.extend(_counts_by_code(report))
        lines.append(summary(report))
    return "".join(f"{line}\n" for line in lines)


def format_json(report: CheckReport) -> str:
    """The report as one JSON object; ``findings`` carry code, severity, location
    (file, line, column), message, hint, related locations, answer and count;
    ``suppressed`` the accepted findings with where they were accepted and why."""
    return json.dumps(report.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"


def format_github(report: CheckReport, *, totals: bool = True) -> str:
    """GitHub Actions workflow commands, one annotation per finding, then the text report
    (with or without its ``totals``).

    GitHub shows only the first few annotations of each kind on a pull request, so the
    plain listing that follows is where every finding can be read.
    """
    lines = [_annotation(finding) for finding in report.findings]
    text = format_text(report, totals=totals)
    if report.findings and text:
        lines.append("")
    if text:
        lines.append(text.rstrip("\n"))
    return "".join(f"{line}\n" for line in lines)


def format_junit(report: CheckReport, *, strict: bool = False) -> str:
    """JUnit XML: one test case per check code; errors (and with ``strict`` warnings)
    are failures, the other warnings and the accepted findings go to the case's output.
    Codes that did not run (the base did not load) are skipped."""
    by_code: dict[str, list[Finding]] = {code: [] for code in RULES}
    for finding in report.findings:
        by_code.setdefault(finding.code, []).append(finding)
    accepted: dict[str, list[str]] = {}
    for item in report.suppressed:
        why = f" ({item.reason})" if item.reason else ""
        accepted.setdefault(item.finding.code, []).append(
            f"suppressed at {item.ignored_at}{why}: {item.finding}"
        )
    suites = ET.Element("testsuites", name="replykb check")
    suite = ET.SubElement(suites, "testsuite", name=f"replykb check {report.base}")
    failures = skipped = 0
    for code, findings in by_code.items():
        rule = RULES.get(code)
        title = rule.title if rule else code
        case = ET.SubElement(suite, "testcase", classname="replykb.check", name=f"{code} {title}")
        failing = [f for f in findings if f.severity == "error" or strict]
        if code not in report.checks and not findings:
            ET.SubElement(case, "skipped", message="not run: the base did not load")
            skipped += 1
        elif failing:
            failure = ET.SubElement(
                case,
                "failure",
                message=f"{_plural(len(failing), 'finding')}: {failing[0].message}",
                type=code,
            )
            failure.text = "\n".join(_finding_block(f) for f in failing)
            failures += 1
        passing = [_finding_block(f) for f in findings if f not in failing]
        passing += accepted.get(code, [])
        if passing:
            output = ET.SubElement(case, "system-out")
            output.text = "\n".join(passing)
    suite.set("tests", str(len(by_code)))
    suite.set("failures", str(failures))
    suite.set("errors", "0")
    suite.set("skipped", str(skipped))
    for name in ("tests", "failures", "errors", "skipped"):
        suites.set(name, suite.get(name, "0"))
    ET.indent(suites)
    body = ET.tostring(suites, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{body}\n'


FORMATS: Final[Mapping[str, Callable[[CheckReport], str]]] = MappingProxyType(
    {
        "text": format_text,
        "json": format_json,
        "github": format_github,
        "junit": format_junit,
    }
)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _counts_by_code(report: CheckReport) -> list[str]:
    counts = Counter(finding.code for finding in report.findings)
    accepted = Counter(item.finding.code for item in report.suppressed)
    lines = []
    for code in sorted(counts.keys() | accepted.keys()):
        rule = RULES.get(code)
        title = f" {rule.title}" if rule else ""
        severity = rule.severity if rule else ""
        if counts[code]:
            lines.append(f"{counts[code]:5d}  {code}{title} ({severity})")
        if accepted[code]:
            lines.append(f"{accepted[code]:5d}  {code}{title} ({severity}, suppressed)")
    return lines


def _finding_block(finding: Finding) -> str:
    lines = [str(finding)]
    if finding.hint:
        lines.append(f"    hint: {finding.hint}")
    lines.extend(f"    see also: {place}" for place in finding.related)
    return "\n".join(lines)


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _annotation(finding: Finding) -> str:
    """``::error file=…,line=…,col=…,title=CODE::message`` (workflow command syntax)."""
    where = finding.location
    properties = ",".join(
        f"{key}={_escape_property(str(value))}"
        for key, value in (
            ("file", where.file),
            ("line", where.line),
            ("col", where.column),
            ("title", finding.code),
        )
    )
    message = finding.message
    if finding.hint:
        message += f"\nhint: {finding.hint}"
    message += "".join(f"\nsee also: {place}" for place in finding.related)
    return f"::{finding.severity} {properties}::{_escape_data(message)}"

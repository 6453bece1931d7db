"""Small answer bases and assertions shared by the tests of `replykb check`
(tests/test_checks_<family>.py, one file per family of codes)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from replykb.checks import RULES, CheckReport, run_checks
from replykb.models import Finding

TODAY = date(2026, 11, 23)

SETTINGS = """\
brand: Acme
match:
  threshold: 0.5
  margin: 0.02
channels:
  x: {}
  sms: {}
  facebook: {}
  email: {}
agents:
  paola:
    name: Paola
    signatures:
      x: "^Paola"
      sms: "Paola"
  dev:
    name: Dev
policy:
  max_review_age_days: 365
  min_questions: 3
"""

REFUND = """\
questions:
  - When will I get my refund?
  - how long does a refund take
  - still waiting for my money back
answer: Refunds reach your account within 5 working days of approval. Follow yours at {{ link }}.
short: "Refunds arrive within 5 working days: {{ link }}"
facts: ["5 working days"]
link: https://help.acme.example/refunds
reviewed: 2026-10-01
tests:
  - my refund hasn't arrived yet
"""

PAYMENT = """\
questions:
  - which cards do you accept
  - can I pay with PayPal
  - what payment methods can I use
answer: We accept Visa, Mastercard, American Express and PayPal.
reviewed: 2026-10-01
tests:
  - what cards can I pay with
"""

PASSWORD = """\
questions:
  - How do I reset my password?
  - I forgot my password
  - can't log in to my account
answer: Reset your password at {{ link }}; the link in the e-mail works for 24 hours.
link: https://help.acme.example/password
reviewed: 2026-10-01
tests:
  - password reset please
"""


def base_files(**answers: str) -> dict[str, str | bytes]:
    """A base of SETTINGS and the given answers (``refund_timing=...`` -> refund-timing.yaml)."""
    files: dict[str, str | bytes] = {"replykb.yaml": SETTINGS}
    files.update({f"{name.replace('_', '-')}.yaml": text for name, text in answers.items()})
    return files


def line_of(text: str, needle: str) -> int:
    """The 1-based line of the first line of ``text`` containing ``needle``."""
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in the text")


def check(root: Path, embedder: Any) -> CheckReport:
    return run_checks(root, embedder=embedder, today=TODAY)


def found(report: CheckReport, code: str) -> list[Finding]:
    return [finding for finding in report.findings if finding.code == code]


def assert_one(
    report: CheckReport, code: str, file: Path, line: int, *, contains: Sequence[str] = ()
) -> Finding:
    """Exactly one finding ``code``, at ``file``:``line``, whose message has ``contains``."""
    findings = found(report, code)
    assert len(findings) == 1, [str(f) for f in report.findings]
    finding = findings[0]
    assert finding.severity == RULES[code].severity
    assert Path(finding.location.file) == file, finding
    assert finding.location.line == line, finding
    for text in contains:
        assert text in finding.message, finding.message
    assert finding.hint
    return finding


def assert_inside_base(report: CheckReport, root: Path) -> None:
    """No finding points outside the base (inside the installed package, say)."""
    for finding in report.findings:
        for place in (finding.location, *finding.related):
            assert Path(place.file).is_relative_to(root), str(finding)

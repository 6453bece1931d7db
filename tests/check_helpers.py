"""Small answer bases and assertions shared by the tests of `replykb check`
(tests/test_checks_<family>.py, one file per family of codes): an English base
(SETTINGS and answers) and the same base in English and Italian (BILINGUAL_SETTINGS,
REFUND_IT, PAYMENT_IT: clean as written, each test breaks one thing)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from replykb.checks import RULES, CheckReport, run_checks
from replykb.languages import source_hash
from replykb.loader import load_answer_base
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


# A multilingual model name: RKB707 stays quiet; the tests still embed with the real
# packaged model (run_checks(embedder=...)), so nothing is downloaded.
BILINGUAL_SETTINGS = SETTINGS.replace(
    "brand: Acme\n",
    "brand: Acme\nlanguages: [en, it]\nmodel: sentence-transformers/paraphrase-multilingual-MiniLM-L12-v2\n",
).replace(
    '      sms: "Paola"\n',
    '      sms: "Paola"\n'
    "    translations:\n"
    "      it:\n"
    '        signatures: {x: "^Paola", sms: "Paola"}\n',
)

# Written over by mark_current with the answer's current source hash.
PLACEHOLDER = "source: aaaaaaaaaaaa"

REFUND_IT = (
    REFUND
    + f"""\
translations:
  it:
    {PLACEHOLDER}
    questions:
      - Quando riceverò il mio rimborso?
      - quanto tempo ci vuole per un rimborso
      - aspetto ancora il rimborso dei miei soldi
    answer: I rimborsi arrivano sul tuo conto entro 5 giorni lavorativi dall'approvazione. Seguilo su {{{{ link }}}}.
    short: "I rimborsi arrivano entro 5 giorni lavorativi: {{{{ link }}}}"
    facts: ["5 giorni lavorativi"]
    tests:
      - il mio rimborso non è ancora arrivato
"""
)

PAYMENT_IT = (
    PAYMENT
    + f"""\
translations:
  it:
    {PLACEHOLDER}
    questions:
      - quali carte di credito accettate
      - posso pagare con PayPal
      - quali metodi di pagamento posso usare
    answer: Accettiamo Visa, Mastercard, American Express e PayPal.
    tests:
      - con quali carte di credito posso pagare
"""
)


def base_files(**answers: str) -> dict[str, str | bytes]:
    """A base of SETTINGS and the given answers (``refund_timing=...`` -> refund-timing.yaml)."""
    files: dict[str, str | bytes] = {"replykb.yaml": SETTINGS}
    files.update({f"{name.replace('_', '-')}.yaml": text for name, text in answers.items()})
    return files


def bilingual_files(**answers: str) -> dict[str, str | bytes]:
    """BILINGUAL_SETTINGS and the given answers (default: REFUND_IT and PAYMENT_IT)."""
    answers = answers or {"refund_timing": REFUND_IT, "payment_methods": PAYMENT_IT}
    files: dict[str, str | bytes] = {"replykb.yaml": BILINGUAL_SETTINGS}
    files.update({f"{name.replace('_', '-')}.yaml": text for name, text in answers.items()})
    return files


def mark_current(root: Path) -> None:
    """Write each answer's current source hash over PLACEHOLDER, as
    `replykb translations --mark-current` would."""
    base = load_answer_base(root)
    for answer in base.answers:
        file = Path(answer.source.file)
        text = file.read_text(encoding="utf-8")
        file.write_text(
            text.replace(PLACEHOLDER, f"source: {source_hash(answer)}"), encoding="utf-8"
        )


def bilingual_base(write_base: Any, **files: str | bytes) -> Path:
    """The clean bilingual base with ``files`` (path in the base -> text) added or
    replaced, its translations marked current."""
    contents = bilingual_files()
    contents.update(files)
    root: Path = write_base(contents)
    mark_current(root)
    return root


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


def assert_one_at(
    report: CheckReport,
    code: str,
    root: Path,
    file: str,
    needle: str,
    *,
    contains: Sequence[str] = (),
) -> Finding:
    """:func:`assert_one` at the line of ``root / file`` (as it is on disk) that holds
    ``needle``."""
    path = root / file
    line = line_of(path.read_text(encoding="utf-8"), needle)
    return assert_one(report, code, path, line, contains=contains)


def language_findings(report: CheckReport) -> list[str]:
    """The report's RKB7xx findings, as text."""
    return [str(f) for f in report.findings if f.code.startswith("RKB7")]


def assert_inside_base(report: CheckReport, root: Path) -> None:
    """No finding points outside the base (inside the installed package, say)."""
    for finding in report.findings:
        for place in (finding.location, *finding.related):
            assert Path(place.file).is_relative_to(root), str(finding)

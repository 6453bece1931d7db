"""`replykb check`: every finding code on a base that triggers it, located; the formats;
the exit codes; and an unchanged base re-checked without the model."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from replykb.check import (
    BRACES_CUSTOMER_NAME,
    CHECKS,
    LONG_CUSTOMER_NAME,
    RULES,
    CheckReport,
    run_checks,
)
from replykb.models import Finding
from replykb.report import format_text

from .conftest import EXAMPLE_BASE, WriteBase

TODAY = date(2026, 11, 23)
README = Path(__file__).parent.parent / "README.md"

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


def check(root: Path, embedder: object) -> CheckReport:
    return run_checks(root, embedder=embedder, today=TODAY)  # type: ignore[arg-type]


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


@pytest.fixture(scope="module")
def example_report(real_embedder) -> CheckReport:  # type: ignore[no-untyped-def]
    return run_checks(EXAMPLE_BASE, embedder=real_embedder)


# --- the catalogue ------------------------------------------------------------------


def test_every_code_is_documented_with_severity_and_fix() -> None:
    docs = README.read_text(encoding="utf-8")
    for code, rule in RULES.items():
        assert re.fullmatch(r"RKB\d{3}", code)
        section = docs.split(f"### {code}", 1)
        assert len(section) == 2, f"{code} is not documented in the README"
        body = section[1].split("\n### ", 1)[0]
        assert rule.severity in body and "```yaml" in body and "Fix" in body, code
    assert len(CHECKS) == len(set(CHECKS))


def test_hostile_customer_names() -> None:
    assert len(LONG_CUSTOMER_NAME) == 60
    assert any(ord(char) > 0xFFFF for char in LONG_CUSTOMER_NAME)
    assert "{{" in BRACES_CUSTOMER_NAME and "}}" in BRACES_CUSTOMER_NAME


# --- the example bases pass ---------------------------------------------------------


def test_example_base_has_no_errors(example_report: CheckReport) -> None:
    assert example_report.loaded
    assert example_report.answers == 49
    assert example_report.errors == [], format_text(example_report)
    assert set(example_report.checks) == set(RULES)


def test_clean_base_has_no_findings(write_base: WriteBase, real_embedder) -> None:  # type: ignore[no-untyped-def]
    root = write_base(base_files(refund_timing=REFUND, payment_methods=PAYMENT))
    report = check(root, real_embedder)
    assert report.findings == [], format_text(report)
    assert (report.answers, report.questions) == (2, 6)


# --- RKB0xx: loading ----------------------------------------------------------------


def test_rkb001_schema_error_is_located(write_base: WriteBase) -> None:
    text = REFUND.replace("questions:", "qestions:")
    root = write_base(base_files(refund_timing=text))
    report = run_checks(root)
    assert not report.loaded and report.checks == ["RKB001", "RKB002", "RKB003"]
    messages = [(f.location.line, f.message) for f in found(report, "RKB001")]
    assert (1, "questions: missing required key `questions`") in messages
    unknown = [m for line, m in messages if line == 1 and m.startswith("qestions: unknown key")]
    assert unknown and "did you mean `questions`" in unknown[0]


def test_rkb001_yaml_syntax_error_is_located(write_base: WriteBase) -> None:
    root = write_base(base_files(refund_timing=REFUND + "tags: [a, b\n"))
    report = run_checks(root)
    assert found(report, "RKB001")[0].location.file == str(root / "refund-timing.yaml")
    assert "YAML syntax error" in found(report, "RKB001")[0].message


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


def test_rkb003_channel_template_that_does_not_exist(write_base: WriteBase, real_embedder) -> None:  # type: ignore[no-untyped-def]
    settings = SETTINGS.replace("  facebook: {}", "  facebook:\n    template: fb.j2")
    root = write_base({"replykb.yaml": settings, "refund-timing.yaml": REFUND})
    report = check(root, real_embedder)
    assert_one(
        report,
        "RKB003",
        root / "replykb.yaml",
        line_of(settings, "template: fb.j2"),
        contains=["fb.j2"],
    )


# --- RKB1xx: templates --------------------------------------------------------------


def test_rkb101_channel_template_syntax_error(write_base: WriteBase, real_embedder) -> None:  # type: ignore[no-untyped-def]
    template = "{{ opening }} {{ body }}\n{% if agent.name %}\n{{ agent.signature }}\n"
    root = write_base(base_files(refund_timing=REFUND) | {"templates/short.j2": template})
    report = check(root, real_embedder)
    findings = found(report, "RKB101")
    assert len(findings) == 1, [str(f) for f in report.findings]
    assert Path(findings[0].location.file) == root / "templates" / "short.j2"
    assert findings[0].location.line == 3  # Jinja reports the end of the unclosed block
    assert "endif" in findings[0].message


def test_rkb101_answer_text_syntax_error(write_base: WriteBase, real_embedder) -> None:  # type: ignore[no-untyped-def]
    text = REFUND.replace("Follow yours at {{ link }}.", "Follow yours at {{ link }.")
    root = write_base(base_files(refund_timing=text))
    report = check(root, real_embedder)
    assert_one(report, "RKB101", root / "refund-timing.yaml", line_of(text, "answer:"))


def test_rkb102_undefined_variable_in_an_answer(write_base: WriteBase, real_embedder) -> None:  # type: ignore[no-untyped-def]
    text = REFUND.replace("Follow yours at", "It costs {{ price }}. Follow yours at")
    root = write_base(base_files(refund_timing=text))
    report = check(root, real_embedder)
    assert_one(
        report,
        "RKB102",
        root / "refund-timing.yaml",
        line_of(text, "answer:"),
        contains=["`price`"],
    )


def test_rkb102_undefined_variable_in_a_branch_no_answer_takes(
    write_base: WriteBase, real_embedder
) -> None:  # type: ignore[no-untyped-def]
    template = "{{ opening }} {{ body }}\n{% if private %}\n{{ agnet.signature }}\n{% endif %}\n"
    root = write_base(base_files(refund_timing=REFUND) | {"templates/social.j2": template})
    report = check(root, real_embedder)
    finding = assert_one(
        report, "RKB102", root / "templates" / "social.j2", 3, contains=["`agnet`"]
    )
    assert finding.location.column == 4


def test_rkb102_attribute_error_for_one_agent_only(write_base: WriteBase, real_embedder) -> None:  # type: ignore[no-untyped-def]
    template = (
        "{{ opening }} {{ body }}\n"
        '{% if agent.id == "dev" %}{{ agent.nickname }}{% endif %}\n'
        "{{ agent.signature }}\n"
    )
    root = write_base(base_files(refund_timing=REFUND) | {"templates/short.j2": template})
    report = check(root, real_embedder)
    finding = assert_one(
        report, "RKB102", root / "templates" / "short.j2", 2, contains=["nickname"]
    )
    assert "signed by dev" in finding.message


def test_rkb102_private_invitation_without_a_body(write_base: WriteBase, real_embedder) -> None:  # type: ignore[no-untyped-def]
    text = REFUND + "private: true\n"
    invite = "Please write to us privately.\n{{ body }}\n"
    root = write_base(base_files(refund_timing=text) | {"templates/private_invite.j2": invite})
    report = check(root, real_embedder)
    assert_one(report, "RKB102", root / "templates" / "private_invite.j2", 2, contains=["`body`"])


def test_customer_names_are_data_not_templates(write_base: WriteBase, real_embedder) -> None:  # type: ignore[no-untyped-def]
    root = write_base(base_files(refund_timing=REFUND))
    report = check(root, real_embedder)
    assert found(report, "RKB101") == found(report, "RKB102") == []


# --- RKB2xx: length and encoding -------------------------------------------------------


def test_rkb201_reply_over_the_limit_even_cut(write_base: WriteBase, real_embedder) -> None:  # type: ignore[no-untyped-def]
    settings = SETTINGS.replace("  x: {}", "  x:\n    limit: 70")
    text = REFUND.replace(
        "https://help.acme.example/refunds",
        "https://help.acme.example/refunds/when-will-my-money-arrive",
    )
    root = write_base({"replykb.yaml": settings, "refund-timing.yaml": text})
    report = check(root, real_embedder)
    finding = assert_one(
        report,
        "RKB201",
        root / "refund-timing.yaml",
        line_of(text, "short:"),
        contains=["does not fit x"],
    )
    assert "limit of 70" in finding.message


def test_rkb202_non_gsm_characters_on_sms(write_base: WriteBase, real_embedder) -> None:  # type: ignore[no-untyped-def]
    text = REFUND.replace("Refunds reach your account", "Refunds reach your account — usually")
    root = write_base(base_files(refund_timing=text))
    report = check(root, real_embedder)
    assert_one(
        report, "RKB202", root / "refund-timing.yaml", line_of(text, "answer:"), contains=["U+2014"]
    )


# --- RKB3xx: facts ------------------------------------------------------------------


def test_rkb301_fact_missing_from_the_short_form(write_base: WriteBase, real_embedder) -> None:  # type: ignore[no-untyped-def]
    text = REFUND.replace(
        'short: "Refunds arrive within 5 working days: {{ link }}"', 'short: "Refunds: {{ link }}"'
    )
    settings = SETTINGS.replace("  x: {}", "  x:\n    limit: 120")
    root = write_base({"replykb.yaml": settings, "refund-timing.yaml": text})
    report = check(root, real_embedder)
    finding = assert_one(
        report,
        "RKB301",
        root / "refund-timing.yaml",
        line_of(text, "facts:"),
        contains=["'5 working days'"],
    )
    assert "x (short form)" in finding.message
    assert "email" not in finding.message  # the full answer there has it


# --- RKB4xx: questions and matching (real model) ----------------------------------------


def test_rkb401_same_question_under_two_answers(write_base: WriteBase, real_embedder) -> None:  # type: ignore[no-untyped-def]
    payment = PAYMENT.replace("  - what payment methods can I use", "  - when will I get my REFUND")
    root = write_base(base_files(refund_timing=REFUND, payment_methods=payment))
    report = check(root, real_embedder)
    finding = assert_one(
        report, "RKB401", root / "refund-timing.yaml", line_of(REFUND, "When will I get my refund?")
    )
    assert [str(place) for place in finding.related] == [
        f"{root / 'payment-methods.yaml'}:{line_of(payment, 'REFUND')}:5"
    ]
    assert found(report, "RKB402") == []  # the duplicate is not also a conflict


def test_rkb402_questions_too_close_to_tell_apart(write_base: WriteBase, real_embedder) -> None:  # type: ignore[no-untyped-def]
    payment = PAYMENT.replace(
        "  - what payment methods can I use", "  - how can I reset my password"
    )
    root = write_base(base_files(reset_password=PASSWORD, payment_methods=payment))
    report = check(root, real_embedder)
    finding = assert_one(
        report,
        "RKB402",
        root / "reset-password.yaml",
        line_of(PASSWORD, "How do I reset my password?"),
        contains=["cosine 0.98", "payment-methods", "reset-password"],
    )
    assert [str(place) for place in finding.related] == [
        f"{root / 'payment-methods.yaml'}:{line_of(payment, 'reset my password')}:5"
    ]


def test_rkb403_question_that_routes_to_another_answer(
    write_base: WriteBase, real_embedder
) -> None:  # type: ignore[no-untyped-def]
    payment = PAYMENT.replace(
        "  - what payment methods can I use", "  - is my refund on its way yet"
    )
    root = write_base(base_files(refund_timing=REFUND, payment_methods=payment))
    report = check(root, real_embedder)
    in_payment = [
        f for f in found(report, "RKB403") if Path(f.location.file) == root / "payment-methods.yaml"
    ]
    assert len(in_payment) == 1, [str(f) for f in report.findings]
    finding = in_payment[0]
    assert finding.location.line == line_of(payment, "is my refund on its way")
    assert "matched to 'refund-timing'" in finding.message
    assert len(finding.related) == 1
    assert Path(finding.related[0].file) == root / "refund-timing.yaml"
    assert 2 <= finding.related[0].line <= 4


def test_rkb404_test_matched_to_another_answer(write_base: WriteBase, real_embedder) -> None:  # type: ignore[no-untyped-def]
    refund = REFUND.replace("my refund hasn't arrived yet", "do you take Apple Pay or PayPal")
    root = write_base(base_files(refund_timing=refund, payment_methods=PAYMENT))
    report = check(root, real_embedder)
    finding = assert_one(
        report,
        "RKB404",
        root / "refund-timing.yaml",
        line_of(refund, "Apple Pay"),
        contains=["is matched to 'payment-methods'"],
    )
    assert Path(finding.related[0].file) == root / "payment-methods.yaml"


def test_rkb404_test_that_matches_nothing(write_base: WriteBase, real_embedder) -> None:  # type: ignore[no-untyped-def]
    refund = REFUND.replace("my refund hasn't arrived yet", "the weather is lovely today")
    root = write_base(base_files(refund_timing=refund, payment_methods=PAYMENT))
    report = check(root, real_embedder)
    assert_one(
        report,
        "RKB404",
        root / "refund-timing.yaml",
        line_of(refund, "weather"),
        contains=["matches nothing"],
    )


def test_rkb405_out_of_scope_message_that_matches(write_base: WriteBase, real_embedder) -> None:  # type: ignore[no-untyped-def]
    settings = SETTINGS + "out_of_scope:\n  - who won the football\n  - when do I get my refund\n"
    root = write_base(
        {"replykb.yaml": settings, "refund-timing.yaml": REFUND, "payment-methods.yaml": PAYMENT}
    )
    report = check(root, real_embedder)
    finding = assert_one(
        report,
        "RKB405",
        root / "replykb.yaml",
        line_of(settings, "when do I get my refund"),
        contains=["matched to 'refund-timing'"],
    )
    assert Path(finding.related[0].file) == root / "refund-timing.yaml"


def test_vectorized_decisions_agree_with_the_matcher(real_embedder) -> None:  # type: ignore[no-untyped-def]
    """The checks score all answers with matrices, the matcher one message at a time."""
    from replykb import KnowledgeBase
    from replykb.check import CheckContext, _decide_all
    from replykb.loader import load_answer_base

    base = load_answer_base(EXAMPLE_BASE)
    kb = KnowledgeBase.load(EXAMPLE_BASE, embedder=real_embedder)
    context = CheckContext(
        base, TODAY, EXAMPLE_BASE / ".replykb", lambda: (real_embedder, kb.index)
    )
    messages = [t for a in base.answers for t in a.tests] + list(base.settings.out_of_scope)
    decided = _decide_all(context, context.encode_held_out(messages))
    for i, match in enumerate(kb.match_many(messages)):
        assert match.candidates[0][0] == base.answers[int(decided.best[i])].id
        assert match.score == pytest.approx(decided.score[i], abs=1e-5)
        assert (match.status == "confident") == bool(decided.confident[i]), messages[i]


# --- RKB5xx: privacy ----------------------------------------------------------------


def test_rkb501_private_invitation_that_leaks_the_answer(
    write_base: WriteBase, real_embedder
) -> None:  # type: ignore[no-untyped-def]
    text = """\
    questions:
      - where is my order FH1234567
      - my parcel is late
      - any news on my delivery
    answer: Your order FH1234567 of £23.50 left our warehouse; we e-mailed mario@example.com.
    private: true
    reviewed: 2026-10-01
    tests:
      - where's my parcel
    """
    invite = "Please send us a direct message. {{ answer }}\n"
    root = write_base(base_files(order_status=text) | {"templates/private_invite.j2": invite})
    report = check(root, real_embedder)
    finding = assert_one(
        report,
        "RKB501",
        root / "order-status.yaml",
        line_of(text, "private: true"),
        contains=[
            "an e-mail address",
            "FH1234567",
            "an amount tied to the customer",
            "x",
            "facebook",
        ],
    )
    assert [Path(p.file) for p in finding.related] == [root / "templates" / "private_invite.j2"]


def test_rkb501_built_in_invitation_never_fires(write_base: WriteBase, real_embedder) -> None:  # type: ignore[no-untyped-def]
    text = REFUND + "private: true\n"
    root = write_base(base_files(refund_timing=text))
    report = check(root, real_embedder)
    assert found(report, "RKB501") == []


# --- RKB6xx: policy -----------------------------------------------------------------


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


def test_rkb602_and_rkb603_few_questions_no_tests(write_base: WriteBase, real_embedder) -> None:  # type: ignore[no-untyped-def]
    text = "questions:\n  - hi\nanswer: Hello!\nreviewed: 2026-10-01\n"
    root = write_base(base_files(hello=text))
    report = check(root, real_embedder)
    assert_one(report, "RKB602", root / "hello.yaml", 1, contains=["has 1 question;", "at least 3"])
    assert_one(report, "RKB603", root / "hello.yaml", 1, contains=["no `tests:`"])
    assert report.errors == []


# --- the cache ----------------------------------------------------------------------


class _NoEncoding:
    """The real model's id, but encoding fails: proves the cache answered everything."""

    def __init__(self, model_id: str) -> None:
        self.model_id = model_id

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        raise AssertionError(f"encoded {list(texts)[:3]} although the base did not change")


def test_unchanged_base_is_rechecked_without_the_model(
    write_base: WriteBase, real_embedder
) -> None:  # type: ignore[no-untyped-def]
    settings = SETTINGS + "out_of_scope:\n  - who won the football\n"
    old = REFUND.replace("reviewed: 2026-10-01", "reviewed: 2025-01-15")
    root = write_base(
        base_files(refund_timing=old, payment_methods=PAYMENT, password=PASSWORD)
        | {"replykb.yaml": settings}
    )
    first = check(root, real_embedder)
    assert found(first, "RKB601")  # something to compare
    again = check(root, _NoEncoding(real_embedder.model_id))
    assert again == first

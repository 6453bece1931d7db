"""The issue-13 codes: openings without a name (RKB104), ticket details without a
fallback (RKB105), personal data written into answers (RKB502). Real model, real files."""

from __future__ import annotations

from pathlib import Path

import pytest

from replykb.checks.ticket_texts import printed_details

from .check_helpers import (
    PASSWORD,
    REFUND,
    SETTINGS,
    assert_one,
    base_files,
    check,
    found,
    line_of,
)
from .conftest import WriteBase

ORDER = """\
questions:
  - where is my order
  - my parcel is late
  - any news on my delivery
answer: >-
  Your order {{ details.order_id }} is on its way.
  {% if details.eta %}It arrives on {{ details.eta }}.{% endif %}
  Follow it at {{ details.tracking_url | default(link) }}.
short: "Order {{ details.order_id }}: {{ link }}"
details:
  order_id: {description: FH and 7 digits}
  tracking_url: {}
link: https://help.acme.example/track
private: true
reviewed: 2026-10-01
tests:
  - where's my parcel
"""

REFUND_AMOUNT = """\
questions:
  - how much will I get back
  - what is my refund amount
  - how much is my refund
answer: We refund {{ details.amount }} within 5 working days.
short: Refunds arrive within 5 working days.
reviewed: 2026-10-01
tests:
  - refund amount please
"""

LEAKY = """\
questions:
  - is my account verified
  - did you verify me
  - account verification status
answer: >-
  Your account FH1234567 is verified; we wrote to mario.rossi@gmail.com and will call
  07700 900123. Questions? privacy@acme.example or 0800 123 4567, 8am to 8pm; from 2026-10-01.
short: Call us free on 0800 123 4567 or write to privacy@acme.example.
reviewed: 2026-10-01
tests:
  - am I verified
"""

NAMED_OPENINGS = (
    SETTINGS
    + """\
openings:
  neutral:
    - "Gentile {{ customer.name }},"
    - "Ciao {{ customer.name }}!"
  apology: ["Ci dispiace, {{ customer.name }}."]
anonymous_openings:
  apology: ["Ci dispiace {{ customer.name }}!"]
"""
)


@pytest.fixture(scope="module")
def report_and_root(tmp_path_factory, real_embedder):  # type: ignore[no-untyped-def]
    root = tmp_path_factory.mktemp("tickets") / "base"
    files = base_files(
        refund_timing=REFUND, order_status=ORDER, refund_amount=REFUND_AMOUNT, verified=LEAKY
    )
    files["replykb.yaml"] = NAMED_OPENINGS
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(str(text), encoding="utf-8")
    return check(root, real_embedder), root


def test_rkb105_a_detail_printed_without_fallback(report_and_root) -> None:  # type: ignore[no-untyped-def]
    report, _ = report_and_root
    findings = sorted(found(report, "RKB105"), key=lambda f: str(f.location))
    assert [(Path(f.location.file).name, f.location.line) for f in findings] == [
        ("order-status.yaml", line_of(ORDER, "order_id: {description")),
        ("refund-amount.yaml", line_of(REFUND_AMOUNT, "answer:")),
    ], [str(f) for f in report.findings]
    order, amount = findings
    assert order.severity == "error" and order.answer == "order-status"
    assert "details.order_id in `answer:` and `short:`" in order.message
    assert "declares it with no `fallback:`" in order.message
    # Guarded uses (`{% if details.eta %}`, `| default(link)`) need no fallback.
    assert "details.eta" not in order.message and "tracking_url" not in order.message
    assert "details.amount in `answer:` and does not declare it" in amount.message
    assert "fallback" in order.hint


def test_rkb104_openings_without_a_nameless_form(report_and_root) -> None:  # type: ignore[no-untyped-def]
    report, root = report_and_root
    findings = sorted(found(report, "RKB104"), key=lambda f: f.location.line)
    lines = [f.location.line for f in findings]
    settings = NAMED_OPENINGS
    assert lines == [
        line_of(settings, "Gentile"),
        line_of(settings, "Ciao {{"),
        line_of(settings, "anonymous_openings:") + 1,
    ], [str(f) for f in findings]
    gentile, ciao, nameless = findings
    assert all(Path(f.location.file) == root / "replykb.yaml" for f in findings)
    assert "opening neutral #1: a customer with no name reads 'Gentile,'" in gentile.message
    assert "no nameless form" in gentile.message and "anonymous_openings" in gentile.hint
    assert "opening neutral #2: a customer with no name reads 'Ciao!'" in ciao.message
    assert (
        "nameless opening apology #1" in nameless.message and "'Ci dispiace!'" in nameless.message
    )
    assert "uses `customer.name`" in nameless.message
    # The named apology opening has its nameless forms: nothing about `openings: apology`.
    assert not any("opening apology" in f.message and "nameless" not in f.message for f in findings)


def test_rkb502_personal_data_written_into_an_answer(report_and_root) -> None:  # type: ignore[no-untyped-def]
    report, root = report_and_root
    finding = assert_one(
        report,
        "RKB502",
        root / "verified.yaml",
        line_of(LEAKY, "answer:"),
        contains=[
            "an order or account number ('FH1234567')",
            "an e-mail address ('mario.rossi@gmail.com')",
            "a phone number ('07700 900123')",
        ],
    )
    assert finding.severity == "warning" and finding.answer == "verified"
    # The company's own: a free number, an address at its links' domain, a date.
    for own in ("0800 123 4567", "privacy@acme.example", "2026-10-01"):
        assert own not in finding.message
    # Details and facts are not hard-coded data: the order answer is not reported.
    assert all("order-status" not in f.message for f in found(report, "RKB502"))


def test_rkb104_rkb105_rkb502_a_clean_base_has_none(write_base: WriteBase, real_embedder) -> None:  # type: ignore[no-untyped-def]
    order = ORDER.replace("order_id: {description", "order_id: {fallback: your order, description")
    phone = """\
    questions:
      - what is your phone number
      - can I call you
      - customer service number
    answer: Call us on 020 7946 0958, 8am to 8pm.
    facts: ["020 7946 0958"]
    reviewed: 2026-10-01
    tests:
      - phone number please
    """
    settings = SETTINGS + (
        "openings:\n  neutral: ['Ciao {{ customer.name }}!', 'Buongiorno!']\n"
        "  apology: ['Ci dispiace, {{ customer.name }}.']\n"
        "anonymous_openings:\n  apology: ['Ci dispiace.']\n"
    )
    files = base_files(
        refund_timing=REFUND, reset_password=PASSWORD, order_status=order, phone=phone
    )
    root = write_base({**files, "replykb.yaml": settings})
    report = check(root, real_embedder)
    assert [f for f in report.findings if f.code in ("RKB104", "RKB105", "RKB502")] == []


@pytest.mark.parametrize(
    ("source", "printed"),
    [
        ("{{ details.a }}", {"a": False}),
        ("{{ details['a'] }}", {"a": False}),
        ("{% if details.a %}{{ details.a }}{% endif %}", {"a": True}),
        ("{% if 'a' in details %}{{ details.a }}{% endif %}", {"a": True}),
        ("{% if not details.a %}-{% else %}{{ details.a }}{% endif %}", {"a": True}),
        ("{% if details.a %}{{ details.b }}{% endif %}", {"b": False}),
        (
            "{% if details.a and details.b %}{{ details.a }}{{ details.b }}{% endif %}",
            {"a": True, "b": True},
        ),
        ("{% if details.a or details.b %}{{ details.a }}{% endif %}", {"a": False}),
        ("{{ details.a if details.a else 'x' }}", {"a": True}),
        ("{{ details.a | default('x') }}", {"a": True}),
        ("{{ details.a | upper }}", {"a": False}),
        ("{% set x = details.a %}{{ x }}", {"a": False}),
        ("{{ details.a }} {% if details.a %}{{ details.a }}{% endif %}", {"a": False}),
        ("{{ 'no details' }}", {}),
        ("{{ details.a", {}),  # does not parse: RKB101 reports it
    ],
)
def test_which_details_a_text_prints_unguarded(source: str, printed: dict[str, bool]) -> None:
    assert printed_details(source) == printed

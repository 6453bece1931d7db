"""RKB3xx: every fact survives on every channel's reply."""

from __future__ import annotations

from .check_helpers import REFUND, SETTINGS, assert_one, check, line_of
from .conftest import WriteBase


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
    assert finding.answer == "refund-timing"

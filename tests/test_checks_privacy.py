"""RKB5xx: private answers show nothing of the customer's account in public."""

from __future__ import annotations

from pathlib import Path

from .check_helpers import REFUND, assert_one, base_files, check, found, line_of
from .conftest import WriteBase


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
    assert finding.answer == "order-status"


def test_rkb501_built_in_invitation_never_fires(write_base: WriteBase, real_embedder) -> None:  # type: ignore[no-untyped-def]
    text = REFUND + "private: true\n"
    root = write_base(base_files(refund_timing=text))
    report = check(root, real_embedder)
    assert found(report, "RKB501") == []

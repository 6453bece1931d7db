"""RKB2xx: replies over their channel's limit, reported where the fix goes, once per cause;
and non-GSM characters on SMS."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from replykb.checks import CheckReport, run_checks
from replykb.errors import ReplyTooLongError
from replykb.loader import load_answer_base
from replykb.render import Renderer

from .check_helpers import (
    PASSWORD,
    PAYMENT,
    REFUND,
    SETTINGS,
    TODAY,
    assert_inside_base,
    assert_one,
    base_files,
    check,
    found,
    line_of,
)
from .conftest import EXAMPLE_BASE, WriteBase

LONG_SIGNATURE = "^Paola " + "from the customer care team of Acme " * 8  # alone over 280

# Names real customers have: non-GSM scripts, emoji, long names, combining sequences.
REAL_NAMES = (
    "Łukasz Żółć",
    "Zoë",
    "Ольга Кузнецова",
    "王芳",
    "Anna 🌻",
    "Maximiliana-Josefina Featherstonehaugh-Wolfeschlegel III",
    "a" + "\u0301" * 300,
    "Nguyễn Thị Minh Khai",
)


def test_rkb201_reply_over_the_limit_even_cut(write_base: WriteBase, real_embedder) -> None:  # type: ignore[no-untyped-def]
    settings = SETTINGS.replace("  x: {}", "  x:\n    limit: 100")
    text = REFUND.replace(  # X counts a link as 23, but not its line's words
        'short: "Refunds arrive within 5 working days: {{ link }}"',
        'short: "Refunds arrive within 5 working days of our approval of your request, '
        'as said in the e-mail we sent you: {{ link }}"',
    ).replace(
        "Refunds reach your account", "Refunds to a card or a bank account reach your account"
    )
    root = write_base({"replykb.yaml": settings, "refund-timing.yaml": text})
    report = check(root, real_embedder)
    finding = assert_one(
        report,
        "RKB201",
        root / "refund-timing.yaml",
        line_of(text, "short:"),
        contains=["does not fit x", "limit of 100"],
    )
    assert finding.answer == "refund-timing" and finding.count == 1


def test_rkb201_planted_long_signature_is_one_finding_at_its_line(
    write_base: WriteBase, real_embedder
) -> None:  # type: ignore[no-untyped-def]
    """Issue 12: a signature longer than X's limit was reported once per answer, inside
    the installed package."""
    settings = SETTINGS.replace('x: "^Paola"', f'x: "{LONG_SIGNATURE}"')
    root = write_base(
        base_files(refund_timing=REFUND, payment_methods=PAYMENT, password=PASSWORD)
        | {
            "replykb.yaml": settings,
            "order.yaml": REFUND.replace("refund", "order") + "private: true\n",
        }
    )
    report = check(root, real_embedder)
    finding = assert_one(
        report,
        "RKB201",
        root / "replykb.yaml",
        line_of(settings, LONG_SIGNATURE[:20]),
        contains=["paola's signature on x", "4 answers"],
    )
    assert finding.count == 4
    assert_inside_base(report, root)


@pytest.fixture(scope="module")
def planted_example(real_embedder, tmp_path_factory) -> tuple[Path, CheckReport, str]:  # type: ignore[no-untyped-def]
    """The example base with paola's X signature longer than X's limit."""
    root = tmp_path_factory.mktemp("planted") / "answers"
    shutil.copytree(EXAMPLE_BASE, root, ignore=shutil.ignore_patterns(".replykb"))
    cache = root / ".replykb"
    cache.mkdir()
    for vectors in (EXAMPLE_BASE / ".replykb").glob("embeddings-*"):
        shutil.copy(vectors, cache)  # known questions need not be encoded again
    settings = (root / "replykb.yaml").read_text(encoding="utf-8")
    planted = settings.replace('x: "^Paola"', f'x: "{LONG_SIGNATURE}"', 1)
    assert planted != settings
    (root / "replykb.yaml").write_text(planted, encoding="utf-8")
    return root, run_checks(root, embedder=real_embedder), planted


def test_rkb201_planted_long_signature_in_the_example_base(
    planted_example: tuple[Path, CheckReport, str],
) -> None:
    root, report, settings = planted_example
    finding = assert_one(
        report,
        "RKB201",
        root / "replykb.yaml",
        line_of(settings, LONG_SIGNATURE[:20]),
        contains=["paola's signature on x", "49 answers"],
    )
    assert finding.count == 49
    assert report.error_count == 1
    assert_inside_base(report, root)


def test_rkb201_long_openings_are_one_finding(write_base: WriteBase, real_embedder) -> None:  # type: ignore[no-untyped-def]
    long_opening = "Hello {{ customer.name }}, " + "we are so glad you wrote to us today " * 8
    settings = (
        SETTINGS
        + f'openings:\n  neutral:\n    - "Hi {{{{ customer.name }}}}!"\n    - "{long_opening}"\n'
    )
    root = write_base(
        base_files(refund_timing=REFUND, payment_methods=PAYMENT) | {"replykb.yaml": settings}
    )
    report = check(root, real_embedder)
    finding = assert_one(
        report,
        "RKB201",
        root / "replykb.yaml",
        line_of(settings, "neutral:"),
        contains=["neutral openings", "2 answers"],
    )
    assert finding.count == 2


def test_rkb201_channel_limit_too_small_is_one_finding(
    write_base: WriteBase, real_embedder
) -> None:  # type: ignore[no-untyped-def]
    settings = SETTINGS.replace("  x: {}", "  x:\n    limit: 25")
    root = write_base(
        base_files(refund_timing=REFUND, payment_methods=PAYMENT) | {"replykb.yaml": settings}
    )
    report = check(root, real_embedder)
    finding = assert_one(
        report, "RKB201", root / "replykb.yaml", line_of(settings, "limit: 25"), contains=["x"]
    )
    assert finding.count == 2


def test_rkb201_long_private_invitation_is_one_finding(
    write_base: WriteBase, real_embedder
) -> None:  # type: ignore[no-untyped-def]
    invite = "Please send us a direct message. " * 12 + "\n"
    private = REFUND + "private: true\n"
    root = write_base(
        base_files(refund_timing=private, order=private.replace("refund", "order"))
        | {"templates/private_invite.j2": invite}
    )
    report = check(root, real_embedder)
    finding = assert_one(
        report, "RKB201", root / "templates" / "private_invite.j2", 1, contains=["invitation"]
    )
    assert finding.count == 2


def test_rkb201_signature_that_pushes_some_answers_over(
    write_base: WriteBase, real_embedder
) -> None:  # type: ignore[no-untyped-def]
    signature = "^Paola " + "x" * 180
    settings = SETTINGS.replace('x: "^Paola"', f'x: "{signature}"')
    root = write_base(
        base_files(refund_timing=REFUND, payment_methods=PAYMENT) | {"replykb.yaml": settings}
    )
    report = check(root, real_embedder)
    findings = found(report, "RKB201")
    assert [(Path(f.location.file), f.location.line) for f in findings] == [
        (root / "replykb.yaml", line_of(settings, signature))
    ], [str(f) for f in report.findings]
    assert "paola's signature on x" in findings[0].message


def _renders_for_real_names(root: Path) -> set[tuple[str, str]]:
    """(answer, channel) pairs that raise ReplyTooLongError for a real name and agent."""
    base = load_answer_base(root)
    renderer = Renderer(base.settings, dict(base.templates))
    failing = set()
    for answer in base.answers:
        for channel in ("x", "sms"):
            for agent in (None, *base.settings.agents):
                for name in REAL_NAMES:
                    for conversation in (f"c{i}" for i in range(6)):
                        try:
                            renderer.render(
                                answer,
                                channel=channel,
                                agent=agent,
                                customer=name,
                                conversation_id=conversation,
                            )
                        except ReplyTooLongError:
                            failing.add((answer.id, channel))
    return failing


def test_rkb201_worst_case_names_cover_real_names(write_base: WriteBase, real_embedder) -> None:  # type: ignore[no-untyped-def]
    """Issue 11: a base that passes the check never fails for a real customer's name.

    On one SMS segment a reply in GSM-7 has 160 characters; one non-GSM letter in the
    name makes it UCS-2, 70 characters."""
    settings = SETTINGS.replace("  sms: {}", "  sms:\n    limit: 1")
    link = "https://help.acme.example/orders/where-is-my-parcel-and-when-will-it-arrive"
    order = (
        "questions: [where is my parcel, my order is late, track my order]\n"
        f"answer: 'Your parcel is on its way: {{{{ link }}}}'\nlink: {link}\n"
        "reviewed: 2026-10-01\ntests: [has my parcel shipped]\n"
    )
    root = write_base(base_files(order_status=order) | {"replykb.yaml": settings})
    report = check(root, real_embedder)
    failing = _renders_for_real_names(root)
    named = " ".join(f.message for f in found(report, "RKB201"))
    assert all(repr(answer) in named for answer, _ in failing), (failing, named)


def test_the_example_base_never_fails_for_a_real_name(write_base: WriteBase, real_embedder) -> None:  # type: ignore[no-untyped-def]
    report = run_checks(EXAMPLE_BASE, embedder=real_embedder, today=TODAY)
    assert found(report, "RKB201") == []
    assert _renders_for_real_names(EXAMPLE_BASE) == set()


def test_rkb202_non_gsm_characters_on_sms(write_base: WriteBase, real_embedder) -> None:  # type: ignore[no-untyped-def]
    text = REFUND.replace("Refunds reach your account", "Refunds reach your account — usually")
    root = write_base(base_files(refund_timing=text))
    report = check(root, real_embedder)
    finding = assert_one(
        report, "RKB202", root / "refund-timing.yaml", line_of(text, "answer:"), contains=["U+2014"]
    )
    assert finding.answer == "refund-timing"


def test_rkb202_non_gsm_signature_once_for_all_its_channels(
    write_base: WriteBase, real_embedder
) -> None:  # type: ignore[no-untyped-def]
    settings = SETTINGS.replace("  sms: {}", "  sms: {}\n  sms2: {limit: 2, count: sms}").replace(
        '      sms: "Paola"', '      sms: "Paola ☺"'
    )
    root = write_base(base_files(refund_timing=REFUND) | {"replykb.yaml": settings})
    report = check(root, real_embedder)
    assert_one(
        report, "RKB202", root / "replykb.yaml", line_of(settings, "Paola ☺"), contains=["U+263A"]
    )


def test_rkb201_long_anonymous_openings_are_one_finding(
    write_base: WriteBase, real_embedder
) -> None:  # type: ignore[no-untyped-def]
    """A customer without a name is greeted by `anonymous_openings`: they count too."""
    long_opening = "Hello, and thank you so much for taking the time to write to us today. " * 4
    settings = SETTINGS + f'anonymous_openings:\n  neutral:\n    - "{long_opening}"\n'
    root = write_base(
        base_files(refund_timing=REFUND, payment_methods=PAYMENT) | {"replykb.yaml": settings}
    )
    report = check(root, real_embedder)
    finding = assert_one(
        report,
        "RKB201",
        root / "replykb.yaml",
        line_of(settings, "anonymous_openings:") + 1,
        contains=["neutral anonymous openings are too long", "a customer without a name"],
    )
    assert finding.count == 2

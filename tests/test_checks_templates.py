"""RKB1xx: template texts that do not compile, fail to render or exceed a bound."""

from __future__ import annotations

from pathlib import Path

import pytest

from .check_helpers import REFUND, assert_inside_base, assert_one, base_files, check, found, line_of
from .conftest import WriteBase


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
    finding = assert_one(report, "RKB101", root / "refund-timing.yaml", line_of(text, "answer:"))
    assert finding.answer == "refund-timing"


def test_rkb101_opening_syntax_error(write_base: WriteBase, real_embedder) -> None:  # type: ignore[no-untyped-def]
    settings = base_files()["replykb.yaml"]
    settings = f"{settings}openings:\n  neutral:\n    - Hi {{{{ customer.name }}!\n"
    root = write_base(base_files(refund_timing=REFUND) | {"replykb.yaml": settings})
    report = check(root, real_embedder)
    assert_one(report, "RKB101", root / "replykb.yaml", line_of(str(settings), "- Hi"))


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


@pytest.mark.parametrize(
    ("where", "source"),
    [
        ("answer", "{% for i in range(10**9) %}.{% endfor %} {{ link }}"),
        ("answer", "{{ 'a' * 10**9 }} {{ link }}"),
        (
            "template",
            "{{ opening }} {% for i in range(100000) %}{% for j in range(100000) %}"
            "{% endfor %}{% endfor %}{{ body }}\n{{ agent.signature }}\n",
        ),
    ],
    ids=["huge-range", "huge-string", "nested-loops"],
)
def test_rkb103_template_over_a_resource_bound(
    write_base: WriteBase, real_embedder, where: str, source: str
) -> None:  # type: ignore[no-untyped-def]
    """Issue 11: such templates were an OverflowError traceback, out of memory, or a hang."""
    if where == "answer":
        answer_line = next(line for line in REFUND.splitlines() if line.startswith("answer:"))
        text = REFUND.replace(answer_line, f"answer: |-\n  {source}")
        files = base_files(refund_timing=text)
        file, line = "refund-timing.yaml", line_of(text, "answer:")
    else:
        files = base_files(refund_timing=REFUND) | {"templates/short.j2": source}
        file, line = "templates/short.j2", 1
    root = write_base(files)
    report = check(root, real_embedder)
    findings = found(report, "RKB103")
    assert findings, [str(f) for f in report.findings]
    assert {(Path(f.location.file), f.location.line) for f in findings} == {(root / file, line)}
    about = "answer 'refund-timing'" if where == "answer" else "any answer on x"
    assert all(about in f.message for f in findings), [f.message for f in findings]
    assert_inside_base(report, root)

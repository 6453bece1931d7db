"""RKB4xx: questions and matching, with the real model; and an unchanged base is
re-checked from the cache without the model."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from replykb.match import Matcher

from .check_helpers import (
    PASSWORD,
    PAYMENT,
    REFUND,
    SETTINGS,
    assert_one,
    base_files,
    check,
    found,
    line_of,
)
from .conftest import WriteBase


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
    assert finding.answer == "payment-methods"
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


def test_rkb404_ambiguous_test_names_the_runner_up(write_base: WriteBase, real_embedder) -> None:  # type: ignore[no-untyped-def]
    """Issue 12: RKB404 said "runner-up at 0.513" without naming it."""
    settings = SETTINGS.replace("margin: 0.02", "margin: 0.9")  # every test is ambiguous
    root = write_base(
        base_files(refund_timing=REFUND, payment_methods=PAYMENT, password=PASSWORD)
        | {"replykb.yaml": settings}
    )
    report = check(root, real_embedder)
    refund = [
        f for f in found(report, "RKB404") if Path(f.location.file) == root / "refund-timing.yaml"
    ]
    assert len(refund) == 1, [str(f) for f in report.findings]
    message = refund[0].message
    assert "is ambiguous: 'refund-timing' at" in message
    runner_up = message.split("runner-up ")[1].split(" at ")[0]
    assert runner_up in ("'payment-methods'", "'password'"), message


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


def test_decide_many_agrees_with_the_matcher(example_kb, real_embedder) -> None:  # type: ignore[no-untyped-def]
    """The checks decide over many queries with matrices, the matcher one at a time."""
    base = example_kb.base
    matcher = Matcher.from_index(example_kb.index, base.settings.match)
    messages = [t for a in base.answers for t in a.tests] + list(base.settings.out_of_scope)
    queries = real_embedder.encode(messages)
    decided = matcher.decide_many(queries)
    ids = example_kb.index.answer_ids
    for i, query in enumerate(queries):
        match = matcher.match(query)
        assert match.candidates[0][0] == ids[int(decided.best[i])], messages[i]
        assert match.candidates[1][0] == ids[int(decided.runner_up[i])], messages[i]
        assert match.score == pytest.approx(decided.score[i], abs=1e-5)
        assert match.candidates[1][1] == pytest.approx(decided.runner_up_score[i], abs=1e-5)
        assert (match.status == "confident") == bool(decided.confident[i]), messages[i]
    assert 0 < decided.confident.sum() < len(messages)  # both decisions are exercised


def test_decide_many_leaves_a_question_out(example_kb) -> None:  # type: ignore[no-untyped-def]
    """Left out, a question is scored as if its answer did not have it."""
    base = example_kb.base
    index = example_kb.index
    matcher = Matcher.from_index(index, base.settings.match)
    row = 0
    decided = matcher.decide_many(index.vectors[[row]], leave_out=np.array([row]))
    owner = int(index.row_answer[row])
    keep = np.flatnonzero(index.row_answer == owner)
    keep = keep[keep != row]
    own = index.vectors[keep]
    centroid = own.sum(axis=0)
    centroid /= np.linalg.norm(centroid)
    query = index.vectors[row]
    weight = base.settings.match.centroid_weight
    expected = (1 - weight) * float((own @ query).max()) + weight * float(centroid @ query)
    scores = {int(decided.best[0]): decided.score[0]}
    scores[int(decided.runner_up[0])] = decided.runner_up_score[0]
    if owner in scores:
        assert scores[owner] == pytest.approx(expected, abs=1e-5)
    else:
        assert max(scores.values()) >= expected - 1e-5


class _NoEncoding:
    """The real model's id, but encoding fails: proves the cache answered everything."""

    def __init__(self, model_id: str, dimension: int) -> None:
        self.model_id = model_id
        self.dimension = dimension

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
    again = check(root, _NoEncoding(real_embedder.model_id, real_embedder.dimension))
    assert again == first

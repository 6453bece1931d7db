"""Evaluation metrics, labelled data files and calibration (pure: no model needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from replykb import DataError, KnowledgeBase
from replykb.evaluate import (
    MIN_OUT_OF_SCOPE,
    Goal,
    LabelledMessage,
    ScoredMessage,
    binomial_upper_bound,
    calibrate,
    labelled_from_base,
    read_labelled,
    report,
    score_messages,
)

from .conftest import EXAMPLE_BASE, FIXTURES


def scored(message: str, expected: str | None, *candidates: tuple[str, float]) -> ScoredMessage:
    return ScoredMessage(
        item=LabelledMessage(message=message, expected=expected), candidates=list(candidates)
    )


SCORED = [
    scored("a1", "a", ("a", 0.80), ("b", 0.40)),
    scored("a2", "a", ("a", 0.62), ("b", 0.60)),  # close call
    scored("b1", "b", ("b", 0.70), ("a", 0.30)),
    scored("b2", "b", ("a", 0.55), ("b", 0.50)),  # wrong on top
    scored("oos1", None, ("a", 0.45), ("b", 0.20)),
    scored("oos2", None, ("b", 0.58), ("a", 0.10)),
]


def test_report_metrics() -> None:
    result = report(SCORED, threshold=0.5, margin=0.0)
    assert result.top1_accuracy == pytest.approx(3 / 4)
    assert result.in_scope_accuracy == pytest.approx(3 / 4)  # a1, a2, b1 answered right
    assert result.oos_recall == pytest.approx(1 / 2)  # oos1 rejected, oos2 answered
    assert result.answer_precision == pytest.approx(3 / 5)
    assert result.oos_precision == pytest.approx(1 / 1)
    assert {(c.expected, c.predicted) for c in result.confusions} == {("b", "a"), (None, "b")}


def test_margin_turns_close_calls_into_no_answer() -> None:
    result = report(SCORED, threshold=0.5, margin=0.05)
    assert result.in_scope_accuracy == pytest.approx(2 / 4)  # a2 is now ambiguous


def test_calibration_meets_the_goal_with_best_accuracy() -> None:
    result = calibrate(SCORED, Goal(kind="oos_recall", minimum=1.0))
    assert result.oos_recall == 1.0
    assert result.in_scope_accuracy == pytest.approx(3 / 4)  # oos2 (0.58) rejected, a2 (0.62) kept
    assert 0.58 < result.threshold <= 0.62


def test_calibration_for_precision() -> None:
    result = calibrate(SCORED, Goal(kind="answer_precision", minimum=1.0))
    assert result.answer_precision == 1.0


def test_calibration_impossible_goal_is_a_clear_error() -> None:
    only_wrong = [scored("x", "a", ("b", 0.9), ("a", 0.1))]
    with pytest.raises(DataError, match="no threshold and margin reach the goal"):
        calibrate(only_wrong, Goal(kind="answer_precision", minimum=1.0))


@pytest.mark.parametrize(
    ("name", "content"),
    [
        (
            "data.jsonl",
            '{"message": "refund?", "expected": "a"}\n\n{"message": "weather", "expected": ""}\n',
        ),
        ("data.csv", "message,answer_id\nrefund?,a\nweather,\n"),
    ],
)
def test_read_labelled_jsonl_and_csv(tmp_path: Path, name: str, content: str) -> None:
    path = tmp_path / name
    path.write_text(content)
    items = read_labelled(path, ["a"])
    assert [(i.message, i.expected) for i in items] == [("refund?", "a"), ("weather", None)]


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        (
            "bad.jsonl",
            '{"message": "ok", "expected": "a"}\n{not json}\n',
            "bad.jsonl:2: not valid JSON",
        ),
        ("bad.jsonl", '{"text": "ok"}\n', "bad.jsonl:1: expected an object with a text `message`"),
        ("bad.csv", "message,expected\nok,zzz\n", "bad.csv:2: unknown answer id 'zzz'"),
        ("empty.jsonl", "\n", "no labelled messages"),
    ],
)
def test_read_labelled_errors_name_file_and_line(
    tmp_path: Path, name: str, content: str, words: str
) -> None:
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(DataError, match=words.replace("`", "`").replace("(", r"\(")):
        read_labelled(path, ["a"])


def test_example_base_tests_all_pass_on_the_real_model(real_embedder, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from replykb import KnowledgeBase
    from replykb.evaluate import labelled_from_base, score_messages

    kb = KnowledgeBase.load(EXAMPLE_BASE, cache_dir=tmp_path, embedder=real_embedder)
    result = report(
        score_messages(kb, labelled_from_base(kb.base)),
        kb.settings.match.threshold,
        kb.settings.match.margin,
    )
    assert result.failures == []
    assert result.in_scope_accuracy == 1.0 and result.oos_recall == 1.0


# --- honest calibration (issue 12 point 6) -------------------------------------------------


def test_ties_break_towards_the_strictest_threshold() -> None:
    """Thresholds 0.45, 0.55 and 0.65 all answer both in-scope messages right and meet
    the goal; the strictest lets the fewest unseen off-topic messages through."""
    tied = [
        scored("a1", "a", ("a", 0.80), ("b", 0.10)),
        scored("b1", "b", ("b", 0.70), ("a", 0.10)),
        scored("oos1", None, ("a", 0.60), ("b", 0.10)),
        scored("oos2", None, ("b", 0.50), ("a", 0.10)),
        scored("oos3", None, ("a", 0.40), ("b", 0.10)),
    ]
    result = calibrate(tied, Goal(kind="answer_precision", minimum=0.5))
    assert result.threshold == 0.65
    assert result.in_scope_accuracy == 1.0 and result.oos_recall == 1.0


def test_a_pasted_threshold_keeps_the_decisions_it_was_chosen_for() -> None:
    """Rounding 0.46385 to 4 decimals would let the off-topic 0.46384 through."""
    close = [
        scored("a1", "a", ("a", 0.46386), ("b", 0.1)),
        scored("oos1", None, ("b", 0.46384), ("a", 0.1)),
    ]
    result = calibrate(close, Goal(kind="oos_recall", minimum=1.0))
    assert 0.46384 < result.threshold <= 0.46386
    assert result.oos_recall == 1.0 and result.in_scope_accuracy == 1.0


@pytest.mark.parametrize("out_of_scope", [0, 1, 16, 49, 50, 120])
def test_calibration_says_how_far_to_trust_it(out_of_scope: int) -> None:
    messages = [
        scored("a1", "a", ("a", 0.80), ("b", 0.10)),
        scored("b1", "b", ("b", 0.75), ("a", 0.10)),
    ] + [scored(f"oos{i}", None, ("a", 0.30 - i / 1000), ("b", 0.0)) for i in range(out_of_scope)]
    result = calibrate(messages, Goal(kind="oos_recall", minimum=0.9))
    assert result.oos_needed == max(MIN_OUT_OF_SCOPE - out_of_scope, 0)
    warning = result.warning()
    if out_of_scope >= MIN_OUT_OF_SCOPE:
        assert warning is None and result.reliable
        assert result.oos_leak_bound == pytest.approx(binomial_upper_bound(0, out_of_scope))
    elif out_of_scope == 0:
        assert warning is not None and "there are no out-of-scope messages" in warning
        assert f"add at least {MIN_OUT_OF_SCOPE}" in warning and result.oos_leak_bound is None
    else:
        plural = "" if out_of_scope == 1 else "s"
        bound = binomial_upper_bound(0, out_of_scope)
        assert warning == (
            f"this calibration is not reliable: only {out_of_scope} out-of-scope "
            f"message{plural} (0 answered at this threshold), so up to {bound:.0%} of new "
            "off-topic messages may still get a confident answer (95% bound); add "
            f"{MIN_OUT_OF_SCOPE - out_of_scope} more (at least 50 in all) to `out_of_scope:` "
            "or --data, and calibrate again (see the README, Calibration)"
        )


@pytest.mark.parametrize(
    ("leaked", "seen", "bound"),
    [(0, 16, 0.1707), (0, 50, 0.0582), (3, 51, 0.1451), (3, 10, 0.6066), (10, 10, 1.0)],
)
def test_leak_bound_is_the_exact_binomial_upper_bound(leaked: int, seen: int, bound: float) -> None:
    assert binomial_upper_bound(leaked, seen) == pytest.approx(bound, abs=1e-4)
    stats = pytest.importorskip("scipy.stats")
    if leaked < seen:  # Clopper-Pearson: the beta quantile
        expected = stats.beta.ppf(0.95, leaked + 1, seen - leaked)
        assert binomial_upper_bound(leaked, seen) == pytest.approx(expected, abs=1e-9)


OFF_TOPIC = (FIXTURES / "off_topic_fernhill.txt").read_text(encoding="utf-8").splitlines()


def test_calibration_on_the_example_base_no_longer_lets_off_topic_through_unwarned(
    example_kb: KnowledgeBase,
) -> None:
    """Issue 12: `eval answers/ --calibrate --min-precision 0.95` proposed 0.3082, at which
    6 of 10 new off-topic messages got a confident answer, with every metric at 100% on
    the base's 16 out-of-scope messages and nothing saying that 16 is too few."""
    base_messages = score_messages(example_kb, labelled_from_base(example_kb.base))
    result = calibrate(base_messages, Goal(kind="answer_precision", minimum=0.95))
    off_topic = score_messages(
        example_kb, [LabelledMessage(message=text, expected=None) for text in OFF_TOPIC]
    )
    assert len(off_topic) == 10

    def answered(threshold: float, margin: float) -> int:
        return round((1 - (report(off_topic, threshold, margin).oos_recall or 0.0)) * 10)

    assert answered(0.3082, 0.05) >= 6  # the fixture reproduces the issue
    assert answered(result.threshold, result.margin) < 6
    assert result.threshold > 0.3082
    assert result.in_scope_accuracy == 1.0 and result.out_of_scope == 16
    warning = result.warning()
    assert warning is not None
    assert "only 16 out-of-scope messages" in warning and "add 34 more" in warning

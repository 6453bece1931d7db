"""Evaluation metrics, labelled data files and calibration (pure: no model needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from replykb import DataError
from replykb.evaluate import (
    Goal,
    LabelledMessage,
    ScoredMessage,
    calibrate,
    read_labelled,
    report,
)

from .conftest import EXAMPLE_BASE


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

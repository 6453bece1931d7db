"""Matching on the real packaged model: the right answer, or an honest no_match."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from replykb import KnowledgeBase, MessageError
from replykb.match import decide
from replykb.models import MatchSettings

from .conftest import SHOP_BASE, WriteBase


@pytest.mark.parametrize(
    ("message", "answer_id"),
    [
        ("my refund hasn't arrived yet", "refund-timing"),
        ("how many days until I see my money back??", "refund-timing"),
        ("where's my parcel, it was due yesterday", "where-is-my-order"),
        ("I need a new password", "reset-password"),
        ("cant sign in, forgot my pasword", "reset-password"),
    ],
)
def test_matches_the_right_answer(shop_kb: KnowledgeBase, message: str, answer_id: str) -> None:
    match = shop_kb.match(message)
    assert match.status == "confident", match
    assert match.answer_id == answer_id
    assert match.candidates[0][0] == answer_id


@pytest.mark.parametrize(
    "message",
    [
        "who won the football last night",
        "what is the capital of Peru",
        "write me a poem about cats",
    ],
)
def test_out_of_scope_matches_nothing(shop_kb: KnowledgeBase, message: str) -> None:
    match = shop_kb.match(message)
    assert match.status == "no_match"
    assert match.answer_id is None
    assert match.score < shop_kb.settings.match.threshold


def test_candidates_are_sorted_and_limited_to_k(shop_kb: KnowledgeBase) -> None:
    match = shop_kb.match("refund please", k=2)
    assert len(match.candidates) == 2
    assert match.candidates[0][1] >= match.candidates[1][1]
    assert {answer_id for answer_id, _ in match.candidates} <= {a.id for a in shop_kb.answers}


def test_close_answers_are_ambiguous(write_base: WriteBase, real_embedder, tmp_path) -> None:  # type: ignore[no-untyped-def]
    root = write_base(
        {
            "replykb.yaml": "brand: Acme\nmatch: {threshold: 0.3, margin: 0.2}\n",
            "refund-card.yaml": "questions: [refund to my card]\nanswer: Card refunds take 5 days.\n",
            "refund-paypal.yaml": "questions: [refund to my paypal]\nanswer: PayPal refunds take 1 day.\n",
        }
    )
    kb = KnowledgeBase.load(root, cache_dir=tmp_path / "c", embedder=real_embedder)
    match = kb.match("I want a refund")
    assert match.status == "ambiguous"
    assert match.answer_id is None
    assert {a for a, _ in match.candidates} == {"refund-card", "refund-paypal"}


def test_same_input_same_result_across_threads(shop_kb: KnowledgeBase) -> None:
    messages = ["refund??", "where is my order", "password reset", "hello there"] * 8
    expected = [shop_kb.match(message) for message in messages]
    with ThreadPoolExecutor(max_workers=8) as pool:
        assert list(pool.map(shop_kb.match, messages)) == expected


def test_batch_matching_agrees_with_single(shop_kb: KnowledgeBase) -> None:
    messages = ["refund??", "where is my order", "password reset", "capital of Peru"]
    single = [shop_kb.match(message) for message in messages]
    assert list(shop_kb.match_many(messages, batch_size=3)) == single


@pytest.mark.parametrize(
    "message", ["refund??", "where is my order", "I need a new password", "capital of Peru"]
)
def test_every_answer_is_scored_by_its_best_question_and_centroid(
    shop_kb: KnowledgeBase, message: str
) -> None:
    (query,) = shop_kb.embedder.encode([message])
    weight = shop_kb.settings.match.centroid_weight
    expected = {}
    for answer in shop_kb.answers:
        vectors = shop_kb.embedder.encode(list(answer.questions)).astype(np.float64)
        centroid = vectors.sum(axis=0) / np.linalg.norm(vectors.sum(axis=0))
        best = float(np.max(vectors @ query))
        expected[answer.id] = (1 - weight) * best + weight * float(centroid @ query)
    ranked = sorted(expected, key=lambda answer_id: -expected[answer_id])
    match = shop_kb.match(message, k=len(ranked))
    assert [answer_id for answer_id, _ in match.candidates] == ranked
    for answer_id, score in match.candidates:
        assert score == pytest.approx(expected[answer_id], abs=1e-5)


def test_equal_scores_are_ordered_by_answer_id(
    write_base: WriteBase, real_embedder, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    # Written in reverse order: the order of the files or the index must not decide.
    root = write_base(
        {
            "replykb.yaml": "brand: Acme\n",
            "zeta.yaml": "questions: [where is my parcel]\nanswer: Tracking is in the app.\n",
            "alpha.yaml": "questions: [where is my parcel]\nanswer: Tracking is in the app.\n",
            "mid.yaml": "questions: [reset my password]\nanswer: Use the reset link.\n",
        }
    )
    kb = KnowledgeBase.load(root, cache_dir=tmp_path / "c", embedder=real_embedder)
    match = kb.match("where is my parcel")
    assert match.status == "ambiguous"
    assert [answer_id for answer_id, _ in match.candidates[:2]] == ["alpha", "zeta"]
    assert match.candidates[0][1] == match.candidates[1][1]


@pytest.mark.parametrize("message", ["", "   ", "\n\t "])
def test_empty_message_is_a_clear_error(shop_kb: KnowledgeBase, message: str) -> None:
    with pytest.raises(MessageError, match="the message is empty"):
        shop_kb.match(message)


@pytest.mark.parametrize("message", [None, 42, b"refund"])
def test_non_text_message_is_a_type_error(shop_kb: KnowledgeBase, message: object) -> None:
    with pytest.raises(TypeError, match="a message must be a str"):
        shop_kb.match(message)  # type: ignore[arg-type]


def test_one_megabyte_message_is_matched_on_its_start(shop_kb: KnowledgeBase) -> None:
    message = "When will I get my refund? " + "blah " * 200_000
    assert len(message) > 1_000_000
    match = shop_kb.match(message)
    assert match.candidates[0][0] == "refund-timing"


@pytest.mark.parametrize(
    ("candidates", "status", "answer_id"),
    [
        ([("a", 0.9), ("b", 0.5)], "confident", "a"),
        ([("a", 0.9), ("b", 0.89)], "ambiguous", None),
        ([("a", 0.4), ("b", 0.1)], "no_match", None),
        ([("a", 0.9)], "confident", "a"),
        ([], "no_match", None),
    ],
)
def test_decide_applies_threshold_and_margin(
    candidates: list[tuple[str, float]], status: str, answer_id: str | None
) -> None:
    match = decide(candidates, MatchSettings(threshold=0.5, margin=0.05), k=3)
    assert (match.status, match.answer_id) == (status, answer_id)


def test_shop_fixture_path_exists() -> None:
    assert (SHOP_BASE / "replykb.yaml").is_file()

"""``fast_path_problem`` is part of the Embedder protocol (issue 16 leftovers): an
embedder written by a user inherits None by subclassing :class:`Embedder`, or says
why its model is not on the ONNX fast path, and ``KnowledgeBase.fast_path_problem``
(what ``/v1/health`` reports) says what it says.

The real packaged model, wrapped.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from replykb import KnowledgeBase
from replykb.embed import Embedder

if TYPE_CHECKING:
    from replykb.embed import Vectors

BASE = {
    "refund.yaml": """\
    questions: [When will I get my refund?, where is my refund, refund not arrived]
    answer: Refunds arrive within 5 working days of approval.
    """,
}


class Wrapped(Embedder):
    """A user's embedder: the real model, through the protocol as a base class."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    @property
    def model_id(self) -> str:
        return str(self.inner.model_id)

    @property
    def dimension(self) -> int:
        return int(self.inner.dimension)

    def encode(self, texts: Sequence[str]) -> Vectors:
        return self.inner.encode(texts)  # type: ignore[no-any-return]


class Remote(Wrapped):
    """A user's embedder that says why it is not on the fast path."""

    fast_path_problem = "vectors come from our embedding service"


@pytest.mark.parametrize(
    ("embedder", "problem"),
    [(Wrapped, None), (Remote, "vectors come from our embedding service")],
)
def test_the_embedder_says_why_it_is_off_the_fast_path(
    write_base, real_embedder, tmp_path: Path, embedder: type[Wrapped], problem: str | None
) -> None:  # type: ignore[no-untyped-def]
    mine = embedder(real_embedder)
    assert mine.fast_path_problem == problem
    root = write_base(BASE)
    kb = KnowledgeBase.load(root, cache_dir=tmp_path / "cache", embedder=mine)
    assert kb.fast_path_problem == problem
    assert kb.match("where is my refund").answer_id == "refund"

"""KnowledgeBase: the public entry point, composing load -> index -> match -> render."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .embed import Embedder, SentenceTransformerEmbedder, resolve_model
from .errors import MessageError
from .index import load_or_build_index
from .loader import load_answer_base
from .match import Matcher
from .models import Answer, AnswerBase, Match, Settings

if TYPE_CHECKING:
    from .index import QuestionIndex


class KnowledgeBase:
    """A loaded answer base with its index, ready to match and render messages.

    >>> kb = KnowledgeBase.load("answers/")                      # doctest: +SKIP
    >>> kb.match("where is my refund??").answer_id               # doctest: +SKIP
    'refund-timing'

    Safe to share between threads: nothing in it changes after loading.
    """

    def __init__(self, base: AnswerBase, embedder: Embedder, index: QuestionIndex) -> None:
        self.base = base
        self.embedder = embedder
        self.index = index
        self.matcher = Matcher.from_index(index, base.settings.match)

    @classmethod
    def load(
        cls,
        path: str | Path,
        *,
        cache_dir: str | Path | None = None,
        model: str | None = None,
        embedder: Embedder | None = None,
    ) -> KnowledgeBase:
        """Load the base in ``path``, and its index from the cache or by building it.

        ``model`` (a hub name or a local folder) overrides the base's ``model:``;
        ``embedder`` replaces the model altogether (for tests of other stages).
        """
        base = load_answer_base(path)
        if embedder is None:
            spec = resolve_model(model or base.settings.model, base_root=base.root)
            embedder = SentenceTransformerEmbedder(spec)
        index = load_or_build_index(base, embedder, Path(cache_dir) if cache_dir else None)
        return cls(base, embedder, index)

    @property
    def settings(self) -> Settings:
        return self.base.settings

    @property
    def answers(self) -> tuple[Answer, ...]:
        """The loaded answers, sorted by id."""
        return self.base.answers

    def match(self, message: str, *, k: int = 3) -> Match:
        """Match one message: ``confident`` (send it), ``ambiguous`` (an agent picks) or
        ``no_match`` (a person answers). Messages longer than 4,096 characters are
        matched on their first 4,096 characters."""
        (query,) = self.embedder.encode([_checked_message(message)])
        return self.matcher.match(query, k=k)

    def match_many(
        self, messages: Iterable[str], *, k: int = 3, batch_size: int = 64
    ) -> Iterator[Match]:
        """Match messages in order, encoding them in batches (much faster than one by one)."""
        batch: list[str] = []
        for message in messages:
            batch.append(_checked_message(message))
            if len(batch) == batch_size:
                yield from self._match_batch(batch, k)
                batch = []
        if batch:
            yield from self._match_batch(batch, k)

    def _match_batch(self, messages: Sequence[str], k: int) -> Iterator[Match]:
        for query in self.embedder.encode(messages):
            yield self.matcher.match(query, k=k)


def _checked_message(message: object) -> str:
    if not isinstance(message, str):
        raise TypeError(f"a message must be a str, not {type(message).__name__}")
    if not message.strip():
        raise MessageError("the message is empty; there is nothing to match")
    return message

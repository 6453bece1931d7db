"""KnowledgeBase: the public entry point, composing load -> index -> match -> render."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from . import fastpath
from .embed import Embedder, resolve_model
from .errors import MessageError, UnknownNameError
from .index import FileDigests, cache_folder, index_rows, load_or_build_index
from .loader import load_answer_base
from .match import Matcher
from .models import Answer, AnswerBase, Customer, Match, Reply, Settings, Suggestion
from .render import Renderer

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
        self.renderer = Renderer(base.settings, dict(base.templates))

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
        Messages are embedded with the model's ONNX export, made in the cache the
        first time, which gives sentence-transformers' vectors without loading it.
        """
        base = load_answer_base(path)
        embedder, index = open_index(base, cache_dir, model=model, embedder=embedder)
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

    def render(
        self,
        answer_id: str,
        *,
        channel: str,
        agent: str | None = None,
        customer: str | Customer | None = None,
        conversation_id: str | None = None,
    ) -> Reply:
        """Answer ``answer_id`` rendered for ``channel``, signed by ``agent``, fitted to the
        channel's limit. ``customer`` is a display name, an ``@handle`` or a
        :class:`Customer`; ``conversation_id`` picks the opening (same id, same opening)."""
        return self.renderer.render(
            self.base.answer(answer_id),
            channel=channel,
            agent=agent,
            customer=customer,
            conversation_id=conversation_id,
        )

    def suggest(
        self,
        message: str,
        *,
        channel: str,
        agent: str | None = None,
        customer: str | Customer | None = None,
        conversation_id: str | None = None,
        k: int = 3,
    ) -> Suggestion:
        """Match ``message`` and render the reply to send on ``channel``.

        ``confident``: ``suggestion.reply`` is the reply. ``ambiguous``:
        ``suggestion.alternatives`` holds a reply for each answer too close to call.
        ``no_match``: no reply; a person answers.
        """
        channel_name, _ = self.renderer.channel(channel)
        if agent is not None and agent not in self.settings.agents:
            raise UnknownNameError("agent", agent, self.settings.agents)
        match = self.match(message, k=k)

        def render(answer_id: str) -> Reply:
            return self.render(
                answer_id,
                channel=channel_name,
                agent=agent,
                customer=customer,
                conversation_id=conversation_id,
            )

        reply, alternatives = None, []
        if match.status == "confident" and match.answer_id is not None:
            reply = render(match.answer_id)
        elif match.status == "ambiguous":
            close = [
                a for a, s in match.candidates if s >= match.score - self.settings.match.margin
            ]
            alternatives = [render(a) for a in close]
        return Suggestion(
            message=message,
            channel=channel_name,
            match=match,
            reply=reply,
            alternatives=alternatives,
        )

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


def open_index(
    base: AnswerBase,
    cache_dir: str | Path | None = None,
    *,
    model: str | None = None,
    embedder: Embedder | None = None,
) -> tuple[Embedder, QuestionIndex]:
    """The embedder to match ``base`` with and its index, from the cache or built.

    With no ``embedder``, the model's ONNX export is used when it is there and intact
    (no torch, transformers or sentence-transformers imported), else
    sentence-transformers, and the export is made once the index is loaded; see
    fastpath.py. Shared by :meth:`KnowledgeBase.load` and ``replykb check`` so that
    a check leaves the cache ready for a fast first lookup.
    """
    cache = cache_folder(base, Path(cache_dir) if cache_dir else None)
    if embedder is not None:
        return embedder, load_or_build_index(base, embedder, cache)
    digests = FileDigests(cache)
    spec = resolve_model(model or base.settings.model, base_root=base.root, sha256=digests.sha256)
    choice = fastpath.open_embedder(spec, cache, digests)
    index = load_or_build_index(base, choice.embedder, cache, digests=digests)
    questions = [question for _, question in index_rows(base)]
    return fastpath.after_index(spec, cache, choice, index, questions), index


def _checked_message(message: object) -> str:
    if not isinstance(message, str):
        raise TypeError(f"a message must be a str, not {type(message).__name__}")
    if not message.strip():
        raise MessageError("the message is empty; there is nothing to match")
    return message

"""KnowledgeBase: the public entry point and the one triage core (load -> index -> match
-> render -> observers).

Every door (``suggest``, ``suggest_many``, batch files, the HTTP server) goes through
:meth:`KnowledgeBase._triage`, so the same request gives the same reply, byte for
byte, wherever it comes from; :func:`close_answers` alone decides which answers an
ambiguous match offers.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

from .embed import Embedder
from .errors import MessageError, ReplyKBError, UnknownNameError
from .kbindex import open_index as open_index
from .loader import load_answer_base
from .match import LanguageMatchers, Matcher
from .models import Answer, AnswerBase, Customer, Match, Reply, Settings, Suggestion
from .prepare.language import choose_language, warm_up
from .render import Renderer
from .render.windows import aware_time, current_time
from .triage import (
    RequestGate,
    Work,
    checked_language,
    checked_message,
    checked_type,
    make_suggestion,
    prepare,
)
from .triage import close_answers as close_answers
from .triage_models import (
    Feedback,
    FeedbackEvent,
    SuggestEvent,
    SuggestTimings,
    TriageFailure,
    TriageRequest,
    TriageResult,
    read_feedback,
    unicode_problem,
)

if TYPE_CHECKING:
    from .index import QuestionIndex, Vectors
    from .learn.log import UsageLog

logger = logging.getLogger(__name__)

# Messages encoded together: the model encodes a batch much faster than one by one.
BATCH_SIZE = 64


def _at_least_one(value: object, name: str) -> int:
    # A count argument (k, batch_size): "3", 0 or True would fail deep in the matcher
    # (TypeError, IndexError) or silently give no candidates.
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        # repr() of an int of over 4,300 digits fails; a count is never that long.
        shown = "a negative number" if isinstance(value, int) and value < -1000 else repr(value)
        raise MessageError(f"`{name}` must be a whole number of at least 1, not {shown:.40}")
    return value


class SuggestObserver(Protocol):
    """Told of every suggestion made (a usage log, metrics); cannot change it."""

    def on_suggest(self, event: SuggestEvent) -> None: ...


class FeedbackObserver(Protocol):
    """Told of every outcome reported through :meth:`KnowledgeBase.feedback`."""

    def on_feedback(self, event: FeedbackEvent) -> None: ...


# An observer has on_suggest, on_feedback or both (a usage log has both).
Observer = SuggestObserver | FeedbackObserver


_OBSERVER_METHODS = ("on_suggest", "on_feedback")


class KnowledgeBase:
    """A loaded answer base with its index, ready to match and render messages.

    >>> kb = KnowledgeBase.load("answers/")                      # doctest: +SKIP
    >>> kb.match("where is my refund??").answer_id               # doctest: +SKIP
    'refund-timing'

    Safe to share between threads: nothing in it changes after loading but the tuple
    of observers, which is replaced whole.
    """

    def __init__(
        self,
        base: AnswerBase,
        embedder: Embedder,
        index: QuestionIndex,
        *,
        observers: Iterable[Observer] = (),
    ) -> None:
        if index.match is not None:  # a tuned model's own calibrated threshold and margin
            settings = base.settings.model_copy(update={"match": index.match})
            base = base.model_copy(update={"settings": settings})
        self.base = base
        self.embedder = embedder
        self.index = index
        self.matcher = Matcher.from_index(index, base.settings.match)
        # Per language, the matcher over its questions (a base with one language: none).
        self.matchers = LanguageMatchers.from_index(
            index, base.settings.match, self.matcher, source=base.settings.language
        )
        warm_up(base.settings.languages)  # the language detector, for several languages
        self.renderer = Renderer.for_base(base)
        # A message that asks nothing ("buongiorno") gets no answer: the one rule.
        self.gate = RequestGate.for_base(base)
        self._observers: tuple[Observer, ...] = ()
        for observer in observers:
            self.add_observer(observer)
        # The usage log given to or opened by :meth:`load`; closed by :meth:`close`
        # only when load opened it.
        self.usage_log: UsageLog | None = None
        self._owns_log = False

    @classmethod
    def load(
        cls,
        path: str | Path,
        *,
        cache_dir: str | Path | None = None,
        model: str | None = None,
        embedder: Embedder | None = None,
        observers: Iterable[Observer] = (),
        log: str | Path | UsageLog | Literal[False] | None = None,
    ) -> KnowledgeBase:
        """Load the base in ``path``, and its index from the cache or by building it.

        ``model`` (a hub name or a local folder) overrides the base's ``model:``;
        ``embedder`` replaces the model altogether (for tests of other stages).
        Messages are embedded with the model's ONNX export, made in the cache the
        first time, which gives sentence-transformers' vectors without loading it.
        ``observers`` are told of every suggestion (see :meth:`add_observer`).
        ``log`` is the usage log: ``None`` the base's ``log:`` setting (off when it
        has none), a URL or path (``sqlite:///usage.db``, ``postgresql://...``) to open,
        an open :class:`~replykb.learn.UsageLog` to share (a server's reloads), or
        ``False`` for none; see :meth:`close`.
        """
        base = load_answer_base(path)
        opened = None
        if log is not False:
            # Imported here: a base without a log never loads the log's stores. The one
            # import up DESIGN's layers (learn sits above kb), for the `load(log=)` contract.
            from .learn.log import UsageLog, open_configured_log

            # Opened before the index: a log that cannot be written fails at once, not
            # after the embedding of a new base (a container restarting in a loop).
            opened = log if isinstance(log, UsageLog) else open_configured_log(base, log)
        try:
            embedder, index = open_index(base, cache_dir, model=model, embedder=embedder)
        except BaseException:
            if opened is not None and opened is not log:
                opened.close()
            raise
        kb = cls(base, embedder, index, observers=observers)
        if opened is not None:
            kb.add_observer(opened)
            kb.usage_log, kb._owns_log = opened, opened is not log
        return kb

    def close(self) -> None:
        """Write out and close the usage log that :meth:`load` opened (one passed in
        stays open: its owner closes it). Safe to call twice."""
        if self.usage_log is not None and self._owns_log:
            self.usage_log.close()

    def __enter__(self) -> KnowledgeBase:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def settings(self) -> Settings:
        return self.base.settings

    @property
    def fast_path_problem(self) -> str | None:
        """Why messages are encoded by sentence-transformers rather than the model's ONNX
        export (a model given by hub name, a layout the export does not reproduce...);
        None when the export is used, or the embedder was given to :meth:`load`."""
        return self.embedder.fast_path_problem

    @property
    def answers(self) -> tuple[Answer, ...]:
        """The loaded answers, sorted by id."""
        return self.base.answers

    # --- observers ------------------------------------------------------------------

    @property
    def observers(self) -> tuple[Observer, ...]:
        return self._observers

    def add_observer(self, observer: Observer) -> None:
        """Call ``observer.on_suggest(event)`` once for every suggestion from now on, and
        ``observer.on_feedback(event)`` for every outcome reported (:meth:`feedback`);
        an observer needs one of the two methods, or both.

        A suggestion's event holds the request, a copy of the suggestion and the timings;
        an observer that raises is logged (logger ``replykb.kb``) and the reply goes out
        unchanged.
        """
        # Checked here, where the mistake is made, rather than logged at every suggestion.
        if not any(callable(getattr(observer, name, None)) for name in _OBSERVER_METHODS):
            raise TypeError(
                "an observer needs an on_suggest(event) method, an on_feedback(event) "
                f"method, or both; {observer!r} has neither"
            )
        self._observers = (*self._observers, observer)

    def remove_observer(self, observer: Observer) -> None:
        self._observers = tuple(o for o in self._observers if o is not observer)

    @property
    def records_feedback(self) -> bool:
        """Whether an observer is told of outcomes (a usage log is configured)."""
        return any(callable(getattr(o, "on_feedback", None)) for o in self._observers)

    # --- outcomes -----------------------------------------------------------------------

    def feedback(self, feedback: Feedback | Mapping[str, Any]) -> Feedback:
        """Report what the agent did with a suggestion: sent as is, edited, the wrong
        answer, or no answer used (:class:`Feedback`); tells the observers that have
        ``on_feedback`` (the usage log) and returns the checked feedback, its channel
        under its own name (an alias resolved).

        Raises :class:`MessageError` for a field that cannot be used (an ``edited``
        outcome without ``edited_text``, an answer id that is not an id) and
        :class:`UnknownNameError` for a channel or agent the base does not define. An
        answer id the base lacks is recorded: after a reload removed the answer the
        agent was looking at, their outcome still counts (`replykb usage` lists it).
        """
        feedback = read_feedback(feedback)
        channel, _ = self.renderer.channel(feedback.channel)
        if feedback.agent is not None and feedback.agent not in self.settings.agents:
            raise UnknownNameError("agent", feedback.agent, self.settings.agents)
        if channel != feedback.channel:
            feedback = feedback.model_copy(update={"channel": channel})
        at = datetime.now(UTC)
        event = FeedbackEvent(feedback=feedback, at=at, fingerprint=self.base.fingerprint)
        for observer in self._observers:
            on_feedback = getattr(observer, "on_feedback", None)
            if on_feedback is None:
                continue
            try:
                on_feedback(event)
            except Exception as error:
                _observer_failed(observer, "an outcome", error)
        return feedback

    # --- one message ------------------------------------------------------------------

    def match(self, message: str, *, k: int = 3, language: str | None = None) -> Match:
        """Match one message: ``confident`` (send it), ``ambiguous`` (an agent picks) or
        ``no_match`` (a person answers). Messages longer than 4,096 characters are
        matched on their first 4,096 characters. On a base with several languages the
        message's own language's questions come first, as in :meth:`suggest`."""
        k = _at_least_one(k, "k")
        language = checked_language(language, self.settings)
        (query,) = self.embedder.encode([self.gate.request_text(checked_message(message))])
        return self._match_vector(message, query, k, language)

    def _match_vector(self, text: str, query: Vectors, k: int, language: str | None) -> Match:
        choice = choose_language(text, self.settings.languages, language)
        return self.gate.decide(text, self.matchers.match_choice(query, choice, k=k)[0])

    def render(
        self,
        answer_id: str,
        *,
        channel: str,
        agent: str | None = None,
        customer: str | Customer | None = None,
        conversation_id: str | None = None,
        details: Mapping[str, str | int | None] | None = None,
        last_customer_message_at: datetime | str | None = None,
        now: datetime | None = None,
        language: str | None = None,
    ) -> Reply:
        """Answer ``answer_id`` rendered for ``channel``, signed by ``agent``, fitted to the
        channel's limit. ``customer`` is a display name, an ``@handle`` or a
        :class:`Customer`; ``conversation_id`` picks the opening (same id, same opening);
        ``details`` are the ticket's (``{"order_id": "FH1234567"}``), printed where the
        answer uses them (README: "Ticket details"). ``reply.window`` says whether it may
        be sent ``now`` (default: the clock), the customer having last written at
        ``last_customer_message_at`` (README: "Channel rules"). ``language`` is one of
        the base's ``languages:`` (default: the source language)."""
        if isinstance(conversation_id, str) and (problem := unicode_problem(conversation_id)):
            raise MessageError(f"`conversation_id` is not valid Unicode text: {problem}")
        if language is not None and not isinstance(language, str):
            raise MessageError(f"`language` must be text, not {type(language).__name__}")
        language = checked_language(language, self.settings)
        return self.renderer.render(
            self.base.answer(answer_id),
            channel=channel,
            agent=agent,
            customer=customer,
            conversation_id=conversation_id,
            details=details,
            last_customer_message_at=(
                None
                if last_customer_message_at is None
                else aware_time(last_customer_message_at, "last_customer_message_at")
            ),
            now=now,
            language=language,
        )

    def suggest(
        self,
        message: str,
        *,
        channel: str,
        agent: str | None = None,
        customer: str | Customer | None = None,
        conversation_id: str | None = None,
        details: Mapping[str, str | int | None] | None = None,
        last_customer_message_at: datetime | str | None = None,
        now: datetime | None = None,
        k: int = 3,
        language: str | None = None,
    ) -> Suggestion:
        """Match ``message`` and render the reply to send on ``channel``.

        ``confident``: ``suggestion.reply`` is the reply. ``ambiguous``:
        ``suggestion.alternatives`` holds a reply for each answer too close to call.
        ``no_match``: no reply; a person answers. ``details`` are the ticket's, printed
        where the answer uses them; ``last_customer_message_at`` (with ``now``, default
        the clock) gives every reply its ``window``. ``language`` (one of the base's
        ``languages:``) is the reply's; by default a base with several languages detects
        the message's, falling back to the source language when unsure
        (``suggestion.language`` says which and why). Raises :class:`MessageError` for a
        message (or conversation id, details, time) that cannot be used, and
        :class:`UnknownNameError` for an unknown channel, agent or language.
        """
        checked_type(message)
        k = _at_least_one(k, "k")
        fields = {
            "message": message,
            "channel": channel,
            "agent": agent,
            "customer": customer,
            "conversation_id": conversation_id,
            "details": details,
            "last_customer_message_at": last_customer_message_at,
            "language": language,
        }
        # One `now` for the reply and every alternative, as suggest_many does.
        moment = current_time() if now is None else aware_time(now, "now")
        (work,) = self._triage([self._prepare(fields)], k=k, now=moment)
        if work.error is not None:
            raise work.error
        assert work.suggestion is not None
        return work.suggestion

    # --- many messages ----------------------------------------------------------------

    def suggest_many(
        self,
        items: Iterable[TriageRequest | Mapping[str, Any]],
        *,
        k: int = 3,
        batch_size: int = BATCH_SIZE,
        now: datetime | None = None,
    ) -> Iterator[TriageResult | TriageFailure]:
        """Triage many messages, lazily, one result per item and in their order.

        Each item is a :class:`TriageRequest` or a mapping of its fields (``message``,
        ``channel``, ``agent``, ``customer``, ``conversation_id``, ``details``,
        ``last_customer_message_at``, ``language``, ``id``, ``line``). Reply windows are those at
        ``now``, the same for every item (default: the clock, read once per call).
        Messages are encoded ``batch_size`` at a time; each result is exactly what
        :meth:`suggest` gives for the same fields, alternatives included. An item that
        cannot be triaged becomes a :class:`TriageFailure` in its place, with the
        error's message and kind, and the others go on.
        """
        k, batch_size = _at_least_one(k, "k"), _at_least_one(batch_size, "batch_size")
        moment = current_time() if now is None else aware_time(now, "now")
        iterator = iter(items)
        position = 0
        while chunk := list(islice(iterator, batch_size)):
            for work in self._triage([self._prepare(item) for item in chunk], k=k, now=moment):
                yield work.outcome(position)
                position += 1

    def match_many(
        self, messages: Iterable[str], *, k: int = 3, batch_size: int = BATCH_SIZE
    ) -> Iterator[Match]:
        """Match messages in order, each exactly as :meth:`match` would; encoded in batches
        (much faster than one by one) when the embedder allows it (see ``_encode``)."""
        k, batch_size = _at_least_one(k, "k"), _at_least_one(batch_size, "batch_size")
        batch: list[str] = []
        for message in messages:
            batch.append(checked_message(message))
            if len(batch) == batch_size:
                yield from self._match_batch(batch, k)
                batch = []
        if batch:
            yield from self._match_batch(batch, k)

    def _match_batch(self, messages: list[str], k: int) -> Iterator[Match]:
        texts = [self.gate.request_text(message) for message in messages]
        for message, query in zip(messages, self._encode(texts), strict=True):
            yield self._match_vector(message, query, k, None)

    # --- the triage core --------------------------------------------------------------

    def _prepare(self, item: object) -> Work:
        return prepare(item, self.renderer, self.settings)

    def _triage(self, items: Sequence[Work], *, k: int, now: datetime) -> list[Work]:
        """Encode the valid items together, then match, render and tell the observers."""
        ready = [work for work in items if work.error is None]
        started = time.perf_counter()
        vectors = self._encode([self.gate.request_text(w.message) for w in ready])
        encode_each = (time.perf_counter() - started) / max(len(ready), 1)
        for work, vector in zip(ready, vectors, strict=True):
            started = time.perf_counter()
            assert work.language is not None
            decided = self.matchers.match_choice(vector, work.language, k=k)
            work.match, work.language = self.gate.decide_choice(
                work.message, work.language, decided
            )
            matched = time.perf_counter()
            try:
                work.suggestion = self._suggestion(work, work.match, now)
            except ReplyKBError as error:
                work.error = error
                continue
            timings = SuggestTimings(
                encode=encode_each, match=matched - started, render=time.perf_counter() - matched
            )
            self._notify(work, timings)
        return list(items)

    def _encode(self, messages: list[str]) -> Sequence[Vectors]:
        """The messages' vectors, each exactly as if encoded alone.

        Batches only with an embedder whose vectors do not depend on the rest of the
        batch (the ONNX export's); others (sentence-transformers: its padded batches
        shift the last bits) encode one message at a time, so that a message gets the
        same scores, and so the same decision and reply, through every door.
        """
        if not messages:
            return ()
        if getattr(self.embedder, "batch_invariant", False):
            return list(self.embedder.encode(messages))
        return [self.embedder.encode([message])[0] for message in messages]

    def _suggestion(self, work: Work, match: Match, now: datetime) -> Suggestion:
        return make_suggestion(work, match, self.base, self.renderer, now)

    def _notify(self, work: Work, timings: SuggestTimings) -> None:
        observers = self._observers
        if not observers:
            return
        assert work.request is not None and work.suggestion is not None
        at = datetime.now(UTC)
        for observer in observers:
            on_suggest = getattr(observer, "on_suggest", None)
            if on_suggest is None:
                continue
            # Each its own copy: an observer that edits what it is given changes neither
            # the result nor what the next observer sees.
            event = SuggestEvent(
                request=work.request,
                suggestion=work.suggestion.model_copy(deep=True),
                timings=timings,
                at=at,
                fingerprint=self.base.fingerprint,
            )
            try:
                on_suggest(event)
            except Exception as error:
                _observer_failed(observer, "a suggestion", error)


def _observer_failed(observer: object, occasion: str, error: Exception) -> None:
    logger.error(
        "observer %r failed on %s and was skipped: %s: %s",
        observer,
        occasion,
        type(error).__name__,
        error,
        exc_info=logger.isEnabledFor(logging.DEBUG),
    )

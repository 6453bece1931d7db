"""What the usage report reads: the fields of the log's events it needs, as protocols,
so that any store's rows (replykb.learn.events) and a plain file's triaged messages
(usage_file.py) can be counted alike."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


class SuggestionEvent(Protocol):
    """The fields of a logged suggestion the report reads (the log's LoggedSuggestion;
    a message of a plain file may have no time)."""

    @property
    def at(self) -> datetime | None: ...
    @property
    def fingerprint(self) -> str | None: ...
    @property
    def channel(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def answer_id(self) -> str | None: ...
    @property
    def score(self) -> float | None: ...
    @property
    def candidates(self) -> Sequence[tuple[str, float]]: ...
    @property
    def language(self) -> str | None: ...  # the reply's; None: one language, or not kept
    @property
    def conversation_id(self) -> str | None: ...


class OutcomeRow(Protocol):
    """The fields of a logged outcome the report reads (the log's LoggedFeedback). Not
    named *FeedbackEvent*: that is the knowledge base's event (triage_models)."""

    @property
    def at(self) -> datetime: ...
    @property
    def outcome(self) -> str: ...
    @property
    def answer_id(self) -> str | None: ...
    @property
    def used_answer_id(self) -> str | None: ...
    @property
    def edited_text(self) -> str | None: ...
    @property
    def channel(self) -> str: ...
    @property
    def conversation_id(self) -> str | None: ...
    @property
    def agent(self) -> str | None: ...


class UsageLogReader(Protocol):
    """What the report needs of a usage log (replykb.learn's UsageLog)."""

    def suggestions(self, since: datetime | None = None) -> Iterable[SuggestionEvent]: ...
    def feedback(self, since: datetime | None = None) -> Iterable[OutcomeRow]: ...


@dataclass(frozen=True)
class ErrorRow:
    """A record of a plain file that could not be triaged: when and on which channel."""

    at: datetime | None
    channel: str

"""Events as table rows and back: the columns every store has, in one place."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from .events import LoggedFeedback, LoggedSuggestion

SUGGESTION_COLUMNS = (
    "at",
    "fingerprint",
    "channel",
    "status",
    "answer_id",
    "score",
    "candidates",
    "latency_ms",
    "conversation_id",
    "agent",
    "message",
)
FEEDBACK_COLUMNS = (
    "at",
    "outcome",
    "channel",
    "answer_id",
    "used_answer_id",
    "edited_text",
    "conversation_id",
    "agent",
    "source",
    "message",
    "fingerprint",
)


def stamp(moment: datetime) -> str:
    """A time as SQLite keeps it: UTC ISO 8601 of fixed width, so text order is time order."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")


def _time(value: Any) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return moment.astimezone(UTC)


def suggestion_values(row: LoggedSuggestion, *, native: bool = False) -> tuple[Any, ...]:
    """The values to insert (all columns but ``id``); ``native`` keeps the time a
    datetime and the candidates a list (PostgreSQL's timestamptz and jsonb)."""
    candidates = [[answer_id, score] for answer_id, score in row.candidates]
    return (
        row.at if native else stamp(row.at),
        row.fingerprint,
        row.channel,
        row.status,
        row.answer_id,
        row.score,
        candidates if native else json.dumps(candidates),
        row.latency_ms,
        row.conversation_id,
        row.agent,
        row.message,
    )


def feedback_values(row: LoggedFeedback, *, native: bool = False) -> tuple[Any, ...]:
    return (
        row.at if native else stamp(row.at),
        row.outcome,
        row.channel,
        row.answer_id,
        row.used_answer_id,
        row.edited_text,
        row.conversation_id,
        row.agent,
        row.source,
        row.message,
        row.fingerprint,
    )


def suggestion_from_row(
    row: tuple[Any, ...], candidates: Callable[[Any], Any] = lambda value: value
) -> LoggedSuggestion:
    values = dict(zip(SUGGESTION_COLUMNS, row, strict=True))
    values["at"] = _time(values["at"])
    values["candidates"] = [tuple(pair) for pair in candidates(values["candidates"])]
    # Rows this package wrote from validated events: not validated again (a log of
    # 100k events reads several times faster).
    return LoggedSuggestion.model_construct(**values)


def feedback_from_row(row: tuple[Any, ...]) -> LoggedFeedback:
    values = dict(zip(FEEDBACK_COLUMNS, row, strict=True))
    values["at"] = _time(values["at"])
    return LoggedFeedback.model_construct(**values)

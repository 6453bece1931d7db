"""Events as table rows and back: the columns every store has, in one place."""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Sequence
from datetime import UTC, datetime
from typing import Any, get_args

from ..errors import UsageLogError
from ..triage_models import OutcomeKind
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
    "language",
    "language_reason",
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
# The columns a later schema added (each nullable: "not recorded" for older events). A
# reader of an older log, which it never migrates, reads them as NULL.
ADDED_COLUMNS = frozenset({"message", "fingerprint", "language", "language_reason"})


def select_list(columns: Sequence[str], present: Collection[str] | None) -> str:
    """What to SELECT for ``columns`` from a table that has ``present`` (None: all of them)."""
    if present is None:
        return ", ".join(columns)
    return ", ".join(
        f"NULL AS {name}" if name not in present and name in ADDED_COLUMNS else name
        for name in columns
    )


def stamp(moment: datetime) -> str:
    """A time as SQLite keeps it: UTC ISO 8601 of fixed width, so text order is time order."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")


STATUSES = ("confident", "ambiguous", "no_match")
OUTCOMES: tuple[str, ...] = get_args(OutcomeKind)


class _Damaged(ValueError):
    """A column of a row that does not decode: ``column`` and why."""

    def __init__(self, column: str, value: Any, why: str) -> None:
        shown = repr(value)
        super().__init__(f"`{column}` {shown[:80]}{'...' if len(shown) > 80 else ''} {why}")


def _time(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise _Damaged("at", value, "is not a time") from None
    return moment.astimezone(UTC)


def _candidates(value: Any, decode: Callable[[Any], Any]) -> list[tuple[str, float]]:
    try:
        pairs = [tuple(pair) for pair in decode(value)]
    except (TypeError, ValueError):
        raise _Damaged("candidates", value, "is not a JSON list of [answer id, score]") from None
    for pair in pairs:
        if len(pair) != 2 or not isinstance(pair[0], str) or not isinstance(pair[1], int | float):
            raise _Damaged("candidates", value, "is not a JSON list of [answer id, score]")
    return pairs


def _one_of(values: dict[str, Any], column: str, allowed: tuple[str, ...]) -> None:
    if values[column] not in allowed:
        raise _Damaged(column, values[column], f"is not one of {', '.join(allowed)}")


def damaged_row(location: str, table: str, row_id: Any, error: ValueError) -> UsageLogError:
    """The error for a row that does not decode. A reader stops on it rather than
    skipping it: a report that quietly leaves rows out gives a team wrong numbers it
    cannot see (a warning on stderr is lost in a cron job), while this names the row
    to fix and everything else in the log stays readable once it is fixed."""
    return UsageLogError(
        f"usage log {location}: {table} row id {row_id}: {error}; fix or delete that row "
        f"(e.g. DELETE FROM {table} WHERE id = {row_id}), then read the log again"
    )


def storable(value: Any) -> Any:
    """Text as every store keeps it: PostgreSQL refuses a NUL character (U+0000) in
    text and jsonb, and one such event would fail the whole batch it was written in;
    it becomes U+FFFD, the character for "something unreadable was here"."""
    return value.replace("\x00", "\ufffd") if isinstance(value, str) else value


def suggestion_values(row: LoggedSuggestion, *, native: bool = False) -> tuple[Any, ...]:
    """The values to insert (all columns but ``id``); ``native`` keeps the time a
    datetime and the candidates a list (PostgreSQL's timestamptz and jsonb)."""
    candidates = [[storable(answer_id), score] for answer_id, score in row.candidates]
    return (
        row.at if native else stamp(row.at),
        storable(row.fingerprint),
        storable(row.channel),
        row.status,
        storable(row.answer_id),
        row.score,
        candidates if native else json.dumps(candidates),
        row.latency_ms,
        storable(row.conversation_id),
        storable(row.agent),
        storable(row.message),
        row.language,
        row.language_reason,
    )


def feedback_values(row: LoggedFeedback, *, native: bool = False) -> tuple[Any, ...]:
    return (
        row.at if native else stamp(row.at),
        row.outcome,
        storable(row.channel),
        storable(row.answer_id),
        storable(row.used_answer_id),
        storable(row.edited_text),
        storable(row.conversation_id),
        storable(row.agent),
        storable(row.source),
        storable(row.message),
        storable(row.fingerprint),
    )


def suggestion_from_row(
    row: tuple[Any, ...],
    location: str,
    candidates: Callable[[Any], Any] = lambda value: value,
) -> LoggedSuggestion:
    """A row read as ``("id", *SUGGESTION_COLUMNS)``; a damaged row is a UsageLogError."""
    values = dict(zip(SUGGESTION_COLUMNS, row[1:], strict=True))
    try:
        values["at"] = _time(values["at"])
        values["candidates"] = _candidates(values["candidates"], candidates)
        _one_of(values, "status", STATUSES)
    except _Damaged as error:
        raise damaged_row(location, "suggestions", row[0], error) from None
    # The columns that could break a reader are checked above; the rest were written
    # from validated events: not validated again (a log of 100k events reads several
    # times faster).
    return LoggedSuggestion.model_construct(**values)


def feedback_from_row(row: tuple[Any, ...], location: str) -> LoggedFeedback:
    """A row read as ``("id", *FEEDBACK_COLUMNS)``; a damaged row is a UsageLogError."""
    values = dict(zip(FEEDBACK_COLUMNS, row[1:], strict=True))
    try:
        values["at"] = _time(values["at"])
        _one_of(values, "outcome", OUTCOMES)
    except _Damaged as error:
        raise damaged_row(location, "feedback", row[0], error) from None
    return LoggedFeedback.model_construct(**values)


def inserts(
    rows: Sequence[LoggedSuggestion | LoggedFeedback],
    *,
    tables: tuple[str, str],
    mark: str,
    native: bool = False,
    candidates: Callable[[Any], Any] | None = None,
) -> list[tuple[str, list[tuple[Any, ...]]]]:
    """The INSERT statement and the rows of values for each table that ``rows`` add to,
    suggestions first: ``tables`` names the suggestions' and the outcomes' tables,
    ``mark`` is the driver's placeholder (``?``, ``%s``), ``native`` and ``candidates``
    (a wrapper for the candidates' JSON) as the driver takes values."""
    suggestions: list[tuple[Any, ...]] = []
    for row in rows:
        if isinstance(row, LoggedSuggestion):
            values = suggestion_values(row, native=native)
            if candidates is not None:
                at = SUGGESTION_COLUMNS.index("candidates")
                values = (*values[:at], candidates(values[at]), *values[at + 1 :])
            suggestions.append(values)
    feedback = [feedback_values(r, native=native) for r in rows if isinstance(r, LoggedFeedback)]
    return [
        (_insert(table, columns, mark), values)
        for table, columns, values in (
            (tables[0], SUGGESTION_COLUMNS, suggestions),
            (tables[1], FEEDBACK_COLUMNS, feedback),
        )
        if values
    ]


def _insert(table: str, columns: Sequence[str], mark: str) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join([mark] * len(columns))})"

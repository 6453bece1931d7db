"""``replykb usage --input FILE``: the report a plain file of messages can give.

A JSONL or CSV file of messages (the format batch triage reads, see records.py) holds
no outcomes, so the report says what matching says today: every message is triaged
with the base as it is now (through ``kb.suggest_many``, as every door does), and the
statuses are counted per channel, per day and per answer; the unused answers are
those no message of the file matched (``--unused-days`` does not apply). Outcomes and
edits (``feedback``, ``outcomes``, ``repeated_edits``) are ``None``: only a usage log
knows them.

A record's day comes from its first time field among :data:`TIME_FIELDS` (ISO 8601,
a date, or Unix seconds; a time without a zone is UTC); records without one are
counted but in no day's row, and ``--since`` keeps them (it cannot place them).
Lines that cannot be read or triaged are counted as ``errors`` on their channel.
No message text is kept in the report.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..batch import REQUEST_FIELDS, is_csv, triage_records
from ..errors import DataError
from ..records import Record, RecordError, read_records
from .events import logged_language
from .usage import ErrorRow, usage_report
from .usage_models import UsageReport

if TYPE_CHECKING:
    from ..kb import KnowledgeBase

TIME_FIELDS = ("at", "time", "timestamp", "date", "created_at", "sent_at")
UNKNOWN_CHANNEL = "(none)"
SHOWN_ERRORS = 5  # records not triaged named in the notes, with why (the rest: counted)


@dataclass(frozen=True)
class _Triaged:
    """One triaged message, with the fields of a logged suggestion the report reads."""

    at: datetime | None
    channel: str
    status: str
    answer_id: str | None
    score: float | None
    candidates: list[tuple[str, float]]
    fingerprint: str | None
    language: str | None
    conversation_id: str | None = None  # a file's outcomes are not read: nothing to pair


def report_from_file(
    kb: KnowledgeBase,
    path: Path,
    *,
    channel: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> UsageReport:
    """Triage every message of ``path`` with ``kb`` and report the statuses.

    ``channel`` is the default for records that name none. Raises :class:`DataError`
    when the file cannot be read, :class:`UnknownNameError` for an unknown channel.
    """
    if channel is not None:
        kb.renderer.channel(channel)
    end = until or datetime.now(UTC)
    try:
        stream = path.open("rb")
    except OSError as error:
        reason = error.strerror or str(error)
        raise DataError(f"{path}: cannot read ({reason}); give a JSONL or CSV file") from error
    reader = _Reader(path, channel, since)
    with stream:
        records = read_records(
            stream,
            csv_format=is_csv(path),
            name=str(path),
            optional=[*REQUEST_FIELDS[1:], *TIME_FIELDS],
        )
        triaged: list[_Triaged] = []
        errors: list[ErrorRow] = []
        fingerprint = kb.base.fingerprint
        for outcome in triage_records(kb, reader.read(records), channel=channel, now=end):
            at, record_channel = reader.placed.pop(outcome.position)
            if outcome.status == "error":
                errors.append(ErrorRow(at=at, channel=record_channel))
                reader.failed(outcome.line, outcome.error)
                continue
            match = outcome.suggestion.match
            triaged.append(
                _Triaged(
                    at=at,
                    channel=outcome.suggestion.channel,
                    status=match.status,
                    answer_id=match.answer_id,
                    score=match.score,
                    candidates=list(match.candidates),
                    fingerprint=fingerprint,
                    language=logged_language(outcome.suggestion.language)[0],
                )
            )
    if not triaged and not errors:
        raise DataError(f"{path}: no messages in the file" + reader.skipped_note())
    return usage_report(
        kb.base,
        triaged,
        None,
        source="file",
        location=str(path),
        since=since,
        until=end,
        # A file is a sample, not a period up to now: the unused answers are those no
        # message of it matched.
        unused_days=None,
        errors=errors,
        notes=reader.notes(),
    )


class _Reader:
    """The records to triage, each placed (time, channel) by its position; blank lines
    and records before ``since`` left out."""

    def __init__(self, path: Path, channel: str | None, since: datetime | None) -> None:
        self.path = path
        self.channel = channel
        self.since = since
        self.placed: dict[int, tuple[datetime | None, str]] = {}
        self.before_since = 0
        self.bad_time: list[int] = []
        self.errors: list[str] = []  # the first few records that could not be triaged

    def failed(self, line: int | None, error: str) -> None:
        if len(self.errors) < SHOWN_ERRORS:
            self.errors.append(f"line {line}: {error}" if line is not None else error)

    def read(self, records: Iterator[Record | RecordError]) -> Iterator[Record | RecordError]:
        position = 0
        for record in records:
            if isinstance(record, RecordError):
                if record.blank:
                    continue
                at, channel = None, self.channel or UNKNOWN_CHANNEL
            else:
                at = self._time(record)
                if at is not None and self.since is not None and at < self.since:
                    self.before_since += 1
                    continue
                named = record.fields.get("channel")
                given = named if isinstance(named, str) and named else self.channel
                channel = given or UNKNOWN_CHANNEL
            self.placed[position] = (at, channel)
            position += 1
            yield record

    def _time(self, record: Record) -> datetime | None:
        value: Any = next(
            (record.fields[k] for k in TIME_FIELDS if record.fields.get(k) not in (None, "")),
            None,
        )
        if value is None:
            return None
        moment = parse_time(value)
        if moment is None:
            self.bad_time.append(record.line)
        return moment

    def skipped_note(self) -> str:
        return f" since {self.since:%Y-%m-%d}" if self.before_since else ""

    def notes(self) -> list[str]:
        notes = [f"not triaged: {error}" for error in self.errors]
        if self.before_since:
            notes.append(f"{self.before_since} message(s) before --since left out")
        if self.bad_time:
            lines = ", ".join(str(line) for line in self.bad_time[:5])
            more = "..." if len(self.bad_time) > 5 else ""
            notes.append(
                f"{len(self.bad_time)} record(s) with a time that is not ISO 8601 or Unix "
                f"seconds (lines {lines}{more}) are in no day's row"
            )
        return notes


def parse_time(value: object) -> datetime | None:
    """An ISO 8601 time or date, or Unix seconds, in UTC; ``None`` when unreadable."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        try:
            return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=value)
        except (OverflowError, ValueError):
            return None
    if not isinstance(value, str):
        return None
    text = value.strip()
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    except ValueError:
        try:
            moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=float(text))
        except (OverflowError, ValueError):
            return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)

"""``replykb usage``: what the usage log says about the answer base.

:func:`usage_report` computes a :class:`UsageReport` from the log's suggestion and
feedback events (any objects with the fields of the log's ``LoggedSuggestion`` and
``LoggedFeedback``); :func:`report_from_log` reads them from an open usage log, and
usage_file.py computes the part a plain file of messages can say. The renderers
(usage_text.py, usage_html.py) only lay the model out.

What is counted, and how:

- an answer is *suggested* for a message when it was the confident answer, or one of
  the answers an ambiguous match offered (within the base's ``match.margin`` of the
  best, the rule every door uses);
- outcomes are counted on the answer that was suggested (``sent``, ``edited``,
  ``wrong``, ``unused``; *rejected* is ``wrong`` + ``unused``) and, for a rejection,
  what the agent used instead (another answer, or none);
- rates are shares of the messages triaged: ``no_match / total`` and
  ``ambiguous / total``, per channel, per UTC day and per version of the base;
- an answer is *unused* when no message was suggested it in the ``unused_days`` days
  up to the report's end (``None``: in all that was read, as for a plain file);
- edits are compared by what they change in the answer's words (usage_edits.py);
  the same change by two agents or in two conversations is a *repeated edit*.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from ..models import Match
from ..triage import close_answers
from .usage_events import ErrorRow, OutcomeRow, SuggestionEvent, UsageLogReader
from .usage_languages import LanguageTally
from .usage_models import (
    AnswerUsage,
    Period,
    ReportSource,
    StatusCounts,
    UnusedAnswer,
    VersionCounts,
)
from .usage_models import UsageReport as UsageReport
from .usage_outcomes import OutcomeTally

if TYPE_CHECKING:
    from ..models import AnswerBase

__all__ = [
    "ErrorRow",
    "OutcomeRow",
    "SuggestionEvent",
    "UsageLogReader",
    "UsageReport",
    "report_from_log",
    "usage_report",
]

DEFAULT_UNUSED_DAYS = 30
STATUSES = ("confident", "ambiguous", "no_match")


def report_from_log(
    log: UsageLogReader,
    base: AnswerBase,
    *,
    location: str,
    since: datetime | None = None,
    until: datetime | None = None,
    unused_days: int = DEFAULT_UNUSED_DAYS,
) -> UsageReport:
    """The report of ``log`` for ``base``: events from ``since`` (None: all) up to
    ``until`` (default: now); ``location`` is how the report names the log."""
    end = until or datetime.now(UTC)
    # The unused answers need the last `unused_days` days even when --since is shorter.
    window = end - timedelta(days=unused_days)
    first = window if since is None else min(since, window)
    return usage_report(
        base,
        log.suggestions(None if since is None else first),
        log.feedback(since),
        source="log",
        location=location,
        since=since,
        until=end,
        unused_days=unused_days,
    )


def usage_report(
    base: AnswerBase,
    suggestions: Iterable[SuggestionEvent],
    feedback: Iterable[OutcomeRow] | None,
    *,
    source: ReportSource,
    location: str,
    since: datetime | None,
    until: datetime,
    unused_days: int | None = DEFAULT_UNUSED_DAYS,
    errors: Iterable[ErrorRow] = (),
    notes: Sequence[str] = (),
) -> UsageReport:
    """Count ``suggestions`` and ``feedback`` (None: a source without outcomes) into a
    report. Events before ``since`` count only towards the unused answers; events after
    ``until`` (the report's end, itself included) are left out and counted in a note;
    ``errors`` are records of a plain file that could not be triaged."""
    until = _utc(until)
    unused_from = None if unused_days is None else until - timedelta(days=unused_days)
    tally = _Tally(base, since, unused_from, until)
    for event in suggestions:
        tally.suggestion(event)
    for error in errors:
        tally.error(error)
    outcomes = None
    if feedback is not None:
        outcomes = OutcomeTally(base)
        for item in feedback:
            at = _utc(item.at)
            if at > until:
                tally.after_end += 1
            elif since is None or at >= since:
                outcomes.add(item)
                tally.languages.outcome(item, at)
    first, last = tally.first, tally.last
    return UsageReport(
        source=source,
        location=location,
        base=str(base.root),
        fingerprint=base.fingerprint,
        period=Period(
            since=since, until=until, unused_days=unused_days, first_event=first, last_event=last
        ),
        totals=tally.totals.counts("all"),
        feedback=None if outcomes is None else outcomes.totals(),
        answers=_answer_rows(base, tally, outcomes),
        unused=tally.unused(),
        channels=sorted(
            (group.counts(name) for name, group in tally.channels.items()),
            key=lambda row: (-row.total, row.key),
        ),
        days=tally.day_rows(),
        versions=tally.version_rows(),
        languages=tally.languages.rows(),
        repeated_edits=None if outcomes is None else outcomes.repeated(),
        notes=[
            *notes,
            *tally.notes(),
            *tally.languages.notes(),
            *([] if outcomes is None else outcomes.notes()),
        ],
    )


# --- suggestions ------------------------------------------------------------------------


@dataclass
class _Group:
    counts_by_status: Counter[str] = field(default_factory=Counter)
    errors: int = 0
    first: datetime | None = None
    last: datetime | None = None

    def add(self, status: str, at: datetime | None) -> None:
        self.counts_by_status[status] += 1
        if at is not None:
            self.first = at if self.first is None else min(self.first, at)
            self.last = at if self.last is None else max(self.last, at)

    def counts(self, key: str) -> StatusCounts:
        confident, ambiguous, no_match = (self.counts_by_status[s] for s in STATUSES)
        triaged = confident + ambiguous + no_match
        return StatusCounts(
            key=key,
            total=triaged + self.errors,
            confident=confident,
            ambiguous=ambiguous,
            no_match=no_match,
            errors=self.errors,
            no_match_rate=no_match / triaged if triaged else None,
            ambiguous_rate=ambiguous / triaged if triaged else None,
        )


def _utc(moment: datetime) -> datetime:
    # A naive time from a file is read as UTC, as the log stores every time.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class _Tally:
    """Suggestion events counted per channel, day, version and answer."""

    def __init__(
        self,
        base: AnswerBase,
        since: datetime | None,
        unused_from: datetime | None,
        until: datetime,
    ) -> None:
        self.margin = base.settings.match.margin
        self.since = since
        self.until = until
        self.after_end = 0  # events after the report's end (e.g. `--now` in the past)
        self.unused_from = unused_from
        self.base = base
        self.totals = _Group()
        self.channels: defaultdict[str, _Group] = defaultdict(_Group)
        self.days: defaultdict[date, _Group] = defaultdict(_Group)
        self.versions: defaultdict[str, _Group] = defaultdict(_Group)
        self.confident: Counter[str] = Counter()
        self.ambiguous: Counter[str] = Counter()
        self.last_suggested: dict[str, datetime] = {}
        self.seen_undated: set[str] = set()
        self.undated = 0
        self.unknown_status: Counter[str] = Counter()
        self.languages = LanguageTally()

    @property
    def first(self) -> datetime | None:
        return self.totals.first

    @property
    def last(self) -> datetime | None:
        return self.totals.last

    def suggestion(self, event: SuggestionEvent) -> None:
        at = None if event.at is None else _utc(event.at)
        if at is not None and at > self.until:
            self.after_end += 1
            return  # not even for the unused answers: they are unused up to the end
        offered = self._offered(event)
        for answer_id in offered:
            if at is None:
                self.seen_undated.add(answer_id)  # a file's message without a time: used
            elif answer_id not in self.last_suggested or at > self.last_suggested[answer_id]:
                self.last_suggested[answer_id] = at
        if at is not None and self.since is not None and at < self.since:
            return  # read for the unused answers only
        if event.status not in STATUSES:
            self.unknown_status[event.status] += 1
            return
        for answer_id in offered:
            (self.confident if event.status == "confident" else self.ambiguous)[answer_id] += 1
        self.totals.add(event.status, at)
        self.channels[event.channel].add(event.status, at)
        self.versions[event.fingerprint or "unknown"].add(event.status, at)
        self.languages.suggestion(event, at, event.conversation_id)
        if at is None:
            self.undated += 1
        else:
            self.days[at.date()].add(event.status, at)

    def error(self, row: ErrorRow) -> None:
        at = None if row.at is None else _utc(row.at)
        if at is not None and at > self.until:
            self.after_end += 1
            return
        for group in (self.totals, self.channels[row.channel]):
            group.errors += 1
        if at is not None:
            self.days[at.date()].errors += 1

    def _offered(self, event: SuggestionEvent) -> list[str]:
        if event.status == "confident" and event.answer_id is not None:
            return [event.answer_id]
        if event.status != "ambiguous" or event.answer_id is None:
            return []
        match = Match(
            status="ambiguous",
            answer_id=event.answer_id,
            score=event.score if event.score is not None else 0.0,
            candidates=list(event.candidates or []),
        )
        offered = close_answers(match, self.margin) if event.score is not None else []
        return offered or [event.answer_id]

    def day_rows(self) -> list[StatusCounts]:
        """Every UTC day from the first to the last event, days without any included."""
        if not self.days:
            return []
        day, last = min(self.days), max(self.days)
        rows = []
        while day <= last:
            rows.append((self.days.get(day) or _Group()).counts(day.isoformat()))
            day += timedelta(days=1)
        return rows

    def version_rows(self) -> list[VersionCounts]:
        rows = []
        for fingerprint, group in self.versions.items():
            if group.first is None or group.last is None:
                continue
            counts = group.counts(fingerprint)
            rows.append(
                VersionCounts(**counts.model_dump(), first_at=group.first, last_at=group.last)
            )
        return sorted(rows, key=lambda row: (row.first_at, row.key))

    def unused(self) -> list[UnusedAnswer]:
        return [
            UnusedAnswer(
                answer_id=answer.id,
                title=answer.title,
                owner=answer.owner,
                file=_relative(answer.source.file, self.base.root),
                last_suggested=self.last_suggested.get(answer.id),
            )
            for answer in sorted(self.base.answers, key=lambda a: a.id)
            if answer.id not in self.seen_undated
            and (
                (seen := self.last_suggested.get(answer.id)) is None
                or (self.unused_from is not None and seen < self.unused_from)
            )
        ]

    def notes(self) -> list[str]:
        notes = []
        if self.undated:
            notes.append(f"{self.undated} message(s) without a time are in no day's row")
        if self.after_end:
            notes.append(
                f"{self.after_end} event(s) after the report's end "
                f"{self.until:%Y-%m-%d %H:%M} UTC left out"
            )
        for status, count in sorted(self.unknown_status.items()):
            notes.append(f"{count} suggestion(s) with an unknown status {status!r} left out")
        return notes


def _answer_rows(
    base: AnswerBase, tally: _Tally, outcomes: OutcomeTally | None
) -> list[AnswerUsage]:
    titles = {answer.id: answer.title for answer in base.answers}
    ids = set(titles) | set(tally.confident) | set(tally.ambiguous)
    if outcomes is not None:
        ids |= set(outcomes.counts) | set(outcomes.chosen_instead)
    rows = [
        AnswerUsage(
            answer_id=answer_id,
            title=titles.get(answer_id),
            in_base=answer_id in titles,
            suggested=tally.confident[answer_id] + tally.ambiguous[answer_id],
            confident=tally.confident[answer_id],
            ambiguous=tally.ambiguous[answer_id],
            last_suggested=tally.last_suggested.get(answer_id),
            chosen_instead=0 if outcomes is None else outcomes.chosen_instead[answer_id],
            outcomes=None if outcomes is None else outcomes.outcomes(answer_id),
        )
        for answer_id in ids
    ]
    # Answers with nothing to show are in the unused list (or were used before `since`).
    active = [
        row
        for row in rows
        if row.suggested or row.chosen_instead or (row.outcomes and row.outcomes.feedback)
    ]
    return sorted(active, key=lambda row: (-row.suggested, row.answer_id))


def _relative(file: str, root: Path) -> str:
    """An answer's file as the team knows it: relative to the base folder."""
    try:
        return Path(file).relative_to(root).as_posix()
    except ValueError:
        return file

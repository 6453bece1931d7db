"""The usage report's data: what ``replykb usage`` prints as text, JSON and HTML.

Every output is drawn from one :class:`UsageReport`, so the three always agree; its
JSON (``model_dump(mode="json")``) is the ``--json`` output. Texts in it come from the
usage log, which stores messages and edits masked; a report read from a plain file of
messages holds no customer text at all.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

ReportSource = Literal["log", "file"]
# What an edit is compared with: the reply rendered again, or the answer's own text.
Reference = Literal["reply", "answer", "short"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class StatusCounts(_Frozen):
    """Triage outcomes of a group of messages (a channel, a day, a base version).

    Rates are shares of the messages triaged (``total`` less ``errors``), ``None``
    when there were none.
    """

    key: str
    total: int = 0
    confident: int = 0
    ambiguous: int = 0
    no_match: int = 0
    # Plain-file reports: records that could not be read or triaged (a log holds none).
    errors: int = 0
    no_match_rate: float | None = None
    ambiguous_rate: float | None = None


class VersionCounts(StatusCounts):
    """The outcomes under one version of the base (``key`` is its fingerprint): a
    merged draft shows as a lower no-match rate under the next version."""

    first_at: datetime
    last_at: datetime


class LanguageUsage(StatusCounts):
    """The messages whose reply was in one language (``key``: its code, or ``not
    recorded`` for events logged before replykb stored it), and the outcomes agents
    reported on them: an Italian team's edits and rejections next to English ones."""

    feedback: int = 0
    sent: int = 0
    edited: int = 0
    wrong: int = 0
    unused: int = 0


class DiffPart(_Frozen):
    """A run of words of an edit against the canonical text: kept, removed or added."""

    op: Literal["equal", "delete", "insert"]
    text: str


class TypicalEdit(_Frozen):
    """The most common edit of an answer (same change, see usage_edits.py): one of its
    texts as sent, how many edits made it and by whom, ``change`` in wdiff notation, and
    its word diff against ``against``: the ``reply`` the base gives on the edit's channel
    for its agent (rendered again; ``{customer}`` stands for the name), else the answer's
    ``answer`` or ``short`` text, or ``None`` for an answer gone from the base."""

    text: str
    count: int
    agents: int
    conversations: int
    change: str
    against: Reference | None = None
    diff: list[DiffPart] = Field(default_factory=list)


class UsedInstead(_Frozen):
    """What agents used after rejecting a suggestion: an answer id, or ``None`` for no
    answer of the base."""

    answer_id: str | None
    count: int


class Outcomes(_Frozen):
    """What agents did with an answer's suggestions (from the log's feedback)."""

    feedback: int = 0
    sent: int = 0
    edited: int = 0
    wrong: int = 0
    unused: int = 0
    # wrong + unused: the suggestion was not what the agent sent.
    rejected: int = 0
    used_instead: list[UsedInstead] = Field(default_factory=list)
    # None: no edit, or the log keeps no text (a team that stores none).
    typical_edit: TypicalEdit | None = None


class AnswerUsage(_Frozen):
    """One answer: how often it was suggested, and (from a log) what agents did with it.

    ``suggested`` counts the messages it was offered for: ``confident`` ones (it was the
    reply) plus ``ambiguous`` ones where it was among the answers offered (within the
    base's ``match.margin`` of the best). ``chosen_instead``: how often agents used it in
    place of another suggestion or after no match.
    """

    answer_id: str
    title: str | None = None
    in_base: bool = True
    suggested: int = 0
    confident: int = 0
    ambiguous: int = 0
    last_suggested: datetime | None = None
    chosen_instead: int = 0
    outcomes: Outcomes | None = None


class UnusedAnswer(_Frozen):
    """An answer of the base not suggested in the last ``unused_days`` days (a plain
    file: not matched by any of its messages)."""

    answer_id: str
    title: str | None = None
    owner: str | None = None
    file: str | None = None
    # The last time it was suggested in what was read (None: never).
    last_suggested: datetime | None = None


class RepeatedEdit(_Frozen):
    """The same change to one answer made by several agents or in several conversations:
    a sign that the canonical answer is wrong or out of date."""

    answer_id: str
    change: str
    count: int
    agents: list[str]
    conversations: int
    example: str
    against: Reference | None = None
    diff: list[DiffPart] = Field(default_factory=list)


class Period(_Frozen):
    """What was read: events from ``since`` (None: all) up to ``until``, and the window
    in which an answer counts as used."""

    since: datetime | None
    until: datetime
    # None: the unused answers are those never suggested in what was read (a file).
    unused_days: int | None
    first_event: datetime | None = None
    last_event: datetime | None = None


class UsageReport(_Frozen):
    """Everything ``replykb usage`` reports, in one model (``--json`` prints it).

    ``answers`` holds the answers suggested, reported on or chosen in the period (most
    suggested first); the others are in ``unused`` when idle for ``unused_days``.

    ``feedback``, ``outcomes`` and ``repeated_edits`` are ``None`` for a plain file of
    messages, which says nothing of what agents did.
    """

    source: ReportSource
    location: str
    base: str
    fingerprint: str
    period: Period
    totals: StatusCounts
    feedback: dict[str, int] | None = None
    answers: list[AnswerUsage] = Field(default_factory=list)
    unused: list[UnusedAnswer] = Field(default_factory=list)
    channels: list[StatusCounts] = Field(default_factory=list)
    days: list[StatusCounts] = Field(default_factory=list)
    versions: list[VersionCounts] = Field(default_factory=list)
    # Per reply language, only when the messages read were replied in two or more.
    languages: list[LanguageUsage] = Field(default_factory=list)
    repeated_edits: list[RepeatedEdit] | None = None
    notes: list[str] = Field(default_factory=list)

    def day(self, when: date) -> StatusCounts | None:
        """The row of one UTC day, if it is in the report."""
        return next((row for row in self.days if row.key == when.isoformat()), None)

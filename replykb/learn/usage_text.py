"""The usage report as text for a terminal: aligned tables, one section per question.

Rates are printed as percentages with one decimal; ``-`` is a rate of no messages.
Numbers come straight from the :class:`UsageReport`, so the text, ``--json`` and the
HTML report agree.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from datetime import datetime

from .usage_edits import diff_notation
from .usage_models import AnswerUsage, LanguageUsage, StatusCounts, UsageReport

MAX_TEXT = 160  # an edited text longer than this is shortened in the terminal
# Bidirectional overrides and isolates: they could reorder what a terminal shows.
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def printable(text: str) -> str:
    """``text`` safe for a terminal: control characters (an escape sequence in an
    edited reply would move the cursor or recolour the screen) and bidirectional
    overrides are shown escaped, as ``\\x1b`` or ``\\u202e``."""
    return "".join(
        (f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}")
        if unicodedata.category(c) == "Cc" or c in _BIDI
        else c
        for c in text
    )


def percent(rate: float | None) -> str:
    """``0.25`` -> ``25.0%``; ``None`` (no messages) -> ``-``."""
    return "-" if rate is None else f"{rate * 100:.1f}%"


def events(report: UsageReport) -> str:
    first, last = report.period.first_event, report.period.last_event
    return "no event times" if first is None else f"events {stamp(first)} to {stamp(last)}"


def unused_title(report: UsageReport) -> str:
    days = report.period.unused_days
    if days is None:
        return "Not matched by any message of the file"
    return f"Not suggested in the last {days} days"


def stamp(moment: datetime | None) -> str:
    return "-" if moment is None else moment.strftime("%Y-%m-%d %H:%M")


def table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    """Columns padded to their widest cell; numbers (and rates) right-aligned."""
    cells = [[printable(str(cell)) for cell in row] for row in rows]
    widths = [max(len(row[i]) for row in [list(header), *cells]) for i in range(len(header))]
    # A column of numbers (or rates), where "-" is a rate of nothing, is right-aligned.
    numeric = [
        all(_is_number(row[i]) or row[i] == "-" for row in rows)
        and any(_is_number(row[i]) for row in rows)
        for i in range(len(header))
    ]

    def line(row: Sequence[str]) -> str:
        padded = [
            cell.rjust(width) if right else cell.ljust(width)
            for cell, width, right in zip(row, widths, numeric, strict=True)
        ]
        return "  ".join(padded).rstrip()

    return [line(list(header)), *(line(row) for row in cells)]


def _is_number(cell: object) -> bool:
    return isinstance(cell, int | float) or (
        isinstance(cell, str) and cell.endswith("%") and cell[:-1] != ""
    )


STATUS_COLUMNS = ("messages", "confident", "ambiguous", "no match", "no-match %", "ambiguous %")


def status_columns(
    rows: Sequence[StatusCounts], label: str, errors: bool
) -> tuple[list[str], list[list[object]]]:
    """The status table's header and cells, laid out once for the text and the HTML
    report (each only styles them): ``label`` names the first column, ``errors`` adds
    the records that could not be triaged (a plain file)."""
    header = [label, *STATUS_COLUMNS, *(["errors"] if errors else [])]
    body: list[list[object]] = []
    for row in rows:
        cells: list[object] = [
            row.key,
            row.total,
            row.confident,
            row.ambiguous,
            row.no_match,
            percent(row.no_match_rate),
            percent(row.ambiguous_rate),
        ]
        if errors:
            cells.append(row.errors)
        body.append(cells)
    return header, body


LANGUAGE_COLUMNS = ("sent", "edited", "wrong", "unused")


def language_columns(rows: Sequence[LanguageUsage]) -> tuple[list[str], list[list[object]]]:
    """The per-language table (status counts, then the outcomes reported on them), laid
    out once for the text and the HTML report."""
    header, body = status_columns(rows, "language", errors=False)
    for cells, row in zip(body, rows, strict=True):
        cells += [row.sent, row.edited, row.wrong, row.unused]
    return [*header, *LANGUAGE_COLUMNS], body


def _status_rows(rows: Sequence[StatusCounts], label: str, errors: bool) -> list[str]:
    header, body = status_columns(rows, label, errors)
    return table([name.upper() for name in header], body)


def _shorten(text: str) -> str:
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def _answer_table(answers: Sequence[AnswerUsage], with_outcomes: bool) -> list[str]:
    header = ["ANSWER", "SUGGESTED", "CONFIDENT", "AMBIGUOUS"]
    if with_outcomes:
        header += ["SENT", "EDITED", "WRONG", "UNUSED", "REJECTED", "CHOSEN INSTEAD", "INSTEAD"]
    rows: list[list[object]] = []
    for answer in answers:
        cells: list[object] = [
            answer.answer_id + ("" if answer.in_base else " (not in base)"),
            answer.suggested,
            answer.confident,
            answer.ambiguous,
        ]
        outcomes = answer.outcomes
        if with_outcomes and outcomes is not None:
            instead = ", ".join(
                f"{used.answer_id or 'none'} {used.count}" for used in outcomes.used_instead
            )
            cells += [
                outcomes.sent,
                outcomes.edited,
                outcomes.wrong,
                outcomes.unused,
                outcomes.rejected,
                answer.chosen_instead,
                instead or "-",
            ]
        rows.append(cells)
    return table(header, rows)


def render_text(report: UsageReport) -> str:
    """The whole report, as printed by ``replykb usage``."""
    out: list[str] = []
    period = report.period
    since = "the start" if period.since is None else stamp(period.since)
    out.append(f"Usage of {report.base} from {report.source} {report.location}")
    out.append(f"Period: {since} to {stamp(period.until)} UTC ({events(report)})")
    totals = report.totals
    out.append(
        f"Messages: {totals.total}  confident {totals.confident}  ambiguous "
        f"{totals.ambiguous} ({percent(totals.ambiguous_rate)})  no match "
        f"{totals.no_match} ({percent(totals.no_match_rate)})"
        + (f"  errors {totals.errors}" if totals.errors else "")
    )
    if report.feedback is None:
        out.append("Outcomes: none in a plain file of messages (they need a usage log)")
    else:
        counts = report.feedback
        out.append(
            f"Outcomes: {counts['total']} reported  sent {counts['sent']}  edited "
            f"{counts['edited']}  wrong {counts['wrong']}  unused {counts['unused']}"
        )
    errors = report.totals.errors > 0
    out += ["", "Answers", *_answer_table(report.answers, report.feedback is not None)]
    typical = [a for a in report.answers if a.outcomes and a.outcomes.typical_edit]
    if typical:
        out += ["", "Typical edits (the most common change to each answer's words)"]
        for answer in typical:
            assert answer.outcomes is not None and answer.outcomes.typical_edit is not None
            edit = answer.outcomes.typical_edit
            out.append(
                f"  {answer.answer_id}: {edit.count} of {answer.outcomes.edited} edits, "
                f"{edit.agents} agent(s), {edit.conversations} conversation(s): "
                f"{edit.change or '(opening or signature only)'}"
            )
            out.append(f"    sent: {_shorten(edit.text)}")
            if edit.diff:
                out.append(
                    f"    diff against `{edit.against}`: {_shorten(diff_notation(edit.diff))}"
                )
    if report.repeated_edits is not None:
        out += ["", "Repeated edits (the same change by several agents or conversations)"]
        if not report.repeated_edits:
            out.append("  none")
        rows = [
            [r.answer_id, r.count, len(r.agents), r.conversations, r.change]
            for r in report.repeated_edits
        ]
        if rows:
            out += table(["ANSWER", "EDITS", "AGENTS", "CONVERSATIONS", "CHANGE"], rows)
    out += ["", f"{unused_title(report)} ({len(report.unused)} answer(s))"]
    if report.unused:
        out += table(
            ["ANSWER", "LAST SUGGESTED", "OWNER", "FILE"],
            [
                [u.answer_id, stamp(u.last_suggested), u.owner or "-", u.file or "-"]
                for u in report.unused
            ],
        )
    else:
        out.append("  none")
    out += ["", "By channel", *_status_rows(report.channels, "CHANNEL", errors)]
    if report.languages:
        header, body = language_columns(report.languages)
        out += ["", "By reply language (outcomes: what agents did with those replies)"]
        out += table([name.upper() for name in header], body)
    out += ["", "By day (UTC)"]
    out += _status_rows(report.days, "DAY", errors) if report.days else ["  no message has a time"]
    if report.versions:
        out += ["", "By version of the base (first seen, fingerprint)"]
        out += table(
            ["FIRST SEEN", "LAST SEEN", "VERSION", "MESSAGES", "NO-MATCH %", "AMBIGUOUS %"],
            [
                [
                    stamp(v.first_at),
                    stamp(v.last_at),
                    v.key[:16],
                    v.total,
                    percent(v.no_match_rate),
                    percent(v.ambiguous_rate),
                ]
                for v in report.versions
            ],
        )
    if report.notes:
        out += ["", "Notes", *(f"  {note}" for note in report.notes)]
    return "\n".join(printable(line) for line in out) + "\n"

"""The usage report as one self-contained HTML file: tables and inline SVG charts.

No script, no stylesheet or font from elsewhere: the file opens from disk in any
browser, offline, and can be attached to a ticket or a pull request. Every text from
the report (answer ids, titles, channels, the agents' edited texts) is escaped, and
the charts are drawn here as SVG rectangles and lines, so no plotting library is
needed to read them. Each table has an ``id`` (``answers``, ``typical-edits``,
``repeated-edits``, ``unused``, ``channels``, ``days``, ``versions``) and holds the
same numbers as the text and JSON reports.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Sequence
from html import escape
from pathlib import Path

from ..errors import DataError
from .usage_models import DiffPart, StatusCounts, UsageReport
from .usage_text import (
    events,
    language_columns,
    percent,
    printable,
    stamp,
    status_columns,
    unused_title,
)

COLOURS = {
    "confident": "#2e7d32",
    "ambiguous": "#f9a825",
    "no_match": "#c62828",
    "errors": "#757575",
    "sent": "#2e7d32",
    "edited": "#1565c0",
    "rejected": "#c62828",
    "other": "#bdbdbd",
}
CHART_WIDTH = 860
MAX_ANSWER_BARS = 20

STYLE = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2em;color:#212121}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:2em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.5em 0;font-size:13px}.wide{overflow-x:auto}
td:first-child{white-space:nowrap}th,td{padding:.2em .7em;border-bottom:1px solid #eee}
th{text-align:left;background:#fafafa}td.n{text-align:right;font-variant-numeric:tabular-nums}
del{background:#ffebee;color:#b71c1c}ins{background:#e8f5e9;color:#1b5e20;text-decoration:none}
.muted{color:#757575}.key span{display:inline-block;width:.8em;height:.8em;margin:0 .3em 0 1em}
svg text{font:11px system-ui,sans-serif;fill:#424242}
"""


def _e(value: object) -> str:
    # Control characters and bidirectional overrides shown escaped, as in the text report.
    return escape(printable(str(value)), quote=True)


def _cell(value: object) -> str:
    numeric = isinstance(value, int | float) or (
        isinstance(value, str) and (value == "-" or value.endswith("%"))
    )
    return f'<td class="n">{_e(value)}</td>' if numeric else f"<td>{_e(value)}</td>"


def _table(table_id: str, header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(_cell(c) for c in row) + "</tr>" for row in rows)
    return (
        f'<div class="wide"><table id="{table_id}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )


def _diff(parts: Sequence[DiffPart]) -> str:
    shown = {"equal": "{}", "delete": "<del>{}</del>", "insert": "<ins>{}</ins>"}
    return " ".join(shown[p.op].format(_e(p.text)) for p in parts)


LABELS = {"other": "no outcome reported", "no_match": "no match"}


def _legend(*names: str) -> str:
    items = "".join(
        f'<span style="background:{COLOURS[n]}"></span>{_e(LABELS.get(n, n))}' for n in names
    )
    return f'<div class="key">{items}</div>'


# --- charts -------------------------------------------------------------------------------


def _day_chart(days: Sequence[StatusCounts]) -> str:
    """Stacked bars of messages per day (confident, ambiguous, no match, errors) and the
    no-match rate as a line against the right-hand scale (0-100%)."""
    if not days:
        return ""
    height, top, bottom, left, right = 220, 10, 40, 40, 40
    plot_w, plot_h = CHART_WIDTH - left - right, height - top - bottom
    most = max(max(d.total for d in days), 1)
    step = plot_w / len(days)
    bar = max(step * 0.7, 1.0)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{CHART_WIDTH}" '
        f'height="{height}" viewBox="0 0 {CHART_WIDTH} {height}">'
        f"<title>Messages per day and no-match rate</title>",
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" '
        'stroke="#9e9e9e"/>',
        f'<text x="{left - 5}" y="{top + 4}" text-anchor="end">{most}</text>',
        f'<text x="{left - 5}" y="{top + plot_h}" text-anchor="end">0</text>',
        f'<text x="{left + plot_w + 5}" y="{top + 4}">100%</text>',
    ]
    points = []
    label_every = max(1, len(days) // 12)
    for index, day in enumerate(days):
        x = left + index * step + (step - bar) / 2
        y = top + plot_h
        for status in ("confident", "ambiguous", "no_match", "errors"):
            count = getattr(day, status)
            if not count:
                continue
            h = plot_h * count / most
            y -= h
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                f'fill="{COLOURS[status]}"><title>{_e(day.key)}: {count} '
                f"{status.replace('_', ' ')}</title></rect>"
            )
        if day.no_match_rate is not None:
            points.append(f"{x + bar / 2:.1f},{top + plot_h * (1 - day.no_match_rate):.1f}")
        if index % label_every == 0:
            parts.append(
                f'<text x="{x + bar / 2:.1f}" y="{top + plot_h + 14}" '
                f'text-anchor="middle">{_e(day.key[5:])}</text>'
            )
    if points:
        parts.append(
            f'<polyline points="{" ".join(points)}" fill="none" stroke="#212121" '
            'stroke-width="1.5" stroke-dasharray="4 2"><title>no-match rate</title></polyline>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _bars(
    title: str, rows: Sequence[tuple[str, Sequence[tuple[str, float]], str]], scale: float
) -> str:
    """Horizontal stacked bars: one row per label, segments (colour name, value), and a
    note printed after the bar; ``scale`` is the value of a full-width bar."""
    if not rows:
        return ""
    label_w, row_h, note_w = 220, 20, 120
    plot_w = CHART_WIDTH - label_w - note_w
    height = row_h * len(rows) + 10
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{CHART_WIDTH}" '
        f'height="{height}" viewBox="0 0 {CHART_WIDTH} {height}"><title>{_e(title)}</title>'
    ]
    for index, (label, segments, note) in enumerate(rows):
        y = 5 + index * row_h
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 13}" text-anchor="end">{_e(label[:34])}</text>'
        )
        x = float(label_w)
        for colour, value in segments:
            if value <= 0:
                continue
            w = plot_w * value / (scale or 1)
            parts.append(
                f'<rect x="{x:.1f}" y="{y + 2}" width="{w:.1f}" height="{row_h - 6}" '
                f'fill="{COLOURS[colour]}"><title>{_e(label)}: {_e(round(value, 4))} '
                f"{_e(LABELS.get(colour, colour))}</title></rect>"
            )
            x += w
        parts.append(f'<text x="{x + 6:.1f}" y="{y + 13}">{_e(note)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _answer_chart(report: UsageReport) -> str:
    shown = [a for a in report.answers if a.suggested or a.chosen_instead][:MAX_ANSWER_BARS]
    rows: list[tuple[str, Sequence[tuple[str, float]], str]] = []
    for answer in shown:
        o = answer.outcomes
        if o is None:
            rows.append(
                (answer.answer_id, [("confident", answer.suggested)], str(answer.suggested))
            )
            continue
        rest = max(answer.suggested - o.sent - o.edited - o.rejected, 0)
        rows.append(
            (
                answer.answer_id,
                [("sent", o.sent), ("edited", o.edited), ("rejected", o.rejected), ("other", rest)],
                f"{answer.suggested} suggested",
            )
        )
    most = max(
        (max(a.suggested, (a.outcomes.feedback if a.outcomes else 0)) for a in shown), default=1
    )
    return _bars("Suggestions and outcomes per answer", rows, most)


def _rate_chart(title: str, rows: Sequence[StatusCounts]) -> str:
    bars: list[tuple[str, Sequence[tuple[str, float]], str]] = [
        (
            row.key,
            [("no_match", row.no_match_rate or 0.0), ("ambiguous", row.ambiguous_rate or 0.0)],
            f"{percent(row.no_match_rate)} no match",
        )
        for row in rows
    ]
    return _bars(title, bars, 1.0)


# --- the page -------------------------------------------------------------------------------


def _status_table(table_id: str, label: str, rows: Sequence[StatusCounts], errors: bool) -> str:
    return _table(table_id, *status_columns(rows, label, errors))


def _answers_section(report: UsageReport) -> list[str]:
    with_outcomes = report.feedback is not None
    header = ["answer", "title", "suggested", "confident", "ambiguous"]
    if with_outcomes:
        header += ["sent", "edited", "wrong", "unused", "rejected", "chosen instead", "instead"]
    rows: list[list[object]] = []
    for a in report.answers:
        cells: list[object] = [
            a.answer_id + ("" if a.in_base else " (not in base)"),
            a.title or "",
            a.suggested,
            a.confident,
            a.ambiguous,
        ]
        if with_outcomes and a.outcomes is not None:
            o = a.outcomes
            instead = ", ".join(f"{u.answer_id or 'none'} {u.count}" for u in o.used_instead)
            cells += [o.sent, o.edited, o.wrong, o.unused, o.rejected, a.chosen_instead, instead]
        rows.append(cells)
    legend = _legend("sent", "edited", "rejected", "other") if with_outcomes else ""
    return ["<h2>Answers</h2>", legend, _answer_chart(report), _table("answers", header, rows)]


def _edits_section(report: UsageReport) -> list[str]:
    out: list[str] = []
    typical = [
        (a.answer_id, a.outcomes.edited, a.outcomes.typical_edit)
        for a in report.answers
        if a.outcomes is not None and a.outcomes.typical_edit is not None
    ]
    if typical:
        rows = "".join(
            f'<tr><td>{_e(answer_id)}</td><td class="n">{edit.count}</td>'
            f'<td class="n">{edited}</td><td class="n">{edit.agents}</td>'
            f'<td class="n">{edit.conversations}</td>'
            f"<td>{_e(edit.change or '(opening or signature only)')}</td>"
            f"<td>{_diff(edit.diff) if edit.diff else _e(edit.text)}</td></tr>"
            for answer_id, edited, edit in typical
        )
        out += [
            "<h2>Typical edits</h2>",
            '<p class="muted">The most common change agents make to each answer\'s words: '
            "one reply as sent, against the reply the base gives on its channel "
            "(<del>removed</del>, <ins>added</ins>; {customer} is the customer's name).</p>",
            '<table id="typical-edits"><thead><tr><th>answer</th><th>edits like it</th>'
            "<th>edits</th><th>agents</th><th>conversations</th><th>change</th>"
            f"<th>diff</th></tr></thead><tbody>{rows}</tbody></table>",
        ]
    if report.repeated_edits is not None:
        rows = "".join(
            f'<tr><td>{_e(r.answer_id)}</td><td class="n">{r.count}</td>'
            f'<td class="n">{len(r.agents)}</td><td>{_e(", ".join(r.agents))}</td>'
            f'<td class="n">{r.conversations}</td><td>{_e(r.change)}</td>'
            f"<td>{_diff(r.diff) if r.diff else _e(r.example)}</td></tr>"
            for r in report.repeated_edits
        )
        out += [
            "<h2>Repeated edits</h2>",
            '<p class="muted">The same change to an answer by several agents or in several '
            "conversations: the canonical answer may be wrong.</p>",
            '<table id="repeated-edits"><thead><tr><th>answer</th><th>edits</th>'
            "<th>agents</th><th>who</th><th>conversations</th><th>change</th><th>diff</th>"
            f"</tr></thead><tbody>{rows}</tbody></table>",
        ]
    return out


def render_html(report: UsageReport) -> str:
    """The whole report as one HTML page (UTF-8), with no outside resource."""
    period = report.period
    totals = report.totals
    errors = totals.errors > 0
    since = "the start" if period.since is None else stamp(period.since)
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>replykb usage: {_e(report.base)}</title><style>{STYLE}</style></head><body>",
        f"<h1>Usage of {_e(report.base)}</h1>",
        f"<p>From the {_e(report.source)} <code>{_e(report.location)}</code>, {_e(since)} to "
        f"{_e(stamp(period.until))} UTC ({_e(events(report))}); base version "
        f"<code>{_e(report.fingerprint[:16])}"
        "</code>.</p>",
        _table(
            "totals",
            ["messages", "confident", "ambiguous", "no match", "no-match %", "ambiguous %"]
            + (["errors"] if errors else []),
            [
                [
                    totals.total,
                    totals.confident,
                    totals.ambiguous,
                    totals.no_match,
                    percent(totals.no_match_rate),
                    percent(totals.ambiguous_rate),
                ]
                + ([totals.errors] if errors else [])
            ],
        ),
    ]
    if report.feedback is None:
        out.append(
            '<p class="muted">No outcomes: a plain file of messages does not say what '
            "agents sent; a usage log does.</p>"
        )
    else:
        names = ["total", "sent", "edited", "wrong", "unused"]
        out.append(_table("outcomes", names, [[report.feedback[n] for n in names]]))
    out += _answers_section(report)
    out += _edits_section(report)
    out.append(f"<h2>{_e(unused_title(report))}</h2>")
    out.append(
        _table(
            "unused",
            ["answer", "title", "last suggested", "owner", "file"],
            [
                [u.answer_id, u.title or "", stamp(u.last_suggested), u.owner or "", u.file or ""]
                for u in report.unused
            ],
        )
    )
    out += [
        "<h2>By day (UTC)</h2>",
        _legend("confident", "ambiguous", "no_match"),
        _day_chart(report.days),
        _status_table("days", "day", report.days, errors),
        "<h2>By channel</h2>",
        _legend("no_match", "ambiguous"),
        _rate_chart("No-match and ambiguous rates per channel", report.channels),
        _status_table("channels", "channel", report.channels, errors),
    ]
    if report.languages:
        out += [
            "<h2>By reply language</h2>",
            '<p class="muted">Outcomes: what agents did with the replies in each language.</p>',
            _table("languages", *language_columns(report.languages)),
        ]
    if report.versions:
        versions = [v.model_copy(update={"key": v.key[:16]}) for v in report.versions]
        out += [
            "<h2>By version of the base</h2>",
            _rate_chart("No-match rate per version of the base", versions),
            _table(
                "versions",
                ["first seen", "last seen", "version", "messages", "no-match %", "ambiguous %"],
                [
                    [
                        stamp(v.first_at),
                        stamp(v.last_at),
                        v.key,
                        v.total,
                        percent(v.no_match_rate),
                        percent(v.ambiguous_rate),
                    ]
                    for v in versions
                ],
            ),
        ]
    if report.notes:
        out.append(
            "<h2>Notes</h2><ul>" + "".join(f"<li>{_e(n)}</li>" for n in report.notes) + "</ul>"
        )
    out.append("</body></html>")
    return "\n".join(part for part in out if part) + "\n"


def write_html(report: UsageReport, path: Path) -> None:
    """Write the page to ``path`` atomically: into a temporary file beside it, renamed
    when complete, so a reader never sees half a report and a failure keeps the old one.
    A symbolic link is followed (the file it names is replaced, the link stays); a device
    or a pipe (/dev/stdout, a FIFO) is written to as it is. Raises :class:`DataError`
    naming the file when it cannot be written."""
    page = render_html(report)
    target = path.resolve() if path.is_symlink() else path
    if target.is_dir():
        raise DataError(f"{path}: is a folder; give a file name such as usage.html")
    try:
        if target.exists() and not target.is_file():  # /dev/stdout, a FIFO: no rename
            with target.open("w", encoding="utf-8") as stream:
                stream.write(page)
            return
    except OSError as error:
        raise DataError(f"{path}: cannot write the report ({error.strerror or error})") from error
    if not target.parent.is_dir():
        raise DataError(f"{path}: the folder {target.parent} does not exist; create it first")
    temporary = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    try:
        # 0o666 minus the umask, as for any new file (mkstemp would make it private).
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
            stream.write(page)
        os.replace(temporary, target)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise DataError(f"{path}: cannot write the report ({error.strerror or error})") from error

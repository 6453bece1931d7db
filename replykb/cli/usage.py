"""``replykb usage``: what the usage log (or a plain file of messages) says about the base.

A thin shell: it resolves the log and the period, calls replykb.learn.usage (or
usage_file for ``--input``) and prints the report as text, JSON or HTML.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ._common import (
    CACHE_OPTION,
    JSON_OPTION,
    QUIET_OPTION,
    SINCE,
    Since,
    base_options,
    fail,
    is_stdout,
)

if TYPE_CHECKING:
    from ..learn.usage_models import UsageReport


@click.command()
@base_options(positional=False)
@click.option(
    "--log",
    "log_url",
    metavar="URL",
    help="The usage log: a SQLite file (sqlite:///usage.db or a path) or postgresql://... "
    "(default: `log:` in replykb.yaml).",
)
@click.option(
    "--input",
    "input_path",
    type=click.Path(path_type=Path),
    metavar="FILE",
    help="No log: triage this JSONL or CSV file of messages with the base and report "
    "its statuses (no outcomes: only a log knows them).",
)
@click.option("--channel", help="With --input: the channel of records that name none.")
@click.option(
    "--since",
    type=SINCE,
    help="Only events of the last DAYS days (7 or 7d), or since DATE (2026-11-01, or an ISO 8601 "
    "time; UTC). Default: everything in the log.",
)
@click.option(
    "--unused-days",
    type=click.IntRange(min=1),
    default=30,
    show_default=True,
    metavar="N",
    help="List the answers not suggested in the last N days (with --input: those no "
    "message of the file matched).",
)
@click.option(
    "--now",
    metavar="TIME",
    help="The report's end, ISO 8601 with a time zone (default: the clock); --since DAYS "
    "and --unused-days count back from it.",
)
@click.option(
    "--html",
    "html_path",
    type=click.Path(path_type=Path),
    metavar="FILE",
    help="Also write the report as one self-contained HTML page (tables, SVG charts; "
    "opens offline); - prints it instead of the text.",
)
@CACHE_OPTION
@JSON_OPTION
@QUIET_OPTION
def usage(
    kb_path: Path,
    log_url: str | None,
    input_path: Path | None,
    channel: str | None,
    since: Since | None,
    unused_days: int,
    now: str | None,
    html_path: Path | None,
    cache_dir: Path | None,
    as_json: bool,
    quiet: bool,
) -> None:
    """Report how the answers are used: per answer how often it was suggested, sent as
    is, edited (with the typical edit) or rejected (and what agents used instead); the
    answers not suggested in N days; no-match and ambiguous rates per channel, per day
    and per version of the base; edits that several agents or conversations repeat (a
    sign the canonical answer is wrong).

    Reads the usage log (--log, or `log:` in replykb.yaml); with --input it triages a
    plain JSONL or CSV file of messages instead and reports the statuses only. Texts
    shown are those the log stores: masked.

    \b
    Examples:
      replykb usage --log usage.db
      replykb usage --log sqlite:///usage.db --since 7 --unused-days 60
      replykb usage --kb answers/ --since 2026-11-01 --html usage.html   # its `log:`
      replykb usage --log usage.db --json | jq '.answers[] | select(.outcomes.edited > 0)'
      replykb usage --input examples/backlog.jsonl --channel x
    """
    if input_path is not None and log_url is not None:
        fail("give --log or --input, not both")
    end = _moment(now, "--now") if now is not None else datetime.now(UTC)
    start = None if since is None else since.start(end)
    if input_path is not None:
        if html_path is not None:
            _refuse_to_overwrite(input_path, html_path)  # before the slow triage
        report = _file_report(kb_path, input_path, channel, cache_dir, start, end)
    else:
        if channel is not None:
            fail("--channel goes with --input (a log records each message's channel)")
        report = _log_report(kb_path, log_url, start, end, unused_days)
    if html_path is not None:
        from ..learn.usage_html import render_html, write_html

        if is_stdout(html_path):
            click.echo(render_html(report), nl=False)
            return
        _refuse_to_overwrite(Path(report.location), html_path)
        write_html(report, html_path)
    if as_json:
        click.echo(report.model_dump_json(indent=2))
        return
    from ..learn.usage_text import render_text

    click.echo(render_text(report), nl=False)
    if html_path is not None and not quiet:
        click.echo(f"HTML report written to {html_path}", err=True)


def _log_report(
    kb_path: Path, log_url: str | None, since: datetime | None, until: datetime, unused_days: int
) -> UsageReport:
    from ..errors import UsageLogError
    from ..learn.log import open_configured_log
    from ..learn.usage import report_from_log
    from ..loader import load_answer_base

    base = load_answer_base(kb_path)  # the log is read with the base alone: no model
    # --log (relative to the working folder), else the base's `log:` (relative to the
    # base). create=False: a log that is not there is an error, not a new empty log; a
    # reader never prunes, so the base's retention_days deletes nothing here.
    opened = open_configured_log(base, log_url, create=False)
    if opened is None:
        raise UsageLogError(
            f"{base.root}/replykb.yaml sets no usage log: give --log URL, add `log: "
            "usage.db` to replykb.yaml, or report on a file of messages with --input FILE"
        )
    with opened as log:
        report = report_from_log(
            log, base, location=log.location, since=since, until=until, unused_days=unused_days
        )
    if not report.totals.total and not (report.feedback or {}).get("total"):
        # An empty report, not an error: a freshly deployed server's log has no events
        # yet, and a cron'd `replykb usage --html` must not fail on it.
        period = "" if since is None else f" since {since:%Y-%m-%d %H:%M} UTC"
        hint = "try an earlier --since" if since is not None else "is it the log the server writes?"
        note = f"the usage log holds no events{period}; {hint}"
        report = report.model_copy(update={"notes": [note, *report.notes]})
        click.echo(f"replykb: warning: {log.location}: {note}", err=True)
    return report


def _file_report(
    kb_path: Path,
    input_path: Path,
    channel: str | None,
    cache_dir: Path | None,
    since: datetime | None,
    until: datetime,
) -> UsageReport:
    from ..errors import DataError
    from ..kb import KnowledgeBase
    from ..learn.usage_file import report_from_file

    if not input_path.is_file():
        what = "is a folder" if input_path.is_dir() else "no such file"
        raise DataError(f"{input_path}: {what}; give a JSONL or CSV file of messages")
    # log=False: reporting on a file must not write its messages into the usage log.
    kb = KnowledgeBase.load(kb_path, cache_dir=cache_dir, log=False)
    return report_from_file(kb, input_path, channel=channel, since=since, until=until)


def _refuse_to_overwrite(source: Path, html_path: Path) -> None:
    """--html naming the log or the --input file (through a link too) would lose it."""
    try:
        same = html_path.exists() and source.exists() and source.samefile(html_path)
    except OSError:
        same = False
    if same:
        fail(f"--html {html_path} is the {source} the report was read from; name another file")


def _moment(value: str, option: str) -> datetime:
    """An ISO 8601 time with its time zone (a report's end must not shift with the
    machine's zone)."""
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        why = "has no time zone" if moment is not None else "is not an ISO 8601 time"
        fail(f"{option} {value!r} {why}: write it like 2026-11-23T00:00:00Z or with +01:00")
    return moment.astimezone(UTC)

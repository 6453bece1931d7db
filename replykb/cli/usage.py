"""``replykb usage``: what the usage log (or a plain file of messages) says about the base.

A thin shell: it resolves the log and the period, calls replykb.learn.usage (or
usage_file for ``--input``) and prints the report as text, JSON or HTML.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ._common import CACHE_OPTION, JSON_OPTION, QUIET_OPTION, base_options, fail, is_stdout

if TYPE_CHECKING:
    from ..learn.usage_models import UsageReport
    from ..models import AnswerBase


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
    metavar="DAYS|DATE",
    help="Only events of the last DAYS days, or since DATE (2026-11-01, or an ISO 8601 "
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
    since: str | None,
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
    start = _since(since, end)
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
    from ..learn.log import open_log
    from ..learn.usage import report_from_log
    from ..loader import load_answer_base

    base = load_answer_base(kb_path)  # the log is read with the base alone: no model
    url, root = _log_location(base, log_url)
    # create=False: a log that is not there is an error, not a new empty log. No
    # retention: a report reads, it never deletes (the writers enforce retention_days,
    # and --log may name a log kept by other settings than this base's).
    reading = base.settings.log.model_copy(update={"retention_days": None})
    with open_log(url, settings=reading, root=root, create=False) as log:
        report = report_from_log(
            log, base, location=log.location, since=since, until=until, unused_days=unused_days
        )
    if not report.totals.total and not (report.feedback or {}).get("total"):
        period = "" if since is None else f" since {since:%Y-%m-%d %H:%M} UTC"
        hint = "try an earlier --since" if since is not None else "is it the log the server writes?"
        raise UsageLogError(f"{log.location}: the usage log holds no events{period}; {hint}")
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


def _log_location(base: AnswerBase, log_url: str | None) -> tuple[str, Path | None]:
    """The log to read: --log (relative to the working folder), else the base's
    ``log.url`` (relative to the base folder)."""
    from ..errors import UsageLogError

    if log_url is not None:
        return log_url, None
    if base.settings.log.url is None:
        raise UsageLogError(
            f"{base.root}/replykb.yaml sets no usage log: give --log URL, add `log: "
            "usage.db` to replykb.yaml, or report on a file of messages with --input FILE"
        )
    return base.settings.log.url, base.root


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


def _since(value: str | None, end: datetime) -> datetime | None:
    """``--since 7`` or ``7d`` (days before the end), ``2026-11-01`` (midnight UTC), or an ISO
    8601 time (without a zone: UTC)."""
    if value is None:
        return None
    text = value.strip()
    if days := re.fullmatch(r"(\d{1,5})\s*d?", text):  # 7 or 7d, as `replykb gaps` takes
        return end - timedelta(days=int(days.group(1)))
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return datetime.combine(date.fromisoformat(text), datetime.min.time(), tzinfo=UTC)
        moment = datetime.fromisoformat(text)
    except ValueError:
        fail(
            f"--since {value!r}: give a number of days (7) or a date (2026-11-01) or an "
            "ISO 8601 time (2026-11-01T09:00:00Z)"
        )
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)

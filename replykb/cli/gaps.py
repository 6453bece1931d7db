"""``replykb gaps``: what customers ask that the base does not answer, as YAML drafts."""

from __future__ import annotations

import contextlib
import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import click

from ..errors import DataError
from ._common import CACHE_OPTION, JSON_OPTION, QUIET_OPTION, SINCE, Since, base_options

_SHOWN_PROBLEMS = 10


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


@click.command()
@base_options(positional=False)
@click.option("--log", "log_url", metavar="URL", help="Read the usage log at URL (a path too).")
@click.option(
    "--input",
    "input_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Read messages from a JSONL or CSV file (a `message` each) instead of a log.",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    metavar="DIR",
    default=Path("drafts"),
    show_default=True,
    help="Folder for the drafts (outside the base; earlier drafts there are replaced).",
)
@click.option(
    "--min-size",
    type=click.IntRange(min=1),
    metavar="N",
    default=3,
    show_default=True,
    help="Draft topics of at least this many messages; smaller ones are only listed.",
)
@click.option(
    "--since",
    type=SINCE,
    help="Only log events of the last DAYS days (30 or 30d), or since DATE (2026-11-01, "
    "or an ISO 8601 time; UTC).",
)
@click.option("--channel", help="Channel for records of --input that name none.")
@click.option(
    "--similarity",
    type=click.FloatRange(0.0, 1.0),
    default=None,
    metavar="X",
    help="Mean cosine at which messages are one topic (default: 0.70, measured on "
    "CLINC150; lower groups more, with more noise).",
)
@CACHE_OPTION
@JSON_OPTION
@QUIET_OPTION
def gaps(
    kb_path: Path,
    log_url: str | None,
    input_path: Path | None,
    out: Path,
    min_size: int,
    since: Since | None,
    channel: str | None,
    similarity: float | None,
    cache_dir: Path | None,
    as_json: bool,
    quiet: bool,
) -> None:
    """Group the messages the base did not answer (no match, ambiguous, or marked wrong
    or unused by an agent) into topics, and write a YAML draft per topic into --out.

    A topic near an existing answer gets the questions to add to it; a new topic gets
    a new answer file whose `answer:` is a TODO that `replykb check` refuses (RKB605)
    until someone writes it. Drafts are numbered by volume; messages are masked. With
    neither --log nor --input, the base's `log:` setting is read.

    \b
    Examples:
      replykb gaps --kb answers/ --log usage.db --out drafts/
      replykb gaps --kb answers/ --log usage.db --since 30d --min-size 5
      replykb gaps --kb answers/ --input examples/unanswered.jsonl --out drafts/
      replykb gaps --input tickets.csv --channel email --json > gaps.json
    """
    from ..batch import is_csv
    from ..kb import KnowledgeBase
    from ..learn.drafts import one_line, write_drafts
    from ..learn.gaps import (
        DEFAULT_SIMILARITY,
        gaps_from_log,
        gaps_from_records,
        mine_gaps,
        still_open,
    )
    from ..records import read_records

    if log_url is not None and input_path is not None:
        raise click.UsageError("give --log or --input, not both")
    if input_path is not None and since is not None:
        raise click.UsageError("--since reads a log's times; a file of messages has none")
    moment = None if since is None else since.start(datetime.now(UTC))
    counts: Counter[str] = Counter()
    problems: list[str] = []
    # The input or the log first: a wrong path fails before the model loads.
    with contextlib.ExitStack() as stack:
        if input_path is not None:
            try:
                stream = stack.enter_context(input_path.open("rb"))
            except OSError as error:
                raise DataError(f"{input_path}: cannot read ({error.strerror or error})") from error
            log = None
        else:
            from ..learn.log import open_configured_log
            from ..loader import load_answer_base

            # create=False: a mistyped path is an error, not a new empty log.
            log = open_configured_log(load_answer_base(kb_path), log_url, create=False)
            if log is None:
                raise click.UsageError(
                    "no messages to read: give --input FILE or --log URL, or set `log:` in "
                    f"{kb_path}/replykb.yaml"
                )
            stack.enter_context(log)
        # log=False: the messages triaged here are not customers' new traffic.
        kb = KnowledgeBase.load(kb_path, cache_dir=cache_dir, log=False)
        if log is None:
            assert input_path is not None
            records = read_records(stream, csv_format=is_csv(input_path), name=str(input_path))
            found = list(
                gaps_from_records(kb, records, channel=channel, counts=counts, problems=problems)
            )
        else:
            logged = list(gaps_from_log(log, since=moment, counts=counts))
            # The log spans versions of the base: what is answered now is no gap any more.
            found = still_open(kb, logged, counts=counts)
    # Errors show even with -q; the first few are enough to find the rest.
    for problem in problems[:_SHOWN_PROBLEMS]:
        click.echo(f"replykb: {input_path}: {problem}", err=True)
    if len(problems) > _SHOWN_PROBLEMS:
        click.echo(
            f"replykb: {input_path}: and {len(problems) - _SHOWN_PROBLEMS} more lines "
            "that could not be read or triaged",
            err=True,
        )
    report = mine_gaps(
        kb,
        found,
        min_size=min_size,
        similarity=DEFAULT_SIMILARITY if similarity is None else similarity,
        read=counts["read"],
        skipped=counts["skipped"],
    )
    report = write_drafts(report, kb.base, out).model_copy(
        update={"answered_now": counts["answered_now"], "no_text": counts["no_text"]}
    )
    for name in report.kept:
        click.echo(
            f"replykb: {out / name} was edited: kept, not replaced; move it into the base "
            "when it is finished, or delete it for a fresh draft",
            err=True,
        )
    if as_json:
        listing = {"out": str(out), **report.model_dump(mode="json")}
        click.echo(json.dumps(listing, indent=2, ensure_ascii=False))
        return
    if not quiet:
        reasons = Counter(
            r for c in report.clusters for r, n in c.reasons.items() for _ in range(n)
        )
        why = ", ".join(f"{r.replace('_', ' ')} {n}" for r, n in sorted(reasons.items()))
        click.echo(
            f"{report.gaps} of {report.read} messages not answered well ({why or 'none'}); "
            f"{_count(len(report.clusters), 'topic')}, {len(report.drafted)} drafted in {out}/"
            + (f"; {_count(report.skipped, 'record')} skipped" if report.skipped else "")
            + (f"; {report.no_text} logged without text" if report.no_text else "")
            + (
                f"; {report.out_of_scope} out of scope by the base (its `out_of_scope:`)"
                if report.out_of_scope
                else ""
            )
            + (
                f"; {report.left_out} messages of rarer texts left out (narrow with --since)"
                if report.left_out
                else ""
            )
            + (
                f"; {report.answered_now} answered by the base as it is now"
                if report.answered_now
                else ""
            )
        )
    for cluster in report.clusters:
        if cluster.drafted:
            what = (
                "new answer"
                if cluster.kind == "new_answer"
                else f"add questions to {cluster.answer_id}"
            )
            first = one_line(cluster.texts[0], 120)
            click.echo(
                f"{cluster.file}  {what}: {_count(cluster.messages, 'message')}, "
                f"{_count(cluster.conversations, 'conversation')}: {first!r}"
                + (" (your edited draft, kept)" if cluster.file in report.kept else "")
            )
    small = [c for c in report.clusters if not c.drafted]
    if small and not quiet:
        click.echo(f"Not drafted (fewer than {min_size} messages):")
    for cluster in small:
        near = (
            f" (nearest answer {cluster.answer_id}, {cluster.score:.2f})"
            if cluster.answer_id
            else ""
        )
        click.echo(f"  {cluster.messages}x {one_line(cluster.texts[0], 120)!r}{near}")

"""``replykb suggest --input``: triage a backlog file, one JSON line out per record in.

A thin shell over :func:`replykb.batch.run_batch`, which owns reading, triage and the
safe writing of the output; here only the progress bar, the per-line reports on
stderr and the exit code.
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ._common import EXIT_FINDINGS, fail, is_stdout

if TYPE_CHECKING:
    from datetime import datetime

    from ..kb import KnowledgeBase
    from ..triage_models import TriageFailure, TriageResult


def triage_file(
    kb: KnowledgeBase,
    input_path: Path,
    output_path: Path | None,
    channel: str | None,
    agent: str | None,
    strict: bool,
    *,
    quiet: bool = False,
    now: datetime | None = None,
    language: str | None = None,
) -> None:
    from .. import batch

    to_file = output_path is not None and not is_stdout(output_path)
    show_progress = not quiet and sys.stderr.isatty() and to_file
    total = batch.count_lines(input_path) if show_progress else 0
    with contextlib.ExitStack() as stack:
        progress = (
            stack.enter_context(click.progressbar(length=total, label="triage", file=sys.stderr))
            if show_progress
            else None
        )

        def report(outcome: TriageResult | TriageFailure) -> None:
            if outcome.status == "error":
                click.echo(f"{input_path}:{outcome.line}: {outcome.error}", err=True)
            if progress is not None:
                progress.update(1)

        summary = batch.run_batch(
            kb,
            input_path,
            output_path,
            channel=channel,
            agent=agent,
            strict=strict,
            on_result=report,
            now=now,
            language=language,
        )
    stopped = summary.stopped_at
    if stopped is not None:
        written = "no output file written" if to_file else "output stopped there"
        fail(
            f"{input_path}:{stopped.line}: {stopped.error} (--strict: {written})",
            EXIT_FINDINGS,
        )
    if summary.failed and not quiet:
        plural = "s" if summary.failed != 1 else ""
        click.echo(f"{summary.failed} line{plural} could not be triaged; see above", err=True)

"""``replykb suggest --input``: triage a backlog file, one JSON line out per record in."""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..errors import ReplyKBError
from ._common import EXIT_FINDINGS, fail, is_stdout

if TYPE_CHECKING:
    from ..kb import KnowledgeBase


def triage_file(
    kb: KnowledgeBase,
    input_path: Path,
    output_path: Path | None,
    channel: str | None,
    agent: str | None,
    strict: bool,
    *,
    quiet: bool = False,
) -> None:
    from .. import batch

    if channel is not None:
        try:
            kb.renderer.channel(channel)
        except ReplyKBError as error:
            fail(str(error))
    if output_path is not None and is_stdout(output_path):
        output_path = None
    show_progress = not quiet and sys.stderr.isatty() and output_path is not None
    total = batch.count_lines(input_path) if show_progress else 0
    bad = 0
    with contextlib.ExitStack() as stack:
        source = stack.enter_context(input_path.open(encoding="utf-8", newline=""))
        sink = (
            stack.enter_context(output_path.open("w", encoding="utf-8"))
            if output_path
            else sys.stdout
        )
        records = batch.read_records(source, csv_format=batch.is_csv(input_path))
        progress = (
            stack.enter_context(click.progressbar(length=total, label="triage", file=sys.stderr))
            if show_progress
            else None
        )
        try:
            for result in batch.triage(kb, records, channel=channel, agent=agent):
                if result["status"] == "error":
                    bad += 1
                    click.echo(f"{input_path}:{result['line']}: {result['error']}", err=True)
                    if strict:
                        fail(f"{input_path}:{result['line']}: bad line (--strict)", EXIT_FINDINGS)
                sink.write(json.dumps(result, ensure_ascii=False) + "\n")
                if progress is not None:
                    progress.update(1)
        except UnicodeDecodeError as error:
            fail(f"{input_path}: not valid UTF-8 ({error.reason})")
    if bad and not quiet:
        click.echo(f"{bad} line(s) could not be triaged; see above", err=True)

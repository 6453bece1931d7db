"""``replykb check``: the consistency check of an answer base, as a CI gate."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ._common import (
    CACHE_OPTION,
    EXIT_FINDINGS,
    EXIT_OK,
    QUIET_OPTION,
    base_options,
    fail,
    is_stdout,
)

if TYPE_CHECKING:
    from ..check import CheckReport


@click.command()
@base_options(positional=True)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "github", "junit"]),
    help="Report format. Default: text, or github when GITHUB_ACTIONS=true.",
)
@click.option("--strict", is_flag=True, help="Exit 1 on warnings too.")
@CACHE_OPTION
@click.option(
    "--output",
    type=click.Path(path_type=Path, dir_okay=False, allow_dash=True),
    help="Write the report to FILE (- for stdout); the console then shows the text report "
    "(under GitHub Actions, with its annotations).",
)
@QUIET_OPTION
def check(
    kb_path: Path,
    output_format: str | None,
    strict: bool,
    cache_dir: Path | None,
    output: Path | None,
    quiet: bool,
) -> None:
    """Check the answer base in PATH: schema, templates, limits, facts, conflicts, tests.

    Exit 0 when it has no errors (warnings allowed), 1 when it has errors (or, with
    --strict, warnings), 2 when the check cannot run. The README lists every code.
    With -q only the findings are printed (no counts, no summary).

    \b
    Examples:
      replykb check answers/
      replykb check --kb answers/ --strict --format json
      replykb check answers/ --format junit --output replykb-check.xml
      REPLYKB_KB=answers/ replykb check -q
    """
    from functools import partial

    from ..check import run_checks
    from ..report import FORMATS, format_junit

    console = "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"
    chosen = output_format or console
    report = run_checks(kb_path, cache_dir=cache_dir)
    # JUnit is the one format in which --strict changes the report (warnings fail cases).
    formatter = partial(format_junit, strict=strict) if chosen == "junit" else FORMATS[chosen]
    rendered = formatter(report)
    if output is None or is_stdout(output):
        click.echo(_quietly(rendered, chosen, report) if quiet else rendered, nl=False)
    else:
        try:
            output.write_text(rendered, encoding="utf-8")
        except OSError as error:
            fail(f"cannot write the report to {output}: {error.strerror or error}")
        console_report = FORMATS[console](report)
        click.echo(_quietly(console_report, console, report) if quiet else console_report, nl=False)
    failed = bool(report.errors) or (strict and bool(report.warnings))
    sys.exit(EXIT_FINDINGS if failed else EXIT_OK)


def _quietly(rendered: str, chosen: str, report: CheckReport) -> str:
    """The text part of a report without its counts per code and summary line."""
    if chosen not in ("text", "github"):
        return rendered  # JSON and JUnit are results through and through
    from ..report import format_text

    try:
        summary_free = format_text(report, summary=False)  # type: ignore[call-arg]
    except TypeError:  # until report.format_text takes `summary`
        return rendered
    if chosen == "text":
        return summary_free
    full_text = format_text(report)
    return rendered[: len(rendered) - len(full_text)] + summary_free

"""``replykb check``: the consistency check of an answer base, as a CI gate."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

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

    from ..checks import CheckReport, run_checks
    from ..checks.formats import FORMATS, format_github, format_junit, format_text

    report = run_checks(kb_path, cache_dir=cache_dir)
    # The formats -q trims: text and GitHub annotations lose their totals; JSON and
    # JUnit are results through and through. Only JUnit changes with --strict.
    formatters: dict[str, Callable[[CheckReport], str]] = {
        **FORMATS,
        "text": partial(format_text, totals=not quiet),
        "github": partial(format_github, totals=not quiet),
        "junit": partial(format_junit, strict=strict),
    }
    console = "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"
    rendered = formatters[output_format or console](report)
    if output is None or is_stdout(output):
        click.echo(rendered, nl=False)
    else:
        try:
            output.write_text(rendered, encoding="utf-8")
        except OSError as error:
            fail(f"cannot write the report to {output}: {error.strerror or error}")
        click.echo(formatters[console](report), nl=False)
    sys.exit(EXIT_FINDINGS if report.failed(strict=strict) else EXIT_OK)

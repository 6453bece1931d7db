"""``replykb check``: the consistency check of an answer base, as a CI gate."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from ..errors import ReplyKBError
from ._common import CACHE_OPTION, EXIT_FINDINGS, EXIT_OK, fail, is_stdout


@click.command()
@click.argument("path", type=click.Path(path_type=Path), default=Path("answers"))
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
def check(
    path: Path, output_format: str | None, strict: bool, cache_dir: Path | None, output: Path | None
) -> None:
    """Check the answer base in PATH: schema, templates, limits, facts, conflicts, tests.

    Exit 0 when it has no errors (warnings allowed), 1 when it has errors (or, with
    --strict, warnings), 2 when the check cannot run. The README lists every code.

    \b
    Examples:
      replykb check answers/
      replykb check answers/ --strict --format json
      replykb check answers/ --format junit --output replykb-check.xml
    """
    from functools import partial

    from ..check import run_checks
    from ..report import FORMATS, format_junit

    console = "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"
    chosen = output_format or console
    try:
        report = run_checks(path, cache_dir=cache_dir)
    except ReplyKBError as error:
        fail(str(error))
    # JUnit is the one format in which --strict changes the report (warnings fail cases).
    formatter = partial(format_junit, strict=strict) if chosen == "junit" else FORMATS[chosen]
    rendered = formatter(report)
    if output is None or is_stdout(output):
        click.echo(rendered, nl=False)
    else:
        try:
            output.write_text(rendered, encoding="utf-8")
        except OSError as error:
            fail(f"cannot write the report to {output}: {error.strerror or error}")
        click.echo(FORMATS[console](report), nl=False)
    failed = bool(report.errors) or (strict and bool(report.warnings))
    sys.exit(EXIT_FINDINGS if failed else EXIT_OK)

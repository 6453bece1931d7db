"""The ``replykb`` command: a thin shell that parses, calls the library, prints, exits.

Exit codes: 0 success, 1 the answer base (or the data) has errors, 2 the command
cannot run (bad usage, missing folder).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import __version__
from .errors import AnswerBaseError, ReplyKBError
from .loader import load_answer_base

EXIT_OK, EXIT_FINDINGS, EXIT_CANNOT_RUN = 0, 1, 2


def _fail(message: str, code: int = EXIT_CANNOT_RUN) -> None:
    click.echo(f"replykb: error: {message}", err=True)
    sys.exit(code)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="replykb")
def cli() -> None:
    """Consistent customer-care replies on every channel."""


@cli.command()
@click.argument("path", type=click.Path(path_type=Path), default=Path("answers"))
def check(path: Path) -> None:
    """Check the answer base in PATH; exit 1 when it has errors.

    \b
    Examples:
      replykb check answers/
    """
    try:
        load_answer_base(path)
    except AnswerBaseError as error:
        for problem in error.problems:
            click.echo(str(problem))
        count = len(error.problems)
        click.echo(f"{count} problem{'s' if count != 1 else ''} in {path}", err=True)
        sys.exit(EXIT_FINDINGS)
    except ReplyKBError as error:
        _fail(str(error))


def main() -> None:
    cli(prog_name="replykb")

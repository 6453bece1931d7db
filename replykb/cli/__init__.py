"""The ``replykb`` command: a thin shell that parses, calls the library, prints, exits.

One module per group of commands; this one assembles the group. Exit codes: 0
success, 1 the answer base (or the data) has errors, 2 the command cannot run
(bad usage, missing folder).
"""

from __future__ import annotations

import logging
import os

import click

from .._version import __version__
from ._common import EXIT_CANNOT_RUN, EXIT_FINDINGS, EXIT_OK
from .check import check
from .evaluate import evaluate
from .init import init
from .suggest import render, suggest

__all__ = ["EXIT_CANNOT_RUN", "EXIT_FINDINGS", "EXIT_OK", "cli", "main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="replykb")
@click.option("--debug", is_flag=True, help="Show the traceback of an error.")
@click.pass_context
def cli(context: click.Context, debug: bool) -> None:
    """Consistent customer-care replies on every channel.

    \b
    Examples:
      replykb init my-answers/
      replykb check answers/
      replykb suggest "where is my refund??" --kb answers/ --channel x --agent paola
      replykb suggest --input backlog.jsonl --output replies.jsonl --kb answers/ --channel x
      replykb render refund-timing --kb answers/ --channel all
      replykb eval answers/ --calibrate

    Exit codes: 0 success, 1 the base or the data has problems, 2 the command cannot run.
    Colours only on a terminal, never with NO_COLOR set.
    """
    del debug  # read by fail() through the context
    if os.environ.get("NO_COLOR"):
        context.color = False


for command in (init, check, suggest, render, evaluate):
    cli.add_command(command)


def main() -> None:
    # The model's loading progress bars are noise in a command's output.
    os.environ.setdefault("TQDM_DISABLE", "1")
    logging.basicConfig(format="%(message)s", level=logging.WARNING)
    logging.getLogger("replykb").setLevel(logging.INFO)
    cli(prog_name="replykb")

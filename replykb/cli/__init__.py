"""The ``replykb`` command: a thin shell that parses, calls the library, prints, exits.

One module per group of commands; this one assembles the group and turns every
error into one line on stderr and an exit code (0 success, 1 the answer base or the
data has problems, 2 the command cannot run).
"""

from __future__ import annotations

import os
import sys
from typing import Any, NoReturn

import click

from .._version import __version__
from ..errors import AnswerBaseError, ReplyKBError
from . import (
    answers,
    build,
    check,
    evaluate,
    gaps,
    init,
    serve,
    suggest,
    translations,
    tune,
    usage,
)
from ._common import (
    EXIT_CANNOT_RUN,
    EXIT_FINDINGS,
    EXIT_OK,
    command_logging,
    describe_base_error,
    fail,
    kb_path_from_context,
)

# 128 + SIGPIPE, what a shell reports for a command whose reader went away.
EXIT_BROKEN_PIPE = 141

__all__ = ["EXIT_BROKEN_PIPE", "EXIT_CANNOT_RUN", "EXIT_FINDINGS", "EXIT_OK", "cli", "main"]


class _ReplyKBGroup(click.Group):
    """Every error of a command, as one line: what went wrong and what to do."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except AnswerBaseError as error:
            fail(describe_base_error(error, kb_path_from_context()), EXIT_FINDINGS)
        except ReplyKBError as error:
            fail(str(error))
        except BrokenPipeError:
            _reader_went_away()
        except OSError as error:
            where = f"{error.filename}: " if error.filename else ""
            fail(f"{where}{error.strerror or error}")
        except Exception as error:
            fail(
                f"unexpected {type(error).__name__}: {error} (a bug in replykb: please report "
                "it with the output of --debug)"
            )


def _reader_went_away() -> NoReturn:
    """Standard output's reader closed it (``replykb suggest --input big.jsonl | head``):
    stop without a message, as ``cat`` does, with the shell's exit status for SIGPIPE.

    Standard output goes to /dev/null first, or the interpreter would report the
    failed flush of what is still buffered when it exits (Python's signal docs)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    sys.exit(EXIT_BROKEN_PIPE)


@click.group(cls=_ReplyKBGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="replykb")
@click.option("--debug", is_flag=True, help="Show the traceback of an error.")
@click.pass_context
def cli(context: click.Context, debug: bool) -> None:
    """Consistent customer-care replies on every channel.

    Every command reads the answer base from --kb DIR, $REPLYKB_KB or answers/, and
    takes -q (only results and errors) and --help (with examples).

    \b
    Examples:
      replykb init my-answers/
      replykb check answers/
      replykb answers --kb answers/
      replykb suggest "where is my refund??" --kb answers/ --channel x --agent paola
      replykb suggest --input examples/backlog.jsonl --output replies.jsonl --channel x
      replykb render refund-timing --kb answers/ --channel all
      replykb eval answers/ --calibrate
      replykb gaps --kb answers/ --log usage.db --out drafts/
      replykb usage --log usage.db --since 7 --html usage.html
      replykb serve --kb answers/ --port 8000
      replykb build answers/
      replykb tune --kb answers/
      replykb translations --kb answers/ --language it

    \b
    Exit codes:
      0  success
      1  the base or the data has problems (check errors, eval failures, a base
         that does not load)
      2  the command cannot run (bad usage, no such folder or file, unknown name)

    Colours only on a terminal, never with NO_COLOR set.
    """
    del debug  # read by fail() through the context
    if os.environ.get("NO_COLOR"):
        context.color = False
    context.with_resource(command_logging())


# The modules stay reachable as replykb.cli.<module>; their commands join the group here.
for command in (
    init.init,
    check.check,
    answers.answers,
    suggest.suggest,
    suggest.render,
    evaluate.evaluate,
    gaps.gaps,
    usage.usage,
    serve.serve,
    build.build,
    tune.tune,
    translations.translations,
):
    cli.add_command(command)


def main() -> None:
    # The model's loading progress bars are noise in a command's output.
    os.environ.setdefault("TQDM_DISABLE", "1")
    cli(prog_name="replykb")

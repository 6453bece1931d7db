"""What every command shares: exit codes, the one-line error, and the options declared once."""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from ..errors import AnswerBaseError, ReplyKBError

if TYPE_CHECKING:
    from ..kb import KnowledgeBase

EXIT_OK, EXIT_FINDINGS, EXIT_CANNOT_RUN = 0, 1, 2

F = TypeVar("F", bound=Callable[..., Any])


def fail(message: str, code: int = EXIT_CANNOT_RUN) -> NoReturn:
    """One clear line on stderr (the traceback too with --debug), then exit."""
    context = click.get_current_context(silent=True)
    if context is not None and context.find_root().params.get("debug"):
        traceback.print_exc()
    click.echo(f"replykb: error: {message}", err=True)
    sys.exit(code)


def is_stdout(path: Path) -> bool:
    """``-`` names standard output, as for most command-line tools."""
    return str(path) == "-"


KB_OPTION = click.option(
    "--kb",
    "kb_path",
    type=click.Path(path_type=Path),
    default=Path("answers"),
    envvar="REPLYKB_KB",
    show_default=True,
    help="The answer base folder (or set REPLYKB_KB).",
)
CACHE_OPTION = click.option(
    "--cache-dir",
    type=click.Path(path_type=Path),
    help="Index cache folder (default: KB/.replykb).",
)
JSON_OPTION = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


def load_kb(path: Path, cache_dir: Path | None) -> KnowledgeBase:
    """The base as the library loads it; a broken base points at `replykb check`."""
    from ..kb import KnowledgeBase

    try:
        return KnowledgeBase.load(path, cache_dir=cache_dir)
    except AnswerBaseError as error:
        fail(f"{error}\nrun `replykb check {path}` for details", EXIT_FINDINGS)
    except ReplyKBError as error:
        fail(str(error))

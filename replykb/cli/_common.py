"""What every command shares: exit codes, the one-line error, and the options declared once."""

from __future__ import annotations

import contextlib
import functools
import logging
import re
import sys
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click
from click.core import ParameterSource

from ..errors import AnswerBaseError

if TYPE_CHECKING:
    from ..kb import KnowledgeBase

EXIT_OK, EXIT_FINDINGS, EXIT_CANNOT_RUN = 0, 1, 2
DEFAULT_BASE = Path("answers")
KB_ENVVAR = "REPLYKB_KB"

F = TypeVar("F", bound=Callable[..., Any])


def fail(message: str, code: int = EXIT_CANNOT_RUN) -> NoReturn:
    """One clear line on stderr (the traceback too with --debug), then exit."""
    context = click.get_current_context(silent=True)
    if context is not None and context.find_root().params.get("debug"):
        traceback.print_exc()
    click.echo(f"replykb: error: {message}", err=True)
    sys.exit(code)


def describe_base_error(error: AnswerBaseError, base: Path | None) -> str:
    """A base that does not load, in one line: how many problems, the first, and where
    to see them all."""
    count = len(error.problems)
    first = f": {error.problems[0]}" if error.problems else ""
    more = f" (and {count - 1} more)" if count > 1 else ""
    where = f" {base}" if base is not None else ""
    return (
        f"the answer base{where} does not load{first}{more}; "
        f"run `replykb check{where}` to see every problem"
    )


def is_stdout(path: Path) -> bool:
    """``-`` names standard output, as for most command-line tools."""
    return str(path) == "-"


# --- where the answer base is -----------------------------------------------------------


def kb_path_from_context() -> Path | None:
    """The base the running command was given, for error messages."""
    context = click.get_current_context(silent=True)
    if context is None:
        return None
    path = context.find_root().meta.get("replykb.kb")
    return path if isinstance(path, Path) else None


def base_options(*, positional: bool) -> Callable[[F], F]:
    """``--kb DIR`` (or ``$REPLYKB_KB``) on a command, and with ``positional`` an optional
    ``PATH`` argument too, both resolved into one ``kb_path`` parameter.

    A PATH on the command line beats ``$REPLYKB_KB``; PATH and a different ``--kb`` together
    are a usage error; with neither, the base is ``answers/``.
    """

    def decorate(function: F) -> F:
        @functools.wraps(function)
        def command(*args: Any, **kwargs: Any) -> Any:
            path: Path | None = kwargs.pop("path", None)
            option: Path | None = kwargs.pop("kb_option")
            context = click.get_current_context()
            from_command_line = (
                context.get_parameter_source("kb_option") == ParameterSource.COMMANDLINE
            )
            if path is not None and option is not None and from_command_line and path != option:
                raise click.UsageError(f"give the base as PATH or --kb, not both: {path}, {option}")
            chosen = path or option or DEFAULT_BASE
            context.find_root().meta["replykb.kb"] = chosen
            return function(*args, kb_path=chosen, **kwargs)

        decorated = click.option(
            "--kb",
            "kb_option",
            type=click.Path(path_type=Path),
            envvar=KB_ENVVAR,
            show_envvar=True,
            metavar="DIR",
            help=f"The answer base folder (default: {DEFAULT_BASE}/)."
            + (" Same as PATH." if positional else ""),
        )(command)
        if positional:
            decorated = click.argument("path", required=False, type=click.Path(path_type=Path))(
                decorated
            )
        return decorated  # type: ignore[return-value]

    return decorate


# --- options declared once ---------------------------------------------------------------

CACHE_OPTION = click.option(
    "--cache-dir",
    type=click.Path(path_type=Path),
    metavar="DIR",
    envvar="REPLYKB_CACHE_DIR",
    show_envvar=True,
    help="Index cache folder (default: the base's .replykb/).",
)
JSON_OPTION = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


def _quiet_logs(context: click.Context, parameter: click.Parameter, quiet: bool) -> bool:
    del context, parameter
    if quiet:
        logging.getLogger("replykb").setLevel(logging.WARNING)
    return quiet


QUIET_OPTION = click.option(
    "-q",
    "--quiet",
    is_flag=True,
    callback=_quiet_logs,
    help="Only results and errors: no progress, log lines or summaries.",
)


@dataclass(frozen=True)
class Since:
    """A ``--since`` value: ``days`` before the report's end, or a ``moment`` (UTC)."""

    days: int | None = None
    moment: datetime | None = None

    def start(self, end: datetime) -> datetime:
        """The first time included, for a report that ends at ``end``."""
        if self.moment is not None:
            return self.moment
        return end - timedelta(days=self.days or 0)


class SinceType(click.ParamType[Since]):
    """``--since`` for every command that reads the usage log: ``7`` or ``7d`` (days
    before the end), a date ``2026-11-01`` (midnight UTC), or an ISO 8601 time (without
    a zone: UTC)."""

    name = "DAYS|DATE"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> Since:
        if isinstance(value, Since):
            return value
        text = str(value).strip()
        if days := re.fullmatch(r"(\d{1,5})\s*d?", text):
            return Since(days=int(days.group(1)))
        try:
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
                moment = datetime.combine(date.fromisoformat(text), datetime.min.time())
            else:
                moment = datetime.fromisoformat(text)
        except ValueError:
            self.fail(
                f"{value!r}: give a number of days (7 or 7d), a date (2026-11-01) or an "
                "ISO 8601 time (2026-11-01T09:00:00Z)",
                param,
                ctx,
            )
        utc = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
        return Since(moment=utc)


SINCE = SinceType()


class _EchoHandler(logging.Handler):
    """replykb's log lines (index builds, the ONNX export) on stderr, as the command's
    own output: through click, so they follow its stream wherever it points."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            click.echo(self.format(record), err=True)
        except Exception:  # a log line never breaks a command
            self.handleError(record)


@contextlib.contextmanager
def command_logging() -> Iterator[None]:
    """Show replykb's progress lines (INFO) while a command runs; -q lowers the level to
    WARNING. Restored afterwards, so the process-wide logging is left as found."""
    logger = logging.getLogger("replykb")
    handler = _EchoHandler()
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def load_kb(path: Path, cache_dir: Path | None, *, log: str | None = None) -> KnowledgeBase:
    """The base as the library loads it (errors reach the group's one-line handler).

    The CLI logs on request only (``--log``): ``log`` is a URL or path, ``""`` for the
    base's ``log:`` setting, and ``None`` (evaluations, previews) for no log at all.
    """
    from ..kb import KnowledgeBase

    if log is None:
        return KnowledgeBase.load(path, cache_dir=cache_dir, log=False)
    kb = KnowledgeBase.load(path, cache_dir=cache_dir, log=log or None)
    if kb.usage_log is None:
        fail(
            f"--log: the base in {path} has no `log:` in replykb.yaml; give the log to "
            "write to, e.g. --log usage.db or --log postgresql://user@host/db"
        )
    return kb

"""The ``replykb`` command: a thin shell that parses, calls the library, prints, exits.

Exit codes: 0 success, 1 the answer base (or the data) has errors, 2 the command
cannot run (bad usage, missing folder).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
import traceback
from pathlib import Path
from typing import Any, NoReturn

import click

from . import __version__
from .errors import AnswerBaseError, ReplyKBError
from .loader import load_answer_base

EXIT_OK, EXIT_FINDINGS, EXIT_CANNOT_RUN = 0, 1, 2


def _fail(message: str, code: int = EXIT_CANNOT_RUN) -> NoReturn:
    """One clear line on stderr (the traceback too with --debug), then exit."""
    context = click.get_current_context(silent=True)
    if context is not None and context.find_root().params.get("debug"):
        traceback.print_exc()
    click.echo(f"replykb: error: {message}", err=True)
    sys.exit(code)


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
    del debug  # read by _fail through the context
    if os.environ.get("NO_COLOR"):
        context.color = False


@cli.command()
@click.argument("path", type=click.Path(path_type=Path), default=Path("answers"))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "github", "junit"]),
    help="Report format. Default: text, or github when GITHUB_ACTIONS=true.",
)
@click.option("--strict", is_flag=True, help="Exit 1 on warnings too.")
@click.option(
    "--cache-dir",
    type=click.Path(path_type=Path),
    help="Index cache folder (default: PATH/.replykb).",
)
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

    from .check import run_checks
    from .report import FORMATS, format_junit

    console = "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"
    chosen = output_format or console
    try:
        report = run_checks(path, cache_dir=cache_dir)
    except ReplyKBError as error:
        _fail(str(error))
    # JUnit is the one format in which --strict changes the report (warnings fail cases).
    formatter = partial(format_junit, strict=strict) if chosen == "junit" else FORMATS[chosen]
    rendered = formatter(report)
    if output is None or _is_stdout(output):
        click.echo(rendered, nl=False)
    else:
        try:
            output.write_text(rendered, encoding="utf-8")
        except OSError as error:
            _fail(f"cannot write the report to {output}: {error.strerror or error}")
        click.echo(FORMATS[console](report), nl=False)
    failed = bool(report.errors) or (strict and bool(report.warnings))
    sys.exit(EXIT_FINDINGS if failed else EXIT_OK)


def _load_kb(path: Path, cache_dir: Path | None) -> Any:
    from .kb import KnowledgeBase

    try:
        return KnowledgeBase.load(path, cache_dir=cache_dir)
    except AnswerBaseError as error:
        _fail(f"{error}\nrun `replykb check {path}` for details", EXIT_FINDINGS)
    except ReplyKBError as error:
        _fail(str(error))


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


def _reply_options(function: Any) -> Any:
    for option in reversed(
        [
            click.option("--agent", help="Agent id from replykb.yaml who signs the reply."),
            click.option("--customer", help="The customer's display name or @handle."),
            click.option("--conversation", help="Conversation id: picks the opening, stably."),
            click.option("--json", "as_json", is_flag=True, help="Print JSON."),
        ]
    ):
        function = option(function)
    return function


UNITS = {"sms": "segment", "twitter": "weighted character", "graphemes": "grapheme"}


def _print_reply(reply: Any) -> None:
    unit = UNITS.get(reply.count, "character") + ("" if reply.length == 1 else "s")
    size = f"{reply.length} {unit}" + ("" if reply.limit is None else f" of {reply.limit}")
    header = f"[{reply.answer_id} on {reply.channel}: {reply.form}, {size}]"
    click.echo(click.style(header, dim=True))
    click.echo(reply.text)


@cli.command()
@click.argument("message", required=False)
@KB_OPTION
@click.option(
    "--channel",
    "-c",
    help="Channel the message came from (x, sms, email, ...); with --input, the default "
    "for records that name none.",
)
@_reply_options
@click.option(
    "--input",
    "input_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Triage a backlog: JSONL or CSV with `message` (and optional channel, customer, "
    "conversation_id, id).",
)
@click.option(
    "--output",
    "output_path",
    type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
    help="With --input: where to write one JSON line per message (default or -: stdout).",
)
@click.option("--strict", is_flag=True, help="With --input: a bad line fails the run.")
@CACHE_OPTION
def suggest(
    message: str | None,
    kb_path: Path,
    channel: str | None,
    agent: str | None,
    customer: str | None,
    conversation: str | None,
    as_json: bool,
    input_path: Path | None,
    output_path: Path | None,
    strict: bool,
    cache_dir: Path | None,
) -> None:
    """Suggest the reply to MESSAGE for its channel, or say that a person must answer.

    With --input, triage a whole backlog: one JSON line out per record in, in order.

    \b
    Examples:
      replykb suggest "where is my refund??" --channel x --agent paola --customer @mario
      replykb suggest "can't log in" --kb answers/ --channel email --json
      replykb suggest --input backlog.csv --output replies.jsonl --channel facebook
    """
    if input_path is not None:
        if message is not None:
            _fail("give a MESSAGE or --input FILE, not both")
        _triage(_load_kb(kb_path, cache_dir), input_path, output_path, channel, agent, strict)
        return
    if message is None or channel is None:
        _fail("give a MESSAGE and its --channel (or --input FILE); see `replykb suggest --help`")
    kb = _load_kb(kb_path, cache_dir)
    try:
        suggestion = kb.suggest(
            message, channel=channel, agent=agent, customer=customer, conversation_id=conversation
        )
    except ReplyKBError as error:
        _fail(str(error))
    if as_json:
        click.echo(suggestion.model_dump_json(indent=2))
        return
    match = suggestion.match
    threshold = kb.settings.match.threshold
    if suggestion.reply is not None:
        click.echo(
            click.style(f"{match.answer_id} (confident, score {match.score:.2f})", bold=True)
        )
        _print_reply(suggestion.reply)
        return
    if match.status == "ambiguous":
        click.echo(
            click.style("ambiguous: these answers are too close to call; choose one:", bold=True)
        )
        for reply in suggestion.alternatives:
            click.echo()
            _print_reply(reply)
        return
    click.echo(
        click.style(
            f"no confident answer (best score {match.score:.2f} < threshold {threshold:.2f}): "
            "pass this message to a person",
            bold=True,
        )
    )
    for answer_id, score in match.candidates:
        click.echo(f"  {score:.2f}  {answer_id}")


@cli.command()
@click.argument("answer_id")
@KB_OPTION
@click.option("--channel", "-c", default="all", show_default=True, help="A channel, or `all`.")
@_reply_options
@CACHE_OPTION
def render(
    answer_id: str,
    kb_path: Path,
    channel: str,
    agent: str | None,
    customer: str | None,
    conversation: str | None,
    as_json: bool,
    cache_dir: Path | None,
) -> None:
    """Preview answer ANSWER_ID on one channel or on every channel.

    \b
    Examples:
      replykb render refund-timing --channel all --agent paola
      replykb render refund-timing --channel sms --customer Mario --json
    """
    del cache_dir  # rendering needs no index
    from .render import Renderer

    try:
        base = load_answer_base(kb_path)
        renderer = Renderer(base.settings, dict(base.templates))
        answer = base.answer(answer_id)
        channels = list(base.settings.channels) if channel == "all" else [channel]
        replies = [
            renderer.render(
                answer, channel=name, agent=agent, customer=customer, conversation_id=conversation
            )
            for name in channels
        ]
    except AnswerBaseError as error:
        _fail(f"{error}\nrun `replykb check {kb_path}` for details", EXIT_FINDINGS)
    except ReplyKBError as error:
        _fail(str(error))
    if as_json:
        click.echo(json.dumps([reply.model_dump(mode="json") for reply in replies], indent=2))
        return
    for index, reply in enumerate(replies):
        if index:
            click.echo()
        _print_reply(reply)


def _is_stdout(path: Path) -> bool:
    """``-`` names standard output, as for most command-line tools."""
    return str(path) == "-"


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


@cli.command(name="eval")
@click.argument("path", type=click.Path(path_type=Path), default=Path("answers"))
@click.option(
    "--data",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Labelled messages (JSONL or CSV: message, expected). Default: the base's own "
    "`tests` and `out_of_scope` messages.",
)
@click.option("--calibrate", is_flag=True, help="Pick the threshold and margin for a goal.")
@click.option(
    "--min-oos-recall",
    type=click.FloatRange(0, 1),
    help="Calibration goal: out-of-scope recall at least this (default 0.9).",
)
@click.option(
    "--min-precision",
    type=click.FloatRange(0, 1),
    help="Calibration goal instead: share of confident answers that are right.",
)
@click.option("--cache-dir", type=click.Path(path_type=Path), help="Index cache folder.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def evaluate(
    path: Path,
    data: Path | None,
    calibrate: bool,
    min_oos_recall: float | None,
    min_precision: float | None,
    cache_dir: Path | None,
    as_json: bool,
) -> None:
    """Measure how well the base in PATH matches labelled messages.

    Exit 1 when a labelled message is not matched as expected.

    \b
    Examples:
      replykb eval answers/
      replykb eval answers/ --data labelled.jsonl --json
      replykb eval answers/ --data labelled.csv --calibrate --min-oos-recall 0.9
    """
    from . import evaluate as ev

    if min_oos_recall is not None and min_precision is not None:
        _fail("give one calibration goal: --min-oos-recall or --min-precision")
    kb = _load_kb(path, cache_dir)
    try:
        items = (
            ev.read_labelled(data, (a.id for a in kb.answers))
            if data
            else ev.labelled_from_base(kb.base)
        )
        if not items:
            _fail(f"{path} has no `tests` or `out_of_scope` messages; pass --data FILE")
        scored = ev.score_messages(kb, items)
        match_settings = kb.settings.match
        if calibrate:
            goal = (
                ev.Goal(kind="answer_precision", minimum=min_precision)
                if min_precision is not None
                else ev.Goal(kind="oos_recall", minimum=min_oos_recall or 0.9)
            )
            result = ev.calibrate(scored, goal)
        else:
            result = ev.report(scored, match_settings.threshold, match_settings.margin)
    except ReplyKBError as error:
        _fail(str(error))
    if as_json:
        click.echo(json.dumps(result.model_dump(mode="json"), indent=2))
    else:
        click.echo(
            f"{result.messages} messages ({result.in_scope} in scope, "
            f"{result.out_of_scope} out of scope) at threshold {result.threshold:g}, "
            f"margin {result.margin:g}"
        )
        metrics = {
            "top-1 accuracy": result.top1_accuracy,
            "in-scope accuracy": result.in_scope_accuracy,
            "out-of-scope recall": result.oos_recall,
            "out-of-scope precision": result.oos_precision,
            "answer precision": result.answer_precision,
        }
        for label, value in metrics.items():
            click.echo(f"  {label:<24}{_percent(value)}")
        if result.confusions:
            click.echo("most confused (expected -> matched):")
            for confusion in result.confusions:
                click.echo(
                    f"  {confusion.count:4d}  {confusion.expected or '(out of scope)'} -> "
                    f"{confusion.predicted or '(nothing)'}"
                )
        if result.failures and not calibrate:
            click.echo("not matched as expected:")
            for item in result.failures[:20]:
                click.echo(
                    f"  {item.where}: {item.message!r} (expected {item.expected or 'nothing'})"
                )
        if calibrate:
            click.echo(
                "paste into replykb.yaml:\n"
                f"match:\n  threshold: {result.threshold}\n  margin: {result.margin}"
            )
    sys.exit(EXIT_FINDINGS if result.failures and not calibrate else EXIT_OK)


def _triage(
    kb: Any,
    input_path: Path,
    output_path: Path | None,
    channel: str | None,
    agent: str | None,
    strict: bool,
) -> None:
    from . import batch

    if channel is not None:
        try:
            kb.renderer.channel(channel)
        except ReplyKBError as error:
            _fail(str(error))
    if output_path is not None and _is_stdout(output_path):
        output_path = None
    show_progress = sys.stderr.isatty() and output_path is not None
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
                        _fail(f"{input_path}:{result['line']}: bad line (--strict)", EXIT_FINDINGS)
                sink.write(json.dumps(result, ensure_ascii=False) + "\n")
                if progress is not None:
                    progress.update(1)
        except UnicodeDecodeError as error:
            _fail(f"{input_path}: not valid UTF-8 ({error.reason})")
    if bad:
        click.echo(f"{bad} line(s) could not be triaged; see above", err=True)


@cli.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the files written as JSON.")
def init(path: Path, as_json: bool) -> None:
    """Create a new answer base in PATH that passes `replykb check` at once.

    It holds replykb.yaml with the channel presets, three sample answers, the
    templates, a .gitignore for the index cache and a GitHub workflow. An existing
    base is never overwritten.

    \b
    Examples:
      replykb init my-answers/
      replykb init . && replykb check .
    """
    from .scaffold import create_base

    try:
        written = create_base(path)
    except ReplyKBError as error:
        _fail(str(error))
    if as_json:
        click.echo(json.dumps([str(file) for file in written], indent=2))
        return
    for file in written:
        click.echo(f"created {file}")
    click.echo(f"next: edit {path / 'replykb.yaml'}, then run `replykb check {path}`")


def main() -> None:
    # The model's loading progress bars are noise in a command's output.
    os.environ.setdefault("TQDM_DISABLE", "1")
    logging.basicConfig(format="%(message)s", level=logging.WARNING)
    logging.getLogger("replykb").setLevel(logging.INFO)
    cli(prog_name="replykb")

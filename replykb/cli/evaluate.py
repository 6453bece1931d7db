"""``replykb eval``: how well the base matches labelled messages, and threshold calibration."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ._common import (
    CACHE_OPTION,
    EXIT_FINDINGS,
    EXIT_OK,
    JSON_OPTION,
    QUIET_OPTION,
    base_options,
    fail,
    load_kb,
)

if TYPE_CHECKING:
    from ..evaluate import Calibration, EvalReport, LanguageFigures


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


@click.command(name="eval")
@base_options(positional=True)
@click.option(
    "--data",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Labelled messages (JSONL or CSV: message, expected, optionally language). Default: "
    "the base's own `tests` and `out_of_scope` messages, in each of its languages.",
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
@CACHE_OPTION
@JSON_OPTION
@QUIET_OPTION
def evaluate(
    kb_path: Path,
    data: Path | None,
    calibrate: bool,
    min_oos_recall: float | None,
    min_precision: float | None,
    cache_dir: Path | None,
    as_json: bool,
    quiet: bool,
) -> None:
    """Measure how well the base in PATH matches labelled messages.

    Exit 1 when a labelled message is not matched as expected. With --calibrate,
    print the threshold and margin to paste into replykb.yaml, and a warning on
    stderr when too few out-of-scope messages back them. With -q only the messages
    not matched as expected (or, calibrating, the lines to paste) are printed.

    Each message is decided as `replykb suggest` decides it: on a base with several
    languages its language is read from its text and its language's questions match
    it; the figures are then also given per language (as labelled: the base's
    `tests`/`out_of_scope` are in its first language, `translations.<lang>.tests` and
    `.out_of_scope` in theirs; a --data file's `language` column).

    \b
    Examples:
      replykb eval answers/
      replykb eval --kb answers/ --data examples/labelled.jsonl --json
      replykb eval answers/ --data labelled.csv --calibrate --min-oos-recall 0.9
    """
    from .. import evaluate as ev

    if min_oos_recall is not None and min_precision is not None:
        fail("give one calibration goal: --min-oos-recall or --min-precision")
    kb = load_kb(kb_path, cache_dir)
    items = (
        ev.read_labelled(data, (a.id for a in kb.answers), kb.settings.languages)
        if data
        else ev.labelled_from_base(kb.base)
    )
    if not items:
        fail(f"{kb_path} has no `tests` or `out_of_scope` messages; pass --data FILE")
    scored = ev.score_messages(kb, items)
    result: EvalReport
    if calibrate:
        goal = (
            ev.Goal(kind="answer_precision", minimum=min_precision)
            if min_precision is not None
            else ev.Goal(kind="oos_recall", minimum=min_oos_recall or 0.9)
        )
        result = ev.calibrate(scored, goal)
    else:
        match_settings = kb.settings.match
        result = ev.report(scored, match_settings.threshold, match_settings.margin)
    if as_json:
        # One language: exactly the fields eval always printed.
        single: dict[str, Any] = {"languages": True, "failures": {"__all__": {"language"}}}
        dumped = result.model_dump(mode="json", exclude=None if result.languages else single)
        click.echo(json.dumps(dumped, indent=2))
    elif isinstance(result, ev.Calibration):
        _print_calibration(result, quiet=quiet)
    else:
        _print_report(result, quiet=quiet)
    if isinstance(result, ev.Calibration) and (warning := result.warning()):
        click.echo(click.style(f"replykb: warning: {warning}", fg="yellow", bold=True), err=True)
    sys.exit(EXIT_FINDINGS if result.failures and not calibrate else EXIT_OK)


def _print_metrics(result: EvalReport) -> None:
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
    for figures in result.languages:
        _print_language(figures)
    if result.confusions:
        click.echo("most confused (expected -> matched):")
        for confusion in result.confusions:
            click.echo(
                f"  {confusion.count:4d}  {confusion.expected or '(out of scope)'} -> "
                f"{confusion.predicted or '(nothing)'}"
            )


def _print_language(figures: LanguageFigures) -> None:
    from ..languages import LANGUAGE_NAMES

    name = LANGUAGE_NAMES.get(figures.language, figures.language)
    click.echo(
        f"{name} ({figures.language}): {figures.messages} messages ({figures.in_scope} in "
        f"scope, {figures.out_of_scope} out of scope)"
    )
    click.echo(
        f"  top-1 {_percent(figures.top1_accuracy)}, in-scope {_percent(figures.in_scope_accuracy)}"
        f", out-of-scope recall {_percent(figures.oos_recall)}, answer precision "
        f"{_percent(figures.answer_precision)}"
    )
    if figures.matched_elsewhere:
        click.echo(
            f"  {figures.matched_elsewhere} matched against another language's questions "
            f"(not detected as {name})"
        )


def _print_report(result: EvalReport, *, quiet: bool) -> None:
    if not quiet:
        _print_metrics(result)
    if result.failures:
        if not quiet:
            click.echo("not matched as expected:")
        for item in result.failures[: None if quiet else 20]:
            click.echo(f"  {item.where}: {item.message!r} (expected {item.expected or 'nothing'})")


def _print_calibration(result: Calibration, *, quiet: bool) -> None:
    from ..evaluate import CONFIDENCE

    if not quiet:
        _print_metrics(result)
        if result.oos_leak_bound is not None:
            click.echo(
                f"  new off-topic messages answered: at most {result.oos_leak_bound:.0%} "
                f"({CONFIDENCE:.0%} bound from {result.out_of_scope} out-of-scope messages)"
            )
        click.echo("paste into replykb.yaml:")
    click.echo(f"match:\n  threshold: {result.threshold}\n  margin: {result.margin}")

"""``replykb tune``: fine-tune the model on the base's own questions (replykb/learn/tune.py)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from ._common import CACHE_OPTION, EXIT_OK, JSON_OPTION, QUIET_OPTION, base_options

_PHASES = {
    "trial": "training the trial model (questions minus a held-out fifth)",
    "final": "training on every question",
}


class _Bars:
    """One click progress bar per training phase, with the time left, on stderr."""

    def __init__(self) -> None:
        self.phase: str | None = None
        self.bar: Any = None
        self.done = 0

    def __call__(self, phase: str, done: int, total: int, seconds: float) -> None:
        del seconds  # click estimates the time left from its own clock
        if phase != self.phase:
            self.close()
            self.phase, self.done = phase, 0
            self.bar = click.progressbar(
                length=total,
                label=_PHASES.get(phase, phase),
                show_eta=True,
                show_percent=True,
                file=sys.stderr,
            )
            self.bar.__enter__()
        self.bar.update(done - self.done)
        self.done = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


@click.command(name="tune")
@base_options(positional=True)
@click.option(
    "--force",
    is_flag=True,
    help="Use the tuned model even if it is not better than the untuned one.",
)
@CACHE_OPTION
@JSON_OPTION
@QUIET_OPTION
def tune(kb_path: Path, force: bool, cache_dir: Path | None, as_json: bool, quiet: bool) -> None:
    """Fine-tune the model on the base's own questions; use it only if it helps.

    Trains a copy of the base's model (contrastive, on pairs of questions of one
    answer; settings under `tune:` in replykb.yaml) on the questions minus a held-out
    fifth, and compares it with the untuned model on the held-out questions, the
    `tests` and the `out_of_scope` messages, each at its own calibrated threshold.
    When it is better on accuracy and no worse on out-of-scope rejection, it is
    trained on every question, exported to ONNX and used by every later `suggest`,
    `check`, batch and `serve` (from the cache: a build artefact, not a file to
    commit). Otherwise it is kept aside and the report says why. Needs torch.

    \b
    Examples:
      replykb tune --kb answers/
      replykb tune answers/ --json
      replykb tune answers/ --cache-dir /var/cache/replykb
    """
    from ..learn.tune import tune_base
    from ..loader import load_answer_base

    base = load_answer_base(kb_path)
    bars = None if quiet or as_json else _Bars()
    try:
        result = tune_base(base, cache_dir, force=force, progress=bars)
    finally:
        if bars is not None:
            bars.close()
    if as_json:
        click.echo(result.model_dump_json(indent=2))
    elif not quiet:
        click.echo(result.text())
    else:
        click.echo(f"{result.verdict}: {result.reason}")
    sys.exit(EXIT_OK)

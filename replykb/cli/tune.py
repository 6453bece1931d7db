"""``replykb tune``: fine-tune the model on the base's own questions (replykb/learn/tune.py)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
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


class _Lines:
    """Progress as plain lines on stderr, for a CI log or a file (click's bar shows
    nothing there but its label): one line per tenth of the steps, or after
    ``every`` seconds without one, whichever comes first, and the last step."""

    def __init__(self, every: float = 60.0) -> None:
        self.every = every
        self.phase: str | None = None
        self.tenth = 0
        self.last = 0.0

    def __call__(self, phase: str, done: int, total: int, seconds: float) -> None:
        if phase != self.phase:
            self.phase, self.tenth, self.last = phase, 0, 0.0
            click.echo(f"{_PHASES.get(phase, phase)}: {total} steps", err=True)
        tenth = done * 10 // total
        if tenth == self.tenth and seconds - self.last < self.every and done != total:
            return
        self.tenth, self.last = tenth, seconds
        left = seconds / done * (total - done)
        click.echo(
            f"  step {done}/{total} ({done / total:.0%}), {_duration(seconds)} so far, "
            f"about {_duration(left)} left",
            err=True,
        )

    def close(self) -> None:
        pass


@contextmanager
def shown_progress(show: bool) -> Iterator[_Bars | _Lines | None]:
    """What ``replykb tune`` and ``replykb build --tune`` show while training: a bar
    with the time left on a terminal, plain lines elsewhere (a CI log), or nothing."""
    if not show:
        yield None
        return
    bars = _Bars() if sys.stderr.isatty() else _Lines()
    try:
        yield bars
    finally:
        bars.close()


def _duration(seconds: float) -> str:
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    if whole < 3600:
        return f"{whole // 60} min {whole % 60:02d} s"
    return f"{whole // 3600} h {whole // 60 % 60:02d} min"


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
    with shown_progress(not (quiet or as_json)) as bars:
        result = tune_base(base, cache_dir, force=force, progress=bars)
    if as_json:
        click.echo(result.model_dump_json(indent=2))
    elif not quiet:
        click.echo(result.text())
    else:
        click.echo(f"{result.verdict}: {result.reason}")
    sys.exit(EXIT_OK)

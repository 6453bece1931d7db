"""``replykb build``: the index and the ONNX export made ahead, for CI and container images."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ._common import CACHE_OPTION, JSON_OPTION, QUIET_OPTION, base_options


@click.command()
@base_options(positional=True)
@click.option(
    "--tune",
    is_flag=True,
    help="First fine-tune the model on the base's questions (`replykb tune`; needs torch).",
)
@CACHE_OPTION
@JSON_OPTION
@QUIET_OPTION
def build(kb_path: Path, tune: bool, cache_dir: Path | None, as_json: bool, quiet: bool) -> None:
    """Build the index of the base in PATH and the model's ONNX export into its cache.

    A server replica, a container or a CI job started from this cache encodes
    nothing and imports no torch. What is already built and intact is reused; a
    stale or corrupt cache is rebuilt. A read-only cache that is up to date is used
    as it is; one that is not is an error (every start would rebuild it).

    Exit 0 when the cache is ready, 1 when the base does not load (run `replykb
    check`), 2 when the build cannot run (no such base, a cache folder that cannot
    be written).

    \b
    Examples:
      replykb build answers/
      replykb build --kb answers/ --cache-dir /var/cache/replykb
      REPLYKB_CACHE_DIR=/srv/cache replykb build answers/ && replykb serve --kb answers/
      replykb build answers/ --json
      replykb build answers/ --tune
    """
    from ..build import build_cache

    tuned = None
    if tune:
        # Before the build: the index is then built with the tuned model, when it is
        # used, which open_index picks up by itself.
        from ..learn.tune import tune_base
        from ..loader import load_answer_base
        from .tune import shown_progress

        with shown_progress(not (quiet or as_json)) as bars:
            tuned = tune_base(load_answer_base(kb_path), cache_dir, progress=bars)
        if not as_json:
            click.echo(tuned.text() if not quiet else f"tune: {tuned.verdict}: {tuned.reason}")
    report = build_cache(kb_path, cache_dir=cache_dir)
    if as_json:
        output = report.model_dump(mode="json")
        if tuned is not None:
            output["tune"] = tuned.model_dump(mode="json")
        click.echo(json.dumps(output, indent=2))
        return
    click.echo(
        f"{report.index} the index: {report.questions:,} questions of {report.answers:,} answers"
    )
    if report.fast_path == "unavailable":
        click.echo(
            f"no ONNX export for this model ({report.fast_path_problem}): starts load "
            "sentence-transformers, slower, but encode nothing"
        )
    else:
        click.echo(f"{report.fast_path} the model's ONNX export")
    if not quiet:
        click.echo(
            f"cache ready in {report.cache} ({report.seconds:.1f} s): a start from it encodes "
            "nothing"
        )

"""``replykb init``: a new answer base that passes `replykb check` at once."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ._common import QUIET_OPTION, base_options


@click.command()
@base_options(positional=True)
@click.option("--json", "as_json", is_flag=True, help="Print the files written as JSON.")
@QUIET_OPTION
def init(kb_path: Path, as_json: bool, quiet: bool) -> None:
    """Create a new answer base in PATH that passes `replykb check` at once.

    It holds replykb.yaml with the channel presets, three sample answers, the
    templates, a .gitignore for the index cache and a GitHub workflow. An existing
    base is never overwritten. With -q nothing is printed.

    \b
    Examples:
      replykb init my-answers/
      replykb init . && replykb check .
      REPLYKB_KB=my-answers/ replykb init -q && replykb check
    """
    from ..scaffold import create_base

    written = create_base(kb_path)
    if as_json:
        click.echo(json.dumps([str(file) for file in written], indent=2))
        return
    if quiet:
        return
    for file in written:
        click.echo(f"created {file}")
    click.echo(f"next: edit {kb_path / 'replykb.yaml'}, then run `replykb check {kb_path}`")

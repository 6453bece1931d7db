"""``replykb init``: a new answer base that passes `replykb check` at once."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..errors import ReplyKBError
from ._common import fail


@click.command()
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
    from ..scaffold import create_base

    try:
        written = create_base(path)
    except ReplyKBError as error:
        fail(str(error))
    if as_json:
        click.echo(json.dumps([str(file) for file in written], indent=2))
        return
    for file in written:
        click.echo(f"created {file}")
    click.echo(f"next: edit {path / 'replykb.yaml'}, then run `replykb check {path}`")

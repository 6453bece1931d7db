"""``replykb answers``: what the base answers, who owns each answer, when it was reviewed."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ._common import JSON_OPTION, QUIET_OPTION, base_options

COLUMNS = ("id", "title", "tags", "owner", "reviewed")


@click.command()
@base_options(positional=True)
@click.option("--tag", "tags", multiple=True, help="Only answers with this tag (repeatable).")
@JSON_OPTION
@QUIET_OPTION
def answers(kb_path: Path, tags: tuple[str, ...], as_json: bool, quiet: bool) -> None:
    """List the answers of the base: id, title, tags, owner and review date (no model).

    One row per answer, sorted by id, then a count; with -q the rows only, and with
    --json one object per answer (with its file and number of questions and tests).

    \b
    Examples:
      replykb answers
      replykb answers --kb answers/ --tag refunds
      replykb answers answers/ --json
      replykb answers -q | cut -d' ' -f1    # the ids
    """
    from ..loader import load_answer_base

    base = load_answer_base(kb_path)
    chosen = sorted(
        (a for a in base.answers if not tags or set(tags) & set(a.tags)), key=lambda a: a.id
    )
    if as_json:
        listing = [
            {
                "id": answer.id,
                "title": answer.title,
                "tags": answer.tags,
                "owner": answer.owner,
                "reviewed": answer.reviewed.isoformat() if answer.reviewed else None,
                "file": answer.source.file,
                "questions": len(answer.questions),
                "tests": len(answer.tests),
            }
            for answer in chosen
        ]
        click.echo(json.dumps(listing, indent=2, ensure_ascii=False))
        return
    rows = [
        (
            answer.id,
            answer.title or "-",
            ",".join(answer.tags) or "-",
            answer.owner or "-",
            answer.reviewed.isoformat() if answer.reviewed else "-",
        )
        for answer in chosen
    ]
    header = tuple(column.upper() for column in COLUMNS)
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(COLUMNS))]

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True))

    if not quiet:
        click.echo(click.style(line(header).rstrip(), bold=True))
    for row in rows:
        click.echo(line(row).rstrip())
    if not quiet:
        shown = f"{len(rows)} of {len(base.answers)}" if tags else str(len(rows))
        click.echo(f"{shown} answer{'' if len(base.answers) == 1 else 's'} in {base.root}")

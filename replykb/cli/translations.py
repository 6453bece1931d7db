"""``replykb translations``: what is missing or stale per language, and marking a
translation as reviewed against the current source."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ._common import EXIT_FINDINGS, EXIT_OK, JSON_OPTION, QUIET_OPTION, base_options

if TYPE_CHECKING:
    from ..languages import TranslationStatus
    from ..translations import LanguageReport, Marked, TranslationsReport


@click.command()
@base_options(positional=True)
@click.option(
    "--language",
    metavar="LANG",
    help="Only this language (one of the base's `languages:` after the source).",
)
@click.option(
    "--mark-current",
    "marks",
    nargs=2,
    multiple=True,
    metavar="ID LANG",
    help="Record that answer ID's LANG translation was reviewed against the current source "
    "(writes `source: <hash>` into its file; repeatable).",
)
@click.option(
    "--mark-all-current",
    "mark_all",
    metavar="LANG",
    help="Mark every LANG translation that is stale or unmarked as reviewed (after "
    "reviewing them all); missing ones stay missing.",
)
@click.option("-v", "--verbose", is_flag=True, help="List the current translations too.")
@JSON_OPTION
@QUIET_OPTION
def translations(
    kb_path: Path,
    language: str | None,
    marks: tuple[tuple[str, str], ...],
    mark_all: str | None,
    verbose: bool,
    as_json: bool,
    quiet: bool,
) -> None:
    """List, per language, the translations that are missing, stale (the source changed
    since they were marked: recorded and current hash), unmarked (never marked as
    reviewed) or current; no model is loaded.

    Exit 0 when every translation is current and complete, 1 when any is missing,
    stale, unmarked or lacks a text the source has (`short`, or the `fallback:` of a
    detail it prints: what `replykb check` reports as RKB702), 2 when the command
    cannot run. With --mark-current / --mark-all-current the marks are written (comments
    and layout of the files kept) and the exit is 0 once they are recorded.

    \b
    Examples:
      replykb translations --kb answers/
      replykb translations answers/ --language it --json
      replykb translations --mark-current double-charge it
      replykb translations --mark-current double-charge it --mark-current promo-code it
      replykb translations --mark-all-current it     # after reviewing every Italian text

    \b
    The workflow: edit an answer's source text -> `replykb check` fails with RKB703
    (stale) -> a translator updates translations.<lang> in the same file ->
    `replykb translations --mark-current ID LANG` records the reviewed source.
    """
    from ..loader import load_answer_base
    from ..translations import mark_current, translatable_languages, translations_report

    base = load_answer_base(kb_path)
    if marks or mark_all:
        chosen = list(marks)
        if mark_all:
            translatable_languages(base, mark_all)
            report = translations_report(base, mark_all)
            chosen += [
                (status.answer_id, mark_all)
                for status in report.languages[0].translations
                if status.state in ("stale", "unmarked")
            ]
        marked = mark_current(base, chosen)
        _print_marked(marked, as_json=as_json, quiet=quiet)
        sys.exit(EXIT_OK)
    report = translations_report(base, language)
    if as_json:
        click.echo(json.dumps(_as_json(report), indent=2, ensure_ascii=False))
    elif not report.languages and not quiet:
        click.echo(
            f"{base.root}: one language ({base.settings.languages[0]}), nothing to translate; "
            "list more in replykb.yaml, e.g. `languages: [en, it]`"
        )
    for language_report in [] if as_json else report.languages:
        _print_language(language_report, verbose=verbose, quiet=quiet)
    sys.exit(EXIT_OK if report.ok else EXIT_FINDINGS)


def _print_language(report: LanguageReport, *, verbose: bool, quiet: bool) -> None:
    if not quiet:
        counts = ", ".join(f"{count} {state}" for state, count in report.counts.items())
        click.echo(click.style(f"{report.name} ({report.language}): {counts}", bold=True))
    shown = [status for status in report.translations if status.needs_work or verbose]
    width = max((len(status.answer_id) for status in shown), default=0)
    for status in shown:
        click.echo(f"  {_describe(status, width)}")


def _describe(status: TranslationStatus, width: int) -> str:
    where = f"{status.location.file}:{status.location.line}"
    text = f"{status.state:<8}  {status.answer_id:<{width}}  {where}"
    if status.state == "stale":
        text += f"  recorded {status.recorded}, source now {status.current}"
    elif status.state == "unmarked":
        text += f"  review it, then --mark-current {status.answer_id} {status.language}"
    if status.missing_fields:
        text += f"  lacks {', '.join(status.missing_fields)} (the source has it)"
    return text


def _print_marked(marked: list[Marked], *, as_json: bool, quiet: bool) -> None:
    if as_json:
        click.echo(json.dumps([m.model_dump() for m in marked], indent=2, ensure_ascii=False))
        return
    for mark in marked:
        if mark.previous == mark.source:
            was = "already current"
        else:
            was = f"was {mark.previous}" if mark.previous else "was unmarked"
        click.echo(
            f"{mark.file}:{mark.line}: {mark.answer_id} {mark.language} current "
            f"(source {mark.source}; {was})"
        )
    if not quiet and not marked:
        click.echo("nothing to mark: no stale or unmarked translation")


def _as_json(report: TranslationsReport) -> dict[str, Any]:
    """The report as JSON: one object per language, one per answer's translation."""
    return {
        "base": report.base,
        "source_language": report.source_language,
        "ok": report.ok,
        "languages": [
            {
                "language": language.language,
                "name": language.name,
                "counts": language.counts,
                "translations": [
                    {
                        "answer_id": status.answer_id,
                        "state": status.state,
                        "recorded": status.recorded,
                        "current": status.current,
                        "missing_fields": list(status.missing_fields),
                        "file": status.location.file,
                        "line": status.location.line,
                    }
                    for status in language.translations
                ],
            }
            for language in report.languages
        ],
    }

"""RKB0xx: loading the base. The loader reports these as located problems, each with its
code (``Problem.code``); a base that does not load is checked no further."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from ..loader import SETTINGS_FILE, TEMPLATES_DIR
from ..models import Finding, Location, Problem
from ..render import BUILTIN_TEMPLATES
from .registry import Family, Found

if TYPE_CHECKING:
    from pathlib import Path

    from .context import CheckContext

__all__ = ["loading", "problem_findings"]

loading = Family("loading", "RKB0xx", "loading the base")

loading.declare(
    "RKB001",
    "error",
    "YAML or schema error",
    hint="fix the file as the message says; `replykb check` shows every problem at once",
    loader=True,
    doc="""
    A file that does not parse or does not fit the format: syntax, duplicate keys,
    wrong types, missing or unknown keys, not UTF-8, a control character; an empty,
    `~`/`null`, list or bare-text document (`replykb.yaml` too) or a second document
    after `---`; YAML aliases that repeat over 100,000 values or sit inside their own
    anchor; a value YAML cannot convert (a 5000-digit number, `2026-13-45`).
    ```yaml
    qestions: [where is my refund]   # unknown key `qestions`; did you mean `questions`?
    ```
    Fix: as the message says; every problem of the base is listed at once.
    """,
)

loading.declare(
    "RKB002",
    "error",
    "duplicate answer id",
    hint="give each answer its own `id:` (or its own file name)",
    loader=True,
    doc="""
    ```yaml
    # billing/refund.yaml and returns/refund.yaml both default to id `refund`
    ```
    Fix: give each answer its own `id:` or file name.
    """,
)


@loading.rule(
    "RKB003",
    "error",
    "reference to something the base does not define",
    hint="define it where it belongs (replykb.yaml, templates/, or the answer's `details:` for "
    "a detail), or fix the name",
    loader=True,
)
def template_references(ctx: CheckContext) -> Iterator[Found]:
    """
    An agent's signature for a channel the base does not have (found by the loader),
    or a channel's `template:` that is neither in `templates/` nor built in.
    ```yaml
    agents:
      paola: {name: Paola, signatures: {tiktok: "^P"}}   # no channel `tiktok`
    channels:
      chat: {template: widget.j2}                       # no templates/widget.j2
    ```
    Fix: define the channel or template, or correct the name.
    """
    known = sorted(set(ctx.base.templates) | {p.name for p in BUILTIN_TEMPLATES.glob("*.j2")})
    for channel, names in ctx.channel_templates.items():
        for name in names:
            if not ctx.template_exists(name):
                yield Found(
                    ctx.channel_location(channel, "template"),
                    f"channel {channel!r} uses template {name!r}, which is neither in "
                    f"{TEMPLATES_DIR}/ nor built in; known templates: {', '.join(known)}",
                )


loading.declare(
    "RKB004",
    "error",
    "file or folder cannot be read",
    hint="make it readable by the user who runs replykb, or move it out of the base",
    loader=True,
    doc="""
    A file or folder of the base that replykb cannot read: permission denied, not a
    regular file (a named pipe called `x.yaml`), over 2 MiB, a symlink that is broken
    or leads out of the base (see [the answer base](#the-answer-base) for what is
    loaded). Nothing of the base is checked until every file can be read.
    ```yaml
    # billing/refund.yaml: -rw------- root root  (the CI user cannot read it)
    ```
    Fix: make it readable (`chmod a+r`), or move it out of the base.
    """,
)


def problem_findings(problems: Sequence[Problem], root: Path) -> list[Finding]:
    """The loader's problems as findings; a failed load is never without one."""
    rules = {rule.code: rule for rule in loading.rules}
    findings = [
        rules[problem.code].finding(
            Found(
                problem.location,
                f"{problem.field}: {problem.message}" if problem.field else problem.message,
            )
        )
        for problem in problems
    ]
    if not findings:
        findings.append(
            rules["RKB001"].finding(
                Found(
                    Location(file=str(root / SETTINGS_FILE)),
                    "the base did not load, and the loader gave no reason",
                )
            )
        )
    return findings


def unreadable_finding(error: OSError, root: Path) -> Finding:
    """An unreadable file the loader did not catch: a finding, never a traceback."""
    rules = {rule.code: rule for rule in loading.rules}
    file = error.filename or (root / SETTINGS_FILE)
    return rules["RKB004"].finding(
        Found(Location(file=str(file)), f"cannot read: {error.strerror or error}")
    )

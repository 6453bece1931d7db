"""The README's list of check codes, generated from the registry.

``python -m replykb.checks.catalogue`` prints it; ``--write README.md`` replaces the
part of the README between the two markers below. A test fails when the README and
the registry differ, so a code's documentation is edited in one place: its rule.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .rules import FAMILIES

__all__ = ["BEGIN", "END", "catalogue_markdown", "replace_catalogue"]

BEGIN = (
    "<!-- check codes: generated from replykb/checks/ by "
    "`python -m replykb.checks.catalogue --write README.md`; edit the rules, not this -->"
)
END = "<!-- end of check codes -->"


def catalogue_markdown() -> str:
    """Every code, family by family: title, severity, documentation."""
    parts: list[str] = []
    for family in FAMILIES:
        parts.append(f"**{family.prefix}: {family.title}**")
        # In code order, whichever module of the family declares each.
        for rule in sorted(family.rules, key=lambda rule: rule.code):
            parts.append(f"### {rule.code} {rule.title} ({rule.severity})\n{rule.doc}")
    return "\n\n".join(parts) + "\n"


def replace_catalogue(text: str) -> str:
    """``text`` (a README) with the part between the markers regenerated."""
    if BEGIN not in text or END not in text:
        raise ValueError(f"the README has no markers {BEGIN!r} ... {END!r}")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n\n{catalogue_markdown()}\n{END}{tail}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m replykb.checks.catalogue")
    parser.add_argument("--write", type=Path, metavar="README", help="update this file")
    args = parser.parse_args(argv)
    if args.write is None:
        sys.stdout.write(catalogue_markdown())
        return 0
    text = args.write.read_text(encoding="utf-8")
    updated = replace_catalogue(text)
    if updated != text:
        args.write.write_text(updated, encoding="utf-8")
        print(f"{args.write}: check codes updated")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The rule registry: each code of ``replykb check`` declared once, with its check.

A :class:`Family` groups the codes of one kind (RKB2xx: fit, ...). A rule is declared
where its check is written, by decorating the check::

    fit = Family("fit", "RKB2xx", "length and encoding")

    @fit.rule("RKB201", "error", "reply over its channel's limit", hint="...")
    def reply_length(ctx: CheckContext) -> Iterator[Found]:
        \"\"\"Documentation: what the code means, a YAML example, and a line `Fix: ...`.\"\"\"

The check yields :class:`Found` values; the rule turns them into findings with its own
code, severity and hint, so a check never repeats them. The catalogue (rules.py), the
reports and the README's list of codes are all derived from these declarations.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..models import Finding, Location, Severity

if TYPE_CHECKING:
    from .context import CheckContext

__all__ = ["Check", "Family", "Found", "Rule"]

_CODE = re.compile(r"RKB\d{3}")


@dataclass(frozen=True)
class Found:
    """What a check found: where, what, and who it concerns; the rule adds the rest."""

    location: Location
    message: str
    # The answer it is about: that answer's `check: ignore` can accept it.
    answer: str | None = None
    related: Sequence[Location] = ()
    # Occurrences sharing this one cause (answers a signature pushes over a limit, ...).
    count: int = 1
    # A fix more specific than the rule's usual one.
    hint: str | None = None


Check = Callable[["CheckContext"], Iterable[Found]]


@dataclass(frozen=True)
class Rule:
    """One finding code: its severity, title, usual fix, documentation and check."""

    code: str
    severity: Severity
    title: str
    hint: str
    # Markdown: what the code means, a ```yaml example and a line starting "Fix:".
    doc: str
    family: str
    # None when no check of a loaded base reports it (the loader, or the ignores step).
    check: Check | None = None
    # The loader reports it too, as Problem.code, when the base does not load.
    loader: bool = False

    def finding(self, found: Found) -> Finding:
        return Finding(
            code=self.code,
            severity=self.severity,
            location=found.location,
            message=found.message,
            hint=self.hint if found.hint is None else found.hint,
            related=list(found.related),
            answer=found.answer,
            count=found.count,
        )

    def run(self, ctx: CheckContext) -> list[Finding]:
        """The findings of this rule's check on a loaded base (none without a check)."""
        if self.check is None:
            return []
        return [self.finding(found) for found in self.check(ctx)]


@dataclass
class Family:
    """The codes of one kind, in declaration order; ``prefix`` is e.g. ``RKB2xx``."""

    name: str
    prefix: str
    title: str
    rules: list[Rule] = field(default_factory=list)

    def rule(
        self, code: str, severity: Severity, title: str, *, hint: str, loader: bool = False
    ) -> Callable[[Check], Check]:
        """Declare ``code``, checked by the decorated function; its docstring is the
        code's documentation."""

        def register(check: Check) -> Check:
            self._add(code, severity, title, hint, inspect.getdoc(check) or "", check, loader)
            return check

        return register

    def declare(
        self,
        code: str,
        severity: Severity,
        title: str,
        *,
        hint: str,
        doc: str,
        loader: bool = False,
    ) -> Rule:
        """Declare a code that no check of a loaded base reports: the loader does
        (``loader=True``), or the step that applies ignores."""
        return self._add(code, severity, title, hint, inspect.cleandoc(doc), None, loader)

    def _add(
        self,
        code: str,
        severity: Severity,
        title: str,
        hint: str,
        doc: str,
        check: Check | None,
        loader: bool,
    ) -> Rule:
        if not _CODE.fullmatch(code) or not code.startswith(self.prefix.rstrip("x")):
            raise ValueError(f"{code!r} is not a code of family {self.prefix}")
        if any(existing.code == code for existing in self.rules):
            raise ValueError(f"{code} is declared twice")
        rule = Rule(code, severity, title, hint, doc, self.name, check, loader)
        self.rules.append(rule)
        return rule

"""``run_checks``: an answer base folder -> a :class:`CheckReport`.

This module returns data; it never prints and never exits (the CLI does).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import AnswerBaseError
from ..loader import load_answer_base
from ..models import Finding
from .context import CheckContext
from .ignores import apply_ignores
from .loading import problem_findings, unreadable_finding
from .report import CheckReport
from .rules import LOADER_CODES, RULES

if TYPE_CHECKING:
    from ..embed import Embedder
    from ..index import QuestionIndex

__all__ = ["run_checks"]


def run_checks(
    path: str | Path,
    *,
    cache_dir: str | Path | None = None,
    model: str | None = None,
    today: date | None = None,
    embedder: Embedder | None = None,
) -> CheckReport:
    """Run every check on the base in ``path`` and return what they found.

    A base that does not load gets the loader's problems only (RKB001-RKB004, at least
    one error): nothing half-loaded is checked. :class:`~replykb.errors.BaseNotFoundError`
    and :class:`~replykb.errors.ModelError` propagate: the check cannot run.
    ``model`` overrides the base's ``model:``; ``embedder`` replaces the model (tests).
    """
    from ..index import cache_folder

    root = Path(path)
    try:
        base = load_answer_base(root)
    except AnswerBaseError as error:
        findings = problem_findings(error.problems, root)
        return _not_loaded(root, findings)
    except OSError as error:  # the loader reports unreadable files; this is the backstop
        return _not_loaded(root, [unreadable_finding(error, root)])

    cache = cache_folder(base, Path(cache_dir) if cache_dir else None)

    def open_index() -> tuple[Embedder, QuestionIndex]:
        # The same embedder and index as KnowledgeBase.load, so a check leaves the cache
        # (index and ONNX export) ready for a fast first lookup.
        from ..kb import open_index as open_base_index

        return open_base_index(base, cache, model=model, embedder=embedder)

    context = CheckContext(
        base=base, today=today or date.today(), cache_dir=cache, open_index=open_index
    )
    found = _grouped(finding for rule in RULES.values() for finding in rule.run(context))
    others = base.settings.languages[1:]
    findings, suppressed = apply_ignores(base, found, RULES)
    return CheckReport(
        base=str(root),
        answers=len(base.answers),
        # Every language's questions: those the index holds.
        questions=sum(
            len(a.questions)
            + sum(len(t.questions) for code, t in a.translations.items() if code in others)
            for a in base.answers
        ),
        checks=list(RULES),
        findings=_ordered(findings),
        suppressed=sorted(suppressed, key=lambda s: _order(s.finding)),
    )


def _not_loaded(root: Path, findings: list[Finding]) -> CheckReport:
    return CheckReport(
        base=str(root), loaded=False, checks=list(LOADER_CODES), findings=_ordered(findings)
    )


def _grouped(findings: Iterable[Finding]) -> list[Finding]:
    """One finding per (code, place, message): repeats add to its count."""
    merged: dict[tuple[str, str, str], Finding] = {}
    for finding in findings:
        key = (finding.code, str(finding.location), finding.message)
        if key in merged:
            previous = merged[key]
            finding = previous.model_copy(update={"count": previous.count + finding.count})
        merged[key] = finding
    return list(merged.values())


def _order(finding: Finding) -> tuple[str, int, int, str, str]:
    where = finding.location
    return (where.file, where.line, where.column, finding.code, finding.message)


def _ordered(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(findings, key=_order)

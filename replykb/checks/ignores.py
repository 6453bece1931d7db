"""Accepted findings: ``check: {ignore: [...]}`` in replykb.yaml (the whole base) and in
an answer (findings about that answer), and the ignores that accept nothing (RKB604)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from ..models import AnswerBase, Finding, IgnoredCode, Location, SuppressedFinding
from .registry import Found, Rule

__all__ = ["apply_ignores"]

STALE_IGNORE = "RKB604"


@dataclass(frozen=True)
class _Ignore:
    code: str
    reason: str | None
    location: Location
    answer: str | None  # None: an ignore of the whole base


def apply_ignores(
    base: AnswerBase, findings: Iterable[Finding], rules: Mapping[str, Rule]
) -> tuple[list[Finding], list[SuppressedFinding]]:
    """The findings no ignore accepts (with an RKB604 warning per ignore that accepted
    nothing), and the accepted ones with the ignore that accepted them.

    An answer's ignore accepts the findings about that answer; the base's ignore every
    finding of its code. An answer's own ignore is preferred, so its reason is shown.
    """
    ignores = _ignores(base)
    used: set[_Ignore] = set()
    kept: list[Finding] = []
    suppressed: list[SuppressedFinding] = []
    for finding in findings:
        ignore = _accepting(ignores, finding)
        if ignore is None:
            kept.append(finding)
            continue
        used.add(ignore)
        suppressed.append(
            SuppressedFinding(finding=finding, ignored_at=ignore.location, reason=ignore.reason)
        )
    for ignore in ignores:
        if ignore in used or ignore.code == STALE_IGNORE:
            continue
        stale = rules[STALE_IGNORE].finding(_stale(ignore, rules))
        accepted = _accepting(ignores, stale)
        if accepted is None:
            kept.append(stale)
        else:
            suppressed.append(
                SuppressedFinding(
                    finding=stale, ignored_at=accepted.location, reason=accepted.reason
                )
            )
    return kept, suppressed


def _ignores(base: AnswerBase) -> list[_Ignore]:
    """Every ignore of the base: replykb.yaml's first, then each answer's."""

    def read(entries: Sequence[IgnoredCode], answer: str | None) -> list[_Ignore]:
        return [
            _Ignore(entry.code, entry.reason, _where(base, answer, i), answer)
            for i, entry in enumerate(entries)
        ]

    found = read(base.settings.check.ignore, None)
    for answer in base.answers:
        found += read(answer.check.ignore, answer.id)
    return found


def _where(base: AnswerBase, answer: str | None, i: int) -> Location:
    if answer is None:
        return base.settings_source.locate("check", "ignore", i)
    return base.answer(answer).source.locate("check", "ignore", i)


def _accepting(ignores: Sequence[_Ignore], finding: Finding) -> _Ignore | None:
    own = [i for i in ignores if i.code == finding.code and i.answer is not None]
    for ignore in own:
        if ignore.answer == finding.answer:
            return ignore
    return next((i for i in ignores if i.code == finding.code and i.answer is None), None)


def _stale(ignore: _Ignore, rules: Mapping[str, Rule]) -> Found:
    scope = f"answer {ignore.answer!r}" if ignore.answer else "the base"
    if ignore.code not in rules:
        message = (
            f"`check: ignore` of {scope} names {ignore.code}, which is not a code of "
            f"`replykb check`; known codes: {', '.join(rules)}"
        )
    else:
        message = (
            f"`check: ignore` of {scope} accepts {ignore.code}, but no {ignore.code} finding "
            f"is left{f' in {ignore.answer!r}' if ignore.answer else ''}: remove it, or it "
            "will silently accept the next one"
        )
    return Found(ignore.location, message, answer=ignore.answer)

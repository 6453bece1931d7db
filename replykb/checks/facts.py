"""RKB3xx: facts that every channel's reply must keep."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from .registry import Family, Found

if TYPE_CHECKING:
    from ..models import Answer
    from .context import CheckContext
    from .sweep import RenderSweep

__all__ = ["fact_findings", "facts"]

facts = Family("facts", "RKB3xx", "facts")


def _normalized(text: str) -> str:
    return " ".join(text.casefold().split())


@facts.rule(
    "RKB301",
    "error",
    "fact missing from a channel's reply",
    hint="put the fact in `short:` and early in `answer:`, so every form keeps it",
)
def facts_kept(ctx: CheckContext) -> Iterator[Found]:
    """
    ```yaml
    answer: Refunds take 5 working days, from the day we receive the parcel...
    short: "Refunds: {{ link }}"             # on x the short form drops "5 working days"
    facts: ["5 working days"]
    ```
    Fix: put every fact in `short:` and early in `answer:`, so every form keeps it.
    """
    yield from fact_findings(ctx, ctx.sweep, ctx.base.answers)


def fact_findings(
    ctx: CheckContext, sweep: RenderSweep, answers: Sequence[Answer], language: str = ""
) -> Iterator[Found]:
    """RKB301's findings for ``answers`` as a sweep rendered them; RKB704 reports them
    for each translation (``answers`` localized, ``language`` named in messages)."""
    what = f"{language} reply" if language else "reply"
    for answer in answers:
        if not answer.facts:
            continue
        replies = [
            reply
            for channel in ctx.usable_channels
            if (reply := sweep.replies.get((answer.id, channel))) is not None
            and reply.form != "private_invite"
        ]
        for i, fact in enumerate(answer.facts):
            missing = [r for r in replies if _normalized(fact) not in _normalized(r.text)]
            if missing:
                where = ", ".join(f"{r.channel} ({r.form} form)" for r in missing)
                yield Found(
                    answer.source.locate("facts", i),
                    f"fact {fact!r} of {answer.id!r} is missing from the {what} on {where} "
                    f"(signed by the longest signature, for a long customer name)",
                    answer=answer.id,
                )

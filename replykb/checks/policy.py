"""RKB6xx: the base's review policy, and ignores that no longer accept anything."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..languages import language_name
from .model_kind import model_phrase
from .registry import Family, Found

if TYPE_CHECKING:
    from .context import CheckContext

__all__ = ["policy"]

policy = Family("policy", "RKB6xx", "review policy")


@policy.rule(
    "RKB601",
    "warning",
    "answer not reviewed within the policy",
    hint="review the answer and set `reviewed:` to today's date",
)
def review_age(ctx: CheckContext) -> Iterator[Found]:
    """
    Only with `policy.max_review_age_days`; an answer without `reviewed:` counts as
    never reviewed.
    ```yaml
    reviewed: 2025-01-15                     # policy.max_review_age_days: 365
    ```
    Fix: review it and set `reviewed:` to today's date.
    """
    limit = ctx.base.settings.policy.max_review_age_days
    if limit is None:
        return
    for answer in ctx.base.answers:
        if answer.reviewed is None:
            yield Found(
                answer.source.locate("id"),
                f"answer {answer.id!r} has no `reviewed:` date; the policy asks for a review "
                f"every {limit} days",
                answer=answer.id,
            )
            continue
        age = (ctx.today - answer.reviewed).days
        if age > limit:
            yield Found(
                answer.source.locate("reviewed"),
                f"answer {answer.id!r} was last reviewed {age} days ago ({answer.reviewed}); "
                f"the policy allows {limit}",
                answer=answer.id,
            )


@policy.rule(
    "RKB602",
    "warning",
    "fewer questions than the policy's minimum",
    hint="add more of the ways customers really ask it",
)
def question_count(ctx: CheckContext) -> Iterator[Found]:
    """
    Counted per language: a translation (`translations: <lang>: questions:`) needs as
    many questions in its language as the source, none being the fewest (with a model
    not known to be multilingual, a translation with none is an error, RKB702).
    ```yaml
    questions: [hi]                          # policy.min_questions: 3
    ```
    Fix: add the ways customers really ask it (in that language, for a translation).
    """
    minimum = ctx.base.settings.policy.min_questions
    others = ctx.base.settings.languages[1:]
    # A translation with no questions at all is an error (RKB702) with a model that is
    # not known to be multilingual: its language's messages then rarely reach it.
    english_only = bool(others) and model_phrase(ctx) is not None
    for answer in ctx.base.answers:
        count = len(answer.questions)
        if count < minimum:
            yield Found(
                answer.source.locate("questions"),
                f"answer {answer.id!r} has {count} question{'s' if count != 1 else ''}; "
                f"the policy asks for at least {minimum}",
                answer=answer.id,
            )
        for language, translation in answer.translations.items():
            count = len(translation.questions)
            if language in others and count < minimum and (count or not english_only):
                yield Found(
                    answer.source.locate("translations", language, "questions"),
                    f"the {language_name(language)} translation of {answer.id!r} has {count} "
                    f"question{'s' if count != 1 else ''} in its language; the policy asks "
                    f"for at least {minimum} per language",
                    answer=answer.id,
                )


@policy.rule(
    "RKB603",
    "warning",
    "answer without tests",
    hint="add `tests:`, phrasings not in `questions:` that must match this answer",
)
def has_tests(ctx: CheckContext) -> Iterator[Found]:
    """
    ```yaml
    questions: [...]                         # and no `tests:`
    ```
    Fix: add `tests:`, phrasings not in `questions:` that must match this answer.
    """
    for answer in ctx.base.answers:
        if not answer.tests:
            yield Found(
                answer.source.locate("questions"),
                f"answer {answer.id!r} has no `tests:`",
                answer=answer.id,
            )


policy.declare(
    "RKB604",
    "warning",
    "ignore that accepts nothing",
    hint="remove the code from `check: ignore:`; the finding it accepted is gone",
    doc="""
    A code under `check: ignore:` (in replykb.yaml, or in an answer) that accepted no
    finding in this run, or that is not a code of `replykb check`: the problem was
    fixed, so the ignore would silently accept the next one.
    ```yaml
    check:
      ignore: [RKB403]                       # no RKB403 finding left in this answer
    ```
    Fix: remove the code from `check: ignore:`.
    """,
)

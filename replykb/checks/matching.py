"""RKB4xx: questions and matching, judged with the matcher's own decision
(:meth:`replykb.match.Matcher.decide_many`) over every question, test and
out-of-scope message at once."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

import numpy as np

from ..languages import language_name
from ..models import Answer, Location
from .registry import Family, Found

if TYPE_CHECKING:
    from .context import CheckContext

__all__ = ["held_out_findings", "matching", "out_of_scope_findings"]

matching = Family("matching", "RKB4xx", "questions and matching")

_BLOCK_ROWS = 1024


def _normalized_question(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).casefold()
    kept = "".join(" " if unicodedata.category(c).startswith("P") else c for c in folded)
    return " ".join(kept.split())


@matching.rule(
    "RKB401",
    "error",
    "same question under two answers",
    hint="keep the question under the one answer it belongs to",
)
def duplicate_questions(ctx: CheckContext) -> Iterator[Found]:
    """
    ```yaml
    # refund-timing.yaml:  - Where is my refund?
    # refund-status.yaml:  - where is my refund       (same after case, space, punctuation)
    ```
    Fix: keep the question under the one answer it belongs to.
    """
    # Per language (a translation's questions too): the same words in two languages
    # are not a duplicate.
    first: dict[tuple[str, str], tuple[Answer, str, Location]] = {}
    for answer, language, question, where in _questions(ctx):
        key = (language, _normalized_question(question))
        if not key[1]:
            continue
        if key in first and first[key][0].id != answer.id:
            other, other_question, other_where = first[key]
            yield Found(
                where,
                f"question {question!r} of {answer.id!r} is also a question of "
                f"{other.id!r} ({other_question!r})",
                answer=answer.id,
                related=[other_where],
            )
        first.setdefault(key, (answer, question, where))


def _questions(ctx: CheckContext) -> Iterator[tuple[Answer, str, str, Location]]:
    """Every question of every answer in every listed language (the rows the index
    holds: index.language_rows), and where it is."""
    from ..index import language_rows

    answers = {answer.id: answer for answer in ctx.base.answers}
    source = ctx.base.settings.language
    seen: dict[tuple[str, str], int] = {}
    for answer_id, question, language in language_rows(ctx.base):
        answer = answers[answer_id]
        place = seen[(answer_id, language)] = seen.get((answer_id, language), -1) + 1
        if language == source:
            where = answer.source.locate("questions", place)
        else:
            where = answer.source.locate("translations", language, "questions", place)
        yield answer, language, question, where


@matching.rule(
    "RKB402",
    "error",
    "questions of two answers too close to tell apart",
    hint="reword or remove one of the questions, or merge the two answers",
)
def question_conflicts(ctx: CheckContext) -> Iterator[Found]:
    """
    Cosine above `match.conflict_threshold` (default 0.95); both places are shown.
    ```yaml
    # refund-timing.yaml:  - when will I get my refund
    # refund-status.yaml:  - when do I get my refund
    ```
    Fix: reword or remove one, or merge the two answers.
    """
    if not ctx.base.answers:
        return
    threshold = ctx.base.settings.match.conflict_threshold
    reported: set[tuple[int, int]] = set()
    # Only questions that meet in one language's matcher compete.
    for language in ctx.base.settings.languages:
        matcher, full_rows = ctx.matcher_in(language)
        vectors, owner, size = matcher.index.vectors, matcher.index.row_answer, matcher.index.size
        full = np.arange(size) if full_rows is None else full_rows
        for start in range(0, size, _BLOCK_ROWS):
            block = slice(start, min(start + _BLOCK_ROWS, size))
            cosines = vectors[block] @ vectors.T
            rows = np.arange(block.start, block.stop)
            close = (cosines > threshold) & (owner[None, :] != owner[rows, None])
            close &= np.arange(size)[None, :] > rows[:, None]
            for i, j in zip(*np.nonzero(close), strict=True):
                first, second = int(full[rows[i]]), int(full[j])
                if (first, second) in reported:
                    continue  # the source rows of answers without the language: met before
                reported.add((first, second))
                text, other = ctx.question_text(second), ctx.question_text(first)
                if _normalized_question(text) == _normalized_question(other):
                    continue  # RKB401
                a, b = ctx.answer_of_row(first), ctx.answer_of_row(second)
                yield Found(
                    ctx.question_location(second),
                    f"question {text!r} of {b!r} and question {other!r} of {a!r} have cosine "
                    f"{cosines[i, j]:.3f}, above the conflict threshold {threshold}: the "
                    "matcher cannot tell them apart",
                    answer=b,
                    related=[ctx.question_location(first)],
                )


@matching.rule(
    "RKB403",
    "warning",
    "question that routes to another answer (leave-one-out)",
    hint="add phrasings like this one to its answer, or move it to the answer it matches",
)
def leave_one_out(ctx: CheckContext) -> Iterator[Found]:
    """
    Left out of its own answer, the question is matched confidently to another
    one: a customer who asks it a little differently gets the wrong answer.
    ```yaml
    # payment-methods.yaml:  - is my refund on its way yet
    ```
    Fix: move it to the answer it matches, or add phrasings like it to its own.
    """
    if not ctx.base.answers:
        return
    for language in ctx.base.settings.languages:
        yield from _left_out(ctx, language)


def _left_out(ctx: CheckContext, language: str) -> Iterator[Found]:
    """RKB403 for the questions in ``language``, each left out of the matcher a message
    in that language is matched with."""
    matcher, full_rows = ctx.matcher_in(language)
    index = matcher.index
    owner = index.row_answer
    sizes = matcher.ends - matcher.starts
    full = np.arange(index.size) if full_rows is None else full_rows
    mine = np.array([ctx.question_language(int(row)) == language for row in full], dtype=bool)
    rows = np.flatnonzero(mine & (sizes[owner] >= 2))  # an answer's only question cannot leave
    if not len(rows):
        return
    decided = matcher.decide_many(index.vectors[rows], leave_out=rows)
    threshold = ctx.base.settings.match.conflict_threshold
    for i, row in enumerate(rows.tolist()):
        other = int(decided.best[i])
        if other == owner[row] or not decided.confident[i]:
            continue
        nearest = int(decided.nearest_row[i])
        cosine = float(index.vectors[row] @ index.vectors[nearest])
        row, nearest = int(full[row]), int(full[nearest])
        text, near_text = ctx.question_text(row), ctx.question_text(nearest)
        if cosine > threshold or _normalized_question(text) == _normalized_question(near_text):
            continue  # reported as RKB402 / RKB401
        own, wrong = ctx.answer_of_row(row), index.answer_ids[other]
        yield Found(
            ctx.question_location(row),
            f"question {text!r} of {own!r}, left out of its answer, is matched to {wrong!r} "
            f"(score {decided.score[i]:.3f}; its nearest question there is {near_text!r}): "
            f"customers who ask it a little differently would get {wrong!r}",
            answer=own,
            related=[ctx.question_location(nearest)],
        )


@matching.rule(
    "RKB404",
    "error",
    "test phrasing not matched to its answer",
    hint="add questions close to this phrasing to the answer, or fix `tests:`",
)
def tests_match(ctx: CheckContext) -> Iterator[Found]:
    """
    A `tests:` phrasing that matches another answer, nothing, or is ambiguous (the
    message names the runner-up and both scores).
    ```yaml
    tests:
      - do you take Apple Pay or PayPal      # under refund-timing
    ```
    Fix: add questions close to it to the answer, or correct the test.
    """
    items = [
        (a, a.source.locate("tests", i), t) for a in ctx.base.answers for i, t in enumerate(a.tests)
    ]
    yield from held_out_findings(ctx, items, ctx.base.settings.language)


def held_out_findings(
    ctx: CheckContext, items: Sequence[tuple[Answer, Location, str]], language: str, label: str = ""
) -> Iterator[Found]:
    """RKB404's findings for test phrasings in ``language`` (answer, place, text), each
    matched as a message in that language is; RKB706 reports them for translations
    (``label`` names their language in messages)."""
    if not items:
        return
    settings = ctx.match_settings
    held = ctx.held_out_matches([t for _, _, t in items])
    for (answer, where, test), out in zip(items, held, strict=True):
        found = out.match
        if found.status == "confident" and found.answer_id == answer.id:
            continue
        if found.reason == "no-request":  # no candidates: it is never matched
            yield Found(
                where,
                f"{label}test {test!r} of {answer.id!r} asks nothing (only a greeting, "
                "thanks, a sign-off or a signature): such a message gets no answer",
                answer=answer.id,
            )
            continue
        top, score = found.candidates[0]
        related: list[Location] = []
        if found.status == "no_match":
            why = (
                f"matches nothing (best: {top!r} at {score:.3f}, below the threshold "
                f"{settings.threshold})"
            )
        elif found.status == "ambiguous":
            runner, runner_score = found.candidates[1]
            why = (
                f"is ambiguous: {top!r} at {score:.3f}, runner-up {runner!r} at "
                f"{runner_score:.3f}, within the margin {settings.margin}"
            )
        else:
            why = f"is matched to {top!r} (score {score:.3f})"
        if found.status != "no_match" and out.nearest_row is not None:
            related = [ctx.question_location(out.nearest_row)]
        yield Found(
            where,
            f"{label}test {test!r} of {answer.id!r} {why}{_read_as(out.language, language)}",
            answer=answer.id,
            related=related,
        )


def _read_as(used: str | None, language: str) -> str:
    """What a message's wording made the matcher read it as, when not its block's."""
    if used is None or used == language:
        return ""
    return f" (it reads as {language_name(used)}: matched against those questions)"


@matching.rule(
    "RKB405",
    "error",
    "out-of-scope message matches an answer",
    hint="make the matching question more specific, or raise `match.threshold`",
)
def out_of_scope(ctx: CheckContext) -> Iterator[Found]:
    """
    ```yaml
    out_of_scope:
      - when do I get my refund              # the base answers this
    ```
    Fix: make the matching question more specific or raise `match.threshold`.
    """
    where = ctx.base.settings_source
    messages = [
        (where.locate("out_of_scope", k), m) for k, m in enumerate(ctx.base.settings.out_of_scope)
    ]
    yield from out_of_scope_findings(ctx, messages, ctx.base.settings.language)


def out_of_scope_findings(
    ctx: CheckContext, messages: Sequence[tuple[Location, str]], language: str, label: str = ""
) -> Iterator[Found]:
    """RKB405's findings for out-of-scope messages in ``language`` (place, text), each
    matched as a message in that language is; RKB706 reports them for the base's other
    languages (``label`` names the language in messages)."""
    if not messages or not ctx.base.answers:
        return
    held = ctx.held_out_matches([m for _, m in messages])
    for (where, message), out in zip(messages, held, strict=True):
        found = out.match
        if found.status != "confident" or out.nearest_row is None:
            continue
        yield Found(
            where,
            f"{label}out-of-scope message {message!r} is matched to {found.answer_id!r} "
            f"(score {found.score:.3f}, nearest question "
            f"{ctx.question_text(out.nearest_row)!r}){_read_as(out.language, language)}",
            related=[ctx.question_location(out.nearest_row)],
        )

"""RKB1xx: templates (templates/, openings, answer texts) that do not compile or render."""

from __future__ import annotations

from collections.abc import Iterator, Set
from typing import TYPE_CHECKING

from ..languages import language_name
from .registry import Family, Found
from .sweep import sweep_answers
from .ticket_texts import detail_gaps, nameless_openings

if TYPE_CHECKING:
    from .context import CheckContext

__all__ = ["templates"]

templates = Family("templates", "RKB1xx", "templates")


@templates.rule(
    "RKB101", "error", "template does not compile", hint="fix the Jinja syntax at the line shown"
)
def template_syntax(ctx: CheckContext) -> Iterator[Found]:
    """
    ```yaml
    answer: Follow yours at {{ link }.      # unclosed `{{`
    ```
    Fix: the Jinja syntax at the line shown (templates in `templates/`, answer texts, openings).
    """
    static: set[tuple[str, int]] = set()
    for text in ctx.template_texts:
        if text.syntax_error is not None:
            where = text.line(text.syntax_line)
            static.add((where.file, where.line))
            yield Found(where, f"{text.what}: {text.syntax_error}", answer=text.answer)
    yield from _rendered(ctx, "RKB101", already=static)


@templates.rule(
    "RKB102",
    "error",
    "template fails to render",
    hint="use only the variables replykb provides (answer fields, brand, customer, agent, "
    "channel, opening, and body in channel templates)",
)
def template_variables(ctx: CheckContext) -> Iterator[Found]:
    """
    A name no reply defines, even in a branch no answer takes, or an attribute that
    fails for one agent only.
    ```yaml
    answer: It costs {{ price }}.           # `price` is not an answer field
    ```
    Fix: use only answer fields, `brand`, `customer`, `agent`, `channel`,
    `opening` (and `body` in channel templates).
    """
    static: set[tuple[str, int]] = set()
    for text in ctx.template_texts:
        for name in text.unknown:
            where = text.name_location(name)
            static.add((where.file, where.line))
            yield Found(
                where,
                f"{text.what} uses `{name}`, which no reply defines; known: "
                f"{', '.join(sorted(text.known))}",
                answer=text.answer,
            )
    # Rendering finds what reading cannot (an attribute one agent lacks).
    yield from _rendered(ctx, "RKB102", already=static)


@templates.rule(
    "RKB103",
    "error",
    "template exceeds a resource bound",
    hint="render less: a smaller `range()`, fewer loop rounds, shorter strings",
)
def template_bounds(ctx: CheckContext) -> Iterator[Found]:
    """
    Rendering stopped at one of the sandbox's bounds (the size of a `range()`, loop
    rounds, the length of a string, the render time): such a template would hang or
    exhaust memory when a reply is suggested.
    ```yaml
    answer: "{% for i in range(10**9) %}.{% endfor %}"   # a billion rounds
    ```
    Fix: render less; a reply needs no large loops or strings.
    """
    yield from _rendered(ctx, "RKB103")


@templates.rule(
    "RKB104",
    "warning",
    "opening reads badly without a customer name",
    hint="give the tone nameless forms under `anonymous_openings:` (same order as `openings:`)",
)
def nameless_opening(ctx: CheckContext) -> Iterator[Found]:
    """
    A customer with no name (none given, or only an @handle) gets a nameless opening.
    Every built-in one has its nameless form; a base's own openings do when the tone
    has `anonymous_openings:`, or openings that print no name. When every opening of a
    tone prints the name, replykb takes the name out with the punctuation that joined
    it, which may read badly; a nameless form that still uses `customer.name` is
    reported too. The message shows what the nameless customer reads.
    ```yaml
    openings:
      neutral: ["Gentile {{ customer.name }},"]    # nameless: "Gentile,"
    ```
    Fix: add `anonymous_openings: {neutral: ["Salve,"]}`, or an opening without the name.
    """
    for opening in nameless_openings(ctx):
        yield Found(
            opening.location,
            f"{opening.what}: a customer with no name reads {opening.reads!r} ({opening.why})",
        )


@templates.rule(
    "RKB105",
    "error",
    "answer prints a ticket detail with no fallback",
    hint="declare the detail under the answer's `details:` with a `fallback:`, or print it "
    "only inside `{% if details.<name> %}`",
)
def detail_without_fallback(ctx: CheckContext) -> Iterator[Found]:
    """
    An answer prints `{{ details.<name> }}` (outside `{% if details.<name> %}` and
    `| default(...)`) without declaring it with a `fallback:`. Without that detail
    in the request, no form of the answer can be sent and the reply only says what it
    needs (`needs_details`), so every ticket without it waits for an agent.
    ```yaml
    answer: Your order {{ details.order_id }} left our warehouse.
    details:
      order_id: {}                     # no fallback
    ```
    Fix: `order_id: {fallback: your order}`, or a `short:` that does without it.

    A translation's `answer:` and `short:` are read too (with the details as that
    language declares them), at the translation's lines; a detail declared without a
    fallback is reported once, at its `details:` line. A translation printing a detail
    whose fallback only the source language gives is RKB702.
    """
    seen: set[tuple[str, int, str]] = set()
    for language in ctx.base.settings.languages:
        for answer in sweep_answers(ctx, language):
            whose = (
                f"answer {answer.id!r}"
                if language == ctx.base.settings.language
                else f"the {language_name(language)} translation of {answer.id!r}"
            )
            for gap in detail_gaps(answer):
                place = (gap.location.file, gap.location.line, gap.name)
                if place in seen:
                    continue
                seen.add(place)
                where = " and ".join(f"`{key}:`" for key in gap.texts)
                problem = (
                    "declares it with no `fallback:`" if gap.declared else "does not declare it"
                )
                yield Found(
                    gap.location,
                    f"{whose} prints details.{gap.name} in {where} and {problem}: "
                    f"a ticket without it gets no reply",
                    answer=answer.id,
                )


def _rendered(
    ctx: CheckContext, code: str, *, already: Set[tuple[str, int]] = frozenset()
) -> Iterator[Found]:
    """What rendering every answer on every channel found under ``code``, but on the
    lines (file, line) that reading the templates ``already`` reported. Replies in the
    base's other languages too: a place reported in one language is not reported again."""
    seen = set(already)
    for problem in ctx.sweep.problems:
        where = (problem.location.file, problem.location.line)
        if problem.code == code and where not in already:
            seen.add(where)
            yield Found(
                problem.location, problem.message, answer=problem.answer, count=problem.count
            )
    for sweep in ctx.language_sweeps.values():
        for problem in sweep.problems:
            where = (problem.location.file, problem.location.line)
            if problem.code == code and where not in seen:
                seen.add(where)
                yield Found(
                    problem.location, problem.message, answer=problem.answer, count=problem.count
                )

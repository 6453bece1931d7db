"""RKB706: the tests and out-of-scope messages of the base's other languages, matched
as a message in that language is (its own questions first: LanguageMatchers), and
judged by RKB404's and RKB405's own findings."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..languages import language_name
from .languages import languages
from .matching import held_out_findings, out_of_scope_findings
from .registry import Found

if TYPE_CHECKING:
    from .context import CheckContext

__all__: list[str] = []


@languages.rule(
    "RKB706",
    "error",
    "test or out-of-scope message of a language routed wrongly",
    hint="add questions in that language close to the message to its answer, or fix the "
    "test; an out-of-scope message: make the matching questions more specific",
)
def language_routing(ctx: CheckContext) -> Iterator[Found]:
    """
    RKB404 and RKB405 in each language after the source: a translation's `tests:`
    phrasing matches another answer, nothing, or is ambiguous; or a message of
    `translations: <lang>: out_of_scope:` in replykb.yaml matches an answer. Each is
    matched as the triage core matches a message in that language: against that
    language's questions (and the source questions of answers without any in it).
    ```yaml
    translations:
      it:
        questions: [quando arriva il rimborso, ...]
        tests:
          - accettate PayPal?                # under refund-timing: matched to payment-methods
    ```
    Fix: add questions in that language close to the test to its answer (or correct
    the test); for an out-of-scope message, make the questions it matches more
    specific, or raise `match.threshold`.
    """
    if not ctx.base.answers:
        return
    settings, where = ctx.base.settings, ctx.base.settings_source
    for language in settings.languages[1:]:
        label = f"{language_name(language)} "
        items = [
            (answer, answer.source.locate("translations", language, "tests", i), test)
            for answer in ctx.base.answers
            if language in answer.translations
            for i, test in enumerate(answer.translations[language].tests)
        ]
        yield from held_out_findings(ctx, items, language, label)
        texts = settings.translations.get(language)
        messages = [
            (where.locate("translations", language, "out_of_scope", k), message)
            for k, message in enumerate(texts.out_of_scope if texts else ())
        ]
        yield from out_of_scope_findings(ctx, messages, language, label)

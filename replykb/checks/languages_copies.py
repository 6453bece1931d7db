"""RKB702's untranslated copies: a translation's text that is the source's, verbatim.

A translator (or a script) that pastes the source's `answer:` into `translations: it:`
and marks it current gives a translation that is "current" and complete, and every
Italian reply is half English. Compared on normalized words (case, whitespace and
punctuation ignored); short texts that are the same in every language (a URL, a
number, a brand name) are not copies: only texts of at least ``MIN_WORDS`` words of
letters (outside template spans, URLs and e-mail addresses) count.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..languages import language_name
from .registry import Found
from .template_texts import JINJA_SPANS

if TYPE_CHECKING:
    from .context import CheckContext

__all__ = ["MIN_WORDS", "untranslated_copies"]

# Fewer words of letters than this may well read the same in both languages
# ("PayPal", "Visa, Mastercard", "https://...", "24/7").
MIN_WORDS = 4

_WORD = re.compile(r"\w+")
# URLs and e-mail addresses are the same in every language: not words of the text.
_ADDRESS = re.compile(r"\b(?:[a-z][a-z0-9+.-]*://|www\.)\S+|\S+@\S+", re.I)


def _words(text: str) -> list[str]:
    """The text's words, casefolded, without template spans, URLs, e-mail addresses
    and punctuation."""
    text = _ADDRESS.sub(" ", JINJA_SPANS.sub(" ", text))
    return [word.casefold() for word in _WORD.findall(text)]


def is_copy(source: str, translated: str) -> bool:
    """Whether ``translated`` is ``source`` untranslated: the same words, of which at
    least ``MIN_WORDS`` are made of letters only."""
    words = _words(source)
    return words == _words(translated) and sum(w.isalpha() for w in words) >= MIN_WORDS


def untranslated_copies(ctx: CheckContext) -> Iterator[Found]:
    """A translation's `answer:` or `short:` that is the source's same text."""
    for answer in ctx.base.answers:
        for language, translation in answer.translations.items():
            if language not in ctx.base.settings.languages[1:]:
                continue  # RKB708
            name = language_name(language)
            for field in ("answer", "short"):
                source, translated = getattr(answer, field), getattr(translation, field)
                if not source or not translated or not is_copy(source, translated):
                    continue
                yield Found(
                    answer.source.locate("translations", language, field),
                    f"the {name} `{field}:` of {answer.id!r} is the source's text, not "
                    f"translated: {name} replies would say it in "
                    f"{language_name(ctx.base.settings.languages[0])}",
                    answer=answer.id,
                    hint=f"translate `translations: {language}: {field}:` of {answer.id!r} "
                    f"into {name}, then run `replykb translations --mark-current "
                    f"{answer.id} {language}`",
                )

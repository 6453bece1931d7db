"""Openings: which variant a reply opens with, and replies for customers with no name.

Each tone has several openings, picked by a stable hash of the conversation id, so a
conversation keeps its opening and different conversations vary. A customer with no
display name (no name given, or only an ``@handle``) is never addressed by a stand-in
such as "there": every built-in opening has a nameless form at the same place
(:data:`ANONYMOUS_OPENINGS`), and a base gives its own under ``anonymous_openings:``.
A base whose tone has openings but no nameless ones gets those of its variants that
print no name, and when every variant prints one, the chosen variant with the name
taken out (``replykb check`` warns about such openings: RKB104).

The name is taken out wherever a template printed it (an opening, an answer text, a
channel template): ``customer.name`` of a nameless customer prints as a private-use
mark (:data:`~replykb.render.names.ABSENT_NAME`), and :func:`elide_absent_name` removes
it with the punctuation that joined it: ``Sorry about this, {{ customer.name }}.`` ->
``Sorry about this.``; ``{{ customer.name }}, we're sorry.`` -> ``We're sorry.``.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Final

from ..models import Settings, Tone
from .names import ABSENT_NAME_MARK
from .phrases import PHRASES
from .texts import ReplyTexts, reply_texts

__all__ = [
    "ANONYMOUS_OPENINGS",
    "DEFAULT_OPENINGS",
    "OpeningChoice",
    "choose_opening",
    "drop_stop_after_name",
    "elide_absent_name",
    "prints_customer_name",
]

# The built-in English openings (:mod:`.phrases` holds every language's), kept under
# their old names for callers that read them.
DEFAULT_OPENINGS: Final[dict[Tone, tuple[str, ...]]] = PHRASES["en"].openings
ANONYMOUS_OPENINGS: Final[dict[Tone, tuple[str, ...]]] = PHRASES["en"].anonymous_openings


@dataclass(frozen=True)
class OpeningChoice:
    """The opening variant a reply uses: its Jinja source, the path in replykb.yaml of
    the list it comes from (``("openings",)``, ``("translations", "it", "openings")``...;
    ``None``: built in), its place in that list, its tone and language."""

    source: str
    origin: tuple[str, ...] | None
    index: int
    tone: Tone
    language: str = "en"


# `customer` (its name, or the view itself, which prints as the name) inside a Jinja tag.
_JINJA_TAG: Final = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S)
_CUSTOMER: Final = re.compile(r"(?<![\w.])customer(?!\s*\.\s*(?:handle|anonymous)\b)(?!\w)")


def prints_customer_name(source: str) -> bool:
    """Whether an opening's source uses the customer's name (``customer.name``, or
    ``customer`` itself, which prints as the name)."""
    return any(_CUSTOMER.search(tag.group()) for tag in _JINJA_TAG.finditer(source))


def choose_opening(
    settings: Settings,
    tone: Tone,
    *,
    anonymous: bool,
    conversation_id: str | None,
    language: str | None = None,
    texts: ReplyTexts | None = None,
) -> OpeningChoice:
    """The opening variant for a reply in ``tone`` and ``language`` (None: the base's
    source language) in this conversation.

    Named customers: the base's openings of the tone for the language (the top-level
    ``openings:`` for the source language, ``translations.<lang>.openings`` for the
    others), else the built-in ones of the language. Nameless customers: the base's
    anonymous openings of the tone for the language; else, when the base has openings
    of its own for the tone, those that print no name (all of them when every one does:
    the name is then taken out of the rendered text); else the built-in nameless forms.
    ``texts``: the language's texts when the caller has them (:func:`.texts.reply_texts`).
    """
    texts = texts or reply_texts(settings, language)
    named = texts.openings.get(tone)
    nameless = texts.anonymous_openings.get(tone)
    candidates: list[tuple[str, tuple[str, ...] | None, int]]
    if not anonymous:
        if named:
            candidates = [(text, named.origin, i) for i, text in enumerate(named.variants)]
        else:
            builtin = texts.builtin.openings[tone]
            candidates = [(text, None, i) for i, text in enumerate(builtin)]
    elif nameless:
        candidates = [(text, nameless.origin, i) for i, text in enumerate(nameless.variants)]
    elif named:
        all_named: list[tuple[str, tuple[str, ...] | None, int]] = [
            (text, named.origin, i) for i, text in enumerate(named.variants)
        ]
        candidates = [c for c in all_named if not prints_customer_name(c[0])] or all_named
    else:
        builtin = texts.builtin.anonymous_openings[tone]
        candidates = [(text, None, i) for i, text in enumerate(builtin)]
    # A stable hash (not Python's salted hash()) so a conversation keeps its opening
    # across processes and machines, and opens at the same place in every language.
    seed = f"{conversation_id or ''}\x00{tone}".encode()
    pick = int.from_bytes(hashlib.sha256(seed).digest()[:8], "big") % len(candidates)
    source, origin, index = candidates[pick]
    return OpeningChoice(source, origin, index, tone, texts.language)


# --- taking an absent name out ---------------------------------------------------------------

_MARK: Final = re.escape(ABSENT_NAME_MARK)
_GAP: Final = r"[ \t\u00a0\u202f]*"
# Where a sentence or a line starts: the text's start, a line break, an HTML tag.
_LINE_START: Final = r"(?:^|(?<=[\n>]))"
# Greetings a vocative follows after a comma ("¡Hola, Lucía, gracias", "Olá, Ana,
# obrigado"): without the name, the greeting keeps its comma ("Hola, gracias").
_GREETING: Final = (
    r"\b(?:[Hh]ola|[Oo]l[áa]|[Cc]iao|[Ss]alve|[Bb]onjour|[Ss]alut|[Hh]allo|[Hh]i|[Hh]ello|[Hh]ey)"
)
_RULES: Final = (
    # "Hola, M, gracias" -> "Hola, gracias"
    (re.compile(rf"({_GREETING}{_GAP}[,，]){_GAP}{_MARK}{_GAP}[,，]"), r"\1"),
    # "Thanks, M, for writing" -> "Thanks for writing"
    (re.compile(rf"{_GAP}[,，]{_GAP}{_MARK}{_GAP}[,，]"), ""),
    # "M, we're sorry" -> "we're sorry" (capitalised below); "M!" alone -> ""
    (re.compile(rf"{_LINE_START}{_GAP}{_MARK}{_GAP}[,，:;.!–—-]?{_GAP}"), "\x00"),
    # French typography, a space before high punctuation: "Bonjour M !" -> "Bonjour !",
    # "Désolés, M : ce" -> "Désolés : ce" (the space before the mark goes, not that one).
    (re.compile(rf"{_GAP}[,，]?{_GAP}{_MARK}(?=[ \u00a0\u202f][!?:;»])"), ""),
    # "Sorry about this, M." -> "Sorry about this."; "Hi M!" -> "Hi!"
    (
        re.compile(rf"{_GAP}[,，:;]?{_GAP}{_MARK}{_GAP}(?=[.!?…)\]\"”»’'<\n]|$)"),
        "",
    ),
    # "We're sorry, M: that's" -> "We're sorry: that's"
    (re.compile(rf"{_GAP}[,，]{_GAP}{_MARK}{_GAP}(?=[:;])"), ""),
    # "Hi M, thanks" -> "Hi, thanks"; anything else: the mark and the space before it.
    (re.compile(rf"{_GAP}{_MARK}"), ""),
)
_CAPITALISE: Final = re.compile(r"\x00(\W*)(\w?)")


def elide_absent_name(text: str) -> str:
    """``text`` with every printed absent name taken out, with the punctuation that
    joined it to the sentence; a sentence it started begins with a capital."""
    if ABSENT_NAME_MARK not in text:
        return text
    for pattern, replacement in _RULES:
        text = pattern.sub(replacement, text)
    return _CAPITALISE.sub(lambda m: m.group(1) + m.group(2).upper(), text)


# A name that ends its own sentence ("J.R.", "Alexandrovna…", "Alexandrovna...") before a
# template's full stop: `Thanks, {{ customer.name }}.` would read "J.R.." otherwise.
_ENDS_WITH_STOP: Final = re.compile(r"(?:\.|…)$")


def drop_stop_after_name(text: str, name: str) -> str:
    """``text`` without the full stop a template put right after ``name`` when the name
    already ends with one (or with an ellipsis, the shortening marker)."""
    if not name or not _ENDS_WITH_STOP.search(name):
        return text
    return text.replace(f"{name}.", name)

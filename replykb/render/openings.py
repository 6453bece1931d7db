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
from typing import Final, Literal

from ..models import Settings, Tone
from .names import ABSENT_NAME_MARK

__all__ = [
    "ANONYMOUS_OPENINGS",
    "DEFAULT_OPENINGS",
    "OpeningChoice",
    "choose_opening",
    "drop_stop_after_name",
    "elide_absent_name",
    "prints_customer_name",
]

# Every opening is a whole sentence, so the answer that follows reads well inline (X,
# SMS) as well as on a line of its own (e-mail).
DEFAULT_OPENINGS: dict[Tone, tuple[str, ...]] = {
    "neutral": (
        "Hi {{ customer.name }}!",
        "Hello {{ customer.name }}!",
        "Hi {{ customer.name }}, thanks for getting in touch.",
        "Hey {{ customer.name }}, thanks for the message.",
        "Thanks for reaching out, {{ customer.name }}.",
    ),
    "apology": (
        "Sorry about this, {{ customer.name }}.",
        "{{ customer.name }}, we're sorry for the trouble.",
        "Sorry to hear that, {{ customer.name }}.",
        "Apologies for this, {{ customer.name }}.",
        "We're sorry, {{ customer.name }}: that's not the experience we want for you.",
    ),
    "thanks": (
        "Thank you, {{ customer.name }}!",
        "Thanks so much, {{ customer.name }}!",
        "Thanks for letting us know, {{ customer.name }}!",
        "Thank you for taking the time, {{ customer.name }}.",
    ),
}

# The same openings for a customer with no name to address, at the same places, so a
# conversation keeps its opening: "Sorry about this, there." would read like a form.
ANONYMOUS_OPENINGS: dict[Tone, tuple[str, ...]] = {
    "neutral": (
        "Hi!",
        "Hello!",
        "Hi, thanks for getting in touch.",
        "Hey, thanks for the message.",
        "Thanks for reaching out.",
    ),
    "apology": (
        "Sorry about this.",
        "We're sorry for the trouble.",
        "Sorry to hear that.",
        "Apologies for this.",
        "We're sorry: that's not the experience we want for you.",
    ),
    "thanks": (
        "Thank you!",
        "Thanks so much!",
        "Thanks for letting us know!",
        "Thank you for taking the time.",
    ),
}
if any(len(ANONYMOUS_OPENINGS[t]) != len(v) for t, v in DEFAULT_OPENINGS.items()):
    raise AssertionError("every tone needs as many anonymous openings as named ones")

OpeningList = Literal["openings", "anonymous_openings"]


@dataclass(frozen=True)
class OpeningChoice:
    """The opening variant a reply uses: its Jinja source, the list of replykb.yaml it
    comes from (``None``: built in) and its place in that list."""

    source: str
    origin: OpeningList | None
    index: int
    tone: Tone


# `customer` (its name, or the view itself, which prints as the name) inside a Jinja tag.
_JINJA_TAG: Final = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S)
_CUSTOMER: Final = re.compile(r"(?<![\w.])customer(?!\s*\.\s*(?:handle|anonymous)\b)(?!\w)")


def prints_customer_name(source: str) -> bool:
    """Whether an opening's source uses the customer's name (``customer.name``, or
    ``customer`` itself, which prints as the name)."""
    return any(_CUSTOMER.search(tag.group()) for tag in _JINJA_TAG.finditer(source))


def choose_opening(
    settings: Settings, tone: Tone, *, anonymous: bool, conversation_id: str | None
) -> OpeningChoice:
    """The opening variant for a reply in ``tone`` in this conversation.

    Named customers: the base's ``openings:`` of the tone, else the built-in ones.
    Nameless customers: the base's ``anonymous_openings:`` of the tone; else, when the
    base has openings of its own for the tone, those that print no name (all of them
    when every one does: the name is then taken out of the rendered text); else the
    built-in nameless forms.
    """
    named = settings.openings.get(tone)
    candidates: list[tuple[str, OpeningList | None, int]]
    if not anonymous:
        if named:
            candidates = [(text, "openings", i) for i, text in enumerate(named)]
        else:
            candidates = [(text, None, i) for i, text in enumerate(DEFAULT_OPENINGS[tone])]
    elif settings.anonymous_openings.get(tone):
        own = settings.anonymous_openings[tone]
        candidates = [(text, "anonymous_openings", i) for i, text in enumerate(own)]
    elif named:
        all_named: list[tuple[str, OpeningList | None, int]] = [
            (text, "openings", i) for i, text in enumerate(named)
        ]
        candidates = [c for c in all_named if not prints_customer_name(c[0])] or all_named
    else:
        candidates = [(text, None, i) for i, text in enumerate(ANONYMOUS_OPENINGS[tone])]
    # A stable hash (not Python's salted hash()) so a conversation keeps its opening
    # across processes and machines.
    seed = f"{conversation_id or ''}\x00{tone}".encode()
    pick = int.from_bytes(hashlib.sha256(seed).digest()[:8], "big") % len(candidates)
    source, origin, index = candidates[pick]
    return OpeningChoice(source, origin, index, tone)


# --- taking an absent name out ---------------------------------------------------------------

_MARK: Final = re.escape(ABSENT_NAME_MARK)
_GAP: Final = r"[ \t\u00a0]*"
# Where a sentence or a line starts: the text's start, a line break, an HTML tag.
_LINE_START: Final = r"(?:^|(?<=[\n>]))"
_RULES: Final = (
    # "Thanks, M, for writing" -> "Thanks for writing"
    (re.compile(rf"{_GAP}[,，]{_GAP}{_MARK}{_GAP}[,，]"), ""),
    # "M, we're sorry" -> "we're sorry" (capitalised below); "M!" alone -> ""
    (re.compile(rf"{_LINE_START}{_GAP}{_MARK}{_GAP}[,，:;.!–—-]?{_GAP}"), "\x00"),
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

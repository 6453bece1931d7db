"""What templates see as ``details``: a ticket's details, their fallbacks, and holes.

``details.order_id`` is the ticket's value on a private channel; on a public channel,
and whenever the ticket does not have it, the fallback the answer declares. A detail
with neither prints a mark from a private-use plane (never in customer text, which is
cleaned of those), so the renderer sees the hole it would leave in a reply and never
sends one: it tries the answer's next form, or marks the reply as needing the detail
(``Reply.needs_details``). A detail the ticket does not give is false, fallback or not:
``{% if details.order_id %}`` asks whether the ticket has it.

Values are data: a template sees them as text, never renders them as Jinja; they are
cleaned like customer names (control characters as spaces, no format or bidi
controls) and bounded (:mod:`replykb.details`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final

from ..details import MAX_DETAIL_CHARS, MAX_DETAILS, DetailSpec, checked_details
from ..errors import MessageError
from .names import clean_customer_text

__all__ = ["DETAIL_MARKS", "DetailsView", "Fallback", "MissingDetail", "clean_details"]

# One mark per missing detail a render asks for; more than a reply could ever print.
_FIRST_MARK: Final = 0xF1B00
DETAIL_MARKS: Final = re.compile(f"[{chr(_FIRST_MARK)}-{chr(_FIRST_MARK + 0xFF)}]")


class Fallback(str):
    """What an answer says in place of a detail the ticket does not give."""

    __slots__ = ()

    def __bool__(self) -> bool:
        return False


class MissingDetail(str):
    """A detail the ticket does not have and the answer gives no fallback for."""

    __slots__ = ()

    def __bool__(self) -> bool:
        return False

    def __len__(self) -> int:
        return 0


def clean_details(details: object) -> dict[str, str]:
    """A request's details checked (:func:`replykb.details.checked_details`) and cleaned
    as customer text is; a :class:`MessageError` names what is wrong and the fix."""
    try:
        checked = checked_details(details)
    except ValueError as error:
        raise MessageError(f"`details` {error}") from None
    cleaned = {
        name: clean_customer_text(value, public=False, max_chars=MAX_DETAIL_CHARS)
        for name, value in checked.items()
    }
    return {name: value for name, value in cleaned.items() if value}


class DetailsView:
    """``details`` in a render context. Only subscripting is defined, so no detail name
    (``items``, ``keys``...) ever resolves to a method."""

    __slots__ = ("_fallbacks", "_marks", "_values")

    def __init__(
        self, values: Mapping[str, str], declared: Mapping[str, DetailSpec], *, public: bool
    ) -> None:
        # Public channels never show a ticket's details, only what the answer says
        # without them.
        self._values = {} if public else dict(values)
        self._fallbacks: dict[str, str] = {
            name: Fallback(spec.fallback)
            for name, spec in declared.items()
            if spec.fallback is not None
        }
        self._marks: dict[str, str] = {}

    def __getitem__(self, name: object) -> str:
        if not isinstance(name, str):
            raise KeyError(name)
        if name in self._values:
            return self._values[name]
        if name in self._fallbacks:
            return self._fallbacks[name]
        if name not in self._marks:
            if len(self._marks) > MAX_DETAILS * 4:
                raise KeyError(name)  # a template inventing names in a loop: undefined
            self._marks[name] = MissingDetail(chr(_FIRST_MARK + len(self._marks)))
        return self._marks[name]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name in self._values

    def holes(self, *texts: str | None) -> list[str]:
        """The missing details whose marks are in ``texts``, sorted."""
        found = {mark for text in texts if text for mark in DETAIL_MARKS.findall(text)}
        return sorted(name for name, mark in self._marks.items() if mark in found)

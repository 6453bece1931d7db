"""Ticket details: what an answer declares it needs, and what a request may give.

An answer names the details of the ticket it prints (``{{ details.order_id }}``) and
what to say without each::

    details:
      order_id:
        fallback: your order        # printed in its place when the ticket has none
        description: the order number, FH and 7 digits

Details are customer data, given per request (``kb.suggest(..., details={...})``,
``--detail order_id=FH1234567``): values only, never templates, bounded in number and
size. This module is a leaf (``models.py`` imports it): the declaration model, the
bounds and the check of a request's details.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any, Final

from pydantic import AfterValidator, BaseModel, ConfigDict

__all__ = [
    "DETAIL_NAME_PATTERN",
    "MAX_DETAILS",
    "MAX_DETAIL_CHARS",
    "DetailName",
    "DetailSpec",
    "checked_details",
    "whole_number_text",
]

# A detail's name is a Jinja attribute (`details.order_id`): no dashes.
DETAIL_NAME_PATTERN: Final = r"^[a-z][a-z0-9_]{0,39}$"
MAX_DETAILS: Final = 32
# Longer than any order number, tracking URL or delivery date.
MAX_DETAIL_CHARS: Final = 500

_NAME = re.compile(DETAIL_NAME_PATTERN)
# Longer than any order number or ticket id given as a number. Python's str() refuses
# integers over 4,300 digits with a ValueError that names sys.set_int_max_str_digits.
MAX_NUMBER_DIGITS: Final = 40


def whole_number_text(value: int) -> str:
    """A whole number given where text is expected (an id, a detail) as that text, or a
    ``ValueError`` that says to give it as text when it has over 40 digits."""
    if abs(value) >= 10**MAX_NUMBER_DIGITS:
        raise ValueError(
            f"is a number of more than {MAX_NUMBER_DIGITS} digits; give it as text, in quotes"
        )
    return str(value)


def _detail_name(value: str) -> str:
    if not _NAME.fullmatch(value):
        raise ValueError(
            f"{value!r} is not a detail name: use lowercase letters, digits and `_`, "
            "starting with a letter (e.g. order_id), so templates can write details.order_id"
        )
    return value


def _visible_text(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value


DetailName = Annotated[str, AfterValidator(_detail_name)]


class DetailSpec(BaseModel):
    """One ticket detail an answer uses: what to print without it, and what it is."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # Printed in the detail's place when the ticket does not have it (and on public
    # channels, which never show a ticket's details). Plain text, not Jinja.
    fallback: Annotated[str, AfterValidator(_visible_text)] | None = None
    # What the detail is, for the agents and helpdesk developers who supply it.
    description: str | None = None


def _kind(value: object) -> str:
    if value is None or isinstance(value, bool):
        return {None: "null", True: "true", False: "false"}[value]
    names = {int: "a number", float: "a number", str: "text", list: "a list", dict: "an object"}
    return names.get(type(value), type(value).__name__)


def checked_details(details: object) -> dict[str, str]:
    """A request's ticket details as text, or a ``ValueError`` that names the detail and
    the fix. ``None`` values (and blank texts) count as missing; whole numbers become
    text; anything else that is not text is refused, as are unknown-looking names,
    more than :data:`MAX_DETAILS` details and values over :data:`MAX_DETAIL_CHARS`."""
    if details is None:
        return {}
    if not isinstance(details, Mapping):
        raise ValueError(
            f"must be an object of detail names and values (order_id: FH1234567), "
            f"not {_kind(details)}"
        )
    if len(details) > MAX_DETAILS:
        raise ValueError(f"has {len(details)} details; at most {MAX_DETAILS} are accepted")
    checked: dict[str, str] = {}
    for name, value in details.items():
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            raise ValueError(
                f"{str(name)[:60]!r} is not a detail name: use lowercase letters, digits "
                "and `_`, starting with a letter, as the answer's `details:` declares it"
            )
        text = _detail_text(name, value)
        if text is not None:
            checked[name] = text
    return checked


def _detail_text(name: str, value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            value = whole_number_text(value)
        except ValueError as error:
            raise ValueError(f"`{name}` {error}") from None
    if not isinstance(value, str):
        raise ValueError(f"`{name}` must be text or a whole number, not {_kind(value)}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as error:
        raise ValueError(
            f"`{name}` is not valid Unicode text: a lone surrogate at character {error.start + 1}"
        ) from None
    if len(value) > MAX_DETAIL_CHARS:
        raise ValueError(
            f"`{name}` has {len(value):,} characters; a detail may have at most "
            f"{MAX_DETAIL_CHARS} (an order number, a tracking link, a date)"
        )
    return value if value.strip() else None

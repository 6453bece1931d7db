"""What preparing an e-mail returns: the text matched and what was removed from it.

A leaf (pydantic only): ``Suggestion.prepared`` in models.py holds one, without
importing the e-mail parser.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

StrippedKind = Literal["quote", "forward", "signature", "disclaimer"]


class StrippedPart(BaseModel):
    """A part of the e-mail that was not matched: what it was, and its text."""

    model_config = ConfigDict(frozen=True)

    kind: StrippedKind
    text: str


class PreparedText(BaseModel):
    """The text a message was matched on, and what was removed from it, in order.

    ``fell_back`` is true when the e-mail had no text of its own (a forward with no
    comment, a reply with nothing typed above the quote): ``text_used`` is then the
    message it carries (its subject and body), and ``note`` says so. An e-mail that
    carries no text either (only a signature: "Sent from my iPhone") has an empty
    ``text_used``, and ``note`` says so: it asks nothing (a ``no-request`` no_match).
    """

    model_config = ConfigDict(frozen=True)

    text_used: str
    stripped: list[StrippedPart] = Field(default_factory=list)
    fell_back: bool = False
    note: str | None = None

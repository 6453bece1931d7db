"""What the reply-language decision returns: a leaf (pydantic only), so that
``Suggestion.language`` in models.py holds one without importing the detector."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

# requested: the caller asked for it; detected: the detector was sure of the message's
# language; fallback-unsure: it was not (or the message holds no words), so the source
# language; fallback-single-language: the base has one language, nothing was detected.
LanguageReason = Literal["requested", "detected", "fallback-unsure", "fallback-single-language"]


class LanguageChoice(BaseModel):
    """The language a reply is written in, and why.

    ``language`` is the reply's; ``requested`` what the caller asked for (or ``None``);
    ``detected`` the base language the detector found most likely (``None`` when it
    did not run or found nothing) and ``confidence`` its probability among the base's
    languages; ``fallback`` is true when the reply is in the source language because
    the detector was unsure.
    """

    model_config = ConfigDict(frozen=True)

    language: str
    requested: str | None = None
    detected: str | None = None
    confidence: float | None = None
    fallback: bool = False
    reason: LanguageReason

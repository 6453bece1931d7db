"""What the reply-language decision returns: a leaf (pydantic only), so that
``Suggestion.language`` in models.py holds one without importing the detector."""

from __future__ import annotations

from typing import Final, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    SerializerFunctionWrapHandler,
    computed_field,
    model_serializer,
)

# requested: the caller asked for it. detected: the detector was sure of the message's
# language, one of the base's. matched: the detector was unsure, and the message was
# matched against each language's questions: the language whose questions gave the best
# decision. fallback-unsure: unsure, and no language's questions matched it: the source
# language. fallback-unsupported: the detector was sure of a language the base does not
# list: the source language, matched against the source's questions only.
# fallback-untranslated: the answer has no translation in the language chosen, so the
# reply is in the source language. fallback-single-language: the base has one language;
# nothing was detected.
LanguageReason = Literal[
    "requested",
    "detected",
    "matched",
    "fallback-unsure",
    "fallback-unsupported",
    "fallback-untranslated",
    "fallback-single-language",
]
# The reasons for which the reply is in the source language because the message's could
# not be used (a one-language base has nothing to fall back from).
FALLBACK_REASONS: Final[frozenset[LanguageReason]] = frozenset(
    {"fallback-unsure", "fallback-unsupported", "fallback-untranslated"}
)


class LanguageChoice(BaseModel):
    """The language a reply is written in, and why.

    ``language`` is the reply's; ``requested`` what the caller asked for (or ``None``);
    ``detected`` the language the detector found most likely among the base's and the
    built-in reply languages (``None`` when it did not run or found nothing) and
    ``confidence`` its probability; ``matched`` the language whose questions the
    message was matched against (``None`` on a one-language base: every question);
    ``fallback`` is true when the reply is in the source language because the language
    could not be used (unsure, not the base's, or the answer not translated): read from
    ``reason``, never given.
    """

    model_config = ConfigDict(frozen=True)

    language: str
    requested: str | None = None
    detected: str | None = None
    confidence: float | None = None
    matched: str | None = None
    reason: LanguageReason

    @computed_field  # type: ignore[prop-decorator]
    @property
    def fallback(self) -> bool:
        """Whether the reply is in the source language for want of the message's."""
        return self.reason in FALLBACK_REASONS

    # No return annotation: pydantic then keeps the model's own JSON schema (an
    # annotation would make it a bare object in /openapi.json).
    @model_serializer(mode="wrap")
    def _fallback_before_reason(self, handler: SerializerFunctionWrapHandler):  # type: ignore[no-untyped-def]
        """The JSON as it always was: ``fallback`` before ``reason`` (a computed field
        would come last), so /v1/suggest's body stays byte-identical."""
        data = handler(self)
        if isinstance(data, dict) and "reason" in data:
            data["reason"] = data.pop("reason")
        return data

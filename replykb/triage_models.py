"""Typed triage data: what every door (the API, batch files, the HTTP server) sends to
the triage core and gets back, and what observers are told.

Above models.py (it uses its Customer, Match, Reply and Suggestion); below kb.py.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from .details import checked_details, whole_number_text
from .errors import MessageError
from .models import SLUG_PATTERN, Customer, Match, MatchStatus, Reply, Suggestion
from .render.windows import moment


def unicode_problem(text: str) -> str | None:
    """Why ``text`` cannot be encoded as UTF-8 (a lone surrogate, from a JSON ``\\ud800``
    escape or bytes decoded with ``surrogateescape``), or ``None`` when it can."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        code = ord(text[error.start])
        return f"a lone surrogate (U+{code:04X}) at character {error.start + 1}"
    return None


def json_kind(value: object) -> str:
    """How a JSON value's type reads in an error: ``null``, ``true``, ``a number``, ``a list``."""
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    names = {int: "a number", float: "a number", str: "text", list: "a list", dict: "an object"}
    return names.get(type(value), type(value).__name__)


def _text(value: object) -> object:
    if not isinstance(value, str):
        raise ValueError(f"must be text, not {json_kind(value)}")
    if (problem := unicode_problem(value)) is not None:
        raise ValueError(f"is not valid Unicode text: {problem}")
    return value


def _text_or_whole_number(value: object) -> object:
    if isinstance(value, int) and not isinstance(value, bool):
        return whole_number_text(value)
    if not isinstance(value, str):
        raise ValueError(f"must be text or a whole number, not {json_kind(value)}")
    return _text(value)


def _customer(value: object) -> object:
    if value is None or isinstance(value, Customer):
        return value
    if isinstance(value, dict):
        return Customer.model_validate({key: _text(part) for key, part in value.items()})
    if not isinstance(value, str):
        raise ValueError(
            f"must be a name, an @handle or an object with `name` and `handle`, "
            f"not {json_kind(value)}"
        )
    return _text(value)


def _details(value: object) -> object:
    # The same check as Renderer.render's, so a bad detail fails here, on its field.
    return checked_details(value) or None


def _moment(value: object) -> object:
    # A datetime, ISO 8601 text or Unix seconds, always with a time zone (render/windows.py).
    return None if value is None else moment(value)


def _answer_id(value: str) -> str:
    # Only the form is checked: an id the current base lacks is kept (an answer removed
    # by a reload while the agent looked at it); `replykb usage` lists such ids.
    if len(value) > 200 or not re.fullmatch(SLUG_PATTERN, value):
        shown = repr(value[:60]) + ("..." if len(value) > 60 else "")
        raise ValueError(f"{shown} is not an answer id (lowercase letters, digits, - and _)")
    return value


RequestText = Annotated[str, BeforeValidator(_text)]
AnswerId = Annotated[str, BeforeValidator(_text), AfterValidator(_answer_id)]
RequestId = Annotated[str, BeforeValidator(_text_or_whole_number)]
# Who a reply is for and when: one rule per field for every request that carries them
# (TriageRequest here, the server's RenderRequest), so a rule changes for both at once.
CustomerField = Annotated[str | Customer | None, BeforeValidator(_customer)]
DetailsField = Annotated[dict[str, str] | None, BeforeValidator(_details)]
MomentField = Annotated[datetime | None, BeforeValidator(_moment)]


class TriageRequest(BaseModel):
    """One message to triage: the same fields whichever door it comes through."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    message: RequestText
    channel: RequestText
    agent: RequestText | None = None
    customer: CustomerField = None
    conversation_id: RequestId | None = None
    # The ticket's details the answer may print ({"order_id": "FH1234567"}).
    details: DetailsField = None
    # When the customer last wrote: the reply's window (WhatsApp 24 h, Messenger...).
    last_customer_message_at: MomentField = None
    # The reply's language, one of the base's `languages:`; None: detected from the
    # message when the base has several (README: "Languages").
    language: RequestText | None = None
    # Echoed in the result, for the caller to pair them: its own id, the input's line.
    id: RequestId | None = None
    line: int | None = Field(default=None, ge=1)


class TriageResult(BaseModel):
    """A triaged message: ``suggestion`` holds the match and the reply or alternatives."""

    model_config = ConfigDict(frozen=True)

    status: MatchStatus
    position: int  # in the items given to ``suggest_many``, from 0
    line: int | None = None
    id: str | None = None
    suggestion: Suggestion


class TriageFailure(BaseModel):
    """A message that could not be triaged: where it was, what went wrong, the fix.

    ``kind`` is the error's class (``MessageError``, ``UnknownNameError``,
    ``ReplyTooLongError``, ``DataError``...), ``field`` the request field at fault when
    one is, and ``match`` the match when it was made before the error (a reply that
    could not be rendered).
    """

    model_config = ConfigDict(frozen=True)

    status: Literal["error"] = "error"
    position: int
    line: int | None = None
    id: str | None = None
    error: str
    kind: str
    field: str | None = None
    match: Match | None = None


TriageOutcome = Annotated[TriageResult | TriageFailure, Field(discriminator="status")]


class SuggestTimings(BaseModel):
    """Seconds spent on one suggestion; a batch's encoding is shared out equally."""

    model_config = ConfigDict(frozen=True)

    encode: float
    match: float
    render: float

    @property
    def total(self) -> float:
        return self.encode + self.match + self.render


class SuggestEvent(BaseModel):
    """What an observer's ``on_suggest`` receives, once per suggestion made."""

    model_config = ConfigDict(frozen=True)

    request: TriageRequest
    suggestion: Suggestion
    timings: SuggestTimings
    at: datetime  # when the suggestion was made, UTC
    fingerprint: str | None = None  # of the answer base that made it

    @property
    def message(self) -> str:
        return self.suggestion.message

    @property
    def match(self) -> Match:
        return self.suggestion.match

    @property
    def reply(self) -> Reply | None:
        return self.suggestion.reply


# --- outcomes: what the agent did with a suggestion -------------------------------------

# sent as is / edited before sending / the wrong answer / no suggested answer used
OutcomeKind = Literal["sent", "edited", "wrong", "unused"]


class Feedback(BaseModel):
    """What an agent (or a helpdesk) did with a suggestion: ``KnowledgeBase.feedback``.

    ``answer_id`` is the answer that was suggested (``None`` after a ``no_match``; an
    id the current base lacks is accepted, see ``KnowledgeBase.feedback``);
    ``edited_text`` the text actually sent, required when ``outcome`` is ``edited``;
    ``used_answer_id`` the answer the agent used instead (``wrong``, ``unused``);
    ``message`` the customer's message, for when the suggestion itself was not logged;
    ``source`` the door it came through (``api``, ``console``, ``chatwoot``, ``batch``,
    ``library``).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    outcome: OutcomeKind
    channel: RequestText
    answer_id: AnswerId | None = None
    conversation_id: RequestId | None = None
    agent: RequestText | None = None
    edited_text: RequestText | None = None
    used_answer_id: AnswerId | None = None
    message: RequestText | None = None
    source: RequestText | None = None

    @model_validator(mode="after")
    def _edited_needs_its_text(self) -> Feedback:
        if self.outcome == "edited" and not (self.edited_text or "").strip():
            raise ValueError(
                "an `edited` outcome needs `edited_text`: the reply as the agent sent it"
            )
        return self


class FeedbackEvent(BaseModel):
    """What an observer's ``on_feedback`` receives, once per outcome reported."""

    model_config = ConfigDict(frozen=True)

    feedback: Feedback
    at: datetime  # when it was reported, UTC
    fingerprint: str | None = None  # of the answer base it was reported to


def read_feedback(value: Feedback | Mapping[str, Any]) -> Feedback:
    """``value`` as a :class:`Feedback`, or a :class:`MessageError` saying, in one
    sentence, every field at fault (as a request's errors do)."""
    if isinstance(value, Feedback):
        return value
    if not isinstance(value, Mapping):
        raise MessageError(
            f"feedback must be a Feedback or a mapping of its fields, not {type(value).__name__}"
        )
    try:
        return Feedback.model_validate(dict(value))
    except ValidationError as error:
        parts = []
        for detail in error.errors(include_url=False):
            where = ".".join(str(part) for part in detail["loc"])
            if detail["type"] == "missing":
                parts.append(f"no `{where}`")
            elif detail["type"] == "extra_forbidden":
                known = ", ".join(Feedback.model_fields)
                parts.append(f"unknown field `{where}` (known: {known})")
            elif detail["type"] == "literal_error":
                parts.append(f"`{where}` must be one of sent, edited, wrong, unused")
            else:
                message = detail["msg"].removeprefix("Value error, ")
                parts.append(f"`{where}` {message}" if where else message)
        raise MessageError("feedback: " + "; ".join(parts)) from None

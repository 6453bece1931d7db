"""What the usage log stores and gives back: one event per suggestion, one per outcome.

These are the log's rows as typed values, the same from every store (SQLite,
PostgreSQL); ``replykb usage`` and ``replykb gaps`` read them through
:meth:`UsageLog.suggestions` and :meth:`UsageLog.feedback`. Text is masked before it is
stored (masking.py), or absent when the team keeps no text (``log.keep_text: false``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from ..models import LanguageChoice, MatchStatus
from ..triage_models import OutcomeKind

Score = Annotated[float, Field(allow_inf_nan=False)]


class LoggedSuggestion(BaseModel):
    """One suggestion as the log holds it."""

    model_config = ConfigDict(frozen=True)

    at: datetime  # when it was made, UTC
    fingerprint: str  # of the answer base that made it
    channel: str
    status: MatchStatus
    answer_id: str | None  # the best candidate (None: no candidates)
    score: float | None  # the best candidate's score
    candidates: list[tuple[str, float]]  # (answer id, score), best first
    latency_ms: float  # encode + match + render
    conversation_id: str | None = None
    agent: str | None = None
    message: str | None = None  # masked; None when the team keeps no text
    # The reply's language (Suggestion.language) and why it was chosen; None on a
    # one-language base, and in events logged before replykb stored it.
    language: str | None = None
    language_reason: str | None = None


class LoggedFeedback(BaseModel):
    """One outcome as the log holds it."""

    model_config = ConfigDict(frozen=True)

    at: datetime  # when it was reported, UTC
    outcome: OutcomeKind
    channel: str
    answer_id: str | None = None  # the answer that was suggested
    used_answer_id: str | None = None  # the one the agent used instead
    edited_text: str | None = None  # masked; None when the team keeps no text
    conversation_id: str | None = None
    agent: str | None = None
    source: str | None = None  # api, console, chatwoot, batch, library
    message: str | None = None  # the customer's message when given (masked)
    fingerprint: str | None = None


def logged_language(choice: LanguageChoice | None) -> tuple[str | None, str | None]:
    """The reply language and its reason as the log keeps them: none on a one-language
    base, where nothing was chosen."""
    if choice is None or choice.reason == "fallback-single-language":
        return None, None
    return choice.language, choice.reason

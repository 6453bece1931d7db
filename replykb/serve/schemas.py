"""What the HTTP API takes and gives, for validation and for the OpenAPI schema.

Responses are the library's own models (Suggestion, Reply, TriageResult, Answer...),
serialised as ``model_dump(mode="json")``: the server adds no shape of its own to what
the library returns. The models here are the request bodies and the few answers that
only the server gives (lengths, answer summaries, readiness, reloads, errors).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ..triage_models import (
    CustomerField,
    DetailsField,
    MomentField,
    RequestId,
    RequestText,
    TriageOutcome,
    TriageRequest,
)

# --- request bodies -----------------------------------------------------------------


class SuggestRequest(TriageRequest):
    """``POST /v1/suggest``: one message, and how many candidates to keep (``k``).

    ``now`` is the moment the reply's window is judged at (default: the server's clock),
    for a reply that does not change from one call to the next. ``id`` and ``line``
    are accepted, as in a batch item, and not used.
    """

    k: int = 3
    now: datetime | None = None


class BatchRequest(BaseModel):
    """``POST /v1/suggest/batch``: items are triaged in order, each on its own; an item
    that cannot be triaged is a failure in its place and the others go on."""

    model_config = ConfigDict(extra="forbid")

    items: list[TriageRequest]
    k: int = 3
    now: datetime | None = None


class RenderRequest(BaseModel):
    """``POST /v1/render``: an answer rendered for a channel, as ``KnowledgeBase.render``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    answer_id: RequestText
    channel: RequestText
    agent: RequestText | None = None
    # The reply-context fields of TriageRequest, with its rules (triage_models.py);
    # declared here again (not inherited) to keep `answer_id` first, as `message` is there.
    customer: CustomerField = None
    conversation_id: RequestId | None = None
    details: DetailsField = None
    last_customer_message_at: MomentField = None
    now: MomentField = None
    # One of the base's `languages:` (default: the source language); 422 naming them else.
    language: RequestText | None = None


class LengthRequest(BaseModel):
    """``POST /v1/length``: a text measured as a channel's platform counts it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    text: RequestText = Field(description="The text as it would be sent (the console's draft).")
    channel: RequestText


# --- responses only the server gives -------------------------------------------------


class ErrorDetail(BaseModel):
    status: int
    # The library's error class (UnknownNameError, MessageError...) or the HTTP kind.
    kind: str
    message: str
    field: str | None = None


class ErrorResponse(BaseModel):
    error: ErrorDetail


class BatchResponse(BaseModel):
    results: list[TriageOutcome]


class LengthResponse(BaseModel):
    channel: str  # the channel's name (an alias resolved)
    length: int  # as the platform counts it (`unit`)
    limit: int | None
    unit: str  # the count rule: chars, graphemes, twitter, sms, mastodon, utf8
    over: int  # how far over the limit, 0 when it fits or there is none
    segments: int | None = None  # SMS channels: the segments it is sent as


class AnswerSummary(BaseModel):
    id: str
    title: str  # the answer's title, else its first question
    question: str  # its first question
    channels: list[str]  # the channels of the base it renders on (all of them)
    private: bool
    link: str | None = None
    tags: list[str] = Field(default_factory=list)


class LanguageEntry(BaseModel):
    code: str  # ISO 639-1, as `languages:` lists it
    name: str  # its English name ("Italian"), for a menu


class LanguagesResponse(BaseModel):
    """``GET /v1/languages``: the base's reply languages, the source language first."""

    source: str  # the language every answer has (the first of `languages:`)
    languages: list[LanguageEntry]


class HealthResponse(BaseModel):
    status: Literal["ok"] = "ok"


class ReadyResponse(BaseModel):
    # "not_ready" (HTTP 503) only while the usage log is so far behind that a suggestion
    # would wait for it (`not_ready` says so). Nothing else makes a started server unable
    # to answer: the base is loaded before the port accepts connections (a probe is
    # refused until then), and a failed reload leaves the previous base serving (so a
    # load balancer keeps the replica, and `reload_error` says what failed).
    status: Literal["ready", "not_ready"]
    not_ready: str | None = None
    fingerprint: str
    loaded_at: datetime
    answers: int
    # The model the base matches with (a tuned one when `replykb tune` made it).
    model: str
    # A reload is under way (the base above serves until it is done).
    reloading: bool = False
    # Whether a usage log is kept (not where: /readyz needs no token), events waiting
    # for its writer, and events lost to a store that kept failing since the start.
    usage_log: bool = False
    log_events_waiting: int = 0
    log_events_lost: int = 0
    # The last reload's failure while the previous base keeps serving; None once one works.
    reload_error: str | None = None
    reload_failed_at: datetime | None = None
    # Why messages are encoded by sentence-transformers, not the model's ONNX export
    # (slower); None when the export is used (KnowledgeBase.fast_path_problem).
    fast_path_problem: str | None = None


class ReloadResponse(BaseModel):
    # reloaded: the new base serves; unchanged: the files give the same base;
    # accepted: started, not waited for (?wait=false).
    status: Literal["reloaded", "unchanged", "accepted"]
    fingerprint: str
    loaded_at: datetime
    answers: int


class FeedbackResponse(BaseModel):
    recorded: bool  # false: no usage log is configured to keep it


# --- OpenAPI examples ----------------------------------------------------------------

SUGGEST_EXAMPLES = {
    "tweet": {
        "summary": "A tweet, signed by an agent",
        "value": {
            "message": "where is my refund?? been waiting 2 weeks",
            "channel": "x",
            "agent": "paola",
            "customer": "@marco_r",
            "conversation_id": "1700000000001",
        },
    },
    "email": {
        "summary": "An e-mail with the ticket's details",
        "value": {
            "message": "Hello, my parcel hasn't arrived yet. Order FH1234567. Thanks, Anna",
            "channel": "email",
            "agent": "sam",
            "customer": {"name": "Anna Bianchi"},
            "details": {"order_id": "FH1234567"},
            "k": 3,
        },
    },
    "fixed-time": {
        "summary": "Reply windows judged at a fixed time, for a repeatable reply",
        "value": {
            "message": "can I change my delivery address?",
            "channel": "sms",
            "last_customer_message_at": "2026-11-02T09:30:00Z",
            "now": "2026-11-02T10:00:00Z",
        },
    },
}
BATCH_EXAMPLES = {
    "two": {
        "summary": "Two messages, each with its own id",
        "value": {
            "items": [
                {"id": "t-1", "message": "how do I reset my password", "channel": "x"},
                {"id": "t-2", "message": "do you sell cars", "channel": "facebook"},
            ],
            "k": 3,
        },
    }
}
RENDER_EXAMPLES = {
    "sms": {
        "summary": "An answer on SMS",
        "value": {"answer_id": "reset-password", "channel": "sms", "agent": "paola"},
    }
}
LENGTH_EXAMPLES = {
    "x": {
        "summary": "A draft on X",
        "value": {"text": "Hi @marco_r, refunds take 5 days.", "channel": "x"},
    }
}
FEEDBACK_EXAMPLES = {
    "edited": {
        "summary": "The agent edited the reply before sending it",
        "value": {
            "outcome": "edited",
            "channel": "x",
            "answer_id": "refund-timing",
            "conversation_id": "1700000000001",
            "agent": "paola",
            "edited_text": "Hi Marco, your refund is on its way: 5 working days. ^Paola",
            "source": "api",
        },
    },
    "wrong": {
        "summary": "The suggested answer was wrong",
        "value": {"outcome": "wrong", "channel": "sms", "answer_id": "late-delivery"},
    },
}

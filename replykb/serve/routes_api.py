"""The /v1 routes: thin calls to the one triage core (KnowledgeBase) and its models.

Each route reads ``holder.current`` once, so a reload during the request changes
nothing in it. A body is checked for its shape by FastAPI (a JSON object) and for its
fields by the library itself where the library takes raw fields (suggest, batch,
feedback), so the server answers with the library's own words.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Request, Response, Security
from fastapi.security import HTTPAuthorizationCredentials
from pydantic import TypeAdapter, ValidationError, WithJsonSchema

from ..errors import MessageError, UnknownNameError
from ..languages import LANGUAGE_NAMES
from ..length import count_length, sms_segments
from ..models import Agent, Answer, Channel, Reply, Suggestion
from ..render.windows import aware_time
from ..triage_models import Feedback, TriageFailure, TriageOutcome, TriageResult, json_kind
from .errors import ApiError, describe_errors, validated
from .schemas import (
    BATCH_EXAMPLES,
    FEEDBACK_EXAMPLES,
    LENGTH_EXAMPLES,
    RENDER_EXAMPLES,
    SUGGEST_EXAMPLES,
    AnswerSummary,
    BatchResponse,
    ErrorResponse,
    FeedbackResponse,
    LanguageEntry,
    LanguagesResponse,
    LengthRequest,
    LengthResponse,
    RenderRequest,
)
from .security import bearer, check_token
from .state import BaseHolder, Loaded

logger = logging.getLogger(__name__)

# The most candidates a request may ask for: beyond this a reply is no more useful.
MAX_K = 100


async def require_token(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)],
) -> None:
    settings = request.app.state.settings
    check_token(settings.token, credentials, request.headers.get("authorization"))


def _errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    described = {
        400: "The body is not valid JSON.",
        401: "The server has a token and the request's is missing or wrong.",
        404: "No answer with that id.",
        413: "The body, the message or the batch is too large.",
        415: "The body is not sent as JSON (`Content-Type: application/json`).",
        422: "A field that cannot be used, or an unknown channel, agent or answer "
        "(the library's message).",
    }
    return {s: {"model": ErrorResponse, "description": described[s]} for s in statuses}


def _documented(model: str) -> WithJsonSchema:
    """A JSON object body shown in the OpenAPI schema as ``model`` (create_app adds it to
    the schema's components) and checked by the route itself, in the library's words."""
    return WithJsonSchema({"$ref": f"#/components/schemas/{model}"})


SuggestBody = Annotated[
    dict[str, Any], _documented("SuggestRequest"), Body(openapi_examples=SUGGEST_EXAMPLES)
]
BatchBody = Annotated[
    dict[str, Any], _documented("BatchRequest"), Body(openapi_examples=BATCH_EXAMPLES)
]
RenderBody = Annotated[
    dict[str, Any], _documented("RenderRequest"), Body(openapi_examples=RENDER_EXAMPLES)
]
LengthBody = Annotated[
    dict[str, Any], _documented("LengthRequest"), Body(openapi_examples=LENGTH_EXAMPLES)
]
FeedbackBody = Annotated[
    dict[str, Any], _documented("Feedback"), Body(openapi_examples=FEEDBACK_EXAMPLES)
]


router = APIRouter(prefix="/v1", dependencies=[Depends(require_token)], tags=["replies"])

_OUTCOMES: TypeAdapter[list[TriageOutcome]] = TypeAdapter(list[TriageOutcome])
_ANSWERS: TypeAdapter[list[AnswerSummary]] = TypeAdapter(list[AnswerSummary])
_CHANNELS: TypeAdapter[dict[str, Channel]] = TypeAdapter(dict[str, Channel])
_AGENTS: TypeAdapter[dict[str, Agent]] = TypeAdapter(dict[str, Agent])


def holder_of(request: Request) -> BaseHolder:
    holder: BaseHolder = request.app.state.holder
    return holder


def _json(content: bytes, status: int = 200) -> Response:
    return Response(content=content, status_code=status, media_type="application/json")


def _check_text(request: Request, value: object, field: str, where: str = "") -> None:
    limit: int = request.app.state.settings.max_message_chars
    if isinstance(value, str) and len(value) > limit:
        raise ApiError(
            413,
            f"{where}`{field}` has {len(value):,} characters, over this server's limit of "
            f"{limit:,}; a message is matched on its first 4,096 characters",
            kind="PayloadTooLarge",
            field=field,
        )


def _k_and_now(body: Mapping[str, Any]) -> tuple[Any, Any]:
    k = body.get("k", 3)
    if not isinstance(k, int) or isinstance(k, bool):
        # The library's wording, with the JSON name of what was sent (null, true, text).
        message = f"`k` must be a whole number of at least 1, not {json_kind(k)}"
        raise ApiError(422, message, kind="MessageError", field="k")
    if k > MAX_K:
        raise ApiError(422, f"`k` must be at most {MAX_K}, not {k}", kind="MessageError", field="k")
    now = body.get("now")
    # The library's own reading of a time, and its message for a bad one.
    return k, None if now is None else aware_time(now, "now")


def _log_suggestion(request: Request, loaded: Loaded, result: TriageResult) -> None:
    request.app.state.metrics.count_suggestion(result.suggestion.channel, result.status)
    if request.app.state.settings.log_messages:
        match = result.suggestion.match
        logger.info(
            "suggest on %s: %s %s (%.3f) for %r [base %s]",
            result.suggestion.channel,
            match.status,
            match.answer_id,
            match.score,
            # Masked as the usage log masks it: the server's log is personal data too.
            loaded.masker.mask(result.suggestion.message),
            loaded.fingerprint[:12],
        )


@router.post(
    "/suggest",
    response_model=Suggestion,
    responses=_errors(400, 401, 413, 415, 422),
    summary="Suggest the reply to one message",
)
def suggest(request: Request, body: SuggestBody) -> Response:
    """Match the message and render the reply for its channel: ``confident`` (``reply``),
    ``ambiguous`` (``alternatives``: a reply per close answer) or ``no_match`` (no
    reply; a person answers). Exactly what ``KnowledgeBase.suggest`` returns."""
    _check_text(request, body.get("message"), "message")
    k, now = _k_and_now(body)
    fields = {name: value for name, value in body.items() if name not in ("k", "now")}
    loaded = holder_of(request).current
    (outcome,) = loaded.kb.suggest_many([fields], k=k, now=now)
    if isinstance(outcome, TriageFailure):
        raise ApiError(422, outcome.error, kind=outcome.kind, field=outcome.field)
    _log_suggestion(request, loaded, outcome)
    return _json(outcome.suggestion.model_dump_json().encode("utf-8"))


@router.post(
    "/suggest/batch",
    response_model=BatchResponse,
    responses=_errors(400, 401, 413, 415, 422),
    summary="Suggest replies to many messages",
)
def suggest_batch(request: Request, body: BatchBody) -> Response:
    """Each item as ``/v1/suggest`` would answer it, in order; an item that cannot be
    triaged is a failure (``status: error``) in its place and the others go on."""
    items = body.get("items")
    if not isinstance(items, list):
        raise ApiError(
            422, "`items` must be a list of requests", kind="MessageError", field="items"
        )
    limit: int = request.app.state.settings.max_batch_items
    if len(items) > limit:
        raise ApiError(
            413,
            f"the batch has {len(items):,} items, over this server's limit of {limit:,}; "
            "send it in several requests",
            kind="PayloadTooLarge",
            field="items",
        )
    for position, item in enumerate(items):
        if isinstance(item, Mapping):
            _check_text(request, item.get("message"), "message", f"item {position}: ")
    unknown = sorted(set(body) - {"items", "k", "now"})
    if unknown:
        raise ApiError(
            422,
            f"unknown field `{unknown[0]}` (known: items, k, now)",
            kind="MessageError",
            field=unknown[0],
        )
    k, now = _k_and_now(body)
    loaded = holder_of(request).current
    results = list(loaded.kb.suggest_many(items, k=k, now=now))
    for result in results:
        if isinstance(result, TriageResult):
            _log_suggestion(request, loaded, result)
    return _json(b'{"results":' + _OUTCOMES.dump_json(results) + b"}")


@router.post(
    "/render",
    response_model=Reply,
    responses=_errors(400, 401, 413, 415, 422),
    summary="Render an answer for a channel",
)
def render(request: Request, body: RenderBody) -> Response:
    """The answer ``answer_id`` as ``KnowledgeBase.render`` gives it on ``channel``."""
    fields = validated(RenderRequest, body)
    kb = holder_of(request).current.kb
    reply = kb.render(
        fields.answer_id,
        channel=fields.channel,
        agent=fields.agent,
        customer=fields.customer,
        conversation_id=fields.conversation_id,
        details=fields.details,
        last_customer_message_at=fields.last_customer_message_at,
        now=fields.now,
        language=fields.language,
    )
    return _json(reply.model_dump_json().encode("utf-8"))


@router.post(
    "/length",
    response_model=LengthResponse,
    responses=_errors(400, 401, 413, 415, 422),
    summary="Count a text as a channel's platform counts it",
)
def length(request: Request, body: LengthBody) -> LengthResponse:
    """The length of ``text`` by the channel's count rule (X's weighted characters, SMS
    segments, UTF-8 bytes...), its limit and how far over it is."""
    _check_text(request, body.get("text"), "text")
    fields = validated(LengthRequest, body)
    kb = holder_of(request).current.kb
    name, spec = kb.renderer.channel(fields.channel)
    counted = count_length(fields.text, spec.count)
    return LengthResponse(
        channel=name,
        length=counted,
        limit=spec.limit,
        unit=spec.count,
        over=max(0, counted - spec.limit) if spec.limit is not None else 0,
        segments=sms_segments(fields.text) if spec.count == "sms" else None,
    )


@router.get("/answers", response_model=list[AnswerSummary], responses=_errors(401))
def answers(request: Request) -> Response:
    """Every answer of the base, sorted by id: its title (or first question), whether it
    is private, its link and tags."""
    kb = holder_of(request).current.kb
    channels = list(kb.settings.channels)
    summaries = [
        AnswerSummary(
            id=answer.id,
            title=answer.title or answer.questions[0],
            question=answer.questions[0],
            channels=channels,
            private=answer.private,
            link=answer.link,
            tags=answer.tags,
        )
        for answer in kb.answers
    ]
    return _json(_ANSWERS.dump_json(summaries))


@router.get("/answers/{answer_id}", response_model=Answer, responses=_errors(401, 404))
def answer(request: Request, answer_id: str) -> Response:
    """One answer, as the base holds it (questions, answer, short form, facts...)."""
    kb = holder_of(request).current.kb
    try:
        found = kb.base.answer(answer_id)
    except UnknownNameError as error:
        raise ApiError.from_library(error, 404) from None
    return _json(found.model_dump_json().encode("utf-8"))


@router.get("/channels", response_model=dict[str, Channel], responses=_errors(401))
def channels(request: Request) -> Response:
    """The base's channels: limit, count rule, format, public or private, windows."""
    kb = holder_of(request).current.kb
    return _json(_CHANNELS.dump_json(dict(kb.settings.channels)))


@router.get("/agents", response_model=dict[str, Agent], responses=_errors(401))
def agents(request: Request) -> Response:
    """The agents who sign replies: display name and signature per channel."""
    kb = holder_of(request).current.kb
    return _json(_AGENTS.dump_json(dict(kb.settings.agents)))


@router.get(
    "/languages",
    response_model=LanguagesResponse,
    responses=_errors(401),
    summary="The languages replies can be written in",
)
def languages(request: Request) -> LanguagesResponse:
    """The languages replies can be written in (the base's `languages:`), the source
    language first, each with its English name: what `language` in a suggest or render
    request may be."""
    settings = holder_of(request).current.kb.settings
    return LanguagesResponse(
        source=settings.languages[0],
        languages=[
            LanguageEntry(code=code, name=LANGUAGE_NAMES.get(code, code))
            for code in settings.languages
        ],
    )


@router.post(
    "/feedback",
    status_code=202,
    response_model=FeedbackResponse,
    responses=_errors(400, 401, 413, 415, 422),
    summary="Say what the agent did with a suggestion",
)
def feedback(request: Request, body: FeedbackBody) -> FeedbackResponse:
    """Sent as is, edited, wrong answer, or unused: checked by ``KnowledgeBase.feedback``
    and kept by the usage log when the server has one (``recorded``)."""
    _check_text(request, body.get("edited_text"), "edited_text")
    _check_text(request, body.get("message"), "message")
    kb = holder_of(request).current.kb
    try:
        kb.feedback({"source": "api", **body})
    except ValidationError as error:
        message, field = describe_errors(error.errors(include_url=False))
        raise ApiError(422, message, kind="MessageError", field=field) from None
    except UnknownNameError as error:
        failed = ApiError.from_library(error)
        if error.kind == "answer" and body.get("answer_id") != error.name:
            failed.field = "used_answer_id"
        raise failed from None
    except MessageError as error:
        raise ApiError.from_library(error, fields=Feedback.model_fields) from None
    return FeedbackResponse(recorded=kb.records_feedback)

"""Every error as JSON: ``{"error": {"status", "kind", "message", "field"}}``.

A library error (:class:`ReplyKBError`) keeps the library's message word for word; a
request the server cannot read says which field and why, in the library's wording;
anything unexpected is a 500 whose body says only "internal error, see the server
log" (the traceback goes to the server's log, never to a client).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from http import HTTPStatus
from typing import Any, TypeVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..errors import MessageError, ReplyKBError, UnknownNameError

logger = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)

INTERNAL_ERROR = "internal error, see the server log"

# The request field an unknown name came from.
_UNKNOWN_FIELDS = {"channel": "channel", "agent": "agent", "answer": "answer_id"}

# The same wording as the library's for a request without them (triage.py).
_MISSING = {
    "message": "no `message`: there is nothing to match",
    "channel": "no `channel`: name the channel the message came from (x, sms, email...)",
}


class ApiError(Exception):
    """An error the server answers with: its status, kind, message and field."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        kind: str | None = None,
        field: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.kind = kind or _http_kind(status)
        self.field = field
        self.headers = dict(headers or {})

    @classmethod
    def from_library(
        cls, error: ReplyKBError, status: int = 422, *, fields: Iterable[str] = ()
    ) -> ApiError:
        """The library's error as is; ``field`` from an unknown name's kind, or the first
        of ``fields`` the message names in backquotes ("`k` must be...", "feedback: an
        `edited` outcome needs `edited_text`")."""
        field = None
        if isinstance(error, UnknownNameError):
            field = _UNKNOWN_FIELDS.get(error.kind, error.kind)
        elif isinstance(error, MessageError):
            known = set(fields)
            named = [
                name for name in re.findall(r"`(\w+)`", str(error)) if not known or name in known
            ]
            field = named[0] if named else None
        return cls(status, str(error), kind=type(error).__name__, field=field)


def _http_kind(status: int) -> str:
    """``NotFound``, ``MethodNotAllowed``, ``Unauthorized``... from the status code."""
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        return "HTTPError"
    return "".join(word.capitalize() for word in phrase.replace("-", " ").split())


def error_body(
    status: int, kind: str, message: str, field: str | None = None
) -> dict[str, dict[str, Any]]:
    return {"error": {"status": status, "kind": kind, "message": message, "field": field}}


def error_response(error: ApiError) -> JSONResponse:
    return JSONResponse(
        error_body(error.status, error.kind, error.message, error.field),
        status_code=error.status,
        headers=error.headers or None,
    )


def describe_errors(
    errors: Sequence[Mapping[str, Any]], model: type[BaseModel] | None = None
) -> tuple[str, str | None]:
    """Pydantic's errors as one sentence in the library's wording, and the first field
    at fault: "no `channel`: ...", "`customer` must be a name...", "unknown field `x`"."""
    parts: list[str] = []
    fields: list[str] = []
    for detail in errors:
        location = [str(part) for part in detail.get("loc", ()) if part != "body"]
        where = ".".join(location)
        if location:
            fields.append(location[0])
        kind = detail.get("type")
        if kind == "missing":
            parts.append(_MISSING.get(where, f"no `{where}`"))
        elif kind == "extra_forbidden":
            known = f" (known: {', '.join(model.model_fields)})" if model is not None else ""
            parts.append(f"unknown field `{where}`{known}")
        else:
            text = str(detail.get("msg", "is not valid")).removeprefix("Value error, ")
            parts.append(f"`{where}` {text[:1].lower()}{text[1:]}" if where else text)
    return "; ".join(parts) or "the request is not valid", (fields[0] if fields else None)


def validated(model: type[M], body: Mapping[str, Any]) -> M:
    """``body`` as ``model``, or a 422 naming the field at fault."""
    try:
        return model.model_validate(dict(body))
    except ValidationError as error:
        message, field = describe_errors(error.errors(include_url=False), model)
        raise ApiError(422, message, kind="MessageError", field=field) from None


def _request_error(errors: Iterable[Mapping[str, Any]]) -> ApiError:
    errors = list(errors)
    for detail in errors:
        if detail.get("type") == "json_invalid":
            reason = (detail.get("ctx") or {}).get("error", "")
            where = detail.get("loc", ("body", 0))[-1]
            at = f" at character {where + 1}" if isinstance(where, int) else ""
            return ApiError(
                400, f"the body is not valid JSON{at}: {reason}".rstrip(": "), kind="InvalidJSON"
            )
    for detail in errors:
        if [part for part in detail.get("loc", ()) if part != "body"] == [] and detail.get(
            "type"
        ) in ("dict_type", "model_attributes_type", "missing"):
            return ApiError(
                422,
                "the body must be a JSON object, such as "
                + json.dumps({"message": "where is my refund?", "channel": "x"}),
                kind="MessageError",
            )
    message, field = describe_errors(errors)
    return ApiError(422, message, kind="MessageError", field=field)


def _unparsable(cause: BaseException) -> ApiError:
    if isinstance(cause, UnicodeDecodeError):
        reason = (
            f"it is not UTF-8 text (byte {cause.start + 1} is {cause.object[cause.start]:#04x})"
        )
    elif isinstance(cause, RecursionError):
        reason = "it is nested too deeply"
    elif isinstance(cause, ValueError):
        # An integer of more digits than Python converts (4,300), among others.
        reason = str(cause).split(";")[0]
    else:
        reason = "it cannot be read"
    return ApiError(400, f"the body is not valid JSON: {reason}", kind="InvalidJSON")


def install_error_handlers(app: FastAPI) -> None:
    """Every error the app can meet, answered as JSON."""

    async def on_api_error(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, ApiError)
        return error_response(error)

    async def on_library_error(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, ReplyKBError)
        return error_response(ApiError.from_library(error))

    async def on_validation(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, RequestValidationError)
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media and media != "application/json" and not media.endswith("+json"):
            # FastAPI reads only JSON bodies as JSON: `curl -d` alone sends a form type.
            return error_response(
                ApiError(
                    415,
                    f"the body must be JSON, sent with `Content-Type: application/json` "
                    f"(curl: -H 'content-type: application/json'), not {media:.80}",
                )
            )
        return error_response(_request_error(error.errors()))

    async def on_http(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, StarletteHTTPException)
        message = {
            404: f"no route {request.url.path}; see /docs for the API",
            405: f"{request.method} is not allowed on {request.url.path}",
        }.get(error.status_code, str(error.detail))
        if error.status_code == 400 and error.__cause__ is not None:
            # FastAPI's "There was an error parsing the body", for what json.loads
            # raises besides a syntax error: say which.
            return error_response(_unparsable(error.__cause__))
        headers = dict(error.headers or {})
        return error_response(ApiError(error.status_code, message, headers=headers))

    async def on_unexpected(request: Request, error: Exception) -> JSONResponse:
        # The traceback goes to the server's log (uvicorn logs the exception re-raised
        # after this response); the client learns only that it happened.
        logger.error(
            "internal error on %s %s: %s", request.method, request.url.path, type(error).__name__
        )
        return JSONResponse(error_body(500, "InternalError", INTERNAL_ERROR), status_code=500)

    app.add_exception_handler(ApiError, on_api_error)
    app.add_exception_handler(ReplyKBError, on_library_error)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(Exception, on_unexpected)

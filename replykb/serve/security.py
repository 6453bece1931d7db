"""Safe by default: the bearer token, CORS only for listed origins, the body limit."""

from __future__ import annotations

import hmac
import json
from typing import TYPE_CHECKING

from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import ApiError, error_body

if TYPE_CHECKING:
    from fastapi import FastAPI

    from .settings import ServerSettings

# auto_error=False: a missing token is answered by require_token, as JSON like every
# other error, rather than by FastAPI's own 403.
bearer = HTTPBearer(
    auto_error=False,
    description="`Authorization: Bearer <token>`, when the server runs with --token.",
)
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="replykb"'}
# How much of a refused body is read (and dropped) before answering 413.
DRAIN_BYTES = 1_048_576


def token_matches(given: str, expected: str) -> bool:
    """Constant-time comparison: the time taken says nothing about how much matched."""
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def check_token(
    expected: str | None,
    credentials: HTTPAuthorizationCredentials | None,
    authorization: str | None = None,
) -> None:
    """Nothing without a server token; else the request's bearer token must match it.
    ``authorization`` is the raw header, to tell a missing token from one sent another
    way (``Basic ...``, or the token alone)."""
    if expected is None:
        return
    if credentials is None:
        sent = authorization is not None and authorization.strip() != ""
        raise ApiError(
            401,
            "send the token as `Authorization: Bearer <token>`"
            if sent
            else "this server needs a token: send `Authorization: Bearer <token>`",
            kind="Unauthorized",
            headers=_CHALLENGE,
        )
    if credentials.scheme.lower() != "bearer" or not token_matches(
        credentials.credentials, expected
    ):
        raise ApiError(
            401,
            "the token is wrong: send the token the server was started with",
            kind="Unauthorized",
            headers={"WWW-Authenticate": 'Bearer realm="replykb", error="invalid_token"'},
        )


class BodyLimit:
    """413 for a body over ``limit`` bytes, whether it declares its length or is sent in
    chunks without one: the body is read up to the limit before the app sees it, so a
    client cannot make the server hold more than ``limit`` bytes of one request."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.limit + DRAIN_BYTES:
            await self._refuse(send)
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                # The client went away: let the app see it.
                chunks = []
                await self.app(scope, _replay([message], receive), send)
                return
            body = message.get("body", b"")
            size += len(body)
            more = message.get("more_body", False)
            if size > self.limit:
                await _drain(receive, more, DRAIN_BYTES - (size - self.limit))
                await self._refuse(send)
                return
            chunks.append(body)
        replay: Message = {"type": "http.request", "body": b"".join(chunks), "more_body": False}
        await self.app(scope, _replay([replay], receive), send)

    async def _refuse(self, send: Send) -> None:
        body = json.dumps(
            error_body(
                413,
                "PayloadTooLarge",
                f"the request body is over {self.limit:,} bytes; send less (a batch in "
                "several requests), or start the server with a larger --max-body-bytes",
            )
        ).encode("utf-8")
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    # The rest of the body is not read: the connection cannot be reused.
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


async def _drain(receive: Receive, more: bool, budget: int) -> None:
    """Read and drop the rest of a refused body, up to ``budget`` bytes: a server that
    closes while the client is still sending makes the client's system reset the
    connection, and the client never sees the 413 (a body far over the limit is cut
    off anyway)."""
    while more and budget > 0:
        message = await receive()
        if message["type"] != "http.request":
            return
        budget -= len(message.get("body", b""))
        more = message.get("more_body", False)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _replay(messages: list[Message], receive: Receive) -> Receive:
    pending = list(messages)

    async def replayed() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replayed


class JsonCORS(CORSMiddleware):
    """Starlette's CORS, with a refused preflight answered as JSON like every error."""

    def preflight_response(self, request_headers: Headers) -> Response:
        response = super().preflight_response(request_headers)
        if response.status_code != 400:
            return response
        refused = bytes(response.body).decode("utf-8", "replace")  # "Disallowed CORS origin"
        headers = {k: v for k, v in response.headers.items() if k.lower().startswith("access-")}
        body = error_body(400, "CORSRefused", f"{refused}; see --cors-origin")
        return JSONResponse(body, status_code=400, headers=headers)


def install_security(app: FastAPI, settings: ServerSettings) -> None:
    """CORS (only when origins are listed) and the body limit, as ASGI middleware."""
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    if settings.cors_origins:
        app.add_middleware(
            JsonCORS,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=["Authorization", "Content-Type"],
            max_age=600,
        )

"""HEAD answered like GET without the body: uptime monitors, load balancers and
``curl -I`` probe with HEAD, and every GET route should answer them (FastAPI routes
list GET alone, so HEAD would be 405)."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class HeadAsGet:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                # The headers (Content-Length included) are the GET's; no body bytes.
                message = {**message, "body": b""}
            await send(message)

        # In place: the metrics around it read the method before and the route after.
        scope["method"] = "GET"
        await self.app(scope, receive, headers_only)

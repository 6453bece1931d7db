"""Routes for operating the server: liveness, readiness, metrics, reload, the console."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import FileResponse, HTMLResponse

from .errors import ApiError
from .metrics import CONTENT_TYPE
from .routes_api import holder_of, require_token
from .schemas import ErrorResponse, HealthResponse, ReadyResponse, ReloadResponse
from .state import Loaded

router = APIRouter(tags=["operations"])

# How long POST /v1/reload waits for the load before answering 202 (still loading).
RELOAD_WAIT_SECONDS = 300.0


@router.get("/healthz", response_model=HealthResponse)
async def healthz() -> HealthResponse:
    """The process is alive (it answers without touching the base)."""
    return HealthResponse()


@router.get(
    "/readyz",
    response_model=ReadyResponse,
    responses={
        503: {
            "model": ReadyResponse,
            "description": "Not ready: suggestions would wait for the usage log (`not_ready`).",
        }
    },
)
async def readyz(request: Request, response: Response) -> ReadyResponse:
    """The base being served: its fingerprint, when it was loaded, how many answers, the
    model, the usage log. 503 while the usage log is so far behind that suggestions
    wait for it. A reload that failed shows in ``reload_error`` while the previous base
    goes on serving (still ready: the replica answers as before). Before the base is
    loaded the port accepts no connection, so there is no "loading" answer to give."""
    holder = holder_of(request)
    loaded = holder.current
    failure = holder.failure
    log = loaded.kb.usage_log
    not_ready = log.behind if log is not None else None
    if not_ready is not None:
        response.status_code = 503
    return ReadyResponse(
        status="ready" if not_ready is None else "not_ready",
        not_ready=not_ready,
        fingerprint=loaded.fingerprint,
        loaded_at=loaded.loaded_at,
        answers=len(loaded.kb.answers),
        model=loaded.kb.index.model_id,
        reloading=holder.reloading,
        usage_log=log is not None,
        log_events_waiting=log.waiting if log is not None else 0,
        log_events_lost=log.dropped if log is not None else 0,
        reload_error=failure.error if failure is not None else None,
        reload_failed_at=failure.at if failure is not None else None,
        fast_path_problem=loaded.kb.fast_path_problem,
    )


@router.get(
    "/metrics",
    dependencies=[Depends(require_token)],
    response_class=Response,
    responses={
        200: {"content": {CONTENT_TYPE.split(";")[0]: {}}, "description": "Prometheus text."},
        401: {"model": ErrorResponse, "description": "Missing or wrong token."},
    },
)
async def metrics(request: Request) -> Response:
    """Requests by route, method and status; latency; suggestions by channel and
    status; reloads by result; the base's answers (Prometheus text format)."""
    return Response(request.app.state.metrics.exposition(), media_type=CONTENT_TYPE)


def _reloaded(status: str, loaded: Loaded) -> ReloadResponse:
    return ReloadResponse(
        status=status,  # type: ignore[arg-type]
        fingerprint=loaded.fingerprint,
        loaded_at=loaded.loaded_at,
        answers=len(loaded.kb.answers),
    )


@router.post(
    "/v1/reload",
    dependencies=[Depends(require_token)],
    response_model=ReloadResponse,
    responses={
        202: {"model": ReloadResponse, "description": "Started, not waited for."},
        401: {"model": ErrorResponse, "description": "Missing or wrong token."},
        422: {
            "model": ErrorResponse,
            "description": "The new base does not load; the old one goes on serving.",
        },
    },
)
def reload(
    request: Request,
    response: Response,
    wait: Annotated[bool, Query(description="Wait for the load and say how it went.")] = True,
) -> ReloadResponse:
    """Load the base's files again and swap the new base in (requests in flight finish
    on the old one). A base that does not load leaves the old one serving: 422 with
    the library's message, also shown by /readyz."""
    holder = holder_of(request)
    ticket = holder.request_reload()
    outcome = holder.wait(ticket, RELOAD_WAIT_SECONDS) if wait else None
    if outcome is None:
        response.status_code = 202
        return _reloaded("accepted", holder.current)
    if outcome.result == "failed":
        raise ApiError(
            422,
            outcome.error or "the base does not load",
            kind=outcome.kind or "AnswerBaseError",
        )
    return _reloaded(outcome.result, outcome.serving)


@router.get("/", response_class=HTMLResponse, responses={404: {"model": ErrorResponse}})
async def console(request: Request) -> Response:
    """The agent console (one page, no build step)."""
    page = request.app.state.settings.static_dir / "index.html"
    if not page.is_file():
        raise ApiError(404, "the console page is not installed (replykb/serve/static/index.html)")
    return FileResponse(page, media_type="text/html")

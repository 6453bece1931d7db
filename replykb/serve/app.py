"""``create_app``: one ASGI app over a base holder, with no global state, so a process
(or a test) can build several."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel

from .. import triage_models
from .._version import __version__
from .errors import install_error_handlers
from .head import HeadAsGet
from .metrics import Metrics, MetricsMiddleware
from .routes_api import router as api_router
from .routes_ops import router as ops_router
from .schemas import BatchRequest, LengthRequest, RenderRequest, SuggestRequest
from .security import install_security
from .settings import ServerSettings
from .state import BaseHolder

# Bodies the routes check themselves (in the library's words), documented as these.
_DOCUMENTED_BODIES: tuple[type[BaseModel], ...] = (
    SuggestRequest,
    BatchRequest,
    RenderRequest,
    LengthRequest,
)

DESCRIPTION = """\
Match customer messages to the team's canonical answers and render the reply for the
channel, through the same triage core as the replykb library and CLI: the same request
gives the same reply, byte for byte.

With a token (`replykb serve --token` or `$REPLYKB_TOKEN`), every `/v1` route and
`/metrics` need `Authorization: Bearer <token>`. Errors are
`{"error": {"status", "kind", "message", "field"}}` with the library's message.
"""


def create_app(holder: BaseHolder, settings: ServerSettings | None = None) -> FastAPI:
    """The server's app, answering from ``holder``'s current base."""
    settings = settings or ServerSettings()
    app = FastAPI(
        title="replykb",
        version=__version__,
        description=DESCRIPTION,
        # No Swagger or ReDoc page: FastAPI loads them from a CDN, which would run a
        # third party's script on the origin where the console keeps the token, and
        # fail offline. The schema is at /openapi.json for any OpenAPI viewer.
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.holder = holder
    app.state.metrics = metrics = Metrics(holder)
    install_error_handlers(app)
    app.include_router(api_router)
    app.include_router(ops_router)
    # check_dir=False: the console's files may be installed after the app is made.
    app.mount("/static", StaticFiles(directory=settings.static_dir, check_dir=False), name="static")
    install_security(app, settings)
    app.add_middleware(HeadAsGet)
    # Added last, so it runs first: counts every request, refused ones too.
    app.add_middleware(MetricsMiddleware, metrics=metrics)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            # Feedback comes with the usage log (issue 15); documented once it is there.
            feedback = getattr(triage_models, "Feedback", None)
            for model in (*_DOCUMENTED_BODIES, *([feedback] if feedback else [])):
                body = model.model_json_schema(ref_template="#/components/schemas/{model}")
                for name, definition in body.pop("$defs", {}).items():
                    components.setdefault(name, definition)
                components[model.__name__] = body
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app

"""The OpenAPI schema: every route documented, every body with examples that work, and
real responses (successes and errors) valid against the schema they are documented by."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from openapi_schema_validator import OAS31Validator

from replykb import KnowledgeBase
from replykb.serve import BaseHolder, ServerSettings, create_app
from replykb.serve.routes_api import router as api_router
from replykb.serve.routes_ops import router as ops_router

from .serve_helpers import NOW


@pytest.fixture(scope="module")
def served(example_kb: KnowledgeBase) -> Iterator[tuple[Any, TestClient, dict[str, Any]]]:
    holder = BaseHolder(lambda: example_kb, initial=example_kb)
    app = create_app(holder, ServerSettings(token="t", max_message_chars=2000))
    with TestClient(
        app, raise_server_exceptions=False, headers={"Authorization": "Bearer t"}
    ) as client:
        spec = client.get("/openapi.json").json()
        yield app, client, spec
    holder.close()


def validate(spec: dict[str, Any], schema: dict[str, Any], instance: object) -> None:
    OAS31Validator({**schema, "components": spec["components"]}).validate(instance)


def documented_response(
    spec: dict[str, Any], path: str, method: str, status: int
) -> dict[str, Any]:
    responses = spec["paths"][path][method]["responses"]
    assert str(status) in responses, f"{method.upper()} {path} does not document {status}"
    content = responses[str(status)].get("content", {})
    assert "application/json" in content, f"{method.upper()} {path} {status}: {content}"
    schema: dict[str, Any] = content["application/json"]["schema"]
    return schema


def test_every_route_is_documented(served: tuple[Any, TestClient, dict[str, Any]]) -> None:
    _, _, spec = served
    # The app's own routers (FastAPI nests included routers in app.routes).
    routes = [r for r in (*api_router.routes, *ops_router.routes) if isinstance(r, APIRoute)]
    assert len(routes) == 15
    for route in routes:
        for method in route.methods:
            operation = spec["paths"][route.path][method.lower()]
            assert operation.get("summary"), route.path
            assert operation.get("description"), f"{method} {route.path} has no description"
            assert "200" in operation["responses"] or "202" in operation["responses"]
    documented = {(path, method) for path, ops in spec["paths"].items() for method in ops}
    for expected in [
        ("/v1/suggest", "post"),
        ("/v1/suggest/batch", "post"),
        ("/v1/render", "post"),
        ("/v1/length", "post"),
        ("/v1/answers", "get"),
        ("/v1/answers/{answer_id}", "get"),
        ("/v1/channels", "get"),
        ("/v1/agents", "get"),
        ("/v1/languages", "get"),
        ("/v1/feedback", "post"),
        ("/v1/reload", "post"),
        ("/healthz", "get"),
        ("/readyz", "get"),
        ("/metrics", "get"),
        ("/", "get"),
    ]:
        assert expected in documented


def test_protected_routes_say_they_need_the_bearer_token(
    served: tuple[Any, TestClient, dict[str, Any]],
) -> None:
    _, _, spec = served
    schemes = spec["components"]["securitySchemes"]
    assert list(schemes.values()) == [
        {"type": "http", "scheme": "bearer", "description": schemes["HTTPBearer"]["description"]}
    ]
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            needs = path.startswith("/v1/") or path == "/metrics"
            assert bool(operation.get("security")) is needs, f"{method} {path}"
            if needs:
                assert "401" in operation["responses"]


def test_every_body_has_examples_and_they_work(
    served: tuple[Any, TestClient, dict[str, Any]],
) -> None:
    _, client, spec = served
    bodies = 0
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if "requestBody" not in operation:
                continue
            bodies += 1
            content = operation["requestBody"]["content"]["application/json"]
            assert content["examples"], f"{method} {path} has no example"
            for name, example in content["examples"].items():
                validate(spec, content["schema"], example["value"])
                response = client.request(method, path, json=example["value"])
                assert response.status_code in (200, 202), (path, name, response.text)
                status = response.status_code
                validate(spec, documented_response(spec, path, method, status), response.json())
    assert bodies == 5


CASES = [
    (
        "post",
        "/v1/suggest",
        "/v1/suggest",
        {"message": "where is my refund??", "channel": "x", "agent": "paola", "now": NOW},
        200,
    ),
    (
        "post",
        "/v1/suggest",
        "/v1/suggest",
        {"message": "refund", "channel": "email", "customer": {"name": "Anna"}},
        200,
    ),
    (
        "post",
        "/v1/suggest",
        "/v1/suggest",
        {"message": "do you sell cars", "channel": "facebook"},
        200,
    ),
    ("post", "/v1/suggest", "/v1/suggest", {"message": "hi", "channel": "fax"}, 422),
    ("post", "/v1/suggest", "/v1/suggest", {"message": "a" * 2001, "channel": "x"}, 413),
    ("post", "/v1/suggest", "/v1/suggest", b"{nope", 400),
    ("post", "/v1/length", "/v1/length", "text/plain", 415),
    (
        "post",
        "/v1/suggest/batch",
        "/v1/suggest/batch",
        {"items": [{"message": "refund", "channel": "x"}, {"message": "", "channel": "x"}]},
        200,
    ),
    (
        "post",
        "/v1/render",
        "/v1/render",
        {"answer_id": "account-locked", "channel": "x", "customer": "@anna"},
        200,
    ),
    ("post", "/v1/render", "/v1/render", {"answer_id": "nope", "channel": "x"}, 422),
    ("post", "/v1/length", "/v1/length", {"text": "ciao", "channel": "sms"}, 200),
    ("get", "/v1/answers", "/v1/answers", None, 200),
    ("get", "/v1/answers/{answer_id}", "/v1/answers/refund-timing", None, 200),
    ("get", "/v1/answers/{answer_id}", "/v1/answers/nope", None, 404),
    ("get", "/v1/channels", "/v1/channels", None, 200),
    ("get", "/v1/agents", "/v1/agents", None, 200),
    ("get", "/v1/languages", "/v1/languages", None, 200),
    ("post", "/v1/feedback", "/v1/feedback", {"outcome": "unused", "channel": "x"}, 202),
    ("post", "/v1/reload", "/v1/reload", None, 200),
    ("get", "/healthz", "/healthz", None, 200),
    ("get", "/readyz", "/readyz", None, 200),
]


@pytest.mark.parametrize(
    ("method", "template", "path", "body", "status"), CASES, ids=[f"{c[2]}-{c[4]}" for c in CASES]
)
def test_real_responses_match_their_schema(
    served: tuple[Any, TestClient, dict[str, Any]],
    method: str,
    template: str,
    path: str,
    body: Any,
    status: int,
) -> None:
    _, client, spec = served
    if body == "text/plain":
        response = client.request(method, path, content=b"{}", headers={"content-type": body})
    elif isinstance(body, bytes):
        response = client.request(
            method, path, content=body, headers={"content-type": "application/json"}
        )
    else:
        response = client.request(method, path, json=body)
    assert response.status_code == status, response.text
    validate(spec, documented_response(spec, template, method, status), response.json())


def test_a_wrong_token_matches_the_error_schema(
    served: tuple[Any, TestClient, dict[str, Any]],
) -> None:
    _, client, spec = served
    response = client.get("/v1/channels", headers={"Authorization": "Bearer wrong"})
    assert response.status_code == 401
    validate(spec, documented_response(spec, "/v1/channels", "get", 401), response.json())


def test_metrics_and_the_console_are_documented_with_their_types(
    served: tuple[Any, TestClient, dict[str, Any]],
) -> None:
    _, client, spec = served
    assert "text/plain" in spec["paths"]["/metrics"]["get"]["responses"]["200"]["content"]
    assert client.get("/metrics").headers["content-type"].startswith("text/plain")
    assert "text/html" in spec["paths"]["/"]["get"]["responses"]["200"]["content"]


def test_no_page_loads_a_third_party_script(served: tuple[Any, TestClient, dict[str, Any]]) -> None:
    """FastAPI's /docs and /redoc pull Swagger UI or ReDoc from a CDN onto the origin where
    the console keeps the token: the server has neither; the schema stays served."""
    _, client, _ = served
    for path in ("/docs", "/redoc", "/docs/oauth2-redirect"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.json()["error"]["status"] == 404
    assert client.get("/openapi.json").json()["info"]["title"] == "replykb"
    page = client.get("/").text
    assert "cdn" not in page.lower() and "https://" not in page

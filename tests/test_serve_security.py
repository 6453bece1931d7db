"""Safe by default, in-process: the token, CORS only for listed origins, body and
message limits (413, with and without Content-Length), and the metrics they leave."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from replykb import KnowledgeBase
from replykb.serve import BaseHolder, ServerSettings, create_app

TOKEN = "s3cret-t0ken"
SUGGEST = {"message": "how do I reset my password", "channel": "x"}


@pytest.fixture(scope="module")
def holder(example_kb: KnowledgeBase) -> Iterator[BaseHolder]:
    holder = BaseHolder(lambda: example_kb, initial=example_kb)
    yield holder
    holder.close()


@pytest.fixture(scope="module")
def secured(holder: BaseHolder) -> Iterator[TestClient]:
    settings = ServerSettings(
        token=TOKEN,
        cors_origins=("https://app.chatwoot.com",),
        max_body_bytes=4096,
        max_message_chars=1000,
        max_batch_items=3,
    )
    with TestClient(create_app(holder, settings), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture(scope="module")
def open_client(holder: BaseHolder) -> Iterator[TestClient]:
    with TestClient(create_app(holder, ServerSettings()), raise_server_exceptions=False) as client:
        yield client


def bearer(token: str = TOKEN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


PROTECTED = [
    ("POST", "/v1/suggest", SUGGEST),
    ("POST", "/v1/suggest/batch", {"items": [SUGGEST]}),
    ("POST", "/v1/render", {"answer_id": "reset-password", "channel": "x"}),
    ("POST", "/v1/length", {"text": "hi", "channel": "x"}),
    ("GET", "/v1/answers", None),
    ("GET", "/v1/answers/reset-password", None),
    ("GET", "/v1/channels", None),
    ("GET", "/v1/agents", None),
    ("POST", "/v1/feedback", {"outcome": "sent", "channel": "x", "answer_id": "reset-password"}),
    ("POST", "/v1/reload", None),
    ("GET", "/metrics", None),
]


@pytest.mark.parametrize(
    ("method", "path", "body"), PROTECTED, ids=[f"{m} {p}" for m, p, _ in PROTECTED]
)
def test_every_v1_route_and_metrics_need_the_token(
    secured: TestClient, method: str, path: str, body: Any
) -> None:
    missing = secured.request(method, path, json=body)
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"].startswith("Bearer")
    assert missing.json()["error"]["message"] == (
        "this server needs a token: send `Authorization: Bearer <token>`"
    )
    for wrong in (bearer("s3cret"), bearer(TOKEN + "x"), {"Authorization": f"Basic {TOKEN}"}):
        refused = secured.request(method, path, json=body, headers=wrong)
        assert refused.status_code == 401, wrong
        assert refused.json()["error"]["kind"] == "Unauthorized"
    right = secured.request(method, path, json=body, headers=bearer())
    assert right.status_code in (200, 202), right.text


def test_a_token_sent_another_way_is_told_how_to_send_it(secured: TestClient) -> None:
    for header in (f"Basic {TOKEN}", TOKEN):
        refused = secured.get("/v1/channels", headers={"Authorization": header})
        assert refused.status_code == 401
        assert (
            refused.json()["error"]["message"]
            == "send the token as `Authorization: Bearer <token>`"
        )


@pytest.mark.parametrize(
    "path", ["/healthz", "/readyz", "/", "/static/console.js", "/v1/answers", "/metrics"]
)
def test_head_answers_like_get_without_a_body(secured: TestClient, path: str) -> None:
    got = secured.get(path, headers=bearer())
    head = secured.head(path, headers=bearer())
    assert head.status_code == got.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == got.headers["content-type"]
    if "content-length" in got.headers and path != "/metrics":  # metrics change between calls
        assert head.headers["content-length"] == got.headers["content-length"]


@pytest.mark.parametrize(
    "path", ["/healthz", "/readyz", "/", "/static/console.js", "/openapi.json"]
)
def test_health_readiness_and_the_console_stay_open(secured: TestClient, path: str) -> None:
    assert secured.get(path).status_code == 200


def test_without_a_token_the_api_is_open(open_client: TestClient) -> None:
    assert open_client.post("/v1/suggest", json=SUGGEST).status_code == 200
    assert open_client.get("/metrics").status_code == 200


def test_cors_is_off_unless_origins_are_listed(
    open_client: TestClient, secured: TestClient
) -> None:
    origin = {"Origin": "https://app.chatwoot.com"}
    plain = open_client.post("/v1/suggest", json=SUGGEST, headers=origin)
    assert plain.status_code == 200
    assert "access-control-allow-origin" not in plain.headers
    preflight = {
        **origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type",
    }
    assert (
        "access-control-allow-origin"
        not in open_client.options("/v1/suggest", headers=preflight).headers
    )

    allowed = secured.options("/v1/suggest", headers=preflight)
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "https://app.chatwoot.com"
    assert "authorization" in allowed.headers["access-control-allow-headers"].lower()
    answered = secured.post("/v1/suggest", json=SUGGEST, headers={**origin, **bearer()})
    assert answered.headers["access-control-allow-origin"] == "https://app.chatwoot.com"
    refused = secured.options(
        "/v1/suggest", headers={**preflight, "Origin": "https://evil.example"}
    )
    assert refused.status_code == 400
    assert refused.json()["error"]["message"] == "Disallowed CORS origin; see --cors-origin"
    assert "access-control-allow-origin" not in refused.headers
    other = secured.post(
        "/v1/suggest", json=SUGGEST, headers={"Origin": "https://evil.example", **bearer()}
    )
    assert "access-control-allow-origin" not in other.headers


def test_a_body_over_the_limit_is_413(secured: TestClient) -> None:
    body = {"message": "x" * 5000, "channel": "x"}
    response = secured.post("/v1/suggest", json=body, headers=bearer())
    assert response.status_code == 413
    error = response.json()["error"]
    assert error["kind"] == "PayloadTooLarge"
    assert "4,096 bytes" in error["message"] and "--max-body-bytes" in error["message"]


def _asgi_post(
    app: Any, path: str, chunks: list[bytes], headers: list[tuple[bytes, bytes]]
) -> tuple[int, dict[str, Any]]:
    """A POST sent straight to the ASGI app in chunks, without Content-Length (as a
    chunked upload arrives): the status and JSON body."""
    sent: list[dict[str, Any]] = []
    pending = [
        {"type": "http.request", "body": chunk, "more_body": i < len(chunks) - 1}
        for i, chunk in enumerate(chunks)
    ]

    async def receive() -> dict[str, Any]:
        if pending:
            return pending.pop(0)
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": headers,
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 8000),
    }
    asyncio.run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], json.loads(body)


def test_a_chunked_body_over_the_limit_is_413_without_content_length(holder: BaseHolder) -> None:
    app = create_app(holder, ServerSettings(max_body_bytes=4096))
    headers = [(b"content-type", b"application/json"), (b"transfer-encoding", b"chunked")]
    prefix = b'{"channel": "x", "message": "'
    status, body = _asgi_post(app, "/v1/suggest", [prefix] + [b"y" * 1000] * 5 + [b'"}'], headers)
    assert status == 413
    assert body["error"]["kind"] == "PayloadTooLarge"
    # Under the limit, the same chunks make a normal request.
    small = [prefix, b"how do I reset ", b"my password", b'"}']
    status, body = _asgi_post(app, "/v1/suggest", small, headers)
    assert status == 200 and body["match"]["answer_id"] == "reset-password"


def test_a_message_over_the_limit_is_413_naming_it(secured: TestClient) -> None:
    response = secured.post(
        "/v1/suggest", json={"message": "é" * 1001, "channel": "x"}, headers=bearer()
    )
    assert response.status_code == 413
    error = response.json()["error"]
    assert error["field"] == "message"
    assert error["message"] == (
        "`message` has 1,001 characters, over this server's limit of 1,000; "
        "a message is matched on its first 4,096 characters"
    )
    batch = secured.post(
        "/v1/suggest/batch",
        json={"items": [SUGGEST, {"message": "a" * 1001, "channel": "x"}]},
        headers=bearer(),
    )
    assert batch.status_code == 413 and batch.json()["error"]["message"].startswith(
        "item 1: `message`"
    )
    too_many = secured.post("/v1/suggest/batch", json={"items": [SUGGEST] * 4}, headers=bearer())
    assert too_many.status_code == 413
    assert too_many.json()["error"]["message"].startswith(
        "the batch has 4 items, over this server's limit of 3"
    )


def test_a_long_message_under_the_limit_is_matched_as_the_library_does(
    open_client: TestClient, example_kb: KnowledgeBase
) -> None:
    message = "how do I reset my password " + "and more words " * 400
    assert len(message) > 4096
    response = open_client.post(
        "/v1/suggest", json={"message": message, "channel": "x", "now": "2026-11-02T10:00:00Z"}
    )
    assert response.status_code == 200
    expected = example_kb.suggest(message, channel="x", now="2026-11-02T10:00:00Z")  # type: ignore[arg-type]
    assert response.json() == expected.model_dump(mode="json")


def _metric(text: str, name: str, **labels: str) -> float:
    for line in text.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            series, value = line.rsplit(" ", 1)
            if all(f'{k}="{v}"' in series for k, v in labels.items()):
                return float(value)
    return 0.0


def test_metrics_count_requests_suggestions_and_the_base(
    holder: BaseHolder, example_kb: KnowledgeBase
) -> None:
    with TestClient(create_app(holder, ServerSettings()), raise_server_exceptions=False) as client:
        for message in ("how do I reset my password", "refund", "do you sell cars", "refund"):
            assert client.post(
                "/v1/suggest", json={"message": message, "channel": "sms"}
            ).status_code in (200, 422)
        client.post(
            "/v1/suggest/batch",
            json={"items": [{"message": "do you sell cars", "channel": "chat"}]},
        )
        client.post("/v1/suggest", json={"message": "hi", "channel": "fax"})
        client.get("/v1/answers/refund-timing")
        client.get("/v1/answers/nope")
        text = client.get("/metrics").text
    assert _metric(text, "replykb_suggestions_total", channel="sms", status="ambiguous") == 2
    assert _metric(text, "replykb_suggestions_total", channel="sms", status="no_match") == 1
    assert _metric(text, "replykb_suggestions_total", channel="chat", status="no_match") == 1
    assert (
        _metric(
            text, "replykb_http_requests_total", route="/v1/suggest", method="POST", status="422"
        )
        == 1
    )
    # Counted by the route's template, not the id asked for.
    assert (
        _metric(text, "replykb_http_requests_total", route="/v1/answers/{answer_id}", status="200")
        == 1
    )
    assert (
        _metric(text, "replykb_http_requests_total", route="/v1/answers/{answer_id}", status="404")
        == 1
    )
    assert (
        _metric(text, "replykb_http_request_duration_seconds_count", route="/v1/suggest/batch") == 1
    )
    assert _metric(text, "replykb_base_answers") == len(example_kb.answers)
    assert "refund" not in text  # no customer text in the metrics
    with TestClient(create_app(holder, ServerSettings()), raise_server_exceptions=False) as client:
        for method in ("FOO1", "FOO2", "BREW"):
            client.request(method, "/healthz")
        text = client.get("/metrics").text
    assert _metric(text, "replykb_http_requests_total", route="/healthz", method="other") == 3
    assert "FOO1" not in text


def test_two_apps_in_one_process_keep_their_own_metrics(holder: BaseHolder) -> None:
    first = TestClient(create_app(holder, ServerSettings()))
    second = TestClient(create_app(holder, ServerSettings()))
    first.get("/healthz")
    first.get("/healthz")
    assert _metric(first.get("/metrics").text, "replykb_http_requests_total", route="/healthz") == 2
    assert (
        _metric(second.get("/metrics").text, "replykb_http_requests_total", route="/healthz") == 0
    )


@pytest.mark.parametrize("log_messages", [False, True])
def test_customer_text_is_logged_only_when_asked(
    holder: BaseHolder, caplog: pytest.LogCaptureFixture, log_messages: bool
) -> None:
    phrase = "my parcel code is QX-99-secret"
    app = create_app(holder, ServerSettings(log_messages=log_messages))
    with caplog.at_level("DEBUG"), TestClient(app) as client:
        assert (
            client.post("/v1/suggest", json={"message": phrase, "channel": "x"}).status_code == 200
        )
        client.post("/v1/suggest/batch", json={"items": [{"message": phrase, "channel": "chat"}]})
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert (phrase in logged) is log_messages
    if log_messages:
        assert "suggest on x:" in logged and "suggest on chat:" in logged


def test_logged_messages_are_masked_with_the_bases_patterns(
    example_kb: KnowledgeBase, caplog: pytest.LogCaptureFixture
) -> None:
    """`--log-messages` writes the message as the usage log stores it: phones, e-mails
    and the base's own `log: mask` patterns replaced by tokens."""
    log_settings = example_kb.settings.log.model_copy(update={"mask": {"order": [r"FH\d{7}"]}})
    settings = example_kb.settings.model_copy(update={"log": log_settings})
    base = example_kb.base.model_copy(update={"settings": settings})
    kb = KnowledgeBase(base, example_kb.embedder, example_kb.index)
    holder = BaseHolder(lambda: kb, initial=kb)
    message = "refund for FH1234567? call me on +39 347 123 4567 or mario.rossi@example.com"
    app = create_app(holder, ServerSettings(log_messages=True))
    with caplog.at_level("INFO"), TestClient(app) as client:
        response = client.post("/v1/suggest", json={"message": message, "channel": "x"})
        batch = {"items": [{"message": message, "channel": "chat"}]}
        assert client.post("/v1/suggest/batch", json=batch).status_code == 200
    holder.close()
    assert response.status_code == 200
    assert response.json()["message"] == message  # the caller gets its text back unmasked
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("suggest on")]
    assert len(lines) == 2, lines
    for line in lines:
        assert "for 'refund for <order>? call me on <phone> or <email>'" in line, line
        for secret in ("1234567", "347 123 4567", "mario.rossi", "example.com"):
            assert secret not in line

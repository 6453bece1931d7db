"""examples/chatwoot_webhook.py acts only on POSTs that come from Chatwoot: signed with
the webhook's secret (X-Chatwoot-Signature over "<timestamp>.<body>", a fresh
X-Chatwoot-Timestamp), sent to the path token's URL, and not replayed.

The receiver runs on a loopback port; Chatwoot's messages API is the recording stand-in
of test_examples_chatwoot.py. The replykb server is a closed port: every accepted event
gets the "could not suggest" note, which is enough to see whether it was acted on.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from .console_helpers import free_port, serve_in_thread, stop_http
from .test_examples_chatwoot import (
    PATH_TOKEN,
    REFUND,
    WEBHOOK_SECRET,
    FakeChatwoot,
    Webhook,
    chatwoot_headers,
    event,
    webhook_example,
)


@pytest.fixture
def chatwoot() -> Iterator[FakeChatwoot]:
    fake = FakeChatwoot()
    yield fake
    stop_http(fake.http)


@pytest.fixture
def receiver(chatwoot: FakeChatwoot) -> Iterator[Webhook]:
    bridge = webhook_example.ChatwootBridge(
        webhook_example.ReplyKBServer(f"http://127.0.0.1:{free_port()}"),
        chatwoot_url=chatwoot.url,
        chatwoot_token="cw-secret",
    )
    running = Webhook(bridge)
    yield running
    stop_http(running.http)


def send(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


BODY = json.dumps(event(REFUND)).encode()
OTHER_BODY = json.dumps(event("something else entirely")).encode()


def _unsigned() -> dict[str, str]:
    return {"Content-Type": "application/json"}


def _other_secret() -> dict[str, str]:
    return chatwoot_headers(BODY, secret="not-the-webhook-secret")


def _other_body() -> dict[str, str]:
    return chatwoot_headers(OTHER_BODY)  # a signature lifted from another delivery


def _stale() -> dict[str, str]:
    return chatwoot_headers(BODY, at=time.time() - 301)


def _future() -> dict[str, str]:
    return chatwoot_headers(BODY, at=time.time() + 301)


def _bad_timestamp() -> dict[str, str]:
    return {**chatwoot_headers(BODY), "X-Chatwoot-Timestamp": "yesterday"}


def _no_prefix() -> dict[str, str]:
    headers = chatwoot_headers(BODY)
    return {**headers, "X-Chatwoot-Signature": headers["X-Chatwoot-Signature"][7:]}


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        (_unsigned, "not signed: no X-Chatwoot-Timestamp and X-Chatwoot-Signature headers"),
        (_other_secret, "X-Chatwoot-Signature does not match the body and the secret"),
        (_other_body, "X-Chatwoot-Signature does not match the body and the secret"),
        (_no_prefix, "X-Chatwoot-Signature does not match the body and the secret"),
        (_stale, "X-Chatwoot-Timestamp is more than 300 s from this clock"),
        (_future, "X-Chatwoot-Timestamp is more than 300 s from this clock"),
        (_bad_timestamp, "X-Chatwoot-Timestamp is not a Unix time"),
    ],
    ids=["unsigned", "other-secret", "other-body", "no-sha256-prefix", "stale", "future", "nan"],
)
def test_a_post_not_signed_by_chatwoot_is_refused_and_not_acted_on(
    receiver: Webhook, chatwoot: FakeChatwoot, headers: Any, reason: str
) -> None:
    assert send(receiver.url, BODY, headers()) == (401, {"done": "refused", "error": reason})
    assert chatwoot.received == []
    # The same event, signed as Chatwoot signs it, is acted on.
    assert send(receiver.url, BODY, chatwoot_headers(BODY)) == (200, {"done": "error"})
    assert len(chatwoot.notes()) == 1


@pytest.mark.parametrize("path", ["/", "", "/" + PATH_TOKEN[:-1], "/" + PATH_TOKEN + "x"])
def test_a_post_to_another_path_than_the_token_is_refused(
    receiver: Webhook, chatwoot: FakeChatwoot, path: str
) -> None:
    root = receiver.url[: -len("/" + PATH_TOKEN)]
    status, said = send(root + path, BODY, chatwoot_headers(BODY))
    assert (status, said) == (404, {"done": "refused", "error": "no webhook at this path"})
    assert chatwoot.received == []


def test_a_replayed_delivery_is_answered_but_not_acted_on_twice(
    receiver: Webhook, chatwoot: FakeChatwoot
) -> None:
    headers = chatwoot_headers(BODY)
    assert send(receiver.url, BODY, headers) == (200, {"done": "error"})
    assert send(receiver.url, BODY, headers) == (200, {"done": "duplicate"})
    assert len(chatwoot.notes()) == 1


def test_a_delivery_that_failed_is_handled_when_chatwoot_retries_it(
    receiver: Webhook, chatwoot: FakeChatwoot
) -> None:
    headers = chatwoot_headers(BODY)
    receiver.bridge.chatwoot_url = f"http://127.0.0.1:{free_port()}"  # Chatwoot unreachable
    assert send(receiver.url, BODY, headers)[0] == 502
    receiver.bridge.chatwoot_url = chatwoot.url
    assert send(receiver.url, BODY, headers) == (200, {"done": "error"})
    assert len(chatwoot.notes()) == 1


def test_a_signature_alone_or_a_path_token_alone_is_enough(chatwoot: FakeChatwoot) -> None:
    bridge = webhook_example.ChatwootBridge(
        webhook_example.ReplyKBServer(f"http://127.0.0.1:{free_port()}"),
        chatwoot_url=chatwoot.url,
        chatwoot_token="cw-secret",
    )
    for auth, path, headers in [
        (webhook_example.WebhookAuth(secret=WEBHOOK_SECRET), "/", chatwoot_headers(BODY)),
        (webhook_example.WebhookAuth(path_token=PATH_TOKEN), f"/{PATH_TOKEN}", _unsigned()),
    ]:
        http = webhook_example.make_server(bridge, host="127.0.0.1", port=0, auth=auth)
        url = serve_in_thread(http)
        try:
            assert send(url + path, BODY, headers) == (200, {"done": "error"})
            if path == "/":  # signature only: an unsigned post is still refused
                assert send(url + path, BODY, _unsigned())[0] == 401
            else:  # path only: another path is refused
                assert send(url + "/", BODY, _unsigned())[0] == 404
        finally:
            stop_http(http)
    assert len(chatwoot.notes()) == 2


@pytest.mark.parametrize(
    ("environment", "said"),
    [
        ({}, "set CHATWOOT_WEBHOOK_SECRET (the webhook's secret in Chatwoot) or"),
        ({"CHATWOOT_WEBHOOK_SECRET": ""}, "without either, anyone who finds this receiver"),
        ({"CHATWOOT_WEBHOOK_PATH_TOKEN": "short"}, "must be 16 characters at least"),
        ({"CHATWOOT_WEBHOOK_PATH_TOKEN": "a/b?c" * 5}, "letters, digits, - and _ only"),
    ],
)
def test_the_example_refuses_to_start_without_a_way_to_tell_chatwoots_posts(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    environment: dict[str, str],
    said: str,
) -> None:
    monkeypatch.setenv("CHATWOOT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("CHATWOOT_TOKEN", "cw-secret")
    for name in ("CHATWOOT_WEBHOOK_SECRET", "CHATWOOT_WEBHOOK_PATH_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr("sys.argv", ["chatwoot_webhook.py", "--server", "http://127.0.0.1:9"])
    with pytest.raises(SystemExit) as stopped:
        webhook_example.main()
    assert stopped.value.code == 2
    assert said in capsys.readouterr().err

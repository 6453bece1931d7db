"""A real `replykb serve` process on a free loopback port: the main routes give the
library's replies byte for byte, the token, limits and errors hold over real HTTP,
/metrics counts, SIGHUP reloads, customer text stays out of the log, SIGTERM stops it."""

from __future__ import annotations

import contextlib
import http.client
import json
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from replykb import KnowledgeBase
from replykb.loader import load_answer_base

from .serve_helpers import NOW, ServerProcess, copy_example_base

TOKEN = "process-t0ken"
SECRET_PHRASE = "zebra-violin-4471"


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_example_base(tmp_path_factory.mktemp("served"))


@pytest.fixture(scope="module")
def server(
    base: Path, example_cache: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    folder = tmp_path_factory.mktemp("server-log")
    options = ["--no-watch", "--max-body-bytes", "65536", "--log", str(folder / "usage.db")]
    process = ServerProcess(base, example_cache, folder / "serve.log", *options, token=TOKEN)
    try:
        process.wait_ready()
        yield process
    finally:
        process.stop()


@pytest.fixture(scope="module")
def kb(base: Path, example_cache: Path, server: ServerProcess) -> KnowledgeBase:
    """The same base loaded as the server loads it (the model's ONNX export)."""
    return KnowledgeBase.load(base, cache_dir=example_cache)


@pytest.mark.parametrize("channel", ["x", "facebook", "sms", "email", "chat", "instagram_dm"])
@pytest.mark.parametrize("message", ["where is my refund??", "cancel", "do you sell cars"])
def test_suggest_over_http_is_the_library_byte_for_byte(
    server: ServerProcess, kb: KnowledgeBase, channel: str, message: str
) -> None:
    fields = {
        "message": message,
        "channel": channel,
        "agent": "jo",
        "customer": "Marco",
        "conversation_id": "t-9",
        "last_customer_message_at": "2026-11-02T08:00:00Z",
    }
    status, body, _ = server.request("POST", "/v1/suggest", {**fields, "now": NOW})
    try:
        expected = kb.suggest(**fields, now=NOW)  # type: ignore[arg-type]
    except Exception as error:
        assert status == 422 and json.loads(body)["error"]["message"] == str(error)
        return
    assert status == 200, body
    assert body == expected.model_dump_json().encode("utf-8")


def test_batch_and_render_over_http_are_the_library_s(
    server: ServerProcess, kb: KnowledgeBase
) -> None:
    items = [
        {"message": "how do I reset my password", "channel": "x"},
        {"message": "", "channel": "x"},
        {"message": "refund", "channel": "chat", "id": "r"},
    ]
    batch = server.json("POST", "/v1/suggest/batch", {"items": items, "now": NOW})
    assert batch == {
        "results": [r.model_dump(mode="json") for r in kb.suggest_many(items, now=NOW)]
    }
    reply = server.json(
        "POST", "/v1/render", {"answer_id": "account-locked", "channel": "x", "customer": "@anna"}
    )
    assert reply == kb.render("account-locked", channel="x", customer="@anna").model_dump(
        mode="json"
    )
    assert reply["private_reply"]["channel"] == "x_dm"


@pytest.mark.parametrize("channel", ["x", "sms", "email"])
@pytest.mark.parametrize(
    ("message", "language"),
    [
        ("ciao, dov'è il mio rimborso??", None),  # detected: Italian
        ("where is my refund??", "it"),  # asked for
        ("ok", None),  # unsure: English, the fallback said
    ],
)
def test_the_reply_language_over_http_is_the_library_s(
    server: ServerProcess, kb: KnowledgeBase, channel: str, message: str, language: str | None
) -> None:
    fields = {"message": message, "channel": channel, "agent": "paola", "conversation_id": "l-1"}
    if language is not None:
        fields["language"] = language
    status, body, _ = server.request("POST", "/v1/suggest", {**fields, "now": NOW})
    expected = kb.suggest(**fields, now=NOW)  # type: ignore[arg-type]
    assert status == 200, body
    assert body == expected.model_dump_json().encode("utf-8")
    assert json.loads(body)["language"]["reason"] in ("detected", "requested", "fallback-unsure")
    status, body, _ = server.request(
        "POST", "/v1/suggest", {"message": message, "channel": channel, "language": "xx"}
    )
    assert status == 422
    error = json.loads(body)["error"]
    assert (error["kind"], error["field"]) == ("UnknownNameError", "language")
    assert error["message"].endswith(f"known languages: {', '.join(kb.settings.languages)}")


def test_listings_over_http(server: ServerProcess, kb: KnowledgeBase) -> None:
    assert [a["id"] for a in server.json("GET", "/v1/answers")] == [a.id for a in kb.answers]
    assert server.json("GET", "/v1/answers/exchange")["id"] == "exchange"
    assert set(server.json("GET", "/v1/channels")) == set(kb.settings.channels)
    assert set(server.json("GET", "/v1/agents")) == {"paola", "dev", "sam", "jo"}
    assert server.json("POST", "/v1/length", {"text": "ciao", "channel": "sms"})["segments"] == 1


def test_the_token_over_http(server: ServerProcess) -> None:
    status, body, headers = server.request("GET", "/v1/channels", token=None)
    assert status == 401 and headers["www-authenticate"].startswith("Bearer")
    assert json.loads(body)["error"]["kind"] == "Unauthorized"
    assert server.request("GET", "/v1/channels", token="nope")[0] == 401
    assert server.request("GET", "/metrics", token=None)[0] == 401
    for path in ("/healthz", "/readyz", "/"):
        assert server.request("GET", path, token=None)[0] == 200


def test_errors_over_http(server: ServerProcess, kb: KnowledgeBase) -> None:
    status, body, _ = server.request("POST", "/v1/suggest", {"message": "hi", "channel": "fax"})
    assert status == 422
    with pytest.raises(Exception) as expected:
        kb.suggest("hi", channel="fax")
    assert json.loads(body)["error"]["message"] == str(expected.value)
    status, body, _ = server.request("POST", "/v1/suggest", b'{"message": ')
    assert status == 400 and json.loads(body)["error"]["kind"] == "InvalidJSON"
    assert b"Traceback" not in body


def _raw_post(
    server: ServerProcess, chunks: list[bytes], *, declared: int | None
) -> tuple[int, dict[str, object]]:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
    try:
        if declared is None:
            # OSError: the server answered and closed before the whole body was sent.
            with contextlib.suppress(OSError):
                connection.request(
                    "POST", "/v1/suggest", body=iter(chunks), headers=headers, encode_chunked=True
                )
        else:
            connection.putrequest("POST", "/v1/suggest")
            for name, value in {**headers, "Content-Length": str(declared)}.items():
                connection.putheader(name, value)
            connection.endheaders()
            try:
                for chunk in chunks:
                    connection.send(chunk)
            except OSError:
                pass  # the server answered and closed before the whole body was sent
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def test_bodies_over_the_limit_are_413_with_and_without_content_length(
    server: ServerProcess,
) -> None:
    big = [b'{"channel": "x", "message": "'] + [b"a" * 8192] * 10 + [b'"}']
    status, body = _raw_post(server, big, declared=None)  # chunked: no Content-Length
    assert status == 413 and body["error"]["kind"] == "PayloadTooLarge"  # type: ignore[index]
    status, body = _raw_post(server, big, declared=sum(map(len, big)))
    assert status == 413 and body["error"]["kind"] == "PayloadTooLarge"  # type: ignore[index]
    huge = [b'{"channel": "x", "message": "'] + [b"a" * 65536] * 40 + [b'"}']  # 2.5 MiB
    try:
        status, body = _raw_post(server, huge, declared=None)
        assert status == 413
    except ConnectionResetError:
        pass  # far over the limit, the rest is cut off and the client may see a reset
    assert server.request("GET", "/healthz")[0] == 200
    small = [b'{"channel": "x", ', b'"message": "how do I reset my password"}']
    status, body = _raw_post(server, small, declared=None)
    assert status == 200 and body["match"]["answer_id"] == "reset-password"  # type: ignore[index]


def test_metrics_count_over_http(server: ServerProcess) -> None:
    def count(text: str, series: str) -> float:
        lines = [line for line in text.splitlines() if line.startswith(series)]
        return float(lines[0].rsplit(" ", 1)[1]) if lines else 0.0

    before = server.request("GET", "/metrics")[1].decode()
    for _ in range(3):
        server.request("POST", "/v1/suggest", {"message": "do you sell cars", "channel": "sms"})
    after = server.request("GET", "/metrics")[1].decode()
    series = 'replykb_suggestions_total{channel="sms",status="no_match"}'
    assert count(after, series) == count(before, series) + 3
    ok = 'replykb_http_requests_total{method="POST",route="/v1/suggest",status="200"}'
    assert count(after, ok) >= count(before, ok) + 3
    assert count(after, "replykb_base_answers") == 49


def test_customer_text_stays_out_of_the_log(server: ServerProcess) -> None:
    server.request(
        "POST", "/v1/suggest", {"message": f"my code is {SECRET_PHRASE}", "channel": "x"}
    )
    server.request("POST", "/v1/suggest", {"message": f"{SECRET_PHRASE}", "channel": "nope"})
    time.sleep(0.2)
    log = server.log()
    assert '"POST /v1/suggest HTTP/1.1" 200' in log  # the access log is there
    assert SECRET_PHRASE not in log


def test_a_port_in_use_is_said_at_once(server: ServerProcess) -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "replykb", "serve", "--kb", "answers", "--port", str(server.port)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).parent.parent,
    )
    assert done.returncode == 2
    assert done.stderr == (
        f"replykb: error: cannot listen on 127.0.0.1:{server.port}: Address already in use; "
        "pick another --port\n"
    )


def test_sighup_reloads_the_edited_base(server: ServerProcess, base: Path) -> None:
    before = server.json("GET", "/readyz")
    server.json("POST", "/v1/suggest", {"message": "where is my refund??", "channel": "chat"})
    file = base / "returns" / "refund-timing.yaml"
    file.write_text(
        file.read_text(encoding="utf-8").replace("5 working days", "3 working days"),
        encoding="utf-8",
    )
    expected = load_answer_base(base).fingerprint
    assert expected != before["fingerprint"]
    server.process.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 120
    while server.json("GET", "/readyz")["fingerprint"] != expected:
        assert time.monotonic() < deadline, f"no reload after SIGHUP:\n{server.log()}"
        time.sleep(0.2)
    reply = server.json("POST", "/v1/render", {"answer_id": "refund-timing", "channel": "chat"})
    assert "3 working days" in reply["text"]
    suggested = server.json(
        "POST", "/v1/suggest", {"message": "where is my refund??", "channel": "chat"}
    )
    assert "3 working days" in suggested["reply"]["text"]
    assert "reloaded the base" in server.log()


MASKED_CODE = "kiwi-code-5512"


def test_a_reloaded_base_s_log_masks_apply_to_the_next_events(
    server: ServerProcess, base: Path
) -> None:
    """A team adds a `log: mask:` pattern and the base reloads: the server keeps its one
    usage log, and the very next message is stored masked (checked at SIGTERM below)."""
    settings = base / "replykb.yaml"
    settings.write_text(
        settings.read_text(encoding="utf-8") + "log:\n  mask:\n    code: ['kiwi-code-\\d+']\n",
        encoding="utf-8",
    )
    expected = load_answer_base(base).fingerprint
    server.process.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 120
    while server.json("GET", "/readyz")["fingerprint"] != expected:
        assert time.monotonic() < deadline, f"no reload after SIGHUP:\n{server.log()}"
        time.sleep(0.2)
    message = f"where is my refund?? my code is {MASKED_CODE}"
    server.json("POST", "/v1/suggest", {"message": message, "channel": "chat"})


def test_feedback_is_recorded_in_the_usage_log(server: ServerProcess) -> None:
    status, body, _ = server.request(
        "POST",
        "/v1/feedback",
        {
            "outcome": "edited",
            "channel": "twitter",
            "answer_id": "refund-timing",
            "conversation_id": "t-9",
            "edited_text": "Refunds take 3 working days, Marco.",
        },
    )
    assert status == 202 and json.loads(body) == {"recorded": True}
    status, body, _ = server.request("POST", "/v1/feedback", {"outcome": "edited", "channel": "x"})
    assert status == 422 and "edited_text" in json.loads(body)["error"]["message"]


def test_sigterm_stops_it_cleanly_and_the_log_holds_every_base_s_suggestions(
    server: ServerProcess, base: Path
) -> None:
    from replykb.learn import open_log

    assert server.stop() == 0
    log = server.log()
    assert "Traceback" not in log
    assert "Finished server process" in log
    # The usage log was opened once and shared by the reloaded base, then closed.
    with open_log(server.log_path.parent / "usage.db") as usage:
        suggestions = list(usage.suggestions())
        feedback = list(usage.feedback())
    fingerprints = {s.fingerprint for s in suggestions}
    assert load_answer_base(base).fingerprint in fingerprints and len(fingerprints) == 3
    messages = [s.message or "" for s in suggestions]
    assert "where is my refund?? my code is <code>" in messages
    assert not any(MASKED_CODE in m for m in messages)
    assert [(f.outcome, f.channel, f.source) for f in feedback] == [("edited", "x", "api")]


def test_a_base_that_does_not_load_stops_the_server_with_one_line(tmp_path: Path) -> None:
    import subprocess
    import sys

    base = copy_example_base(tmp_path)
    (base / "returns" / "refund-timing.yaml").write_text(
        "questions: [a]\nanwser: hi\n", encoding="utf-8"
    )
    done = subprocess.run(
        [sys.executable, "-m", "replykb", "serve", "--kb", str(base), "--port", "1"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1, done.stderr
    assert "refund-timing.yaml:" in done.stderr and "replykb check" in done.stderr


@pytest.mark.parametrize(
    ("option", "environment"),
    [(["--token", ""], {}), ([], {"REPLYKB_TOKEN": ""}), ([], {"REPLYKB_TOKEN": "s3cret\n"})],
)
def test_an_empty_or_unsendable_token_stops_the_server(
    option: list[str], environment: dict[str, str]
) -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, **environment}
    done = subprocess.run(
        [sys.executable, "-m", "replykb", "serve", "--kb", "answers", "--port", "1", *option],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=Path(__file__).parent.parent,
    )
    assert done.returncode == 2, done.stderr
    assert "--token / $REPLYKB_TOKEN" in done.stderr and "Traceback" not in done.stderr

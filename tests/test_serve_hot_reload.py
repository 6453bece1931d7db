"""Hot reload of a real `replykb serve` process while it answers: an edited answer is
picked up by the file watcher with no failed request and no old reply after the first
new one; a broken edit keeps the old base serving and /readyz says why."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from replykb.errors import AnswerBaseError
from replykb.loader import load_answer_base

from .serve_helpers import ServerProcess, copy_example_base

RENDER = {"answer_id": "refund-timing", "channel": "chat"}
# Bounds of the client loop: it stops by itself whatever happens.
MAX_SECONDS = 120
MAX_REQUESTS = 20_000


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_example_base(tmp_path_factory.mktemp("hot"))


@pytest.fixture(scope="module")
def server(
    base: Path, example_cache: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    log = tmp_path_factory.mktemp("hot-log") / "serve.log"
    process = ServerProcess(base, example_cache, log, token=None)  # watching the files
    try:
        process.wait_ready()
        yield process
    finally:
        process.stop()


class Client(threading.Thread):
    """Sends render and suggest requests one after another until told to stop."""

    def __init__(self, server: ServerProcess) -> None:
        super().__init__(daemon=True)
        self.server = server
        self.stop_event = threading.Event()
        self.texts: list[str] = []
        self.failures: list[tuple[int, bytes]] = []

    def run(self) -> None:
        import json

        deadline = time.monotonic() + MAX_SECONDS
        sent = 0
        while not self.stop_event.is_set() and time.monotonic() < deadline and sent < MAX_REQUESTS:
            status, body, _ = self.server.request("POST", "/v1/render", RENDER)
            sent += 1
            if status != 200:
                self.failures.append((status, body))
                continue
            self.texts.append(json.loads(body)["text"])
            status, body, _ = self.server.request(
                "POST", "/v1/suggest", {"message": "where is my refund??", "channel": "sms"}
            )
            sent += 1
            if status not in (200, 422):  # 422: a reply too long for SMS is the library's answer
                self.failures.append((status, body))


def wait_for(condition: object, what: str, server: ServerProcess, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"{what} did not happen in {timeout} s:\n{server.log()}"
        time.sleep(0.1)


def test_an_edit_is_served_with_no_failed_request(server: ServerProcess, base: Path) -> None:
    client = Client(server)
    client.start()
    try:
        wait_for(lambda: len(client.texts) >= 5, "the first replies", server)
        file = base / "returns" / "refund-timing.yaml"
        file.write_text(
            file.read_text(encoding="utf-8").replace("5 working days", "3 working days"),
            encoding="utf-8",
        )
        wait_for(
            lambda: any("3 working days" in t for t in client.texts[-3:]), "the new reply", server
        )
        time.sleep(0.5)  # a few more requests on the new base
    finally:
        client.stop_event.set()
        client.join(30)
    assert client.failures == []
    first_new = next(i for i, t in enumerate(client.texts) if "3 working days" in t)
    assert first_new > 0 and all("5 working days" in t for t in client.texts[:first_new])
    # Swapped at once: no old reply after the first new one.
    assert all("3 working days" in t for t in client.texts[first_new:])
    ready = server.json("GET", "/readyz")
    assert ready["fingerprint"] == load_answer_base(base).fingerprint
    assert ready["reload_error"] is None


def test_a_broken_edit_keeps_the_old_base_serving(server: ServerProcess, base: Path) -> None:
    serving = server.json("GET", "/readyz")["fingerprint"]
    file = base / "returns" / "refund-timing.yaml"
    good = file.read_text(encoding="utf-8")
    client = Client(server)
    client.start()
    try:
        file.write_text(good.replace("answer: >-", "answer: [unclosed"), encoding="utf-8")
        with pytest.raises(AnswerBaseError) as expected:
            load_answer_base(base)
        wait_for(
            lambda: server.json("GET", "/readyz")["reload_error"] is not None, "the failure", server
        )
        time.sleep(0.5)
    finally:
        client.stop_event.set()
        client.join(30)
    assert client.failures == []
    assert client.texts and all("3 working days" in t for t in client.texts)
    ready = server.json("GET", "/readyz")
    assert ready["fingerprint"] == serving
    assert ready["reload_error"] == str(expected.value)
    assert "refund-timing.yaml" in ready["reload_error"]
    assert "reload failed; still serving the base" in server.log()

    status, body, _ = server.request("POST", "/v1/reload")
    assert status == 422 and b"refund-timing.yaml" in body

    file.write_text(good, encoding="utf-8")
    wait_for(lambda: server.json("GET", "/readyz")["reload_error"] is None, "the recovery", server)
    metrics = server.request("GET", "/metrics")[1].decode()
    assert 'replykb_reloads_total{result="failed"}' in metrics
    assert 'replykb_reloads_total{result="reloaded"}' in metrics

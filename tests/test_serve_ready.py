"""/readyz: when a replica is not ready, and what it reports when it is.

A started server answers from a loaded base: the base loads before the port accepts
connections (a probe is refused until then, never told "ready" early), and a failed
reload keeps the previous base serving (tests/test_serve_hot_reload.py). The one state
where a started server cannot answer in time is a usage log so far behind that every
suggestion waits for its writer: then /readyz is 503 with the reason, until the writer
catches up. That is shown with a real SQLite log whose file another connection holds
locked (a store that stopped answering), and a small queue.
"""

from __future__ import annotations

import json
import sqlite3
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from replykb import KnowledgeBase
from replykb.learn.log import UsageLog, open_store
from replykb.models import LogSettings
from replykb.serve import BaseHolder, create_app

from .serve_helpers import EXAMPLE_BASE, ServerProcess, copy_example_base
from .test_learn_log_stores import suggestion

QUEUE = 4


@pytest.fixture
def logged(tmp_path: Path, example_cache: Path) -> Iterator[tuple[TestClient, UsageLog, Path]]:
    path = tmp_path / "usage.db"
    log = UsageLog(lambda: open_store(path), LogSettings(), queue_size=QUEUE)
    kb = KnowledgeBase.load(EXAMPLE_BASE, cache_dir=example_cache, log=log)
    holder = BaseHolder(lambda: kb, initial=kb)
    try:
        yield TestClient(create_app(holder)), log, path
    finally:
        holder.close()
        log.close()


def _wait(condition, what: str, timeout: float = 60) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"no {what} in {timeout} s"
        time.sleep(0.05)


def test_a_usage_log_too_far_behind_makes_the_replica_not_ready_until_it_catches_up(
    logged: tuple[TestClient, UsageLog, Path],
) -> None:
    client, log, path = logged
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["status"] == "ready" and ready.json()["not_ready"] is None
    assert (ready.json()["usage_log"], ready.json()["log_events_waiting"]) == (True, 0)
    assert str(path) not in ready.text  # no token needed here: where the log is stays out

    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # the store stops answering: the writer waits
    try:
        now = datetime.now(UTC)
        log.record([suggestion(now, message="taken by the writer, which then waits")])
        _wait(lambda: log.waiting == 0, "pick-up by the writer")
        time.sleep(0.3)  # the writer is past taking its batch, and waits for the lock
        log.record([suggestion(now, message=f"queued {n}") for n in range(QUEUE)])
        behind = client.get("/readyz")
        assert behind.status_code == 503
        body = behind.json()
        assert body["status"] == "not_ready"
        assert body["not_ready"] == (
            f"the usage log is behind: {QUEUE} events wait for its writer (its store is "
            "slow or not answering; the server's log names it), so new suggestions wait too"
        )
        assert body["log_events_waiting"] == QUEUE
        assert body["fingerprint"] == ready.json()["fingerprint"]  # still the base, said
        assert client.get("/healthz").status_code == 200  # alive: not a restart
    finally:
        holder.execute("COMMIT")
        holder.close()
    _wait(lambda: client.get("/readyz").status_code == 200, "readiness after the store answered")
    assert client.get("/readyz").json()["status"] == "ready"
    assert log.flush(timeout=60)
    assert len(list(log.suggestions())) == 1 + QUEUE  # nothing lost while it waited


def test_without_a_usage_log_readiness_reports_the_base_and_the_model(
    example_kb: KnowledgeBase,
) -> None:
    client = TestClient(create_app(BaseHolder(lambda: example_kb, initial=example_kb)))
    body = client.get("/readyz").json()
    assert body["status"] == "ready"
    assert (body["usage_log"], body["log_events_waiting"], body["log_events_lost"]) == (False, 0, 0)
    assert body["model"] == example_kb.index.model_id
    assert body["reloading"] is False


def _probe(url: str) -> tuple[str, int | None, dict[str, object] | None]:
    try:
        with urllib.request.urlopen(url + "/readyz", timeout=10) as response:
            return "answered", response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return "answered", error.code, json.loads(error.read())
    except (TimeoutError, ConnectionRefusedError, urllib.error.URLError) as error:
        reason = getattr(error, "reason", error)
        assert isinstance(reason, ConnectionRefusedError | TimeoutError), reason
        return "refused", None, None


def test_a_starting_process_refuses_probes_until_its_base_is_served(
    tmp_path: Path, example_cache: Path
) -> None:
    base = copy_example_base(tmp_path)
    log = tmp_path / "usage.db"
    server = ServerProcess(
        base, example_cache, tmp_path / "serve.log", "--no-watch", "--log", str(log), token=None
    )
    seen: list[tuple[str, int | None]] = []
    try:
        deadline = time.monotonic() + 120
        while True:
            assert time.monotonic() < deadline, server.log()
            assert server.process.poll() is None, server.log()
            kind, status, body = _probe(server.url)
            seen.append((kind, status))
            if kind == "answered":
                break
            time.sleep(0.02)
    finally:
        code = server.stop()
    # Every probe before the first answer was refused: the load ran before the port
    # accepted connections. The first answer is the loaded base, ready, with its log.
    assert all(kind == "refused" for kind, _ in seen[:-1])
    assert seen[-1] == ("answered", 200)
    assert body is not None
    expected = KnowledgeBase.load(base, cache_dir=example_cache, log=False)
    assert (body["status"], body["fingerprint"], body["answers"]) == (
        "ready",
        expected.base.fingerprint,
        len(expected.answers),
    )
    assert (body["usage_log"], body["model"]) == (True, expected.index.model_id)
    assert code == 0

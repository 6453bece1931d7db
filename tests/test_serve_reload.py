"""Hot reload in-process: an edited base is swapped in, a broken one leaves the old base
serving (and says why in /readyz), bursts of requests cost one load, the watcher sees
the base's files and not its cache."""

from __future__ import annotations

import dataclasses
import logging
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from replykb import KnowledgeBase
from replykb.errors import AnswerBaseError
from replykb.loader import load_answer_base
from replykb.models import MatchSettings
from replykb.serve import BaseHolder, ServerSettings, create_app
from replykb.serve.watch import BaseWatcher

from .serve_helpers import copy_example_base


@pytest.fixture(scope="module")
def shared_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One cache for every copy of the base: vectors are cached per text, so a copy
    encodes only the questions it changed."""
    return tmp_path_factory.mktemp("reload-cache")


@pytest.fixture
def base(tmp_path: Path) -> Path:
    return copy_example_base(tmp_path)


@pytest.fixture
def served(
    base: Path, shared_cache: Path, real_embedder: Any
) -> Iterator[tuple[BaseHolder, TestClient]]:
    holder = BaseHolder(
        lambda: KnowledgeBase.load(base, cache_dir=shared_cache, embedder=real_embedder)
    )
    with TestClient(create_app(holder, ServerSettings()), raise_server_exceptions=False) as client:
        yield holder, client
    holder.close()


def edit_refund_timing(base: Path) -> None:
    file = base / "returns" / "refund-timing.yaml"
    file.write_text(
        file.read_text(encoding="utf-8").replace("5 working days", "3 working days"),
        encoding="utf-8",
    )


def render_text(client: TestClient) -> str:
    response = client.post("/v1/render", json={"answer_id": "refund-timing", "channel": "chat"})
    assert response.status_code == 200, response.text
    text: str = response.json()["text"]
    return text


def metric(client: TestClient, line_start: str) -> float:
    for line in client.get("/metrics").text.splitlines():
        if line.startswith(line_start):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_an_edited_answer_is_served_after_a_reload(
    base: Path, served: tuple[BaseHolder, TestClient]
) -> None:
    _, client = served
    before = client.get("/readyz").json()
    assert "5 working days" in render_text(client)
    edit_refund_timing(base)
    response = client.post("/v1/reload")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "reloaded"
    assert body["fingerprint"] == load_answer_base(base).fingerprint != before["fingerprint"]
    assert "3 working days" in render_text(client)
    suggested = client.post(
        "/v1/suggest", json={"message": "where is my refund??", "channel": "chat"}
    ).json()
    assert "3 working days" in suggested["reply"]["text"]
    after = client.get("/readyz").json()
    assert after["fingerprint"] == body["fingerprint"] and after["loaded_at"] > before["loaded_at"]
    assert metric(client, 'replykb_reloads_total{result="reloaded"}') == 1


def test_a_broken_edit_keeps_the_old_base_serving(
    base: Path, served: tuple[BaseHolder, TestClient]
) -> None:
    _, client = served
    before = client.get("/readyz").json()
    file = base / "returns" / "refund-timing.yaml"
    good = file.read_text(encoding="utf-8")
    file.write_text(good.replace("answer: >-", "anwser: >-"), encoding="utf-8")
    with pytest.raises(AnswerBaseError) as expected:
        load_answer_base(base)
    assert "refund-timing.yaml" in str(expected.value)

    response = client.post("/v1/reload")
    assert response.status_code == 422
    error = response.json()["error"]
    assert (error["kind"], error["message"]) == ("AnswerBaseError", str(expected.value))
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["fingerprint"] == before["fingerprint"]
    assert ready.json()["reload_error"] == str(expected.value)
    # The old base goes on answering.
    assert "5 working days" in render_text(client)
    assert metric(client, 'replykb_reloads_total{result="failed"}') == 1
    assert metric(client, "replykb_base_reload_failing") == 1

    file.write_text(good.replace("5 working days", "3 working days"), encoding="utf-8")
    assert client.post("/v1/reload").json()["status"] == "reloaded"
    assert client.get("/readyz").json()["reload_error"] is None
    assert metric(client, "replykb_base_reload_failing") == 0
    assert "3 working days" in render_text(client)


def test_an_unchanged_base_is_kept(served: tuple[BaseHolder, TestClient]) -> None:
    holder, client = served
    before = holder.current
    response = client.post("/v1/reload").json()
    assert response["status"] == "unchanged"
    assert holder.current is before
    assert response["loaded_at"] == client.get("/readyz").json()["loaded_at"]


def tuned(kb: KnowledgeBase, change: str) -> KnowledgeBase:
    """The same base files as ``kb``, matched as after `replykb tune`: the tuned model
    lives in the cache (the base's fingerprint does not change), with its own index and,
    when calibrated, its own threshold (``QuestionIndex.match``)."""
    if change == "model":
        index = dataclasses.replace(kb.index, model_id="sha256:" + "7" * 64 + "+config:tuned")
    else:
        index = dataclasses.replace(kb.index, match=MatchSettings(threshold=0.99, margin=0.02))
    return KnowledgeBase(kb.base, kb.embedder, index)


@pytest.mark.parametrize("change", ["model", "threshold"])
def test_a_reload_after_tuning_serves_the_tuned_model(
    example_kb: KnowledgeBase, change: str
) -> None:
    serving = [example_kb]
    holder = BaseHolder(lambda: serving[0], initial=example_kb)
    message = {"message": "where is my refund??", "channel": "chat"}
    with TestClient(create_app(holder, ServerSettings()), raise_server_exceptions=False) as client:
        before = client.post("/v1/suggest", json=message).json()
        serving[0] = tuned(example_kb, change)
        assert serving[0].base.fingerprint == example_kb.base.fingerprint
        response = client.post("/v1/reload")
        after = client.post("/v1/suggest", json=message).json()
        again = client.post("/v1/reload").json()
    holder.close()
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "reloaded"
    assert response.json()["fingerprint"] == example_kb.base.fingerprint
    assert holder.current.kb is serving[0]
    assert again["status"] == "unchanged"  # the same tuned model twice: nothing to swap
    assert before["match"]["status"] == "confident"
    # The tuned model's calibrated threshold is the one in force after the reload.
    expected = "no_match" if change == "threshold" else "confident"
    assert after["match"]["status"] == expected


def test_reload_without_waiting_is_202(served: tuple[BaseHolder, TestClient]) -> None:
    holder, client = served
    response = client.post("/v1/reload", params={"wait": "false"})
    assert response.status_code == 202
    assert response.json()["status"] == "accepted"
    assert holder.wait(holder.request_reload(), timeout=120) is not None


def test_a_burst_of_reload_requests_costs_one_more_load(example_kb: KnowledgeBase) -> None:
    started, release = threading.Event(), threading.Event()
    loads = []

    def load() -> KnowledgeBase:
        loads.append(time.monotonic())
        started.set()
        release.wait(30)
        return example_kb

    holder = BaseHolder(load, initial=example_kb)
    first = holder.request_reload()
    assert started.wait(10)
    tickets = [holder.request_reload() for _ in range(10)]  # while the first load runs
    release.set()
    outcomes = [holder.wait(ticket, timeout=30) for ticket in (first, *tickets)]
    holder.close()
    assert len(loads) == 2
    assert all(outcome is not None and outcome.result == "unchanged" for outcome in outcomes)


def test_an_unexpected_failure_keeps_the_old_base_and_tells_no_detail(
    example_kb: KnowledgeBase,
) -> None:
    def load() -> KnowledgeBase:
        raise RuntimeError("disk on fire at /secret/path")

    holder = BaseHolder(load, initial=example_kb)
    with TestClient(create_app(holder, ServerSettings()), raise_server_exceptions=False) as client:
        response = client.post("/v1/reload")
        ready = client.get("/readyz").json()
    holder.close()
    assert response.status_code == 422
    assert (
        response.json()["error"]["message"]
        == "unexpected error while loading the base, see the server log"
    )
    assert ready["reload_error"] == "unexpected error while loading the base, see the server log"
    assert ready["fingerprint"] == example_kb.base.fingerprint
    assert "secret" not in response.text


def test_a_request_in_flight_finishes_on_the_base_it_started_on(
    base: Path, served: tuple[BaseHolder, TestClient]
) -> None:
    """A batch whose first reply triggers a reload (an observer of the old base swaps
    the new one in and waits): the second reply, rendered after the swap, still comes
    from the old base, and the next request from the new one."""
    holder, client = served
    old = holder.current
    swapped = []

    class SwapDuringRequest:
        def on_suggest(self, event: object) -> None:
            if not swapped:
                edit_refund_timing(base)
                swapped.append(holder.reload(timeout=120))

    old.kb.add_observer(SwapDuringRequest())
    items = [{"message": "where is my refund??", "channel": "chat"}] * 2
    response = client.post("/v1/suggest/batch", json={"items": items})
    assert response.status_code == 200, response.text
    assert swapped and swapped[0] is not None and swapped[0].result == "reloaded"
    assert holder.current is not old  # swapped while the request ran
    texts = [r["suggestion"]["reply"]["text"] for r in response.json()["results"]]
    assert all("5 working days" in text for text in texts), texts
    after = client.post("/v1/suggest", json=items[0]).json()
    assert "3 working days" in after["reply"]["text"]


def test_the_watcher_sees_the_base_and_not_its_cache(base: Path) -> None:
    changes = threading.Event()
    cache = base / ".replykb"
    cache.mkdir(exist_ok=True)
    watcher = BaseWatcher(base, changes.set, ignore=[cache], debounce_ms=100)
    watcher.start()
    try:
        time.sleep(0.5)  # the watcher is watching
        (cache / "index.tmp").write_bytes(b"written by a reload")
        # A usage log kept in the base folder (`log: usage.db`) writes at every suggestion.
        for name in ("usage.db", "usage.db-wal", "usage.db-shm", "notes.txt", "refund.yaml~"):
            (base / name).write_bytes(b"not part of the base")
        assert not changes.wait(2), "a file that is not part of the base asked for a reload"
        edit_refund_timing(base)
        assert changes.wait(20), "an edited answer did not ask for a reload"
    finally:
        watcher.stop()


@pytest.mark.parametrize(
    ("relative", "counts"),
    [
        ("replykb.yaml", True),
        ("returns/refund-timing.yaml", True),
        ("returns/NEW.YML", True),
        ("templates/x.j2", True),
        ("templates/partials/sig.txt", True),
        ("usage.db", False),
        ("usage.db-wal", False),
        ("returns/refund-timing.yaml~", False),
        (".replykb/embeddings.npz", False),
        (".git/index", False),
        ("returns/.#refund-timing.yaml", False),
        ("notes.md", False),
    ],
)
def test_which_files_make_the_watcher_reload(tmp_path: Path, relative: str, counts: bool) -> None:
    watcher = BaseWatcher(tmp_path, lambda: None, ignore=[tmp_path / ".replykb"])
    assert watcher.is_base_file(str(tmp_path / relative)) is counts


def test_the_watcher_follows_a_symlink_switched_by_a_deploy(tmp_path: Path) -> None:
    releases = tmp_path / "releases"
    for release in ("v1", "v2"):
        (releases / release / "returns").mkdir(parents=True)
        (releases / release / "replykb.yaml").write_text("brand: Acme\n", encoding="utf-8")
    current = tmp_path / "current"
    current.symlink_to(releases / "v1")
    changes = threading.Event()
    watcher = BaseWatcher(current, changes.set, debounce_ms=100)
    watcher.start()
    try:
        time.sleep(0.5)
        switch = tmp_path / "current.tmp"  # ln -sfn v2 current.tmp && mv -T current.tmp current
        switch.symlink_to(releases / "v2")
        switch.replace(current)
        assert changes.wait(20), "switching the link did not ask for a reload"
        changes.clear()
        time.sleep(1.5)  # watching the new release now
        (releases / "v2" / "returns" / "new.yaml").write_text("id: x\n", encoding="utf-8")
        assert changes.wait(20), "an edit in the new release did not ask for a reload"
        changes.clear()
        (releases / "v1" / "returns" / "old.yaml").write_text("id: y\n", encoding="utf-8")
        assert not changes.wait(2), "an edit in the old release asked for a reload"
    finally:
        watcher.stop()


def _release(folder: Path, brand: str) -> Path:
    (folder / "returns").mkdir(parents=True)
    (folder / "replykb.yaml").write_text(f"brand: {brand}\n", encoding="utf-8")
    return folder


def test_the_watcher_follows_a_folder_moved_into_place(tmp_path: Path) -> None:
    """`mv base base.old && mv base.new base`: the same path, another folder."""
    base = _release(tmp_path / "base", "Acme")
    changes = threading.Event()
    watcher = BaseWatcher(base, changes.set, debounce_ms=100)
    watcher.start()
    try:
        time.sleep(0.5)
        new = _release(tmp_path / "base.new", "Acme 2")
        base.rename(tmp_path / "base.old")
        new.rename(base)
        assert changes.wait(20), "a folder moved into place did not ask for a reload"
        changes.clear()
        time.sleep(1.5)  # watching the new folder now
        (base / "returns" / "new.yaml").write_text("id: x\n", encoding="utf-8")
        assert changes.wait(20), "an edit in the new folder did not ask for a reload"
        changes.clear()
        (tmp_path / "base.old" / "returns" / "old.yaml").write_text("id: y\n", encoding="utf-8")
        assert not changes.wait(2), "an edit in the old folder asked for a reload"
    finally:
        watcher.stop()


def test_the_watcher_waits_for_a_base_that_is_gone_for_a_moment(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    base = _release(tmp_path / "base", "Acme")
    changes = threading.Event()
    watcher = BaseWatcher(base, changes.set, debounce_ms=100)
    caplog.set_level(logging.INFO, logger="replykb.serve.watch")
    watcher.start()
    try:
        time.sleep(0.5)
        shutil.rmtree(base)
        time.sleep(2.5)
        assert not changes.is_set(), "a base that is gone asked for a reload"
        _release(base, "Acme again")
        assert changes.wait(20), "the base coming back did not ask for a reload"
        changes.clear()
        time.sleep(1.5)
        (base / "returns" / "new.yaml").write_text("id: x\n", encoding="utf-8")
        assert changes.wait(20), "the watcher stopped watching after the base came back"
    finally:
        watcher.stop()
    messages = [record.getMessage() for record in caplog.records]
    assert any("is gone; the current base goes on serving" in m for m in messages)
    assert not any(record.exc_info for record in caplog.records), messages

"""A real `replykb serve` process and the system's headless Chromium, for the console's
browser tests and the Chatwoot example's tests (S2's)."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from .conftest import EXAMPLE_BASE
from .serve_helpers import ServerProcess, free_port

__all__ = [
    "Server",
    "chromium",
    "free_port",
    "load_example",
    "missing",
    "replykb_server",
    "serve_in_thread",
    "stop_http",
]

# Chromium as the system ships it (apt: chromium); Playwright never downloads one here.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
INSTALL_CHROMIUM = (
    "the console's browser tests drive the system's Chromium: install it with "
    "`apt-get install -y chromium chromium-driver` (.ci/run does), or point "
    "$REPLYKB_CHROMIUM at a Chromium binary; never `playwright install`"
)
# From a built cache the server is ready in seconds; a busy CI machine is slower.
READY_SECONDS = 180


def missing(what: str) -> None:
    """Stop the test: a failure in CI (which installs everything), a skip that says how
    to install it on a developer's machine (the system packages are optional there)."""
    if os.environ.get("CI"):
        pytest.fail(what, pytrace=False)
    pytest.skip(what)


def chromium_path() -> str:
    """The Chromium binary, or a stop that says how to install it."""
    path = (
        os.environ.get("REPLYKB_CHROMIUM")
        or shutil.which("chromium")
        or shutil.which("chromium-browser")
    )
    if not path:
        missing(f"Chromium not found: {INSTALL_CHROMIUM}")
    assert path is not None
    return path


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium browser (Playwright's sync API), closed afterwards."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing(
            "Playwright for Python is missing: pip install -e '.[test]' (it installs "
            f"playwright); and {INSTALL_CHROMIUM}"
        )
        raise
    path = chromium_path()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


class Server:
    """A running `replykb serve` (serve_helpers.ServerProcess): its URL, and calls to
    its API as any client makes."""

    def __init__(self, process: ServerProcess, log: Path | None) -> None:
        self.process = process
        self.url = process.url + "/"
        self.token = process.token
        self.log = log

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        status, content, _ = self.process.request(
            method, "/" + path.lstrip("/"), body, headers={"Accept": "application/json"}
        )
        return status, json.loads(content or b"null")

    def ok(self, method: str, path: str, body: Any = None) -> Any:
        status, data = self.call(method, path, body)
        assert status in (200, 202), (status, data)
        return data

    def feedback(self) -> list[Any]:
        """The feedback rows in the server's usage log, as `replykb usage` reads them."""
        from replykb.learn import open_log

        assert self.log is not None, "this server keeps no usage log"
        with open_log(self.log) as log:
            return list(log.feedback())

    def feedback_for(self, conversation_id: str, timeout: float = 20.0) -> Any:
        """The last feedback logged for a conversation (the log writes in the background)."""
        deadline = time.monotonic() + timeout
        while True:
            rows = [row for row in self.feedback() if row.conversation_id == conversation_id]
            if rows:
                return rows[-1]
            if time.monotonic() > deadline:
                raise AssertionError(f"no feedback for conversation {conversation_id!r} logged")
            time.sleep(0.1)


@contextmanager
def replykb_server(
    tmp: Path,
    cache: Path,
    *,
    token: str | None = None,
    log: bool = True,
    base: Path = EXAMPLE_BASE,
) -> Iterator[Server]:
    """`replykb serve --kb <base>` with ``cache`` (conftest's ``example_cache``: the
    server starts without encoding) on a free loopback port, until the block ends."""
    log_path = tmp / "usage.sqlite" if log else None
    options = ["--no-watch", *(["--log", str(log_path)] if log_path else [])]
    process = ServerProcess(base, cache, tmp / "server.out", *options, token=token)
    try:
        try:
            process.wait_ready(READY_SECONDS)
        except AssertionError as error:
            pytest.fail(str(error), pytrace=False)
        yield Server(process, log_path)
    finally:
        process.stop()


def load_example(path: Path) -> ModuleType:
    """An example script as a module (its dataclasses look their module up)."""
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def serve_in_thread(http: ThreadingHTTPServer) -> str:
    """Serve ``http`` (a stand-in for Chatwoot, or the webhook example) from a daemon
    thread; its URL, without a trailing slash."""
    threading.Thread(target=http.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{http.server_port}"


def stop_http(http: ThreadingHTTPServer) -> None:
    http.shutdown()
    http.server_close()

"""A real `replykb serve` process and the system's headless Chromium, for the console's
browser tests and the Chatwoot example's tests (S2's)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from .conftest import EXAMPLE_BASE

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


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Server:
    """A running `replykb serve`: its URL, and calls to its API as any client makes."""

    def __init__(self, url: str, token: str | None, log: Path | None) -> None:
        self.url = url
        self.token = token
        self.log = log

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        headers = {"Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(
            self.url + path.lstrip("/"),
            data=None if body is None else json.dumps(body).encode(),
            headers=headers,
            method=method,
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")

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
    """`replykb serve --kb <base> --cache-dir <cache>` on a free loopback port, until the
    block ends. ``cache``: conftest's ``example_cache`` (built once: the server starts
    without encoding)."""
    port = free_port()
    log_path = tmp / "usage.sqlite" if log else None
    command = [sys.executable, "-m", "replykb", "serve", "--kb", str(base)]
    command += ["--cache-dir", str(cache)]
    command += ["--host", "127.0.0.1", "--port", str(port), "--no-watch"]
    if log_path is not None:
        command += ["--log", str(log_path)]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    env.pop("REPLYKB_TOKEN", None)
    if token is not None:
        env["REPLYKB_TOKEN"] = token  # not on the command line, as the help advises
    output = (tmp / "server.out").open("w+b")
    process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}/"
    try:
        _wait_ready(process, url, output)
        yield Server(url, token, log_path)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        output.close()


def _wait_ready(process: subprocess.Popen[bytes], url: str, output: Any) -> None:
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output.seek(0)
            text = output.read().decode(errors="replace")
            pytest.fail(f"replykb serve exited {process.returncode}:\n{text}", pytrace=False)
        try:
            with urllib.request.urlopen(url + "readyz", timeout=5) as response:
                if response.status == 200:
                    return
        except (OSError, urllib.error.HTTPError):
            pass
        time.sleep(0.2)
    output.seek(0)
    text = output.read().decode(errors="replace")
    pytest.fail(f"replykb serve not ready after {READY_SECONDS} s:\n{text}", pytrace=False)

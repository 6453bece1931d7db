"""Helpers for the server's tests: an app over a loaded base, a real `replykb serve`
process on a free loopback port, and a prepared cache so that process starts quickly."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from replykb import KnowledgeBase

EXAMPLE_BASE = Path(__file__).parent.parent / "answers"
# A fixed moment, so reply windows (and so replies) do not depend on the clock.
NOW = "2026-11-02T10:00:00Z"


def copy_example_base(folder: Path) -> Path:
    """A snapshot of answers/ (without its cache), for a test that edits it."""
    root = folder / "answers"
    shutil.copytree(EXAMPLE_BASE, root, ignore=shutil.ignore_patterns(".replykb"))
    return root


def prepare_cache(base: Path, cache: Path, embedder: Any) -> Path:
    """``cache`` holding the base's index and the model's ONNX export, as `replykb build`
    leaves it: the index encoded with the session's model, then a default load makes
    the export. A process given --cache-dir starts from it without encoding."""
    KnowledgeBase.load(base, cache_dir=cache, embedder=embedder)
    KnowledgeBase.load(base, cache_dir=cache)
    return cache


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ServerProcess:
    """``replykb serve`` as a user runs it, on 127.0.0.1 and a free port."""

    def __init__(
        self,
        base: Path,
        cache: Path,
        log: Path,
        *options: str,
        token: str | None,
        env: dict[str, str] | None = None,
    ):
        """``env``: variables to set for the process (others of the test run's are kept,
        but the server's own $REPLYKB_TOKEN and $REPLYKB_LOG only when given here)."""
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.token = token
        self.log_path = log
        variables = {**os.environ, "REPLYKB_CACHE_DIR": str(cache), "TQDM_DISABLE": "1"}
        variables.pop("REPLYKB_TOKEN", None)
        variables.pop("REPLYKB_LOG", None)
        variables.update(env or {})
        if token is not None:
            variables["REPLYKB_TOKEN"] = token
        command = [sys.executable, "-m", "replykb", "serve", "--kb", str(base)]
        command += ["--port", str(self.port), *options]
        self._log = log.open("wb")
        self.process = subprocess.Popen(
            command, stdout=self._log, stderr=subprocess.STDOUT, env=variables
        )

    def wait_ready(self, timeout: float = 120) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(
                    f"the server exited ({self.process.returncode}):\n{self.log()}"
                )
            try:
                status, body, _ = self.request("GET", "/readyz")
                if status == 200:
                    ready: dict[str, Any] = json.loads(body)
                    return ready
            except OSError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"the server was not ready in {timeout} s:\n{self.log()}")

    def request(
        self,
        method: str,
        path: str,
        body: object = None,
        *,
        token: str | None = "default",
        headers: dict[str, str] | None = None,
        timeout: float = 60,
    ) -> tuple[int, bytes, dict[str, str]]:
        """One request: status, body and headers (an error status is returned, not raised)."""
        sent = dict(headers or {})
        token = self.token if token == "default" else token
        if token is not None:
            sent["Authorization"] = f"Bearer {token}"
        data = None
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode("utf-8")
            sent.setdefault("Content-Type", "application/json")
        request = urllib.request.Request(self.url + path, data=data, method=method, headers=sent)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, response.read(), dict(response.headers)
        except urllib.error.HTTPError as error:
            return error.code, error.read(), dict(error.headers)

    def json(self, method: str, path: str, body: object = None, **options: Any) -> Any:
        status, content, _ = self.request(method, path, body, **options)
        assert status < 300, (status, content)
        return json.loads(content)

    def log(self) -> str:
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> int:
        """SIGTERM, as a supervisor stops it; the exit code (killed after 30 s)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self._log.close()
        return self.process.returncode

"""Shared fixtures: small answer bases written into a temporary folder."""

from __future__ import annotations

import os
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import settings

# CI (REPLYKB_CI=1, set by .ci/run) replays the same examples every run, so a landing
# never depends on luck; local runs explore new examples and save failures to replay.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("REPLYKB_CI"):
    settings.load_profile("ci")

FIXTURES = Path(__file__).parent / "fixtures"
EXAMPLE_BASE = Path(__file__).parent.parent / "answers"

MINIMAL_SETTINGS = """\
brand: Acme
channels:
  x: {}
  email: {}
agents:
  paola:
    name: Paola
    signatures:
      x: "^Paola"
"""

MINIMAL_ANSWER = """\
questions:
  - When will I get my refund?
answer: Refunds arrive within 5 working days.
"""

WriteBase = Callable[[dict[str, str | bytes]], Path]


@pytest.fixture
def write_base(tmp_path: Path) -> WriteBase:
    """Write ``{relative path: content}`` into a fresh base folder and return it.

    ``replykb.yaml`` defaults to a minimal valid one unless given.
    """

    def write(files: dict[str, str | bytes]) -> Path:
        root = tmp_path / "base"
        root.mkdir(exist_ok=True)
        contents: dict[str, str | bytes] = {"replykb.yaml": MINIMAL_SETTINGS, **files}
        for relative, content in contents.items():
            file = root / relative
            file.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                file.write_bytes(content)
            else:
                file.write_text(textwrap.dedent(content), encoding="utf-8")
        return root

    return write


SHOP_BASE = FIXTURES / "bases" / "shop"


@pytest.fixture(scope="session")
def real_embedder():  # type: ignore[no-untyped-def]
    """The packaged all-MiniLM-L6-v2, loaded once for the whole run."""
    from replykb.embed import SentenceTransformerEmbedder, resolve_model

    return SentenceTransformerEmbedder(resolve_model())


@pytest.fixture(scope="session")
def shop_kb(real_embedder, tmp_path_factory):  # type: ignore[no-untyped-def]
    """The small shop fixture base, matched with the real model."""
    from replykb import KnowledgeBase

    return KnowledgeBase.load(
        SHOP_BASE, cache_dir=tmp_path_factory.mktemp("cache"), embedder=real_embedder
    )


@pytest.fixture(scope="session")
def example_kb(real_embedder, tmp_path_factory):  # type: ignore[no-untyped-def]
    """The example base (answers/), matched with the real model; its index built once.

    Shared: a test that needs observers makes its own ``KnowledgeBase(kb.base,
    kb.embedder, kb.index, observers=...)`` instead of adding them here.
    """
    from replykb import KnowledgeBase

    return KnowledgeBase.load(
        EXAMPLE_BASE, cache_dir=tmp_path_factory.mktemp("example-cache"), embedder=real_embedder
    )


@pytest.fixture(scope="session")
def postgres_server():  # type: ignore[no-untyped-def]
    """A real PostgreSQL server for the session (tests/postgres_server.py); each test
    takes a fresh database with ``postgres_server.new_database()``. Missing PostgreSQL
    skips locally and fails in CI, where .ci/run installs it."""
    from .postgres_server import postgres_bin, running_postgres

    if postgres_bin() is None:
        message = "PostgreSQL is not installed (apt-get install -y postgresql)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    with running_postgres() as server:
        yield server


@pytest.fixture(scope="session")
def example_cache(real_embedder, tmp_path_factory):  # type: ignore[no-untyped-def]
    """A cache folder holding answers/'s index and the model's ONNX export, as after
    `replykb build`: a process given it (--cache-dir or $REPLYKB_CACHE_DIR) starts without
    encoding. Copies of answers/ may share it (vectors are cached per text: an edited copy
    encodes only what it changed); one process at a time writes to it."""
    from replykb import KnowledgeBase

    cache = tmp_path_factory.mktemp("example-built-cache")
    KnowledgeBase.load(EXAMPLE_BASE, cache_dir=cache, embedder=real_embedder)
    KnowledgeBase.load(EXAMPLE_BASE, cache_dir=cache)  # the second load makes the export
    return cache

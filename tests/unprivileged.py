"""Run a step as a user whom file permissions apply to, for the unreadable-file tests.

Root reads a file whatever its mode, so under root (CI runs as root) the step runs in
a subprocess as ``nobody`` through ``setpriv``; under any other user it runs in this
process. The test is skipped only when neither is possible, with the reason.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

NOBODY = 65534

# Loads the base given as argv[1] and runs `replykb check` on it; prints what a user
# would see from both, as JSON.
_SCRIPT = """
import json, sys
from click.testing import CliRunner
from replykb import AnswerBaseError, load_answer_base
from replykb.cli import cli

def run(root):
    try:
        load_answer_base(root)
        problems = None
    except AnswerBaseError as error:
        problems = [
            {"file": p.location.file, "line": p.location.line, "code": p.code, "text": str(p)}
            for p in error.problems
        ]
    result = CliRunner().invoke(cli, ["check", root])
    return {"problems": problems, "exit_code": result.exit_code, "output": result.output}

if __name__ == "__main__":
    print(json.dumps(run(sys.argv[1])))
"""


def load_and_check_unprivileged(root: Path) -> dict[str, Any]:
    """``{"problems": [...] or None, "exit_code": int, "output": str}`` as a plain user."""
    if os.geteuid() != 0:  # permissions already bind this process
        namespace: dict[str, Any] = {"__name__": "unprivileged"}
        exec(compile(_SCRIPT, "<unprivileged>", "exec"), namespace)  # defines run()
        return namespace["run"](str(root))  # type: ignore[no-any-return]
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root and setpriv is missing: cannot drop the permission bypass")
    prefix = [setpriv, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
    env = {
        **os.environ,
        "HOME": str(root.parent),
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
    }
    done = subprocess.run(
        [*prefix, sys.executable, "-c", _SCRIPT, str(root)],
        capture_output=True,
        text=True,
        env=env,
        cwd=root.parent,
        timeout=120,
    )
    if done.returncode != 0 and "ModuleNotFoundError" in done.stderr:
        pytest.skip(f"the unprivileged user cannot import replykb here: {done.stderr[-300:]}")
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


@pytest.fixture
def shared_tmp() -> Iterator[Path]:
    """A temporary folder the unprivileged user can reach (pytest's tmp_path is 0700)."""
    folder = Path(tempfile.mkdtemp(prefix="replykb-perm-"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        # Top-down, each folder made accessible before it is entered, so a non-root
        # run can remove what its test made unreadable.
        for parent, folders, _ in os.walk(folder):
            for name in folders:
                path = Path(parent, name)
                if not path.is_symlink():
                    path.chmod(path.stat().st_mode | stat.S_IRWXU)
        shutil.rmtree(folder)


def make_world_readable(root: Path) -> None:
    """Let the unprivileged user read everything under ``root`` (before the test's chmod)."""
    for path in [root, *root.rglob("*")]:
        if path.is_symlink():
            continue
        extra = 0o755 if path.is_dir() else 0o644
        path.chmod(path.stat().st_mode | extra)

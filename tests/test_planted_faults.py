"""`replykb check` never passes a base that does not load (issue 11).

Faults of every kind the loader once dropped or crashed on are planted into a copy of
the small shop base, alone and in random combinations: ``KnowledgeBase.load`` must
reject the base with every fault located, and ``replykb check`` must exit 1 showing
each location. A base that does not load never reaches the model, so this is quick.
Unreadable files and folders are planted here only when permissions apply to the
process (not root); tests/test_loader.py covers them as an unprivileged user.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from replykb import AnswerBaseError, KnowledgeBase
from replykb.basefiles import MAX_FILE_BYTES
from replykb.cli import cli

from .conftest import MINIMAL_ANSWER, SHOP_BASE
from .test_loader import BILLION_LAUGHS


@dataclass(frozen=True)
class Fault:
    """One planted fault: how to plant it, where it must be reported, and what it says."""

    plant: Callable[[Path], None]
    file: str
    line: int
    words: str
    code: str = "RKB001"  # what `replykb check` calls it


def _write(relative: str, content: str | bytes) -> Callable[[Path], None]:
    def plant(root: Path) -> None:
        file = root / relative
        file.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            file.write_bytes(content)
        else:
            file.write_text(content, encoding="utf-8")

    return plant


def _linked_folder(root: Path) -> None:
    _write(".hidden/broken.yaml", "questions: [Where is my parcel?]\n")(root)
    (root / "linked").symlink_to(".hidden", target_is_directory=True)


def _outside_link(root: Path) -> None:
    outside = Path(tempfile.mkdtemp(prefix="replykb-outside-", dir=root.parent))
    (outside / "refund.yaml").write_text(MINIMAL_ANSWER)
    (root / "outside").symlink_to(outside, target_is_directory=True)


def _pipe(root: Path) -> None:
    (root / "faults").mkdir(exist_ok=True)
    os.mkfifo(root / "faults" / "pipe.yaml")


def _unreadable(relative: str) -> Callable[[Path], None]:
    def plant(root: Path) -> None:
        _write(relative, MINIMAL_ANSWER.replace("refund", "locked"))(root)
        (root / relative).chmod(0)

    return plant


def _unlistable(root: Path) -> None:
    _write("locked/answer.yaml", MINIMAL_ANSWER)(root)
    (root / "locked").chmod(0)


FAULTS: dict[str, Fault] = {
    "replykb.yaml is ~": Fault(
        _write("replykb.yaml", "~\n"), "replykb.yaml", 1, "must be a mapping of settings"
    ),
    "answer is ~": Fault(_write("faults/tilde.yaml", "~\n"), "faults/tilde.yaml", 1, "null"),
    "answer is null": Fault(_write("faults/null.yaml", "null\n"), "faults/null.yaml", 1, "null"),
    "empty answer": Fault(_write("faults/empty.yaml", ""), "faults/empty.yaml", 1, "nothing"),
    "two documents": Fault(
        _write("faults/two.yaml", MINIMAL_ANSWER + "---\n" + MINIMAL_ANSWER),
        "faults/two.yaml",
        4,
        "a second YAML document starts here",
    ),
    "upper-case suffix": Fault(
        _write("faults/upper.YAML", "questions: [hi]\n"),
        "faults/upper.YAML",
        1,
        "missing required key `answer`",
    ),
    "symlinked folder": Fault(
        _linked_folder, "linked/broken.yaml", 1, "missing required key `answer`"
    ),
    "symlink leaving the base": Fault(
        _outside_link, "outside", 1, "outside the base folder", code="RKB004"
    ),
    "broken symlink": Fault(
        lambda root: (root / "gone.yaml").symlink_to("nowhere.yaml"),
        "gone.yaml",
        1,
        "cannot be followed",
        code="RKB004",
    ),
    "named pipe": Fault(_pipe, "faults/pipe.yaml", 1, "not a regular file", code="RKB004"),
    "alias bomb": Fault(
        _write("faults/bomb.yaml", MINIMAL_ANSWER.replace("refund", "bomb") + BILLION_LAUGHS),
        "faults/bomb.yaml",
        9,
        "aliases expand too far",
    ),
    "alias inside its anchor": Fault(
        _write("faults/loop.yaml", "questions: &q [hi, *q]\nanswer: x\n"),
        "faults/loop.yaml",
        1,
        "makes an endless structure",
    ),
    "5000-digit number": Fault(
        _write("faults/number.yaml", "questions: [hi]\nanswer: " + "7" * 5000 + "\n"),
        "faults/number.yaml",
        2,
        "as an int: exceeds the limit",
    ),
    "over the size limit": Fault(
        _write("faults/big.yaml", b"#" * (MAX_FILE_BYTES + 1)),
        "faults/big.yaml",
        1,
        "over the limit",
        code="RKB004",
    ),
    "duplicate id": Fault(
        _write("x/dup.yaml", "id: refund-timing\n" + MINIMAL_ANSWER),  # after orders/
        "x/dup.yaml",
        1,
        "duplicate answer id 'refund-timing'",
        code="RKB002",
    ),
}
if hasattr(os, "geteuid") and os.geteuid() != 0:  # permissions bind this process
    FAULTS |= {
        "unreadable answer": Fault(
            _unreadable("faults/locked.yaml"),
            "faults/locked.yaml",
            1,
            "permission denied",
            code="RKB004",
        ),
        "unreadable folder": Fault(_unlistable, "locked", 1, "permission denied", code="RKB004"),
    }


def _planted_base(parent: Path, names: set[str]) -> Path:
    root = parent / "base"
    shutil.copytree(SHOP_BASE, root)
    for name in sorted(names):
        FAULTS[name].plant(root)
    return root


def _assert_rejected_with_every_fault_located(root: Path, names: set[str]) -> None:
    with pytest.raises(AnswerBaseError) as raised:
        KnowledgeBase.load(root)
    problems = raised.value.problems
    result = CliRunner().invoke(cli, ["check", str(root)])
    assert result.exit_code == 1, result.output
    for name in sorted(names):
        fault = FAULTS[name]
        where = f"{root / fault.file}:{fault.line}:"
        located = [p for p in problems if str(p.location).startswith(where)]
        assert located, f"{name}: nothing at {where}\n{raised.value}"
        assert any(fault.words in p.message for p in located), f"{name}\n{raised.value}"
        shown = rf"^{re.escape(where)}\d+: {fault.code} error "
        assert re.search(shown, result.output, re.MULTILINE), f"{name}\n{result.output}"


def _restore_permissions(parent: Path) -> None:
    for folder, subfolders, files in os.walk(parent):
        for name in [*subfolders, *files]:
            path = Path(folder, name)
            if not path.is_symlink():
                path.chmod(0o755)


@pytest.mark.parametrize("name", sorted(FAULTS))
def test_each_fault_fails_load_and_check(tmp_path: Path, name: str) -> None:
    root = _planted_base(tmp_path, {name})
    try:
        _assert_rejected_with_every_fault_located(root, {name})
    finally:
        _restore_permissions(tmp_path)


def test_the_unplanted_base_loads_and_the_faults_are_independent(tmp_path: Path) -> None:
    # The property below needs a base that is valid without faults, and faults that do
    # not hide one another: all of them at once are all found.
    base = _planted_base(tmp_path / "clean", set())
    from replykb import load_answer_base

    assert len(load_answer_base(base).answers) == 3
    root = _planted_base(tmp_path / "all", set(FAULTS))
    try:
        _assert_rejected_with_every_fault_located(root, set(FAULTS))
    finally:
        _restore_permissions(tmp_path)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(names=st.sets(st.sampled_from(sorted(FAULTS)), min_size=1))
def test_check_never_passes_a_base_that_does_not_load(names: set[str]) -> None:
    parent = Path(tempfile.mkdtemp(prefix="replykb-planted-"))
    try:
        root = _planted_base(parent, names)
        _assert_rejected_with_every_fault_located(root, names)
    finally:
        _restore_permissions(parent)
        shutil.rmtree(parent)

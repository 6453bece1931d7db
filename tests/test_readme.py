"""The README's Python examples run as written, and print what the README says."""

from __future__ import annotations

import contextlib
import io
import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```python\n(.*?)```", README, flags=re.DOTALL)


def test_readme_has_python_examples() -> None:
    assert len(BLOCKS) >= 3


def test_readme_python_examples_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    namespace: dict[str, object] = {}
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        for block in BLOCKS:
            exec(compile(block, "README.md", "exec"), namespace)
    printed = output.getvalue()
    assert "confident refund-timing" in printed
    assert (
        "unknown channel 'fax'; known channels: chat, email, facebook, instagram, sms, x" in printed
    )
    from replykb import count_length

    for call, expected in re.findall(r"(count_length\(.*?\))\s+# (\d+)", README):
        assert str(eval(call, {"count_length": count_length})) == expected, call


def test_quick_start_commands_are_the_first_commands() -> None:
    first_block = re.search(r"```bash\n(.*?)```", README, flags=re.DOTALL)
    assert first_block is not None
    commands = [
        line for line in first_block.group(1).splitlines() if line and not line.startswith("#")
    ]
    assert len(commands) == 2
    assert "replykb suggest" in commands[0] and "--kb answers/" in commands[0]
    assert commands[1].endswith("&& pytest")
    assert all("pip install torch==2.13.0" in command for command in commands)
    assert os.path.isdir(ROOT / "answers")

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
    # Every channel of answers/, with the private ones its public channels pair with.
    assert (
        "unknown channel 'fax'; known channels: chat, email, facebook, instagram, instagram_dm, "
        "messenger, sms, x, x_dm" in printed
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


# --- every shell command runs in a fresh clone (issue 12 point 8) ----------------------------

SHELL_BLOCKS = re.findall(r"```bash\n(.*?)```", README, flags=re.DOTALL)
# Inline commands in the prose (`python benchmarks/speed.py data_full.json`), joined
# where the README wraps them over two lines.
INLINE = [
    " ".join(span.split())
    for span in re.findall(r"`((?:replykb|python|bash) [^`]+)`", README)
    if "<Tab>" not in span  # what a user types before pressing Tab, not a command
]
PROGRAMS = {"replykb", "python", "python3", "pytest", "pip", "bash", "ruff", "mypy"}
# Options whose value a command writes, or creates, rather than reads.
WRITES = {"--output", "-o", ">"}
PATH_SUFFIXES = {".jsonl", ".csv", ".json", ".py", ".yml", ".yaml", ".xml", ".j2", ".txt", ".md"}
CLINC150 = "data_full.json"  # downloaded by the user; the benchmarks say from where


def _commands(*, inline: bool = True) -> list[list[str]]:
    """Every README shell command as arguments: lines of ```bash blocks, split at
    `&&`, `;` and `|`, and inline `replykb ...` / `python ...` spans; optional parts
    written `[--data FILE]` count as given."""
    import shlex

    lines = [line for block in SHELL_BLOCKS for line in block.splitlines()]
    lines += INLINE if inline else []
    commands = []
    for line in lines:
        words = shlex.split(line.replace("[", " ").replace("]", " "), comments=True)
        command: list[str] = []
        for word in [*words, "&&"]:
            if word in {"&&", ";", "|", "||"}:
                while command and re.fullmatch(r"[A-Z_]+=\S*", command[0]):
                    command.pop(0)  # VAR=value before the program
                if command and Path(command[0]).name in PROGRAMS:
                    commands.append(command)
                command = []
            else:
                command.append(word)
    return commands


def _tracked_files() -> set[str]:
    """The files a clone has (git's index), with every folder on their way."""
    import subprocess

    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    if listed.returncode != 0 or not listed.stdout:
        pytest.skip("not a git checkout: cannot tell which files a clone has")
    files = set(listed.stdout.strip("\0").split("\0"))
    return files | {str(parent) for file in files for parent in Path(file).parents}


def _repository_paths(command: list[str]) -> tuple[list[str], list[str]]:
    """(paths the command reads, paths it writes) among its words."""
    reads, writes = [], []
    created_next = False
    for index, word in enumerate(command[1:], start=1):
        previous = command[index - 1]
        if created_next or previous in WRITES:
            writes.append(word)
        elif (
            not word.startswith(("-", "~", "$", "/", "http"))
            and ("/" in word or Path(word).suffix in PATH_SUFFIXES)
            and " " not in word
        ):
            reads.append(word)
        created_next = command[0] == "replykb" and word == "init"
    return reads, writes


def test_readme_shell_commands_are_found() -> None:
    commands = _commands()
    programs = {(c[0], c[1] if len(c) > 1 else "") for c in commands}
    for expected in [("replykb", "suggest"), ("replykb", "eval"), ("replykb", "answers")]:
        assert expected in programs
    assert any(c[:2] == ["python", "benchmarks/clinc150.py"] for c in commands)
    assert len(commands) >= 25


def test_every_file_a_readme_command_reads_is_in_a_clone() -> None:
    tracked = _tracked_files()
    created: set[str] = set()
    missing = []
    for command in _commands():
        reads, writes = _repository_paths(command)
        created.update(path.rstrip("/") for path in writes)
        for path in reads:
            name = path.rstrip("/")
            if name in created or name in tracked:
                continue
            if Path(name).name == CLINC150 and command[1].startswith("benchmarks/"):
                continue  # the user downloads it: test_benchmarks_say_where_to_get_clinc150
            missing.append(f"{' '.join(command)}: {path}")
    assert not missing, "README commands read files a clone does not have:\n" + "\n".join(missing)


@pytest.mark.parametrize(
    "script",
    [
        "clinc150.py",
        "speed.py",
        "batch_speed.py",
        "check_speed.py",
        "server_speed.py",
        "gaps_clinc150.py",
    ],
)
def test_benchmarks_say_where_to_get_clinc150(tmp_path: Path, script: str) -> None:
    import subprocess
    import sys

    benchmark = ROOT / "benchmarks" / script
    assert any(c[:2] == ["python", f"benchmarks/{script}"] for c in _commands()), script
    result = subprocess.run(
        [sys.executable, str(benchmark), str(tmp_path / CLINC150)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2
    assert f"benchmark: no CLINC150 file at {tmp_path / CLINC150}" in result.stderr
    assert "https://github.com/clinc/oos-eval" in result.stderr
    assert "curl -LO https://raw.githubusercontent.com/clinc/oos-eval/master/data/" in result.stderr
    assert "Traceback" not in result.stderr


def test_readme_commands_that_need_no_model_run_in_a_clone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`render`, `answers`, `init` and `--version` as the README's shell blocks write
    them, from the repository's root (a new base goes to a temporary folder)."""
    from click.testing import CliRunner

    from replykb.cli import cli

    monkeypatch.chdir(ROOT)
    ran = set()
    for number, command in enumerate(_commands(inline=False)):
        if command[0] != "replykb" or command[1] not in {"render", "answers", "init", "--version"}:
            continue
        new_base = tmp_path / str(number) / "my-answers"
        args = [str(new_base) if word == "my-answers/" else word for word in command[1:]]
        result = CliRunner().invoke(cli, args, env={"REPLYKB_KB": None})
        assert result.exit_code == 0, f"{' '.join(command)}\n{result.output}"
        ran.add(command[1])
    assert ran == {"render", "answers", "init", "--version"}


def test_readme_torch_install_is_honest_about_pypi() -> None:
    """PyPI's Linux torch wheels are CUDA builds; the README gives the CPU index."""
    text = " ".join(README.split())
    assert "on public PyPI every Linux torch wheel, `torch==2.13.0` included, is a CUDA build" in (
        text
    )
    cpu = [c for c in _commands() if c[:2] == ["pip", "install"] and "--index-url" in c]
    assert cpu == [
        ["pip", "install", "torch", "--index-url", "https://download.pytorch.org/whl/cpu"]
    ]

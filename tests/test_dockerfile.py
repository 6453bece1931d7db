"""The Dockerfile: what can be checked without Docker, and its recipe run for real.

No Docker daemon runs here (and no registry is reachable), so the image itself cannot
be built. What a user relies on is checked on the parsed instructions (a non-root
user, the healthcheck's port, the token never in the image, the usage log on a volume
the server may write, COPY sources present, usage logs and caches left out of the
build context); then the recipe's own
steps run as the image would run them: a wheel built from exactly what the COPY
instructions bring in, installed into a fresh virtual environment, the Dockerfile's
`replykb build` command, its CMD as a process without root's privileges over a
read-only base and cache, and its HEALTHCHECK command against that server.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from .cache_helpers import make_read_only, make_writable, no_bypass_prefix, snapshot
from .conftest import SHOP_BASE

REPO = Path(__file__).parent.parent
DOCKERFILE = REPO / "Dockerfile"


@dataclass(frozen=True)
class Instruction:
    keyword: str
    arguments: str
    line: int

    @property
    def exec_form(self) -> list[str] | None:
        """The JSON array of an exec-form instruction (CMD ["a", "b"]), else None."""
        text = self.arguments
        if self.keyword == "HEALTHCHECK":
            text = self.arguments.split(" CMD ", 1)[-1]
        try:
            value = json.loads(text)
        except ValueError:
            return None
        return value if isinstance(value, list) else None


def parse(text: str) -> list[Instruction]:
    """Instructions with their continuation lines joined; comment lines dropped (also
    inside a continuation, as Docker does)."""
    instructions: list[Instruction] = []
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if not pending:
            start = number
        continued = line.endswith("\\")
        pending.append(line[:-1].strip() if continued else line)
        if not continued:
            keyword, _, arguments = " ".join(pending).partition(" ")
            instructions.append(Instruction(keyword.upper(), arguments.strip(), start))
            pending = []
    assert not pending, "the Dockerfile ends inside a continued instruction"
    return instructions


INSTRUCTIONS = parse(DOCKERFILE.read_text(encoding="utf-8"))


def of(keyword: str) -> list[Instruction]:
    return [i for i in INSTRUCTIONS if i.keyword == keyword]


def args_defaults() -> dict[str, str]:
    return dict(i.arguments.split("=", 1) for i in of("ARG") if "=" in i.arguments)


def substitute(text: str) -> str:
    defaults = args_defaults()
    return re.sub(r"\$\{(\w+)\}|\$(\w+)", lambda m: defaults[m[1] or m[2]], text)


def env() -> dict[str, str]:
    values: dict[str, str] = {}
    for instruction in of("ENV"):
        for item in shlex.split(instruction.arguments):
            name, _, value = item.partition("=")
            values[name] = value
    return values


def run_with(word: str) -> list[Instruction]:
    return [i for i in of("RUN") if word in i.arguments]


def build_run() -> Instruction:
    (instruction,) = run_with("replykb build")
    return instruction


def base_copy() -> tuple[str, str]:
    """(source in the build context, destination in the image) of the answer base."""
    (instruction,) = [i for i in of("COPY") if "BASE" in i.arguments]
    source, destination = substitute(instruction.arguments).split()
    return source, destination


def exposed_port() -> int:
    (instruction,) = of("EXPOSE")
    return int(instruction.arguments.split("/")[0])


def test_the_server_runs_as_a_user_of_its_own() -> None:
    (cmd,) = of("CMD")
    users = [i for i in of("USER") if i.line < cmd.line]
    assert users, "no USER before CMD: the server would run as root"
    user = users[-1].arguments.split(":")[0]
    assert user not in ("root", "0")
    assert any("useradd" in i.arguments and i.arguments.endswith(user) for i in of("RUN"))
    assert build_run().line < users[-1].line, (
        "the cache is built as root, before USER: the server's user cannot change it"
    )


def test_the_healthcheck_asks_healthz_on_the_served_port() -> None:
    (check,) = of("HEALTHCHECK")
    command = check.exec_form
    assert command is not None
    assert f"http://127.0.0.1:{exposed_port()}/healthz" in command[-1]


def documented_log() -> str:
    """The usage log path of the header's `docker run -e REPLYKB_LOG=PATH` example."""
    header = DOCKERFILE.read_text(encoding="utf-8").split("\nFROM ", 1)[0]
    found = re.findall(r"-e REPLYKB_LOG=(\S+)", header)
    assert found, "the Dockerfile's header shows no usage log (-e REPLYKB_LOG=...)"
    return str(found[0])


def test_the_documented_usage_log_is_on_a_volume_the_server_may_write() -> None:
    # A log inside the container would be lost with it, and the base is read-only.
    folder = str(Path(documented_log()).parent)
    volumes = [word for i in of("VOLUME") for word in (i.exec_form or i.arguments.split())]
    assert folder in volumes, f"{folder} is not a VOLUME: the log dies with the container"
    (cmd,) = of("CMD")
    user = [i for i in of("USER") if i.line < cmd.line][-1]
    name = user.arguments.split(":")[0]
    assert any(
        re.search(rf"chown {name} {re.escape(folder)}\b", i.arguments)
        for i in of("RUN")
        if i.line < user.line
    ), f"{name} cannot write {folder}"
    assert "REPLYKB_LOG" not in env(), "without a volume the log would die with the container"


def test_the_server_listens_on_all_interfaces_at_the_exposed_port() -> None:
    (cmd,) = of("CMD")
    command = cmd.exec_form
    assert command is not None, "exec form: the server itself gets SIGTERM and SIGHUP"
    assert command[:2] == ["replykb", "serve"]
    assert command[command.index("--host") + 1] == "0.0.0.0"
    assert int(command[command.index("--port") + 1]) == exposed_port()
    assert "--token" not in command and "REPLYKB_TOKEN" not in env(), (
        "the token comes from the container's environment, never from the image"
    )


# --- the build context --------------------------------------------------------------------


def ignore_patterns() -> list[tuple[bool, re.Pattern[str]]]:
    """.dockerignore's patterns (Go filepath.Match with ``**``), with ``!`` exceptions."""
    patterns = []
    for raw in (REPO / ".dockerignore").read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        pattern = line.lstrip("!").strip("/")
        regex, i = "", 0
        while i < len(pattern):
            if pattern.startswith("**/", i):
                regex, i = regex + "(?:.*/)?", i + 3
            elif pattern.startswith("**", i):
                regex, i = regex + ".*", i + 2
            elif pattern[i] == "*":
                regex, i = regex + "[^/]*", i + 1
            elif pattern[i] == "?":
                regex, i = regex + "[^/]", i + 1
            else:
                regex, i = regex + re.escape(pattern[i]), i + 1
        patterns.append((negate, re.compile(regex)))
    return patterns


def is_excluded(relative: str, patterns: list[tuple[bool, re.Pattern[str]]]) -> bool:
    """Docker's rule: the last pattern that matches the path, or a folder above it, wins."""
    parts = relative.split("/")
    excluded = False
    for negate, regex in patterns:
        if any(regex.fullmatch("/".join(parts[:n])) for n in range(1, len(parts) + 1)):
            excluded = not negate
    return excluded


def context_files(source: str) -> list[str]:
    path = REPO / source
    if path.is_file():
        return [source]
    return sorted(str(p.relative_to(REPO)) for p in path.rglob("*") if p.is_file())


def test_copy_sources_exist_and_are_in_the_build_context() -> None:
    patterns = ignore_patterns()
    for instruction in of("COPY"):
        *sources, _ = substitute(instruction.arguments).split()
        for source in sources:
            assert (REPO / source).exists(), f"Dockerfile:{instruction.line}: no {source}"
            assert not is_excluded(source, patterns), f"{source} is in .dockerignore"
            kept = [f for f in context_files(source) if not is_excluded(f, patterns)]
            assert kept, f"Dockerfile:{instruction.line}: nothing of {source} reaches the image"
    assert not is_excluded("replykb/serve/static/index.html", patterns), "the console"
    assert not is_excluded("replykb/build.py", patterns), "`build` is only the root folder"


@pytest.mark.parametrize(
    "path",
    [
        ".git/HEAD",
        ".venv/bin/python",
        "answers/.replykb/manifest.json",
        "replykb/__pycache__/kb.cpython-311.pyc",
        "tests/test_kb.py",
        # usage logs (customers' messages, agents) must never reach a pushed image
        "answers/usage.db",
        "answers/usage.db-wal",
        "answers/usage.db-shm",
        "answers/usage.db-journal",
        "answers/logs/usage.sqlite3",
        "drafts/001-new-where-is-my-invoice.yaml",
    ],
)
def test_the_context_leaves_out_what_the_image_must_not_hold(path: str) -> None:
    # A stale cache from the checkout would be rebuilt anyway; a venv is gigabytes.
    assert is_excluded(path, ignore_patterns())


# --- the recipe, run -------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def in_image(root: Path, path: str) -> str:
    """An absolute path of the image, under ``root`` here."""
    return str(root / path.lstrip("/")) if path.startswith("/") else path


def declared_dependencies(wheel: Path, folder: Path) -> Path:
    """A folder holding links to the installed packages the wheel requires, and theirs
    (markers evaluated, extras followed), each with its metadata; nothing else."""
    import zipfile
    from importlib import metadata

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    with zipfile.ZipFile(wheel) as archive:
        (name,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        requires = [
            line.split(":", 1)[1].strip()
            for line in archive.read(name).decode("utf-8").splitlines()
            if line.startswith("Requires-Dist:")
        ]
    pending = [(Requirement(text), "") for text in requires]
    seen: set[str] = set()
    folder.mkdir()
    while pending:
        requirement, extra = pending.pop()
        if requirement.marker and not requirement.marker.evaluate({"extra": extra}):
            continue
        key = canonicalize_name(requirement.name)
        try:
            distribution = metadata.distribution(key)
        except metadata.PackageNotFoundError:
            continue  # not needed here (a platform's optional wheel): nothing to link
        for wanted in sorted(requirement.extras):
            pending += [(Requirement(r), wanted) for r in distribution.requires or []]
        if key in seen:
            continue
        seen.add(key)
        pending += [(Requirement(r), "") for r in distribution.requires or []]
        for top in {
            f.parts[0] for f in distribution.files or [] if len(f.parts) and ".." not in f.parts
        }:
            link = folder / top
            if top != "__pycache__" and not link.exists():
                link.symlink_to(distribution.locate_file(top))
    return folder


def test_the_recipe_builds_a_cache_that_the_server_starts_from(tmp_path: Path) -> None:
    prefix = no_bypass_prefix(tmp_path)
    image = tmp_path / "image"
    # pip install . on exactly what the COPY instructions bring into the WORKDIR.
    (workdir,) = [i.arguments for i in of("WORKDIR")][:1]
    source = image / workdir.lstrip("/")
    patterns = ignore_patterns()
    for instruction in of("COPY"):
        if "BASE" in instruction.arguments:
            continue
        *sources, destination = instruction.arguments.split()
        target = source / destination if not destination.startswith("/") else image / destination
        for name in sources:
            for file in context_files(name):
                if not is_excluded(file, patterns):
                    relative = Path(file).relative_to(name) if (REPO / name).is_dir() else None
                    to = (target / relative) if relative is not None else target / Path(file).name
                    to.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(REPO / file, to)
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(source)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    (site,) = (venv / "lib").glob("python3*/site-packages")
    (wheel,) = wheels.glob("replykb-*.whl")
    # The dependencies (torch, onnxruntime, FastAPI...) are the test environment's, but
    # only those the wheel declares, with theirs: a package replykb imports without
    # declaring it would be missing from the image, and fails here as it would there.
    deps = declared_dependencies(wheel, tmp_path / "deps")
    (site / "deps.pth").write_text(f"{deps}\n")
    assert (deps / "fastapi").exists() and (deps / "onnxruntime").exists()
    assert not (deps / "hypothesis").exists(), "the test extra is not the image's"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(venv / "bin" / "python"),
            "install",
            "--no-deps",
            "-q",
            str(wheel),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    # The image's environment, its paths under `image`; the base: the small fixture base
    # (--build-arg BASE=...), the recipe is the same for any.
    _, base_destination = base_copy()
    shutil.copytree(SHOP_BASE, in_image(image, base_destination))
    environment = {
        **os.environ,
        **{name: in_image(image, value) for name, value in env().items()},
        "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}",
    }
    environment.pop("REPLYKB_MODEL", None)
    build = [in_image(image, word) for word in shlex.split(build_run().arguments)]
    # Run where the Dockerfile runs it: in the WORKDIR that holds the copied sources.
    built = subprocess.run(
        build, capture_output=True, text=True, env=environment, cwd=source, timeout=600
    )
    assert built.returncode == 0, built.stderr
    assert "built the index: 10 questions of 3 answers" in built.stdout
    assert "built the model's ONNX export" in built.stdout
    where = subprocess.run(
        ["python", "-c", "import replykb; print(replykb.__file__)"],
        capture_output=True,
        text=True,
        env=environment,
        check=True,
        cwd=tmp_path,  # python -c imports from its folder first: not the checkout's
    )
    assert where.stdout.startswith(str(site)), "the installed wheel runs, not the checkout"

    cache = Path(environment["REPLYKB_CACHE_DIR"])
    base = Path(environment["REPLYKB_KB"])
    # The image's user is neither the owner nor in the group of what root built: the
    # server reads it through the permission bits for others.
    for path in [base, cache, *base.rglob("*"), *cache.rglob("*")]:
        needed = 0o005 if path.is_dir() else 0o004
        assert path.stat().st_mode & needed == needed, f"{path} is not readable by others"
    before = snapshot(cache)
    make_read_only(base, cache)  # owned by root in the image, read-only for its user
    port = free_port()
    (cmd,) = of("CMD")
    command = [str(port) if word == str(exposed_port()) else word for word in cmd.exec_form or []]
    # As the header documents it: the usage log on the volume (created by the image).
    usage_log = Path(in_image(image, documented_log()))
    usage_log.parent.mkdir(parents=True)
    log = tmp_path / "serve.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [*prefix, *command],
            stdout=output,
            stderr=output,
            env={**environment, "REPLYKB_TOKEN": "s3cret", "REPLYKB_LOG": str(usage_log)},
            cwd=in_image(image, of("WORKDIR")[-1].arguments),
        )
    try:
        (check,) = of("HEALTHCHECK")
        health = [
            word.replace(f":{exposed_port()}/", f":{port}/") for word in check.exec_form or []
        ]
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None, log.read_text()
            probe = subprocess.run(health, capture_output=True, env=environment, timeout=30)
            if probe.returncode == 0:
                break
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/v1/suggest",
            data=json.dumps({"message": "how long does a refund take?", "channel": "x"}).encode(),
            headers={"content-type": "application/json", "authorization": "Bearer s3cret"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            assert json.loads(response.read())["match"]["answer_id"] == "refund-timing"
        request.remove_header("Authorization")
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=30)
        assert refused.value.code == 401, "the token from the environment is required"
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=30) == 0
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
        make_writable(base, cache)
    output_text = log.read_text()
    assert "Traceback" not in output_text
    for built_at_start in ("building the index", "embedding", "exporting", "cannot write"):
        assert built_at_start not in output_text, output_text
    assert snapshot(cache) == before, "the server changed nothing in the image's cache"
    from replykb.learn import open_log

    with open_log(usage_log, create=False) as kept:
        assert [row.answer_id for row in kept.suggestions()] == ["refund-timing"]

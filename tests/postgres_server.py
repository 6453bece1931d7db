"""A real PostgreSQL server for the usage log's tests: initdb + pg_ctl in a temporary
folder, listening on a free loopback port, stopped at the end of the session.

The server is Debian's (apt: postgresql; binaries in /usr/lib/postgresql/*/bin).
PostgreSQL refuses to run as root, so under root (CI) its commands run as ``nobody``
through ``setpriv`` (as tests/unprivileged.py does), in a folder that user owns.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

NOBODY = 65534
USER = "replykb"


def postgres_bin() -> Path | None:
    """The newest installed PostgreSQL's bin folder, or None when there is none."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parent.parent.name),
    )
    override = os.environ.get("REPLYKB_PG_BIN")
    if override:
        return Path(override)
    return Path(found[-1]).parent if found else None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class PostgresServer:
    folder: Path
    port: int
    bin: Path

    @property
    def url(self) -> str:
        """The URL of the server's default database (a superuser, no password)."""
        return f"postgresql://{USER}@127.0.0.1:{self.port}/postgres"

    def new_database(self) -> str:
        """A fresh, empty database on this server; its URL."""
        import psycopg

        name = "t_" + uuid.uuid4().hex[:12]
        with psycopg.connect(self.url, autocommit=True) as connection:
            connection.execute(f"CREATE DATABASE {name}".encode())
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{name}"


def _as_server_user() -> list[str]:
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        raise RuntimeError("running as root and setpriv is missing: PostgreSQL refuses root")
    return [setpriv, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]


def _run(command: list[str], folder: Path) -> None:
    done = subprocess.run(
        [*_as_server_user(), *command],
        capture_output=True,
        text=True,
        cwd=folder,
        env={**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"},
        timeout=120,
    )
    if done.returncode != 0:
        log = folder / "server.log"
        tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stdout}{done.stderr}{tail}")


@contextmanager
def running_postgres() -> Iterator[PostgresServer]:
    """Start a throwaway server (fsync off: test data) and stop it on exit."""
    bin_folder = postgres_bin()
    if bin_folder is None:
        raise FileNotFoundError("no PostgreSQL: apt-get install -y postgresql")
    folder = Path(tempfile.mkdtemp(prefix="replykb-pg-"))
    folder.chmod(0o755)
    data, sockets = folder / "data", folder / "sockets"
    sockets.mkdir()
    if os.geteuid() == 0:
        os.chown(folder, NOBODY, NOBODY)
        os.chown(sockets, NOBODY, NOBODY)
    server = PostgresServer(folder=folder, port=free_port(), bin=bin_folder)
    pg_ctl = str(bin_folder / "pg_ctl")
    try:
        _run(
            [
                str(bin_folder / "initdb"),
                "-D",
                str(data),
                "-U",
                USER,
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
                "--no-instructions",
            ],
            folder,
        )
        options = (
            f"-p {server.port} -k {sockets} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
            "-c max_connections=50"
        )
        _run(
            [
                pg_ctl,
                "-D",
                str(data),
                "-o",
                options,
                "-l",
                str(folder / "server.log"),
                "-w",
                "-t",
                "60",
                "start",
            ],
            folder,
        )
        yield server
    finally:
        if (data / "postmaster.pid").exists():
            subprocess.run(
                [*_as_server_user(), pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"],
                capture_output=True,
                cwd=folder,
                timeout=60,
            )
        shutil.rmtree(folder, ignore_errors=True)

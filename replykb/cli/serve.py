"""``replykb serve``: the HTTP API, the agent console and hot reloads, on uvicorn."""

from __future__ import annotations

import errno
import logging
import os
import signal
import socket
import sys
import threading
from pathlib import Path

import click

from ._common import CACHE_OPTION, QUIET_OPTION, base_options, fail

logger = logging.getLogger("replykb.serve")

_LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
TOKEN_ENVVAR = "REPLYKB_TOKEN"
LOG_ENVVAR = "REPLYKB_LOG"


@click.command()
@base_options(positional=False)
@CACHE_OPTION
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--token",
    envvar=TOKEN_ENVVAR,
    show_envvar=True,
    help="Require `Authorization: Bearer TOKEN` on /v1 and /metrics (prefer the variable: "
    "a command line is visible to other users of the machine).",
)
@click.option(
    "--cors-origin",
    "cors_origins",
    multiple=True,
    metavar="URL",
    help="Allow browser pages from this origin (repeat it); no CORS without it.",
)
@click.option(
    "--log",
    "log_url",
    metavar="URL",
    envvar=LOG_ENVVAR,
    show_envvar=True,
    help="Usage log (a SQLite path or URL); default: the base's `log:` setting. The "
    "variable suits containers: point it at a mounted volume.",
)
@click.option(
    "--log-messages",
    is_flag=True,
    help="Write customers' messages in the server's log lines, masked as the usage log "
    "masks them (never without it).",
)
@click.option("--no-watch", is_flag=True, help="Do not reload when the base's files change.")
@click.option(
    "--max-body-bytes",
    type=click.IntRange(min=1024),
    default=1_048_576,
    show_default=True,
    help="Largest request body (413 above it).",
)
@QUIET_OPTION
def serve(
    kb_path: Path,
    cache_dir: Path | None,
    host: str,
    port: int,
    token: str | None,
    cors_origins: tuple[str, ...],
    log_url: str | None,
    log_messages: bool,
    no_watch: bool,
    max_body_bytes: int,
    quiet: bool,
) -> None:
    """Serve the base over HTTP: the API, the agent console at /, metrics, hot reload.

    The base is loaded before the server listens (a base that does not load stops it,
    exit 1). When its files change (or on SIGHUP, or POST /v1/reload), the new base is
    loaded in the background and swapped in; one that fails to load leaves the old
    one serving and shows in /readyz. With -q only warnings and errors are logged: no
    start-up lines, no access log, no reload lines.

    \b
    Examples:
      replykb serve --kb answers/
      REPLYKB_TOKEN=s3cret replykb serve --kb answers/ --host 0.0.0.0 --port 8080
      replykb serve --kb answers/ --cors-origin https://app.chatwoot.com
      replykb serve --kb answers/ --log usage.sqlite --no-watch
      REPLYKB_LOG=/var/lib/replykb/usage.db replykb serve --kb answers/ -q
      curl -s localhost:8000/v1/suggest -H 'content-type: application/json' \\
        -d '{"message": "where is my refund??", "channel": "x", "agent": "paola"}'
    """
    _check_token(token)
    import uvicorn

    from ..cachefiles import resolve_cache_folder
    from ..kb import KnowledgeBase
    from ..onnxmodel import use_server_sessions
    from ..serve import BaseHolder, ServerSettings, create_app
    from ..serve.watch import BaseWatcher

    # The port is taken before the base loads: a port in use is said at once, in one line.
    listener = _listen(host, port)
    # One scoring thread per request (S3's measurement, benchmarks/server_speed.py).
    use_server_sessions()
    # The usage log (--log, else the base's `log:` setting) is opened once, by the first
    # load, and every reloaded base shares it: a reload never reopens or loses it. A
    # reloaded base's masks, keep_text and retention apply to the next events at once
    # (customers' text must not wait for a restart to be masked); a new `log.url` or a
    # log turned on takes a restart.
    first = KnowledgeBase.load(kb_path, cache_dir=cache_dir, log=log_url)
    usage_log = first.usage_log

    def load() -> KnowledgeBase:
        if usage_log is None:
            return KnowledgeBase.load(kb_path, cache_dir=cache_dir, log=False)
        reloaded = KnowledgeBase.load(kb_path, cache_dir=cache_dir, log=usage_log)
        usage_log.apply(reloaded.settings.log)
        return reloaded

    holder = BaseHolder(load, initial=first)
    settings = ServerSettings(
        token=token,
        cors_origins=cors_origins,
        max_body_bytes=max_body_bytes,
        log_messages=log_messages,
    )
    app = create_app(holder, settings)
    if host not in _LOCAL_HOSTS and settings.token is None:
        logger.warning(
            "listening on %s without a token: anyone who reaches this port can use the API; "
            "set $REPLYKB_TOKEN",
            host,
        )
    watcher = None
    if not no_watch:
        cache = resolve_cache_folder(kb_path, cache_dir)
        watcher = BaseWatcher(kb_path, holder.request_reload, ignore=[cache])
        watcher.start()
    # A reload asked for by SIGHUP runs in the reload thread; the handler only asks.
    if hasattr(signal, "SIGHUP"):  # not on Windows
        signal.signal(
            signal.SIGHUP,
            lambda signum, frame: threading.Thread(
                target=holder.request_reload, daemon=True
            ).start(),
        )
    loaded = holder.current
    logger.info(
        "serving %s: %d answers, fingerprint %s",
        kb_path,
        len(loaded.kb.answers),
        loaded.fingerprint[:12],
    )
    # uvicorn shuts down gracefully on SIGTERM (requests in flight finish), then raises
    # the signal again under the handler it found: this one, so that the watcher, the
    # reload thread and the usage log are closed below and the exit code says "stopped
    # as asked" (0) rather than "killed".
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    # -q: uvicorn's own start-up lines and its access log go too, warnings stay.
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning" if quiet else "info",
        access_log=not quiet,
        lifespan="off",
    )
    try:
        uvicorn.Server(config).run(sockets=[listener])
    finally:
        if watcher is not None:
            watcher.stop()
        holder.close()
        first.close()  # the usage log it opened: written out and closed
        listener.close()


def _check_token(token: str | None) -> None:
    """An empty token (a secret that expanded to nothing) would open the server to every
    request, and one with spaces at its ends could never be sent in a header."""
    if token is None:
        # click reads an empty variable as unset: an empty secret must not open the server.
        token = os.environ.get(TOKEN_ENVVAR)
        if token is None:
            return
    if not token.strip():
        raise click.BadParameter(
            "the token is empty: every request would be let in; give a token, or unset "
            "$REPLYKB_TOKEN to run without one",
            param_hint="--token / $REPLYKB_TOKEN",
        )
    if token != token.strip():
        raise click.BadParameter(
            "the token starts or ends with spaces or a line break (read from a file?): "
            "remove them, or no request can send it",
            param_hint="--token / $REPLYKB_TOKEN",
        )


def _listen(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port`` (IPv4 or IPv6), for uvicorn to serve on."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        listener = socket.socket(family, kind, proto)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(address)
    except OSError as error:
        fail(
            f"cannot listen on {host}:{port}: {error.strerror or error}"
            + ("; pick another --port" if error.errno == errno.EADDRINUSE else "")
        )
    listener.set_inheritable(True)
    return listener

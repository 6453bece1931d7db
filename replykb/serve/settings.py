"""What a server is told at start: its token, origins, limits and logging choices."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

# A batch of a thousand requests is far below this; a single suggestion far, far below.
DEFAULT_MAX_BODY_BYTES = 1_048_576
# The library matches a message on its first 4,096 characters and reads the rest only
# to strip an e-mail's quotes and signature, so a long e-mail thread is still a valid
# message; past this many characters a message is refused (413) rather than read.
DEFAULT_MAX_MESSAGE_CHARS = 50_000
# Items of one POST /v1/suggest/batch: bounds the time one request holds a worker.
DEFAULT_MAX_BATCH_ITEMS = 1_000


@dataclass(frozen=True)
class ServerSettings:
    """How one app behaves; ``create_app`` takes it with the base holder."""

    # With a token, every /v1 route and /metrics needs `Authorization: Bearer <token>`.
    token: str | None = None
    # CORS is off unless origins are listed (the console is served same-origin).
    cors_origins: tuple[str, ...] = ()
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    max_message_chars: int = DEFAULT_MAX_MESSAGE_CHARS
    max_batch_items: int = DEFAULT_MAX_BATCH_ITEMS
    # Customer text appears in the server's log lines only when asked for.
    log_messages: bool = False
    # The console's files (S2's index.html and friends).
    static_dir: Path = field(default_factory=lambda: Path(__file__).parent / "static")

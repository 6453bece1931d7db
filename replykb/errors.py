"""Errors a user of replykb can cause, and what to do about them.

Every error raised for a user mistake is a :class:`ReplyKBError`, so helpdesk
code can catch one class and show its message. The tree::

    ReplyKBError
    ├── AnswerBaseError        the answer base has problems (each located: file, line, column)
    ├── BaseNotFoundError      no such folder, or no replykb.yaml in it
    ├── BaseExistsError        `replykb init` into a folder that already holds a base
    ├── ModelError             the embedding model cannot be resolved, verified or loaded
    ├── MessageError           an incoming message that cannot be matched (empty, blank)
    ├── UnknownNameError       an unknown channel, agent or answer id (lists the known ones)
    ├── DataError              a labelled data file (eval, batch input) that cannot be read
    └── RenderError            a template fails to compile or render
        └── ReplyTooLongError  even the smallest form of a reply is over the channel's limit
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .locations import Problem


class ReplyKBError(Exception):
    """Base class of every error a user of replykb can cause and fix."""


class BaseNotFoundError(ReplyKBError):
    """The answer base folder, or its ``replykb.yaml``, does not exist."""


class BaseExistsError(ReplyKBError):
    """``replykb init`` would overwrite an existing base or file."""


class AnswerBaseError(ReplyKBError):
    """The answer base has one or more problems; ``problems`` lists them all, located."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems: list[Problem] = list(problems)
        count = len(self.problems)
        lines = [f"the answer base has {count} problem{'s' if count != 1 else ''}:"]
        lines += [f"  {problem}" for problem in self.problems]
        super().__init__("\n".join(lines))


class ModelError(ReplyKBError):
    """The embedding model cannot be resolved, verified or loaded."""


class MessageError(ReplyKBError, ValueError):
    """An incoming message that cannot be matched, such as an empty one."""


class UnknownNameError(ReplyKBError, LookupError):
    """A channel, agent or answer id that the answer base does not define."""

    def __init__(self, kind: str, name: str, known: Iterable[str]) -> None:
        self.kind = kind
        self.name = name
        self.known = sorted(known)
        super().__init__(
            f"unknown {kind} {name!r}; known {kind}s: {', '.join(self.known) or 'none'}"
        )


class DataError(ReplyKBError):
    """A labelled data file or batch input that cannot be read."""


class RenderError(ReplyKBError):
    """A template fails to compile or to render."""


class ReplyTooLongError(RenderError):
    """Even the smallest form of the reply does not fit the channel's limit."""

    def __init__(self, answer_id: str, channel: str, length: int, limit: int) -> None:
        self.answer_id = answer_id
        self.channel = channel
        self.length = length
        self.limit = limit
        self.overflow = length - limit
        super().__init__(
            f"answer {answer_id!r} does not fit channel {channel!r}: its smallest reply "
            f"counts {length} against a limit of {limit} ({self.overflow} over); "
            "shorten its `short` form or the agent's signature for this channel"
        )

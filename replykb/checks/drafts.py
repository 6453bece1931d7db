"""RKB605: an answer whose text is still the TODO that `replykb gaps` drafts.

`replykb gaps` writes a new answer with its customers' questions and ``answer: "TODO:
..."``, so the draft can be reviewed and merged like any answer; this rule keeps the
base from shipping it until a person has written the reply. Declared on the policy
family (RKB6xx).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from .policy import policy
from .registry import Found

if TYPE_CHECKING:
    from .context import CheckContext

__all__ = ["TODO_MARKER", "is_todo"]

# How a drafted text starts; learn/drafts.py writes it, this rule refuses it.
TODO_MARKER = "TODO"
# "TODO" as a word, or "todo:" in any case (a person retyping the marker). Not a bare
# "Todo": it starts real Spanish and Portuguese replies ("Todo pedido...").
_TODO = re.compile(rf"\s*(?:{TODO_MARKER}\b|(?i:todo)\s*:)")


def is_todo(text: str | None) -> bool:
    """Whether ``text`` is a placeholder still to write (it starts with ``TODO``)."""
    return text is not None and _TODO.match(text) is not None


@policy.rule(
    "RKB605",
    "error",
    "answer still a TODO draft",
    hint="write the reply customers need in `answer:` (and `short:`), replacing the TODO",
)
def todo_answer(ctx: CheckContext) -> Iterator[Found]:
    """
    An answer whose `answer:` or `short:` starts with `TODO`, as the new answers that
    `replykb gaps` drafts do: the questions are real customers', the reply is not
    written yet, and sending "TODO" to a customer must never happen.
    ```yaml
    questions: [can I pick up my order in store, ...]   # drafted by replykb gaps
    answer: "TODO: write the answer to these questions"
    ```
    Fix: write the reply in `answer:` (and `short:` if any), then run the check again.
    """
    for answer in ctx.base.answers:
        for key in ("answer", "short"):
            if is_todo(getattr(answer, key)):
                yield Found(
                    answer.source.locate(key),
                    f"answer {answer.id!r} still has a TODO in `{key}:`; a person must "
                    "write it before customers can get it",
                    answer=answer.id,
                )

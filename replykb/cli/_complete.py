"""Shell completion of the names a base defines: answer ids, channels, agents.

Click completes commands and options by itself (``_REPLYKB_COMPLETE=bash_source
replykb``); these callbacks add the values that only the base knows. They read the
base named so far on the command line (PATH or --kb), else ``$REPLYKB_KB``, else
``answers/``, and complete nothing rather than fail when it does not load.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import click
from click.shell_completion import CompletionItem

from ._common import DEFAULT_BASE, KB_ENVVAR

if TYPE_CHECKING:
    from ..models import AnswerBase


def _base(context: click.Context) -> AnswerBase | None:
    from ..loader import load_answer_base

    named = context.params.get("path") or context.params.get("kb_option")
    path = Path(named) if named else Path(os.environ.get(KB_ENVVAR) or DEFAULT_BASE)
    try:
        return load_answer_base(path)
    except Exception:  # completion never breaks the shell; it offers nothing instead
        return None


def _completer(
    names: Callable[[AnswerBase], Iterable[str]], *extra: str
) -> Callable[[click.Context, click.Parameter, str], list[CompletionItem]]:
    def complete(
        context: click.Context, parameter: click.Parameter, incomplete: str
    ) -> list[CompletionItem]:
        del parameter
        base = _base(context)
        known = [*extra, *(names(base) if base is not None else ())]
        return [CompletionItem(name) for name in known if name.startswith(incomplete)]

    return complete


complete_answer_ids = _completer(lambda base: sorted(answer.id for answer in base.answers))
complete_channels = _completer(lambda base: sorted(base.settings.channels))
complete_render_channels = _completer(lambda base: sorted(base.settings.channels), "all")
complete_agents = _completer(lambda base: sorted(base.settings.agents))

"""RKB203: Markdown in an answer that a channel of the base would show as written.

Declared on the fit family (how a reply comes out on its channel). Answers are Markdown
converted per channel format (:mod:`replykb.render.formatting`); what that small subset
does not convert reaches plain and WhatsApp channels raw, marks and all.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..render.formatting import raw_markdown
from .fit import fit
from .registry import Found
from .template_texts import JINJA_SPANS

if TYPE_CHECKING:
    from .context import CheckContext

__all__ = ["raw_markdown_in_answers"]


@fit.rule(
    "RKB203",
    "warning",
    "Markdown a channel shows as written",
    hint="write it in the Markdown replykb converts (**bold**, _italic_, [text](url), "
    "- items), or as plain text; tables, images and HTML tags show raw",
)
def raw_markdown_in_answers(ctx: CheckContext) -> Iterator[Found]:
    """
    Answers are written in Markdown and shown per channel: plain text on X, SMS,
    Facebook..., WhatsApp's own marks on WhatsApp, Markdown on a channel with
    `format: markdown`. A table, an image, an HTML tag or a mark left open is not
    converted, so those channels show it character by character.
    ```yaml
    answer: |
      | Day | Hours |                        # x and sms show the pipes and dashes
      |-----|-------|
      | Mon | 9-17  |
    ```
    Fix: a list (`- Mon: 9-17`), `**bold**`, `[text](url)`, or plain text.
    """
    settings = ctx.base.settings
    raw_on = [
        (name, settings.channels[name].format)
        for name in ctx.usable_channels
        if settings.channels[name].format != "markdown"
    ]
    if not raw_on:
        return
    for answer in ctx.base.answers:
        for key in ("answer", "short"):
            source = getattr(answer, key)
            if not source:
                continue
            # Jinja fills in a value before formatting: a word stands in for it.
            text = JINJA_SPANS.sub("x", source)
            found: dict[str, list[str]] = {}
            for channel, output in raw_on:
                spec = settings.channels[channel]
                if answer.private and spec.public:
                    continue  # the channel sends the private invitation instead
                for what in raw_markdown(text, output):
                    found.setdefault(what, []).append(channel)
            for what, channels in found.items():
                yield Found(
                    answer.source.locate(key),
                    f"`{key}` of {answer.id!r} has {what}, which {', '.join(channels)} "
                    "show as written",
                    answer=answer.id,
                )

"""RKB705: replies in the base's other languages that do not fit their channel.

The same sweep as RKB201's (:func:`~.sweep.render_sweep`, worst-case agent, opening
and customer name) run in each language, and the same findings
(:func:`~.fit.length_findings`): a translation's `short:` or `answer:`, an agent's
translated signature, the language's openings or private invitation.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from .fit import length_findings
from .languages import languages
from .registry import Found

if TYPE_CHECKING:
    from .context import CheckContext

__all__: list[str] = []


@languages.rule(
    "RKB705",
    "error",
    "translation too long for a channel",
    hint="write a shorter `short:` in the translation, or shorten the language's "
    "signature or openings for this channel",
)
def translation_length(ctx: CheckContext) -> Iterator[Found]:
    """
    RKB201 in each language after the source: the translation's smallest reply, with
    that language's opening, private invitation, cut marker and the longest of its
    signatures, for the longest customer name, does not fit the channel. Translations
    are often longer than their source (Italian runs about a fifth longer than
    English), so a source that fits may not. A translated setting (an agent's
    `translations: <lang>: signatures:`, `translations: <lang>: openings:` or
    `team_signature:`) that leaves no room for any answer, or the base's
    `translations: <lang>: cut_marker:` or `team_signature:` that pushes replies over
    where the built-in text would fit, is reported once, at its line, with the number
    of replies it affects.
    ```yaml
    short: "Refunds: 5 working days. {{ link }}"           # fits x (280)
    translations:
      it:
        short: "I rimborsi arrivano entro 5 giorni lavorativi... (300 caratteri) {{ link }}"
    ```
    Fix: a shorter `short:` in the translation; or, when the finding is at a signature,
    an opening, a cut marker or a team sign-off, shorten that language's text (or raise
    the channel's limit).
    """
    for language, sweep in ctx.language_sweeps.items():
        yield from length_findings(ctx, sweep, language)

"""RKB406: the tuned model (``replykb tune``) no longer matches the base it was tuned on.

Declared on the matching family (RKB4xx). Reads the cache's ``tuned.json`` only: no
model is loaded for it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..embed import resolve_model
from ..errors import ModelError
from ..tunedmodel import staleness, tuned_state
from .matching import matching
from .registry import Found

if TYPE_CHECKING:
    from .context import CheckContext

__all__: list[str] = []


@matching.rule(
    "RKB406",
    "warning",
    "tuned model is stale",
    hint="run `replykb tune` to tune the model on the base's current questions",
)
def stale_tuned_model(ctx: CheckContext) -> Iterator[Found]:
    """
    The model `replykb tune` fine-tuned for this base was trained on other questions
    (added, removed or edited since), or with other `tune:` settings. It is still used,
    with the threshold calibrated for it: new questions are matched, but the model has
    not learnt them. A tuned model made from another model than the base's `model:` is
    not used at all (matching falls back to the untuned model) and is reported too, as is
    one made by another version of replykb or whose `tuned.json` cannot be read.
    ```yaml
    # billing/double-charge.yaml, after `replykb tune`:
    questions:
      - I was charged twice
      - pending hold on my card      # added: the tuned model never saw it
    ```
    Fix: run `replykb tune` (or `replykb build --tune` in CI) again.
    """
    try:
        model_id = resolve_model(ctx.base.settings.model, base_root=ctx.base.root).model_id
    except ModelError:
        return  # the base's model is missing: reported where the index is opened
    state = tuned_state(ctx.cache_dir, model_id)
    if state is None or state.aside:
        return
    where = ctx.base.settings_source.locate("tune")
    if state.why_not is not None or state.manifest is None:
        # The decision kb.open_index takes (tunedmodel.use_tuned), said here too.
        yield Found(
            where,
            f"the tuned model {state.why_not}; it is not used (matching falls back to the "
            "untuned model)",
        )
        return
    moved = staleness(state.manifest, ctx.base)
    if moved.stale:
        yield Found(
            where,
            f"the tuned model is stale: {moved.describe()}; it is still used, with the "
            "threshold calibrated for it",
        )

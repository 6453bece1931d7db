"""Whether a base's model embeds many languages, read from its name without loading it.

A list of well-known multilingual sentence-transformers models, a hint in the name
(``multilingual``, ``labse``, ``xlm-r``, ``bge-m3``...), or, for a local folder, a
tokenizer vocabulary of more than 100,000 pieces in its ``config.json`` (multilingual
models have 119,547 (mBERT) to 501,153 (LaBSE); English ones about 30,000 to 50,000).
Any other model, the packaged all-MiniLM-L6-v2 included, is taken as English-only.
A leaf of the checks (RKB602, RKB702 and RKB707 read it), so it imports no rule module.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..models import AnswerBase
    from .context import CheckContext

__all__ = ["configured_model", "is_multilingual_model", "model_phrase"]

# Well-known multilingual sentence-embedding models (the last part of a hub name).
MULTILINGUAL_MODELS = frozenset(
    {
        "paraphrase-multilingual-minilm-l12-v2",
        "paraphrase-multilingual-mpnet-base-v2",
        "distiluse-base-multilingual-cased-v1",
        "distiluse-base-multilingual-cased-v2",
        "stsb-xlm-r-multilingual",
        "paraphrase-xlm-r-multilingual-v1",
        "quora-distilbert-multilingual",
        "labse",
        "multilingual-e5-small",
        "multilingual-e5-base",
        "multilingual-e5-large",
        "multilingual-e5-large-instruct",
        "bge-m3",
        "gte-multilingual-base",
        "use-cmlm-multilingual",
    }
)
_HINTS = ("multilingual", "labse", "xlm-r", "xlmr", "xlm-roberta", "bge-m3", "mbert", "m-bert")
_MULTILINGUAL_VOCABULARY = 100_000


def configured_model(base: AnswerBase) -> str | None:
    """The model the base's matching uses, when not the packaged one: `model:`, else
    $REPLYKB_MODEL."""
    return base.settings.model or os.environ.get("REPLYKB_MODEL") or None


def is_multilingual_model(name: str, base_root: Path | None = None) -> bool:
    """Whether the model ``name`` (a hub name or a local folder) embeds many languages
    in one space, judged from its name or its folder's ``config.json``."""
    lowered = name.casefold().rstrip("/")
    last = lowered.rsplit("/", 1)[-1]
    if last in MULTILINGUAL_MODELS or any(hint in lowered for hint in _HINTS):
        return True
    folder = Path(name).expanduser()
    if not folder.is_absolute() and base_root is not None:
        folder = base_root / folder
    try:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    vocabulary = config.get("vocab_size") if isinstance(config, dict) else None
    return isinstance(vocabulary, int) and vocabulary > _MULTILINGUAL_VOCABULARY


def model_phrase(ctx: CheckContext) -> str | None:
    """How the base's model is named in messages when it is not known to be
    multilingual (None when it is)."""
    configured = configured_model(ctx.base)
    if configured is not None and is_multilingual_model(configured, ctx.base.root):
        return None
    return "an English-only model" if configured is None else f"`model: {configured}`"

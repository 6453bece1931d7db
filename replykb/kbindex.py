"""The embedder a base is matched with and its index: what :meth:`KnowledgeBase.load`,
``replykb build``, ``replykb check`` and ``replykb tune`` open the same way."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

from . import fastpath, tunedmodel
from .cachefiles import record_base, report_shared
from .embed import Embedder, resolve_model
from .index import FileDigests, cache_folder, index_rows, load_or_build_index

if TYPE_CHECKING:
    from .index import QuestionIndex
    from .models import AnswerBase


def open_index(
    base: AnswerBase,
    cache_dir: str | Path | None = None,
    *,
    model: str | None = None,
    embedder: Embedder | None = None,
) -> tuple[Embedder, QuestionIndex]:
    """The embedder to match ``base`` with and its index, from the cache or built.

    With no ``embedder``, the model's ONNX export is used when it is there and intact
    (no torch, transformers or sentence-transformers imported), else
    sentence-transformers, and the export is made once the index is loaded; see
    fastpath.py. Shared by :meth:`KnowledgeBase.load` and ``replykb check`` so that
    a check leaves the cache ready for a fast first lookup.
    """
    cache = cache_folder(base, Path(cache_dir) if cache_dir else None)
    other = record_base(cache, base.root, (answer.id for answer in base.answers))
    if other is not None:
        report_shared(cache, base.root, other)
    if embedder is not None:
        return embedder, load_or_build_index(base, embedder, cache)
    digests = FileDigests(cache)
    spec = resolve_model(model or base.settings.model, base_root=base.root, sha256=digests.sha256)
    # The model `replykb tune` made from this one, when there is one to use (an explicit
    # `model` is taken as it is); it has its own index and ONNX export in the cache.
    tuned = tunedmodel.use_tuned(base, cache, spec, digests) if model is None else None
    if tuned is not None:
        spec, cache = tuned.spec, tuned.cache
    choice = fastpath.open_embedder(spec, cache, digests)
    index = load_or_build_index(base, choice.embedder, cache, digests=digests)
    questions = [question for _, question in index_rows(base)]
    embedder = fastpath.after_index(spec, cache, choice, index, questions)
    if tuned is not None:
        index = dataclasses.replace(index, match=tuned.match)
    return embedder, index

"""The tuned model in the cache folder: what it was made from, and whether to match with it.

``replykb tune`` (replykb/learn/tune.py) fine-tunes the base's model on the base's own
questions and leaves, next to the index::

    tuned.json                  what was tuned, on what, with which settings, the verdict
    tuned-<key>/model/          the tuned sentence-transformers model (a build artefact)
    tuned-<key>/...             its own index, embedding cache and ONNX export

``tuned.json`` is written last, so a tune killed midway leaves the previous state.
:func:`use_tuned` is the one hook (called by ``kb.open_index``, so the library,
``check``, batch and the server all get it): a tuned model is used when its verdict
is ``used`` (it matched the base's own held-out messages better than the untuned
model), :func:`tuned_state` finds nothing against it (a manifest this version
reads, made from the model the base resolves to now), and its weights have the
sha256 recorded. Anything else matches with the untuned model, with a log line
saying why; nothing here is an error. ``replykb check`` reports the same decision
(RKB406, checks/tuned.py) from :func:`tuned_state`, without loading a model.

A tuned model whose base's questions (or ``tune:`` settings) changed since it was
made is *stale*: it is still used, and ``replykb check`` says so (RKB406) with how
many questions changed. Falling back to the untuned model
would change the geometry and the calibrated threshold of every answer at once, on
any edit of any question, while the tuned model still embeds the new questions (it
has only not been trained on them); ``replykb tune`` makes a fresh one.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .cachefiles import FileDigests
from .embed import ModelSpec, model_config_digest
from .errors import ModelError
from .models import AnswerBase, MatchSettings, TuneSettings

log = logging.getLogger("replykb")

TUNED_MANIFEST = "tuned.json"
TUNED_FORMAT = 1
MODEL_FOLDER = "model"
# The settings that change the weights (``calibrate`` only changes the threshold used).
TRAINING_SETTINGS = ("epochs", "learning_rate", "positives", "batch_size", "seed")


class TunedManifest(BaseModel):
    """``tuned.json``: the last tuning of this base, used or kept aside."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    format: int
    replykb_version: str
    base_model_id: str
    settings: dict[str, Any]
    key: str
    # A short digest of every (answer id, question) trained on: says how many changed.
    questions: list[str]
    # Digests of the out-of-scope messages trained on as negatives (row_digest("", text)).
    out_of_scope: list[str] = Field(default_factory=list)
    folder: Annotated[str, Field(pattern=r"^tuned-[0-9a-f]{32}$")]
    weights_sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
    verdict: Literal["used", "aside"]
    reason: str
    threshold: float | None = None
    margin: float | None = None
    tuned_at: str = ""


def row_digest(answer_id: str, question: str) -> str:
    text = f"{answer_id}\0{question}".encode("utf-8", "surrogatepass")
    return hashlib.sha256(text).hexdigest()[:16]


def question_digests(rows: Iterable[tuple[str, str]]) -> list[str]:
    return sorted({row_digest(answer_id, question) for answer_id, question in rows})


def training_settings(settings: TuneSettings) -> dict[str, Any]:
    return {name: getattr(settings, name) for name in TRAINING_SETTINGS}


def tuned_key(
    base_model_id: str,
    rows: Sequence[tuple[str, str]],
    settings: TuneSettings,
    negatives: Sequence[str] = (),
) -> str:
    """What a tuned model depends on: the base model, the questions, the out-of-scope
    messages trained on as negatives, the training settings."""
    payload = json.dumps(
        {
            "model": base_model_id,
            "rows": list(rows),
            "negatives": list(negatives),
            "settings": training_settings(settings),
        },
        ensure_ascii=False,
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class Staleness:
    """How far the base moved from what the tuned model was trained on."""

    trained: int
    added: int
    removed: int
    settings_changed: tuple[str, ...]
    # Out-of-scope messages (trained on as negatives) added, removed or edited since.
    out_of_scope_changed: int = 0

    @property
    def stale(self) -> bool:
        return bool(
            self.added or self.removed or self.settings_changed or self.out_of_scope_changed
        )

    def describe(self) -> str:
        parts = []
        if self.added or self.removed:
            changed = self.added + self.removed
            share = changed / max(self.trained, 1)
            parts.append(
                f"{self.added} question(s) added and {self.removed} removed or edited since "
                f"it was trained on {self.trained} ({share:.0%} changed)"
            )
        if self.out_of_scope_changed:
            parts.append(
                f"{self.out_of_scope_changed} out-of-scope message(s) added, removed or edited"
            )
        if self.settings_changed:
            parts.append(f"the tune: settings changed ({', '.join(self.settings_changed)})")
        return "; ".join(parts) if parts else "up to date"


def staleness(manifest: TunedManifest, base: AnswerBase) -> Staleness:
    from .index import index_rows

    current = set(question_digests(index_rows(base)))
    trained = set(manifest.questions)
    settings = training_settings(base.settings.tune)
    changed = tuple(
        sorted(name for name, value in settings.items() if manifest.settings.get(name) != value)
    )
    negatives = set(question_digests(("", text) for text in out_of_scope_texts(base)))
    moved = len(negatives ^ set(manifest.out_of_scope))
    return Staleness(len(trained), len(current - trained), len(trained - current), changed, moved)


def out_of_scope_texts(base: AnswerBase) -> list[str]:
    """The base's out-of-scope messages in every language: the negatives of ``replykb tune``."""
    texts = list(base.settings.out_of_scope)
    for language_texts in base.settings.translations.values():
        texts.extend(language_texts.out_of_scope)
    return list(dict.fromkeys(texts))


@dataclass(frozen=True)
class TunedModel:
    """A tuned model to match with: its spec, its own cache folder, its match settings."""

    spec: ModelSpec
    cache: Path
    manifest: TunedManifest
    staleness: Staleness
    match: MatchSettings


@dataclass(frozen=True)
class TunedState:
    """What the cache's ``tuned.json`` says for a base whose model is ``base_model_id``.

    ``why_not`` is None when the tuned model is to be used (its weights are checked
    when it is opened); else it says why not, as a phrase after "the tuned model".
    ``aside``: ``replykb tune`` kept it aside (said by its report, not at every load).
    """

    manifest: TunedManifest | None
    why_not: str | None
    aside: bool = False


def tuned_state(cache: Path, base_model_id: str) -> TunedState | None:
    """The decision on the cache's tuned model, or None when there is no ``tuned.json``."""
    path = cache / TUNED_MANIFEST
    if not path.is_file():
        return None
    try:
        raw = json.loads(path.read_bytes())
    except (OSError, ValueError) as error:
        return TunedState(None, f"has an unreadable manifest {path} ({error})")
    if not isinstance(raw, dict):
        return TunedState(None, f"has an unreadable manifest {path} (not a JSON object)")
    if raw.get("verdict") != "used":
        return TunedState(None, f"was kept aside ({raw.get('reason', 'no reason')})", aside=True)
    if raw.get("format") != TUNED_FORMAT:
        return TunedState(
            None,
            f"was made by another version of replykb (tuned.json format {raw.get('format')!r}, "
            f"this version reads {TUNED_FORMAT})",
        )
    try:
        manifest = TunedManifest.model_validate(raw)
    except ValidationError as error:
        reason = f"{error.error_count()} invalid field(s)"
        return TunedState(None, f"has an unreadable manifest {path} ({reason})")
    if manifest.base_model_id != base_model_id:
        return TunedState(manifest, "was made from another model than the base's")
    return TunedState(manifest, None)


def use_tuned(
    base: AnswerBase, cache: Path, base_spec: ModelSpec, digests: FileDigests
) -> TunedModel | None:
    """The tuned model to match ``base`` with, or None (the untuned model), logged."""
    state = tuned_state(cache, base_spec.model_id)
    if state is None:
        return None
    if state.aside:  # said by `replykb tune`'s report; not at every start
        log.debug("replykb: the tuned model %s", state.why_not)
        return None
    why_not = state.why_not
    if why_not is None and state.manifest is not None:
        try:
            return _open(base, cache, state.manifest, digests)
        except (OSError, ModelError) as error:
            why_not = f"cannot be read ({error})"
    log.info(
        "replykb: matching with the untuned model: the tuned model %s; `replykb tune` makes "
        "it again",
        why_not,
    )
    return None


def _open(
    base: AnswerBase, cache: Path, manifest: TunedManifest, digests: FileDigests
) -> TunedModel:
    folder = cache / manifest.folder / MODEL_FOLDER
    weights = folder / "model.safetensors"
    if digests.sha256(weights) != manifest.weights_sha256:
        raise ModelError(f"{weights} is corrupt (checksum mismatch)")
    spec = ModelSpec(
        str(folder),
        folder,
        manifest.weights_sha256,
        "tuned by `replykb tune`",
        model_config_digest(folder, digests.sha256),
    )
    match = base.settings.match
    if base.settings.tune.calibrate and manifest.threshold is not None:
        # A calibrated margin of 0 is a margin (`or` would bring back `match:`'s).
        margin = match.margin if manifest.margin is None else manifest.margin
        update = {"threshold": manifest.threshold, "margin": margin}
        match = match.model_copy(update=update)
    moved = staleness(manifest, base)
    if moved.stale:
        log.info(
            "replykb: the tuned model is stale (%s); `replykb tune` renews it", moved.describe()
        )
    return TunedModel(spec, cache / manifest.folder, manifest, moved, match)

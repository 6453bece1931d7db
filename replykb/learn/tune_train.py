"""Contrastive fine-tuning of a sentence-transformers model on a base's own questions.

Every answer's questions are phrasings of one intent, so each question is paired with
a few other questions of its answer (``positives``), and the model learns to embed a
pair close together and apart from the other pairs of its batch (in-batch negatives:
sentence-transformers' ``MultipleNegativesRankingLoss``). A batch never holds two
pairs of one answer: their questions would be counted as negatives of each other.
The base's out-of-scope messages, when given as ``negatives``, are the loss's third
column: each batch holds as many of them as pairs, and every question of the batch
is pushed away from all of them (messages that must match no answer).

The loop is ours rather than ``SentenceTransformerTrainer``'s: it needs neither
``datasets`` nor ``accelerate``, it reports progress step by step, and its order of
pairs and batches is fixed by the seed alone. With the same base, settings and seed
it gives the same weights on the same machine (torch's CPU kernels are deterministic
for a fixed number of threads).

Needs torch and sentence-transformers (training only; the tuned model is matched
through its ONNX export, like the packaged one).
"""

from __future__ import annotations

import json
import random
import shutil
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..embed import WEIGHT_FILES, ModelSpec, prefer_offline_hub
from ..errors import ModelError

# (step done, steps in all, seconds since the start): what a progress bar needs.
Progress = Callable[[int, int, float], None]


@dataclass(frozen=True)
class TrainSettings:
    """How to train: the ``tune:`` settings of replykb.yaml that change the weights
    (their defaults, measured, are ``models.TuneSettings``'s: declared once, there)."""

    epochs: int
    learning_rate: float
    positives: int
    batch_size: int
    seed: int
    # Share of the steps over which the learning rate rises from 0 (then falls linearly).
    warmup: float = 0.1


@dataclass(frozen=True)
class Pair:
    answer: str
    anchor: str
    positive: str


def make_pairs(rows: Sequence[tuple[str, str]], positives: int, rng: random.Random) -> list[Pair]:
    """Each question with up to ``positives`` other questions of its answer.

    An answer with a single question gives no pair (it has nothing to be close to).
    """
    by_answer: dict[str, list[str]] = defaultdict(list)
    for answer_id, question in rows:
        if question not in by_answer[answer_id]:
            by_answer[answer_id].append(question)
    pairs = []
    for answer_id in sorted(by_answer):
        questions = by_answer[answer_id]
        for i, anchor in enumerate(questions):
            others = questions[:i] + questions[i + 1 :]
            chosen = rng.sample(others, min(positives, len(others)))
            pairs += [Pair(answer_id, anchor, positive) for positive in chosen]
    return pairs


def make_batches(pairs: Sequence[Pair], batch_size: int, rng: random.Random) -> list[list[Pair]]:
    """The pairs shuffled into batches that never hold two pairs of one answer.

    A pair that would repeat an answer waits for the next batch, as
    sentence-transformers' ``NoDuplicatesBatchSampler`` does. A batch of one pair
    teaches nothing (no negative), so it is dropped.
    """
    remaining = list(pairs)
    rng.shuffle(remaining)
    batches = []
    while remaining:
        batch: list[Pair] = []
        answers: set[str] = set()
        waiting: list[Pair] = []
        for position, pair in enumerate(remaining):
            if len(batch) == batch_size:
                waiting += remaining[position:]
                break
            if pair.answer in answers:
                waiting.append(pair)
            else:
                batch.append(pair)
                answers.add(pair.answer)
        if len(batch) > 1:
            batches.append(batch)
        remaining = waiting if len(batch) > 1 else []
    return batches


def plan(rows: Sequence[tuple[str, str]], settings: TrainSettings) -> list[list[list[Pair]]]:
    """The batches of every epoch, fixed by the seed (new pairs and order each epoch)."""
    rng = random.Random(settings.seed)
    epochs = []
    for _ in range(settings.epochs):
        pairs = make_pairs(rows, settings.positives, rng)
        epochs.append(make_batches(pairs, settings.batch_size, rng))
    return epochs


def train(
    spec: ModelSpec,
    rows: Sequence[tuple[str, str]],
    settings: TrainSettings,
    destination: Path,
    *,
    negatives: Sequence[str] = (),
    progress: Progress | None = None,
) -> int:
    """Fine-tune ``spec``'s model on ``rows`` (answer id, question), with ``negatives``
    (messages that must match no answer) pushed away from every question, and save it,
    as a sentence-transformers folder, to ``destination``. Returns the number of steps.

    Raises :class:`ModelError` when the model cannot be loaded or trained.
    """
    prefer_offline_hub()
    try:
        import torch
        from sentence_transformers import SentenceTransformer
        from sentence_transformers.sentence_transformer.losses import (
            MultipleNegativesRankingLoss,
        )
    except ImportError as error:
        raise ModelError(
            f"tuning needs torch and sentence-transformers ({error}); "
            "pip install 'replykb' installs both"
        ) from error
    epochs = plan(rows, settings)
    steps = sum(len(batches) for batches in epochs)
    if steps == 0:
        raise ModelError(
            "nothing to tune on: it takes at least two answers with two questions or more"
        )
    torch.manual_seed(settings.seed)
    try:
        model = SentenceTransformer(
            spec.source, device="cpu", local_files_only=spec.local_path is not None
        )
    except Exception as error:
        raise ModelError(f"cannot load the model {spec.source!r} to tune it: {error}") from error
    loss = MultipleNegativesRankingLoss(model)
    pool = _NegativePool(negatives, settings.seed)
    optimizer = torch.optim.AdamW(model.parameters(), lr=settings.learning_rate)
    warmup = max(1, round(steps * settings.warmup))

    def rate(step: int) -> float:  # linear warm-up, then linear decay to 0
        if step < warmup:
            return (step + 1) / warmup
        return max(0.0, (steps - step) / max(1, steps - warmup))

    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, rate)
    model.train()
    started = time.monotonic()
    done = 0
    for batches in epochs:
        for batch in batches:
            features = [
                _features(model, [pair.anchor for pair in batch]),
                _features(model, [pair.positive for pair in batch]),
            ]
            if pool.texts:
                features.append(_features(model, pool.take(len(batch))))
            value = loss(features, torch.empty(0))
            optimizer.zero_grad()
            value.backward()
            optimizer.step()
            scheduler.step()
            done += 1
            if progress is not None:
                progress(done, steps, time.monotonic() - started)
    model.eval()
    if spec.local_path is None:
        model.save(str(destination))
    else:
        saved = destination.with_name(destination.name + ".saved")
        model.save(str(saved))
        save_like(spec.local_path, saved / WEIGHTS, destination)
        shutil.rmtree(saved, ignore_errors=True)
    return steps


WEIGHTS = "model.safetensors"


def save_like(model_folder: Path, weights: Path, destination: Path) -> None:
    """The folder of ``model_folder`` with ``weights`` in place of its own.

    Tuning changes the weights only: the tokenizer, pooling, length and module files
    are the base model's, byte for byte, so the tuned model tokenizes, truncates and
    pools exactly as the base does, and its ONNX export reads the same configuration
    (a model saved by sentence-transformers 6 writes them in another format).
    """
    destination.mkdir(parents=True)
    try:
        modules = json.loads((model_folder / "modules.json").read_text(encoding="utf-8"))
        subfolders = {str(module.get("path", "")) for module in modules} - {""}
    except (OSError, ValueError, TypeError, AttributeError):
        subfolders = set()
    for path in model_folder.iterdir():
        if path.name.startswith(".") or path.name in WEIGHT_FILES:
            continue
        if path.is_file():
            shutil.copyfile(path, destination / path.name)
        elif path.name in subfolders and path.is_dir():
            shutil.copytree(path, destination / path.name)
    shutil.move(weights, destination / WEIGHTS)
    (destination / WEIGHTS).chmod(0o644)


class _NegativePool:
    """Messages that must match no answer (the base's ``out_of_scope``): one per pair of
    each batch, in a fixed shuffled cycle, so every anchor is pushed away from them all."""

    def __init__(self, texts: Sequence[str], seed: int) -> None:
        self.texts = list(dict.fromkeys(texts))
        random.Random(seed).shuffle(self.texts)
        self.position = 0

    def take(self, count: int) -> list[str]:
        taken = []
        for _ in range(count):
            taken.append(self.texts[self.position % len(self.texts)])
            self.position += 1
        return taken


def _features(model: Any, texts: list[str]) -> dict[str, Any]:
    features: dict[str, Any] = model.preprocess(texts)
    return features

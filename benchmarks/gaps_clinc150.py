"""How well `replykb gaps` finds the topics a base is missing, measured on CLINC150.

An answer base is built from two thirds of CLINC150's intents (every intent but each
third one, sorted by name; their first --per-intent train phrasings as questions). The
test messages of every intent and the out-of-scope test messages are triaged against
it; those not answered confidently are the "unanswered" messages a team would mine.
They are grouped by each method below, and each group is judged by the intents of its
messages:

- purity: the share of the drafted groups' messages that belong to their group's main
  intent (out-of-scope messages each count as an intent of their own, so a group of
  them is never pure);
- held-out coverage: the share of the held-out intents (not in the base) that are the
  main intent of at least one new-answer draft;
- noise: drafts whose main intent covers under half of the group or is out-of-scope;
- wrong attachment: add-questions drafts whose main intent is not the answer they
  extend ("wrong add"), and new-answer drafts whose main intent is in the base
  ("base as new": a paraphrase the base missed, drafted as a new answer);
- right add: add-questions drafts that extend their main intent's answer;
- split: new-answer drafts per covered held-out intent (1.0: one draft per topic).

The methods use replykb's rule for attaching a group to an existing answer; a second
table varies that rule's bar for the method replykb uses.

    python benchmarks/gaps_clinc150.py ../shared/datasets/clinc150/

Run by hand (minutes on 2 cores); figures go to the README.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from _clinc150 import HELP, load_clinc150

from replykb import KnowledgeBase
from replykb.learn.gaps import (
    DEFAULT_SIMILARITY,
    NEAR_OFFSET,
    GapMessage,
    GapReport,
    mine_gaps,
)
from replykb.learn.gaps_cluster import agglomerative

OOS = "oos"


def answer_id(intent: str) -> str:
    return intent.replace("_", "-")


def write_base(root: Path, train: list[list[str]], intents: set[str], per_intent: int) -> None:
    questions: dict[str, list[str]] = {}
    for text, intent in train:
        if intent in intents and len(questions.setdefault(intent, [])) < per_intent:
            questions[intent].append(text)
    root.mkdir(parents=True)
    (root / "replykb.yaml").write_text("brand: CLINC150\nchannels: {chat: {}}\n")
    for intent, texts in questions.items():
        answer = {"questions": texts, "answer": f"The answer for {intent}."}
        (root / f"{answer_id(intent)}.yaml").write_text(yaml.safe_dump(answer))


def communities(vectors: Any, threshold: float, *, min_size: int = 1) -> list[list[int]]:
    """Greedy community detection (sentence-transformers' ``util.community_detection``,
    ported to NumPy so no torch is imported): the row with the most neighbours at cosine
    ``threshold`` or more takes them all, then the next among the rows left, and so on;
    a community left with fewer than ``min_size`` rows is dropped and its rows stay on
    their own."""
    count = len(vectors)
    if count == 0:
        return []
    similarity = np.asarray(vectors, dtype=np.float32) @ np.asarray(vectors, dtype=np.float32).T
    close = similarity >= threshold
    sizes = close.sum(axis=1)
    order = np.lexsort((np.arange(count), -sizes))
    taken = np.zeros(count, dtype=bool)
    labels = np.zeros(count, dtype=np.int64)
    label = 0
    for row in order:
        if taken[row] or sizes[row] < min_size:
            continue
        members = np.flatnonzero(close[row] & ~taken)
        if len(members) < min_size:
            continue
        label += 1
        labels[members] = label
        taken[members] = True
    for row in np.flatnonzero(~taken):
        label += 1
        labels[row] = label
    groups: dict[int, list[int]] = {}
    for row, group in enumerate(labels.tolist()):
        groups.setdefault(int(group), []).append(row)
    return sorted(groups.values(), key=lambda rows: rows[0])


def hdbscan(vectors: Any, _similarity: float, *, min_size: int = 3) -> list[list[int]]:
    """scikit-learn's HDBSCAN on cosine distances (its noise rows stay on their own)."""
    from sklearn.cluster import HDBSCAN

    if len(vectors) < 2:
        return [[i] for i in range(len(vectors))]
    distances = np.clip(1.0 - vectors @ vectors.T, 0.0, 2.0).astype(np.float64)
    labels = HDBSCAN(min_cluster_size=min_size, metric="precomputed").fit_predict(distances)
    groups: dict[int, list[int]] = {}
    for row, label in enumerate(labels.tolist()):
        groups.setdefault(label if label >= 0 else -1 - row, []).append(row)
    return sorted(groups.values(), key=lambda rows: rows[0])


def judge(report: GapReport, labels: dict[str, str], held_out: set[str]) -> dict[str, Any]:
    drafted = report.drafted
    pure = total = noise = wrong_add = right_add = base_new = 0
    covered: Counter[str] = Counter()
    for cluster in drafted:
        # Every distinct text once; out-of-scope texts are each an intent of their own.
        intents = Counter(
            labels[text] if labels[text] != OOS else f"{OOS}:{text}" for text in cluster.texts
        )
        main, count = intents.most_common(1)[0]
        pure += count
        total += len(cluster.texts)
        if main.startswith(OOS) or count * 2 < len(cluster.texts):
            noise += 1
            continue
        if cluster.kind == "add_questions":
            right_add += answer_id(main) == cluster.answer_id
            wrong_add += answer_id(main) != cluster.answer_id
        elif main in held_out:
            covered[main] += 1
        else:
            base_new += 1
    return {
        "drafts": len(drafted),
        "purity": pure / total if total else 0.0,
        "coverage": len(covered) / len(held_out),
        "noise": noise,
        "right_add": right_add,
        "wrong_add": wrong_add,
        "base_new": base_new,
        "split": sum(covered.values()) / len(covered) if covered else 0.0,
    }


class CachedEmbedder:
    """The base's embedder, each text encoded once across the methods compared."""

    def __init__(self, embedder: Any) -> None:
        self.embedder = embedder
        self.vectors: dict[str, Any] = {}

    def encode(self, texts: list[str]) -> Any:
        missing = [t for t in texts if t not in self.vectors]
        if missing:
            self.vectors.update(zip(missing, self.embedder.encode(missing), strict=True))
        return np.stack([self.vectors[t] for t in texts])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("data", type=Path, help=HELP)
    parser.add_argument("--per-intent", type=int, default=20)
    parser.add_argument("--min-size", type=int, default=3)
    args = parser.parse_args()
    data = load_clinc150(args.data)
    intents = sorted({intent for _, intent in data["train"]})
    held_out = set(intents[2::3])
    in_base = set(intents) - held_out
    labels = {text: intent for text, intent in data["test"]}
    labels.update({text: OOS for text, _ in data["oos_test"]})
    methods: list[tuple[str, Callable[[Any, float], list[list[int]]], list[float]]] = [
        ("agglomerative average", agglomerative, [0.6, 0.65, 0.7, 0.75]),
        (
            "agglomerative complete",
            lambda v, s: agglomerative(v, s, linkage="complete"),
            [0.5, 0.6],
        ),
        (
            "community detection",
            lambda v, s: communities(v, s, min_size=args.min_size),
            [0.65, 0.7, 0.75, 0.8],
        ),
        ("HDBSCAN (sklearn)", lambda v, s: hdbscan(v, s, min_size=args.min_size), [0.0]),
    ]
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch) / "base"
        write_base(root, data["train"], in_base, args.per_intent)
        kb = KnowledgeBase.load(root, cache_dir=Path(scratch) / "cache", log=False)
        messages = [text for text, _ in data["test"]] + [text for text, _ in data["oos_test"]]
        started = time.perf_counter()
        gaps = [
            GapMessage(text=text, reason=match.status)  # type: ignore[arg-type]
            for text, match in zip(messages, kb.match_many(messages), strict=True)
            if match.status != "confident"
        ]
        kb.embedder = CachedEmbedder(kb.embedder)  # type: ignore[assignment]
        per_intent = Counter(labels[g.text] for g in gaps)
        attainable = sum(per_intent[i] >= args.min_size for i in held_out)
        kept = Counter(
            labels[g.text]
            if labels[g.text] == OOS
            else ("held-out" if labels[g.text] in held_out else "in base")
            for g in gaps
        )
        print(
            f"base: {len(in_base)} intents x {args.per_intent} questions; held out: "
            f"{len(held_out)} intents\n{len(messages)} test messages triaged in "
            f"{time.perf_counter() - started:.1f} s; not confident: {len(gaps)} "
            f"({kept['held-out']} of held-out intents, {kept['in base']} of the base's, "
            f"{kept[OOS]} out-of-scope); drafts from groups of {args.min_size} or more; "
            f"{attainable} held-out intents have that many unanswered messages\n"
        )
        print(
            f"{'method':24s} {'cosine':>6s} {'drafts':>6s} {'purity':>7s} {'held-out':>8s} "
            f"{'noise':>5s} {'add ok':>6s} {'add ko':>6s} {'base new':>8s} {'split':>5s}"
        )
        for name, grouping, thresholds in methods:
            for threshold in thresholds:
                report = mine_gaps(
                    kb, gaps, min_size=args.min_size, similarity=threshold, grouping=grouping
                )
                r = judge(report, labels, held_out)
                shown = f"{threshold:.2f}" if threshold else "-"
                print(
                    f"{name:24s} {shown:>6s} {r['drafts']:6d} {r['purity']:7.1%} "
                    f"{r['coverage']:8.1%} {r['noise']:5d} {r['right_add']:6d} "
                    f"{r['wrong_add']:6d} {r['base_new']:8d} {r['split']:5.2f}"
                )
        threshold = kb.settings.match.threshold
        print(
            f"\nAttaching a group to an answer (agglomerative average, cosine "
            f"{DEFAULT_SIMILARITY:.2f}): its centroid's score must reach the bar "
            f"(replykb: match threshold {threshold:g} + {NEAR_OFFSET:g})"
        )
        print(f"{'bar':>6s} {'held-out':>8s} {'add ok':>6s} {'add ko':>6s} {'base new':>8s}")
        for offset in (0.0, 0.05, 0.1, NEAR_OFFSET, 0.2, 0.3):
            report = mine_gaps(kb, gaps, min_size=args.min_size, near=round(threshold + offset, 6))
            r = judge(report, labels, held_out)
            print(
                f"{threshold + offset:6.2f} {r['coverage']:8.1%} {r['right_add']:6d} "
                f"{r['wrong_add']:6d} {r['base_new']:8d}"
            )


if __name__ == "__main__":
    main()

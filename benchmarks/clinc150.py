"""CLINC150 accuracy and out-of-scope rejection, through replykb's real pipeline.

Each of the 150 intents becomes an answer whose questions are its train phrasings
(all 100, or the first N). Threshold and margin are calibrated once on val + oos_val
(`replykb.evaluate.calibrate`), then applied unchanged to test + oos_test.

    python benchmarks/clinc150.py data_full.json

Run by hand (a few minutes on 2 cores); figures go to the README.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import yaml
from _clinc150 import HELP, load_clinc150

from replykb import KnowledgeBase
from replykb.evaluate import Goal, LabelledMessage, calibrate, report, score_messages
from replykb.match import Matcher


def write_base(root: Path, train: list[list[str]], per_intent: int) -> None:
    questions: dict[str, list[str]] = defaultdict(list)
    for text, intent in train:
        if len(questions[intent]) < per_intent:
            questions[intent].append(text)
    root.mkdir(parents=True)
    (root / "replykb.yaml").write_text("brand: CLINC150\nchannels: {chat: {}}\n")
    for intent, texts in questions.items():
        answer = {"questions": texts, "answer": f"The answer for {intent}."}
        (root / f"{intent.replace('_', '-')}.yaml").write_text(yaml.safe_dump(answer))


def labelled(data: dict[str, list[list[str]]], split: str) -> list[LabelledMessage]:
    items = [LabelledMessage(message=t, expected=i.replace("_", "-")) for t, i in data[split]]
    items += [LabelledMessage(message=t, expected=None) for t, _ in data[f"oos_{split}"]]
    return items


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("data", type=Path, help=HELP)
    parser.add_argument("--per-intent", type=int, nargs="+", default=[100, 10])
    parser.add_argument("--centroid-weights", type=float, nargs="+", default=[0.0, 0.5])
    parser.add_argument("--min-oos-recall", type=float, default=0.8)
    args = parser.parse_args()
    data = load_clinc150(args.data)
    goal = Goal(kind="oos_recall", minimum=args.min_oos_recall)
    with tempfile.TemporaryDirectory() as scratch:
        cache = Path(scratch) / "cache"
        for per_intent in args.per_intent:
            root = Path(scratch) / f"clinc-{per_intent}"
            write_base(root, data["train"], per_intent)
            started = time.perf_counter()
            kb = KnowledgeBase.load(root, cache_dir=cache)
            print(
                f"\n{per_intent} per intent: base of {kb.index.size} questions loaded in {time.perf_counter() - started:.1f} s"
            )
            val, test = labelled(data, "val"), labelled(data, "test")
            for weight in args.centroid_weights:
                settings = kb.settings.match.model_copy(update={"centroid_weight": weight})
                kb.matcher = Matcher.from_index(kb.index, settings)
                calibrated = calibrate(score_messages(kb, val), goal)
                result = report(score_messages(kb, test), calibrated.threshold, calibrated.margin)
                name = "max-cosine kNN" if weight == 0 else f"blend (centroid weight {weight})"
                print(
                    f"  {name:30s} calibrated on val ({goal}): threshold {calibrated.threshold:.3f}, margin {calibrated.margin:.2f}\n"
                    f"  {'':30s} test: top-1 {result.top1_accuracy:.1%}, in-scope {result.in_scope_accuracy:.1%}, "
                    f"out-of-scope recall {result.oos_recall:.1%}, answer precision {result.answer_precision:.1%}"
                )


if __name__ == "__main__":
    main()

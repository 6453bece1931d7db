"""CLINC150 accuracy and out-of-scope rejection, untuned and tuned, through replykb's real pipeline.

Each of the 150 intents becomes an answer whose questions are its train phrasings
(all 100, or the first N). Threshold and margin are calibrated once on val + oos_val
(`replykb.evaluate.calibrate`), then applied unchanged to test + oos_test.

With --tune, the base is also tuned (`replykb.learn.tune_train`, the loop behind
`replykb tune`, with the settings given here) and the tuned model, matched through
its ONNX export as `replykb tune` leaves it, is measured the same way, side by side
with the untuned one; training time and the process's peak memory are printed.

    python benchmarks/clinc150.py data_full.json
    python benchmarks/clinc150.py data_full.json --per-intent 10 --tune

Run by hand (minutes on 2 cores; the tuning of the full data takes longer); figures go
to the README.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

import yaml
from _clinc150 import HELP, load_clinc150
from _machine import OthersCpu, cpu_model, load_conditions

from replykb import KnowledgeBase
from replykb.evaluate import Goal, LabelledMessage, calibrate, report, score_messages
from replykb.index import index_rows
from replykb.match import Matcher
from replykb.models import TuneSettings


def write_base(
    root: Path, train: list[list[str]], per_intent: int, out_of_scope: Sequence[str] = ()
) -> None:
    questions: dict[str, list[str]] = defaultdict(list)
    for text, intent in train:
        if len(questions[intent]) < per_intent:
            questions[intent].append(text)
    root.mkdir(parents=True)
    settings = {"brand": "CLINC150", "channels": {"chat": {}}, "out_of_scope": list(out_of_scope)}
    (root / "replykb.yaml").write_text(yaml.safe_dump(settings))
    for intent, texts in questions.items():
        answer = {"questions": texts, "answer": f"The answer for {intent}."}
        (root / f"{intent.replace('_', '-')}.yaml").write_text(yaml.safe_dump(answer))


def labelled(data: dict[str, list[list[str]]], split: str) -> list[LabelledMessage]:
    items = [LabelledMessage(message=t, expected=i.replace("_", "-")) for t, i in data[split]]
    items += [LabelledMessage(message=t, expected=None) for t, _ in data[f"oos_{split}"]]
    return items


def measure(kb: KnowledgeBase, name: str, weight: float, goal: Goal, val: list, test: list) -> None:
    settings = kb.settings.match.model_copy(update={"centroid_weight": weight})
    kb.matcher = Matcher.from_index(kb.index, settings)
    calibrated = calibrate(score_messages(kb, val), goal)
    result = report(score_messages(kb, test), calibrated.threshold, calibrated.margin)
    label = f"{name}, " + ("max-cosine kNN" if weight == 0 else f"blend {weight}")
    print(
        f"  {label:32s} calibrated on val ({goal}): threshold {calibrated.threshold:.3f}, margin {calibrated.margin:.2f}\n"
        f"  {'':32s} test: top-1 {result.top1_accuracy:.1%}, in-scope {result.in_scope_accuracy:.1%}, "
        f"out-of-scope recall {result.oos_recall:.1%}, answer precision {result.answer_precision:.1%}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("data", type=Path, help=HELP)
    parser.add_argument("--per-intent", type=int, nargs="+", default=[100, 10])
    parser.add_argument("--centroid-weights", type=float, nargs="+", default=[0.0, 0.5])
    parser.add_argument("--min-oos-recall", type=float, default=0.8)
    parser.add_argument("--tune", action="store_true", help="also tune, and compare")
    parser.add_argument(
        "--tuned-model",
        type=Path,
        help="measure this model, already tuned on the base (one --per-intent), instead of tuning",
    )
    # The defaults are `replykb tune`'s own (`tune:` in replykb.yaml).
    defaults = TuneSettings()
    parser.add_argument("--epochs", type=int, default=defaults.epochs)
    parser.add_argument("--learning-rate", type=float, default=defaults.learning_rate)
    parser.add_argument("--positives", type=int, default=defaults.positives)
    parser.add_argument("--batch-size", type=int, default=defaults.batch_size)
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument(
        "--negatives",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="train with the base's out_of_scope messages as negatives, as `replykb tune` does",
    )
    args = parser.parse_args()
    data = load_clinc150(args.data)
    goal = Goal(kind="oos_recall", minimum=args.min_oos_recall)
    print(f"{cpu_model()}; {load_conditions()} at the start", flush=True)
    val, test = labelled(data, "val"), labelled(data, "test")
    with tempfile.TemporaryDirectory() as scratch:
        cache = Path(scratch) / "cache"
        for per_intent in args.per_intent:
            root = Path(scratch) / f"clinc-{per_intent}"
            # The base lists CLINC150's oos_train as its out_of_scope messages (val and
            # test keep their own out-of-scope messages, never trained on).
            write_base(root, data["train"], per_intent, [t for t, _ in data["oos_train"]])
            started = time.perf_counter()
            kb = KnowledgeBase.load(root, cache_dir=cache)
            print(
                f"\n{per_intent} per intent: base of {kb.index.size} questions loaded in "
                f"{time.perf_counter() - started:.1f} s",
                flush=True,
            )
            for weight in args.centroid_weights:
                measure(kb, "untuned", weight, goal, val, test)
            if args.tune or args.tuned_model:
                tuned = str(args.tuned_model or "") or tune(
                    kb, args, Path(scratch) / f"tuned-{per_intent}"
                )
                kb = KnowledgeBase.load(root, cache_dir=Path(scratch) / "tuned-cache", model=tuned)
                for weight in args.centroid_weights:
                    measure(kb, "tuned", weight, goal, val, test)


def tune(kb: KnowledgeBase, args: argparse.Namespace, destination: Path) -> str:
    from replykb.embed import resolve_model
    from replykb.learn.tune_train import TrainSettings, train

    settings = TrainSettings(
        epochs=args.epochs,
        learning_rate=args.learning_rate,
        positives=args.positives,
        batch_size=args.batch_size,
        seed=args.seed,
    )
    rows = index_rows(kb.base)
    others = OthersCpu()
    started = time.perf_counter()

    def progress(done: int, total: int, seconds: float) -> None:
        if done % 50 == 0 or done == total:
            left = seconds / done * (total - done)
            print(f"    step {done}/{total}, {seconds:.0f} s, about {left:.0f} s left", flush=True)

    negatives = list(kb.base.settings.out_of_scope) if args.negatives else []
    spec = resolve_model(kb.settings.model)
    steps = train(spec, rows, settings, destination, negatives=negatives, progress=progress)
    elapsed = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"  tuned on {len(rows)} questions and {len(negatives)} out-of-scope negatives "
        f"({settings}): {steps} steps in {elapsed:.0f} s "
        f"(others used {others.share():.0%} of the CPU meanwhile); peak memory of the "
        f"process {peak_mb:.0f} MB",
        flush=True,
    )
    return str(destination)


if __name__ == "__main__":
    main()

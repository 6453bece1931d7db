"""Reading the customer's mood: accuracy per mood and per language, flags, latency.

Compares, on the labelled messages of ``benchmarks/data/mood.jsonl`` (296 tweets,
Facebook and Instagram comments, e-mails, SMS, chat and WhatsApp messages; English,
Italian, and some Spanish, French, German and Portuguese; angry / neutral / grateful,
with urgent and repeated-contact flags):

- ``lexicon``: what replykb ships, ``replykb.prepare.mood.read_mood`` (a multilingual
  cue lexicon plus emojis, capitals, ``!!``/``??``);
- ``vader``: vaderSentiment's compound score with its authors' thresholds (>= 0.05
  grateful, <= -0.05 angry); ``vader-tuned``: thresholds chosen on the development set;
- ``prototypes``: the packaged all-MiniLM-L6-v2 (replykb's embedder), each message
  given the mood of the nearest centroid of the labelled prototypes of
  ``benchmarks/data/mood_dev.jsonl`` (``prototypes-knn``: the majority of the 5 nearest);
- ``lexicon+vader`` and ``lexicon+prototypes``: the lexicon's weights plus VADER's
  compound score, or plus the prototypes' similarity margins (weight chosen on the
  development set, leave-one-out).

The development set (90 messages) is the only data anything was tuned on, and the
prototypes come from it; it shares no message with the benchmark set (checked).
Batch 1 (236 messages) was written before the lexicon was first measured on it; batch 2
(60) after the lexicon was frozen, and was never used to change it: the columns
"batch 1" and "batch 2" show how much the figures owe to phrasing its author knew.
Latency is the median time per message over the benchmark set; for the prototypes it
is split into the comparison with an already-embedded message (the triage core embeds
every message to match it) and the embedding itself.

    python benchmarks/mood.py
    python benchmarks/mood.py --methods lexicon --errors      # what the shipped reader misses

VADER and the embedding model are optional: a method whose library or model is
missing is skipped with a line saying so (``pip install vaderSentiment``).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from replykb.prepare.mood import read_cues, read_mood

HERE = Path(__file__).resolve().parent
MOODS = ("angry", "neutral", "grateful")
METHODS = (
    "lexicon",
    "vader",
    "vader-tuned",
    "prototypes",
    "prototypes-knn",
    "lexicon+vader",
    "lexicon+prototypes",
)


@dataclass(frozen=True)
class Example:
    text: str
    mood: str
    language: str
    channel: str
    repeated: bool
    urgent: bool
    # 1: written before the lexicon was first measured; 2: written after it was frozen.
    batch: int = 1


def load(path: Path) -> list[Example]:
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        record = json.loads(line)
        if record["mood"] not in MOODS:
            raise SystemExit(f"{path}:{number}: unknown mood {record['mood']!r}")
        rows.append(Example(**record))
    return rows


def normalized(text: str) -> str:
    return " ".join(text.casefold().split())


# --- the methods ------------------------------------------------------------------------

Classifier = Callable[[Example], str]


def vader_analyzer() -> Any | None:
    try:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
    except ImportError:
        print("vader: skipped (pip install vaderSentiment)")
        return None
    return SentimentIntensityAnalyzer()


def vader_classifier(analyzer: Any, low: float, high: float) -> Classifier:
    def classify(example: Example) -> str:
        compound = analyzer.polarity_scores(example.text)["compound"]
        return "angry" if compound <= low else "grateful" if compound >= high else "neutral"

    return classify


def tune_vader(analyzer: Any, dev: Sequence[Example]) -> tuple[float, float]:
    grid = [round(0.05 * i, 2) for i in range(1, 19)]
    scores = [analyzer.polarity_scores(e.text)["compound"] for e in dev]

    def accuracy(low: float, high: float) -> float:
        hits = 0
        for example, compound in zip(dev, scores, strict=True):
            label = "angry" if compound <= low else "grateful" if compound >= high else "neutral"
            hits += label == example.mood
        return hits / len(dev)

    return max(((-a, b) for a in grid for b in grid), key=lambda t: (accuracy(*t), t[1], -t[0]))


class Prototypes:
    """Labelled prototypes embedded with replykb's model; a message's mood is the nearest
    centroid's (or the majority of its k nearest prototypes)."""

    def __init__(self, embedder: Any, dev: Sequence[Example], vectors: Any = None) -> None:
        import numpy as np

        self.np = np
        self.embedder = embedder
        self.labels = [e.mood for e in dev]
        self.vectors = embedder.encode([e.text for e in dev]) if vectors is None else vectors
        self.centroids = np.stack(
            [self._unit(self.vectors[[lab == m for lab in self.labels]].mean(0)) for m in MOODS]
        )
        self._cache: dict[str, Any] = {}

    def _unit(self, vector: Any) -> Any:
        return vector / self.np.linalg.norm(vector)

    def vector(self, text: str) -> Any:
        if text not in self._cache:
            self._cache[text] = self.embedder.encode([text])[0]
        return self._cache[text]

    def similarities(self, vector: Any) -> dict[str, float]:
        return dict(zip(MOODS, (self.centroids @ vector).tolist(), strict=True))

    def nearest(self, vector: Any) -> str:
        sims = self.similarities(vector)
        return max(MOODS, key=lambda m: sims[m])

    def knn(self, vector: Any, k: int = 5) -> str:
        order = self.np.argsort(-(self.vectors @ vector), kind="stable")[:k]
        votes = Counter(self.labels[i] for i in order)
        return max(MOODS, key=lambda m: (votes[m], m == "neutral"))


def combine(angry: float, grateful: float) -> str:
    if angry >= 1.0 and angry > grateful:
        return "angry"
    if grateful >= 1.0 and grateful > angry:
        return "grateful"
    return "neutral"


def lexicon_plus_vader(analyzer: Any) -> Classifier:
    def classify(example: Example) -> str:
        reading = read_cues(example.text)
        compound = analyzer.polarity_scores(example.text)["compound"]
        return combine(reading.angry + max(0.0, -compound), reading.grateful + max(0.0, compound))

    return classify


def lexicon_plus_prototypes(prototypes: Prototypes, weight: float) -> Classifier:
    def classify(example: Example) -> str:
        reading = read_cues(example.text)
        sims = prototypes.similarities(prototypes.vector(example.text))
        return combine(
            reading.angry + weight * max(0.0, sims["angry"] - sims["neutral"]),
            reading.grateful + weight * max(0.0, sims["grateful"] - sims["neutral"]),
        )

    return classify


def tune_prototype_weight(embedder: Any, dev: Sequence[Example]) -> float:
    """The margin weight with the best leave-one-out accuracy on the development set."""
    best: tuple[float, float] = (-1.0, 0.0)
    vectors = embedder.encode([e.text for e in dev])
    held_out = []
    for index, example in enumerate(dev):
        rest = [e for i, e in enumerate(dev) if i != index]
        protos = Prototypes(embedder, rest, vectors[[i != index for i in range(len(dev))]])
        protos._cache[example.text] = vectors[index]
        held_out.append((example, protos))
    for weight in (1.0, 2.0, 4.0, 8.0, 16.0):
        hits = sum(
            lexicon_plus_prototypes(protos, weight)(example) == example.mood
            for example, protos in held_out
        )
        best = max(best, (hits / len(dev), -weight))
    return -best[1]


# --- measuring --------------------------------------------------------------------------


def median_seconds(
    function: Callable[[Example], object], examples: Sequence[Example], rounds: int = 3
) -> float:
    times = []
    for _ in range(rounds):
        for example in examples:
            started = time.perf_counter()
            function(example)
            times.append(time.perf_counter() - started)
    return statistics.median(times)


def report(name: str, predicted: list[str], examples: Sequence[Example]) -> dict[str, Any]:
    hits = [p == e.mood for p, e in zip(predicted, examples, strict=True)]
    per_mood = {}
    for mood in MOODS:
        own = [h for h, e in zip(hits, examples, strict=True) if e.mood == mood]
        per_mood[mood] = (sum(own), len(own))
    per_language: dict[str, list[bool]] = defaultdict(list)
    per_batch: dict[int, list[bool]] = defaultdict(list)
    for hit, example in zip(hits, examples, strict=True):
        per_language[example.language].append(hit)
        per_batch[example.batch].append(hit)
    return {
        "method": name,
        "accuracy": sum(hits) / len(hits),
        "per_mood": per_mood,
        "per_language": {k: (sum(v), len(v)) for k, v in sorted(per_language.items())},
        "per_batch": {k: (sum(v), len(v)) for k, v in sorted(per_batch.items())},
    }


def percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:5.1f}%" if whole else "   - "


def print_table(results: list[dict[str, Any]], languages: list[str]) -> None:
    header = ["method", "all", *MOODS, *languages, "batch 1", "batch 2", "latency"]
    print(" | ".join(f"{h:>18}" if i == 0 else f"{h:>8}" for i, h in enumerate(header)))
    for result in results:
        cells = [f"{result['method']:>18}", f"{100 * result['accuracy']:7.1f}%"]
        cells += [f"{percent(*result['per_mood'][m]):>8}" for m in MOODS]
        cells += [f"{percent(*result['per_language'].get(lang, (0, 0))):>8}" for lang in languages]
        cells += [f"{percent(*result['per_batch'].get(b, (0, 0))):>8}" for b in (1, 2)]
        cells.append(f"{result.get('latency', ''):>8}")
        print(" | ".join(cells))


def print_flags(examples: Sequence[Example]) -> None:
    for flag in ("repeated", "urgent"):
        true_pos = false_pos = false_neg = 0
        for example in examples:
            said, truth = getattr(read_mood(example.text), flag), getattr(example, flag)
            true_pos += said and truth
            false_pos += said and not truth
            false_neg += truth and not said
        precision = true_pos / (true_pos + false_pos) if true_pos + false_pos else 0.0
        recall = true_pos / (true_pos + false_neg) if true_pos + false_neg else 0.0
        print(
            f"  {flag:>8}: precision {100 * precision:5.1f}% recall {100 * recall:5.1f}% "
            f"({true_pos + false_neg} labelled)"
        )


def confusion(predicted: list[str], examples: Sequence[Example]) -> None:
    counts = Counter((e.mood, p) for p, e in zip(predicted, examples, strict=True))
    print("  labelled \\ read: " + " ".join(f"{m:>9}" for m in MOODS))
    for mood in MOODS:
        print(f"  {mood:>16}: " + " ".join(f"{counts[mood, p]:>9}" for p in MOODS))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=HERE / "data" / "mood.jsonl")
    parser.add_argument("--dev", type=Path, default=HERE / "data" / "mood_dev.jsonl")
    parser.add_argument("--methods", nargs="+", choices=METHODS, default=list(METHODS))
    parser.add_argument("--errors", action="store_true", help="list what each method misses")
    args = parser.parse_args(argv)

    examples, dev = load(args.data), load(args.dev)
    shared = {normalized(e.text) for e in examples} & {normalized(e.text) for e in dev}
    if shared:
        raise SystemExit(f"the development set repeats benchmark messages: {sorted(shared)}")
    print(f"{len(examples)} messages: " + ", ".join(
        f"{m} {n}" for m, n in Counter(e.mood for e in examples).items()
    ) + "; " + ", ".join(f"{k} {n}" for k, n in sorted(Counter(e.language for e in examples).items())))  # fmt: skip

    classifiers: dict[str, tuple[Classifier, str]] = {}
    wanted = set(args.methods)
    if "lexicon" in wanted:
        classifiers["lexicon"] = (lambda e: read_mood(e.text).label, "")
    if wanted & {"vader", "vader-tuned", "lexicon+vader"} and (analyzer := vader_analyzer()):
        classifiers["vader"] = (vader_classifier(analyzer, -0.05, 0.05), "")
        low, high = tune_vader(analyzer, dev)
        classifiers["vader-tuned"] = (vader_classifier(analyzer, low, high), "")
        print(f"vader-tuned thresholds (development set): angry <= {low}, grateful >= {high}")
        classifiers["lexicon+vader"] = (lexicon_plus_vader(analyzer), "")
    if wanted & {"prototypes", "prototypes-knn", "lexicon+prototypes"}:
        try:
            from replykb.embed import SentenceTransformerEmbedder, resolve_model

            embedder = SentenceTransformerEmbedder(resolve_model())
        except Exception as error:  # the model is optional here
            print(f"prototypes: skipped ({type(error).__name__}: {error})")
        else:
            prototypes = Prototypes(embedder, dev)
            weight = tune_prototype_weight(embedder, dev)
            print(f"lexicon+prototypes margin weight (development set, leave-one-out): {weight}")
            # A sample: one message at a time through torch is slow, and the mean is clear.
            encode = median_seconds(lambda e: embedder.encode([e.text]), examples[::10], 1)
            for example in examples:
                prototypes.vector(example.text)
            compare = median_seconds(
                lambda e: prototypes.nearest(prototypes.vector(e.text)), examples
            )
            note = f"+{1e3 * encode:.1f}ms"
            print(
                f"prototypes: {1e6 * compare:.0f} us per message given its vector; embedding "
                f"one message costs {1e3 * encode:.1f} ms (paid anyway to match it)"
            )
            classifiers["prototypes"] = (
                lambda e: prototypes.nearest(prototypes.vector(e.text)),
                note,
            )
            classifiers["prototypes-knn"] = (
                lambda e: prototypes.knn(prototypes.vector(e.text)),
                note,
            )
            classifiers["lexicon+prototypes"] = (lexicon_plus_prototypes(prototypes, weight), note)

    results, predictions = [], {}
    for name in METHODS:
        if name not in wanted or name not in classifiers:
            continue
        classify, extra = classifiers[name]
        predicted = [classify(e) for e in examples]
        predictions[name] = predicted
        result = report(name, predicted, examples)
        result["latency"] = f"{1e6 * median_seconds(classify, examples):.0f}us{extra}"
        results.append(result)
    languages = sorted({e.language for e in examples})
    print()
    print("accuracy (share of messages of that mood / language read right); latency per message")
    print_table(results, languages)
    if "lexicon" in predictions:
        print("\nlexicon (shipped): confusion")
        confusion(predictions["lexicon"], examples)
        print("lexicon (shipped): flags")
        print_flags(examples)
    if args.errors:
        for name, predicted in predictions.items():
            print(f"\n{name}: misses")
            for p, e in zip(predicted, examples, strict=True):
                if p != e.mood:
                    print(
                        f"  {e.mood:>8} read as {p:<8} [{e.language} {e.channel}] {e.text[:100]!r}"
                    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

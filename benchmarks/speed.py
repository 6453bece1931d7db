"""Speed of replykb's real pipeline: warm `kb.match` latency, index build, rebuild after an edit.

Synthetic answer bases (real folders: replykb.yaml + one YAML file per answer, 10
questions each) are made from CLINC150 phrasings; past the ~22k distinct phrasings,
further questions combine two phrasings of one intent ("<A> and also <B>"). Every base
is a prefix of the larger ones, so their embedding caches can be shared.

Latency is measured over 300 CLINC test messages (10% out of scope), each call timed
with time.perf_counter after 10 warm-up calls, twice per size: with the embedder
``KnowledgeBase.load(path)`` picks itself (the ONNX fast path when the package has it
and the cache holds its export, else sentence-transformers) and with
sentence-transformers given explicitly, as a reference. Each is split into its stages:

- encode: the query encoding, ``kb.embedder.encode([message])``; for
  sentence-transformers also with torch limited to one thread
  (``torch.set_num_threads(1)``), which shows how much intra-op threading helps, or
  hurts on a busy machine, for one short message;
- scoring: ``kb.matcher.match(vector)``, every answer scored from the query's cosine
  with every question (best question blended with the centroid), the top ones sorted
  and the decision made; NumPy's single-threaded products, no BLAS.

The stages are timed in loops of their own, so they add up to less than `kb.match`
when the thread pools of torch (OpenMP), FAISS (its own OpenMP), NumPy (OpenBLAS) or
ONNX Runtime spin while another one works: on 2 cores that costs more than the
work itself. `kb.match` is therefore also timed with those pools at one thread each
(threadpoolctl, torch.set_num_threads(1); ONNX Runtime's pool is left as it is).

Other processes disturb all of this: before each timed part the script waits (up to
--wait-idle seconds) for the machine to be idle, and reports the share of CPU time
other processes used while it measured ("others' CPU", from /proc/stat).

Build time and peak RSS (VmHWM) of a 10k-question base are measured in a fresh
subprocess with an empty cache, calling ``KnowledgeBase.load(path)`` as the command line
does; then, each in a fresh subprocess, the reload after editing one answer's text (the
index must be reused) and the rebuild after editing one of its questions (only that
question may be encoded again). The model load (the weights' sha256 check, loading
sentence-transformers or opening the ONNX export) is timed apart, and every load stage
is listed.

Targets (2 cores, no GPU): warm `kb.match` p50 <= 15 ms at 10k questions; rebuild after
editing one answer <= 2 s plus the model load.

    HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 python benchmarks/speed.py \\
        data_full.json

Embedding 100k questions takes ~9 minutes on 2 idle cores the first time (much longer on
a busy machine); the embeddings are kept under --cache-dir (one folder per size, seeded
from the largest one there), so later runs only match: then the whole run takes about 7
minutes, 3 with --quick, which leaves out the 100k size (--sizes picks any). Run by
hand, on an otherwise idle machine: the load average is printed before and after.
Figures go to the README.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from _clinc150 import HELP, load_clinc150
from _machine import (
    OthersCpu,
    add_wait_idle_option,
    cpu_model,
    load_conditions,
    wait_until_idle,
)

from replykb import KnowledgeBase
from replykb.embed import SentenceTransformerEmbedder, resolve_model
from replykb.match import Matcher

QUESTIONS_PER_ANSWER = 10
DEFAULT_CACHE = Path(tempfile.gettempdir()) / "replykb-speed-cache"
REPLYKB_YAML = "brand: Bench\nchannels: {chat: {}}\n"
# Load stages that make up the "model load" of a fresh process.
MODEL_SHA256 = "model sha256"
LOAD_ST = "load sentence-transformers"
OPEN_ONNX = "open ONNX export"
MODEL_STAGES = (MODEL_SHA256, LOAD_ST, OPEN_ONNX)


# --- synthetic answer bases --------------------------------------------------------------


def pick_messages(data: dict[str, list[list[str]]], count: int, seed: int) -> list[str]:
    """~90% in-scope test phrasings and ~10% out-of-scope ones, in a fixed random order."""
    rng = random.Random(seed)
    out_of_scope = count // 10
    messages = rng.sample([t for t, _ in data["test"]], count - out_of_scope)
    messages += rng.sample([t for t, _ in data["oos_test"]], out_of_scope)
    rng.shuffle(messages)
    return messages


def make_answers(
    data: dict[str, list[list[str]]], total: int, exclude: set[str], seed: int
) -> list[tuple[str, list[str]]]:
    """(answer id, questions) giving at least ``total`` distinct questions, 10 per answer.

    Plain phrasings come first (in shuffled answers of one intent each), then answers of
    combined phrasings, so that smaller bases are made of real phrasings only and every
    base is a prefix of the larger ones (which lets their embedding caches be shared).
    """
    rng = random.Random(seed)
    by_intent: dict[str, list[str]] = {}
    seen = set(exclude)
    for split in ("train", "val", "test"):
        for text, intent in data[split]:
            if text not in seen:
                seen.add(text)
                by_intent.setdefault(intent.replace("_", "-"), []).append(text)
    plain = []
    for intent, texts in sorted(by_intent.items()):
        for start in range(0, len(texts) - QUESTIONS_PER_ANSWER + 1, QUESTIONS_PER_ANSWER):
            plain.append((intent, texts[start : start + QUESTIONS_PER_ANSWER]))
    rng.shuffle(plain)
    groups = plain
    intents = sorted(by_intent)
    count = sum(len(questions) for _, questions in plain)
    turn = 0
    while count < total:
        intent = intents[turn % len(intents)]
        turn += 1
        texts = by_intent[intent]
        questions: list[str] = []
        while len(questions) < QUESTIONS_PER_ANSWER:
            first, second = rng.sample(texts, 2)
            combined = f"{first} and also {second}"
            if combined not in seen:
                seen.add(combined)
                questions.append(combined)
        groups.append((intent, questions))
        count += QUESTIONS_PER_ANSWER
    return [(f"{intent}-{i:05d}", questions) for i, (intent, questions) in enumerate(groups)]


def write_base(root: Path, answers: Sequence[tuple[str, list[str]]], size: int) -> int:
    """A base of the first ``size`` questions; returns its number of answers."""
    root.mkdir(parents=True)
    (root / "replykb.yaml").write_text(REPLYKB_YAML)
    left, written = size, 0
    for answer_id, questions in answers:
        if left <= 0:
            break
        body = {"questions": questions[:left], "answer": f"The answer for {answer_id}."}
        (root / f"{answer_id}.yaml").write_text(yaml.safe_dump(body, sort_keys=False))
        left -= len(body["questions"])
        written += 1
    return written


def seed_embedding_cache(cache_root: Path, cache: Path) -> int:
    """Copy the largest embedding cache of another size into ``cache`` if it has none.

    The cache is keyed by text, and the bases are prefixes of each other, so this only
    saves encoding again what another size already encoded. Returns the vectors copied.
    """
    if list(cache.glob("embeddings-*.npz")):
        return 0
    others = sorted(cache_root.glob("q*/embeddings-*.npz"), key=lambda p: p.stat().st_size)
    if not others:
        return 0
    cache.mkdir(parents=True, exist_ok=True)
    shutil.copy2(others[-1], cache / others[-1].name)
    with np.load(others[-1], allow_pickle=False) as stored:
        return int(stored["keys"].shape[0])


# --- measuring ---------------------------------------------------------------------------


class LogCapture(logging.Handler):
    """Keeps replykb's log lines: they say why an index is built and how much is encoded."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())

    def take(self) -> dict[str, Any]:
        encoded = sum(
            int(m.group(1)) for line in self.lines if (m := re.search(r"embedding (\d+) new", line))
        )
        built = [line.split(": ", 2)[-1] for line in self.lines if "building the index" in line]
        self.lines = []
        return {"encoded": encoded, "built": built[0] if built else None}


def capture_replykb_log() -> LogCapture:
    handler = LogCapture()
    logger = logging.getLogger("replykb")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    return handler


def instrument(phases: dict[str, float]) -> None:
    """Time replykb's load stages by wrapping them (benchmark-only; replykb is unchanged).

    Each stage's time excludes the wrapped stages it calls (the model load inside the
    first encode, say), so the stages add up. Stages the package no longer has are skipped.
    """
    import replykb.embed as embed_module
    import replykb.index as index_module
    import replykb.kb as kb_module
    from replykb.index import EmbeddingCache

    try:
        import replykb.fastpath as fastpath_module
    except ImportError:
        fastpath_module = None
    nested: list[float] = []  # time spent in wrapped stages, per open stage

    def wrap(owner: Any, name: str, label: str) -> None:
        original = getattr(owner, name, None)
        if owner is None or original is None:
            return

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            nested.append(0.0)
            try:
                return original(*args, **kwargs)
            finally:
                elapsed = time.perf_counter() - started
                inner = nested.pop()
                phases[label] = phases.get(label, 0.0) + elapsed - inner
                if nested:
                    nested[-1] += elapsed

        setattr(owner, name, timed)

    wrap(kb_module, "load_answer_base", "parse YAML")
    wrap(kb_module, "resolve_model", MODEL_SHA256)
    wrap(embed_module, "_load_sentence_transformer", LOAD_ST)
    wrap(fastpath_module, "load_fast_embedder", OPEN_ONNX)
    wrap(fastpath_module, "after_index", "ONNX check")
    wrap(fastpath_module, "_export_onnx", "ONNX export")
    wrap(index_module, "_why_unusable", "check index cache")
    wrap(index_module, "_verified_manifest", "check index cache")
    wrap(index_module, "_read_index", "read index")
    wrap(EmbeddingCache, "_read", "read embedding cache")
    wrap(SentenceTransformerEmbedder, "encode", "encode (sentence-transformers)")
    wrap(getattr(fastpath_module, "OnnxEmbedder", None), "encode", "encode (ONNX)")
    wrap(EmbeddingCache, "_write", "write embedding cache")
    wrap(index_module, "_make_index", "make index")
    wrap(index_module, "_write_index", "write index")
    wrap(Matcher, "from_index", "centroids")


def timed_calls(function: Callable[[Any], object], inputs: Sequence[Any], warmup: int) -> Any:
    """Per-call latency in ms of ``function`` over ``inputs``, after ``warmup`` calls."""
    for item in inputs[:warmup]:
        function(item)
    times = np.empty(len(inputs))
    for i, item in enumerate(inputs):
        started = time.perf_counter()
        function(item)
        times[i] = time.perf_counter() - started
    return times * 1000.0


def percentiles(times_ms: Any) -> dict[str, float]:
    return {
        "p50": float(np.percentile(times_ms, 50)),
        "p99": float(np.percentile(times_ms, 99)),
        "mean": float(np.mean(times_ms)),
    }


def peak_rss_mb() -> float:
    """This process's peak resident set, MB.

    VmHWM from /proc where there is one: ru_maxrss is not reset by exec, and a child
    started by subprocess (vfork + exec) would report its parent's peak when larger.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except (OSError, ValueError):
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux


# --- the build / rebuild, in a fresh process ----------------------------------------------


def child_main(base: Path, cache: Path) -> None:
    """``KnowledgeBase.load`` as the command line calls it; print JSON figures.

    It picks the embedder itself (the ONNX export when the package has one and the cache
    holds it, else sentence-transformers, loaded on first use), so the model load is
    inside the timed call; its stages are timed separately (see MODEL_STAGES).
    """
    log = capture_replykb_log()
    phases: dict[str, float] = {}
    instrument(phases)
    started = time.perf_counter()
    kb = KnowledgeBase.load(base, cache_dir=cache)
    load = time.perf_counter() - started
    load_phases = dict(phases)
    # One match, so a lazily loaded model is loaded, and timed, here.
    started = time.perf_counter()
    kb.match("where is my refund")
    first_match = time.perf_counter() - started
    figures = {
        "load_s": load,
        "first_match_s": first_match,
        "model_s": sum(load_phases.get(stage, 0.0) for stage in MODEL_STAGES),
        "embedder": type(kb.embedder).__name__,
        "questions": kb.index.size,
        "peak_rss_mb": peak_rss_mb(),
        "phases": load_phases,
        **log.take(),
    }
    print(json.dumps(figures))


def run_child(base: Path, cache: Path) -> dict[str, Any]:
    command = [sys.executable, str(Path(__file__).resolve()), "--child", str(base), str(cache)]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"the build subprocess failed:\n{done.stderr}")
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    figures["process_s"] = wall
    return figures


def edit_answer_text(file: Path) -> None:
    body = yaml.safe_load(file.read_text())
    body["answer"] += " (edited)"
    file.write_text(yaml.safe_dump(body, sort_keys=False))


def edit_one_question(file: Path) -> None:
    body = yaml.safe_load(file.read_text())
    body["questions"][0] = body["questions"][0] + " please, it is urgent"
    file.write_text(yaml.safe_dump(body, sort_keys=False))


# --- the report ----------------------------------------------------------------------------


def fmt_phases(phases: dict[str, float], minimum: float = 0.05) -> str:
    shown = [f"{name} {seconds:.2f}" for name, seconds in phases.items() if seconds >= minimum]
    return ", ".join(shown) if shown else "-"


def versions() -> str:
    import faiss
    import sentence_transformers
    import torch

    try:
        import onnxruntime

        onnx = f", onnxruntime {onnxruntime.__version__}"
    except ImportError:
        onnx = ""
    return (
        f"{os.cpu_count()} CPUs ({cpu_model()}), Python {platform.python_version()}, "
        f"torch {torch.__version__} ({torch.get_num_threads()} threads), faiss "
        f"{faiss.__version__} ({faiss.omp_get_max_threads()} OpenMP threads), "
        f"sentence-transformers {sentence_transformers.__version__}{onnx}, numpy {np.__version__}"
    )


STAGES = {
    "match": "`kb.match`",
    "match_1t": "`kb.match`, 1-thread pools",
    "encode": "encode query",
    "score": "scoring",
    "encode_1t": "encode, 1 torch thread",
}


def measure_latency(kb: KnowledgeBase, messages: list[str], warmup: int) -> dict[str, Any]:
    """Per-stage latency percentiles of warm matching over ``messages``."""
    import torch  # already imported by the model load

    embedder = kb.embedder
    vectors = embedder.encode(messages)
    queries = list(vectors)
    timings = {
        "match": timed_calls(kb.match, messages, warmup),
        "encode": timed_calls(lambda m: embedder.encode([m]), messages, warmup),
        "score": timed_calls(kb.matcher.match, queries, warmup),
    }
    threads = torch.get_num_threads()
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # comes with scikit-learn, which sentence-transformers needs
        threadpool_limits = None
    if threadpool_limits is not None:
        # torch's and FAISS's OpenMP and NumPy's OpenBLAS pools at one thread each (not
        # an ONNX Runtime session's own pool): shows what their spinning costs on 2 cores.
        with threadpool_limits(limits=1):
            torch.set_num_threads(1)
            try:
                timings["match_1t"] = timed_calls(kb.match, messages, warmup)
            finally:
                torch.set_num_threads(threads)
    if isinstance(embedder, SentenceTransformerEmbedder):
        torch.set_num_threads(1)
        try:
            timings["encode_1t"] = timed_calls(lambda m: embedder.encode([m]), messages, warmup)
        finally:
            torch.set_num_threads(threads)
    return {name: percentiles(times) for name, times in timings.items()}


def timed_load(
    root: Path, cache: Path, embedder: Any, log: LogCapture, phases: dict[str, float]
) -> tuple[Any, float, str, dict[str, float]]:
    """Load the base twice: the first may build (index, ONNX export); time the second.

    Returns the base, the second load's seconds, why the first one built (if it did) and
    the second one's stages."""
    KnowledgeBase.load(root, cache_dir=cache, embedder=embedder)
    first = log.take()
    phases.clear()
    started = time.perf_counter()
    kb = KnowledgeBase.load(root, cache_dir=cache, embedder=embedder)
    seconds = time.perf_counter() - started
    assert log.take()["built"] is None, "the second load should reuse the index"
    return kb, seconds, first["built"] or "no, index reused", dict(phases)


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        child_main(Path(sys.argv[2]), Path(sys.argv[3]))
        return
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("data", type=Path, help=HELP)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--quick", action="store_true", help="leave out the 100k size")
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE, help="%(default)s")
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--build-size", type=int, default=10000)
    parser.add_argument(
        "--no-build", action="store_true", help="skip the cold build / rebuild subprocesses"
    )
    add_wait_idle_option(parser)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    data = load_clinc150(args.data)  # first: a missing file ends the run at once
    if args.quick:
        args.sizes = [size for size in args.sizes if size < 100_000]
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    run_started = time.perf_counter()

    print(f"start: {load_conditions()}")
    messages = pick_messages(data, args.messages, args.seed)
    largest = max([*args.sizes, args.build_size])
    answers = make_answers(data, largest, set(messages), args.seed)
    log = capture_replykb_log()

    started = time.perf_counter()
    spec = resolve_model(None)
    resolve_s = time.perf_counter() - started
    st_embedder = SentenceTransformerEmbedder(spec)
    started = time.perf_counter()
    st_embedder.encode(["warm up"])
    model_load_s = time.perf_counter() - started
    print(
        f"model {spec.model_id}: weights' sha256 checked in {resolve_s:.2f} s, "
        f"sentence-transformers imported + loaded by the first encode in {model_load_s:.2f} s"
    )
    print(versions())

    rows = []
    build: dict[str, dict[str, Any]] = {}
    phases: dict[str, float] = {}
    instrument(phases)
    with tempfile.TemporaryDirectory(prefix="replykb-speed-") as scratch:
        for size in sorted(args.sizes):
            root = Path(scratch) / f"base-{size}"
            answer_count = write_base(root, answers, size)
            cache = args.cache_dir / f"q{size}"
            seeded = seed_embedding_cache(args.cache_dir, cache)
            started = time.perf_counter()
            KnowledgeBase.load(root, cache_dir=cache, embedder=st_embedder)
            first_load = time.perf_counter() - started
            first = log.take()
            print(
                f"\n{size:,} questions, {answer_count:,} answers: first load {first_load:.1f} s "
                f"(seeded {seeded:,} cached vectors, encoded {first['encoded']:,}; "
                f"built: {first['built'] or 'no, index reused'})"
            )
            # The embedder KnowledgeBase.load picks itself (the ONNX fast path, when the
            # package has one), then sentence-transformers as the reference.
            for chosen in (None, st_embedder):
                kb, cached_load, built, stages = timed_load(root, cache, chosen, log, phases)
                name = type(kb.embedder).__name__
                if chosen is not None and rows and rows[-1]["embedder"] == name:
                    continue  # the default is sentence-transformers: measured already
                how = "default" if chosen is None else "given"
                idle = wait_until_idle(args.wait_idle) if args.wait_idle > 0 else "not waited"
                others = OthersCpu()
                row: dict[str, Any] = {
                    "questions": kb.index.size,
                    "answers": answer_count,
                    "embedder": name,
                    "cached_load_s": cached_load,
                    **measure_latency(kb, messages, args.warmup),
                    "others": others.share(),
                }
                rows.append(row)
                print(
                    f"  {name} ({how}): first load built: "
                    f"{built}; load from cache "
                    f"{cached_load:.2f} s ({fmt_phases(stages)})\n"
                    f"  machine before: {idle}; other processes used {row['others']:.0%} of "
                    "the CPU while measuring"
                )
                for stage, label in STAGES.items():
                    if stage in row:
                        p = row[stage]
                        print(
                            f"    {label:22s} p50 {p['p50']:7.2f} ms  p99 {p['p99']:7.2f} ms  "
                            f"mean {p['mean']:7.2f} ms"
                        )
                del kb
            print(f"  {load_conditions()}; peak RSS of this process so far {peak_rss_mb():.0f} MB")

        if not args.no_build:
            root = Path(scratch) / f"build-{args.build_size}"
            write_base(root, answers, args.build_size)
            cache = Path(scratch) / "build-cache"
            edited = sorted(root.glob("*.yaml"))[-1]
            steps = [
                ("cold build (empty cache)", None),
                ("reload after editing one answer's text", edit_answer_text),
                ("rebuild after editing one of its questions", edit_one_question),
            ]
            for name, edit in steps:
                if edit is not None:
                    edit(edited)
                if args.wait_idle > 0:
                    wait_until_idle(args.wait_idle)
                others = OthersCpu()
                build[name] = b = run_child(root, cache)
                b["others"] = others.share()
                print(
                    f"\n{name}, {b['questions']:,} questions, fresh process "
                    f"({b['process_s']:.1f} s in all): KnowledgeBase.load {b['load_s']:.2f} s "
                    f"(model load {b['model_s']:.2f} s), then the first match "
                    f"{b['first_match_s']:.2f} s; embedder {b['embedder']}; encoded "
                    f"{b['encoded']:,}; peak RSS {b['peak_rss_mb']:.0f} MB; other processes "
                    f"used {b['others']:.0%} of the CPU meanwhile\n"
                    f"  built: {b['built'] or 'no, index reused'}\n"
                    f"  stages (s): {fmt_phases(b['phases'], 0.01)}"
                )
    print(f"\nend: {load_conditions()}; whole run {time.perf_counter() - run_started:.0f} s")
    print_tables(rows, build, model_load_s, resolve_s, len(messages))


def print_tables(
    rows: list[dict[str, Any]],
    build: dict[str, dict[str, Any]],
    model_load_s: float,
    resolve_s: float,
    message_count: int,
) -> None:
    print(
        "\nothers' CPU: the share of the machine's CPU time other processes used meanwhile "
        "(from /proc/stat); figures taken with it above ~10% are disturbed"
    )
    print(
        f"\nWarm latency per message, ms, p50 / p99 over {message_count} CLINC test messages "
        f"(target: `kb.match` p50 <= 15 ms at 10k questions). sentence-transformers load "
        f"(imports + weights) {model_load_s:.1f} s, plus {resolve_s:.2f} s checking the "
        "weights' sha256\n"
    )
    print(
        f"| questions | answers | embedder | {' | '.join(STAGES.values())} | load from cache "
        "| others' CPU |"
    )
    print("|---:|---:|---|" + "---:|" * (len(STAGES) + 2))
    for row in rows:
        cells = [
            f"{row[name]['p50']:.1f} / {row[name]['p99']:.1f}" if name in row else "-"
            for name in STAGES
        ]
        print(
            f"| {row['questions']:,} | {row['answers']:,} | {row['embedder']} "
            f"| {' | '.join(cells)} | {row['cached_load_s']:.2f} s | {row['others']:.0%} |"
        )
    if build:
        size = next(iter(build.values()))["questions"]
        print(
            f"\n| {size:,}-question base, fresh process | `KnowledgeBase.load` | of which "
            "model load | load minus model | texts encoded | embedder | peak RSS | others' CPU |"
        )
        print("|---|---:|---:|---:|---:|---|---:|---:|")
        for name, b in build.items():
            print(
                f"| {name} | {b['load_s']:.2f} s | {b['model_s']:.2f} s "
                f"| {b['load_s'] - b['model_s']:.2f} s | {b['encoded']:,} | {b['embedder']} "
                f"| {b['peak_rss_mb']:.0f} MB | {b['others']:.0%} |"
            )
        print(
            "(target: rebuild after editing one answer <= 2 s plus the model load; the model "
            "load is the weights' sha256 check, loading sentence-transformers or opening the "
            "ONNX export; the first match loads a model not loaded yet)"
        )


if __name__ == "__main__":
    main()

"""Throughput and memory of batch triage: `replykb suggest --input FILE --output FILE`.

Each run is the real command line in a fresh process on the example base (``answers/``),
its index built beforehand into --cache-dir by an untimed run:

    replykb suggest --input IN.jsonl --output OUT.jsonl --kb answers --cache-dir CACHE \\
        --channel chat --agent paola

The input is JSONL of 2k, 20k and 100k lines. Messages are drawn (with replacement, in
a fixed random order) from the example base's held-out ``tests`` and ``out_of_scope``
messages (--kb-share of the lines, default 40%, so that a good share is confident and
gets rendered) and from CLINC150 test and oos_test phrasings (the rest: mostly no match
for a shop's answer base). Channels are mixed over x, sms, email, facebook and chat, a
few records name no channel (so --channel applies), and one line in 400 is bad
(not JSON, not an object, an empty message, a channel that is not text, a channel the
base does not know).

Reported per size: wall time of the whole process; msg/s including start-up (lines /
wall time) and excluding it (lines / (wall time - the median start-up of a 1-line
input: imports, model and index load)); the peak RSS of the process (VmHWM, polled
from /proc every 20 ms), which shows whether memory stays constant while records
stream through (the output is written to a temporary file and renamed into place at
the end, so no result is visible before the run ends); and the share of CPU time
other processes used meanwhile ("others' CPU", from /proc/stat: above ~10% the
figures are disturbed). Before each timed run the
script waits (up to --wait-idle seconds) for the machine to be idle. A 1-line input
gives the start-up cost on its own, and the rate between the smallest and the largest
input the marginal cost per message.

Targets (2 cores, no GPU): >= 200 msg/s excluding start-up; peak RSS the same at 2k,
20k and 100k lines.

    HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 python benchmarks/batch_speed.py \\
        data_full.json

The whole run takes about 8 minutes (the 100k lines about 6); --sizes 2000 20000 takes
about 2. Run by hand, on an otherwise idle machine (the load average is printed before
and after).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from _clinc150 import HELP, Clinc150, load_clinc150
from _machine import (
    OthersCpu,
    add_wait_idle_option,
    cpu_model,
    load_conditions,
    wait_until_idle,
)

REPO = Path(__file__).resolve().parent.parent
DEFAULT_KB = REPO / "answers"
DEFAULT_CACHE = Path(tempfile.gettempdir()) / "replykb-batch-speed-cache"
CHANNELS = ("x", "sms", "email", "facebook", "chat")
CUSTOMERS = ("Mario", "@mario_rossi", "Zoë 👋🏽", "@paolo", "Anne-Marie O'Neill", "{{ 7*7 }}")
BAD_LINES = (
    "{this is not json",
    "[1, 2, 3]",
    '{"id": "bad-empty", "message": "   "}',
    '{"id": "bad-channel-type", "message": "where is my refund", "channel": ["x"]}',
    '{"id": "bad-channel", "message": "I have been charged twice", "channel": "fax"}',
)
TARGET_MSG_PER_S = 200.0


# --- the input ---------------------------------------------------------------------------


def base_messages(kb: Path) -> list[str]:
    """The example base's held-out tests and out-of-scope messages."""
    from replykb import load_answer_base

    base = load_answer_base(kb)
    return [test for answer in base.answers for test in answer.tests] + list(
        base.settings.out_of_scope
    )


def clinc_messages(data: Clinc150) -> list[str]:
    return [text for text, _ in data["test"]] + [text for text, _ in data["oos_test"]]


def write_input(
    path: Path,
    lines: int,
    ours: Sequence[str],
    clinc: Sequence[str],
    *,
    kb_share: float,
    bad_every: int,
    seed: int,
) -> None:
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as stream:
        for number in range(1, lines + 1):
            if bad_every and number % bad_every == 0:
                stream.write(BAD_LINES[(number // bad_every - 1) % len(BAD_LINES)] + "\n")
                continue
            pool = ours if rng.random() < kb_share else clinc
            record: dict[str, Any] = {"id": f"m{number}", "message": rng.choice(pool)}
            if rng.random() < 0.97:  # the rest take --channel
                record["channel"] = rng.choice(CHANNELS)
            record["customer"] = rng.choice(CUSTOMERS)
            record["conversation_id"] = f"conv-{rng.randrange(10_000)}"
            stream.write(json.dumps(record, ensure_ascii=False) + "\n")


# --- running the command -----------------------------------------------------------------


def replykb_command() -> list[str]:
    """The installed console script next to this interpreter, else ``python -m replykb``."""
    script = Path(sys.executable).parent / "replykb"
    if script.is_file():
        return [str(script)]
    found = shutil.which("replykb")
    return [found] if found else [sys.executable, "-m", "replykb"]


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update({"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TQDM_DISABLE": "1"})
    return env


def memory_mb(pid: int) -> tuple[float, float] | None:
    """Current and peak resident set (VmRSS, VmHWM) of ``pid``, MB, or None once it has gone."""
    values: dict[str, float] = {}
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(("VmRSS:", "VmHWM:")):
                    values[line[:5]] = int(line.split()[1]) / 1024.0
    except (OSError, ValueError):
        return None
    if len(values) != 2:
        return None
    return values["VmRSS"], values["VmHWM"]


@dataclass
class Run:
    lines: int
    wall_s: float
    peak_rss_mb: float
    others: float
    statuses: Counter[str]
    output_lines: int
    stderr_lines: int
    log: str


def count_output(path: Path) -> tuple[int, Counter[str]]:
    statuses: Counter[str] = Counter()
    count = 0
    with path.open(encoding="utf-8") as stream:
        for line in stream:
            count += 1
            statuses[json.loads(line)["status"]] += 1
    return count, statuses


def lines_in(path: Path) -> int:
    with path.open("rb") as stream:
        return stream.read().count(b"\n")


def run_cli(
    input_path: Path, output_path: Path, args: argparse.Namespace, *, poll_s: float = 0.02
) -> Run:
    """Run the command to completion, watching its RSS."""
    output_path.unlink(missing_ok=True)
    stderr_path = output_path.with_suffix(".stderr")
    command = [
        *replykb_command(),
        "suggest",
        "--input",
        str(input_path),
        "--output",
        str(output_path),
        "--kb",
        str(args.kb),
        "--cache-dir",
        str(args.cache_dir),
        "--channel",
        "chat",
        "--agent",
        args.agent,
    ]
    peak = 0.0
    others = OthersCpu()
    with stderr_path.open("w", encoding="utf-8") as stderr:
        started = time.perf_counter()
        process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=stderr, env=child_env()
        )
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            memory = memory_mb(process.pid)
            if memory is not None:
                peak = max(peak, memory[1])
            time.sleep(poll_s)
        wall_s = time.perf_counter() - started
    others_share = others.share()
    process.returncode = os.waitstatus_to_exitcode(status)
    log = stderr_path.read_text(encoding="utf-8")
    if process.returncode != 0:
        sys.exit(f"{' '.join(command)} exited with {process.returncode}:\n{log[-3000:]}")
    output_lines, statuses = count_output(output_path)
    return Run(
        lines=lines_in(input_path),
        wall_s=wall_s,
        # VmHWM as last seen (ru_maxrss may be this process's peak: exec does not reset it)
        peak_rss_mb=peak or usage.ru_maxrss / 1024.0,
        statuses=statuses,
        output_lines=output_lines,
        stderr_lines=len(log.splitlines()),
        log=log,
        others=others_share,
    )


# --- the report ----------------------------------------------------------------------------


def machine() -> str:
    def version(name: str) -> str:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "-"

    return (
        f"{os.cpu_count()} CPUs ({cpu_model()}), Python {platform.python_version()}, "
        f"replykb {version('replykb')}, torch {version('torch')}, faiss-cpu "
        f"{version('faiss-cpu')}, sentence-transformers {version('sentence-transformers')}, "
        f"onnxruntime {version('onnxruntime')}"
    )


def fmt(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def print_table(runs: list[Run], startup_s: list[float]) -> None:
    startup = statistics.median(startup_s) if startup_s else None
    print(
        "\n| lines | wall | msg/s incl. start-up | msg/s excl. start-up | peak RSS "
        "| confident / ambiguous / no match / error | others' CPU |"
    )
    print("|---:|---:|---:|---:|---:|---|---:|")
    for run in runs:
        steady = None
        if startup is not None and run.wall_s > startup:
            steady = run.output_lines / (run.wall_s - startup)
        s = run.statuses
        print(
            f"| {run.lines:,} | {run.wall_s:.1f} s "
            f"| {run.output_lines / run.wall_s:.0f} | {fmt(steady, '.0f')} "
            f"| {run.peak_rss_mb:.0f} MB | {s['confident']:,} / {s['ambiguous']:,} / "
            f"{s['no_match']:,} / {s['error']:,} | {run.others:.0%} |"
        )
    if startup_s:
        median = statistics.median(startup_s)
        print(
            f"\nStart-up alone (1-line input, whole process): median {median:.2f} s "
            f"over {len(startup_s)} runs ({', '.join(f'{s:.2f}' for s in startup_s)})"
        )
    if len(runs) >= 2:
        first, last = runs[0], runs[-1]
        rate = (last.output_lines - first.output_lines) / (last.wall_s - first.wall_s)
        print(
            f"Marginal rate between {first.lines:,} and {last.lines:,} lines: {rate:.0f} msg/s "
            f"(target >= {TARGET_MSG_PER_S:.0f})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("data", type=Path, help=HELP)
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 20000, 100000])
    parser.add_argument("--kb", type=Path, default=DEFAULT_KB, help="%(default)s")
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=DEFAULT_CACHE,
        help="index cache of the base, built by an untimed first run (%(default)s)",
    )
    parser.add_argument("--agent", default="paola")
    parser.add_argument("--kb-share", type=float, default=0.4, help="%(default)s")
    parser.add_argument("--bad-every", type=int, default=400, help="%(default)s")
    parser.add_argument("--startup-runs", type=int, default=3, help="%(default)s")
    add_wait_idle_option(parser)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", type=Path, help="keep the inputs and outputs in this folder")
    args = parser.parse_args()
    data = load_clinc150(args.data)  # first: a missing file ends the run at once

    print(f"{machine()}\nstart: {load_conditions()}")
    print(f"command: {' '.join(replykb_command())} suggest --input IN --output OUT ...")
    ours, clinc = base_messages(args.kb), clinc_messages(data)
    print(
        f"messages: {len(ours)} from {args.kb} (share {args.kb_share:.0%}), "
        f"{len(clinc):,} from CLINC150 test + oos_test"
    )
    scratch = Path(tempfile.mkdtemp(prefix="replykb-batch-speed-"))
    folder = args.keep or scratch
    folder.mkdir(parents=True, exist_ok=True)
    try:
        # Untimed: builds the index into --cache-dir if needed and warms the page cache.
        warm_input = folder / "warm.jsonl"
        write_input(warm_input, 64, ours, clinc, kb_share=0.5, bad_every=0, seed=args.seed)
        warm = run_cli(warm_input, folder / "warm.out.jsonl", args)
        print(f"warm-up run {warm.wall_s:.1f} s: {warm.log.strip() or 'index reused'}")

        startup: list[float] = []
        one = folder / "one.jsonl"
        one.write_text(json.dumps({"message": "where is my refund??", "channel": "x"}) + "\n")
        for _ in range(args.startup_runs):
            if args.wait_idle > 0:
                wait_until_idle(args.wait_idle)
            startup.append(run_cli(one, folder / "one.out.jsonl", args).wall_s)

        runs = []
        for size in sorted(args.sizes):
            input_path = folder / f"in-{size}.jsonl"
            write_input(
                input_path,
                size,
                ours,
                clinc,
                kb_share=args.kb_share,
                bad_every=args.bad_every,
                seed=args.seed,
            )
            idle = wait_until_idle(args.wait_idle) if args.wait_idle > 0 else "not waited"
            run = run_cli(input_path, folder / f"out-{size}.jsonl", args)
            if "building the index" in run.log:
                print(f"warning: the {size:,}-line run rebuilt the index")
            if run.output_lines != size:
                print(f"warning: {size:,} lines in, {run.output_lines:,} results out")
            print(
                f"{size:,} lines: {run.wall_s:.1f} s, {run.stderr_lines} stderr line(s); "
                f"machine before: {idle}; other processes used {run.others:.0%} of the CPU "
                f"meanwhile; {load_conditions()}"
            )
            runs.append(run)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"end: {load_conditions()}")
    print_table(runs, startup)


if __name__ == "__main__":
    main()

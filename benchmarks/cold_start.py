"""Cold start of a command-line lookup, against importing sentence-transformers alone.

An agent types `replykb suggest "..." --kb answers/ --channel x` while a customer
waits, so what counts is the whole process: interpreter start, imports, loading
the base, its index and the model, one match, one render. This script

1. builds the base's index and ONNX export once (a first lookup does the same),
   then waits until those files are older than the racy window of the digest cache
   and runs one untimed lookup, as any later lookup finds things;
2. times ``--runs`` lookups, each a new process (the OS file cache stays warm, as
   on an agent's machine), and checks that they all print the same reply;
3. times ``--runs`` runs of ``python -c "import sentence_transformers"`` in the
   same session, the floor of any lookup that loads the model with it;

and prints both medians, their maxima, the ratio, and the load average before and
after (another busy process on a 2-core machine slows everything: compare runs
made at a low load).

With ``--warm``, it also times the encoding of one message in a warm process, with
sentence-transformers and with the ONNX export, on all threads and on one
(``torch.set_num_threads(1)``; an onnxruntime session with ``intra_op_num_threads=1``),
and ``kb.match`` as a whole.

    HF_HUB_OFFLINE=1 python benchmarks/cold_start.py answers/ --runs 7 --warm
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

MESSAGE = "where's my refund?? sent the parcel back ages ago"


def timed(command: list[str], env: dict[str, str]) -> tuple[float, bytes]:
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, env=env, check=False)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{result.stderr.decode(errors='replace')}")
    return elapsed, result.stdout


def summary(name: str, times: list[float]) -> str:
    runs = ", ".join(f"{t:.2f}" for t in times)
    return (
        f"{name:34s} median {statistics.median(times):6.3f} s   max {max(times):6.3f} s   "
        f"({len(times)} runs: {runs})"
    )


def load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


WARM_MESSAGES = [
    "where's my refund?? sent the parcel back ages ago",
    "I forgot my password and can't log in",
    "do you ship to Canada",
    "my card was charged twice for one order!!",
    "cancel my plus membership please",
    "hi, the jacket I ordered last week still hasn't arrived, any news? order FH123456",
]


def per_call_ms(function: Any, rounds: int = 30) -> float:
    """Median time of one call, over ``rounds`` passes of every warm message."""
    for message in WARM_MESSAGES:
        function(message)
    times = []
    for _ in range(rounds):
        for message in WARM_MESSAGES:
            start = time.perf_counter()
            function(message)
            times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def warm(base: Path) -> None:
    """Warm per-message encoding: sentence-transformers vs the ONNX export."""
    import dataclasses

    import onnxruntime
    import torch

    from replykb import KnowledgeBase
    from replykb.embed import SentenceTransformerEmbedder, resolve_model
    from replykb.fastpath import OnnxEmbedder

    kb = KnowledgeBase.load(base)
    fast = kb.embedder
    assert isinstance(fast, OnnxEmbedder), "no ONNX export: run a lookup first"
    st = SentenceTransformerEmbedder(resolve_model())
    print(f"warm, one message per call (median of {30 * len(WARM_MESSAGES)} calls), load {load()}")
    rows = [
        ("sentence-transformers, all threads", lambda m: st.encode([m])),
        ("ONNX, all threads", lambda m: fast.encode([m])),
        ("kb.match (ONNX, all threads)", kb.match),
    ]
    for name, function in rows:
        print(f"  {name:40s} {per_call_ms(function):6.2f} ms")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    print(
        f"  {'sentence-transformers, 1 thread':40s} {per_call_ms(lambda m: st.encode([m])):6.2f} ms"
    )
    torch.set_num_threads(threads)
    for label, prepacked in (("", False), (", weights prepacked", True)):
        for threads in (0, 1):
            options = fast.session_options(threads, prepack=prepacked)
            session = onnxruntime.InferenceSession(
                str(fast.graph), options, providers=["CPUExecutionProvider"]
            )
            variant = dataclasses.replace(fast, session=session)
            name = f"ONNX, {'1 thread' if threads == 1 else 'all threads'}{label}"
            print(f"  {name:40s} {per_call_ms(lambda m, e=variant: e.encode([m])):6.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base", type=Path, nargs="?", default=Path("answers"))
    parser.add_argument("--runs", type=int, default=7, help="timed runs of each (at least 5)")
    parser.add_argument("--channel", default="x")
    parser.add_argument("--message", default=MESSAGE)
    parser.add_argument("--warm", action="store_true", help="also time warm encoding")
    args = parser.parse_args()
    if args.runs < 5:
        parser.error("--runs must be at least 5")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    script = Path(sys.executable).with_name("replykb")
    replykb = [str(script)] if script.exists() else [sys.executable, "-m", "replykb"]
    lookup = [*replykb, "suggest", args.message, "--kb", str(args.base), "--channel", args.channel]

    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average {load()}")
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", f"import replykb; replykb.KnowledgeBase.load({str(args.base)!r})"],
        env=env,
        check=True,
    )
    print(f"index and ONNX export ready in {time.perf_counter() - start:.1f} s")
    # Digests of files younger than this are not trusted (see replykb.index.FileDigests).
    from replykb.index import FileDigests

    time.sleep(FileDigests.RACY_SECONDS + 0.5)
    first, expected = timed(lookup, env)
    print(f"first lookup after the build (verifies the files once): {first:.3f} s")

    lookups, outputs = [], set()
    for _ in range(args.runs):
        elapsed, output = timed(lookup, env)
        lookups.append(elapsed)
        outputs.add(output)
    if outputs != {expected}:
        sys.exit("the lookups did not all print the same reply")
    imports = [
        timed([sys.executable, "-c", "import sentence_transformers"], env)[0]
        for _ in range(args.runs)
    ]

    print(summary("replykb suggest (cold process)", lookups))
    print(summary("python -c 'import sentence_transformers'", imports))
    ratio = statistics.median(lookups) / statistics.median(imports)
    print(f"ratio of medians (lookup / import): {ratio:.3f}")
    print(f"load average after: {load()}")
    print(f"command: {shutil.which(lookup[0]) or lookup[0]} {' '.join(lookup[1:])}")
    print(expected.decode().rstrip())
    if args.warm:
        warm(args.base)


if __name__ == "__main__":
    main()

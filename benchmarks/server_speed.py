"""Speed of `replykb serve`: warm suggestions in process and over HTTP, under load, and start-up.

A synthetic 10k-question base is made from CLINC150 phrasings as benchmarks/speed.py
makes it (one YAML file per answer, 10 questions each, one `chat` channel), and its
cache is made by `replykb build`, as a container image or a deployment would. Then:

(a) in-process warm `kb.suggest(message, channel="chat")` over CLINC test messages
    (10% out of scope), one call at a time and from 8 threads at once, with the ONNX
    sessions a server opens (one thread per request: `onnxmodel.use_server_sessions`)
    and, for comparison, with the command line's (a pool of one thread per core);
    target p50 <= 8 ms at 10k questions;
(d) start-up of `replykb serve` from that cache, each a fresh process, from its start
    until GET /readyz answers 200, with and without the file digests a start
    remembers in the cache (a container's read-only cache remembers none, so each of
    its starts hashes the model's weights and export again); target <= 2 s;
(b) POST /v1/suggest over loopback against the last of those processes, one request
    at a time on a kept-alive connection; target p50 <= 15 ms;
(c) 8 concurrent clients x 2,000 requests each (messages and conversation ids taken in
    turn): every answer must be 200 and equal, field for field, to what the library
    gives for the same request in this process (`Suggestion.model_dump(mode="json")`).

Clients use the standard library's http.client (one kept-alive connection each), which
adds less of its own time to a request than a full-featured client would. Other
processes disturb all of this: before each timed part the script waits (up to
--wait-idle seconds) for the machine to be idle, and reports the share of CPU time
other processes used while it measured ("others' CPU", from /proc/stat).
--server-threads N runs the server with $REPLYKB_ONNX_THREADS=N (0: a pool of one
thread per core), to compare the two kinds of session over HTTP as well.

    HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 python benchmarks/server_speed.py \\
        data_full.json [--quick]

The first run embeds the 10k questions with sentence-transformers (minutes on 2 cores;
benchmarks/speed.py's embedding cache in the temporary folder is reused when it is
there); later runs find them in --cache-dir. --quick times fewer messages (100), 200
requests per client and 2 starts of each kind. Figures go to the README.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from _clinc150 import HELP, load_clinc150
from _machine import OthersCpu, add_wait_idle_option, cpu_model, load_conditions, wait_until_idle
from speed import DEFAULT_CACHE as SPEED_CACHE
from speed import make_answers, percentiles, pick_messages, seed_embedding_cache, write_base

from replykb import KnowledgeBase, onnxmodel

DEFAULT_CACHE = Path(tempfile.gettempdir()) / "replykb-server-speed-cache"
CHANNEL = "chat"
CONVERSATIONS = 2  # conversation ids per message: the opening varies with it
TARGETS = {"in_process": 8.0, "http": 15.0, "start": 2.0}


# --- the base and its cache -----------------------------------------------------------


def replykb_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "replykb", *args]


def build_cache(root: Path, cache: Path) -> tuple[float, str]:
    """`replykb build` in a fresh process: its seconds and its output."""
    started = time.perf_counter()
    result = subprocess.run(
        replykb_command("build", str(root), "--cache-dir", str(cache)),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        sys.exit(f"replykb build failed:\n{result.stderr}")
    return time.perf_counter() - started, result.stdout.strip()


# --- in process ------------------------------------------------------------------------


def load_with_sessions(root: Path, cache: Path, threads: int) -> KnowledgeBase:
    # Benchmark only: the server's choice is onnxmodel.use_server_sessions() (1 thread).
    onnxmodel._session_threads = threads
    try:
        return KnowledgeBase.load(root, cache_dir=cache)
    finally:
        onnxmodel._session_threads = 0


def timed(function: Callable[[Any], object], inputs: Sequence[Any]) -> list[float]:
    times = []
    for item in inputs:
        started = time.perf_counter()
        function(item)
        times.append((time.perf_counter() - started) * 1000.0)
    return times


def concurrently(
    work: Callable[[int], list[float]], clients: int
) -> tuple[list[float], float, list[BaseException]]:
    """Run ``work(client)`` in ``clients`` threads at once: every latency, the wall time,
    and the exceptions raised."""
    results: list[list[float]] = [[] for _ in range(clients)]
    errors: list[BaseException] = []
    start = threading.Barrier(clients + 1)

    def run(client: int) -> None:
        start.wait()
        try:
            results[client] = work(client)
        except BaseException as error:  # counted, reported
            errors.append(error)

    threads = [threading.Thread(target=run, args=(client,)) for client in range(clients)]
    for thread in threads:
        thread.start()
    start.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return [t for times in results for t in times], time.perf_counter() - started, errors


def in_process(kb: KnowledgeBase, messages: list[str], clients: int) -> dict[str, Any]:
    def suggest(message: str) -> object:
        return kb.suggest(message, channel=CHANNEL)

    timed(suggest, messages[:10])  # warm-up
    others = OthersCpu()
    one = timed(suggest, messages)
    many, wall, errors = concurrently(lambda client: timed(suggest, messages), clients)
    if errors:
        raise errors[0]
    return {
        "one": percentiles(one),
        "many": percentiles(many),
        "throughput": len(many) / wall,
        "others": others.share(),
    }


# --- over HTTP ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(
    root: Path, cache: Path, port: int, log: Path, threads: str | None
) -> tuple[subprocess.Popen[bytes], float]:
    """A `replykb serve` process and its seconds until GET /readyz answered 200."""
    command = replykb_command(
        "serve", "--kb", str(root), "--cache-dir", str(cache), "--port", str(port), "--no-watch"
    )
    # No token: on loopback the server is open, as a helpdesk behind a proxy may run it.
    env = {name: value for name, value in os.environ.items() if name != "REPLYKB_TOKEN"}
    if threads is not None:
        env["REPLYKB_ONNX_THREADS"] = threads
    with log.open("ab") as output:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=output, stderr=output, env=env)
    while True:
        if process.poll() is not None:
            sys.exit(f"replykb serve ended with {process.returncode}; see {log}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            connection.request("GET", "/readyz")
            if connection.getresponse().status == 200:
                return process, time.perf_counter() - started
        except OSError:
            pass
        time.sleep(0.01)
        if time.perf_counter() - started > 120:
            process.kill()
            sys.exit(f"replykb serve was not ready after 120 s; see {log}")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class Client:
    """One kept-alive connection posting suggestions."""

    def __init__(self, port: int) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def suggest(self, body: dict[str, Any]) -> tuple[int, bytes]:
        self.connection.request(
            "POST", "/v1/suggest", json.dumps(body), {"content-type": "application/json"}
        )
        response = self.connection.getresponse()
        return response.status, response.read()


def request_body(messages: list[str], i: int) -> dict[str, Any]:
    j = i % len(messages)
    conversation = (i // len(messages)) % CONVERSATIONS
    return {"message": messages[j], "channel": CHANNEL, "conversation_id": f"conv-{conversation}"}


def http_one_at_a_time(port: int, messages: list[str]) -> dict[str, Any]:
    client = Client(port)
    for i in range(10):
        client.suggest(request_body(messages, i))
    others = OthersCpu()
    times = timed(lambda i: client.suggest(request_body(messages, i)), range(len(messages)))
    return {"one": percentiles(times), "others": others.share()}


def http_under_load(
    port: int, messages: list[str], expected: dict[tuple[str, str], Any], clients: int, each: int
) -> dict[str, Any]:
    mismatches: list[str] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()

    def work(client_number: int) -> list[float]:
        client = Client(port)
        times = []
        for n in range(each):
            body = request_body(messages, client_number * each + n)
            started = time.perf_counter()
            status, payload = client.suggest(body)
            times.append((time.perf_counter() - started) * 1000.0)
            with lock:
                statuses[status] = statuses.get(status, 0) + 1
            want = expected[body["message"], body["conversation_id"]]
            if status != 200 or json.loads(payload) != want:
                with lock:
                    mismatches.append(f"{status} {body} -> {payload[:200]!r}")
        return times

    others = OthersCpu()
    times, wall, errors = concurrently(work, clients)
    return {
        "many": percentiles(times),
        "throughput": len(times) / wall,
        "requests": clients * each,
        "statuses": statuses,
        "mismatches": mismatches,
        "errors": [f"{type(e).__name__}: {e}" for e in errors],
        "others": others.share(),
    }


# --- the run ----------------------------------------------------------------------------


def fmt(p: dict[str, float]) -> str:
    return f"p50 {p['p50']:6.2f} ms  p99 {p['p99']:6.2f} ms  mean {p['mean']:6.2f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("data", type=Path, help=HELP)
    parser.add_argument("--quick", action="store_true", help="a short run (see above)")
    parser.add_argument("--size", type=int, default=10_000, help="questions (%(default)s)")
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=2000, help="per client (%(default)s)")
    parser.add_argument("--starts", type=int, default=3, help="server starts timed, of each kind")
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE, help="%(default)s")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--server-threads",
        metavar="N",
        help="$REPLYKB_ONNX_THREADS for the server (default: unset, one thread per request; "
        "0: a pool of one per core), to compare over HTTP what (a) compares in process",
    )
    add_wait_idle_option(parser)
    args = parser.parse_args()
    data = load_clinc150(args.data)  # first: a missing file ends the run at once
    if args.quick:
        args.messages, args.requests, args.starts = 100, 200, 2
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    run_started = time.perf_counter()

    def settle() -> str:
        return wait_until_idle(args.wait_idle) if args.wait_idle > 0 else "not waited"

    print(f"start: {load_conditions()}; {os.cpu_count()} CPUs ({cpu_model()})")
    messages = pick_messages(data, args.messages, args.seed)
    answers = make_answers(data, args.size, set(messages), args.seed)
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="replykb-server-speed-") as scratch:
        root = Path(scratch) / "base"
        answer_count = write_base(root, answers, args.size)
        cache = args.cache_dir / f"q{args.size}"
        seeded = seed_embedding_cache(args.cache_dir, cache) or seed_embedding_cache(
            SPEED_CACHE, cache
        )
        build_s, built = build_cache(root, cache)
        print(
            f"\n{args.size:,} questions, {answer_count:,} answers; `replykb build` "
            f"{build_s:.1f} s (seeded {seeded:,} cached vectors):\n  " + built.replace("\n", "\n  ")
        )

        # (a) in process
        kbs = {}
        for label, threads in (("server sessions, 1 thread per request", 1), ("per-core", 0)):
            kbs[label] = kb = load_with_sessions(root, cache, threads)
            idle = settle()
            results[label] = r = in_process(kb, messages, args.clients)
            print(
                f"\n(a) in-process `kb.suggest`, {label} ({idle}; others used "
                f"{r['others']:.0%} of the CPU meanwhile)\n"
                f"    one at a time        {fmt(r['one'])}\n"
                f"    {args.clients} threads at once    {fmt(r['many'])}  "
                f"{r['throughput']:.0f} suggestions/s"
            )
        library = kbs["server sessions, 1 thread per request"]
        expected = {
            (message, f"conv-{c}"): library.suggest(
                message, channel=CHANNEL, conversation_id=f"conv-{c}"
            ).model_dump(mode="json")
            for message in messages
            for c in range(CONVERSATIONS)
        }

        # (d) start-up, then (b) and (c) against the last process started
        log = Path(scratch) / "serve.log"
        port = free_port()
        starts: dict[bool, list[float]] = {True: [], False: []}
        process = None
        # Alternately without and with the digests a start remembers in the cache: a
        # container's read-only cache cannot remember them (and its files' inodes and
        # times differ from the build's), so each of its starts hashes the model's
        # weights and the export again.
        for n in range(2 * args.starts):
            if process is not None:
                stop(process)
                port = free_port()
            container_like = n % 2 == 0
            if container_like:
                (cache / "digests.json").unlink(missing_ok=True)
            settle()
            process, seconds = start_server(root, cache, port, log, args.server_threads)
            starts[container_like].append(seconds)
        assert process is not None
        try:
            print("\n(d) `replykb serve` start-up until /readyz is 200, each a fresh process:")
            for container_like, label in (
                (True, "digests not remembered (container)"),
                (False, "digests remembered"),
            ):
                times = starts[container_like]
                print(
                    f"    {label:36s} median {statistics.median(times):.2f} s, max "
                    f"{max(times):.2f} s ({', '.join(f'{s:.2f}' for s in times)})"
                )
            idle = settle()
            results["http"] = h = http_one_at_a_time(port, messages)
            print(
                f"\n(b) POST /v1/suggest over loopback, one at a time, server threads per request: "
                f"{args.server_threads or '1 (default)'} ({idle}; others used "
                f"{h['others']:.0%} of the CPU meanwhile)\n    {fmt(h['one'])}"
            )
            idle = settle()
            results["load"] = c = http_under_load(
                port, messages, expected, args.clients, args.requests
            )
            print(
                f"\n(c) {args.clients} clients x {args.requests:,} requests ({idle}; others "
                f"used {c['others']:.0%} of the CPU meanwhile)\n    {fmt(c['many'])}  "
                f"{c['throughput']:.0f} requests/s\n    statuses {c['statuses']}; "
                f"{len(c['errors'])} client errors; {len(c['mismatches'])} replies different "
                "from the library's"
            )
            for line in (c["errors"] + c["mismatches"])[:5]:
                print(f"    {line}")
        finally:
            stop(process)
    print(f"\nend: {load_conditions()}; whole run {time.perf_counter() - run_started:.0f} s")
    a = results["server sessions, 1 thread per request"]
    c = results["load"]
    ok = not c["errors"] and not c["mismatches"] and set(c["statuses"]) == {200}
    print(
        f"\n| {args.size:,} questions | p50 | p99 | target | others' CPU |\n"
        "|---|---:|---:|---|---:|\n"
        f"| (a) in-process `kb.suggest` | {a['one']['p50']:.1f} ms | {a['one']['p99']:.1f} ms "
        f"| p50 <= {TARGETS['in_process']:.0f} ms | {a['others']:.0%} |\n"
        f"| (b) HTTP POST /v1/suggest, loopback | {results['http']['one']['p50']:.1f} ms | "
        f"{results['http']['one']['p99']:.1f} ms | p50 <= {TARGETS['http']:.0f} ms | "
        f"{results['http']['others']:.0%} |\n"
        f"| (c) {args.clients} clients x {args.requests:,} requests | {c['many']['p50']:.1f} ms "
        f"| {c['many']['p99']:.1f} ms | 0 errors, replies = library's: "
        f"{'yes' if ok else 'NO'} ({c['throughput']:.0f} req/s) | {c['others']:.0%} |\n"
        f"| (d) start-up to /readyz 200, as in a container (median of {len(starts[True])}) | "
        f"{statistics.median(starts[True]):.2f} s | max {max(starts[True]):.2f} s | <= "
        f"{TARGETS['start']:.0f} s | - |\n"
        f"| (d) the same, digests remembered (median of {len(starts[False])}) | "
        f"{statistics.median(starts[False]):.2f} s | max {max(starts[False]):.2f} s | <= "
        f"{TARGETS['start']:.0f} s | - |"
    )
    if not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()

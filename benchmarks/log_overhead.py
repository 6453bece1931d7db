"""What the usage log costs a suggestion, and how fast it stores events.

On the shop fixture base with the packaged model (the ONNX fast path), for N messages:

- ``kb.suggest`` latency (median, p95) without a log and with a SQLite log (and a
  PostgreSQL one when --postgres URL is given), suggestions interleaved (each first
  every other time) so that both see the same machine;
- the observer's own cost per suggestion: ``log.on_suggest(event)`` (the event is put
  on the writer's queue; masking and the write happen in the writer thread);
- the writer's throughput: events stored per second (masking included) until the
  queue is empty, in batches of up to 500 events per transaction.

    HF_HUB_OFFLINE=1 python benchmarks/log_overhead.py [--n 2000] [--postgres URL]

Run by hand on an otherwise idle machine; the load and others' CPU are printed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from _machine import OthersCpu, load_conditions

from replykb import KnowledgeBase
from replykb.learn import open_log

SHOP = Path(__file__).parent.parent / "tests" / "fixtures" / "bases" / "shop"
MESSAGES = [
    "my refund hasn't arrived yet, call me on +39 347 123 4567",
    "I forgot my password",
    "where is my order FH1234567??",
    "who won the football last night",
    "il mio ordine n. 2026-118734 non è arrivato, scrivete a mario@example.com",
]


def _ms(values: list[float]) -> str:
    values = sorted(values)
    p95 = values[int(len(values) * 0.95) - 1]
    return f"median {statistics.median(values) * 1000:.3f} ms, p95 {p95 * 1000:.3f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--postgres", help="a PostgreSQL URL to measure too")
    options = parser.parse_args()
    print(load_conditions())
    others = OthersCpu()
    folder = Path(tempfile.mkdtemp(prefix="replykb-log-bench-"))
    plain = KnowledgeBase.load(SHOP, cache_dir=folder / "cache")
    targets = {"sqlite": str(folder / "usage.db")}
    if options.postgres:
        targets["postgresql"] = options.postgres
    for name, url in targets.items():
        log = open_log(url)
        logged = KnowledgeBase(plain.base, plain.embedder, plain.index, observers=[log])
        for kb in (plain, logged):  # warm up
            for message in MESSAGES:
                kb.suggest(message, channel="x")
        without, with_log, observer = [], [], []
        original = log.on_suggest

        def timed(event, original=original, observer=observer):  # type: ignore[no-untyped-def]
            started = time.perf_counter()
            original(event)
            observer.append(time.perf_counter() - started)

        log.on_suggest = timed  # type: ignore[method-assign]
        for index in range(options.n):
            message = MESSAGES[index % len(MESSAGES)]
            pairs = [(plain, without), (logged, with_log)]
            # Each goes first every other time: on a busy machine the first of two
            # back-to-back calls is systematically slower or faster.
            for kb, times in pairs if index % 2 else pairs[::-1]:
                started = time.perf_counter()
                kb.suggest(message, channel="x", conversation_id=str(index))
                times.append(time.perf_counter() - started)
        started = time.perf_counter()
        log.flush()
        drained = time.perf_counter() - started
        stored = sum(1 for _ in log.suggestions())
        log.close()
        print(f"\n{name}: {options.n} suggestions, {stored} stored")
        print(f"  suggest without a log:  {_ms(without)}")
        print(f"  suggest with the log:   {_ms(with_log)}")
        print(f"  on_suggest itself:      {_ms(observer)}")
        # The writer keeps up while suggestions are made; what is left at the end is
        # drained here: a lower bound of its throughput.
        print(f"  left to write at the end: drained in {drained * 1000:.0f} ms")
        burst = open_log(url)
        event_rows = list(burst.suggestions())[: options.n]
        started = time.perf_counter()
        burst.record(event_rows)
        burst.flush()
        elapsed = time.perf_counter() - started
        burst.close()
        print(f"  writer throughput: {len(event_rows) / elapsed:,.0f} events/s (masked, batched)")
    print(f"\n{load_conditions()}; others' CPU while measuring: {others.share():.0%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

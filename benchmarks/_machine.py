"""What the benchmarks share: the machine they ran on and how busy it was meanwhile.

Imported as ``from _machine import ...``: the benchmarks run as scripts
(``python benchmarks/speed.py``), so this folder is on ``sys.path``.
"""

from __future__ import annotations

import argparse
import os
import platform
import time


def load_conditions() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} / {five:.2f} / {fifteen:.2f} on {os.cpu_count()} CPUs"


class OthersCpu:
    """The share of the machine's CPU time used by other processes over a stretch of time
    (from /proc/stat, minus this process's own): what disturbed a measurement."""

    def __init__(self) -> None:
        self.machine, self.own = self._machine(), self._own()

    @staticmethod
    def _machine() -> tuple[float, float]:
        with open("/proc/stat", encoding="ascii") as stat:
            # user nice system idle iowait irq softirq steal (guest time is within user)
            fields = [float(value) for value in stat.readline().split()[1:9]]
        ticks = os.sysconf("SC_CLK_TCK")
        idle = fields[3] + (fields[4] if len(fields) > 4 else 0.0)
        return sum(fields) / ticks, (sum(fields) - idle) / ticks

    @staticmethod
    def _own() -> float:
        times = os.times()
        return times.user + times.system + times.children_user + times.children_system

    def share(self) -> float:
        (total, busy), own = self._machine(), self._own()
        elapsed = total - self.machine[0]
        others = (busy - self.machine[1]) - (own - self.own)
        return max(0.0, others / elapsed) if elapsed > 0 else 0.0


def wait_until_idle(limit_s: float, *, window_s: float = 3.0, quiet: float = 0.1) -> str:
    """Wait (at most ``limit_s``) until other processes use under ``quiet`` of the CPU."""
    started = time.perf_counter()
    while True:
        probe = OthersCpu()
        time.sleep(window_s)
        share = probe.share()
        waited = time.perf_counter() - started
        if share < quiet or waited >= limit_s:
            state = "idle" if share < quiet else "still busy"
            return f"{state} after {waited:.0f} s (others {share:.0%} of the CPU)"


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def add_wait_idle_option(parser: argparse.ArgumentParser) -> None:
    """``--wait-idle``: how long to wait for a quiet machine before each timed part."""
    parser.add_argument(
        "--wait-idle",
        type=float,
        default=120.0,
        help="before each timed part, wait up to this many seconds for other processes to "
        "use under 10%% of the CPU (0: do not wait; default %(default)s)",
    )

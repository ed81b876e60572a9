"""What every benchmark here shares: the cases it runs on, warm per-case timings, cold starts."""

from __future__ import annotations

import statistics
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from visarules.solver.case import load_case, read_case_file

ROOT = Path(__file__).resolve().parent.parent


def case_files() -> list[Path]:
    return sorted((ROOT / "examples").glob("*.json")) + sorted((ROOT / "tests" / "cases").glob("*.json"))


def load_cases(policy) -> list:
    return [load_case(policy, read_case_file(f), str(f)) for f in case_files()]


def timings(policy, cases, run: Callable, repeat: int) -> list[float]:
    """Seconds per case for `run(policy, case)`, after one warm-up call (caches, imports)."""
    run(policy, cases[0])
    out = []
    for _ in range(repeat):
        for case in cases:
            t = time.perf_counter()
            run(policy, case)
            out.append(time.perf_counter() - t)
    return out


def cold(cmd: list[str], repeat: int) -> float:
    """Median wall time of a whole command, started afresh each time."""
    runs = []
    for _ in range(repeat):
        t = time.perf_counter()
        subprocess.run(cmd, capture_output=True, check=True)
        runs.append(time.perf_counter() - t)
    return statistics.median(runs)

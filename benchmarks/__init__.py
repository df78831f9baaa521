"""Benchmarks: our time against a peer's (or the naive method's), measured in the same run.

Each ``benchmarks/bench_<topic>.py`` defines ``run(quick: bool) -> list[BenchResult]``.
``python -m benchmarks [TOPIC ...] [--quick] [--out benchmarks/results.md]`` runs them,
prints a table and writes it as Markdown for the README.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable


@dataclass
class BenchResult:
    """One benchmark row: what was timed, our seconds, the peer's seconds, and their ratio."""

    name: str
    ours: float
    peer_name: str
    peer: float
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float:
        """Peer time / our time: > 1 means we are faster."""
        return self.peer / self.ours if self.ours > 0 else float("inf")


def timeit(fn: Callable[[], Any], *, repeat: int = 3, number: int = 1) -> tuple[float, Any]:
    """Best-of-`repeat` wall time of `number` calls of `fn`, and the last return value."""
    best = float("inf")
    out = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(number):
            out = fn()
        best = min(best, (time.perf_counter() - t0) / number)
    return best, out

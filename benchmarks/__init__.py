"""Benchmarks: our time against a peer's (or the naive method's), measured in the same run.

Each ``benchmarks/bench_<topic>.py`` defines ``run(quick: bool) -> list[BenchResult]``.
``python -m benchmarks [TOPIC ...] [--quick] [--out benchmarks/results.md]`` runs them,
prints a table and writes it as Markdown for the README; ``--readme`` also puts the table
into README.md (one command to regenerate every ratio on a quiet machine).

Ours and the peer are timed *interleaved* (:func:`interleaved`): ours, peer, ours, peer,
... with the same number of repeats, so a load that comes and goes on a shared machine
hits both alike; the table reports the median time of each and the median and range of
the per-pair ratios.
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
        """Peer time / our time: > 1 means we are faster (the median of the pairs when interleaved)."""
        if "ratios" in self.extra:
            return float(_median(self.extra["ratios"]))
        return self.peer / self.ours if self.ours > 0 else float("inf")

    @property
    def ratio_range(self) -> tuple[float, float] | None:
        """(min, max) of the per-pair ratios of an interleaved timing."""
        r = self.extra.get("ratios")
        return (min(r), max(r)) if r else None


@dataclass
class Timing:
    """Interleaved timings: seconds per repeat for ours and the peer (same length)."""

    ours: list[float]
    peer: list[float]
    ours_value: Any = None
    peer_value: Any = None

    @property
    def ours_median(self) -> float:
        return _median(self.ours)

    @property
    def peer_median(self) -> float:
        return _median(self.peer)

    @property
    def ratios(self) -> list[float]:
        return [p / o if o > 0 else float("inf") for o, p in zip(self.ours, self.peer)]

    def result(self, name: str, peer_name: str, note: str = "", **extra: Any) -> "BenchResult":
        """A table row: medians, with the per-pair ratios and raw times in ``extra``."""
        return BenchResult(name, self.ours_median, peer_name, self.peer_median, note,
                           {"ratios": self.ratios, "ours_times": self.ours, "peer_times": self.peer, **extra})


def _median(xs: list[float]) -> float:
    s = sorted(xs)
    n = len(s)
    return s[n // 2] if n % 2 else 0.5 * (s[n // 2 - 1] + s[n // 2])


def interleaved(ours: Callable[[], Any], peer: Callable[[], Any], *, repeat: int = 5,
                warmup: bool = True) -> Timing:
    """Time `ours` and `peer` alternately, `repeat` times each (after one untimed call of each).

    Returns every time, so the table can show the median and the range; the ratio of a
    pair is taken within one alternation, which cancels slow drifts in the machine's load.
    """
    if warmup:
        ours()
        peer()
    t_o, t_p = [], []
    out_o = out_p = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out_o = ours()
        t_o.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        out_p = peer()
        t_p.append(time.perf_counter() - t0)
    return Timing(t_o, t_p, out_o, out_p)


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

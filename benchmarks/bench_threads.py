"""Small kernels under a competing process: torch's default threads against one pinned thread.

The workers of ``pathdep verify -j`` and of the sweeps pin one thread (``pathdep.parallel``);
this shows why: with another process busy on every core, the default intra-op thread pool
collapses on small kernels.  Each pair is timed interleaved: on a quiet machine, with one
competing busy process, and with one busy process per core.
"""

from __future__ import annotations

import multiprocessing as mp
import os

from benchmarks import BenchResult, interleaved


def _burn(stop) -> None:
    x = 0
    while not stop.is_set():
        for i in range(100_000):
            x += i * i


def _walk(threads: int):
    import torch

    from puzzles import lattice_walk

    def go():
        old = torch.get_num_threads()
        torch.set_num_threads(threads)
        try:
            return lattice_walk(160, 1000, 1000, seed=0, progress=False)
        finally:
            torch.set_num_threads(old)
    return go


def run(quick: bool) -> list[BenchResult]:
    import torch

    default = torch.get_num_threads()
    repeat = 3 if quick else 7
    quiet = interleaved(_walk(1), _walk(default), repeat=repeat)
    loaded = []
    # one competing process (the case of the issue: another job on the machine), then one per core
    for n_burn in sorted({1, os.cpu_count() or 1}):
        stop = mp.Event()
        burners = [mp.Process(target=_burn, args=(stop,), daemon=True) for _ in range(n_burn)]
        for p in burners:
            p.start()
        try:
            loaded.append((f"{n_burn} competing busy process{'es' if n_burn > 1 else ''}",
                           interleaved(_walk(1), _walk(default), repeat=repeat)))
        finally:
            stop.set()
            for p in burners:
                p.join(timeout=10)
    rows = []
    for label, t in (("no competing process", quiet), *loaded):
        rows.append(t.result(f"lattice_walk(160, 1000, 1000), {label}: 1 thread", f"torch default ({default} threads)",
                             note=f"1 thread: {t.ours_median * 1e3:.1f} ms; loaded / quiet (1 thread) = "
                                  f"{t.ours_median / quiet.ours_median:.2f}x, (default threads) = "
                                  f"{t.peer_median / quiet.peer_median:.2f}x"))
    return rows

"""Lattice walk: ours (torch kernel, O(1) per walker per step) against note 003's own code.

The peer is ``random_hyperwalk`` exactly as printed in note 003 ("Random walks in higher
dimensions"), minus its tqdm bar. The floor is the time to draw the 2 * walkers * steps
random numbers the note's algorithm needs (one coordinate and one sign per step).
"""

from __future__ import annotations

import numpy as np

from benchmarks import BenchResult, interleaved, timeit


def random_hyperwalk(n_dims: int, n_samples: int = 1_000, n_timesteps: int = 10_000) -> np.ndarray:
    """Note 003's simulation, verbatim apart from the progress bar (the peer)."""
    state = np.zeros((n_samples, n_dims))
    distances = np.zeros((n_samples, n_timesteps))

    for t in range(n_timesteps):
        step = np.random.choice(np.arange(n_dims), n_samples)
        directions = np.random.choice([-1, 1], n_samples)

        for i in range(n_samples):
            state[i, step[i]] += directions[i]

        distances[:, t] = np.linalg.norm(state, axis=1)

    return distances


def run(quick: bool) -> list[BenchResult]:
    import torch

    from puzzles import lattice_walk

    torch.set_num_threads(1)
    W = 1000
    T = 200 if quick else 1000
    results = []
    for D in ((160,) if quick else (160, 1000)):
        np.random.seed(1)
        t = interleaved(lambda: lattice_walk(D, T, W, seed=1, progress=False), lambda: random_hyperwalk(D, W, T),
                        repeat=3, warmup=False)
        t_ours, ours, peer = t.ours_median, t.ours_value, t.peer_value
        g = torch.Generator().manual_seed(0)
        t_floor, _ = timeit(lambda: torch.randint(0, 2 * D, (2, T, W), generator=g), repeat=5)
        ms_o = float((ours[:, -1] ** 2).mean())
        ms_p = float((peer[:, -1] ** 2).mean())
        se_o = float((ours[:, -1] ** 2).std(ddof=1) / np.sqrt(W))
        se_p = float((peer[:, -1] ** 2).std(ddof=1) / np.sqrt(W))
        results.append(t.result(
            f"walk D={D}, {W} walkers x {T} steps", "note 003 random_hyperwalk",
            note=(f"ours = {t_ours / t_floor:.2f}x the floor (drawing 2*W*N randoms: {t_floor * 1e3:.1f} ms); "
                  f"mean |X_N|^2: ours {ms_o:.0f}+-{se_o:.0f}, peer {ms_p:.0f}+-{se_p:.0f}, exact {T}"),
            floor=t_floor, ms_ours=ms_o, ms_peer=ms_p))
    return results

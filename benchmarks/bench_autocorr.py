"""Integrated autocorrelation times of many series in one call, against looping emcee.

Same numbers (checked to 1e-10), measured in the same run.
"""

from __future__ import annotations

import warnings

import numpy as np

from benchmarks import BenchResult, interleaved


def run(quick: bool) -> list[BenchResult]:
    import emcee

    from dynsys.autocorr import ar1_series, integrated_time

    n_series, n = (100, 100_000) if quick else (1000, 100_000)
    results = []
    for phi in (0.5, 0.9):
        x = ar1_series(phi, n, n_series=n_series, seed=0)
        def loop():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return np.array([emcee.autocorr.integrated_time(x[:, j], quiet=True)[0]
                                 for j in range(n_series)])

        t = interleaved(lambda: integrated_time(x, quiet=True), loop, repeat=3, warmup=False)
        tau, ref = t.ours_value, t.peer_value
        err = float(np.max(np.abs(tau - ref) / ref))
        results.append(t.result(f"integrated_time, {n_series} AR(1) series x {n:.0e}, phi={phi}",
                                "emcee loop", note=f"max rel diff {err:.1e}"))
    return results

"""Batched spectra: a 1000-point logistic-map grid in one vectorised run against a loop of single runs.

Accuracy: each batched exponent against ``Logistic.exact_exponent(r)`` (closed forms on the
fixed point and the 2-cycle, ln 2 at r = 4, and the attracting cycles found by Newton's
method), wherever an exact value exists.
"""

from __future__ import annotations

import numpy as np

from benchmarks import BenchResult, interleaved


def run(quick: bool) -> list[BenchResult]:
    from dynsys import Logistic, lyapunov_spectrum

    n_points = 200 if quick else 1000
    steps, transient = 5000, 1000
    rs = np.linspace(2.5, 4.0, n_points)

    def batched():
        return lyapunov_spectrum(Logistic(rs), [0.3], steps, transient=transient, seed=0, progress=False)

    def loop():
        return np.array([lyapunov_spectrum(Logistic(float(r)), [0.3], steps, transient=transient, seed=0,
                                           progress=False).exponents for r in rs])

    t = interleaved(batched, loop, repeat=1 if not quick else 2, warmup=False)
    lam = t.ours_value.exponents[:, 0]
    exact = np.array([np.nan if (e := Logistic.exact_exponent(float(r))) is None else e for r in rs])
    known = np.isfinite(exact)
    err = np.abs(lam - exact)[known]
    worst = int(np.argmax(np.where(known, np.abs(lam - exact), -1)))
    same = float(np.max(np.abs(t.peer_value[:, 0] - lam)))
    return [t.result(f"logistic map, {n_points} values of r in [2.5, 4], {steps} steps (+{transient}) each",
                     f"loop of {n_points} single runs",
                     note=(f"exact value known at {known.sum()} of {n_points} points: max |error| {err.max():.1e} "
                           f"(at r = {rs[worst]:.4f}), {np.mean(err < 2e-3) * 100:.1f} % within 2e-3; "
                           f"batched = loop to {same:.1e}"),
                     max_error=float(err.max()))]

"""Lyapunov benchmarks: tangent cost vs a training step, vmap vs a loop, and lyapynov on Hénon/Lorenz.

- ``tangent/grad``: seconds of ``OptimizerMap.tangent`` with k columns over the seconds of
  one gradient evaluation of the same model and batch, i.e. the tangent's cost in
  gradient evaluations (target: at most about 2k + 2).
- ``vmap vs loop``: the same k JVPs in a Python loop over the vmapped call (target >= 2).
- Hénon / Lorenz-63 against ``lyapynov`` (PyPI, Benettin with numpy QR) at equal
  accuracy: the same number of steps for the Hénon map (both methods are exact per step);
  for Lorenz-63 lyapynov's variational step freezes the Jacobian over the RK4 stages, so
  its volume-contraction error at the same dt is larger: we halve its dt until its
  |sum + (sigma + 1 + beta)| error is no worse than ours and time that run.
"""

from __future__ import annotations

import math

import numpy as np

from benchmarks import BenchResult, interleaved, timeit


def _mlp_rows(quick: bool) -> list[BenchResult]:
    import torch

    from dynsys import digits_mlp_map

    torch.set_num_threads(1)
    width, depth, k = (64, 2, 8) if quick else (300, 2, 16)
    mlp = digits_mlp_map(width=width, depth=depth, lr=0.1, seed=0, dtype=torch.float32)
    m = mlp.map
    x = m.initial_state()
    V = torch.randn(m.dim, k, generator=torch.Generator().manual_seed(0), dtype=x.dtype)
    batch = m.batch(0)
    w = x[: m.n_params]
    m.tangent(x, 0, V)  # warm-up (imports, caches)
    m.step(x, 0)
    rep = 3 if quick else 5
    t_grad, _ = timeit(lambda: m._grad(w, batch), repeat=rep, number=3)
    t_step, _ = timeit(lambda: m.step(x, 0), repeat=rep, number=3)
    t_tan, _ = timeit(lambda: m.tangent(x, 0, V), repeat=rep)
    t_loop, _ = timeit(lambda: m.tangent_loop(x, 0, V), repeat=rep)
    grads_equiv = t_tan / t_grad
    label = f"digits MLP {m.n_params:,} params, k={k}, float32"
    return [
        BenchResult(f"tangent (k={k}) vs 2k+2 gradient evals, {label}", t_tan, f"{2 * k + 2} x gradient",
                    (2 * k + 2) * t_grad,
                    note=f"tangent = {grads_equiv:.1f} gradient evals = {t_tan / t_step:.1f} training steps "
                         f"(target <= {2 * k + 2})",
                    extra={"grad_s": t_grad, "step_s": t_step, "tangent_s": t_tan,
                           "grad_evals": grads_equiv, "k": k}),
        BenchResult(f"tangent vmapped vs loop over columns, {label}", t_tan, "python loop of jvp", t_loop,
                    note=f"vmap speed-up {t_loop / t_tan:.2f}x (target >= 2)"),
    ]


def _henon_row(quick: bool) -> BenchResult | None:
    try:
        import lyapynov
    except ImportError:  # pragma: no cover - optional peer
        return None
    from dynsys import Henon, lyapunov_spectrum

    n = 20_000 if quick else 200_000
    a, b = 1.4, 0.3

    def ours():
        return lyapunov_spectrum(Henon(a, b), [0.1, 0.1], n, transient=1000, seed=0, progress=False)

    def f(x, t):
        return np.array([1 - a * x[0] ** 2 + x[1], b * x[0]])

    def jac(x, t):
        return np.array([[-2 * a * x[0], 1.0], [b, 0.0]])

    def peer():
        ds = lyapynov.DiscreteDS(np.array([0.1, 0.1]), 0, f, jac)
        return lyapynov.LCE(ds, 2, 1000, n, False)

    t = interleaved(ours, peer, repeat=3, warmup=False)
    r, lp = t.ours_value, t.peer_value
    return t.result(f"Hénon spectrum, {n:,} steps", "lyapynov 1.0.1 LCE",
                    note=f"ours {np.round(r.exponents, 5).tolist()} +- {np.round(r.stderr, 5).tolist()}, "
                            f"lyapynov {np.round(lp, 5).tolist()} (Sprott: 0.41922, -1.62319)")


def _lorenz_row(quick: bool) -> BenchResult | None:
    try:
        import lyapynov
    except ImportError:  # pragma: no cover
        return None
    from dynsys import Lorenz63, lyapunov_spectrum

    T = 20.0 if quick else 200.0
    s, rho, beta = 10.0, 28.0, 8.0 / 3.0
    div = -(s + 1 + beta)
    dt = 0.01

    def ours():
        return lyapunov_spectrum(Lorenz63(dt=dt), [1.0, 1.0, 1.0], int(T / dt), transient=100, seed=0,
                                 progress=False)

    def f(x, t):
        return np.array([s * (x[1] - x[0]), x[0] * (rho - x[2]) - x[1], x[0] * x[1] - beta * x[2]])

    def jac(x, t):
        return np.array([[-s, s, 0.0], [rho - x[2], -1.0, -x[0]], [x[1], x[0], -beta]])

    def peer(dtp):
        ds = lyapynov.ContinuousDS(np.array([1.0, 1.0, 1.0]), 0, f, jac, dtp)
        return lyapynov.LCE(ds, 3, int(1.0 / dtp), int(T / dtp), False)

    t_ours, r = timeit(ours, repeat=1)
    err_ours = abs(r.sum - div)
    dtp, t_peer, lp = dt, math.inf, None
    for _ in range(5):
        t_peer, lp = timeit(lambda: peer(dtp), repeat=1)
        if abs(np.sum(lp) - div) <= err_ours:
            break
        dtp /= 2
    err_peer = abs(np.sum(lp) - div)
    t = interleaved(ours, lambda: peer(dtp), repeat=3, warmup=False)   # the timing, at equal accuracy
    return t.result(f"Lorenz-63 spectrum, T = {T:g}, equal sum accuracy",
                    f"lyapynov 1.0.1 (dt = {dtp:g})",
                    note=f"|sum + 13.667|: ours {err_ours:.1e} at dt = {dt}, lyapynov {err_peer:.1e} at "
                            f"dt = {dtp:g}; ours {np.round(r.exponents, 3).tolist()}, lyapynov "
                            f"{np.round(lp, 3).tolist()}")


def run(quick: bool) -> list[BenchResult]:
    rows = _mlp_rows(quick)
    for fn in (_henon_row, _lorenz_row):
        row = fn(quick)
        if row is not None:
            rows.append(row)
    return rows

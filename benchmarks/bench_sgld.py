"""SGLD: 8 chains advanced together (vmapped) against the same 8 chains run one after another."""

from __future__ import annotations

import torch

from bayes import sgld
from benchmarks import BenchResult, interleaved


def _problem(n: int = 1000, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 5, generator=g, dtype=torch.float64)
    w_true = torch.randn(5, generator=g, dtype=torch.float64)
    y = x @ w_true + torch.randn(n, generator=g, dtype=torch.float64)

    def loss(w, xb, yb):  # a 2-layer linear model, 5 -> 2 -> 1 (12 parameters)
        a = w[:10].reshape(2, 5)
        b = w[10:12]
        return 0.5 * ((xb @ a.T @ b - yb) ** 2).mean()

    return (x, y), loss


def run(quick: bool) -> list[BenchResult]:
    torch.set_num_threads(1)
    data, loss = _problem()
    n_steps = 500 if quick else 5000
    w0 = torch.full((12,), 0.1, dtype=torch.float64)
    kw = dict(n_steps=n_steps, step_size=1e-5, beta=1 / 6.9, n=1000, localization=100.0,
              batch_size=100, progress=False)
    out = []
    t = interleaved(lambda: sgld(loss, w0, data, n_chains=8, seed=0, **kw),
                    lambda: [sgld(loss, w0, data, n_chains=1, seed=c, **kw) for c in range(8)], repeat=3)
    out.append(t.result(f"SGLD 8 chains x {n_steps} steps, 12-param model, batch 100",
                        "8 sequential chains", note="same code, n_chains=1 eight times"))
    pot = lambda w: (w[..., 0] ** 2) * (w[..., 1] ** 4)  # noqa: E731
    kw2 = dict(n_steps=n_steps, step_size=1e-4, beta=1 / 6.9, n=1000, localization=1.0, progress=False)
    t2 = interleaved(lambda: sgld(pot, torch.zeros(2, dtype=torch.float64), n_chains=8, seed=0,
                                  vectorized=True, **kw2),
                     lambda: [sgld(pot, torch.zeros(2, dtype=torch.float64), n_chains=1, seed=c,
                                   vectorized=True, **kw2) for c in range(8)], repeat=3)
    out.append(t2.result(f"SGLD 8 chains x {n_steps} steps, 2-d potential w1^2 w2^4",
                         "8 sequential chains", note="vectorized potential"))
    return out

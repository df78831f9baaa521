"""RLCT estimators: accuracy against exact λ on >= 20 models, and speed against devinterp.

Peer: devinterp 1.3.2 (``estimate_learning_coeff_with_summary(model, loader, ...)`` taking a
torch DataLoader; 2.x needs a Hugging Face dataset and a newer torch), at its own test
settings: SGLD, lr 4e-4, nβ = n/ln n, n = 1000, 10 chains x 5000 draws, full batches,
x ~ N(0, 2²), y = 0.25 N(0, 1) for the normal crossings (its ``Polynomial`` toy).

``python -m benchmarks rlct`` prints the timing rows and writes the accuracy table to
``benchmarks/rlct_table.md`` (``--quick``: 5 models, short chains, ``rlct_table_quick.md``).
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

import numpy as np
import sympy as sp
import torch

from benchmarks import BenchResult
from slt import estimate_rlct
from slt.models import (circle_expfam, cyclic_group, deep_linear, finite_expfam, normal_crossing, polynomial,
                        reduced_rank, regular)
from slt.models.toys import Toy

TABLE = Path(__file__).with_name("rlct_table.md")
TABLE_QUICK = Path(__file__).with_name("rlct_table_quick.md")


def _expfam_toys() -> list[Toy]:
    out = []
    fam = finite_expfam(np.eye(4), cyclic_group(4))
    ts = np.zeros(4)
    out.append(Toy("expfam: C4 on 4 points, one-hot T (non-minimal), q uniform", fam.potential(ts),
                   torch.as_tensor(ts, dtype=torch.float64), fam.rlct(ts)))
    fam = circle_expfam((1, 1))
    ts = np.array([1.0, 0.0, -1.0, 0.0])
    out.append(Toy("expfam: circle, T = two copies of (cos, sin), q uniform", fam.potential(ts),
                   torch.as_tensor(ts, dtype=torch.float64), fam.rlct(ts)))
    return out


def models(quick: bool) -> list[tuple[Toy, bool]]:
    """(toy, devinterp applies) pairs."""
    x, y, z = sp.symbols("x y z")
    nc = [([1, 1], None), ([1, 2], None), ([2, 2], None), ([1, 3], None), ([3, 3], None), ([0, 1], None),
          ([1, 1, 1], None), ([1, 1], [1, 0]), ([2, 1], [1, 0]), ([1, 2], [0, 1])]
    out: list[tuple[Toy, bool]] = [(normal_crossing(k, h), h is None and len(k) == 2) for k, h in nc]
    out += [(polynomial(x**2 + y**4, [x, y]), False),
            (polynomial(x**4 + x**2 * y**2 + y**4, [x, y]), False),
            (polynomial(x**2 * y**2 + x**6 + y**6, [x, y]), False),
            (polynomial(x**2 + y**2 * z**2, [x, y, z]), False),
            (regular(2), False), (regular(5), False),
            (reduced_rank(1, 1, 1, 0), True), (reduced_rank(2, 2, 2, 0), True), (reduced_rank(2, 2, 2, 1), True),
            (reduced_rank(3, 3, 2, 1), True),
            (deep_linear([1, 1, 1, 1], 0), False), (deep_linear([2, 2, 2, 2], 1), False),
            (deep_linear([2, 1, 2, 1, 2], 1), False)]
    out += [(t, False) for t in _expfam_toys()]
    if quick:
        keep = {0, 2, 4, 10, 17}
        out = [m for i, m in enumerate(out) if i in keep]
    return out


def _devinterp(toy: Toy, draws: int, seed: int = 42, fast_loader: bool = True) -> tuple[float, float]:
    """devinterp 1.3.2's LLC at its test settings; returns (estimate, seconds)."""
    import warnings

    from devinterp.optim.sgld import SGLD
    from devinterp.slt.sampler import estimate_learning_coeff_with_summary
    from devinterp.utils import default_nbeta, evaluate_mse
    from torch.utils.data import DataLoader, TensorDataset

    torch.manual_seed(seed)
    n = 1000
    if toy.name.startswith("normal crossing"):
        from devinterp.test_utils import Polynomial

        model = Polynomial(list(toy.dims))
        x = torch.normal(0, 2, size=(n,))
        yy = 0.25 * torch.normal(0, 1, size=(n,))
    else:
        from devinterp.test_utils import ReducedRankRegressor

        M, H, N = toy.dims
        model = ReducedRankRegressor(M, H, N)
        with torch.no_grad():
            w = toy.w_star.float()
            model.fc1.weight.copy_(w[:H * M].reshape(H, M))
            model.fc2.weight.copy_(w[H * M:].reshape(N, H))
        xd, yd = toy.sample_data(n, seed=seed)
        x, yy = xd.float(), yd.float()
    # one full batch, handed over as a list: a DataLoader over a TensorDataset collates 1000 single
    # items per step and dominates devinterp's time (the "data loading made fast")
    class _FullBatch(DataLoader):
        def __iter__(self):
            return iter([(x, yy)])

        def __len__(self):
            return 1

    loader = (_FullBatch if fast_loader else DataLoader)(TensorDataset(x, yy), batch_size=n, shuffle=True)
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = estimate_learning_coeff_with_summary(
            model, loader, evaluate=evaluate_mse, sampling_method=SGLD,
            optimizer_kwargs=dict(lr=4e-4, nbeta=default_nbeta(n)), num_chains=10, num_draws=draws,
            verbose=False, seed=seed)
    return float(out["llc/mean"]), time.perf_counter() - t0


def accuracy_rows(quick: bool, *, with_devinterp: bool = True, seed: int = 0) -> list[dict[str, Any]]:
    torch.set_num_threads(1)
    rows = []
    for toy, dev_ok in models(quick):
        exact = float(toy.exact.value)
        row: dict[str, Any] = dict(name=toy.name, d=toy.dim, exact=exact, m=toy.exact.multiplicity)
        kw = dict(prior=toy.log_prior, seed=seed, progress=False)
        ladder = dict(n_steps=2000, burn=500) if quick else {}
        for method in ("scaling", "multitemp", "llc"):
            t0 = time.perf_counter()
            try:
                est = estimate_rlct(toy.potential, toy.w_star, method=method, **kw,
                                    **(ladder if method != "llc" else {}))
                row[method] = est.value
                row[method + "_se"] = est.stderr
                row[method + "_m"] = est.multiplicity
                if method == "llc":
                    row["llc_target"] = est.diagnostics.exact_target
            except Exception as exc:  # noqa: BLE001  (reported in the table)
                row[method] = float("nan")
                row[method + "_error"] = f"{type(exc).__name__}: {exc}"[:80]
            row[method + "_s"] = time.perf_counter() - t0
        if with_devinterp and dev_ok:
            try:
                row["devinterp"], row["devinterp_s"] = _devinterp(toy, 1000 if quick else 5000)
            except Exception as exc:  # noqa: BLE001
                row["devinterp"], row["devinterp_s"] = float("nan"), float("nan")
                row["devinterp_error"] = f"{type(exc).__name__}: {exc}"[:80]
        rows.append(row)
        print(_row_md(row), flush=True)
    return rows


def _pct(v: float | None, exact: float) -> str:
    if v is None or not np.isfinite(v):
        return "—"
    return f"{v:.4g} ({100 * (v / exact - 1):+.1f} %)"


def _row_md(r: dict[str, Any]) -> str:
    tgt = r.get("llc_target")
    tgt_s = f"{tgt:.4g}" if tgt is not None else "—"
    dev = _pct(r.get("devinterp"), r["exact"]) if "devinterp" in r else "—"
    dev_s = f"{r['devinterp_s']:.1f}" if np.isfinite(r.get("devinterp_s", np.nan)) else "—"
    return (f"| {r['name']} | {r['d']} | {r['exact']:.4g} (m={r['m']}) | "
            f"{_pct(r.get('scaling'), r['exact'])} m̂={r.get('scaling_m')} | {r['scaling_s']:.1f} | "
            f"{_pct(r.get('multitemp'), r['exact'])} | {r['multitemp_s']:.1f} | "
            f"{_pct(r.get('llc'), r['exact'])} | {tgt_s} | {r['llc_s']:.1f} | {dev} | "
            f"{dev_s} |")


def table_markdown(rows: list[dict[str, Any]]) -> str:
    head = ("| model | d | exact λ | scaling (rel. err) | s | multitemp | s | llc (nβ = n/ln n, n = 1000) | "
            "exact llc target | s | devinterp 1.3.2 | s |\n|---|---|---|---|---|---|---|---|---|---|---|---|")
    lines = [head] + [_row_md(r) for r in rows]
    ok = [r for r in rows if np.isfinite(r.get("scaling", np.nan))]
    errs = [abs(r["scaling"] / r["exact"] - 1) for r in ok]
    if errs:
        lines.append("")
        for meth in ("scaling", "multitemp"):
            e = [abs(r[meth] / r["exact"] - 1) for r in rows if np.isfinite(r.get(meth, np.nan))]
            lines.append(f"{meth}: {sum(x <= 0.05 for x in e)}/{len(rows)} within 5 % of the exact λ; max |rel. err| = "
                         f"{100 * max(e):.1f} %, max time {max(r[meth + '_s'] for r in rows):.1f} s.  ")
    return "\n".join(lines) + "\n"


def run(quick: bool) -> list[BenchResult]:
    from bayes import sgld

    torch.set_num_threads(1)
    rows = accuracy_rows(quick)
    (TABLE_QUICK if quick else TABLE).write_text(table_markdown(rows), encoding="utf-8")
    out = []
    for r in rows:
        if "devinterp_s" in r and np.isfinite(r["devinterp_s"]):
            out.append(BenchResult(f"λ̂ {r['name']} (scaling)", r["scaling_s"], "devinterp llc", r["devinterp_s"],
                                   note=f"exact {r['exact']:.4g}; ours {r['scaling']:.4g}, devinterp "
                                        f"{r['devinterp']:.4g}"))
    # speed on equal work: 10 chains x 5000 SGLD draws on the 2-parameter toy w1^2 w2^2
    draws = 1000 if quick else 5000
    toy = normal_crossing([1, 1])
    t0 = time.perf_counter()
    sgld(toy.potential, toy.w_star, None, n_chains=10, n_steps=draws, step_size=4e-4, beta=1 / math.log(1000),
         n=1000, vectorized=True, seed=0, progress=False)
    ours = time.perf_counter() - t0
    try:
        _, dev_s = _devinterp(toy, draws)
        out.append(BenchResult(f"SGLD 10 chains x {draws} draws, 2-param toy", ours, "devinterp 1.3.2", dev_s,
                               note="same number of SGLD steps"))
    except Exception as exc:  # noqa: BLE001
        print(f"devinterp unavailable: {exc}")
    return out


if __name__ == "__main__":
    import sys

    quick = "--quick" in sys.argv
    rows = accuracy_rows(quick, with_devinterp="--no-devinterp" not in sys.argv)
    (TABLE_QUICK if quick else TABLE).write_text(table_markdown(rows), encoding="utf-8")
    print(table_markdown(rows))

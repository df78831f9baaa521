"""``pathdep rlct``: exact and estimated learning coefficients of the toy models.

Examples::

    pathdep rlct normal-crossing --k 1 2 --h 0 0
    pathdep rlct rrr --M 5 --N 5 --H 3 --r 1
    pathdep rlct dln --widths 2 2 2 2 --r 1
    pathdep rlct expfam --space finite --n 4
    pathdep rlct expfam --space circle --harmonics 1 1 --theta 1 0 -1 0
"""

from __future__ import annotations

import argparse
import time


def _toy(args: argparse.Namespace):
    import numpy as np
    import torch

    from slt.models import circle_expfam, cyclic_group, deep_linear, finite_expfam, normal_crossing, reduced_rank
    from slt.models.toys import Toy

    if args.model == "normal-crossing":
        if args.h is not None and len(args.h) != len(args.k):
            raise ValueError(f"`--h` must have one entry per `--k` entry ({len(args.k)}), got {len(args.h)}")
        return normal_crossing(args.k, args.h)
    if args.model == "rrr":
        return reduced_rank(args.M, args.N, args.H, args.r, seed=args.seed)
    if args.model == "dln":
        return deep_linear(args.widths, args.r, seed=args.seed)
    if args.space == "finite":
        if args.n < 2:
            raise ValueError(f"`--n` must be >= 2 points, got {args.n}")
        fam = finite_expfam(np.eye(args.n), cyclic_group(args.n))
        name = f"expfam: C{args.n} on {args.n} points, one-hot T"
    else:
        fam = circle_expfam(tuple(args.harmonics))
        name = f"expfam: circle, harmonics {args.harmonics}"
    theta = np.zeros(fam.dim) if args.theta is None else np.asarray(args.theta, dtype=float)
    if theta.shape != (fam.dim,):
        raise ValueError(f"`--theta` must have {fam.dim} entries for this family, got {theta.size}")
    return Toy(name, fam.potential(theta), torch.as_tensor(theta, dtype=torch.float64), fam.rlct(theta))


def _run(args: argparse.Namespace) -> int:
    import torch

    from slt import estimate_rlct

    torch.set_num_threads(1)
    toy = _toy(args)
    ex = toy.exact
    print(f"{toy.name}  (d = {toy.dim})")
    print(f"exact:      λ = {ex.value} = {float(ex.value):.6g}, m = {ex.multiplicity}  [{ex.method}]")
    sizes = dict(n_steps=2000, burn=500) if args.quick else {}
    for method in args.methods:
        t0 = time.perf_counter()
        est = estimate_rlct(toy.potential, toy.w_star, method=method, prior=toy.log_prior, seed=args.seed,
                            progress=not args.no_progress, **sizes)
        rel = 100 * (est.value / float(ex.value) - 1)
        extra = f", m̂ = {est.multiplicity}" if est.multiplicity is not None else ""
        if est.diagnostics.exact_target is not None:
            extra += f"; exact finite-temperature target {est.diagnostics.exact_target:.4f}"
        print(f"{method:<10s}  λ̂ = {est.value:.4f} ± {est.stderr:.4f} ({rel:+.1f} %){extra}  "
              f"[{time.perf_counter() - t0:.1f} s]")
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("rlct", help="exact and estimated RLCTs of toy models",
                              description="Print the exact learning coefficient (slt.exact) of a toy model "
                                          "and its estimates (slt.estimate_rlct).")
    sub = p.add_subparsers(dest="model", metavar="MODEL")
    sub.required = True

    def common(q):
        q.add_argument("--methods", nargs="+", default=["scaling", "llc"],
                       choices=["scaling", "multitemp", "llc"], help="estimators (default scaling llc)")
        q.add_argument("--seed", type=int, default=0)
        q.add_argument("--quick", action="store_true", help="shorter chains")
        q.add_argument("--no-progress", action="store_true")
        q.set_defaults(func=_run)

    q = sub.add_parser("normal-crossing", help="K = prod w_j^(2 k_j), prior prod |w_j|^h_j")
    q.add_argument("--k", type=int, nargs="+", required=True)
    q.add_argument("--h", type=int, nargs="+", default=None)
    common(q)
    q = sub.add_parser("rrr", help="reduced-rank regression (Aoyagi & Watanabe 2005)")
    for name in ("M", "N", "H", "r"):
        q.add_argument(f"--{name}", type=int, required=True)
    common(q)
    q = sub.add_parser("dln", help="deep linear network (Aoyagi 2024)")
    q.add_argument("--widths", type=int, nargs="+", required=True)
    q.add_argument("--r", type=int, required=True)
    common(q)
    q = sub.add_parser("expfam", help="the G-equivariant exponential family of note 004")
    q.add_argument("--space", choices=["finite", "circle"], default="finite")
    q.add_argument("--n", type=int, default=4, help="finite: number of points (cyclic group C_n)")
    q.add_argument("--harmonics", type=int, nargs="+", default=[1, 1], help="circle: feature harmonics")
    q.add_argument("--theta", type=float, nargs="+", default=None, help="θ* (default 0: q uniform)")
    common(q)

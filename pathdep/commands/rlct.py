"""``pathdep rlct``: exact and estimated learning coefficients of toy models and networks.

Examples::

    pathdep rlct normal-crossing --k 1 2 --h 0 0
    pathdep rlct rrr --M 5 --N 5 --H 3 --r 1
    pathdep rlct dln --widths 5 3 4 3 5 --r 1          # a deep linear network with data, n = 10^4
    pathdep rlct dln --size 1e3 --seed 2               # a random DLN of the 10^3 bucket
    pathdep rlct model --model net.pt --data data.npz  # a saved torch model at its data
    pathdep rlct expfam --space finite --n 4
    pathdep rlct expfam --space circle --harmonics 1 1 --theta 1 0 -1 0
"""

from __future__ import annotations

import argparse
import time


#: Largest toy (potential-based) problem the command accepts.
TOY_MAX_DIM = 2000


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
        d = args.H * (args.M + args.N) if min(args.M, args.N, args.H) > 0 else 0
        if d > TOY_MAX_DIM:
            raise ValueError(f"`--M`, `--N`, `--H` give d = {d} parameters: the toy estimators (8 chains on a "
                             f"ladder of dozens of rungs) would take hours and memory beyond a toy; at most "
                             f"{TOY_MAX_DIM} (use `pathdep rlct dln` for networks with data)")
        return reduced_rank(args.M, args.N, args.H, args.r, seed=args.seed)
    if args.model == "dln":
        return deep_linear(args.widths, args.r, seed=args.seed)
    if args.space == "finite":
        if args.n < 2:
            raise ValueError(f"`--n` must be >= 2 points, got {args.n}")
        if args.n > 1000:
            raise ValueError(f"`--n` = {args.n} points: the family's n x n features and group tables would take "
                             f"{8 * args.n ** 2 * 2 / 2 ** 30:.2g} GiB of memory; at most 1000")
        fam = finite_expfam(np.eye(args.n), cyclic_group(args.n))
        name = f"expfam: C{args.n} on {args.n} points, one-hot T"
    else:
        fam = circle_expfam(tuple(args.harmonics))
        name = f"expfam: circle, harmonics {args.harmonics}"
    theta = np.zeros(fam.dim) if args.theta is None else np.asarray(args.theta, dtype=float)
    if theta.shape != (fam.dim,):
        raise ValueError(f"`--theta` must have {fam.dim} entries for this family, got {theta.size}")
    return Toy(name, fam.potential(theta), torch.as_tensor(theta, dtype=torch.float64), fam.rlct(theta))


def _print_model_estimate(est, exact: float | None, label: str, seconds: float) -> None:
    dg = est.diagnostics
    rel = f" ({100 * (est.value / exact - 1):+.1f} %)" if exact else ""
    extra = f", m̂ = {est.multiplicity}" if est.multiplicity is not None else ""
    print(f"{label:<10s}  λ̂ = {est.value:.4f} ± {est.stderr:.4f}{rel}{extra}  [{dg.engine or dg.method}, {seconds:.1f} s]")
    if dg.method == "ladder":
        print(f"            t = nβ from {dg.temps[0]:.3g} to {dg.temps[-1]:.3g}; g(t) = "
              + ", ".join(f"{g:.4g}" for g in dg.curve))
        print("            health: " + ("passed (R-hat, drift, acceptance, fit range)" if dg.converged
                                         else "FAILED: " + "; ".join(dg.warnings)))
    elif dg.method == "llc":
        line = _trace_drift_line(est.trace)
        if line:
            print("            " + line)


def _trace_drift_line(trace) -> str:
    """The llc trace's drift: the chain-mean trace checked by pdcheck.drift_check, and chains flagged."""
    import numpy as np

    from pdcheck import MIN_DRIFT_LENGTH, drift_check

    tr = np.atleast_2d(np.asarray(trace, dtype=float))
    if tr.shape[1] < MIN_DRIFT_LENGTH or not np.all(np.isfinite(tr)):
        return ""
    flags = [drift_check(row).drifting for row in tr if np.ptp(row) > 0]
    pooled = drift_check(tr.mean(axis=0)) if np.ptp(tr.mean(axis=0)) > 0 else None
    head = f"trace drift (chain mean): {pooled.describe()}" if pooled is not None else "trace drift: constant trace"
    return f"{head}; {sum(flags)} of {len(tr)} chains flagged" + (
        " -- STILL DRIFTING: λ̂ is not an equilibrium value" if pooled is not None and pooled.drifting else "")


def _estimate_model(model, data, loss_fn, *, n: int, methods, seed: int, progress: bool, quick: bool,
                    exact: float | None) -> None:
    import warnings

    from slt import estimate_rlct_model

    for method in methods:
        opts = {}
        if quick:
            opts = dict(n_sweeps=200) if method == "ladder" else dict(n_steps=1000, burn=250)
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")      # the health verdict is printed below instead
            est = estimate_rlct_model(model, data, loss_fn, n=n, method=method, seed=seed, progress=progress,
                                      **opts)
        _print_model_estimate(est, exact, method, time.perf_counter() - t0)


def _run_dln(args: argparse.Namespace) -> int:
    import torch

    from slt.models import deep_linear_network, random_deep_linear_network

    from pdcheck import check_int

    torch.set_num_threads(1)
    if args.n is not None:
        check_int("--n", args.n, low=2)
    if (args.size is None) == (args.widths is None):
        raise ValueError("give either `--widths` (with `--r`) or `--size`, not both and not neither")
    if args.widths is not None:
        if args.r is None:
            raise ValueError("`--widths` needs `--r`, the rank of the product")
        net = deep_linear_network(args.widths, args.r, n=args.n or 10_000, noise=args.noise, inputs=args.inputs,
                                  seed=args.seed)
    else:
        net = random_deep_linear_network(args.size, seed=args.seed, n=args.n, noise=args.noise)
    ex = net.exact
    print(f"{net.name}  (d = {net.dim}, n = {net.n}, noise = {args.noise}, x ~ {args.inputs})")
    print(f"exact:      λ = {ex.value} = {float(ex.value):.6g}, m = {ex.multiplicity}  [{ex.method}]")
    data_methods = [m for m in args.methods if m in ("ladder", "llc")]
    _estimate_model(net.model, net.data, net.loss_fn, n=net.n, methods=data_methods, seed=args.seed,
                    progress=not args.no_progress, quick=args.quick, exact=float(ex.value))
    toy_methods = [m for m in args.methods if m not in ("ladder", "llc")]
    if toy_methods:
        from slt.models import deep_linear

        toy = deep_linear([int(w) for w in net.widths], net.rank, seed=args.seed)
        _estimate_toy(toy, toy_methods, args, label="population K, ")
    return 0


def _load_model_and_data(args: argparse.Namespace):
    from pathlib import Path

    import numpy as np
    import torch

    mpath, dpath = Path(args.model_file), Path(args.data)
    for flag, path in (("--model", mpath), ("--data", dpath)):
        if not path.is_file():
            raise ValueError(f"`{flag}` file {str(path)!r} does not exist")
    try:
        model = torch.load(mpath, map_location="cpu", weights_only=False)
    except Exception as exc:  # noqa: BLE001 - any unpickling failure is the user's file
        raise ValueError(f"`--model` {str(mpath)!r} is not a model saved with torch.save(model, path): "
                         f"{type(exc).__name__}: {exc}") from None
    if isinstance(model, dict):
        raise ValueError(f"`--model` {str(mpath)!r} holds a state dict; save the whole module with "
                         "torch.save(model, path) so that its architecture is known")
    if not isinstance(model, torch.nn.Module):
        raise ValueError(f"`--model` {str(mpath)!r} holds a {type(model).__name__}, not a torch.nn.Module")
    try:
        with np.load(dpath, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
    except Exception as exc:  # noqa: BLE001
        raise ValueError(f"`--data` {str(dpath)!r} is not a readable .npz file: {type(exc).__name__}: {exc}") from None
    if "X" not in arrays or "y" not in arrays:
        raise ValueError(f"`--data` {str(dpath)!r} must hold arrays `X` (inputs) and `y` (targets), "
                         f"found {sorted(arrays)}")
    x, y = arrays["X"], arrays["y"]
    if len(x) != len(y) or len(x) < 2:
        raise ValueError(f"`--data`: `X` and `y` must have the same number (>= 2) of rows, got {len(x)} and {len(y)}")
    p = next(iter(model.parameters()), None)
    if p is None:
        raise ValueError(f"`--model` {str(mpath)!r} has no parameters")
    loss = args.loss
    if loss == "auto":
        loss = "ce" if np.issubdtype(y.dtype, np.integer) else "mse"
    xt = torch.as_tensor(np.asarray(x, dtype=float), dtype=p.dtype, device=p.device)
    if loss == "ce":
        if not np.issubdtype(y.dtype, np.integer):
            raise ValueError("`--loss ce` needs integer class labels in `y`")
        yt = torch.as_tensor(y, dtype=torch.long, device=p.device)
        fn = torch.nn.functional.cross_entropy
    else:
        yt = torch.as_tensor(np.asarray(y, dtype=float), dtype=p.dtype, device=p.device)
        fn = torch.nn.functional.mse_loss
    return model, (xt, yt), fn, loss


def _run_model(args: argparse.Namespace) -> int:
    import torch

    torch.set_num_threads(1)
    from pdcheck import check_int

    if args.n is not None:
        check_int("--n", args.n, low=2)
    model, data, fn, loss = _load_model_and_data(args)
    d = sum(p.numel() for p in model.parameters())
    n = args.n or len(data[0])
    print(f"{args.model_file}  (d = {d}, {len(data[0])} data points, n = {n}, loss = {loss})")
    _estimate_model(model, data, fn, n=n, methods=args.methods, seed=args.seed, progress=not args.no_progress,
                    quick=args.quick, exact=None)
    return 0


def _run(args: argparse.Namespace) -> int:
    import torch

    torch.set_num_threads(1)
    toy = _toy(args)
    ex = toy.exact
    print(f"{toy.name}  (d = {toy.dim})")
    print(f"exact:      λ = {ex.value} = {float(ex.value):.6g}, m = {ex.multiplicity}  [{ex.method}]")
    _estimate_toy(toy, args.methods, args)
    return 0


def _estimate_toy(toy, methods, args: argparse.Namespace, label: str = "") -> None:
    """Print estimate_rlct's estimates of a toy's population potential, one line per method."""
    from slt import estimate_rlct

    sizes = dict(n_steps=2000, burn=500) if args.quick else {}
    for method in methods:
        t0 = time.perf_counter()
        est = estimate_rlct(toy.potential, toy.w_star, method=method, prior=toy.log_prior, seed=args.seed,
                            progress=not args.no_progress, **sizes)
        rel = 100 * (est.value / float(toy.exact.value) - 1)
        extra = f", m̂ = {est.multiplicity}" if est.multiplicity is not None else ""
        if est.diagnostics.exact_target is not None:
            extra += f"; exact finite-temperature target {est.diagnostics.exact_target:.4f}"
        print(f"{method:<10s}  λ̂ = {est.value:.4f} ± {est.stderr:.4f} ({rel:+.1f} %){extra}  "
              f"[{label}{time.perf_counter() - t0:.1f} s]")
        if est.diagnostics.method == "llc":
            line = _trace_drift_line(est.trace)
            if line:
                print("            " + line)


def register(subparsers) -> None:
    p = subparsers.add_parser("rlct", help="exact and estimated RLCTs of toy models and networks",
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
    q = sub.add_parser("dln", help="deep linear network with data (Aoyagi 2024; Lau et al. 2025)",
                       description="A bias-free deep linear network at a true parameter of the minimal-rank "
                                   "stratum, with data from its noiseless (or noisy) teacher: the exact λ "
                                   "and m, and the estimates of slt.estimate_rlct_model (ladder, llc) or of "
                                   "slt.estimate_rlct on the population loss (scaling, multitemp).")
    q.add_argument("--widths", type=int, nargs="+", default=None, help="H_0 ... H_L")
    q.add_argument("--r", type=int, default=None, help="rank of the product")
    q.add_argument("--size", choices=["1e2", "1e3", "1e4", "1e5"], default=None,
                   help="instead of --widths: a random DLN of this size bucket (Furman & Lau 2024)")
    q.add_argument("--n", type=int, default=None, help="data points (default 10^4; 2000 in the 1e5 bucket)")
    q.add_argument("--noise", type=float, default=0.0, help="output noise standard deviation")
    q.add_argument("--inputs", choices=["uniform", "normal"], default="uniform")
    q.add_argument("--methods", nargs="+", default=["ladder"], choices=["ladder", "llc", "scaling", "multitemp"],
                   help="estimators (default ladder)")
    q.add_argument("--seed", type=int, default=0)
    q.add_argument("--quick", action="store_true", help="shorter chains")
    q.add_argument("--no-progress", action="store_true")
    q.set_defaults(func=_run_dln)
    q = sub.add_parser("model", help="a saved torch model at its data (slt.estimate_rlct_model)",
                       description="λ̂ of a model saved with torch.save(model, path) (a pickle: load only "
                                   "files you trust) at the data of an .npz file with arrays X and y.")
    q.add_argument("--model", dest="model_file", required=True, help="the saved module (.pt)")
    q.add_argument("--data", required=True, help=".npz with X (inputs) and y (targets or class labels)")
    q.add_argument("--loss", choices=["auto", "mse", "ce"], default="auto",
                   help="auto: cross-entropy for integer y, mean squared error otherwise")
    q.add_argument("--n", type=int, default=None, help="sample size scaling the loss (default: rows of X)")
    q.add_argument("--methods", nargs="+", default=["ladder"], choices=["ladder", "llc"])
    q.add_argument("--seed", type=int, default=0)
    q.add_argument("--quick", action="store_true", help="shorter chains")
    q.add_argument("--no-progress", action="store_true")
    q.set_defaults(func=_run_model)
    q = sub.add_parser("expfam", help="the G-equivariant exponential family of note 004")
    q.add_argument("--space", choices=["finite", "circle"], default="finite")
    q.add_argument("--n", type=int, default=4, help="finite: number of points (cyclic group C_n)")
    q.add_argument("--harmonics", type=int, nargs="+", default=[1, 1], help="circle: feature harmonics")
    q.add_argument("--theta", type=float, nargs="+", default=None, help="θ* (default 0: q uniform)")
    common(q)

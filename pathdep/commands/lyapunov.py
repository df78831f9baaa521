"""``pathdep lyapunov SYSTEM``: a Lyapunov spectrum with a convergence plot.

Classic systems (``henon``, ``logistic``, ``standard``, ``lorenz``, ``lorenz96``) or an
optimizer on an MLP on the bundled digits data (``sgd``, ``momentum``, ``nesterov``,
``adam``)::

    pathdep lyapunov henon --steps 100000
    pathdep lyapunov sgd --width 64 --lr 0.1 --k 8 --steps 200
"""

from __future__ import annotations

import argparse
import time

CLASSIC = ("henon", "logistic", "standard", "lorenz", "lorenz96")
OPTIMIZERS = ("sgd", "momentum", "nesterov", "adam")


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("lyapunov", help="Lyapunov spectrum of a classic system or an optimizer",
                              description=__doc__.splitlines()[0])
    p.add_argument("system", choices=CLASSIC + OPTIMIZERS, help="system or optimizer")
    p.add_argument("--steps", type=int, default=None, help="accumulated steps (default depends on system)")
    p.add_argument("--transient", type=int, default=None, help="steps discarded first")
    p.add_argument("--k", type=int, default=None, help="number of exponents (default: all; 8 for optimizers)")
    p.add_argument("--reortho-every", type=int, default=1, help="steps between QR factorisations")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--plot", default=None, metavar="PNG",
                   help="convergence plot path (default lyapunov-SYSTEM.png; '' for none)")
    p.add_argument("--no-progress", action="store_true")
    g = p.add_argument_group("classic systems")
    g.add_argument("--param", type=float, action="append", default=None, metavar="X",
                   help="system parameters in order (henon: a b; logistic: r; standard: K; "
                        "lorenz: sigma rho beta; lorenz96: F)")
    g.add_argument("--dim", type=int, default=40, help="lorenz96: number of sites")
    g.add_argument("--dt", type=float, default=0.01, help="flows: RK4 step")
    g = p.add_argument_group("optimizers on the digits MLP")
    g.add_argument("--width", type=int, default=64)
    g.add_argument("--depth", type=int, default=1)
    g.add_argument("--lr", type=float, default=None, help="learning rate (default 0.1; adam 1e-3)")
    g.add_argument("--momentum", type=float, default=0.9, help="momentum/nesterov coefficient")
    g.add_argument("--weight-decay", type=float, default=0.0)
    g.add_argument("--batch-size", type=int, default=32)
    g.add_argument("--float32", action="store_true", help="float32 instead of float64")
    g.add_argument("--function-space", action="store_true",
                   help="also report the growth seen through the outputs on 64 test images")
    p.set_defaults(func=_run)


def _classic(args: argparse.Namespace):
    from dynsys import Henon, Logistic, Lorenz63, Lorenz96, StandardMap

    prm = args.param or []
    if args.system == "henon":
        return Henon(*prm[:2]) if prm else Henon(), 100_000, 1000
    if args.system == "logistic":
        return Logistic(*prm[:1]) if prm else Logistic(4.0), 100_000, 100
    if args.system == "standard":
        return StandardMap(*prm[:1]) if prm else StandardMap(6.0), 100_000, 0
    if args.system == "lorenz":
        return Lorenz63(*prm[:3], dt=args.dt), 50_000, 1000
    return Lorenz96(args.dim, *(prm[:1] or [8.0]), dt=args.dt), 10_000, 1000


def _run(args: argparse.Namespace) -> int:
    import numpy as np
    import torch

    from dynsys import digits_mlp_map, function_space_spectrum, lyapunov_spectrum

    torch.set_num_threads(max(1, torch.get_num_threads()))
    for name in ("steps", "transient", "k"):
        v = getattr(args, name)
        if v is not None and v < (0 if name == "transient" else 1):
            raise ValueError(f"--{name} must be >= {0 if name == 'transient' else 1}, got {v}")
    fs = None
    if args.system in CLASSIC:
        system, steps, transient = _classic(args)
        x0 = system.initial_state()
        k = args.k
        title = f"{type(system).__name__}"
        reference = getattr(system, "reference", None)
    else:
        lr = args.lr if args.lr is not None else (1e-3 if args.system == "adam" else 0.1)
        hyper = dict(weight_decay=args.weight_decay)
        if args.system in ("momentum", "nesterov"):
            hyper["momentum"] = args.momentum
        mlp = digits_mlp_map(width=args.width, depth=args.depth, optimizer=args.system, lr=lr,
                             batch_size=args.batch_size, seed=args.seed,
                             dtype=torch.float32 if args.float32 else torch.float64, **hyper)
        system, steps, transient = mlp.map, 200, 0
        x0 = system.initial_state()
        k = args.k if args.k is not None else 8
        title = f"{args.system} on digits MLP ({mlp.n_params} params, lr={lr:g})"
        reference = None
        print(f"{title}: state dimension {system.dim}")
    steps = args.steps if args.steps is not None else steps
    transient = args.transient if args.transient is not None else transient
    t0 = time.perf_counter()
    if args.function_space:
        if args.system in CLASSIC:
            raise ValueError("--function-space applies to optimizers only")
        fs = function_space_spectrum(system, x0, steps, output_fn=mlp.output_fn, probe=mlp.probe, k=k,
                                     observe_every=max(1, steps // 20), seed=args.seed,
                                     progress=not args.no_progress)
        res = fs.weight
    else:
        res = lyapunov_spectrum(system, x0, steps, k=k, transient=transient,
                                reortho_every=args.reortho_every, seed=args.seed,
                                progress=not args.no_progress)
    elapsed = time.perf_counter() - t0
    print(f"{res.n_steps} steps (dt = {res.dt:g}) in {elapsed:.1f} s")
    print(f"{'j':>3}  {'exponent':>14}  {'stderr':>10}" + ("  reference" if reference else "")
          + ("  function-space" if fs is not None else ""))
    fs_sorted = np.sort(fs.function)[::-1] if fs is not None else None
    for j, (lam, se) in enumerate(zip(res.exponents, res.stderr)):
        line = f"{j + 1:>3}  {lam:>14.6g}  {se:>10.2g}"
        if reference and j < len(reference):
            line += f"  {reference[j]:>9.6g}"
        if fs_sorted is not None:
            line += f"  {fs_sorted[j]:>14.6g}"
        print(line)
    print(f"sum = {res.sum:.8g}")
    path = f"lyapunov-{args.system}.png" if args.plot is None else args.plot
    if path:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig = fs.plot() if fs is not None else res.plot(reference=reference, title=title)
        fig.savefig(path, dpi=120)
        plt.close(fig)
        print(f"plot: {path}")
    return 0

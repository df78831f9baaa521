"""``pathdep lyapunov SYSTEM``: a Lyapunov spectrum with a convergence plot.

Classic systems (``henon``, ``logistic``, ``standard``, ``lorenz``, ``lorenz96``) or an
optimizer on an MLP on the bundled digits data (``sgd``, ``momentum``, ``nesterov``,
``adam``)::

    pathdep lyapunov henon --steps 100000
    pathdep lyapunov sgd --width 64 --lr 0.1 --k 8 --steps 200 --replicates 4

Training is not stationary, so for optimizers the standard errors come from independent
replicates (another batch order and initial tangent frame each, the same initial
weights), the finite-time exponents are printed per window of training, and an exponent
whose running estimate still drifts over the last half of the run is flagged.
"""

from __future__ import annotations

import argparse
import time

CLASSIC = ("henon", "logistic", "standard", "lorenz", "lorenz96")
OPTIMIZERS = ("sgd", "momentum", "nesterov", "adam")
#: Parameters each classic system takes through ``--param``, in order.
PARAMS = {"henon": ("a", "b"), "logistic": ("r",), "standard": ("K",), "lorenz": ("sigma", "rho", "beta"),
          "lorenz96": ("F",)}
#: Most steps a run may ask for: 1e10 steps take days at the fastest engine speed (~10 us a step).
MAX_STEPS = 10 ** 10


def _count(text: str) -> int:
    """A step count written as an integer or in scientific notation (``1e5``)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number (like 1000 or 1e5), got {text!r}") from None
    if not value.is_integer() or value < 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative whole number, got {text!r}")
    if value > MAX_STEPS:
        raise argparse.ArgumentTypeError(f"at most {MAX_STEPS:.0e} steps (days of computing at ~10 us a step), "
                                         f"got {text}")
    return int(value)


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("lyapunov", help="Lyapunov spectrum of a classic system or an optimizer",
                              description=__doc__.split("\n\n")[0],
                              formatter_class=argparse.RawDescriptionHelpFormatter,
                              epilog=__doc__.split("\n\n", 1)[1])
    p.add_argument("system", choices=CLASSIC + OPTIMIZERS, help="system or optimizer")
    p.add_argument("--steps", type=_count, default=None,
                   help="accumulated steps, e.g. 1e5 (default: 100000 maps, 50000 lorenz, 10000 lorenz96, "
                        f"200 optimizers; at most {MAX_STEPS:.0e})")
    p.add_argument("--transient", type=_count, default=None, help="steps discarded first")
    p.add_argument("--k", type=int, default=None, help="number of exponents (default: all; 8 for optimizers)")
    p.add_argument("--reortho-every", type=int, default=1, help="steps between QR factorisations (default 1)")
    p.add_argument("--windows", type=int, default=10, help="windows for the finite-time exponents (default 10)")
    p.add_argument("--seed", type=int, default=0, help="seed (default 0)")
    p.add_argument("--plot", default=None, metavar="PNG",
                   help="convergence plot path (default lyapunov-SYSTEM.png; '' for none)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    g = p.add_argument_group("classic systems")
    g.add_argument("--param", type=float, action="append", default=None, metavar="X",
                   help="one system parameter, repeated in order (henon: --param a --param b; logistic: r; "
                        "standard: K; lorenz: sigma rho beta; lorenz96: F); omitted ones keep their defaults")
    g.add_argument("--dim", type=int, default=None, help="lorenz96: number of sites (default 40)")
    g.add_argument("--dt", type=float, default=None, help="flows: RK4 step (default 0.01)")
    g = p.add_argument_group("optimizers on the digits MLP")
    g.add_argument("--width", type=int, default=64, help="hidden width (default 64)")
    g.add_argument("--depth", type=int, default=1, help="hidden layers (default 1)")
    g.add_argument("--lr", type=float, default=None, help="learning rate (default 0.1; adam 1e-3)")
    g.add_argument("--momentum", type=float, default=0.9, help="momentum/nesterov coefficient (default 0.9)")
    g.add_argument("--weight-decay", type=float, default=0.0, help="L2 weight decay (default 0)")
    g.add_argument("--batch-size", type=int, default=32, help="minibatch size (default 32)")
    g.add_argument("--replicates", type=int, default=4,
                   help="independent replicates (batch order and initial frame) for the standard errors "
                        "(default 4; 1: a single run with block standard errors)")
    g.add_argument("--data", default=None, metavar="NPZ", help="dataset file instead of the digits (see dynsys.data)")
    g.add_argument("--float32", action="store_true", help="float32 instead of float64")
    g.add_argument("--function-space", action="store_true",
                   help="also report the growth seen through the outputs on 64 test images")
    p.set_defaults(func=_run)


def _classic(args: argparse.Namespace):
    from dynsys import Henon, Logistic, Lorenz63, Lorenz96, StandardMap

    prm = args.param or []
    names = PARAMS[args.system]
    if len(prm) > len(names):
        raise ValueError(f"--param: {args.system} takes at most {len(names)} parameter(s) ({' '.join(names)}), "
                         f"got {len(prm)}: {prm}")
    if args.dt is not None and args.system not in ("lorenz", "lorenz96"):
        raise ValueError(f"--dt applies to the flows (lorenz, lorenz96), not to the map {args.system!r}")
    if args.dim is not None and args.system != "lorenz96":
        raise ValueError(f"--dim applies to lorenz96 only, not to {args.system!r}")
    dt = 0.01 if args.dt is None else args.dt
    if args.system == "henon":
        return Henon(*prm), 100_000, 1000
    if args.system == "logistic":
        return Logistic(*(prm or [4.0])), 100_000, 100
    if args.system == "standard":
        return StandardMap(*(prm or [6.0])), 100_000, 0
    if args.system == "lorenz":
        return Lorenz63(*prm, dt=dt), 50_000, 1000
    return Lorenz96(40 if args.dim is None else args.dim, *(prm or [8.0]), dt=dt), 10_000, 1000


def _run(args: argparse.Namespace) -> int:
    import numpy as np
    import torch

    from dynsys import digits_mlp_map, function_space_spectrum, lyapunov_replicates, lyapunov_spectrum

    torch.set_num_threads(max(1, torch.get_num_threads()))
    if args.k is not None and args.k < 1:
        raise ValueError(f"--k must be >= 1, got {args.k}")
    if args.replicates < 1:
        raise ValueError(f"--replicates must be >= 1, got {args.replicates}")
    if args.steps is not None and args.steps < 1:
        raise ValueError(f"--steps must be >= 1, got {args.steps}")
    fs = rep = None
    if args.system in CLASSIC:
        for flag, given in (("--function-space", args.function_space), ("--data", args.data is not None)):
            if given:
                raise ValueError(f"{flag} applies to optimizers only, not to {args.system!r}")
        system, steps, transient = _classic(args)
        x0 = system.initial_state()
        k = args.k
        title = f"{type(system).__name__}"
        reference = getattr(system, "reference", None)
        replicates = 1
    else:
        if args.param or args.dt is not None or args.dim is not None:
            raise ValueError("--param, --dt and --dim apply to the classic systems, not to optimizers")
        lr = args.lr if args.lr is not None else (1e-3 if args.system == "adam" else 0.1)
        hyper = dict(weight_decay=args.weight_decay)
        if args.system in ("momentum", "nesterov"):
            hyper["momentum"] = args.momentum
        opts = dict(width=args.width, depth=args.depth, optimizer=args.system, lr=lr, batch_size=args.batch_size,
                    seed=args.seed, dtype=torch.float32 if args.float32 else torch.float64, dataset=args.data,
                    **hyper)
        mlp = digits_mlp_map(**opts)
        system, steps, transient = mlp.map, 200, 0
        x0 = system.initial_state()
        k = args.k if args.k is not None else 8
        title = f"{args.system} on {'digits' if args.data is None else args.data} MLP ({mlp.n_params} params, lr={lr:g})"
        reference = None
        replicates = 1 if args.function_space else args.replicates
        print(f"{title}: state dimension {system.dim}")
    steps = args.steps if args.steps is not None else steps
    transient = args.transient if args.transient is not None else transient
    t0 = time.perf_counter()
    import warnings

    warnings.filterwarnings("ignore", message=".*still drifting", category=RuntimeWarning)  # printed below
    if args.function_space:
        fs = function_space_spectrum(system, x0, steps, output_fn=mlp.output_fn, probe=mlp.probe, k=k,
                                     observe_every=max(1, steps // 20), seed=args.seed,
                                     progress=not args.no_progress)
        res = fs.weight
    elif replicates > 1:
        def make(s: int):
            return digits_mlp_map(**opts, schedule_seed=s).map

        rep = lyapunov_replicates(make, lambda s, _: s.initial_state(), steps, n_replicates=replicates, k=k,
                                  transient=transient, reortho_every=args.reortho_every, n_windows=args.windows,
                                  seed=args.seed, progress=not args.no_progress)
        res = rep
    else:
        res = lyapunov_spectrum(system, x0, steps, k=k, transient=transient, reortho_every=args.reortho_every,
                                n_windows=args.windows, seed=args.seed, progress=not args.no_progress)
    elapsed = time.perf_counter() - t0
    n_steps = res.n_steps
    se_kind = f"replicate s.e. ({replicates} replicates)" if rep is not None else "block s.e."
    print(f"{n_steps} steps (dt = {res.dt:g}) in {elapsed:.1f} s; standard errors: {se_kind}")
    drifting = res.drifting
    print(f"{'j':>3}  {'exponent':>14}  {'stderr':>10}  {'drift':>10}" + ("  reference" if reference else "")
          + ("  function-space" if fs is not None else ""))
    fs_sorted = np.sort(fs.function)[::-1] if fs is not None else None
    for j, (lam, se) in enumerate(zip(res.exponents, res.stderr)):
        line = f"{j + 1:>3}  {lam:>14.6g}  {se:>10.2g}  {res.drift[j]:>+10.2g}"
        if reference and j < len(reference):
            line += f"  {reference[j]:>9.6g}"
        if fs_sorted is not None:
            line += f"  {fs_sorted[j]:>14.6g}"
        if drifting[j]:
            line += "  STILL DRIFTING"
        print(line)
    print(f"sum = {float(np.sum(res.exponents)):.8g}")
    conv = res.convergence
    print(conv.message)
    if drifting.any():
        print(f"warning: the running estimate of exponent(s) {[int(j) + 1 for j in np.nonzero(drifting)[0]]} still "
              "drifts (its change over the last half exceeds 3 standard errors): the exponent depends on the "
              "window of the run; report the finite-time exponents per window below")
    if args.system in OPTIMIZERS or drifting.any():
        edges = res.window_edges
        cols = min(len(res.exponents), 4)
        print(f"finite-time exponents per window of {'training ' if args.system in OPTIMIZERS else ''}(steps)"
              + (f", mean over {replicates} replicates" if rep is not None else "") + ":")
        for w in range(len(edges) - 1):
            vals = "  ".join(f"{res.windows[w, j]:>11.4g}" for j in range(cols))
            print(f"  [{edges[w]:>7}, {edges[w + 1]:>7})  {vals}")
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

"""``pathdep sweep EXPERIMENT``: a grid of hyperparameters and seeds, locally or on Dask, resumable.

    pathdep sweep lyapunov --grid lr=0.01,0.03,0.1 --grid optimizer=sgd,momentum --seeds 0 1 2 \\
        --set steps=200 --out lyap.nc -j 2
    pathdep sweep dw --grid eps=0.01,0.1,1 --set epochs=2 --out dw.zarr

Writes the xarray Dataset (``.nc`` netCDF or ``.zarr``) and one figure; rerunning the same
command after an interrupt computes only the missing points.
"""

from __future__ import annotations

import argparse
import inspect


def _value(text: str):
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    return text


def _pair(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name.strip() or not value.strip():
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE(S), got {text!r}")
    return name.strip(), value.strip()


def register(subparsers: argparse._SubParsersAction) -> None:
    from pathdep.commands._options import add_parallel_options
    from pathdep.sweeps import EXPERIMENTS

    p = subparsers.add_parser("sweep", help="run an experiment over a grid of hyperparameters and seeds",
                              description=__doc__.splitlines()[0],
                              formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__.split("\n", 2)[2])
    p.add_argument("experiment", choices=sorted(EXPERIMENTS),
                   help="lyapunov: top-k spectrum of an optimizer on the digits MLP; dw: perturbed-ensemble d_w(t)")
    p.add_argument("--grid", type=_pair, action="append", default=[], metavar="NAME=V1,V2,...",
                   help="a grid axis (repeatable); the sweep is the product of the axes")
    p.add_argument("--set", dest="fixed", type=_pair, action="append", default=[], metavar="NAME=VALUE",
                   help="a fixed option of the experiment (repeatable)")
    p.add_argument("--seeds", type=int, nargs="+", default=[0], help="seeds per point (default 0)")
    p.add_argument("--out", required=True, metavar="PATH", help="Dataset file: .nc (netCDF) or .zarr")
    p.add_argument("--plot", default=None, metavar="PNG", help="figure path (default PATH with .png; '' for none)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    add_parallel_options(p, what="points")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from pathdep.sweeps import EXPERIMENTS, plot_sweep, sweep

    fn = EXPERIMENTS[args.experiment]
    allowed = [n for n in inspect.signature(fn).parameters if n != "seed"]
    grid = {name: [_value(v) for v in values.split(",")] for name, values in args.grid}
    fixed = {name: _value(v) for name, v in args.fixed}
    for name in [*grid, *fixed]:
        if name not in allowed:
            raise ValueError(f"`{name}` is not an option of the {args.experiment!r} experiment; allowed: {allowed}")
    both = set(grid) & set(fixed)
    if both:
        raise ValueError(f"{sorted(both)} given both as a grid axis and as a fixed option")
    if not grid:
        raise ValueError("give at least one --grid axis, e.g. --grid lr=0.01,0.1")
    out = Path(args.out)
    if out.suffix not in (".nc", ".zarr"):
        raise ValueError(f"--out must end in .nc or .zarr, got {args.out!r}")
    plot = str(out.with_suffix(".png")) if args.plot is None else args.plot
    point = _Fixed(fn, fixed)
    ds = sweep(point, grid, seeds=args.seeds, store=out, jobs=args.jobs, scheduler=args.scheduler,
               progress=not args.no_progress, spec={"experiment": args.experiment, "fixed": fixed})
    var, index, what = (("exponents", {"exponent": 0}, "top exponent") if args.experiment == "lyapunov"
                         else ("d_w", {"step": -1}, "d_w at the last step"))
    mean = ds[var].isel(index).mean("seed")
    print(f"{args.experiment}: {ds.attrs['points_computed']} point(s) computed, {ds.attrs['points_reused']} reused "
          f"from {out}.parts")
    print(f"{what}, mean over {len(args.seeds)} seed(s):")
    print(mean.to_dataframe(name=var)[var].to_string() if mean.ndim else f"  {float(mean):.6g}")
    print(f"wrote {out}")
    if plot:
        import matplotlib.pyplot as plt

        fig = plot_sweep(ds, var, index=index, title=f"{args.experiment} sweep: {what}")
        fig.savefig(plot, dpi=110)
        plt.close(fig)
        print(f"plot: {plot}")
    return 0


class _Fixed:
    """The experiment with the fixed options bound (picklable, unlike a lambda)."""

    def __init__(self, fn, fixed: dict) -> None:
        self.fn, self.fixed = fn, fixed
        self.__qualname__ = fn.__qualname__

    def __call__(self, **kwargs):
        return self.fn(**self.fixed, **kwargs)

    def check(self, **kwargs) -> None:
        """The experiment's own check of one point (see :func:`pathdep.sweeps.sweep`)."""
        check = getattr(self.fn, "check", None)
        if callable(check):
            check(**self.fixed, **kwargs)

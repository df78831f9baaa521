"""``pathdep walk``: note 003's random-walk figure, with the RMS distance and the exact mean added."""

from __future__ import annotations

import argparse
import math


def _run(args: argparse.Namespace) -> int:
    from pathdep._cli_support import check_figure, save_figure
    from puzzles import plot_walks

    if not args.out:
        raise ValueError(f"`--out` must be a file name for the figure, got {args.out!r}")
    n_rows = (len(args.dims) + 1) // 2
    check_figure("--dpi", 10.0, 3.3 * n_rows, args.dpi)     # plot_walks' figure size, before simulating
    fig = plot_walks(args.dims, n_steps=args.steps, n_walkers=args.walkers, seed=args.seed,
                     exact_steps=args.exact_steps, max_lines=args.max_lines,
                     progress=not args.no_progress)
    stats = fig.walk_stats
    out = save_figure(fig, args.out, dpi=args.dpi)
    N = args.steps
    print(f"after N = {N} steps, {args.walkers} walkers:")
    print(f"{'D':>6} {'mean|X_N| (sim)':>16} {'+-':>6} {'E|X_N| (exact)':>15} {'RMS (sim)':>10} {'sqrt(N)':>9}")
    for D, st in stats.items():
        print(f"{D:>6} {st['mean']:>16.3f} {st['mean_se']:>6.3f} {st['exact_mean']:>15.3f} "
              f"{math.sqrt(st['ms']):>10.3f} {math.sqrt(N):>9.3f}")
    print(f"figure: {out}")
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("walk", help="random walks on Z^D: note 003's figure",
                              description="Simulate walkers on Z^D and draw distance vs steps per D: "
                                          "walkers faint, mean in red, sqrt(N) black, RMS green, "
                                          "exact mean orange.")
    p.add_argument("--dims", type=int, nargs="+", default=[5, 10, 20, 40, 80, 160], metavar="D",
                   help="lattice dimensions, one panel each")
    p.add_argument("--steps", type=int, default=1000, help="steps per walk")
    p.add_argument("--walkers", type=int, default=1000, help="walkers per dimension (>= 2)")
    p.add_argument("--seed", type=int, default=0, help="random seed")
    p.add_argument("--out", default="walk.png", help="figure file, written as given (default walk.png)")
    p.add_argument("--exact-steps", type=int, default=48,
                   help="steps up to which the mean curve is the exact pmf mean (default 48)")
    p.add_argument("--max-lines", type=int, default=1000, help="walker paths drawn per panel")
    p.add_argument("--dpi", type=int, default=100, help="figure resolution")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.set_defaults(func=_run)

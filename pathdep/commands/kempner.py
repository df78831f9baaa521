"""``pathdep kempner``: the sum of 1/n over integers omitting a digit string, with a proven bracket."""

from __future__ import annotations

import argparse


def _run(args: argparse.Namespace) -> int:
    import time

    import mpmath

    from puzzles import kempner_sum, kempner_sum_recurrence

    excluded = args.exclude[0] if len(args.exclude) == 1 else list(args.exclude)
    t0 = time.perf_counter()
    r = kempner_sum(excluded, base=args.base, digits=args.digits, progress=not args.no_progress)
    secs = time.perf_counter() - t0
    shown = args.digits + 2
    label = ", ".join(r.excluded)
    print(f"sum of 1/n over n >= 1 whose base-{r.base} digits omit {label}:")
    print(f"  value = {mpmath.nstr(r.value, args.digits)}")
    print(f"  lower = {mpmath.nstr(r.lower, shown)}")
    print(f"  upper = {mpmath.nstr(r.upper, shown)}")
    print(f"  width = {mpmath.nstr(r.width, 3)} (relative {mpmath.nstr(r.width / r.lower, 3) if r.lower else 0})")
    print(f"  method: moment series (rigorous), {r.n_terms} terms, prefixes of {r.prefix_digits} digits, "
          f"{secs:.3f} s")
    if args.check:
        sb = kempner_sum_recurrence(excluded, base=args.base, digits=args.digits, progress=not args.no_progress)
        print(f"  Schmelzer-Baillie recurrence: {mpmath.nstr(sb, args.digits)} "
              f"(inside bracket: {bool(r.lower <= sb <= r.upper) or abs(sb - r.value) <= r.width})")
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("kempner", help="Kempner sums (harmonic series omitting digit strings)",
                              description="Sum of 1/n over n whose digits omit the given string(s), "
                                          "with a rigorous bracket.")
    p.add_argument("--exclude", nargs="+", default=["9"], metavar="DIGITS",
                   help="digit string(s) to omit (default 9); several strings omit any of them")
    p.add_argument("--base", type=int, default=10, help="base, 2..36 (default 10)")
    p.add_argument("--digits", type=int, default=50, help="correct significant digits (default 50)")
    p.add_argument("--check", action="store_true",
                   help="also run the Schmelzer-Baillie recurrence as a cross-check")
    p.add_argument("--no-progress", action="store_true", help="no progress bars (they appear after 2 s)")
    p.set_defaults(func=_run)

"""Run the benchmarks: ``python -m benchmarks [TOPIC ...] [--quick] [--out FILE] [--readme]``."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
import traceback
from pathlib import Path

import benchmarks
from benchmarks import BenchResult


def _fmt_s(x: float) -> str:
    return f"{x * 1e3:.3g} ms" if x < 1 else f"{x:.3g} s"


def _ratio(r: BenchResult) -> str:
    rng = r.ratio_range
    text = f"{r.ratio:.3g}x"
    if rng is not None and len(r.extra["ratios"]) > 1:
        text += f" ({rng[0]:.3g}-{rng[1]:.3g}, {len(r.extra['ratios'])} pairs)"
    return text


def markdown(results: list[tuple[str, BenchResult]], header: str = "") -> str:
    lines = ([header, ""] if header else []) + [
        "| topic | benchmark | ours (median) | peer | peer time (median) | ratio peer/ours: median (range) | note |",
        "|---|---|---|---|---|---|---|"]
    for topic, r in results:
        lines.append(f"| {topic} | {r.name} | {_fmt_s(r.ours)} | {r.peer_name} | {_fmt_s(r.peer)} | "
                     f"{_ratio(r)} | {r.note} |")
    return "\n".join(lines) + "\n"


def machine_note() -> str:
    """CPU count and the load average while the benchmarks ran (the machines are shared)."""
    import os

    try:
        load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:  # pragma: no cover
        load = "unknown"
    return f"Measured on {os.cpu_count()} CPUs; load average (1, 5, 15 min) at the end: {load}."


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("topics", nargs="*", help="bench_<topic>.py modules to run (default all)")
    parser.add_argument("--quick", action="store_true", help="smaller sizes")
    parser.add_argument("--out", default=None, help="write the Markdown table here")
    parser.add_argument("--readme", action="store_true",
                        help="also replace the README's benchmark table (between its markers)")
    args = parser.parse_args(argv)
    names = sorted(m.name[len("bench_"):] for m in pkgutil.iter_modules(benchmarks.__path__)
                   if m.name.startswith("bench_"))
    topics = args.topics or names
    unknown = [t for t in topics if t not in names]
    if unknown:
        parser.error(f"unknown topic(s) {unknown}; available: {names}")
    results: list[tuple[str, BenchResult]] = []
    for topic in topics:
        module = importlib.import_module(f"benchmarks.bench_{topic}")
        try:
            for r in module.run(quick=args.quick):
                results.append((topic, r))
                print(f"{topic:10s} {r.name:50s} ours {_fmt_s(r.ours):>10s}  {r.peer_name:>20s} "
                      f"{_fmt_s(r.peer):>10s}  ratio {r.ratio:8.3g}x  {r.note}", flush=True)
        except Exception:  # noqa: BLE001
            traceback.print_exc()
            print(f"{topic}: failed", file=sys.stderr)
    table = markdown(results, header=machine_note())
    print()
    print(table)
    if args.out:
        Path(args.out).write_text(table, encoding="utf-8")
    if args.readme:
        import re

        readme = Path(__file__).resolve().parents[1] / "README.md"
        text = readme.read_text(encoding="utf-8")
        pattern = re.compile(r"(<!-- benchmarks:start -->\n).*?(<!-- benchmarks:end -->)", re.S)
        if not pattern.search(text):
            print("README.md has no benchmarks markers", file=sys.stderr)
            return 1
        readme.write_text(pattern.sub(lambda m: m.group(1) + table + m.group(2), text), encoding="utf-8")
        print(f"updated {readme}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Learning coefficients of deep linear networks from 10² to 10⁵ parameters: ours against devinterp.

The field's benchmark (Lau et al. 2025; Furman & Lau 2024): DLNs whose λ and multiplicity
are known in closed form (Aoyagi 2024).  Models: :func:`slt.models.random_deep_linear_network`
in the four size buckets (four seeds each), plus the two networks of issue 11
([5, 3, 4, 3, 5] rank 1, d = 54; [5, 5, 5, 5] rank 2, d = 75); noiseless teacher,
``x ~ U(-1, 1)``, mean squared error, n = 10⁴ (2000 in the 10⁵ bucket).

* ours: ``slt.estimate_rlct_model`` with every default (the ``ladder`` method).
* devinterp 1.3.2 at the settings of its own reduced-rank accuracy test
  (``tests/slt/rrr_test.py``): SGLD, lr 6e-4, localization 1.0, nβ = ``default_nbeta`` of a
  full-batch loader (n / ln n), 3 chains x 2000 draws, L(w*) from
  ``get_init_loss_multi_batch``.  The full batch is handed to devinterp as one item (the same
  batches as ``DataLoader(TensorDataset(x, y), batch_size=n, shuffle=True)``, without
  collating n single items per step, which made its step ~100x slower at n = 10⁴).
* equal work: our sampler and devinterp's at the same number of sampler steps per chain
  (one of our steps is a sweep over the layers).

``python -m benchmarks.bench_dln [--quick] [--sizes 1e2 1e3 ...] [--seeds N] [--no-devinterp]
[--out benchmarks/dln_table.md] [--readme] [--jsonl rows.jsonl] [--table-from a.jsonl b.jsonl]
[--devinterp-only] [--equal-steps]`` writes the table (and into README.md and
docs/slt-estimators.md between the ``dln`` markers).  Long runs can be split over processes
(``--jsonl``, one row per line as it finishes) and merged by model name (``--table-from``).
"""

from __future__ import annotations

import argparse
import math
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import torch

from benchmarks import BenchResult

SIZES = ("1e2", "1e3", "1e4", "1e5")


def models(sizes=SIZES, seeds: int = 4) -> list[Any]:
    from slt.models import deep_linear_network, random_deep_linear_network

    out = []
    if "1e2" in sizes:
        out += [deep_linear_network([5, 3, 4, 3, 5], 1, n=10_000, seed=0),
                deep_linear_network([5, 5, 5, 5], 2, n=10_000, seed=0)]
    for size in sizes:
        out += [random_deep_linear_network(size, seed=s) for s in range(seeds)]
    return out


def ours(net) -> dict[str, Any]:
    from slt import RLCTConvergenceWarning, estimate_rlct_model

    t0, c0 = time.perf_counter(), time.process_time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RLCTConvergenceWarning)
        est = estimate_rlct_model(net.model, net.data, net.loss_fn, n=net.n, seed=0, progress=False)
    return dict(value=est.value, stderr=est.stderr, seconds=time.perf_counter() - t0,
                cpu_seconds=time.process_time() - c0,
                converged=est.diagnostics.converged, warnings=est.diagnostics.warnings,
                top=float(est.diagnostics.curve[-1]), t_top=float(est.diagnostics.temps[-1]))


def devinterp(net, num_draws: int = 2000, num_chains: int = 3) -> dict[str, Any]:
    from devinterp.optim.sgld import SGLD
    from devinterp.slt.llc import LLCEstimator
    from devinterp.slt.sampler import sample
    from devinterp.utils import evaluate_mse, get_init_loss_multi_batch
    from torch.utils.data import DataLoader

    x, y = (v.float() for v in net.data)
    model = torch.nn.Sequential(*[torch.nn.Linear(m.in_features, m.out_features, bias=False) for m in net.model])
    with torch.no_grad():
        for a, b in zip(model, net.model):
            a.weight.copy_(b.weight.float())
    # the full batch at every step, as DataLoader(TensorDataset(x, y), batch_size=n, shuffle=True) gives
    # (the order within a batch does not change a mean loss), handed over as one item instead of
    # collating n single items, which made devinterp's step ~100x slower at n = 10^4; nβ = n / ln n
    # is devinterp's default_nbeta of that loader, passed explicitly
    loader = DataLoader([(x, y)], batch_size=1, collate_fn=lambda items: items[0])
    nbeta = len(x) / math.log(len(x))
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        init_loss = get_init_loss_multi_batch(loader, num_chains, model, evaluate_mse, device="cpu")
        est = LLCEstimator(num_chains=num_chains, num_draws=num_draws, nbeta=nbeta, init_loss=init_loss)
        sample(model, loader, evaluate=evaluate_mse, sampling_method=SGLD,
               optimizer_kwargs=dict(lr=6e-4, localization=1.0, nbeta=nbeta),
               num_chains=num_chains, num_draws=num_draws, callbacks=[est], verbose=False, seed=42)
    res = est.get_results()
    return dict(value=float(res["llc/mean"]), seconds=time.perf_counter() - t0)


def table(rows: list[dict[str, Any]]) -> str:
    head = ("| model | d | exact λ (m) | ours λ̂ ± s.e. | rel. err | checks | s | devinterp 1.3.2 | rel. err | s |\n"
            "|---|---|---|---|---|---|---|---|---|---|")
    lines = [head]
    for r in rows:
        lam = r["exact"]
        dev = r.get("dev")
        dev_txt = (_nan_text(dev) if dev is not None and not math.isfinite(dev["value"]) else
                   f"{dev['value']:.4g}" if dev else "—")
        dev_err = (f"{100 * (dev['value'] / lam - 1):+.1f} %" if dev and math.isfinite(dev["value"]) else "—")
        dev_s = f"{dev['seconds']:.0f}" if dev and math.isfinite(dev.get("seconds", math.nan)) else "—"
        lines.append(f"| {r['name']} | {r['d']} | {lam:g} ({r['m']}) | {_with_se(r['ours']['value'], r['ours']['stderr'])} | {100 * (r['ours']['value'] / lam - 1):+.1f} % | "
                     f"{'pass' if r['ours']['converged'] else 'WARN'} | {r['ours']['seconds']:.0f} | {dev_txt} | "
                     f"{dev_err} | {dev_s} |")
    errs = np.array([abs(r["ours"]["value"] / r["exact"] - 1) for r in rows])
    summary = [f"ours: median |rel. err| {100 * np.median(errs):.1f} %, max {100 * errs.max():.1f} % over "
               f"{len(rows)} DLNs; no NaN: {all(math.isfinite(r['ours']['value']) for r in rows)}; "
               f"health checks passed on {sum(r['ours']['converged'] for r in rows)}/{len(rows)}."]
    devs = [r for r in rows if r.get("dev")]
    if devs:
        de = np.array([abs(r["dev"]["value"] / r["exact"] - 1) for r in devs if math.isfinite(r["dev"]["value"])])
        nan = sum(not math.isfinite(r["dev"]["value"]) for r in devs)
        better = sum(abs(r["ours"]["value"] / r["exact"] - 1) < abs(r["dev"]["value"] / r["exact"] - 1)
                     if math.isfinite(r["dev"]["value"]) else True for r in devs)
        summary.append(f"devinterp: median |rel. err| {100 * np.median(de):.1f} %, max {100 * de.max():.1f} %, "
                       f"{nan} NaN; ours more accurate on {better}/{len(devs)}.")
    for size in SIZES:
        sel = [r for r in rows if r.get("bucket") == size]
        if sel:
            dev_times = [r["dev"]["seconds"] for r in sel if r.get("dev") and math.isfinite(r["dev"]["seconds"])]
            summary.append(f"bucket {size}: max time ours {max(r['ours']['seconds'] for r in sel):.0f} s" +
                           (f", devinterp {max(dev_times):.0f} s (runs that returned a number)" if dev_times else ""))
    return "\n".join(lines) + "\n\n" + "  \n".join(summary) + "\n"


def _with_se(value: float, se: float) -> str:
    """``value ± se`` with the value to the second significant digit of its standard error."""
    if not (math.isfinite(se) and se > 0):
        return f"{value:.4g} ± {se:.2g}"
    decimals = max(0, 1 - math.floor(math.log10(se)))
    return f"{value:.{decimals}f} ± {se:.2g}"


def _nan_text(dev: dict[str, Any]) -> str:
    """'NaN' with the draw at which devinterp stopped, when its error says so."""
    import re

    m = re.search(r"draw (\d+)", dev.get("error", ""))
    return f"NaN (draw {m.group(1)})" if m else "NaN"


def bucket_of(d: int) -> str:
    return min(SIZES, key=lambda s: abs(math.log10(d) - math.log10(float(s))))


def accuracy_rows(sizes=SIZES, seeds: int = 4, with_devinterp: bool = True, verbose: bool = True,
                  jsonl: str | None = None, seed_list: list[int] | None = None, with_ours: bool = True):
    import json

    rows = []
    from slt.models import random_deep_linear_network

    nets = models(sizes, seeds) if seed_list is None else [
        random_deep_linear_network(size, seed=s) for size in sizes for s in seed_list]
    for net in nets:
        r = dict(name=net.name, d=net.dim, exact=float(net.exact.value), m=net.exact.multiplicity,
                 bucket=bucket_of(net.dim))
        if with_ours:
            r["ours"] = ours(net)
        if with_devinterp:
            t0 = time.perf_counter()
            try:
                r["dev"] = devinterp(net)
            except Exception as exc:  # noqa: BLE001 - a failing peer is a row, not a crash
                r["dev"] = dict(value=float("nan"), seconds=time.perf_counter() - t0,
                                error=f"{type(exc).__name__}: {exc}")
        if verbose:
            print(net.name, net.dim, r["exact"], {k: (round(v, 4) if isinstance(v, float) else v)
                                                  for k, v in r.get("ours", {}).items() if k != "warnings"},
                  r.get("dev"), flush=True)
        rows.append(r)
        if jsonl:
            with open(jsonl, "a", encoding="utf-8") as fh:
                fh.write(json.dumps(r, default=str) + "\n")
    return rows


def equal_steps(net, steps: int = 500) -> BenchResult:
    """Our sampler and devinterp's at the same number of steps per chain (3 chains, one temperature)."""
    from slt.ladder import run_ladder_sampler, tensor_scales

    gamma = 1e-3 / tensor_scales(net.model, net.w_star) ** 2

    def run_ours():
        return run_ladder_sampler(net.model, *net.data, net.loss_fn, net.w_star, np.array([net.n / math.log(net.n)]),
                                  gamma=gamma, n_chains=3, n_sweeps=steps, burn=steps // 4, engine="auto",
                                  gen=torch.Generator().manual_seed(0), progress=False)

    t0 = time.perf_counter()
    run_ours()
    t_ours = time.perf_counter() - t0
    t_dev = devinterp(net, num_draws=steps)["seconds"]
    return BenchResult(f"{steps} sampler steps x 3 chains, {net.name} (d = {net.dim})", t_ours, "devinterp 1.3.2 SGLD",
                       t_dev, note="equal numbers of sampler steps (ours: one Gibbs sweep over the layers)")


def run(quick: bool) -> list[BenchResult]:
    sizes = ("1e2", "1e3") if quick else SIZES
    rows = accuracy_rows(sizes, 1 if quick else 4, verbose=False)
    out = []
    for r in rows:
        if r.get("dev") and math.isfinite(r["dev"]["seconds"]):
            out.append(BenchResult(f"λ̂ {r['name']} (d = {r['d']})", r["ours"]["seconds"], "devinterp 1.3.2 llc",
                                   r["dev"]["seconds"],
                                   note=f"exact {r['exact']:g}; ours {100 * (r['ours']['value'] / r['exact'] - 1):+.1f} %, "
                                        f"devinterp {100 * (r['dev']['value'] / r['exact'] - 1):+.1f} %"))
    from slt.models import deep_linear_network

    out.append(equal_steps(deep_linear_network([5, 5, 5, 5], 2, n=10_000, seed=0)))
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.bench_dln")
    p.add_argument("--sizes", nargs="+", default=list(SIZES), choices=SIZES)
    p.add_argument("--seeds", type=int, default=4)
    p.add_argument("--no-devinterp", action="store_true")
    p.add_argument("--devinterp-only", action="store_true", help="only devinterp's rows (merged by --table-from)")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--out", default="benchmarks/dln_table.md")
    p.add_argument("--readme", action="store_true", help="also put the table into README.md (dln markers)")
    p.add_argument("--seed-list", type=int, nargs="+", default=None,
                   help="random DLNs of these seeds only (no named networks)")
    p.add_argument("--jsonl", default=None, help="append each row to this file as it finishes")
    p.add_argument("--table-from", nargs="+", default=None, help="only render the table from .jsonl files")
    p.add_argument("--equal-steps", action="store_true", help="only the equal-steps timing (ours vs devinterp)")
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    if args.equal_steps:
        from slt.models import deep_linear_network, random_deep_linear_network

        for net in (deep_linear_network([5, 5, 5, 5], 2, n=10_000, seed=0), random_deep_linear_network("1e3", seed=1)):
            for _ in range(3):
                print(equal_steps(net), flush=True)
        return 0
    if args.table_from:
        import json

        merged: dict[str, dict] = {}
        for f in args.table_from:
            for line in Path(f).read_text().splitlines():
                if line:
                    row = json.loads(line)
                    merged.setdefault(row["name"], {}).update(row)
        rows = [r for r in merged.values() if "ours" in r]
    else:
        rows = accuracy_rows(tuple(args.sizes), args.seeds, with_devinterp=not args.no_devinterp, jsonl=args.jsonl,
                             seed_list=args.seed_list, with_ours=not args.devinterp_only)
        if args.devinterp_only:
            return 0
    text = table(rows)
    print(text)
    Path(args.out).write_text(text, encoding="utf-8")
    if args.readme:
        for doc in (Path("README.md"), Path("docs/slt-estimators.md")):
            s = doc.read_text(encoding="utf-8")
            a, b = "<!-- dln:start -->", "<!-- dln:end -->"
            if a in s and b in s:
                doc.write_text(s[:s.index(a) + len(a)] + "\n" + text + s[s.index(b):], encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

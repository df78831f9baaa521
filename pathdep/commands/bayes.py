"""``pathdep posterior`` and ``pathdep evidence``: the samplers of `bayes` against the exact conjugate answers."""

from __future__ import annotations

import argparse
import math


def _model(args: argparse.Namespace):
    from bayes.conjugate import LinearRegressionModel, NormalMeanModel

    if args.n < 2:
        raise ValueError(f"`--n` must be >= 2, got {args.n}")
    if args.model == "normal":
        if args.d is not None:    # an option that does not apply is refused, not ignored
            raise ValueError(f"`--d` applies to --model linreg only (the normal-mean model has d = 1), got {args.d}")
        return NormalMeanModel.simulate(args.n, theta=0.7, sigma=1.0, prior_mean=0.0, prior_std=2.0,
                                        seed=args.seed)
    d = 2 if args.d is None else args.d
    if d < 1:
        raise ValueError(f"`--d` must be >= 1, got {d}")
    return LinearRegressionModel.simulate(args.n, d, sigma=0.8, prior_std=1.0, seed=args.seed)


def _check_steps(args: argparse.Namespace) -> None:
    if args.steps < 40:
        raise ValueError(f"`--steps` must be >= 40, got {args.steps}")


def _posterior(args: argparse.Namespace) -> int:
    import numpy as np

    from bayes.sample import diagnostics, draws, mean_with_error, posterior_mean, sample

    _check_steps(args)
    for b in args.betas:
        if not (math.isfinite(b) and b >= 0):
            raise ValueError(f"`--betas` must be non-negative finite numbers, got {b}")
    m = _model(args)
    print(f"model: {type(m).__name__}, n = {m.n}, d = {m.dim}; emcee, {args.steps} steps, seed {args.seed}")
    print(f"{'beta':>6} {'coord':>5} {'exact mean':>11} {'sampled':>10} {'mcse':>8} {'z':>6} "
          f"{'exact var':>10} {'sampled':>10} {'z':>6} {'E[nL] exact':>12} {'sampled':>10} {'z':>6} "
          f"{'accept':>6} {'tau':>6}")
    worst = 0.0
    drifting: list = []
    for b in args.betas:
        idata = sample(m.density(b), np.zeros(m.dim), args.steps, seed=args.seed, progress=not args.no_progress,
                       quiet=True)
        post, w, dg = m.posterior(b), draws(idata), diagnostics(idata)
        e = posterior_mean(idata, "energy")
        ze = (e.mean - m.mean_energy(b)) / e.stderr
        for j in range(m.dim):
            mu = mean_with_error(w[..., j])
            va = mean_with_error((w[..., j] - post.mean[j]) ** 2)
            zm = (mu.mean - post.mean[j]) / mu.stderr
            zv = (va.mean - post.cov[j, j]) / va.stderr
            worst = max(worst, abs(zm), abs(zv), abs(ze))
            print(f"{b:>6g} {j:>5d} {post.mean[j]:>11.5f} {mu.mean:>10.5f} {mu.stderr:>8.5f} {zm:>6.2f} "
                  f"{post.cov[j, j]:>10.5f} {va.mean:>10.5f} {zv:>6.2f} {m.mean_energy(b):>12.4f} "
                  f"{e.mean:>10.4f} {ze:>6.2f} {dg.acceptance:>6.3f} {dg.autocorr_time[j]:>6.1f}"
                  + ("  STILL DRIFTING" if dg.drifting[j] else ""))
            drifting.extend([(b, j, dg.drift[j], dg.drift_stderr[j])] if dg.drifting[j] else [])
    print(f"max |z| = {worst:.2f} ({'within' if worst < 4 else 'OUTSIDE'} 4 Monte Carlo standard errors)")
    for b, j, d, se in drifting:
        print(f"STILL DRIFTING: beta = {b:g}, coordinate {j}: the walker mean moved by {d:+.3g} over the last half "
              f"of the kept steps (s.e. {se:.2g}); its mean and error are not equilibrium values: raise --steps")
    return 0


def _evidence(args: argparse.Namespace) -> int:
    import numpy as np

    from bayes.evidence import log_evidence, wbic

    _check_steps(args)
    if args.rungs < 3:
        raise ValueError(f"`--rungs` must be >= 3, got {args.rungs}")
    m = _model(args)
    res = log_evidence(m.log_likelihood, m.log_prior, initial=m.sample_prior(32, seed=args.seed),
                       n_betas=args.rungs, n_steps=args.steps, seed=args.seed, progress=not args.no_progress)
    exact = m.log_evidence(1.0)
    print(f"model: {type(m).__name__}, n = {m.n}, d = {m.dim}; {args.rungs} rungs x {args.steps} steps, "
          f"seed {args.seed}")
    print(f"log Z(1) exact                 {exact:.5f}")
    print(f"log Z(1) thermodynamic integr. {res.log_z:.5f} ± {res.stderr:.3g} (MC {res.mc_stderr:.3g}, "
          f"quadrature {res.quad_error:.3g}); relative error {abs(res.log_z - exact) / abs(exact):.2e}")
    wb = wbic(m.log_likelihood, m.log_prior, n=m.n, initial=np.zeros(m.dim), n_steps=args.steps,
              seed=args.seed + 1, progress=not args.no_progress)
    print(f"WBIC (beta = 1/ln n = {wb.beta:.4f})   {wb.value:.5f} ± {wb.stderr:.3g}; exact E_beta[n L_n] "
          f"{m.mean_energy(wb.beta):.5f}; -log Z(1) = {-exact:.5f}")
    if args.out:
        from pathdep._cli_support import save_figure

        print(f"figure: {save_figure(res.plot(exact=m.mean_energy, exact_log_z=exact), args.out, dpi=100)}")
    return 0


def register(subparsers) -> None:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--model", choices=("normal", "linreg"), default="normal",
                        help="conjugate model: normal mean (d = 1) or linear regression")
    common.add_argument("--n", type=int, default=50, help="number of observations (default 50)")
    common.add_argument("--d", type=int, default=None, help="regression dimension (linreg only, default 2)")
    common.add_argument("--seed", type=int, default=0, help="random seed")
    common.add_argument("--no-progress", action="store_true", help="no progress bars")

    p = subparsers.add_parser("posterior", parents=[common],
                              help="sample tempered posteriors of a conjugate model and compare with the exact ones",
                              description="emcee draws of the tempered posterior p(D|w)^beta phi(w) vs the exact "
                                          "mean, variance and E_beta[n L_n], with z-scores in Monte Carlo "
                                          "standard errors.")
    p.add_argument("--betas", type=float, nargs="+", default=[0.1, 0.5, 1.0, 2.0], metavar="BETA",
                   help="inverse temperatures")
    p.add_argument("--steps", type=int, default=2000, help="ensemble steps per beta (default 2000)")
    p.set_defaults(func=_posterior)

    p = subparsers.add_parser("evidence", parents=[common],
                              help="thermodynamic integration and WBIC vs the exact log evidence",
                              description="log Z(1) = -int_0^1 E_beta[n L_n] dbeta on a beta ladder, and WBIC, "
                                          "against the closed forms of the conjugate model.")
    p.add_argument("--rungs", type=int, default=12, help="beta ladder size (default 12)")
    p.add_argument("--steps", type=int, default=800, help="ensemble steps per rung (default 800)")
    p.add_argument("--out", default="", help="figure file of E_beta[n L_n] vs beta, written as given "
                   "(default: none)")
    p.set_defaults(func=_evidence)

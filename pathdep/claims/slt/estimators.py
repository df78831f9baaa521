"""Claims about RLCT estimators: Lau et al.'s normal-crossing table, the log bias, the scaling estimator."""

from __future__ import annotations

import math

from pathdep.claims.registry import Context, claim
from pathdep.claims.verdict import Verdict, compare, decide

LAU = "Lau, Furman, Wang, Murfet, Wei (2023), arXiv:2308.12108, normal-crossing experiments"
WATANABE = "Watanabe (2009), 'Algebraic Geometry and Statistical Learning Theory', free energy asymptotics"


@claim("slt.estimators.llc_normal_crossing_low",
       statement="At n = 1000 with beta = 1/ln n, the local learning coefficient estimate "
                 "n beta (E[L] - L(w*)) of the degenerate normal-crossing potentials (multiplicity 2) "
                 "falls 20-65 % below the true learning coefficient.",
       short="LLC at beta = 1/ln n reads 20-65 % low on multiplicity-2 normal crossings.",
       source=LAU,
       method="the exact finite-temperature target n beta E[K] of the LLC (no sampling error: 2-d "
              "quadrature, localization gamma = 1) for K = (w1 w2)^(2k), k = 1, 2, 3, and one sampled LLC "
              "(replica-exchange MALA) for k = 2 as a check; shortfall relative to lambda = 1/(2k)")
def _llc_low(ctx: Context) -> Verdict:
    import torch

    from slt import estimate_rlct, llc_target
    from slt.models import normal_crossing

    t = 1000 / math.log(1000)
    rows = {}
    for k in (1, 2, 3):
        toy = normal_crossing([k, k])
        rows[k] = 1 - llc_target(toy.potential, toy.w_star, t) / float(toy.exact.value)
    toy = normal_crossing([2, 2])
    est = estimate_rlct(toy.potential, toy.w_star, method="llc", n_chains=8, n_steps=ctx.pick(1200, 5000),
                        burn=ctx.pick(300, 1000), seed=ctx.seed, progress=ctx.progress)
    sampled = 1 - est.value / 0.25
    ok = all(0.20 <= s <= 0.65 for s in rows.values())
    ev = ", ".join(f"k={k}: target {100 * s:.1f} % low" for k, s in rows.items())
    ev += (f"; sampled LLC for k=2: {est.value:.4f} ± {est.stderr:.4f} ({100 * sampled:.1f} % low; "
           f"exact target {est.diagnostics.exact_target:.4f})")
    torch.set_num_threads(1)
    return decide(ok, measured={f"k={k}": round(100 * s, 1) for k, s in rows.items()},
                  expected="20-65 % low", tolerance="shortfall in [20, 65] %", evidence=ev,
                  corrected="The shortfall of the LLC at beta = 1/ln n on multiplicity-2 normal crossings is "
                            f"{', '.join(f'{100 * s:.0f} %' for s in rows.values())} (k = 1, 2, 3).")


@claim("slt.estimators.log_bias_multiplicity",
       statement="E_t[t K] = -d log Z(t)/d ln t = lambda - (m - 1)/ln t + o(1/ln t) as t -> infinity, from "
                 "F = lambda ln t - (m - 1) ln ln t + O(1): the single-temperature estimator is biased low "
                 "by (m - 1)/ln t.",
       short="Single-temperature bias is (m - 1)/ln t: (lambda - E_t[tK]) ln t -> m - 1.",
       source=WATANABE,
       method="(lambda - E_t[tK]) * ln t by 2-d quadrature at t = 1e12 for K = w1^2 w2^2 (lambda = 1/2, "
              "m = 2) and K = w1^2 w2^4 (lambda = 1/4, m = 1); compared with m - 1 = 1 and 0")
def _log_bias(ctx: Context) -> Verdict:
    from pathdep.claims.verdict import compare_all
    from slt import llc_target
    from slt.models import normal_crossing

    t = 1e12
    vals = []
    for k in ([1, 1], [1, 2]):
        toy = normal_crossing(k)
        g = llc_target(toy.potential, toy.w_star, t, n_grid=ctx.pick(500, 900))
        vals.append((float(toy.exact.value) - g) * math.log(t))
    # o(1/ln t): the next term is c/ln^2 t (c ~ 2 for w1^2 w2^2), about 8 % of the leading one at ln t = 27.6
    return compare_all(vals, [1.0, 0.0], atol=0.15,
                       evidence=f"(lambda - g) ln t at t = 1e12: m=2 toy {vals[0]:.3f}, m=1 toy {vals[1]:.3f}")


@claim("slt.estimators.scaling_within_5pct",
       statement="Fitting E_t[tK] over many decades of t with the asymptotic form (lambda + a t^-delta for "
                 "m = 1, lambda - (m - 1)/(ln t + c) for m >= 2, m read from the posterior's log-scale "
                 "spread) recovers lambda within 5 % on the multiplicity-2 normal crossing K = w1^4 w2^4 "
                 "(lambda = 1/4), where the single-temperature LLC is about 40 % low.",
       short="The scaling estimator recovers lambda within 5 % where the LLC is 40 % low.",
       source=f"{WATANABE}; the accuracy bar of the pathdep slt issue",
       method="slt.estimate_rlct(method='scaling'): replica-exchange MALA on t = 1 ... 1e12 (1e8, shorter "
              "chains in quick mode), jackknife standard error over 8 chains")
def _scaling(ctx: Context) -> Verdict:
    from slt import estimate_rlct
    from slt.models import normal_crossing

    toy = normal_crossing([2, 2])
    # full mode runs the library's defaults (t up to 1e12, 18000 steps); quick mode a shorter ladder
    sizes = {} if ctx.full else dict(n_steps=1500, burn=400, t_max=1e8)
    est = estimate_rlct(toy.potential, toy.w_star, method="scaling", seed=ctx.seed, progress=ctx.progress,
                        **sizes)
    return compare(est.value, 0.25, rtol=0.05, stderr=est.stderr, z=2.0,
                   evidence=f"lambda_hat = {est.value:.4f} ± {est.stderr:.4f}, multiplicity read as "
                            f"{est.multiplicity} (exact 2), {est.diagnostics.seconds:.1f} s.",
                   figure=est.plot() if ctx.full else None)

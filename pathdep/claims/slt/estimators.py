"""Claims about RLCT estimators: Lau et al.'s normal-crossing table, the log bias, the scaling estimator."""

from __future__ import annotations

import math

from pathdep.claims._common import cached, claim
from pathdep.claims.registry import Context
from pathdep.claims.verdict import Verdict, combine, compare, compare_all, compare_range

LAU = ("E. Lau, Z. Furman, G. Wang, D. Murfet, S. Wei, 'The local learning coefficient', arXiv:2308.12108 (2023), "
       "normal-crossing experiments (the estimator)")
WATANABE = "S. Watanabe, 'Algebraic Geometry and Statistical Learning Theory' (2009), free energy asymptotics"


@cached
def _llc_rows(seed: int, n_steps: int, burn: int, progress: bool):
    from slt import estimate_rlct, llc_target
    from slt.models import normal_crossing

    t = 1000 / math.log(1000)
    targets = {}
    for k in (1, 2, 3):
        toy = normal_crossing([k, k])
        targets[k] = (float(toy.exact.value), llc_target(toy.potential, toy.w_star, t))
    toy = normal_crossing([2, 2])
    est = estimate_rlct(toy.potential, toy.w_star, method="llc", n_chains=8, n_steps=n_steps, burn=burn, seed=seed,
                        progress=progress)
    return targets, est


@claim("slt.estimators.llc_normal_crossing_low",
       statement="At n = 1000 with beta = 1/ln n, the local learning coefficient estimate n beta (E[L] - L(w*)) of the "
                 "degenerate normal-crossing potentials (multiplicity 2, K = (w1 w2)^(2k)) reads below the true learning "
                 "coefficient: its finite-temperature target n beta E_beta[K] is below lambda, and the sampled "
                 "estimate matches that target.",
       short="LLC at beta = 1/ln n reads below lambda on multiplicity-2 normal crossings (matching its target).",
       source=f"{LAU}; {WATANABE} (the (m - 1)/ln(n beta) bias of a single temperature)",
       method="the exact finite-temperature target n beta E[K] of the LLC (2-d quadrature, localization gamma = 1) for "
              "K = (w1 w2)^(2k), k = 1, 2, 3, below lambda = 1/(2k) by more than 5 %; one sampled LLC "
              "(replica-exchange MALA, 8 chains) for k = 2 within 10 % of its target plus 4 standard errors",
       counterfactual={"shortfall": "none"},
       counterfactual_text="the LLC reads lambda (no shortfall: target within 5 % of lambda)")
def _llc_low(ctx: Context, *, shortfall: str = "low") -> Verdict:
    targets, est = _llc_rows(ctx.seed, ctx.pick(1200, 5000), ctx.pick(300, 1000), ctx.progress)
    rel = {k: 1 - tg / lam for k, (lam, tg) in targets.items()}
    if shortfall == "low":
        parts = [compare_range(r, 0.05, 1.0, evidence=f"k={k}: target {100 * r:.1f} % below lambda") for k, r in rel.items()]
    else:
        parts = [compare_range(r, -0.05, 0.05, evidence=f"k={k}: target {100 * r:.1f} % below lambda")
                 for k, r in rel.items()]
    tgt2 = targets[2][1]
    parts.append(compare(est.value, tgt2, atol=0.1 * tgt2, stderr=est.stderr,
                         evidence=f"sampled LLC k=2: {est.value:.4f} +- {est.stderr:.4f} vs target {tgt2:.4f}"))
    return combine(parts, measured={f"k={k}": f"{100 * r:.1f} % low" for k, r in rel.items()},
                   expected="below lambda (target > 5 % low), sample = target" if shortfall == "low" else "no shortfall",
                   tolerance="5 % below lambda; sample within 10 % + 4 stderr of the target",
                   evidence="shortfalls of the exact target: "
                            + ", ".join(f"k={k}: {100 * r:.1f} %" for k, r in rel.items()) + ".")


@claim("slt.estimators.log_bias_multiplicity",
       statement="E_t[t K] = -d log Z(t)/d ln t = lambda - (m - 1)/ln t + o(1/ln t) as t -> infinity, from "
                 "F = lambda ln t - (m - 1) ln ln t + O(1): the single-temperature estimator is biased low "
                 "by (m - 1)/ln t.",
       short="Single-temperature bias is (m - 1)/ln t: (lambda - E_t[tK]) ln t -> m - 1.",
       source=WATANABE,
       method="(lambda - E_t[tK]) * ln t by 2-d quadrature at t = 1e12 for K = w1^2 w2^2 (lambda = 1/2, "
              "m = 2) and K = w1^2 w2^4 (lambda = 1/4, m = 1); compared with m - 1 = 1 and 0 (within 0.15, the "
              "next term c/ln^2 t)",
       counterfactual={"offset": 1}, counterfactual_text="the bias is m/ln t (not (m - 1)/ln t)")
def _log_bias(ctx: Context, *, offset: int = 0) -> Verdict:
    from slt import llc_target
    from slt.models import normal_crossing

    t = 1e12
    vals = []
    for k in ([1, 1], [1, 2]):
        toy = normal_crossing(k)
        g = llc_target(toy.potential, toy.w_star, t, n_grid=ctx.pick(500, 900))
        vals.append((float(toy.exact.value) - g) * math.log(t))
    # o(1/ln t): the next term is c/ln^2 t (c ~ 2 for w1^2 w2^2), about 8 % of the leading one at ln t = 27.6
    return compare_all(vals, [1.0 + offset, 0.0 + offset], atol=0.15,
                       evidence=f"(lambda - g) ln t at t = 1e12: m=2 toy {vals[0]:.3f}, m=1 toy {vals[1]:.3f}")


@cached
def _scaling_run(seed: int, full: bool, progress: bool):
    from slt import estimate_rlct
    from slt.models import normal_crossing

    toy = normal_crossing([2, 2])
    # full mode runs the library's defaults (t up to 1e12, 18000 steps); quick mode a shorter ladder
    sizes = {} if full else dict(n_steps=1500, burn=400, t_max=1e8)
    return estimate_rlct(toy.potential, toy.w_star, method="scaling", seed=seed, progress=progress, **sizes)


@claim("slt.estimators.scaling_within_5pct",
       statement="Fitting E_t[tK] over many decades of t with the asymptotic form (lambda + a t^-delta for "
                 "m = 1, lambda - (m - 1)/(ln t + c) for m >= 2, m read from the posterior's log-scale "
                 "spread) recovers lambda within 5 % on the multiplicity-2 normal crossing K = w1^4 w2^4 "
                 "(lambda = 1/4), where the single-temperature LLC is about 40 % low.",
       short="The scaling estimator recovers lambda within 5 % where the LLC is 40 % low.",
       source=f"{WATANABE}; the accuracy bar of the pathdep slt issue",
       method="slt.estimate_rlct(method='scaling'): replica-exchange MALA on t = 1 ... 1e12 (1e8, shorter "
              "chains in quick mode), jackknife standard error over 8 chains",
       counterfactual={"lam": 0.3}, counterfactual_text="the estimate is within 5 % of 0.3")
def _scaling(ctx: Context, *, lam: float = 0.25) -> Verdict:
    est = _scaling_run(ctx.seed, ctx.full, ctx.progress)
    return compare(est.value, lam, rtol=0.05, stderr=est.stderr, z=2.0,
                   evidence=f"lambda_hat = {est.value:.4f} ± {est.stderr:.4f}, multiplicity read as "
                            f"{est.multiplicity} (exact 2), {est.diagnostics.seconds:.1f} s.",
                   figure=est.plot() if ctx.full else None)

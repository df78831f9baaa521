"""Claims of note 001's outline: the infinite-width limits and the implicit function theorem.

The outline of note 001 ("Review of path dependence") lists three checkable results: random
networks with Gaussian weights become Gaussian processes as they widen (Neal 1994); wide
trained networks behave like their first-order Taylor expansion about the initial parameters
(the neural tangent kernel); and the optimum's response to a parameter, ``w* = r(theta)``,
is given by the implicit function theorem (influence functions being the case where theta
weights one training example).  The computations are :mod:`dynsys.wide` and
:mod:`dynsys.response`.
"""

from __future__ import annotations

import math

import numpy as np

from pathdep.claims._common import NOTE001, cached, claim, fmt_list, mean_se
from pathdep.claims.registry import Context
from pathdep.claims.verdict import Verdict, combine, compare, compare_all, compare_range

OUTLINE = f"{NOTE001}, 'Outline'"


@cached
def _gp_draws(seed: int, full: bool):
    """Covariance of 3 inputs at width 1000 (with standard errors) and excess kurtosis by width."""
    from scipy import stats

    from dynsys.wide import random_relu_outputs

    rng = np.random.default_rng(seed)
    X = rng.standard_normal((3, 3))
    n_cov = 32000 if full else 8000
    F = random_relu_outputs(X, 1000, n_cov, seed=rng)
    prods = np.einsum("ki,kj->kij", F, F)
    cov, cov_se = prods.mean(0), prods.std(0, ddof=1) / math.sqrt(n_cov)
    widths = (2, 8, 32, 128) if full else (2, 8, 32)
    kurt, kurt_se = [], []
    for H in widths:
        # the standard error of kurtosis x H grows like H / sqrt(n): width 128 gets 4x the networks so that
        # 4 standard errors stay below the 25 % tolerance (with 400 000 they did not: INCONCLUSIVE)
        n_k = (1_600_000 if H >= 128 else 400_000) if full else 100_000
        f = random_relu_outputs(X[:1], H, n_k, seed=rng, chunk=4096)[:, 0]
        batches = [stats.kurtosis(b) for b in np.array_split(f, 20)]
        kurt.append(float(stats.kurtosis(f)))
        kurt_se.append(float(np.std(batches, ddof=1) / math.sqrt(len(batches))))
    return X, cov, cov_se, widths, np.array(kurt), np.array(kurt_se)


@claim("dynsys.wide.gp_limit",
       statement="'Neal 1994: With Gaussian-distributed weights NNs limit to Gaussian process.' "
                 "(read for one hidden ReLU layer with weights N(0, 2/d), output weights N(0, 1/H): "
                 "as the width H grows the outputs become a centred Gaussian process whose "
                 "covariance is the arc-cosine kernel of Cho & Saul)",
       source=f"{OUTLINE}; R. M. Neal, 'Bayesian Learning for Neural Networks', PhD thesis, Toronto "
              "(1994), ch. 2; Y. Cho, L. K. Saul, 'Kernel methods for deep learning', NeurIPS 2009",
       method="random networks on 3 random inputs in R^3: (1) the outputs' covariance at width 1000 "
              "(8000 networks) against the limit kernel, within 10% of its largest entry plus 4 "
              "standard errors; (2) the outputs' excess kurtosis at one input, widths 2, 8, 32 "
              "(100000 networks each; in full mode also width 128, with 400000 networks each and 1600000 at "
              "width 128; batch-means standard errors), against 15/H (derived in "
              "dynsys.wide.relu_excess_kurtosis): the fourth cumulant vanishes like 1/H, as the "
              "Gaussian limit requires (within 25% plus 4 standard errors)",
       counterfactual={"kernel": "linear"},
       counterfactual_text="the limit's covariance is the linear kernel 2 x.x'/d (the covariance of "
                           "the pre-activations, as if the ReLU were absent)")
def _gp_limit(ctx: Context, *, kernel: str = "arccos") -> Verdict:
    from dynsys.wide import relu_excess_kurtosis, relu_nngp_kernel

    X, cov, cov_se, widths, kurt, kurt_se = _gp_draws(ctx.seed, ctx.full)
    K = relu_nngp_kernel(X) if kernel == "arccos" else 2.0 * (X @ X.T) / X.shape[1]
    iu = np.triu_indices(len(X))
    cov_part = compare_all(cov[iu], K[iu], atol=0.1 * float(np.abs(K).max()), stderr=cov_se[iu],
                           evidence=f"covariance at width 1000 vs the {kernel} kernel:")
    H = np.array(widths, dtype=float)
    expected = np.array([relu_excess_kurtosis(int(h)) for h in widths])
    kurt_part = compare_all(kurt * H, expected * H, rtol=0.25, stderr=kurt_se * H,
                            evidence=f"excess kurtosis x H at widths {list(widths)}: "
                                     f"{fmt_list(kurt * H, 3)} (15 expected):")
    return combine([cov_part, kurt_part],
                   measured={"cov_width_1000": fmt_list(cov[iu], 4),
                             "excess_kurtosis": dict(zip(map(str, widths), np.round(kurt, 4).tolist()))},
                   expected={"kernel": fmt_list(K[iu], 4), "excess_kurtosis": "15 / H -> 0"},
                   tolerance="covariance: 10% of max K + 4 stderr; kurtosis x H: 25% + 4 stderr")


@cached
def _ntk_slopes(seed: int, full: bool):
    from dynsys.wide import linearisation_gap

    widths = (16, 64, 256, 1024)
    seeds = range(seed, seed + (6 if full else 3))
    runs = [linearisation_gap(widths, n_steps=100, activation="tanh", seed=s) for s in seeds]
    logw = np.log(widths)
    slopes = [float(np.polyfit(logw, np.log(r.gap), 1)[0]) for r in runs]
    return widths, runs, slopes


@claim("dynsys.wide.ntk_linearisation",
       statement="'Infinity-width limit > Neural Tangent Kernel (like the first-order Taylor expansion "
                 "of a NN about its initial parameters)': gradient descent on a wide network stays "
                 "close to gradient descent on its linearisation, the closer the wider",
       source=f"{OUTLINE}; A. Jacot, F. Gabriel, C. Hongler, 'Neural tangent kernel', NeurIPS 2018; "
              "J. Lee et al., 'Wide neural networks of any depth evolve as linear models under "
              "gradient descent', NeurIPS 2019",
       method="one-hidden-layer tanh network in the NTK parametrisation (d=3, 16 random targets) and "
              "its first-order Taylor expansion, both trained by 100 full-batch gradient steps "
              "(lr 1) from the same initial parameters, widths 16, 64, 256, 1024; gap = |f_net - "
              "f_lin| / |f_lin - f_0| on 32 test inputs; the slope of log gap on log width, over 3 "
              "seeds (mean +- 4 stderr), must be negative",
       counterfactual={"shrinks": False},
       counterfactual_text="the gap between the network and its linearisation does not shrink "
                           "with width (slope >= 0)")
def _ntk_linearisation(ctx: Context, *, shrinks: bool = True) -> Verdict:
    widths, runs, slopes = _ntk_slopes(ctx.seed, ctx.full)
    m, se = mean_se(slopes)
    gaps = np.mean([r.gap for r in runs], axis=0)
    lo, hi = (-math.inf, 0.0) if shrinks else (0.0, math.inf)
    return compare_range(
        m, lo, hi, stderr=se,
        evidence=f"mean relative gap by width {list(widths)}: {fmt_list(gaps, 3)}; slopes per seed "
                 f"{fmt_list(slopes, 3)} (Lee et al. bound: <= -0.5; Dyer & Gur-Ari: -1); final "
                 f"train loss at width 1024 {fmt_list([r.train_loss[-1] for r in runs], 3)} "
                 f"(0.5 x target variance ~ 0.5 untrained).",
        measured_label=round(m, 3), expected_label="slope < 0" if shrinks else "slope >= 0")


@cached
def _logistic_problem():
    import torch
    from sklearn.datasets import load_breast_cancer

    X, y = load_breast_cancer(return_X_y=True)
    X = (X - X.mean(0)) / X.std(0)
    X = torch.as_tensor(np.c_[X, np.ones(len(X))])
    return X, torch.as_tensor(y, dtype=torch.float64)


@cached
def _responses():
    """IFT and central finite differences for theta = log L2 strength, and for one example's weight."""
    import torch

    from dynsys.response import implicit_response, newton_argmin

    X, y = _logistic_problem()
    i = int(np.flatnonzero(y.numpy() == 0)[0])

    def per_example(w):
        z = X @ w
        return torch.nn.functional.softplus(z) - y * z

    def by_strength(w, th):              # theta = log of the L2 strength (bias not penalised)
        return per_example(w).mean() + 0.5 * torch.exp(th) * (w[:-1] ** 2).sum()

    def by_weight(w, eps):               # theta = extra weight of example i (influence function)
        ell = per_example(w)
        return ell.mean() + eps * ell[i] + 0.5e-2 * (w[:-1] ** 2).sum()

    out, h = {}, 1e-4
    w0 = torch.zeros(X.shape[1], dtype=torch.float64)
    for name, loss, th in (("log L2 strength", by_strength, math.log(1e-2)), ("weight of one example", by_weight, 0.0)):
        ws = newton_argmin(loss, w0, th)
        ift = implicit_response(loss, ws, th)
        fd = (newton_argmin(loss, ws, th + h) - newton_argmin(loss, ws, th - h)) / (2 * h)
        out[name] = (ift.numpy(), fd.numpy())
    return out


@claim("dynsys.response.implicit_function",
       statement="the response function w* = r(theta) of note 001 has the derivative given by the "
                 "Implicit Function Theorem, dr/dtheta = -H^-1 d^2L/dw dtheta (H the Hessian in w at "
                 "the optimum), for a hyperparameter and for the weight of one training example "
                 "(the influence function)",
       source=f"{OUTLINE} ('Influence functions', 'response function ... Implicit Function Theorem'); "
              "S. G. Krantz, H. R. Parks, 'The Implicit Function Theorem' (2002); P. W. Koh, P. Liang, "
              "'Understanding black-box predictions via influence functions', ICML 2017",
       method="L2-regularised logistic regression on the standardised breast-cancer data (569 x 30, "
              "float64): the IFT derivative (torch autodiff) against central finite differences "
              "(h = 1e-4) of the optimum found by Newton's method, for theta = log of the L2 "
              "strength (1e-2) and theta = extra weight of one training example; relative error "
              "below 1e-5",
       counterfactual={"sign": 1.0},
       counterfactual_text="dr/dtheta = +H^-1 d^2L/dw dtheta (the sign flipped)")
def _implicit_function(ctx: Context, *, sign: float = -1.0) -> Verdict:
    parts, errs = [], {}
    for name, (ift, fd) in _responses().items():
        predicted = -sign * ift          # implicit_response returns -H^-1 d^2L/dw dtheta
        err = float(np.linalg.norm(predicted - fd) / np.linalg.norm(fd))
        errs[name] = err
        parts.append(compare(err, 0.0, atol=1e-5,
                             evidence=f"{name}: |IFT - finite differences| / |finite differences| = "
                                      f"{err:.2e} (|dw*/dtheta| = {np.linalg.norm(fd):.3g})."))
    return combine(parts, measured={k: f"{v:.2e}" for k, v in errs.items()}, expected="relative error 0",
                   tolerance="atol 1e-5")

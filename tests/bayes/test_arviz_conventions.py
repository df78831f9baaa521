"""ArviZ conventions of bayes.sample and SGLD results (issue 13, item 9), checked against WAIC oracles.

Oracles:
- WAIC by hand from the pointwise values (Watanabe 2010; Gelman, Hwang & Vehtari 2014):
  lppd = sum_i log mean_s p(y_i | w_s), p_waic = sum_i Var_s log p(y_i | w_s) (ArviZ: ddof 0);
- the exact p_waic of the Gaussian posterior of a conjugate model: with a_i = y_i - x_i.m and
  s_i^2 = x_i^T S x_i (posterior mean m, covariance S), log N(y_i | x_i.w, sigma^2) has posterior
  variance (a_i^2 s_i^2 + s_i^4 / 2) / sigma^4, so p_waic = sum_i of that; it tends to d (the regular
  limit) as n grows;
- negative control: the old layout (the total log likelihood as one observation) gives p_waic ~ d/2.
"""

from __future__ import annotations

import warnings

import arviz as az
import numpy as np
import pytest
import torch

import bayes
from bayes import LinearRegressionModel, NormalMeanModel, sample


def _waic_by_hand(ll):
    """(elpd_waic, p_waic) from pointwise values ll of shape (chain, draw, n)."""
    s = ll.reshape(-1, ll.shape[-1])
    m = s.max(axis=0)
    lppd = np.sum(m + np.log(np.mean(np.exp(s - m), axis=0)))
    p = np.sum(np.var(s, axis=0))
    return lppd - p, p


def _exact_p_waic(model, beta):
    post = model.posterior(beta)
    x = np.ones((model.n, 1)) if isinstance(model, NormalMeanModel) else model.x
    a = model.y - x @ post.mean
    s2 = np.einsum("ij,jk,ik->i", x, post.cov, x)
    return float(np.sum(a ** 2 * s2 + 0.5 * s2 ** 2) / model.sigma ** 4)


def _p_waic_and_se(ll, groups=8):
    """p_waic of all draws and its standard error from `groups` disjoint groups of walkers."""
    p_all = _waic_by_hand(ll)[1]
    parts = [_waic_by_hand(g)[1] for g in np.array_split(ll, groups, axis=0)]
    return p_all, float(np.std(parts, ddof=1) / np.sqrt(groups))


MODELS = {
    "normal": NormalMeanModel.simulate(50, theta=0.7, sigma=1.0, prior_std=2.0, seed=0),
    "linreg": LinearRegressionModel.simulate(60, 3, sigma=0.8, prior_std=1.0, seed=1),
}


@pytest.mark.parametrize("name", list(MODELS))
def test_log_likelihood_group_matches_waic_by_hand_and_the_exact_value(name):
    m = MODELS[name]
    idata = sample(m.density(1.0), np.zeros(m.dim), 2500, seed=3, progress=False, quiet=True)
    # layout: named dims, one value per observation, observed data
    ll = idata.log_likelihood["w"]
    assert ll.dims == ("chain", "draw", "obs") and ll.shape[-1] == m.n
    assert idata.posterior["w"].dims == ("chain", "draw", "param")
    np.testing.assert_array_equal(idata.observed_data["w"].values, m.y)
    assert "log_likelihood" not in idata.sample_stats
    # ArviZ's WAIC is the WAIC of the pointwise values
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = az.waic(idata, scale="log")
    elpd, p = _waic_by_hand(ll.values)
    assert res.n_data_points == m.n
    assert res.elpd_waic == pytest.approx(elpd, rel=1e-10) and res.p_waic == pytest.approx(p, rel=1e-10)
    # ... and the sampled p_waic agrees with the exact one of the Gaussian posterior (4 standard errors)
    p_hat, se = _p_waic_and_se(ll.values)
    exact = _exact_p_waic(m, 1.0)
    assert abs(p_hat - exact) < 4 * se, (p_hat, exact, se)
    assert abs(exact - m.dim) < 0.35 * m.dim              # regular model: p_waic -> d


def test_p_waic_tends_to_d_in_the_regular_limit():
    # the exact p_waic of the normal-mean posterior at n = 50, 500, 5000 approaches d = 1 like 1/n
    gaps = [abs(_exact_p_waic(NormalMeanModel.simulate(n, theta=0.3, seed=n), 1.0) - 1.0) for n in (50, 500, 5000)]
    assert gaps[2] < 0.06 and gaps[2] < gaps[0]


def test_negative_control_total_log_likelihood_as_one_observation_is_wrong():
    # what sample() used to store (issue 13): one "observation" per draw, the total; p_waic ~ d/2
    m = MODELS["normal"]
    idata = sample(m.density(1.0), np.zeros(1), 2500, seed=3, progress=False, quiet=True)
    total = -idata.sample_stats["energy"].values[..., None]
    p_hat, se = _p_waic_and_se(total)
    assert abs(p_hat - _exact_p_waic(m, 1.0)) > 4 * se
    assert abs(p_hat - 0.5) < 0.15


def test_density_without_observations_has_no_log_likelihood_group():
    idata = sample(lambda w: -0.5 * (w ** 2).sum(-1), np.zeros(2), 200, seed=0, progress=False, quiet=True)
    assert not hasattr(idata, "log_likelihood") or "log_likelihood" not in idata.groups()
    with pytest.raises(Exception):     # ArviZ refuses rather than computing a wrong WAIC
        az.waic(idata)


def test_gaussian_likelihood_gives_pointwise_values_to_tempered():
    y = np.random.default_rng(0).normal(0.3, 1.0, 20)
    dens = bayes.tempered(bayes.GaussianLikelihood(y), bayes.GaussianPrior(dim=1), 0.5)
    w = np.array([[0.1], [0.4]])
    pw = dens.pointwise_log_likelihood(w)
    assert pw.shape == (2, 20)
    np.testing.assert_allclose(pw.sum(-1), -dens.energy(w), rtol=1e-12)
    g = bayes.gibbs(bayes.EmpiricalRisk(bayes.squared_loss, y), bayes.GaussianPrior(dim=1), beta=1.0)
    np.testing.assert_allclose(g.pointwise_log_likelihood(w).sum(-1), -g.energy(w), rtol=1e-12)


def test_sgld_result_to_inference_data_waic():
    m = MODELS["normal"]
    y = torch.as_tensor(m.y)

    def loss(w, yb):
        return 0.5 * ((yb - w[0]) ** 2).mean()   # the Gaussian model's mean loss up to constants (sigma = 1)

    res = bayes.sgld(loss, torch.zeros(1, dtype=torch.float64), (y,), n_chains=4, n_steps=600, step_size=2e-3,
                     beta=1.0, n=m.n, burn=100, seed=0, progress=False)
    idata = res.to_inference_data(log_likelihood=m.per_sample, observed=m.y)
    ll = idata.log_likelihood["w"]
    assert ll.dims == ("chain", "draw", "obs") and ll.shape == (4, 500, m.n)
    assert idata.sample_stats["loss"].shape == (4, 500)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res_w = az.waic(idata, scale="log")
    elpd, p = _waic_by_hand(ll.values)
    assert res_w.elpd_waic == pytest.approx(elpd, rel=1e-10) and res_w.p_waic == pytest.approx(p, rel=1e-10)
    with pytest.raises(ValueError, match="`log_likelihood` must return one row"):
        res.to_inference_data(log_likelihood=lambda w: w.sum())

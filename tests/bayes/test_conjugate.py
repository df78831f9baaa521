"""Exact oracles of bayes.conjugate: checked against independent computations.

Oracles: numerical quadrature of the normaliser, the two independent closed forms
(normal mean vs. regression on a column of ones), finite differences of log Z
(d/dbeta log Z = -E_beta[n L_n], d^2/dbeta^2 log Z = Var_beta[n L_n]), exact sampling
from the Gaussian posterior, and textbook limits (beta = 0 is the prior).
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, stats

from bayes.conjugate import LinearRegressionModel, NormalMeanModel
from bayes.strategies import betas, linear_regression_models, normal_mean_models


@given(normal_mean_models(), betas())
def test_normal_mean_equals_regression_on_ones(m, beta):
    lr = m.as_linear_regression()
    pm, pl = m.posterior(beta), lr.posterior(beta)
    np.testing.assert_allclose(pm.mean, pl.mean, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(pm.cov, pl.cov, rtol=1e-9, atol=1e-14)
    scale = 1 + abs(m.log_evidence(beta))
    assert abs(m.log_evidence(beta) - lr.log_evidence(beta)) < 1e-9 * scale
    assert abs(m.mean_energy(beta) - lr.mean_energy(beta)) < 1e-9 * (1 + abs(m.mean_energy(beta)))
    assert abs(m.var_energy(beta) - lr.var_energy(beta)) < 1e-8 * (1 + m.var_energy(beta))


@given(normal_mean_models(max_n=20), st.sampled_from([0.1, 0.5, 1.0, 2.0]))
@settings(max_examples=10)
def test_log_evidence_matches_quadrature(m, beta):
    # oracle: direct numerical integration of p(D|theta)^beta phi(theta)
    c = m.log_evidence(beta)
    post = m.posterior(beta)
    mu, sd = post.mean[0], math.sqrt(post.cov[0, 0])

    def f(t):
        w = np.array([t])
        return math.exp(beta * m.log_likelihood(w) + m.log_prior(w) - c)

    val, _ = integrate.quad(f, mu - 12 * sd, mu + 12 * sd, points=[mu], limit=200)
    assert abs(val - 1.0) < 1e-7


@given(linear_regression_models(max_d=3), st.floats(0.05, 3.0))
def test_derivative_identities_by_finite_differences(m, beta):
    # d/dbeta log Z = -E_beta[n L_n];  d^2/dbeta^2 log Z = Var_beta[n L_n]
    h = 1e-4 * max(beta, 0.1)
    lz = m.log_evidence(np.array([beta - h, beta, beta + h]))
    d1 = (lz[2] - lz[0]) / (2 * h)
    d2 = (lz[2] - 2 * lz[1] + lz[0]) / h ** 2
    e, v = m.mean_energy(beta), m.var_energy(beta)
    assert abs(-d1 - e) < 1e-5 * (1 + abs(e)) + 1e-6 * abs(lz[1])
    assert abs(d2 - v) < 2e-3 * (1 + v) + 1e-6 * abs(lz[1]) / h


@pytest.mark.parametrize("beta", [0.1, 0.5, 1.0, 2.0])
def test_energy_moments_by_exact_sampling(beta):
    # oracle: iid draws from the exact Gaussian posterior; 4-standard-error tolerance
    m = LinearRegressionModel.simulate(40, 3, sigma=0.8, seed=11)
    post = m.posterior(beta)
    w = np.random.default_rng(5).multivariate_normal(post.mean, post.cov, 200_000)
    e = m.energy(w)
    se_mean = e.std() / math.sqrt(e.size)
    assert abs(e.mean() - m.mean_energy(beta)) < 4 * se_mean
    # variance: se of the sample variance ~ sqrt((mu4 - s^4)/N)
    s2 = e.var()
    se_var = math.sqrt(np.mean((e - e.mean()) ** 4) - s2 ** 2) / math.sqrt(e.size)
    assert abs(s2 - m.var_energy(beta)) < 4 * se_var
    # negative control: a wrong posterior (variance x 1.2) fails the same test
    wrong = np.random.default_rng(5).multivariate_normal(post.mean, 1.2 * post.cov, 200_000)
    assert abs(m.energy(wrong).mean() - m.mean_energy(beta)) > 4 * se_mean


@given(normal_mean_models())
def test_beta_zero_is_the_prior(m):
    p = m.posterior(0.0)
    assert p.mean[0] == pytest.approx(m.prior_mean)
    assert p.cov[0, 0] == pytest.approx(m.prior_std ** 2)
    assert m.log_evidence(0.0) == 0.0


@given(normal_mean_models(), st.floats(0.0, 3.0), st.floats(0.0, 3.0))
def test_log_evidence_is_convex_and_posterior_tightens(m, b1, b2):
    lo, hi = sorted([b1, b2])
    # Var >= 0 means log Z is convex; the posterior variance decreases in beta
    assert m.var_energy(lo) >= 0
    assert m.posterior(hi).cov[0, 0] <= m.posterior(lo).cov[0, 0] * (1 + 1e-12)
    # E_beta[n L_n] is non-increasing in beta (its derivative is -Var)
    assert m.mean_energy(hi) <= m.mean_energy(lo) + 1e-9 * (1 + abs(m.mean_energy(lo)))


def test_normal_mean_textbook_values():
    # Bishop (2006) eq. 2.141-2.142 at beta = 1: mu_N = (sigma^2 mu0 + n tau0^2 ybar)/(n tau0^2 + sigma^2)
    y = np.array([1.0, 2.0, 4.0])
    m = NormalMeanModel(y, sigma=2.0, prior_mean=1.0, prior_std=0.5)
    mu_n = (4.0 * 1.0 + 3 * 0.25 * y.mean()) / (3 * 0.25 + 4.0)
    var_n = 1.0 / (1 / 0.25 + 3 / 4.0)
    post = m.posterior(1.0)
    assert post.mean[0] == pytest.approx(mu_n, rel=1e-12)
    assert post.cov[0, 0] == pytest.approx(var_n, rel=1e-12)
    # log evidence at beta = 1 is the marginal density of y: N(y | mu0 1, sigma^2 I + tau0^2 11^T)
    cov = 4.0 * np.eye(3) + 0.25 * np.ones((3, 3))
    assert m.log_evidence(1.0) == pytest.approx(stats.multivariate_normal(np.ones(3), cov).logpdf(y), rel=1e-12)


def test_regression_evidence_is_marginal_likelihood():
    m = LinearRegressionModel.simulate(15, 3, sigma=0.7, prior_std=1.3, seed=3)
    cov = m.sigma ** 2 * np.eye(m.n) + m.x @ m.prior_cov @ m.x.T
    ref = stats.multivariate_normal(m.x @ m.prior_mean, cov).logpdf(m.y)
    assert m.log_evidence(1.0) == pytest.approx(ref, rel=1e-10)
    # tempered: p(D|w)^beta = (2 pi sigma^2)^((1-beta) n/2) beta^(-n/2) N(y | Xw, sigma^2/beta)
    b = 0.3
    cov_b = m.sigma ** 2 / b * np.eye(m.n) + m.x @ m.prior_cov @ m.x.T
    ref_b = (0.5 * (1 - b) * m.n * math.log(2 * math.pi * m.sigma ** 2) - 0.5 * m.n * math.log(b)
             + stats.multivariate_normal(m.x @ m.prior_mean, cov_b).logpdf(m.y))
    assert m.log_evidence(b) == pytest.approx(ref_b, rel=1e-10)


def test_vectorised_in_beta():
    m = NormalMeanModel.simulate(10, seed=0)
    bs = np.array([0.0, 0.5, 2.0])
    np.testing.assert_allclose(m.log_evidence(bs), [m.log_evidence(b) for b in bs])
    np.testing.assert_allclose(m.mean_energy(bs), [m.mean_energy(b) for b in bs])
    np.testing.assert_allclose(m.var_energy(bs), [m.var_energy(b) for b in bs])


def test_density_matches_model_parts():
    m = LinearRegressionModel.simulate(12, 2, seed=1)
    dens = m.density(0.7)
    w = np.random.default_rng(0).standard_normal((5, 2))
    np.testing.assert_allclose(dens(w), 0.7 * m.log_likelihood(w) + m.log_prior(w))
    np.testing.assert_allclose(dens.energy(w), m.energy(w))


@pytest.mark.parametrize("kwargs, match", [
    (dict(y=[1.0], sigma=0.0), "`sigma` must be a positive"),
    (dict(y=[], sigma=1.0), "`y` must have at least 1"),
    (dict(y=[1.0], prior_std=-1.0), "`prior_std` must be a positive"),
    (dict(y=[np.nan]), "`y` must be finite"),
])
def test_normal_mean_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        NormalMeanModel(**kwargs)


@pytest.mark.parametrize("beta, match", [(-0.1, "`beta` must be a non-negative"),
                                         (math.inf, "`beta` must be a non-negative"),
                                         (math.nan, "`beta` must be a non-negative")])
def test_bad_beta(beta, match):
    m = NormalMeanModel([0.0, 1.0])
    for f in (m.posterior, m.log_evidence, m.mean_energy, m.var_energy, m.density):
        with pytest.raises(ValueError, match=match):
            f(beta)
    with pytest.raises(ValueError, match="`beta` must be non-negative"):
        m.log_evidence(np.array([0.5, beta]))


def test_regression_bad_input():
    with pytest.raises(ValueError, match="`y` must have one entry per row"):
        LinearRegressionModel(np.ones((3, 2)), np.ones(4))
    with pytest.raises(ValueError, match="`prior_cov` must be positive definite"):
        LinearRegressionModel(np.ones((3, 2)), np.ones(3), prior_cov=[[1.0, 2.0], [2.0, 1.0]])
    with pytest.raises(ValueError, match="`prior_mean` must be a scalar or have length 2"):
        LinearRegressionModel(np.ones((3, 2)), np.ones(3), prior_mean=[0.0, 0.0, 0.0])
    with pytest.raises(ValueError, match="`n` must be >= 1"):
        LinearRegressionModel.simulate(0, 2)


@given(st.floats(0.05, 0.95), st.floats(0.0, 3.0))
@settings(max_examples=15)
def test_spike_model_normaliser_matches_quadrature(a, beta):
    from bayes.conjugate import SpikeModel

    x = 0.0      # at x = 0 floating point resolves theta - x down to 1e-300
    m = SpikeModel(x=x, a=a)
    if a * beta >= 0.97:          # improper (or too close to the edge for quadrature); exact says inf
        assert m.log_evidence(beta) == math.inf or a * beta < 1
        return
    d = m.density(beta)
    # substitute t = |theta - x| = u^(1/(1 - a beta)) to remove the integrable singularity
    k = 1 - a * beta
    f = (lambda u: (math.exp(d([x + u ** (1 / k)])) + math.exp(d([x - u ** (1 / k)]))) * u ** (1 / k - 1) / k)
    val, _ = integrate.quad(f, 1e-300 ** k, 1.0, limit=200)    # t >= 1e-300; the rest is < 1e-9
    assert math.log(val) == pytest.approx(m.log_evidence(beta), abs=1e-7)
    assert m.truncated_evidence(beta, 1e-12) <= math.exp(m.log_evidence(beta)) * (1 + 1e-12)


def test_spike_model_critical_beta():
    from bayes.conjugate import SpikeModel

    m = SpikeModel(a=0.25)
    assert m.critical_beta == 4.0
    assert math.isfinite(m.log_evidence(3.9)) and m.log_evidence(4.0) == math.inf
    # at the critical beta the truncated normaliser grows like log(1/eps)
    z = [m.truncated_evidence(4.0, e) for e in (1e-2, 1e-4, 1e-8)]
    assert z[2] - z[1] == pytest.approx(2 * (z[1] - z[0]))
    with pytest.raises(ValueError, match="`a` must be < 1"):
        SpikeModel(a=1.0)


@pytest.mark.parametrize("model", [NormalMeanModel([0.0, 1.0], prior_mean=0.5, prior_std=2.0),
                                   LinearRegressionModel(np.eye(2), [1.0, 2.0], prior_mean=[1.0, -1.0],
                                                         prior_cov=[[2.0, 0.5], [0.5, 1.0]])])
def test_sample_prior_moments(model):
    w = model.sample_prior(100_000, seed=0)
    post0 = model.posterior(0.0)            # beta = 0 is the prior
    se = np.sqrt(np.diag(post0.cov) / w.shape[0])
    assert np.all(np.abs(w.mean(0) - post0.mean) < 4 * se)
    np.testing.assert_allclose(np.cov(w.T).reshape(post0.cov.shape), post0.cov, rtol=0.03, atol=0.03)

"""bayes.posterior: log-density objects, priors, likelihoods and losses.

Oracles: scipy.stats densities, quadrature normalisation of the priors, the
Gibbs/Gaussian correspondence sigma^2 = 1/(2 beta) (exact algebra), and limits
(beta = 0 gives the prior).
"""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import integrate, stats

from bayes.posterior import (BernoulliLikelihood, CategoricalLikelihood, EmpiricalRisk, GaussianLikelihood,
                             GaussianPrior, LaplacePrior, UniformPrior, absolute_loss, gibbs, squared_loss,
                             tempered)
from bayes.strategies import betas

points = st.integers(1, 4).flatmap(
    lambda d: st.tuples(st.just(d), st.lists(st.lists(st.floats(-3, 3), min_size=d, max_size=d),
                                             min_size=1, max_size=6)))


def _lin(n=8, p=2, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, p))
    return x, x @ rng.standard_normal(p) + 0.3 * rng.standard_normal(n)


@given(points, betas())
def test_batch_and_single_point_agree(dw, beta):
    d, rows = dw
    w = np.array(rows)
    x, y = _lin(p=d)
    post = tempered(GaussianLikelihood(y, x=x, sigma=0.7), LaplacePrior(0.0, 2.0, dim=d), beta)
    batch = post(w)
    assert batch.shape == (w.shape[0],)
    np.testing.assert_allclose(batch, [post(row) for row in w], rtol=1e-12, atol=1e-12)
    lp, en = post.parts(w)
    np.testing.assert_allclose(batch, lp - beta * en, rtol=1e-12, atol=1e-10)
    # a non-vectorised user function gives the same numbers
    slow = tempered(lambda v: float(GaussianLikelihood(y, x=x, sigma=0.7)(v)),
                    lambda v: float(LaplacePrior(0.0, 2.0, dim=d)(v)), beta, vectorized=False, dim=d)
    np.testing.assert_allclose(slow(w), batch, rtol=1e-12, atol=1e-12)


@given(points)
def test_beta_zero_gives_the_prior(dw):
    d, rows = dw
    w = np.array(rows)
    prior = GaussianPrior(0.5, 1.5, dim=d)
    x, y = _lin(p=d)
    np.testing.assert_allclose(tempered(GaussianLikelihood(y, x=x), prior, 0.0)(w), prior(w))
    np.testing.assert_allclose(gibbs(EmpiricalRisk(squared_loss, y, x=x), prior, beta=0.0)(w), prior(w))


@given(points, st.floats(0.01, 5.0))
def test_gibbs_squared_loss_is_gaussian_with_sigma2_half_over_beta(dw, beta):
    # exp(-beta sum (y - f)^2) = exp(-sum (y - f)^2 / (2 sigma^2)) with sigma^2 = 1/(2 beta):
    # the two log densities differ by the w-independent constant n/2 log(2 pi sigma^2)
    d, rows = dw
    w = np.array(rows)
    x, y = _lin(p=d)
    prior = GaussianPrior(dim=d)
    g = gibbs(EmpiricalRisk(squared_loss, y, x=x), prior, beta=beta)
    t = tempered(GaussianLikelihood(y, x=x, sigma=math.sqrt(1 / (2 * beta))), prior, 1.0)
    diff = g(w) - t(w)
    const = 0.5 * len(y) * math.log(2 * math.pi / (2 * beta))
    np.testing.assert_allclose(diff, const, rtol=1e-9, atol=1e-9 * (1 + abs(const)))


def test_gibbs_uses_n_times_risk():
    risk = EmpiricalRisk(absolute_loss, [1.0, -1.0, 3.0])
    g = gibbs(risk, UniformPrior(-10, 10), beta=0.5)
    assert g.n == 3
    assert g.energy([0.0]) == pytest.approx(5.0)       # 3 * mean(1, 1, 3)
    assert g([0.0]) == pytest.approx(-math.log(20) - 2.5)
    assert gibbs(lambda w: (w[..., 0] - 1) ** 2, GaussianPrior(), beta=1.0, n=10).energy([3.0]) == 40.0


@pytest.mark.parametrize("prior, lo, hi", [
    (GaussianPrior(0.3, 0.7), -8, 8), (LaplacePrior(-0.2, 0.4), -12, 12), (UniformPrior(-1.5, 2.0), -1.5, 2.0)])
def test_priors_are_normalised(prior, lo, hi):
    val, _ = integrate.quad(lambda t: math.exp(prior(np.array([t]))), lo, hi, limit=200, points=[0.0])
    assert val == pytest.approx(1.0, abs=1e-8)


def test_priors_against_scipy_and_sampling():
    w = np.random.default_rng(0).standard_normal((7, 3))
    np.testing.assert_allclose(GaussianPrior([0, 1, 2], [1, 2, 3], dim=3)(w),
                               stats.norm([0, 1, 2], [1, 2, 3]).logpdf(w).sum(-1))
    np.testing.assert_allclose(LaplacePrior(0.5, 2.0, dim=3)(w), stats.laplace(0.5, 2.0).logpdf(w).sum(-1))
    u = UniformPrior(-1, 1, dim=3)
    assert np.all(np.isfinite(u(u.sample(50, seed=1))))
    s = LaplacePrior(1.0, 0.5, dim=2).sample(20_000, seed=2)
    assert abs(s.mean() - 1.0) < 4 * 0.5 * math.sqrt(2) / math.sqrt(s.size)
    # same seed, same numbers
    np.testing.assert_array_equal(GaussianPrior(dim=2).sample(5, seed=3), GaussianPrior(dim=2).sample(5, seed=3))


def test_gaussian_prior_accepts_torch():
    torch = pytest.importorskip("torch")
    p = GaussianPrior(0.5, 2.0, dim=2)
    w = np.random.default_rng(0).standard_normal((4, 2))
    np.testing.assert_allclose(p(torch.tensor(w)).numpy(), p(w))
    np.testing.assert_allclose(LaplacePrior(dim=2)(torch.tensor(w)).numpy(), LaplacePrior(dim=2)(w))


def test_likelihoods_against_scipy():
    x, y = _lin(n=6, p=2)
    w = np.random.default_rng(1).standard_normal((3, 2))
    np.testing.assert_allclose(GaussianLikelihood(y, x=x, sigma=0.5)(w),
                               stats.norm(w @ x.T, 0.5).logpdf(y).sum(-1))
    yb = (y > 0).astype(float)
    p = 1 / (1 + np.exp(-(w @ x.T)))
    np.testing.assert_allclose(BernoulliLikelihood(yb, x=x)(w), stats.bernoulli(p).logpmf(yb).sum(-1))
    yc = np.array([0, 2, 1, 1, 0, 2])
    wc = np.random.default_rng(2).standard_normal((3, 6))
    logits = np.einsum("bkp,np->bnk", wc.reshape(3, 3, 2), x)
    ref = (logits - np.log(np.exp(logits).sum(-1, keepdims=True)))[:, np.arange(6), yc].sum(-1)
    np.testing.assert_allclose(CategoricalLikelihood(yc, x=x, n_classes=3)(wc), ref)
    # a user model
    lik = GaussianLikelihood(y, x=x[:, 0], model=lambda w, xx: w[..., :1] * np.tanh(w[..., 1:2] * xx[:, 0]))
    np.testing.assert_allclose(lik(w), stats.norm(w[:, :1] * np.tanh(w[:, 1:2] * x[:, 0]), 1).logpdf(y).sum(-1))


def test_losses_and_risk():
    pred, y = np.array([0.0, 1.0, -2.0]), np.array([1.0, 1.0, 1.0])
    np.testing.assert_allclose(squared_loss(pred, y), [1, 0, 9])
    np.testing.assert_allclose(absolute_loss(pred, y), [1, 0, 3])
    # any user loss turns into a probability: a pinball (quantile) loss
    pinball = (lambda f, yy: np.maximum(0.3 * (yy - f), -0.7 * (yy - f)))
    r = EmpiricalRisk(pinball, [0.0, 1.0, 2.0, 10.0])
    g = gibbs(r, GaussianPrior(0.0, 10.0), beta=1.0)
    grid = np.linspace(-40, 50, 20001)[:, None]
    z = np.trapezoid(np.exp(g(grid)), grid[:, 0])
    assert 0 < z < np.inf


def test_exposed_parts_and_with_beta():
    x, y = _lin()
    post = tempered(GaussianLikelihood(y, x=x), GaussianPrior(dim=2), 0.5)
    w = np.zeros(2)
    assert post.log_likelihood(w) == pytest.approx(GaussianLikelihood(y, x=x)(w))
    assert post.with_beta(2.0)(w) == pytest.approx(post.log_prior(w) + 2.0 * post.log_likelihood(w))
    assert post.kind == "tempered" and post.n == 8 and post.dim == 2
    lp, en = UniformPrior(-1, 1), None
    u = tempered(lambda v: -v[..., 0] ** 2, lp, 1.0)
    assert u([2.0]) == -math.inf
    np.testing.assert_array_equal(u(np.array([[0.0], [2.0]])), [0.0 - math.log(2), -math.inf])


@pytest.mark.parametrize("beta", [-1.0, math.inf, math.nan])
def test_bad_beta_raises(beta):
    with pytest.raises(ValueError, match="`beta` must be a non-negative finite number"):
        tempered(GaussianLikelihood([0.0]), GaussianPrior(), beta)
    with pytest.raises(ValueError, match="`beta` must be a non-negative finite number"):
        gibbs(EmpiricalRisk(squared_loss, [0.0]), GaussianPrior(), beta=beta)


def test_bad_inputs_raise():
    with pytest.raises(ValueError, match="`n` must be >= 1"):
        gibbs(lambda w: 0.0, GaussianPrior(), beta=1.0, n=0)
    with pytest.raises(ValueError, match="`n` must be given"):
        gibbs(lambda w: 0.0, GaussianPrior(), beta=1.0)
    with pytest.raises(ValueError, match="`w` must have last axis of length 2"):
        tempered(GaussianLikelihood([0.0, 1.0], x=np.ones((2, 2))), GaussianPrior(dim=2), 1.0)(np.zeros(3))
    with pytest.raises(ValueError, match="`std` must be positive"):
        GaussianPrior(0.0, 0.0)
    with pytest.raises(ValueError, match="`high` must exceed `low`"):
        UniformPrior(1.0, 1.0)
    with pytest.raises(ValueError, match="`y` must contain only 0 and 1"):
        BernoulliLikelihood([0, 2])
    with pytest.raises(ValueError, match="`y` must contain integer labels in 0..2"):
        CategoricalLikelihood([0, 3], n_classes=3)
    with pytest.raises(ValueError, match="`sigma` must be a positive"):
        GaussianLikelihood([0.0], sigma=-1.0)
    with pytest.raises(ValueError, match="`x` must have one row per observation"):
        GaussianLikelihood([0.0, 1.0], x=np.ones((3, 1)))
    with pytest.raises(ValueError, match="vectorised function returned shape"):
        tempered(lambda w: 0.0, GaussianPrior(), 1.0)(np.zeros((3, 1)))
    with pytest.raises(TypeError, match="`loss` must be a callable"):
        EmpiricalRisk("l2", [0.0])

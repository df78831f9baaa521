"""bayes.evidence: thermodynamic integration and WBIC against the exact conjugate answers."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bayes.conjugate import LinearRegressionModel, NormalMeanModel
from bayes.evidence import beta_ladder, log_evidence, ti_quadrature, wbic
from bayes.posterior import GaussianPrior
from bayes.sample import energy_draws, mean_with_error, sample
from bayes.strategies import linear_regression_models

NM = NormalMeanModel.simulate(50, theta=0.7, sigma=1.3, prior_mean=0.2, prior_std=2.0, seed=1)
LR = LinearRegressionModel.simulate(60, 3, sigma=0.8, seed=3)


@given(st.lists(st.floats(-5, 5), min_size=4, max_size=4), st.integers(3, 30), st.floats(1.0, 5.0))
def test_corrected_trapezoid_is_exact_for_cubics(coef, k, power):
    # E(beta) = a + b beta + c beta^2 + d beta^3, Var = -E'; -int_0^1 E = -(a + b/2 + c/3 + d/4)
    a, b, c, d = coef
    bs = beta_ladder(k, power=power)
    e = a + b * bs + c * bs ** 2 + d * bs ** 3
    v = -(b + 2 * c * bs + 3 * d * bs ** 2)
    lz, _ = ti_quadrature(bs, e, v)
    assert lz == pytest.approx(-(a + b / 2 + c / 3 + d / 4), abs=1e-9)


@given(linear_regression_models(max_d=3))
def test_quadrature_of_exact_energies_is_within_its_error(m):
    bs = beta_ladder(24, power=4.0)
    lz, err = ti_quadrature(bs, m.mean_energy(bs), m.var_energy(bs))
    exact = m.log_evidence(1.0)
    assert abs(lz - exact) <= err + 1e-9 * (1 + abs(exact))
    # and the plain trapezoid is worse than the corrected one
    plain, _ = ti_quadrature(bs, m.mean_energy(bs))
    assert abs(lz - exact) <= abs(plain - exact) + 1e-9


@pytest.mark.parametrize("model", [NM, LR], ids=["normal_mean", "linreg"])
def test_thermodynamic_integration_within_1_percent(model):
    exact = model.log_evidence(1.0)
    res = log_evidence(model.log_likelihood, model.log_prior, initial=np.zeros(model.dim), n_betas=10,
                       n_steps=500, seed=0, progress=False)
    assert abs(res.log_z - exact) < 0.01 * abs(exact)
    assert abs(res.log_z - exact) < 4 * res.stderr + 1e-3      # the stated error covers the truth
    np.testing.assert_allclose(res.betas, beta_ladder(10))
    assert res.plot(exact=model.mean_energy) is not None


def test_ti_with_exact_sampler_and_negative_control():
    # a callable sampler: iid draws from the exact posterior -> only quadrature + MC error remain
    def exact(dens, rng):
        p = NM.posterior(dens.beta)
        w = rng.normal(p.mean[0], math.sqrt(p.cov[0, 0]), size=(4, 2000, 1))
        return NM.energy(w)

    def wrong(dens, rng):   # samples the posterior at 1.3 beta
        return exact(dens.with_beta(1.3 * dens.beta), rng)

    exact_lz = NM.log_evidence(1.0)
    good = log_evidence(NM.log_likelihood, NM.log_prior, sampler=exact, n_betas=16, seed=1, progress=False)
    assert abs(good.log_z - exact_lz) < 4 * good.stderr
    bad = log_evidence(NM.log_likelihood, NM.log_prior, sampler=wrong, n_betas=16, seed=1, progress=False)
    assert abs(bad.log_z - exact_lz) > 4 * bad.stderr


@pytest.mark.parametrize("beta", [0.1, 0.5, 1.0, 2.0])
def test_dlogz_dbeta_is_minus_mean_energy_by_sampling(beta):
    h = 1e-5
    fd = (LR.log_evidence(beta + h) - LR.log_evidence(beta - h)) / (2 * h)
    idata = sample(LR.density(beta), np.zeros(3), 1200, seed=3, progress=False, quiet=True)
    est = mean_with_error(energy_draws(idata))
    assert abs(-fd - est.mean) < 4 * est.stderr


def test_wbic_against_its_definition():
    # WBIC = E_beta[n L_n] at beta = 1 / ln n (Watanabe 2013, eq. 5)
    res = wbic(NM.log_likelihood, NM.log_prior, n=NM.n, initial=[0.0], n_steps=1200, seed=4, progress=False)
    assert res.beta == pytest.approx(1 / math.log(50))
    assert abs(res.value - NM.mean_energy(1 / math.log(50))) < 4 * res.stderr
    # regular model, d = 1: WBIC and -log Z(1) agree to O(1) (both ~ n L_n(w0) + (1/2) ln n)
    assert abs(res.value + NM.log_evidence(1.0)) < 3.0
    # negative control: the posterior mean energy at beta = 1 is not the WBIC
    assert abs(NM.mean_energy(1.0) - res.value) > 4 * res.stderr


def test_wbic_from_prior_draws_and_gaussian_prior_object():
    from bayes.posterior import GaussianLikelihood

    lik = GaussianLikelihood(NM.y, sigma=NM.sigma)
    prior = GaussianPrior(NM.prior_mean, NM.prior_std)
    res = wbic(lik, prior, n_steps=800, seed=5, progress=False)      # n from lik.n, start from prior draws
    assert res.n == 50
    assert abs(res.value - NM.mean_energy(res.beta)) < 4 * res.stderr


def test_bad_inputs():
    with pytest.raises(ValueError, match="`betas` must increase strictly from 0 to 1"):
        log_evidence(NM.log_likelihood, NM.log_prior, betas=[0.0, 0.5, 0.4, 1.0], initial=[0.0])
    with pytest.raises(ValueError, match="`betas` must increase strictly from 0 to 1"):
        ti_quadrature([0.1, 1.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="`initial` must be given"):
        log_evidence(NM.log_likelihood, NM.log_prior)
    with pytest.raises(ValueError, match="`sampler` must be 'emcee' or a callable"):
        log_evidence(NM.log_likelihood, NM.log_prior, sampler="nuts", initial=[0.0])
    with pytest.raises(ValueError, match="`n` must be >= 2"):
        wbic(NM.log_likelihood, NM.log_prior, n=1, initial=[0.0])
    with pytest.raises(ValueError, match="`n` must be given"):
        wbic(NM.log_likelihood, NM.log_prior, initial=[0.0])
    with pytest.raises(ValueError, match="`n_betas` must be >= 2"):
        beta_ladder(1)


@given(st.floats(0.0, 2.5))
def test_normalizer_profile_power_laws(p):
    # int_0^1 t^-p dt converges iff p < 1; per-decade increment ratio is 10^(p - 1)
    from bayes.evidence import normalizer_profile

    if abs(p - 1) < 0.1:
        return                      # too close to the threshold for a 12-decade profile
    prof = normalizer_profile(lambda t: t ** -p)
    assert prof.proper == (p < 1)
    assert prof.ratio == pytest.approx(10 ** (p - 1), rel=1e-6)
    if p < 1:
        assert prof.z[-1] == pytest.approx((1 - 1e-12 ** (1 - p)) / (1 - p), rel=1e-8)


def test_normalizer_profile_bad_eps():
    from bayes.evidence import normalizer_profile

    with pytest.raises(ValueError, match="`eps` must decrease strictly"):
        normalizer_profile(lambda t: 1.0, eps=[1e-3, 1e-2, 1e-4])


@pytest.mark.slow
def test_thermodynamic_integration_long_run():
    # 24 rungs x 3000 steps: the estimate is within its stated error and within 0.3 %
    exact = LR.log_evidence(1.0)
    res = log_evidence(LR.log_likelihood, LR.log_prior, initial=np.zeros(3), n_betas=24, n_steps=3000,
                       seed=7, progress=False)
    assert abs(res.log_z - exact) < 0.003 * abs(exact)
    assert abs(res.log_z - exact) < 4 * res.stderr

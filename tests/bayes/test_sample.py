"""bayes.sample: emcee driver against the exact conjugate posteriors.

Tolerances are 4 Monte Carlo standard errors (sd / sqrt(ESS), ArviZ bulk ESS);
each statistical test has a negative control (a wrong posterior must fail it).
"""

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bayes.conjugate import LinearRegressionModel, NormalMeanModel
from bayes.errors import SamplerDivergenceError, ShortChainWarning
from bayes.posterior import GaussianPrior, tempered
from bayes.strategies import linear_regression_models
from bayes.sample import (diagnostics, draws, energy_draws, ess, integrated_time, mean_with_error,
                          posterior_mean, rhat, sample)

NM = NormalMeanModel.simulate(40, theta=0.8, sigma=1.2, prior_mean=-0.5, prior_std=1.5, seed=3)
LR = LinearRegressionModel.simulate(30, 2, sigma=0.9, prior_std=1.2, seed=4)


def _moment_z(idata, post):
    """z-scores of sampled means and variances against the exact Gaussian posterior."""
    w = draws(idata)
    zs = []
    for j in range(w.shape[-1]):
        m = mean_with_error(w[..., j])
        zs.append((m.mean - post.mean[j]) / m.stderr)
        v = mean_with_error((w[..., j] - post.mean[j]) ** 2)
        zs.append((v.mean - post.cov[j, j]) / v.stderr)
    return np.array(zs)


@pytest.mark.parametrize("model", [NM, LR], ids=["normal_mean", "linreg"])
@pytest.mark.parametrize("beta", [0.1, 0.5, 1.0, 2.0])
def test_tempered_moments_within_4_mcse(model, beta):
    idata = sample(model.density(beta), np.zeros(model.dim), 1500, seed=10, progress=False, quiet=True)
    z = _moment_z(idata, model.posterior(beta))
    assert np.all(np.abs(z) < 4), z
    e = posterior_mean(idata, "energy")
    assert abs(e.mean - model.mean_energy(beta)) < 4 * e.stderr


@pytest.mark.parametrize("beta", [0.5, 2.0])
def test_negative_control_wrong_posterior_fails(beta):
    # sampling the posterior at 1.5 beta must fail the same 4-MCSE test against the beta values
    idata = sample(LR.density(1.5 * beta), np.zeros(2), 1500, seed=10, progress=False, quiet=True)
    z = _moment_z(idata, LR.posterior(beta))
    assert np.any(np.abs(z) > 4), z


def test_records_energy_and_log_prior_of_every_draw():
    dens = LR.density(0.7)
    idata = sample(dens, np.zeros(2), 300, burn=50, thin=2, seed=1, progress=False, quiet=True)
    w = draws(idata)
    assert w.shape == (32, 125, 2)
    np.testing.assert_allclose(energy_draws(idata), LR.energy(w), rtol=1e-12)
    np.testing.assert_allclose(idata.sample_stats["log_prior"].values, LR.log_prior(w), rtol=1e-12)
    # the total log likelihood is not in sample_stats (ArviZ < 1 would read it there as ONE observation
    # and give a wrong WAIC, issue 13); the log_likelihood group holds one value per observation
    assert "log_likelihood" not in idata.sample_stats
    ll = idata.log_likelihood["w"].values
    assert ll.shape == (32, 125, LR.n) and idata.log_likelihood["w"].dims == ("chain", "draw", "obs")
    np.testing.assert_allclose(ll.sum(-1), LR.log_likelihood(w), rtol=1e-12)
    np.testing.assert_allclose(posterior_mean(idata, "log_likelihood").mean, LR.log_likelihood(w).mean(),
                               rtol=1e-12)
    np.testing.assert_allclose(idata.sample_stats["lp"].values, dens(w.reshape(-1, 2)).reshape(32, 125),
                               rtol=1e-12)


def test_pointwise_false_skips_the_log_likelihood_group_only():
    dens = LR.density(0.7)
    a = sample(dens, np.zeros(2), 200, seed=3, progress=False, quiet=True)
    b = sample(dens, np.zeros(2), 200, seed=3, progress=False, quiet=True, pointwise=False)
    assert hasattr(a, "log_likelihood") and not hasattr(b, "log_likelihood")
    np.testing.assert_array_equal(draws(a), draws(b))
    np.testing.assert_array_equal(energy_draws(a), energy_draws(b))
    with pytest.raises(TypeError, match="pointwise"):
        sample(dens, np.zeros(2), 200, seed=3, progress=False, quiet=True, pointwise=1)


def test_non_vectorised_density_gives_same_draws():
    dens = LR.density(1.0)
    slow = tempered(lambda v: float(LR.log_likelihood(v)), lambda v: float(LR.log_prior(v)), 1.0,
                    vectorized=False, dim=2)
    a = sample(dens, np.zeros(2), 60, seed=7, progress=False, quiet=True)
    b = sample(slow, np.zeros(2), 60, seed=7, progress=False, quiet=True)
    np.testing.assert_allclose(draws(a), draws(b), rtol=1e-10)
    np.testing.assert_allclose(energy_draws(a), energy_draws(b), rtol=1e-10)


def test_plain_callable_and_seed_reproducibility():
    f = (lambda w: -0.5 * (w ** 2).sum(-1))
    a = sample(f, np.zeros(3), 200, seed=5, progress=False, quiet=True)
    b = sample(f, np.zeros(3), 200, seed=np.random.default_rng(5), progress=False, quiet=True)
    np.testing.assert_array_equal(draws(a), draws(b))
    assert "energy" not in a.sample_stats and "lp" in a.sample_stats
    c = sample(f, np.zeros(3), 200, seed=6, progress=False, quiet=True)
    assert not np.array_equal(draws(a), draws(c))


def test_diagnostics_and_arviz_interop():
    import arviz as az

    idata = sample(NM.density(1.0), [0.0], 800, seed=2, progress=False, quiet=True)
    dg = diagnostics(idata)
    assert 0.2 < dg.acceptance < 0.95
    assert dg.autocorr_time.shape == (1,) and dg.autocorr_time[0] > 1
    assert dg.ess[0] > 100 and abs(dg.rhat[0] - 1) < 0.1
    summary = az.summary(idata, var_names=["w"])
    assert summary.shape[0] == 1
    assert float(np.asarray(az.ess(idata)["w"]).ravel()[0]) == pytest.approx(dg.ess[0])


def test_short_chain_warns():
    # 45 kept steps from a point start: too short, and the ensemble mean is still moving (both named)
    with pytest.warns(ShortChainWarning, match="shorter than 50 autocorrelation times"), \
            pytest.warns(RuntimeWarning, match=r"still drifting in parameter\(s\) w\[0\]"):
        sample(NM.density(1.0), [0.0], 60, seed=0, progress=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sample(NM.density(1.0), [0.0], 60, seed=0, progress=False, quiet=True)


def test_integrated_time_ar1_oracle():
    # AR(1) with phi: tau = (1 + phi)/(1 - phi) exactly
    rng = np.random.default_rng(0)
    phi, n = 0.6, 40_000
    x = np.zeros((4, n))
    e = rng.standard_normal((4, n))
    for t in range(1, n):
        x[:, t] = phi * x[:, t - 1] + e[:, t]
    assert integrated_time(x)[0] == pytest.approx(4.0, rel=0.1)
    assert ess(x)[0] == pytest.approx(4 * n / 4.0, rel=0.15)
    assert abs(rhat(x)[0] - 1) < 0.01


def test_nan_density_raises_with_step_and_partial():
    def bad(w):
        out = -0.5 * (w ** 2).sum(-1)
        out[w[:, 0] > 1.5] = np.nan
        return out

    with pytest.raises(SamplerDivergenceError, match="returned NaN at proposal .* at step") as info:
        sample(bad, np.zeros(1), 2000, seed=0, progress=False, quiet=True)
    assert info.value.step >= 1
    assert info.value.partial is None or info.value.partial.shape[1:] == (32, 1)


@pytest.mark.parametrize("kwargs, err, match", [
    (dict(initial=np.zeros((3, 2))), ValueError, r"at least 2 \* ndim = 4 walkers"),
    (dict(initial=np.zeros(2), n_walkers=3), ValueError, r"`n_walkers` must be >= 2 \* ndim = 4"),
    (dict(initial=np.zeros((8, 2)), n_walkers=10), ValueError, "does not match the 8 rows"),
    (dict(initial=np.zeros((8, 2))), ValueError, "degenerate"),
    (dict(initial=np.zeros((2, 2, 2))), ValueError, "`initial` must have ndim"),
    (dict(initial=np.zeros(3)), ValueError, "has 3 parameters per walker but the density has dim = 2"),
    (dict(initial=[np.nan, 0.0]), ValueError, "`initial` must be finite"),
    (dict(initial=np.zeros(2), n_steps=0), ValueError, "`n_steps` must be >= 2"),
    (dict(initial=np.zeros(2), burn=100), ValueError, "`burn` must be < `n_steps`"),
    (dict(initial=np.zeros(2), thin=0), ValueError, "`thin` must be >= 1"),
    (dict(initial=np.zeros(2), n_steps=10.5), TypeError, "`n_steps` must be an integer"),
])
def test_bad_inputs_raise_before_sampling(kwargs, err, match):
    calls = []
    dens = LR.density(1.0)

    def counting(w):
        calls.append(1)
        return dens(w)

    counting.dim = 2
    args = dict(n_steps=100)
    args.update(kwargs)
    with pytest.raises(err, match=match):
        sample(counting, args.pop("initial"), args.pop("n_steps"), progress=False, **args)
    assert not calls


def test_start_outside_support_raises():
    dens = tempered(lambda w: -(w ** 2).sum(-1), __import__("bayes").UniformPrior(0, 1, dim=1), 1.0)
    with pytest.raises(ValueError, match="not finite at initial walker"):
        sample(dens, [2.0], 100, progress=False)
    with pytest.raises(ValueError, match="`beta` must be a non-negative"):
        tempered(lambda w: 0.0, GaussianPrior(), -0.5)


def test_energy_lookup_general_path(monkeypatch):
    # the sort-based matching used when the fast per-step table would be too large
    import importlib

    bs = importlib.import_module("bayes.sample")   # the package attribute `bayes.sample` is the function

    monkeypatch.setattr(bs, "_FAST_LOOKUP_MAX", 0)
    idata = sample(LR.density(0.3), np.zeros(2), 200, thin=3, seed=2, progress=False, quiet=True)
    np.testing.assert_allclose(energy_draws(idata), LR.energy(draws(idata)), rtol=1e-12)


@given(linear_regression_models(max_n=30, max_d=2), st.sampled_from([0.1, 0.5, 1.0, 2.0]))
@settings(max_examples=4, derandomize=True)
def test_random_conjugate_problems_within_4_mcse(model, beta):
    # property: on any conjugate regression, sampled moments match the exact ones (fixed sampler seed)
    idata = sample(model.density(beta), model.posterior(beta).mean, 800, seed=0, progress=False, quiet=True)
    z = _moment_z(idata, model.posterior(beta))
    assert np.all(np.abs(z) < 4), z


# --- split R-hat reported by `sample` (classic, numpy) against ArviZ's split R-hat ---------

from hypothesis import given, settings
from hypothesis import strategies as st


@settings(max_examples=15, deadline=None)
@given(st.integers(2, 6), st.integers(8, 200), st.integers(0, 2**31 - 1), st.floats(0.0, 3.0))
def test_split_rhat_matches_arviz_split(k, n, seed, shift):
    import arviz as az

    from bayes import split_rhat

    x = np.random.default_rng(seed).standard_normal((k, n)) + shift * np.arange(k)[:, None]
    ours = split_rhat(x)[0]
    theirs = float(np.asarray(az.rhat(x, method="split")))
    assert ours == pytest.approx(theirs, rel=1e-10)


def test_split_rhat_flags_disagreeing_chains_and_rejects_short_input():
    from bayes import split_rhat

    rng = np.random.default_rng(1)
    good = rng.standard_normal((4, 1000))
    assert abs(split_rhat(good)[0] - 1) < 0.01
    assert split_rhat(good + 3 * np.arange(4)[:, None])[0] > 1.5          # negative control
    with pytest.raises(ValueError, match="at least 4 draws"):
        split_rhat(np.zeros((4, 3)))
    with pytest.raises(ValueError, match="`x`"):
        split_rhat(np.full((2, 10), np.nan))


def test_sample_reports_split_rhat():
    import arviz as az

    idata = sample(NormalMeanModel([0.3, -0.1, 0.4]).density(1.0), [0.0], 3000, seed=1,
                   progress=False, quiet=True)
    r = idata.posterior.attrs["rhat_split"]
    x = draws(idata)[:, :, 0]
    assert r[0] == pytest.approx(float(np.asarray(az.rhat(x, method="split"))), rel=1e-10)
    assert r[0] < 1.1          # the conventional threshold, on a run of ~100 autocorrelation times


# ------------------------------------------------------------------ drift (issue 13, item 10)
def test_drift_is_recorded_and_a_drifting_chain_warns_naming_the_parameter():
    from bayes.sample import diagnostics

    import emcee

    m = LinearRegressionModel.simulate(30, 2, sigma=0.8, prior_std=1.0, seed=0)
    # w[1] starts 3 units off and timid stretch moves (a = 1.05) relax it over the whole run: a smooth drift
    start = m.posterior(1.0).mean + np.array([0.0, 3.0]) + 0.3 * np.random.default_rng(1).standard_normal((32, 2))
    with pytest.warns(RuntimeWarning, match=r"still drifting in parameter\(s\) w\[1\]"), \
            pytest.warns(ShortChainWarning):
        idata = sample(m.density(1.0), start, 1000, burn=0, seed=0, progress=False,
                       moves=emcee.moves.StretchMove(a=1.05))
    dg = diagnostics(idata)
    assert dg.drifting.tolist() == [False, True] and dg.drift[1] < 0
    assert abs(dg.drift[1]) > 3 * dg.drift_stderr[1]
    # stationary control: the same model started on the posterior, long enough
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        calm = sample(m.density(1.0), m.posterior(1.0).mean, 3000, seed=0, progress=False, quiet=False)
    dg = diagnostics(calm)
    assert not dg.drifting.any() and np.all(np.isfinite(dg.drift_stderr))
    assert idata.posterior.attrs["drifting"] == [0, 1]

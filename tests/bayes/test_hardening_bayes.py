"""Issue 13 for bayes: no silent wrong answers, no deep tracebacks, big requests refused up front."""

from __future__ import annotations

import time

import numpy as np
import pytest
import torch

import bayes
from bayes import (GaussianLikelihood, GaussianPrior, LinearRegressionModel, NormalMeanModel,
                   SamplerDivergenceError, log_evidence, sample, sgld, tempered, ti_quadrature, wbic)


def test_sample_stops_on_a_log_density_that_is_plus_infinity():
    # the issue: 94 % of the draws piled up where the density was +inf, silently
    def ld(w):
        out = -0.5 * (w ** 2).sum(-1)
        return np.where(w[:, 0] > 0.5, np.inf, out)

    with pytest.raises(SamplerDivergenceError, match=r"\+inf \(an unbounded, improper target\)") as info:
        sample(ld, [0.0], 500, seed=0, progress=False, quiet=True)
    assert info.value.step is not None and info.value.partial is not None


def test_sample_names_a_log_density_of_the_wrong_shape():
    with pytest.raises(ValueError, match=r"`log_density` must return one value per point: shape \(32,\)"):
        sample(lambda w: -0.5 * np.stack([w[:, 0] ** 2, w[:, 0] ** 2], 1), [0.0], 100, seed=0, progress=False)


@pytest.mark.parametrize("kw", [dict(n_steps=10**9), dict(n_steps=10**6, n_walkers=10**5)])
def test_sample_refuses_runs_that_do_not_fit_before_sampling(kw):
    m = NormalMeanModel([0.1, 0.2, 0.3])
    t0 = time.perf_counter()
    with pytest.raises(ValueError, match=r"sample\(n_steps=.* would need .* of memory"):
        sample(m.density(1.0), [0.0], progress=False, **kw)      # posterior --steps 1e9 asked 238 GiB
    assert time.perf_counter() - t0 < 2


def test_tempered_refuses_more_parameters_than_the_model_has():
    lik = GaussianLikelihood([0.1, 0.2, 0.3])            # the location model: one parameter
    with pytest.raises(ValueError, match="parameter dimensions disagree: `log_prior` has 3, `log_likelihood` has 1"):
        tempered(lik, GaussianPrior(dim=3), 1.0)
    with pytest.raises(ValueError, match="`w` must have last axis of length 1"):
        lik([0.0, 1.0, 2.0])                              # the extra parameters were silently ignored
    with pytest.raises(ValueError, match="`w` must have last axis of length 1"):
        NormalMeanModel([0.1]).log_likelihood([[0.0, 1.0]])
    with pytest.raises(ValueError, match="`w` must have last axis of length 2"):
        LinearRegressionModel([[1.0, 0.0], [0.0, 1.0]], [1.0, 2.0]).log_prior([0.0, 0.0, 0.0])
    lin = GaussianLikelihood([1.0, 2.0], x=[[1.0, 0.0], [0.0, 1.0]])
    assert lin.dim == 2 and tempered(lin, GaussianPrior(dim=2), 1.0).dim == 2


def test_evidence_sampler_argument_is_checked_by_name():
    m = NormalMeanModel([0.1, 0.2])
    for bad in (np.array([1, 2]), "emcee2", 3):
        with pytest.raises(ValueError, match="`sampler` must be 'emcee' or a callable"):
            log_evidence(m.log_likelihood, m.log_prior, initial=m.sample_prior(32, seed=0), sampler=bad)
        with pytest.raises(ValueError, match="`sampler` must be 'emcee' or a callable"):
            wbic(m.log_likelihood, m.log_prior, n=2, initial=[0.0], sampler=bad)
    with pytest.raises(ValueError, match="the energies returned by `sampler`"):
        log_evidence(m.log_likelihood, m.log_prior, sampler=lambda dens, rng: [np.nan, 1.0], n_betas=3)


def test_ti_quadrature_error_is_never_nan():
    b = np.linspace(0, 1, 6)                            # an even number of rungs gave quad_error = NaN
    lz, err = ti_quadrature(b, 2.0 - b ** 2)
    assert np.isfinite(err) and err > 0
    assert abs(lz - (-(2.0 - 1.0 / 3.0))) < 5 * err      # exact: -int_0^1 (2 - b^2) db


def test_models_refuse_sizes_that_do_not_fit():
    with pytest.raises(ValueError, match=r"NormalMeanModel.simulate\(n=1000000000000\) would need"):
        NormalMeanModel.simulate(10**12)                  # posterior --n 1e12
    with pytest.raises(ValueError, match=r"LinearRegressionModel.simulate\(n=50, d=100000\) would need"):
        LinearRegressionModel.simulate(50, 100_000)       # posterior --model linreg --d 100000 (74.5 GiB)


def test_sgld_accepts_numpy_data_and_says_what_it_got():
    x = np.random.default_rng(0).standard_normal((20, 2))
    y = x @ np.array([1.0, -0.5])

    def loss(w, xb, yb):
        return ((xb @ w - yb) ** 2).mean()

    kw = dict(n_chains=2, n_steps=20, step_size=1e-3, beta=1.0, n=20, seed=0, progress=False)
    a = sgld(loss, torch.zeros(2, dtype=torch.float64), (x, y), **kw)          # "got tuple" before
    b = sgld(loss, torch.zeros(2, dtype=torch.float64), (torch.as_tensor(x), torch.as_tensor(y)), **kw)
    assert torch.equal(a.draws, b.draws)
    with pytest.raises(TypeError, match="entry 1 is list"):
        sgld(loss, torch.zeros(2, dtype=torch.float64), (x, [1.0] * 20), **kw)
    with pytest.raises(ValueError, match="sgld with 2 chains x 1000000000000 kept draws .* would need"):
        sgld(loss, torch.zeros(2, dtype=torch.float64), (x, y), **dict(kw, n_steps=10**12))


def test_sgld_follows_the_dtype_of_its_inputs():
    x = np.random.default_rng(0).standard_normal((20, 2))       # float64 numpy data, float32 model
    res = sgld(lambda w, xb: (xb @ w).pow(2).mean(), torch.zeros(2, dtype=torch.float32), (x,), n_chains=2,
               n_steps=5, step_size=1e-3, beta=1.0, n=20, seed=0, progress=False)
    assert res.draws.dtype == torch.float32 and res.step_size.dtype == torch.float32


def test_check_array_none_names_the_argument():
    with pytest.raises(TypeError, match="`y` must be array-like of numbers, got None"):
        NormalMeanModel(None)
    assert isinstance(bayes.SamplerDivergenceError("x"), FloatingPointError)


def test_flags_moves_and_idata_are_checked_by_name():
    import emcee

    m = NormalMeanModel([0.1, 0.2, 0.3])
    kw = dict(seed=0, quiet=True)
    with pytest.raises(TypeError, match="`progress` must be True or False"):
        sample(m.density(1.0), [0.0], 40, progress="notebook", **kw)     # emcee read strings as tqdm kinds
    with pytest.raises(TypeError, match="`moves` must be None, an emcee move"):
        sample(m.density(1.0), [0.0], 40, progress=False, moves=3, **kw)
    sample(m.density(1.0), [0.0], 40, progress=False, moves=[(emcee.moves.DEMove(), 0.8),
                                                              (emcee.moves.StretchMove(), 0.2)], **kw)
    for fn in (bayes.diagnostics, bayes.draws, bayes.energy_draws, bayes.posterior_mean):
        with pytest.raises(TypeError, match="`idata` must be the InferenceData returned by `sample`"):
            fn(None)
    with pytest.raises(ValueError, match="`kind` must be one of"):
        bayes.PosteriorDensity(lambda w: w, lambda w: w, 1.0, kind="bayes")
    with pytest.raises(ValueError, match="`beta`"):
        bayes.PosteriorDensity(lambda w: w, lambda w: w, float("nan"))


def test_sgld_names_a_loss_that_fails_at_the_start():
    with pytest.raises(ValueError, match="`loss_fn` failed at `params`"):
        sgld(lambda w: w[5], torch.zeros(2, dtype=torch.float64), n_chains=2, n_steps=5, step_size=0.01, beta=1.0,
             n=10, seed=0, progress=False)


def test_elementwise_losses_check_their_operands():
    with pytest.raises(TypeError, match="`prediction` must be a real number or array, got NoneType"):
        bayes.squared_loss(None, np.zeros(2))
    with pytest.raises(ValueError, match="do not broadcast"):
        bayes.absolute_loss(np.zeros(2), np.zeros(3))
    np.testing.assert_array_equal(bayes.squared_loss(torch.ones(2), np.zeros(2)).numpy(), [1.0, 1.0])

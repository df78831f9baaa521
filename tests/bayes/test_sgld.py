"""Tests of `bayes.sgld`: conjugate oracles, limit cases, divergence errors, bad inputs."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from bayes import sgld
from bayes.errors import SamplerDivergenceError

torch.set_num_threads(1)
F64 = torch.float64


def _normal_mean(n: int = 50, seed: int = 0):
    """y_i ~ N(theta, 1): L(theta) = mean (y - theta)^2 / 2, posterior precision n*beta (+ gamma)."""
    g = torch.Generator().manual_seed(seed)
    y = 0.7 + torch.randn(n, generator=g, dtype=F64)
    loss = lambda w, yb: 0.5 * ((yb - w[0]) ** 2).mean()  # noqa: E731
    return y, loss


def _chain_var(res, burn: int):
    x = res.draws[:, burn:, 0]
    per_chain = x.var(dim=1)
    return float(per_chain.mean()), float(per_chain.std() / math.sqrt(len(per_chain))), x


def test_conjugate_mean_and_variance_within_ula_bias_bound():
    # Exact tempered posterior of the normal-mean model with Gaussian localization gamma about c:
    # precision h = n beta + gamma, mean (n beta ybar + gamma c) / h.  Full-gradient SGLD (ULA) on a
    # Gaussian has the exact stationary variance 1 / (h (1 - eps h / 4)) and an unbiased mean.
    y, loss = _normal_mean()
    n, beta, gamma, c = 50, 0.5, 1.0, 0.0
    h = n * beta + gamma
    mu = (n * beta * float(y.mean()) + gamma * c) / h
    eps = 0.1 / h
    res = sgld(loss, torch.zeros(1, dtype=F64), (y,), n_chains=32, n_steps=3000, step_size=eps,
               beta=beta, n=n, localization=gamma, seed=1, progress=False)
    var, var_se, x = _chain_var(res, 500)
    means = x.mean(dim=1)
    mean_se = float(means.std() / math.sqrt(len(means)))
    assert abs(float(means.mean()) - mu) < 4 * mean_se
    ula_var = 1.0 / (h * (1 - eps * h / 4))
    assert abs(var - ula_var) < 4 * var_se
    # the exact posterior variance lies within the bias bound |ula - exact| plus 4 SE
    assert abs(var - 1.0 / h) < abs(ula_var - 1.0 / h) + 4 * var_se
    # negative control: the posterior at beta = 2 * 0.5 must be rejected by the same test
    h_wrong = n * 1.0 + gamma
    ula_wrong = 1.0 / (h_wrong * (1 - eps * h_wrong / 4))
    assert abs(var - 1.0 / h_wrong) > abs(ula_wrong - 1.0 / h_wrong) + 4 * var_se


def test_minibatch_sgld_mean_matches_posterior_mean():
    y, loss = _normal_mean(n=200, seed=3)
    n, beta = 200, 1.0
    h = n * beta
    res = sgld(loss, torch.zeros(1, dtype=F64), (y,), n_chains=16, n_steps=2000, step_size=0.05 / h,
               beta=beta, n=n, batch_size=20, seed=2, progress=False)
    means = res.draws[:, 300:, 0].mean(dim=1)
    se = float(means.std() / math.sqrt(len(means)))
    assert abs(float(means.mean()) - float(y.mean())) < 4 * se + 1e-12
    assert res.loss.shape == (16, 2000)


def test_mala_removes_the_discretisation_bias():
    # With eps*h = 1 ULA inflates the variance by 1/(1 - 1/4) = 4/3; MALA must not.
    y, loss = _normal_mean()
    n = 50
    h = float(n)
    eps = 1.0 / h
    kw = dict(n_chains=32, n_steps=3000, step_size=eps, beta=1.0, n=n, progress=False)
    mala = sgld(loss, torch.zeros(1, dtype=F64) + float(y.mean()), (y,), mala=True, seed=4, **kw)
    var, se, _ = _chain_var(mala, 300)
    assert abs(var - 1.0 / h) < 4 * se
    assert mala.acceptance is not None and float(mala.acceptance.min()) > 0.5
    ula = sgld(loss, torch.zeros(1, dtype=F64) + float(y.mean()), (y,), seed=4, **kw)
    uvar, use, _ = _chain_var(ula, 300)
    assert abs(uvar - 1.0 / h) > 4 * use  # negative control: the unadjusted chain is visibly biased
    assert abs(uvar - 4.0 / (3.0 * h)) < 4 * use


def test_noise_off_is_gradient_descent():
    # Limit case: without noise, w_k - mu = (1 - eps h / 2)^k (w_0 - mu) on U = h/2 |w - mu|^2.
    mu = torch.tensor([1.0, -2.0], dtype=F64)
    hvec = torch.tensor([1.0, 3.0], dtype=F64)
    pot = lambda w: 0.5 * (hvec * (w - mu) ** 2).sum()  # noqa: E731
    w0 = torch.tensor([0.3, 0.4], dtype=F64)
    eps = 0.1
    res = sgld(pot, w0, n_chains=2, n_steps=25, step_size=eps, beta=1.0, n=1.0, noise=False,
               seed=0, progress=False)
    k = torch.arange(1, 26, dtype=F64).unsqueeze(1)
    expected = mu + (1 - eps * hvec / 2) ** k * (w0 - mu)
    torch.testing.assert_close(res.draws[0], expected, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(res.draws[1], expected, rtol=1e-12, atol=1e-12)


def test_beta_zero_gives_the_localizing_gaussian():
    pot = lambda w: (w ** 4).sum()  # noqa: E731
    gamma = 4.0
    res = sgld(pot, torch.zeros(1, dtype=F64), n_chains=32, n_steps=1500, step_size=0.1 / gamma,
               beta=0.0, n=100, localization=gamma, mala=True, seed=5, progress=False)
    var, se, _ = _chain_var(res, 200)
    assert abs(var - 1.0 / gamma) < 4 * se


def test_per_chain_temperatures_and_vectorized_agree():
    pot_v = lambda w: 0.5 * (w ** 2).sum(-1)  # noqa: E731
    pot = lambda w: 0.5 * (w ** 2).sum()  # noqa: E731
    kw = dict(n_chains=3, n_steps=50, step_size=[1e-3, 2e-3, 3e-3], beta=[0.5, 1.0, 2.0], n=10.0,
              seed=7, progress=False)
    a = sgld(pot, torch.ones(2, dtype=F64), **kw)
    b = sgld(pot_v, torch.ones(2, dtype=F64), vectorized=True, **kw)
    torch.testing.assert_close(a.draws, b.draws)
    torch.testing.assert_close(a.beta, torch.tensor([0.5, 1.0, 2.0], dtype=F64))


def test_divergence_names_chain_and_step_and_keeps_partial_trace():
    pot = lambda w: 0.5 * 100.0 * (w ** 2).sum()  # noqa: E731
    # eps * h = 5 > 4: the iteration multiplies w by |1 - 2.5| = 1.5 per step and explodes
    with pytest.raises(SamplerDivergenceError, match=r"chain \d+ diverged at step \d+") as info:
        sgld(pot, torch.ones(1, dtype=F64), n_chains=2, n_steps=2000, step_size=[1e-4, 0.05],
             beta=1.0, n=1.0, seed=0, progress=False)
    err = info.value
    assert err.chain == 1 and err.step is not None and err.step > 10
    assert err.partial.draws.shape[1] == err.step
    assert torch.isfinite(err.partial.draws).all()


def test_nan_loss_raises():
    pot = lambda w: torch.where(w[0] > 0.5, torch.tensor(float("nan"), dtype=F64), (w ** 2).sum())  # noqa: E731
    with pytest.raises(SamplerDivergenceError, match="chain"):
        sgld(pot, torch.zeros(1, dtype=F64) + 0.4, n_chains=4, n_steps=500, step_size=0.1, beta=1.0,
             n=1.0, seed=0, progress=False)


def test_same_seed_same_numbers():
    pot = lambda w: 0.5 * (w ** 2).sum()  # noqa: E731
    kw = dict(n_chains=2, n_steps=20, step_size=0.01, beta=1.0, n=10.0, progress=False)
    a = sgld(pot, torch.zeros(3, dtype=F64), seed=11, **kw)
    b = sgld(pot, torch.zeros(3, dtype=F64), seed=11, **kw)
    c = sgld(pot, torch.zeros(3, dtype=F64), seed=12, **kw)
    assert torch.equal(a.draws, b.draws)
    assert not torch.equal(a.draws, c.draws)


@given(n_chains=st.integers(1, 4), n_steps=st.integers(1, 30), thin=st.integers(1, 5),
       burn_frac=st.floats(0.0, 0.9), d=st.integers(1, 3))
def test_shapes(n_chains, n_steps, thin, burn_frac, d):
    burn = int(burn_frac * (n_steps - 1))
    pot = lambda w: 0.5 * (w ** 2).sum()  # noqa: E731
    res = sgld(pot, torch.zeros(d, dtype=F64), n_chains=n_chains, n_steps=n_steps, step_size=0.01,
               beta=1.0, n=10.0, burn=burn, thin=thin, seed=0, progress=False)
    n_keep = len(range(burn, n_steps, thin))
    assert res.draws.shape == (n_chains, n_keep, d)
    assert res.loss.shape == (n_chains, n_keep)
    assert res.n_steps == n_steps
    # the recorded loss is the potential (record="batch": evaluated where the step started)
    assert torch.isfinite(res.loss).all()


@given(bad=st.sampled_from([0.0, -1.0, float("nan"), float("inf")]))
def test_bad_step_size_raises(bad):
    with pytest.raises(ValueError, match="`step_size`"):
        sgld(lambda w: (w ** 2).sum(), torch.zeros(1, dtype=F64), n_chains=1, n_steps=2,
             step_size=bad, beta=1.0, n=1.0, progress=False)


@pytest.mark.parametrize("kwargs, match", [
    (dict(beta=-1.0), "`beta`"),
    (dict(n=0.0), "`n`"),
    (dict(n_chains=0), "`n_chains`"),
    (dict(n_steps=0), "`n_steps`"),
    (dict(localization=-1.0), "`localization`"),
    (dict(step_size=[0.1, 0.2, 0.3]), "one entry per chain"),
    (dict(batch_size=5), "`batch_size` needs `data`"),
    (dict(record="all"), "`record`"),
    (dict(center=torch.zeros(3, dtype=F64)), "`center`"),
])
def test_bad_inputs_raise_before_sampling(kwargs, match):
    base = dict(n_chains=2, n_steps=3, step_size=0.1, beta=1.0, n=1.0, progress=False)
    base.update(kwargs)
    with pytest.raises(ValueError, match=match):
        sgld(lambda w: (w ** 2).sum(), torch.zeros(2, dtype=F64), **base)


def test_mala_with_minibatch_and_bad_params_raise():
    y, loss = _normal_mean()
    with pytest.raises(ValueError, match="`mala=True` needs full batches"):
        sgld(loss, torch.zeros(1, dtype=F64), (y,), n_chains=1, n_steps=2, step_size=0.1, beta=1.0,
             n=50, batch_size=10, mala=True, progress=False)
    with pytest.raises(ValueError, match="`params` must have shape"):
        sgld(loss, torch.zeros(3, 1, dtype=F64), (y,), n_chains=2, n_steps=2, step_size=0.1, beta=1.0,
             n=50, progress=False)
    with pytest.raises(TypeError, match="`params`"):
        sgld(loss, np.zeros(1), (y,), n_chains=1, n_steps=2, step_size=0.1, beta=1.0, n=50,
             progress=False)


# ------------------------------------------------------------------ drift (issue 13, item 10)
def test_sgld_drift_flags_a_chain_still_relaxing_and_names_it():
    from bayes import ChainDrift

    loss = lambda w: 0.5 * (w ** 2).sum(-1)  # noqa: E731
    start = torch.tensor([[0.0], [30.0]], dtype=torch.float64)   # chain 1 starts far out; tiny steps, no burn-in
    res = sgld(loss, start, n_chains=2, n_steps=3000, burn=500, step_size=[1e-2, 1e-5], beta=1.0, n=10, localization=0.0, seed=0,
               progress=False)
    with pytest.warns(RuntimeWarning, match=r"SGLD chain\(s\) \[1\] of 2 still drifting"):
        d = res.drift()
    assert isinstance(d, ChainDrift) and d.drifting.tolist() == [False, True] and d.drift[1] < 0
    calm = sgld(loss, torch.zeros(1, dtype=torch.float64), n_chains=3, n_steps=4000, burn=1000, step_size=1e-2,
                beta=1.0, n=10, localization=0.0, seed=1, progress=False)
    assert not calm.drift(warn=False).drifting.any()

"""API contract of `bayes.sgld` (QA audit): seeding, no global RNG, exact limits, bad inputs.

Complements tests/bayes/test_sgld.py (conjugate oracles, MALA, divergence).  Oracles:
- noise off and beta = 0: the iteration is w <- w - (eps/2) gamma (w - c), so
  w_k = c + (1 - eps gamma / 2)^k (w_0 - c) exactly (gradient descent on (gamma/2)|w - c|^2).
- burn/thin only select draws: the same seed gives the same path, so a run with
  (burn, thin) equals draws[:, burn::thin] of the run with (0, 1).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from bayes import sgld
from bayes.sgld import SGLDResult

torch.set_num_threads(1)
F64 = torch.float64
BASE = dict(n_chains=3, n_steps=20, step_size=0.05, beta=1.0, n=10.0, progress=False)


def pot(w):
    return 0.5 * (w ** 2).sum() + 0.1 * (w ** 4).sum()


def _run(seed, **kw):
    opts = dict(BASE)
    opts.update(kw)
    return sgld(pot, torch.zeros(2, dtype=F64), seed=seed, **opts)


@pytest.mark.parametrize("make_seed", [lambda: 7, lambda: np.random.default_rng(7),
                                       lambda: torch.Generator().manual_seed(7)])
def test_same_seed_same_numbers_for_every_seed_type(make_seed):
    a, b = _run(make_seed()), _run(make_seed())
    assert isinstance(a, SGLDResult)
    assert torch.equal(a.draws, b.draws) and torch.equal(a.loss, b.loss)
    assert not torch.equal(a.draws, _run(8).draws)                     # negative control


def test_no_global_rng_state_is_used_or_changed():
    torch.manual_seed(123)
    np.random.seed(123)
    t_state, n_state = torch.get_rng_state(), np.random.get_state()[1].copy()
    a = _run(0, mala=True)
    assert torch.equal(torch.get_rng_state(), t_state)
    assert np.array_equal(np.random.get_state()[1], n_state)
    torch.manual_seed(999)                                              # other global state, same draws
    assert torch.equal(_run(0, mala=True).draws, a.draws)


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 2**16), st.integers(0, 10), st.integers(1, 4), st.booleans())
def test_burn_and_thin_only_select_draws(seed, burn, thin, mala):
    full = _run(seed, mala=mala)
    part = _run(seed, mala=mala, burn=burn, thin=thin)
    assert torch.equal(part.draws, full.draws[:, burn::thin])
    assert torch.equal(part.loss, full.loss[:, burn::thin])
    assert part.n_steps == full.n_steps == BASE["n_steps"]


@settings(max_examples=15, deadline=None)
@given(st.floats(0.01, 0.5), st.floats(0.1, 3.0), st.integers(1, 30),
       st.lists(st.floats(-2, 2), min_size=2, max_size=2))
def test_noise_off_beta_zero_is_exact_contraction_to_center(eps, gamma, k, c):
    w0 = torch.tensor([1.0, -0.5], dtype=F64)
    center = torch.tensor(c, dtype=F64)
    res = sgld(pot, w0, n_chains=2, n_steps=k, step_size=eps, beta=0.0, n=10.0, localization=gamma,
               center=center, noise=False, progress=False, seed=0)
    expected = center + (1 - eps * gamma / 2) ** k * (w0 - center)
    torch.testing.assert_close(res.draws[:, -1], expected.expand(2, -1), rtol=1e-12, atol=1e-12)


@settings(max_examples=10, deadline=None)
@given(st.integers(0, 2**16))
def test_record_full_is_the_loss_at_the_draws_and_acceptance_in_unit_interval(seed):
    res = _run(seed, record="full")
    again = torch.stack([torch.stack([pot(w) for w in chain]) for chain in res.draws])
    torch.testing.assert_close(res.loss, again, rtol=1e-12, atol=1e-14)
    assert res.acceptance is None
    torch.testing.assert_close(res.mean_loss(), res.loss.mean(1))
    m = _run(seed, mala=True)
    assert ((m.acceptance >= 0) & (m.acceptance <= 1)).all()
    assert res.init_loss.shape == (BASE["n_chains"],) and float(res.init_loss[0]) == 0.0


class _Counting:
    def __init__(self):
        self.calls = 0

    def __call__(self, w, *batch):
        self.calls += 1
        return (w ** 2).sum()


Y = torch.zeros(5, dtype=F64)


@pytest.mark.parametrize("args, kwargs, exc, match", [
    ((), dict(thin=0), ValueError, "`thin` must be >= 1"),
    ((), dict(burn=20), ValueError, "`burn` must be <= 19"),
    ((), dict(burn=-1), ValueError, "`burn` must be >= 0"),
    ((), dict(max_loss=-1.0), ValueError, "`max_loss` must be a positive"),
    ((), dict(log_prior=3), TypeError, "`log_prior` must be callable"),
    ((), dict(center=torch.tensor([float("nan"), 0.0], dtype=F64)), ValueError, "`center` must be finite"),
    ((), dict(center=[0.0, 0.0]), ValueError, "`center` must be a tensor"),
    ((), dict(beta=[1.0, 2.0]), ValueError, "`beta` must be a number or have one entry per chain"),
    ((), dict(step_size=float("nan")), ValueError, "`step_size`"),
    ((), dict(n=float("inf")), ValueError, "`n`"),
    ((), dict(seed=-1), ValueError, "`seed`"),
    ((), dict(seed="a"), TypeError, "`seed`"),
    ((), dict(n_steps=2.5), TypeError, "`n_steps` must be an integer"),
    (([1.0, 2.0],), {}, TypeError, "`data` must be None, a tensor or a tuple of tensors"),
    (((),), {}, ValueError, "`data` must hold at least one tensor"),
    (((Y, torch.zeros(4, dtype=F64)),), {}, ValueError, "share their leading"),
    ((Y,), dict(batch_size=6), ValueError, "`batch_size` must be <= 5"),
    ((Y,), dict(batch_size=0), ValueError, "`batch_size` must be >= 1"),
])
def test_bad_inputs_raise_before_any_loss_evaluation(args, kwargs, exc, match):
    loss = _Counting()
    opts = dict(BASE)
    opts.update(kwargs)
    with pytest.raises(exc, match=match):
        sgld(loss, torch.zeros(2, dtype=F64), *args, **opts)
    assert loss.calls == 0


@pytest.mark.parametrize("params, exc, match", [
    (torch.zeros(2, dtype=torch.int64), TypeError, "`params` must be a floating-point tensor"),
    (torch.tensor([float("nan"), 0.0], dtype=F64), ValueError, "`params` must be finite"),
    (torch.zeros(0, dtype=F64), ValueError, "`params` must have at least one component"),
    (torch.zeros(2, 2, 2, dtype=F64), ValueError, "`params` must have shape"),
])
def test_bad_params(params, exc, match):
    with pytest.raises(exc, match=match):
        sgld(pot, params, **BASE)
    with pytest.raises(TypeError, match="`loss_fn` must be callable"):
        sgld(3.0, torch.zeros(2, dtype=F64), **BASE)


def test_vectorized_loss_of_wrong_shape_is_named():
    with pytest.raises(ValueError, match="`loss_fn` must return one scalar per parameter vector"):
        sgld(lambda w: (w ** 2).sum(), torch.zeros(2, dtype=F64), vectorized=True, seed=0, **BASE)


def test_numpy_per_chain_settings_are_accepted():
    # audit: numpy arrays/scalars for step_size and beta were rejected as "not a real number"
    a = _run(0, step_size=np.array([0.05, 0.05, 0.05]), beta=np.float64(1.0))
    assert torch.equal(a.draws, _run(0).draws)

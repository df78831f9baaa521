"""Oracle and property tests of the replicate design (lyapunov_replicates, paired_difference)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from dynsys import OptimizerMap, ReplicateResult, lyapunov_replicates, paired_difference
from dynsys.errors import DivergenceError
from dynsys.systems import LinearMap, Logistic

torch.set_num_threads(1)


class RandomScalar:
    """x -> a_t x with log a_t = c + s * z_t, z_t i.i.d. N(0, 1) drawn from `seed`.

    Its exponent over n steps is exactly mean_t(log a_t) ~ N(c, s^2 / n): replicates are
    i.i.d. normal with known spread, an oracle for the replicate mean and standard error.
    `alternate=True` multiplies the noise by (-1)^t on top (oscillating stretches).
    """

    dt = 1.0
    dim = 1

    def __init__(self, seed: int, n: int, *, c: float = 0.1, s: float = 0.5) -> None:
        z = np.random.default_rng(seed).standard_normal(n)
        self.loga = c + s * z

    def step(self, x, t):
        return math.exp(self.loga[t]) * x

    def tangent(self, x, t, V):
        return math.exp(self.loga[t]) * V


def _scalar(n, **kw):
    return lambda seed: RandomScalar(seed, n, **kw)


# --------------------------------------------------------------------------- oracles
def test_linear_map_replicates_give_exact_exponents_with_zero_spread():
    # exact: exponents of x -> A x are log|eig A| (A diagonalisable); every replicate equals them
    rng = np.random.default_rng(3)
    logs = np.array([0.8, 0.2, -0.4, -1.1])
    P = rng.standard_normal((4, 4)) + 3 * np.eye(4)
    A = P @ np.diag(np.exp(logs) * np.array([1, -1, 1, -1])) @ np.linalg.inv(P)
    res = lyapunov_replicates(LinearMap(A), np.ones(4), 100, n_replicates=5, transient=200,
                              seed=0, progress=False)
    assert isinstance(res, ReplicateResult)
    np.testing.assert_allclose(res.exponents, logs, atol=1e-6)
    np.testing.assert_allclose(res.per_replicate, np.tile(logs, (5, 1)), atol=1e-6)
    assert np.all(res.stderr < 1e-6)
    assert res.n_replicates == 5 and res.n_steps == 100 and res.dt == 1.0


def test_gd_quadratic_replicates_match_ln_abs_one_minus_eta_h():
    # exact: GD on 1/2 w^T H w has exponents ln|1 - eta h_i|; make_system builds the map per seed
    # (random start weights), x0 is taken from the replicate's system
    eta, h = 0.5, np.array([5.0, 3.2, 0.5])
    q, _ = np.linalg.qr(np.random.default_rng(1).standard_normal((3, 3)))
    H = torch.tensor((q * h) @ q.T)

    def make(seed):
        w0 = torch.tensor(np.random.default_rng(seed).standard_normal(3))
        return OptimizerMap(lambda w, b: 0.5 * w @ H @ w, w0, [None], lr=eta)

    res = lyapunov_replicates(make, lambda s, _: s.initial_state(), 20, n_replicates=3,
                              transient=60, seed=2, progress=False)
    np.testing.assert_allclose(res.exponents, np.sort(np.log(np.abs(1 - eta * h)))[::-1], atol=1e-6)
    assert np.all(res.stderr < 1e-6)


def test_random_scalar_mean_and_stderr_match_the_exact_distribution():
    # exact: replicate exponents ~ N(c, s^2/n); SE must estimate s/sqrt(n R) and shrink like 1/sqrt(R)
    n, c, s = 50, 0.1, 0.5
    true_sd = s / math.sqrt(n)
    scaled = []
    for R in (16, 64, 256):
        res = lyapunov_replicates(_scalar(n, c=c, s=s), [1.0], n, n_replicates=R, seed=R,
                                  progress=False)
        true_se = true_sd / math.sqrt(R)
        assert abs(res.exponents[0] - c) < 4 * true_se
        # sd estimate from R normal draws: relative error ~ 1/sqrt(2R) <= 18 %; allow 2.5x that
        assert abs(res.stderr[0] / true_se - 1) < 2.5 / math.sqrt(2 * R) + 0.05
        scaled.append(res.stderr[0] * math.sqrt(R))
    np.testing.assert_allclose(scaled, true_sd, rtol=0.45)
    # negative control: a wrong value (c + 10 true SE) must be rejected at 4 SE
    assert abs(res.exponents[0] - (c + 10 * true_se)) > 4 * res.stderr[0]


def test_replicate_se_is_valid_for_oscillating_stretches_where_blocks_are_not():
    # log-stretches that telescope: log a_t = c + z_t - z_{t-1}; the exponent over n steps is
    # c + (z_n - z_0)/n, whose true spread sqrt(2)/n is far below what block averages report
    n, c = 400, 0.2

    class Telescoping(RandomScalar):
        def __init__(self, seed):
            z = np.random.default_rng(seed).standard_normal(n + 1)
            self.loga = c + np.diff(z)

    from dynsys import lyapunov_spectrum

    res = lyapunov_replicates(Telescoping, [1.0], n, n_replicates=64, seed=0, progress=False)
    true_se = math.sqrt(2) / n / math.sqrt(64)
    assert abs(res.stderr[0] / true_se - 1) < 0.4
    assert abs(res.exponents[0] - c) < 4 * true_se
    block = lyapunov_spectrum(Telescoping(0), [1.0], n, seed=0, progress=False).stderr[0]
    # the single-run block SE overstates the run's true error sqrt(2)/n (by ~sqrt(n_blocks) here)
    assert block > 2 * math.sqrt(2) / n


def test_paired_difference_with_common_random_numbers_has_tiny_stderr():
    # same seeds, systems differing only in c: every replicate difference is exactly 0.05
    n = 40
    a = lyapunov_replicates(_scalar(n, c=0.15), [1.0], n, n_replicates=8, seed=5, progress=False)
    b = lyapunov_replicates(_scalar(n, c=0.10), [1.0], n, n_replicates=8, seed=5, progress=False)
    d = paired_difference(a, b)
    np.testing.assert_allclose(d.per_replicate, 0.05, atol=1e-12)
    assert d.stderr[0] < 1e-12 < 0.01 < math.hypot(a.stderr[0], b.stderr[0])
    # negative control: unpaired runs (different seeds) are refused
    c = lyapunov_replicates(_scalar(n, c=0.10), [1.0], n, n_replicates=8, seed=6, progress=False)
    with pytest.raises(ValueError, match="same `seed`"):
        paired_difference(a, c)


def test_logistic_replicates_around_ln2():
    # exact: logistic r = 4 has exponent ln 2; random starts per replicate
    start = lambda system, s: [np.random.default_rng(s).uniform(0.05, 0.95)]  # noqa: E731
    res = lyapunov_replicates(Logistic(4.0), start, 5000, n_replicates=8, transient=20, seed=0,
                              progress=False)
    assert res.stderr[0] > 0
    assert abs(res.exponents[0] - math.log(2)) < 4 * res.stderr[0] + 1e-3


def test_singular_map_gives_minus_inf_with_zero_stderr():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        res = lyapunov_replicates(LinearMap(np.diag([2.0, 0.0])), [1.0, 1.0], 10, n_replicates=3,
                                  transient=5, seed=0, progress=False)
    assert res.exponents[1] == -np.inf and res.stderr[1] == 0.0
    assert abs(res.exponents[0] - math.log(2)) < 1e-9
    with pytest.raises(ValueError, match="finite"):
        paired_difference(res, res)


# --------------------------------------------------------------------------- properties
@settings(max_examples=25, deadline=None)
@given(logs=st.lists(st.floats(-2.0, 2.0), min_size=1, max_size=4, unique=True),
       R=st.integers(2, 5), seed=st.integers(0, 2**31 - 1))
def test_diagonal_maps_give_sorted_exact_exponents(logs, R, seed):
    logs = np.array(logs)
    if len(logs) > 1 and np.min(np.abs(np.subtract.outer(logs, logs))[~np.eye(len(logs), dtype=bool)]) < 0.05:
        return  # near-degenerate moduli align slowly; not this test's business
    res = lyapunov_replicates(LinearMap(np.diag(np.exp(logs))), np.zeros(len(logs)), 200,
                              n_replicates=R, transient=200, seed=seed, progress=False)
    assert res.per_replicate.shape == (R, len(logs)) and res.seeds.shape == (R,)
    assert np.all(np.diff(res.exponents) <= 0)
    np.testing.assert_allclose(res.exponents, np.sort(logs)[::-1], atol=1e-6)
    d = paired_difference(res, res)
    assert np.all(d.exponents == 0) and np.all(d.stderr == 0)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), R=st.integers(2, 6))
def test_same_seed_same_numbers(seed, R):
    a = lyapunov_replicates(_scalar(20), [1.0], 20, n_replicates=R, seed=seed, progress=False)
    b = lyapunov_replicates(_scalar(20), [1.0], 20, n_replicates=R, seed=seed, progress=False)
    np.testing.assert_array_equal(a.per_replicate, b.per_replicate)
    np.testing.assert_array_equal(a.seeds, b.seeds)
    c = lyapunov_replicates(_scalar(20), [1.0], 20, n_replicates=R, seed=seed + 1, progress=False)
    assert not np.array_equal(a.seeds, c.seeds)


@settings(max_examples=15, deadline=None)
@given(shift=st.floats(-1.0, 1.0), seed=st.integers(0, 1000))
def test_paired_difference_is_antisymmetric_and_exact_for_shifts(shift, seed):
    a = lyapunov_replicates(_scalar(30, c=shift), [1.0], 30, n_replicates=4, seed=seed, progress=False)
    b = lyapunov_replicates(_scalar(30, c=0.0), [1.0], 30, n_replicates=4, seed=seed, progress=False)
    ab, ba = paired_difference(a, b), paired_difference(b, a)
    np.testing.assert_allclose(ab.exponents, -ba.exponents, atol=1e-15)
    np.testing.assert_allclose(ab.stderr, ba.stderr, atol=1e-15)
    np.testing.assert_allclose(ab.exponents, shift, atol=1e-12)


# --------------------------------------------------------------------------- bad inputs
def test_bad_inputs_raise_naming_the_argument():
    sys = LinearMap(np.diag([2.0, 0.5]))
    with pytest.raises(ValueError, match="`n_replicates` must be >= 2"):
        lyapunov_replicates(sys, [1.0, 1.0], 10, n_replicates=1, progress=False)
    with pytest.raises(TypeError, match="`n_replicates` must be an integer"):
        lyapunov_replicates(sys, [1.0, 1.0], 10, n_replicates=2.5, progress=False)
    with pytest.raises(ValueError, match="`n_steps` must be >= 1"):
        lyapunov_replicates(sys, [1.0, 1.0], 0, progress=False)
    with pytest.raises(ValueError, match="`k` must be <= system.dim"):
        lyapunov_replicates(sys, [1.0, 1.0], 10, k=3, progress=False)
    with pytest.raises(ValueError, match="`x0` must be finite"):
        lyapunov_replicates(sys, [np.nan, 1.0], 10, progress=False)
    with pytest.raises(TypeError, match="`make_system` must be a callable"):
        lyapunov_replicates(3, [1.0], 10, progress=False)
    with pytest.raises(TypeError, match="`system` must have"):
        lyapunov_replicates(lambda s: "not a system", [1.0], 10, progress=False)
    with pytest.raises(TypeError, match="`progress` must be a bool"):
        lyapunov_replicates(sys, [1.0, 1.0], 10, progress=1)
    with pytest.raises(TypeError, match="`a` must be a ReplicateResult"):
        paired_difference((1, 2), (1, 2))
    a = lyapunov_replicates(sys, [1.0, 1.0], 10, n_replicates=3, seed=0, progress=False)
    b = lyapunov_replicates(sys, [1.0, 1.0], 10, n_replicates=3, k=1, seed=0, progress=False)
    with pytest.raises(ValueError, match="same \\(n_replicates, k\\)"):
        paired_difference(a, b)


@pytest.mark.filterwarnings("ignore:overflow:RuntimeWarning")
def test_divergence_names_the_replicate():
    with pytest.raises(DivergenceError, match="replicate 0 \\(seed"):
        lyapunov_replicates(LinearMap([[1e200]]), [1e200], 10, n_replicates=2, seed=0, progress=False)

"""Batched spectra (arrays of parameters or initial conditions), user maps and flows by autodiff,
streaming accumulation, the drift diagnostic and the reortho collapse recomputation.

Oracles: the logistic map's exponent ln|2 - r| on its fixed point (1 < r < 3), (1/2) ln|4 + 2r - r^2|
on its 2-cycle (3 < r < 1 + sqrt 6), ln 2 at r = 4 (conjugacy to the tent map), and the exponent of
a periodic window computed from the cycle found by Newton's method (independent of the QR engine);
Henon's exponents sum to ln b; the hand-written Henon and Lorenz-63 against the autodiff ones.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from dynsys.errors import DivergenceError
from dynsys import (Flow, Henon, LinearFlow, LinearMap, Logistic, Lorenz63, Lorenz96,
                    Map, StandardMap, lyapunov_spectrum)
from dynsys.lyapunov import DRIFT_Z

torch.set_num_threads(1)


def _cycle_exponent(r: float, period: int) -> float:
    """Exponent of the attracting `period`-cycle: iterate onto it, refine by Newton on f^p(x) = x."""
    x = 0.3
    for _ in range(20_000):
        x = r * x * (1 - x)
    for _ in range(50):
        y, dy = x, 1.0
        for _ in range(period):
            dy *= r * (1 - 2 * y)
            y = r * y * (1 - y)
        x -= (y - x) / (dy - 1.0)
    s, y = 0.0, x
    for _ in range(period):
        s += math.log(abs(r * (1 - 2 * y)))
        y = r * y * (1 - y)
    assert abs(y - x) < 1e-12, "not a cycle of that period"
    return s / period


def test_logistic_grid_matches_closed_forms_and_cycles():
    rs = np.concatenate([np.linspace(1.2, 2.9, 12), np.linspace(3.05, 3.4, 8), [3.5, 3.83, 3.74, 4.0]])
    res = lyapunov_spectrum(Logistic(rs), [0.3], 20_000, transient=2000, seed=0, progress=False)
    assert res.exponents.shape == (len(rs), 1) and res.history.shape[0] == len(rs)
    cycles = {3.5: _cycle_exponent(3.5, 4), 3.83: _cycle_exponent(3.83, 3), 3.74: _cycle_exponent(3.74, 5)}
    for i, r in enumerate(rs):
        exact = Logistic.exact_exponent(float(r))
        if float(r) in cycles:         # the oracle's own cycle search agrees with the fixed-period one
            assert abs(exact - cycles[float(r)]) < 1e-12
        assert abs(res.exponents[i, 0] - exact) < 2e-3, (r, res.exponents[i, 0], exact)
    assert Logistic.exact_exponent(3.9) is None and Logistic.exact_exponent(1.0 + math.sqrt(8.0) - 0.01) is None
    # negative control: the grid is not a constant (a bug broadcasting one r would give one value)
    assert np.ptp(res.exponents) > 1.0


def test_batch_members_equal_single_runs_bit_for_bit():
    rs = np.array([3.6, 3.7, 4.0])
    frames = np.ones((3, 1, 1))
    batch = lyapunov_spectrum(Logistic(rs), [0.3], 500, transient=10, frame=frames, progress=False)
    for i, r in enumerate(rs):
        one = lyapunov_spectrum(Logistic(float(r)), [0.3], 500, transient=10, frame=np.ones((1, 1)),
                                progress=False)
        np.testing.assert_allclose(batch.exponents[i], one.exponents, rtol=1e-13, atol=1e-15)
        np.testing.assert_allclose(batch.member(i).history, one.history, rtol=1e-12, atol=1e-15)


def test_batched_initial_conditions_and_parameters_for_every_classic_system():
    cases = [(Henon(a=[1.4, 1.2]), None), (StandardMap([2.0, 6.0]), None),
             (Lorenz63(rho=[28.0, 20.0]), None), (Lorenz96(5, [8.0, 4.0]), None),
             (LinearMap(np.stack([np.diag([2.0, 0.5]), np.diag([1.0, 3.0])])), None),
             (LinearFlow(np.stack([np.diag([1.0, -1.0]), np.diag([0.5, -2.0])])), None)]
    for system, _ in cases:
        x0 = system.initial_state()
        assert x0.shape == (2, system.dim)
        res = lyapunov_spectrum(system, x0, 200, transient=20, seed=0, progress=False)
        assert res.exponents.shape == (2, system.dim)
        for i in range(2):
            one = lyapunov_spectrum(system, x0, 200, transient=20, seed=0, progress=False).member(i)
            np.testing.assert_allclose(one.exponents, res.exponents[i])
    # exact sums for the batched linear map, the Henon batch and Lorenz
    lin = lyapunov_spectrum(cases[4][0], np.ones(2), 100, transient=50, seed=0, progress=False)
    np.testing.assert_allclose(lin.exponents, [[math.log(2), -math.log(2)], [math.log(3), 0.0]], atol=1e-9)
    hen = lyapunov_spectrum(Henon(a=[1.4, 1.2]), [0.1, 0.1], 2000, transient=100, seed=0, progress=False)
    np.testing.assert_allclose(hen.sum, [math.log(0.3)] * 2, atol=1e-9)
    lor = Lorenz63(rho=[28.0, 20.0])
    r = lyapunov_spectrum(lor, lor.initial_state(), 1000, transient=200, seed=0, progress=False)
    np.testing.assert_allclose(r.sum, lor.divergence, atol=2e-4)


def test_batch_of_initial_conditions_pooled_gives_a_replicate_error_bar():
    rng = np.random.default_rng(1)
    x0 = rng.uniform(0.05, 0.95, (64, 1))
    res = lyapunov_spectrum(Logistic(4.0), x0, 2000, transient=20, seed=0, progress=False)
    pooled = res.pooled()
    assert abs(pooled.exponents[0] - math.log(2)) < 4 * pooled.stderr[0] + 1e-4
    # negative control: a wrong value is rejected at the same bar
    assert abs(pooled.exponents[0] - (math.log(2) + 0.05)) > 4 * pooled.stderr[0] + 1e-4


def test_torch_batched_agrees_with_numpy():
    x0 = Lorenz63().initial_state() + 0.01 * np.random.default_rng(0).standard_normal((3, 3))
    a = lyapunov_spectrum(Lorenz63(), x0, 300, transient=50, seed=0, progress=False)
    b = lyapunov_spectrum(Lorenz63(), torch.tensor(x0), 300, transient=50, seed=0, progress=False)
    np.testing.assert_allclose(a.exponents, b.exponents, atol=1e-10)


def test_batch_shape_errors_name_the_argument():
    with pytest.raises(ValueError, match="`x0` has 3 initial conditions but the system is a batch of 2"):
        lyapunov_spectrum(Henon(a=[1.4, 1.2]), np.zeros((3, 2)), 10, progress=False)
    with pytest.raises(ValueError, match="array parameters must have one common length"):
        Henon(a=[1.4, 1.2], b=[0.3, 0.3, 0.3])
    with pytest.raises(ValueError, match="`r` must be <= 4.0"):
        Logistic([3.0, 4.5])

    class Plain:  # a user system that does not take batched states
        dim, dt = 1, 1.0

        def step(self, x, t):
            return 0.5 * x

        def tangent(self, x, t, V):
            return 0.5 * V

    with pytest.raises(ValueError, match="does not take batched states"):
        lyapunov_spectrum(Plain(), np.zeros((4, 1)), 10, progress=False)


def test_divergence_in_a_batch_names_the_member():
    with pytest.raises(DivergenceError, match=r"batch member\(s\) \[1\]") as info:
        lyapunov_spectrum(Henon(a=[1.4, 5.0]), [0.1, 0.1], 1000, transient=0, progress=False)
    assert info.value.step is not None


# ------------------------------------------------------------------ user maps and flows

def _henon_rule(x, p):
    return torch.stack([1 - p[0] * x[0] * x[0] + x[1], p[1] * x[0]])


def _lorenz_rule(x, p):
    return torch.stack([p[0] * (x[1] - x[0]), x[0] * (p[1] - x[2]) - x[1], x[0] * x[1] - p[2] * x[2]])


def test_autodiff_map_and_flow_match_the_hand_written_systems():
    a = lyapunov_spectrum(Map(_henon_rule, 2, params=[1.4, 0.3]), [0.1, 0.1], 600, transient=50,
                          seed=0, progress=False)
    b = lyapunov_spectrum(Henon(), [0.1, 0.1], 600, transient=50, seed=0, progress=False)
    np.testing.assert_allclose(a.exponents, b.exponents, atol=1e-10)
    f = lyapunov_spectrum(Flow(_lorenz_rule, 3, params=[10.0, 28.0, 8.0 / 3.0]), [1.0, 1.0, 1.0], 60,
                          transient=10, seed=0, progress=False)
    g = lyapunov_spectrum(Lorenz63(), [1.0, 1.0, 1.0], 60, transient=10, seed=0, progress=False)
    np.testing.assert_allclose(f.exponents, g.exponents, atol=1e-10)
    # batched parameters, like the classic systems
    fb = lyapunov_spectrum(Flow(_lorenz_rule, 3, params=[[10, 28, 8 / 3], [10, 20, 8 / 3]]), [1.0, 1.0, 1.0],
                           25, seed=0, progress=False)
    gb = lyapunov_spectrum(Lorenz63(rho=[28.0, 20.0]), [1.0, 1.0, 1.0], 25, seed=0, progress=False)
    np.testing.assert_allclose(fb.exponents, gb.exponents, atol=1e-10)


def test_trivial_linear_map_and_flow():
    m = lyapunov_spectrum(Map(lambda x: -0.9 * x, 1), [1.0], 50, progress=False)
    assert abs(m.exponents[0] - math.log(0.9)) < 1e-12
    f = lyapunov_spectrum(Flow(lambda x: -0.9 * x, 1, dt=0.01), [1.0], 500, progress=False)
    assert abs(f.exponents[0] + 0.9) < 1e-9          # RK4 error of exp(-0.009) is ~1e-13 per step
    A = torch.tensor([[0.5, 1.0], [0.0, -1.0]], dtype=torch.float64)
    j = lyapunov_spectrum(Map(lambda x: A @ x, 2, jacobian=lambda x: A), [1.0, 1.0], 200, transient=50,
                          seed=0, progress=False)
    np.testing.assert_allclose(j.exponents, [0.0, math.log(0.5)], atol=1e-9)


def test_map_keeps_torch_dtype_and_refuses_bad_input():
    m = Map(lambda x: 0.5 * x, 2)
    y = m.step(torch.ones(2, dtype=torch.float32), 0)
    assert y.dtype == torch.float32
    with pytest.raises(TypeError, match="`f` must be callable"):
        Map(3, 2)
    with pytest.raises(ValueError, match="`dim` must be >= 1"):
        Map(lambda x: x, 0)
    with pytest.raises(ValueError, match="`params` must be finite"):
        Map(lambda x, p: x, 1, params=[np.nan])
    with pytest.raises(ValueError, match="`dt` must be a positive"):
        Flow(lambda x: x, 1, dt=0.0)


# ------------------------------------------------------------------ issue 13's input cases

def test_long_reortho_interval_is_recomputed_not_minus_inf():
    a = lyapunov_spectrum(Henon(), [0.1, 0.1], 1000, transient=1000, reortho_every=2000, seed=0,
                          progress=False)
    b = lyapunov_spectrum(Henon(), [0.1, 0.1], 1000, transient=1000, seed=0, progress=False)
    assert np.all(np.isfinite(a.exponents))
    np.testing.assert_allclose(a.exponents, b.exponents, atol=1e-9)
    assert abs(a.sum - math.log(0.3)) < 1e-9


def test_a_genuinely_singular_map_still_gives_minus_inf():
    with pytest.warns(RuntimeWarning, match="singular tangent map"):
        r = lyapunov_spectrum(LinearMap(np.diag([2.0, 0.0])), [1.0, 1.0], 20, transient=5, reortho_every=5, seed=0,
                              progress=False)
    assert r.exponents[1] == -np.inf and abs(r.exponents[0] - math.log(2)) < 1e-12


def test_memory_does_not_grow_with_n_steps():
    import tracemalloc

    tracemalloc.start()
    lyapunov_spectrum(LinearMap(np.diag([1.5, 0.5])), [0.0, 0.0], 5000, seed=0, progress=False)
    peak_small = tracemalloc.get_traced_memory()[1]
    tracemalloc.reset_peak()
    lyapunov_spectrum(LinearMap(np.diag([1.5, 0.5])), [0.0, 0.0], 20000, seed=0, progress=False)
    peak_big = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    # storing the stretches would add 15000 x 2 x 8 = 240 kB more; streaming keeps a fixed 64 kB chunk
    assert peak_big < peak_small + 48_000   # so 10**9 steps need no 15 GiB array


def test_float32_state_or_numpy_x0_for_a_float64_optimizer_map():
    from dynsys import OptimizerMap

    H = torch.diag(torch.tensor([1.0, 3.0], dtype=torch.float64))
    m = OptimizerMap(lambda w, b: 0.5 * w @ H @ w, torch.ones(2, dtype=torch.float64), [None], lr=0.1)
    ref = lyapunov_spectrum(m, m.initial_state(), 30, transient=50, seed=0, progress=False).exponents
    for x0 in (m.initial_state().float(), m.initial_state().numpy(), [1.0, 1.0]):
        r = lyapunov_spectrum(m, x0, 30, transient=50, seed=0, progress=False)
        np.testing.assert_allclose(r.exponents, ref, atol=1e-9)


# ------------------------------------------------------------------ windows and drift

def test_windows_average_to_the_exponent_and_drift_flags_non_stationary_runs():
    r = lyapunov_spectrum(Henon(), [0.1, 0.1], 20_000, transient=100, seed=0, n_windows=8, progress=False)
    w = np.diff(r.window_edges)
    np.testing.assert_allclose((r.windows * w[:, None]).sum(0) / w.sum(), r.exponents, atol=1e-12)
    assert r.window_edges[0] == 0 and r.window_edges[-1] == r.n_steps
    assert not r.drifting.any()       # stationary: the halves agree within their errors

    class Slowing:                    # stretch e^{c/sqrt(t)}: the running estimate keeps falling
        dim, dt = 1, 1.0

        def step(self, x, t):
            return x

        def tangent(self, x, t, V):
            return math.exp(1.0 / math.sqrt(t + 1.0)) * V * (1.0 + 0.01 * math.sin(t))

    with pytest.warns(RuntimeWarning, match="still drifting"):
        s = lyapunov_spectrum(Slowing(), [0.0], 4000, seed=0, progress=False)
    assert s.drifting[0] and abs(s.drift[0]) > DRIFT_Z * s.drift_stderr[0]


@settings(max_examples=15, deadline=None)
@given(st.integers(1, 6), st.integers(1, 40), st.integers(1, 7))
def test_streaming_statistics_are_consistent(n_windows, n_steps, every):
    r = lyapunov_spectrum(LinearMap(np.diag([1.5, 0.5])), [1.0, 1.0], n_steps, reortho_every=every,
                          n_windows=n_windows, frame=np.eye(2), progress=False)
    np.testing.assert_allclose(r.exponents, [math.log(1.5), math.log(0.5)], atol=1e-9)
    assert r.checkpoints[-1] == n_steps and r.history.shape[1] == 2
    assert np.all(np.diff(r.window_edges) > 0) and r.window_edges[-1] == n_steps
    np.testing.assert_allclose(r.history[-1], r.exponents, atol=1e-12)


# ------------------------------------------------------------------ optimizer maps batched over hyperparameters

def test_optimizer_map_batched_over_learning_rates_and_momenta():
    from dynsys import OptimizerMap

    h = np.array([5.0, 2.0, 0.5])
    H = torch.diag(torch.tensor(h, dtype=torch.float64))
    loss = lambda w, b: 0.5 * w @ H @ w  # noqa: E731
    lrs = [0.1, 0.15, 0.3]
    m = OptimizerMap(loss, torch.ones(3, dtype=torch.float64), [None], lr=lrs)
    assert m.batch_size == 3 and m.initial_state().shape == (3, 3)
    r = lyapunov_spectrum(m, m.initial_state(), 20, transient=60, seed=0, progress=False)
    exact = [np.sort(np.log(np.abs(1 - lr * h)))[::-1] for lr in lrs]    # GD: ln|1 - eta h|
    np.testing.assert_allclose(r.exponents, exact, atol=1e-9)
    # heavy ball over a grid of momenta, member by member equal to single maps (same frame)
    mus = [0.0, 0.5, 0.9]
    mb = OptimizerMap(loss, torch.ones(3, dtype=torch.float64), [None], optimizer="momentum", lr=0.1, momentum=mus)
    frame = np.linalg.qr(np.random.default_rng(0).standard_normal((6, 6)))[0]
    rb = lyapunov_spectrum(mb, mb.initial_state(), 40, transient=5, frame=frame, progress=False)
    for i, mu in enumerate(mus):
        m1 = OptimizerMap(loss, torch.ones(3, dtype=torch.float64), [None], optimizer="momentum", lr=0.1,
                          momentum=mu)
        r1 = lyapunov_spectrum(m1, m1.initial_state(), 40, transient=5, frame=frame, progress=False)
        np.testing.assert_allclose(rb.exponents[i], r1.exponents, atol=1e-10)
    with pytest.raises(ValueError, match="one common length"):
        OptimizerMap(loss, torch.ones(3, dtype=torch.float64), [None], optimizer="momentum", lr=[0.1, 0.2],
                     momentum=[0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="`lr` must be > 0"):
        OptimizerMap(loss, torch.ones(3, dtype=torch.float64), [None], lr=[0.1, -0.2])


def test_single_henon_fast_path_is_the_batched_arithmetic_bit_for_bit():
    """One float64 Hénon map skips the batch machinery; it must compute exactly what a batch of one does,
    and other dtypes (float32, torch) keep the generic path and their dtype."""
    import torch

    from dynsys import Henon

    one, batch = Henon(1.3, 0.25), Henon(a=[1.3], b=[0.25])
    rng = np.random.default_rng(7)
    for _ in range(50):
        x, V = rng.normal(size=2), rng.normal(size=(2, 2))
        np.testing.assert_array_equal(one.step(x, 0), batch.step(x[None], 0)[0])
        np.testing.assert_array_equal(one.tangent(x, 0, V), batch.tangent(x[None], 0, V[None])[0])
    assert one.step(np.zeros(2, dtype=np.float32), 0).dtype == np.float32
    assert one.tangent(np.zeros(2, dtype=np.float32), 0, np.eye(2, dtype=np.float32)).dtype == np.float32
    assert one.step(torch.zeros(2, dtype=torch.float32), 0).dtype == torch.float32
    a = lyapunov_spectrum(one, [0.1, 0.1], 3000, transient=100, seed=0, progress=False)
    b = lyapunov_spectrum(batch, [0.1, 0.1], 3000, transient=100, seed=0, progress=False)
    np.testing.assert_array_equal(a.exponents, b.exponents[0])


def test_single_lorenz_fast_path_is_the_batched_arithmetic_bit_for_bit():
    from dynsys import Lorenz63

    one, batch = Lorenz63(sigma=9.0, rho=27.0), Lorenz63(sigma=[9.0], rho=[27.0])
    rng = np.random.default_rng(8)
    for _ in range(50):
        x, V = rng.normal(size=3) * 5, rng.normal(size=(3, 3))
        np.testing.assert_array_equal(one.rhs(x), batch.rhs(x[None])[0])
        np.testing.assert_array_equal(one.jac_vec(x, V), batch.jac_vec(x[None], V[None])[0])
        np.testing.assert_array_equal(one.step(x, 0), batch.step(x[None], 0)[0])
        np.testing.assert_array_equal(one.tangent(x, 0, V), batch.tangent(x[None], 0, V[None])[0])
    assert one.rhs(np.ones(3, dtype=np.float32)).dtype == np.float32
    a = lyapunov_spectrum(one, [1.0, 1.0, 1.0], 2000, transient=100, seed=0, progress=False)
    b = lyapunov_spectrum(batch, [1.0, 1.0, 1.0], 2000, transient=100, seed=0, progress=False)
    np.testing.assert_array_equal(a.exponents, b.exponents[0])

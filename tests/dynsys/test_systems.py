"""Classic systems against literature and exact values.

Literature values: J. C. Sprott, "Chaos and Time-Series Analysis" (Oxford, 2003),
Appendix A: Hénon (a=1.4, b=0.3) 0.41922, -1.62319; Lorenz-63 (10, 28, 8/3)
0.9056, 0, -14.5723.  Exact: logistic r=4 has exponent ln 2; sums equal the average
log|det J| (ln b for Hénon, -(sigma + 1 + beta) for Lorenz-63, 0 for the standard map,
-n for Lorenz-96).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.linalg import expm

from dynsys.lyapunov import lyapunov_spectrum
from dynsys.systems import Henon, LinearFlow, LinearMap, Logistic, Lorenz63, Lorenz96, StandardMap

torch.set_num_threads(1)

SYSTEMS = [Henon(), Logistic(3.7), StandardMap(2.0), Lorenz63(), Lorenz96(6, 8.0), LinearFlow(np.diag([1.0, -2.0]))]


@pytest.mark.parametrize("system", SYSTEMS, ids=lambda s: type(s).__name__)
def test_tangent_matches_finite_differences(system):
    rng = np.random.default_rng(0)
    x = system.initial_state() + 0.01 * rng.standard_normal(system.dim)
    if isinstance(system, Logistic):
        x = np.array([0.3])
    V = rng.standard_normal((system.dim, 3))
    W = system.tangent(x, 0, V)
    h = 1e-6
    for j in range(3):
        fd = (system.step(x + h * V[:, j], 0) - system.step(x - h * V[:, j], 0)) / (2 * h)
        np.testing.assert_allclose(W[:, j], fd, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("system", SYSTEMS, ids=lambda s: type(s).__name__)
def test_torch_and_numpy_states_agree(system):
    x = system.initial_state()
    V = np.eye(system.dim)
    xt, Vt = torch.tensor(x), torch.tensor(V)
    np.testing.assert_allclose(system.step(xt, 0).numpy(), system.step(x, 0), rtol=1e-14, atol=1e-14)
    np.testing.assert_allclose(system.tangent(xt, 0, Vt).numpy(), system.tangent(x, 0, V), rtol=1e-14, atol=1e-14)


def test_henon_literature_quick():
    s = Henon()
    r = lyapunov_spectrum(s, s.initial_state(), 40_000, transient=1000, seed=0, progress=False)
    # Sprott (2003): 0.41922, -1.62319; tolerance 2e-3 plus 4 standard errors
    np.testing.assert_array_less(np.abs(r.exponents - [0.41922, -1.62319]), 2e-3 + 4 * r.stderr)
    assert abs(r.sum - math.log(0.3)) < 1e-6   # det J = -b at every step
    # negative control: the classic a=1.4 value is not that of a=1.3 (a periodic window)
    r2 = lyapunov_spectrum(Henon(1.3, 0.3), [0.1, 0.1], 5000, transient=1000, seed=0, progress=False)
    assert abs(r2.exponents[0] - 0.41922) > 0.1


@pytest.mark.slow
def test_henon_literature_strict():
    s = Henon()
    r = lyapunov_spectrum(s, s.initial_state(), 1_000_000, transient=1000, seed=0, progress=False)
    np.testing.assert_allclose(r.exponents, [0.41922, -1.62319], atol=2e-3)
    assert abs(r.sum - math.log(0.3)) < 1e-6


def test_lorenz63_quick():
    s = Lorenz63(dt=0.01)
    r = lyapunov_spectrum(s, s.initial_state(), 10_000, transient=1000, seed=0, progress=False)
    np.testing.assert_array_less(np.abs(r.exponents - [0.9056, 0.0, -14.5723]), 1e-2 + 4 * r.stderr)
    # RK4 with dt = 0.01 preserves the volume contraction to O(dt^4)
    assert abs(r.sum - s.divergence) < 2e-4


@pytest.mark.slow
def test_lorenz63_strict():
    s = Lorenz63(dt=0.005)
    r = lyapunov_spectrum(s, s.initial_state(), 2_000_000, transient=10_000, seed=0, progress=False)
    np.testing.assert_allclose(r.exponents, [0.9056, 0.0, -14.5723], atol=1e-2)
    assert abs(r.sum + (10 + 1 + 8 / 3)) < 1e-5


def test_lorenz63_stable_fixed_point_at_rho_20():
    # rho = 20 < rho_H ~ 24.74: orbits converge to a fixed point, all exponents negative
    s = Lorenz63(rho=20.0)
    r = lyapunov_spectrum(s, s.initial_state(), 4000, transient=2000, seed=0, progress=False)
    assert r.exponents[0] < -0.01


def test_logistic_r4_is_ln2():
    s = Logistic(4.0)
    r = lyapunov_spectrum(s, [0.3], 50_000, transient=100, seed=0, progress=False)
    assert abs(r.exponents[0] - math.log(2)) < 1e-3
    # negative control: r = 3.2 is a stable 2-cycle, negative exponent
    r2 = lyapunov_spectrum(Logistic(3.2), [0.3], 2000, transient=500, seed=0, progress=False)
    assert r2.exponents[0] < -0.1


def test_standard_map_sums_to_zero():
    s = StandardMap(6.0)
    r = lyapunov_spectrum(s, s.initial_state(), 20_000, seed=0, progress=False)
    assert abs(r.sum) < 1e-10
    # large K: lambda ~ ln(K/2) (Chirikov 1979); loose check of chaos
    assert abs(r.exponents[0] - math.log(6.0 / 2)) < 0.1


def test_lorenz96_sum_is_minus_n():
    s = Lorenz96(8, 8.0)
    r = lyapunov_spectrum(s, s.initial_state(), 2000, transient=500, seed=0, progress=False)
    assert abs(r.sum + 8.0) < 1e-3
    assert r.exponents[0] > 0.5  # chaotic at F = 8 (Lorenz 1996: lambda_1 ~ 1.2 per day at n=40)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**16), dim=st.integers(1, 4))
def test_linear_map_exponents_are_log_abs_eigenvalues(seed, dim):
    rng = np.random.default_rng(seed)
    # well-separated moduli so the frame aligns within the transient
    mods = np.exp(np.sort(rng.uniform(-2.0, 2.0, dim))[::-1] + np.arange(dim)[::-1] * 0.3)
    P = rng.standard_normal((dim, dim)) + 3 * np.eye(dim)
    A = P @ np.diag(mods * rng.choice([-1.0, 1.0], dim)) @ np.linalg.inv(P)
    r = lyapunov_spectrum(LinearMap(A), np.zeros(dim), 200, transient=200, seed=seed, progress=False)
    np.testing.assert_allclose(r.exponents, np.sort(np.log(mods))[::-1], atol=1e-6)


def test_linear_map_singular_gives_minus_inf():
    A = np.array([[2.0, 0.0], [0.0, 0.0]])
    with pytest.warns(RuntimeWarning, match="singular tangent map"):
        r = lyapunov_spectrum(LinearMap(A), [1.0, 1.0], 50, transient=1, seed=0, progress=False)
    assert r.exponents[1] == -np.inf and abs(r.exponents[0] - math.log(2)) < 1e-12
    assert not np.isnan(r.stderr).any()


def test_map_and_time_rescaled_flow_agree():
    A = np.array([[0.3, 1.0], [-1.0, -0.5]])
    dt = 0.01
    flow = lyapunov_spectrum(LinearFlow(A, dt=dt), [1.0, 0.0], 4000, transient=500, seed=0, progress=False)
    mp = lyapunov_spectrum(LinearMap(expm(A * dt)), [1.0, 0.0], 4000, transient=500, seed=0, progress=False)
    np.testing.assert_allclose(flow.exponents, mp.exponents / dt, atol=1e-6)
    # both agree with Re(eig A) up to the finite-time oscillation of a complex pair
    np.testing.assert_allclose(flow.sum, np.trace(A), atol=1e-8)


@pytest.mark.parametrize("kw,match", [
    (dict(a="x"), "`a`"), (dict(b=float("nan")), "`b`"),
])
def test_bad_parameters(kw, match):
    with pytest.raises((TypeError, ValueError), match=match):
        Henon(**kw)


def test_bad_system_parameters_more():
    with pytest.raises(ValueError, match="`r`"):
        Logistic(5.0)
    with pytest.raises(ValueError, match="`n`"):
        Lorenz96(3)
    with pytest.raises(ValueError, match="`dt`"):
        Lorenz63(dt=0.0)
    with pytest.raises(ValueError, match="`A`"):
        LinearMap(np.ones((2, 3)))

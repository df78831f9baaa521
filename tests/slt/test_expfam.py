"""The G-equivariant exponential family (note 004): normalisers, symmetry, exact lambda."""

import numpy as np
import pytest
import sympy as sp
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.special import i0

from slt.models.expfam import (Theta2CircleModel, circle_expfam, cyclic_group, finite_expfam,
                               morse_bott_rlct, numerical_rank, sphere_expfam)

R = sp.Rational
finite_theta = arrays(np.float64, 2, elements=st.floats(-2, 2))


def fourier_features(n):
    x = np.arange(n)
    return np.stack([np.cos(2 * np.pi * x / n), np.sin(2 * np.pi * x / n)], axis=1)


# --------------------------------------------------------------------------- normalisers (oracles)

@pytest.mark.parametrize("kappa", [0.0, 0.3, 1.0, 3.0])
def test_circle_normaliser_is_bessel_i0(kappa):
    # von Mises: (1/2pi) int exp(kappa cos x) dx = I0(kappa)
    fam = circle_expfam((1,))
    assert fam.log_partition(np.array([kappa * 0.6, kappa * 0.8])) == pytest.approx(np.log(i0(kappa)), abs=1e-13)


@pytest.mark.parametrize("kappa", [0.1, 1.0, 4.0])
def test_sphere_normaliser_is_sinh_over_kappa(kappa):
    # (1/4pi) int_{S^2} exp(<theta, x>) dsigma = sinh|theta| / |theta|
    fam = sphere_expfam(1)
    th = kappa * np.array([0.48, -0.6, 0.64])
    assert fam.log_partition(th) == pytest.approx(np.log(np.sinh(kappa) / kappa), abs=1e-12)


def test_fisher_is_hessian_of_log_partition():
    fam = circle_expfam((1, 2))
    th = np.array([0.3, -0.2, 0.5, 0.1])
    eps = 1e-4
    num = np.zeros((4, 4))
    for i in range(4):
        for j in range(4):
            e_i, e_j = np.eye(4)[i] * eps, np.eye(4)[j] * eps
            num[i, j] = (fam.log_partition(th + e_i + e_j) - fam.log_partition(th + e_i - e_j)
                         - fam.log_partition(th - e_i + e_j) + fam.log_partition(th - e_i - e_j)) / (4 * eps**2)
    assert np.allclose(fam.fisher(th), num, atol=1e-6)
    assert np.allclose(sphere_expfam(1).fisher(np.zeros(3)), np.eye(3) / 3, atol=1e-14)  # Cov of uniform x


@settings(max_examples=15)
@given(arrays(np.float64, 4, elements=st.floats(-1.5, 1.5)), arrays(np.float64, 4, elements=st.floats(-1.5, 1.5)))
def test_kl_is_bregman_divergence_and_nonnegative(ts, th):
    fam = circle_expfam((1, 1), n_points=64)
    assert fam.kl(ts, th) == pytest.approx(fam.kl_direct(ts, th), abs=1e-12)
    assert fam.kl(ts, th) >= 0 and fam.kl(ts, ts) == 0


def test_torch_potential_matches_kl():
    fam = sphere_expfam(2)
    ts = np.array([0.2, 0.1, -0.3, -0.2, -0.1, 0.3])
    th = ts + 0.3
    K = fam.potential(ts)
    assert float(K(torch.as_tensor(th))) == pytest.approx(fam.kl(ts, th), abs=1e-13)
    assert K(torch.zeros(5, 6)).shape == (5,)


# --------------------------------------------------------------------------- symmetry

FAMILIES = [lambda: finite_expfam(fourier_features(5), cyclic_group(5)),
            lambda: finite_expfam(np.eye(4), cyclic_group(4)),
            lambda: circle_expfam((1,)), lambda: circle_expfam((1, 1, 2)),
            lambda: sphere_expfam(1), lambda: sphere_expfam(2)]


@pytest.mark.parametrize("make", FAMILIES)
def test_features_are_equivariant(make):
    assert make().equivariance_error() < 1e-12


@settings(max_examples=10)
@given(st.integers(0, len(FAMILIES) - 1), st.integers(0, 2**31 - 1))
def test_generic_symmetry_holds_for_every_theta(i, seed):
    fam = FAMILIES[i]()
    th = np.random.default_rng(seed).normal(size=fam.dim)
    # p(g x | theta) = p(x | rho*(g) theta) for ALL theta (note 004)
    assert fam.generic_symmetry_error(th, seed=seed) < 1e-11


def test_degeneracy_at_invariant_realizable_q():
    fam = circle_expfam((1, 1))
    ts = np.array([1.0, 0.3, -1.0, -0.3])       # p(.|ts) = uniform: invariant
    assert fam.invariance_error(ts) < 1e-12
    for g in [0.3, 1.7, 4.0]:
        moved = fam.orbit(ts, g)
        assert not np.allclose(moved, ts)        # a genuinely different parameter ...
        assert np.max(np.abs(fam.log_prob(moved) - fam.log_prob(ts))) < 1e-12  # ... same distribution
        assert fam.kl(ts, moved) < 1e-14


def test_negative_control_non_invariant_q_has_no_degeneracy():
    fam = circle_expfam((1, 1))
    ts = np.array([1.0, 0.0, 0.0, 0.0])          # von Mises: not rotation invariant
    assert fam.invariance_error(ts) > 0.1
    assert fam.kl(ts, fam.orbit(ts, 1.0)) > 0.1


@pytest.mark.parametrize("make, theta, orbit_dim, dim_g", [
    (lambda: circle_expfam((1,)), np.zeros(2), 0, 1),                        # minimal T: q invariant => theta* = 0
    (lambda: circle_expfam((1, 1)), np.array([1.0, 0.3, -1.0, -0.3]), 1, 1),
    (lambda: sphere_expfam(1), np.zeros(3), 0, 3),
    (lambda: sphere_expfam(2), np.array([0.0, 0.0, 1.0, 0.0, 0.0, -1.0]), 2, 3),  # stabiliser SO(2)
    (lambda: finite_expfam(np.eye(4), cyclic_group(4)), np.ones(4), 0, 0),
])
def test_orbit_dimension(make, theta, orbit_dim, dim_g):
    fam = make()
    assert fam.orbit_dimension(theta) == orbit_dim and fam.dim_group == dim_g


# --------------------------------------------------------------------------- exact lambda

@pytest.mark.parametrize("make, theta, lam, null_dim", [
    (lambda: finite_expfam(np.eye(5), cyclic_group(5)), np.zeros(5), R(2), 1),   # categorical: (n-1)/2
    (lambda: finite_expfam(fourier_features(5), cyclic_group(5)), np.zeros(2), R(1), 0),
    (lambda: circle_expfam((1,)), np.zeros(2), R(1), 0),
    (lambda: circle_expfam((1, 1)), np.array([1.0, 0.3, -1.0, -0.3]), R(1), 2),
    (lambda: circle_expfam((1, 2, 1)), np.array([0.5, 0.0, 0.0, 0.0, -0.5, 0.0]), R(2), 2),
    (lambda: sphere_expfam(2), np.array([0.2, 0.1, -0.3, -0.2, -0.1, 0.3]), R(3, 2), 3),
])
def test_exact_lambda_and_optimal_set(make, theta, lam, null_dim):
    fam = make()
    assert fam.rlct(theta)[:2] == (lam, 1)
    opt = fam.optimal_set(theta)
    assert opt.dim == null_dim
    rng = np.random.default_rng(0)
    for _ in range(3):  # K vanishes on the whole affine optimal set ...
        c = rng.normal(size=null_dim)
        assert fam.kl(theta, theta + c @ opt.directions) < 1e-12
    # ... and lambda sits at Bushnaq's lower bound (Morse-Bott)
    b = fam.hessian_rank_bound(theta)
    assert b.lower == lam <= b.upper


def test_lambda_by_volume_scaling():
    # Independent check of lambda = rank/2: Vol{K < eps} ~ eps^lambda (m = 1) near theta*.
    fam = circle_expfam((1, 1), n_points=32)
    ts = np.array([1.0, 0.3, -1.0, -0.3])
    rng = np.random.default_rng(1)
    pts = ts + rng.uniform(-0.5, 0.5, size=(200_000, 4))
    K = fam.potential(ts)(torch.as_tensor(pts)).numpy()
    eps = np.array([1e-2, 1e-3])
    frac = np.array([(K < e).mean() for e in eps])
    slope = np.log(frac[0] / frac[1]) / np.log(10)
    se = np.sqrt(1 / (K < eps[1]).sum() + 1 / (K < eps[0]).sum()) / np.log(10)
    assert abs(slope - 1.0) < 4 * se + 0.02
    assert abs(slope - 2.0) > 4 * se               # negative control: not the regular d/2 = 2


# --------------------------------------------------------------------------- theta2 variant

def test_theta2_equivariance_depends_on_s():
    m = Theta2CircleModel()
    assert m.equivariance_error(0.0) < 1e-12
    assert m.equivariance_error(0.7) > 0.1


def test_theta2_rlct_lower_at_equivariant_point():
    m = Theta2CircleModel()
    K = m.potential()
    for w in (m.equivariant_point(), m.non_equivariant_point()):
        assert abs(float(K(torch.as_tensor(w)))) < 1e-13       # both realise q = uniform
    a, b = m.local_rlct(m.equivariant_point()), m.local_rlct(m.non_equivariant_point())
    assert (a.value, b.value) == (R(3, 2), R(2))
    assert m.hessian_rank_bound(m.equivariant_point()).upper < m.hessian_rank_bound(m.non_equivariant_point()).upper


def test_morse_bott_rejects_curved_zero_set():
    # K = (y - x^2)^2: the Hessian null direction x is not in the zero set (K(x, 0) = x^4)
    with pytest.raises(ValueError, match="not flat"):
        morse_bott_rlct(lambda w: (w[..., 1] - w[..., 0] ** 2) ** 2, [0.0, 0.0])


# --------------------------------------------------------------------------- bad input

def test_bad_inputs():
    with pytest.raises(ValueError, match="not equivariant"):
        finite_expfam(np.array([[1.0], [2.0], [3.0]]), cyclic_group(3))
    with pytest.raises(ValueError, match="permutations"):
        finite_expfam(np.eye(3), [np.array([0, 0, 1])])
    with pytest.raises(ValueError, match="`theta`"):
        circle_expfam((1,)).log_partition(np.zeros(3))
    with pytest.raises(ValueError, match="`harmonics`"):
        circle_expfam((0,))
    with pytest.raises(ValueError, match="`copies`"):
        sphere_expfam(0)
    with pytest.raises(ValueError, match="`theta`"):
        circle_expfam((1,)).kl(np.zeros(2), np.array([np.nan, 0.0]))


def test_numerical_rank():
    assert numerical_rank(np.zeros((3, 3))) == 0
    assert numerical_rank(np.eye(3)) == 3


def test_theta2_counterexample_equal_rlct():
    # without the s cos 3x term the non-equivariant optimal set is 2-dimensional too: equal lambda
    m = Theta2CircleModel(third=None)
    assert m.equivariance_error(0.0) < 1e-12 and m.equivariance_error(0.7) > 0.1
    assert abs(float(m.potential()(torch.as_tensor(m.non_equivariant_point())))) < 1e-13
    assert m.local_rlct(m.equivariant_point()).value == m.local_rlct(m.non_equivariant_point()).value == R(3, 2)

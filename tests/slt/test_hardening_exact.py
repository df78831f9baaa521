"""Issue 13 for slt.exact, slt.geometry and slt.models.expfam: clean errors instead of silent answers,
deep tracebacks or exponential hangs."""

from __future__ import annotations

import time

import numpy as np
import pytest
import sympy as sp
import torch

from slt import behaviour_jacobian, hessian_decomposition, rlct_newton, squared_loss_star
from slt.exact import MAX_NEWTON_VERTICES, _rank
from slt.geometry import jacobian_rank
from slt.models import cyclic_group, finite_expfam

x, y, w = sp.symbols("x y w")


@pytest.mark.parametrize("K, exc, pattern", [
    (None, TypeError, "`K` must be a sympy expression"),                     # AttributeError before
    (sp.oo * x ** 2, ValueError, "finite real coefficients, got oo"),        # returned lambda = 1/2
    (sp.I * x ** 2 + y ** 2, ValueError, "finite real coefficients, got I"),
    (sp.zoo * x ** 2, ValueError, "finite real coefficients"),
])
def test_rlct_newton_refuses_non_polynomials(K, exc, pattern):
    with pytest.raises(exc, match=pattern):
        rlct_newton(K, [x, y])
    with pytest.raises(TypeError, match="`variables`"):
        rlct_newton(x ** 2, "xy")


def test_rlct_newton_sum_of_many_squares_is_fast_and_regular():
    # a sum of d squares is regular: lambda = d/2, m = 1 (it took exponential time: 35 s at 14 variables)
    xs = sp.symbols("x0:30")
    t0 = time.perf_counter()
    r = rlct_newton(sum(v ** 2 for v in xs), xs)
    assert (r.value, r.multiplicity, r.exact) == (15, 1, True)
    assert time.perf_counter() - t0 < 10


def test_rlct_newton_high_degree_does_not_overflow():
    # expand((x^2 + y^2 + w^2 + x y)^10) raised OverflowError in the numerical torus search;
    # degree 24 in two variables exercises the same clipping quickly: (x^2 + xy + y^2)^12 is
    # non-degenerate (x^2 + xy + y^2 > 0 off the origin) and homogeneous of degree 24: lambda = 2/24
    r = rlct_newton(sp.expand((x ** 2 + x * y + y ** 2) ** 12), [x, y])
    assert r.value == sp.Rational(1, 12) and r.exact


def test_rlct_newton_face_enumeration_is_bounded():
    # 13 vertices that are not all positive even monomials: refused up front with the documented bound
    xs = sp.symbols(f"x0:{MAX_NEWTON_VERTICES + 1}")
    K = sum(v ** 2 for v in xs) + xs[0] * xs[1] ** 3
    t0 = time.perf_counter()
    with pytest.raises(ValueError, match="documented bound"):
        rlct_newton(K, xs)
    assert time.perf_counter() - t0 < 10


def test_exact_rank_matches_numpy_on_random_rational_matrices():
    from fractions import Fraction

    rng = np.random.default_rng(0)
    for _ in range(20):
        a = rng.integers(-2, 3, size=(rng.integers(1, 7), rng.integers(1, 7)))
        if rng.random() < 0.5 and a.shape[0] > 1:
            a[-1] = a[0] * 2      # a dependent row
        assert _rank([[Fraction(int(v)) for v in row] for row in a]) == np.linalg.matrix_rank(a)


# --------------------------------------------------------------------------- geometry
def test_geometry_arguments_named():
    net = torch.nn.Linear(2, 1)
    with pytest.raises(TypeError, match="`theta` must be array-like"):
        behaviour_jacobian(net, torch.zeros(3, 2), theta="abc")
    with pytest.raises(TypeError, match="`J` must be array-like of numbers, got None"):
        jacobian_rank(None)                          # None used to read as NaN: "must be finite"
    with pytest.raises(TypeError, match="`inputs` must be real"):
        behaviour_jacobian(net, torch.zeros(3, 2, dtype=torch.complex64))
    with pytest.raises(ValueError, match="`targets` has 5 entries but the outputs have 3"):
        hessian_decomposition(net, torch.zeros(3, 2), squared_loss_star(torch.zeros(5)))


def test_geometry_refuses_hessians_that_do_not_fit(monkeypatch):
    monkeypatch.setenv("PATHDEP_MAX_MEMORY", "1M")
    net = torch.nn.Linear(300, 1)                   # 301 parameters: a 301 x 301 Hessian is 0.7 MB ... x 6
    with pytest.raises(ValueError, match="hessian_decomposition of 4 outputs x 301 parameters would need"):
        hessian_decomposition(net, torch.zeros(4, 300), squared_loss_star(torch.zeros(4, 1)))


# --------------------------------------------------------------------------- expfam
def test_expfam_constructors_refuse_what_does_not_fit():
    with pytest.raises(ValueError, match=r"cyclic_group\(100000\): .* would need 74.5 GiB"):
        cyclic_group(100_000)                       # rlct expfam --n 100000
    with pytest.raises(TypeError, match="`group` must be a sequence"):
        finite_expfam(np.eye(3), 3)
    assert [g.tolist() for g in cyclic_group(3)] == [[0, 1, 2], [1, 2, 0], [2, 0, 1]]


def test_torus_search_objective_never_overflows():
    # the OverflowError of expand((x^2 + y^2 + w^2 + x y)^10) came from float(...)**2 at |z| = 30 (e^600)
    from slt.exact import _relative_residual

    g = sp.expand((x ** 2 + y ** 2 + w ** 2 + x * y) ** 10)
    poly = sp.Poly(g, x, y, w)
    f = sp.lambdify([x, y, w], g, "numpy")
    fabs = sp.lambdify([x, y, w], sum(abs(c) * x ** i * y ** j * w ** k for (i, j, k), c in poly.terms()), "numpy")
    z = np.array([30.0, 30.0, 30.0])
    for zmax in (30.0, 300.0 / 20):      # the old clip, and the one rlct_newton uses for degree 20
        val = _relative_residual(f, fabs, z, np.ones(3), zmax)
        assert val == float("inf") or 0 <= val <= 1
    assert 0 < _relative_residual(f, fabs, z, np.ones(3), 300.0 / 20) <= 1

"""Exact RLCTs: hand-derived cases, literature values, cross-checks between methods, properties."""

import itertools
from fractions import Fraction

import numpy as np
import pytest
import sympy as sp
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from slt.errors import NonDegeneracyError
from slt.exact import (RLCT, hessian_rank_bound, rlct_deep_linear, rlct_newton, rlct_normal_crossing,
                       rlct_reduced_rank)
from slt.strategies import deep_linear_widths, normal_crossing_exponents, reduced_rank_dims

R = sp.Rational
x, y, z, w = sp.symbols("x y z w")


# --------------------------------------------------------------------------- normal crossing

@pytest.mark.parametrize("k, h, lam, m", [
    ([1], None, R(1, 2), 1),
    ([1, 1], None, R(1, 2), 2),
    ([1, 2], None, R(1, 4), 1),
    ([3, 3], None, R(1, 6), 2),
    ([0, 2], None, R(1, 4), 1),          # k_j = 0: a free variable
    ([1, 1], [2, 0], R(1, 2), 1),        # prior |w1|^2 lifts (h+1)/(2k) to 3/2 for w1
    ([2, 1], [1, 0], R(1, 2), 2),        # (1+1)/4 = 1/2 = (0+1)/2
    ([1], [Fraction(1, 2)], R(3, 4), 1),
])
def test_normal_crossing_hand_cases(k, h, lam, m):
    res = rlct_normal_crossing(k, h)
    assert res.value == lam and res.multiplicity == m and res.exact


# Lau et al. (2023) / devinterp test-suite table (devinterp tests, TRUE_LCS_PER_POWER):
# K = w1^(2 k1) w2^(2 k2), true lambda listed to 3 decimals (0.166 stands for 1/6).
LAU_TABLE = [([0, 1], 0.5), ([1, 1], 0.5), ([0, 2], 0.25), ([1, 2], 0.25), ([2, 2], 0.25),
             ([0, 3], 0.166), ([1, 3], 0.166), ([2, 3], 0.166), ([3, 3], 0.166)]


@pytest.mark.parametrize("k, lit", LAU_TABLE)
def test_normal_crossing_literature_table(k, lit):
    assert float(rlct_normal_crossing(k).value) == pytest.approx(lit, abs=1e-3)


@given(normal_crossing_exponents(with_prior=False))
def test_normal_crossing_at_most_half_dim(kh):
    k, _ = kh
    assert rlct_normal_crossing(k).value <= R(len(k), 2)


@given(normal_crossing_exponents(), st.randoms(use_true_random=False))
def test_normal_crossing_permutation_invariant(kh, rnd):
    k, h = kh
    idx = list(range(len(k)))
    rnd.shuffle(idx)
    assert rlct_normal_crossing(k, h) == rlct_normal_crossing([k[i] for i in idx], [h[i] for i in idx])


@given(normal_crossing_exponents(), st.data())
def test_normal_crossing_monotone_in_k(kh, data):
    k, h = kh
    j = data.draw(st.integers(0, len(k) - 1))
    k2 = list(k)
    k2[j] += 1
    assert rlct_normal_crossing(k2, h).value <= rlct_normal_crossing(k, h).value


@pytest.mark.parametrize("k, h, match", [
    ([-1, 2], None, "non-negative"),
    ([0, 0], None, "at least one positive"),
    ([], None, "at least one entry"),
    ([1, 2], [0], "2 entries"),
    ([1, 2], [0, -1], "non-negative"),
])
def test_normal_crossing_bad_input(k, h, match):
    with pytest.raises(ValueError, match=match):
        rlct_normal_crossing(k, h)


def test_normal_crossing_type_errors():
    with pytest.raises(TypeError, match="`k`"):
        rlct_normal_crossing([1.5])
    with pytest.raises(TypeError, match="`h`"):
        rlct_normal_crossing([1], [0.5])


# --------------------------------------------------------------------------- Newton polyhedron

@pytest.mark.parametrize("K, variables, prior, lam, m", [
    (x**2 + y**2, [x, y], None, R(1), 1),                    # regular: d/2
    (x**2 + y**2 + z**2, [x, y, z], None, R(3, 2), 1),
    (x**2 + y**4, [x, y], None, R(3, 4), 1),                 # 1/2 + 1/4 (disjoint variables add)
    (x**4 + y**4, [x, y], None, R(1, 2), 1),
    (x**2 * y**2, [x, y], None, R(1, 2), 2),
    (x**2 * y**4 + z**2, [x, y, z], None, R(3, 4), 1),       # 1/4 + 1/2
    (x**2 * y**2 + z**2 * w**2, [x, y, z, w], None, R(1), 3),  # 1/2 + 1/2, m = 2 + 2 - 1
    (x**2 + y**2, [x, y], [1, 0], R(3, 2), 1),               # prior |x|: (1+1)/2 + 1/2
    (x**2 + x * y + y**2, [x, y], None, R(1), 1),            # positive definite, not diagonal
])
def test_newton_hand_cases(K, variables, prior, lam, m):
    res = rlct_newton(K, variables, prior_exponents=prior)
    assert (res.value, res.multiplicity, res.exact) == (lam, m, True)


@settings(max_examples=15)
@given(normal_crossing_exponents(max_dim=3, max_k=3, max_h=2))
def test_newton_equals_normal_crossing_on_monomials(kh):
    k, h = kh
    vs = sp.symbols(f"v0:{len(k)}")
    K = sp.Mul(*[v ** (2 * kj) for v, kj in zip(vs, k)])
    assert rlct_newton(K, vs, prior_exponents=h)[:3] == rlct_normal_crossing(k, h)[:2] + (True,)


@settings(max_examples=10)
@given(st.integers(1, 3), st.integers(1, 3), st.integers(1, 3))
def test_newton_additive_over_disjoint_variables(a, b, c):
    # K = x^(2a) y^(2b) + z^(2c): lambda = min(1/2a, 1/2b) + 1/(2c), m = m1 + m2 - 1 = m1
    res = rlct_newton(x ** (2 * a) * y ** (2 * b) + z ** (2 * c), [x, y, z])
    nc = rlct_normal_crossing([a, b])
    assert res.value == nc.value + R(1, 2 * c)
    assert res.multiplicity == nc.multiplicity


@settings(max_examples=10)
@given(st.permutations([0, 1, 2]))
def test_newton_permutation_invariant(perm):
    vs = [x, y, z]
    K = x**2 * y**2 + y**4 * z**2 + x**6
    base = rlct_newton(K, vs)
    assert rlct_newton(K, [vs[i] for i in perm])[:2] == base[:2]


def test_newton_degenerate_raises_with_bound():
    with pytest.raises(NonDegeneracyError, match="degenerate") as info:
        rlct_newton((x + y) ** 2, [x, y])
    assert info.value.bound.value == 1 and not info.value.bound.exact
    # the true RLCT of (x + y)^2 is 1/2 (coordinates u = x + y): the bound is an upper bound
    assert R(1, 2) <= info.value.bound.value


def test_newton_degenerate_bound_mode():
    # cusp: K = (x^2 - y^3)^2, lct(x^2 - y^3) = 1/2 + 1/3 so lambda(K) = 5/12
    res = rlct_newton((x**2 - y**3) ** 2, [x, y], on_degenerate="bound")
    assert res.value == R(5, 12) and res.exact is False


@pytest.mark.parametrize("K, match", [
    (sp.sin(x) * y, "polynomial"),
    (1 / x, "polynomial"),
    (x**2 + 1, "vanish at the origin"),
    (sp.Integer(0), "non-zero"),
    (x, "non-negative"),
    (x**3 + y**2, "non-negative"),
    (-(x**2) + y**4, "non-negative"),
])
def test_newton_bad_polynomials(K, match):
    with pytest.raises(ValueError, match=match):
        rlct_newton(K, [x, y])


def test_newton_bad_options():
    with pytest.raises(ValueError, match="prior_exponents"):
        rlct_newton(x**2, [x], prior_exponents=[-1])
    with pytest.raises(ValueError, match="on_degenerate"):
        rlct_newton(x**2, [x], on_degenerate="ignore")
    with pytest.raises(TypeError, match="variables"):
        rlct_newton(x**2, ["x + 1"])


# --------------------------------------------------------------------------- reduced rank / deep linear

def test_reduced_rank_smallest_case_is_normal_crossing():
    # M = N = H = 1, r = 0: K = (a b)^2
    assert rlct_reduced_rank(1, 1, 1, 0)[:2] == rlct_normal_crossing([1, 1])[:2]


@given(reduced_rank_dims())
def test_reduced_rank_full_inner_rank_is_manifold_dimension(dims):
    M, N, H, r = dims
    # H = r: the true set is the manifold of rank-r matrices times GL(r), lambda = r (M + N - r)/2
    res = rlct_reduced_rank(M, N, r, r) if r >= 1 else None
    if res is not None:
        assert res.value == R(r * (M + N - r), 2) and res.multiplicity == 1


@given(reduced_rank_dims())
def test_reduced_rank_symmetric_and_bounded(dims):
    M, N, H, r = dims
    a = rlct_reduced_rank(M, N, H, r)
    assert a[:2] == rlct_reduced_rank(N, M, H, r)[:2]          # transpose y = B A x
    assert a.value <= R(H * (M + N), 2)                          # lambda <= d/2


def test_deep_linear_two_layers_equals_reduced_rank_exhaustive():
    n = 0
    for M, N, H in itertools.product(range(1, 9), repeat=3):
        for r in range(min(M, N, H) + 1):
            assert rlct_deep_linear([M, H, N], r)[:2] == rlct_reduced_rank(M, N, H, r)[:2], (M, N, H, r)
            n += 1
    assert n == 1808


@pytest.mark.parametrize("L", [1, 2, 3, 4, 6])
def test_deep_linear_scalar_chain_is_normal_crossing(L):
    # widths all 1, r = 0: K = (w_1 ... w_L)^2, lambda = 1/2 with multiplicity L
    assert rlct_deep_linear([1] * (L + 1), 0)[:2] == rlct_normal_crossing([1] * L)[:2]


def test_deep_linear_one_layer_is_regular():
    assert rlct_deep_linear([3, 4], 2)[:2] == (R(6), 1)


@given(deep_linear_widths())
def test_deep_linear_reversal_and_dimension(wr):
    widths, r = wr
    a = rlct_deep_linear(widths, r)
    assert a[:2] == rlct_deep_linear(widths[::-1], r)[:2]      # transpose network
    d = sum(widths[i] * widths[i + 1] for i in range(len(widths) - 1))
    assert 0 < a.value <= R(d, 2) and a.multiplicity >= 1


def _dln_potential(widths, target):
    shapes = [(widths[i + 1], widths[i]) for i in range(len(widths) - 1)]
    sizes = [a * b for a, b in shapes]

    def K(theta):
        mats = [c.reshape(s) for c, s in zip(torch.split(theta, sizes), shapes)]
        P = mats[0]
        for Mi in mats[1:]:
            P = Mi @ P
        return ((P - target) ** 2).sum()

    return K, sum(sizes)


@pytest.mark.parametrize("widths, r", [([2, 2, 2, 2], 1), ([3, 2, 3, 2], 1), ([2, 3, 1, 2], 0), ([3, 1, 2], 1)])
def test_deep_linear_within_bushnaq_upper_bound_at_true_points(widths, r):
    # global lambda <= local lambda(w0) <= rank/2 + (d - rank)/4 at any true parameter w0
    g = torch.Generator().manual_seed(0)
    mats = [torch.randn(widths[i + 1], widths[i], generator=g, dtype=torch.float64) for i in range(len(widths) - 1)]
    # force rank r through the narrowest layer by zeroing rows of the first matrix beyond r
    mats[0][r:, :] = 0.0
    P = mats[0]
    for Mi in mats[1:]:
        P = Mi @ P
    assert torch.linalg.matrix_rank(P) == r
    K, d = _dln_potential(widths, P)
    w0 = torch.cat([m.reshape(-1) for m in mats])
    bound = hessian_rank_bound(potential=K, w0=w0)
    assert bound.dim == d
    assert rlct_deep_linear(widths, r).value <= bound.upper


@pytest.mark.parametrize("args, match", [
    ((0, 1, 1, 0), "`M`"), ((1, 1, 1, 2), "`r` must be <="), ((2, 2, 2, -1), "`r`"),
])
def test_reduced_rank_bad_input(args, match):
    with pytest.raises(ValueError, match=match):
        rlct_reduced_rank(*args)


def test_deep_linear_bad_input():
    with pytest.raises(ValueError, match="at least 2"):
        rlct_deep_linear([3], 0)
    with pytest.raises(ValueError, match="`r` must be <="):
        rlct_deep_linear([3, 1, 3], 2)
    with pytest.raises(ValueError, match="`widths`"):
        rlct_deep_linear([3, 0, 3], 0)


# --------------------------------------------------------------------------- Hessian rank bound

@settings(max_examples=10)
@given(normal_crossing_exponents(max_dim=3, max_k=3, with_prior=False))
def test_normal_crossing_within_hessian_rank_bounds(kh):
    k, _ = kh
    vs = sp.symbols(f"v0:{len(k)}")
    K = sp.Mul(*[v ** (2 * kj) for v, kj in zip(vs, k)])
    b = hessian_rank_bound(potential=K, variables=vs)
    lam = rlct_normal_crossing(k).value
    assert b.lower <= lam <= b.upper


@pytest.mark.parametrize("K, vs", [(x**2 + y**4, [x, y]), (x**2 * y**2 + z**2, [x, y, z]),
                                   (x**2 + y**2 + z**6, [x, y, z])])
def test_newton_within_hessian_rank_bounds(K, vs):
    b = hessian_rank_bound(potential=K, variables=vs)
    assert b.lower <= rlct_newton(K, vs).value <= b.upper


def test_hessian_rank_bound_numeric_and_torch_agree():
    H = np.diag([2.0, 0.0, 1e-14])
    assert hessian_rank_bound(H) == (R(1, 2), R(1), 1, 3)
    K = lambda t: t[0] ** 2 + t[1] ** 4 + t[2] ** 6  # noqa: E731
    assert hessian_rank_bound(potential=K, w0=[0.0, 0.0, 0.0]) == (R(1, 2), R(1), 1, 3)


def test_hessian_rank_bound_bad_input():
    with pytest.raises(ValueError, match="exactly one"):
        hessian_rank_bound()
    with pytest.raises(ValueError, match="square"):
        hessian_rank_bound(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="`variables`"):
        hessian_rank_bound(potential=x**2)


def test_rlct_result_type():
    res = rlct_normal_crossing([1, 2])
    assert isinstance(res, RLCT) and float(res) == 0.25 and isinstance(res.value, sp.Rational)


def _dln_polynomial(widths):
    """K = |W_L ... W_1|_F^2 (true map 0, identity input covariance) as a sympy polynomial."""
    mats, syms = [], []
    for i in range(len(widths) - 1):
        S = sp.Matrix(widths[i + 1], widths[i], lambda a, b: sp.Symbol(f"w{i}_{a}_{b}"))
        mats.append(S)
        syms += list(S)
    P = mats[0]
    for Mi in mats[1:]:
        P = Mi * P
    return sp.expand(sum(e**2 for e in P)), syms


@pytest.mark.parametrize("widths", [(2, 1, 2), (3, 1, 1), (1, 1, 3), (2, 1, 1, 2), (1, 1, 1, 1), (3, 1, 1, 2)])
def test_deep_linear_equals_newton_polyhedron_for_width_one_bottlenecks(widths):
    # with a width-1 layer and r = 0, K factorises into sums of squares: non-degenerate, so the
    # Newton polyhedron gives lambda and m independently of Aoyagi's formula
    K, syms = _dln_polynomial(widths)
    assert rlct_newton(K, syms)[:3] == rlct_deep_linear(widths, 0)[:2] + (True,)


def test_deep_linear_admissible_set_exists_and_agrees_exhaustive():
    # rlct_deep_linear raises if no admissible index set exists or if two disagree
    for L in (3, 4):
        for ws in itertools.product(range(1, 6), repeat=L + 1):
            for r in range(min(ws) + 1):
                rlct_deep_linear(ws, r)


def test_deep_linear_degenerate_polynomial_is_flagged():
    # widths (3, 1, 2, 1): K = (c1 b1 + c2 b2)^2 |a|^2 is degenerate (c1 b1 = -c2 b2 on the torus);
    # the Newton value is only an upper bound, and Aoyagi's lambda = 1/2 is below it
    K, syms = _dln_polynomial((3, 1, 2, 1))
    with pytest.raises(NonDegeneracyError) as info:
        rlct_newton(K, syms)
    assert rlct_deep_linear((3, 1, 2, 1), 0).value < info.value.bound.value


def test_newton_irrational_torus_zero_found_numerically():
    # (x^2 - 2 y^2)^2 vanishes at x = sqrt(2) y: no integer zero, found by the numerical search
    with pytest.raises(NonDegeneracyError, match="numerical zero"):
        rlct_newton((x**2 - 2 * y**2) ** 2, [x, y])

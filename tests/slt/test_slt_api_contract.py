"""API contract of the public `slt` names (except the estimators): properties, bad inputs, seeding.

QA audit (issues 2, 6, 7): fills the gaps left by the topic test files.  Hypothesis
properties for functions that had only examples (the Newton polyhedron on random
non-degenerate polynomials, the Hessian-rank bound, the toy potentials, the Morse-Bott
RLCT, cyclic groups, the public strategies), bad inputs pinned with ``match=`` for
arguments that had none, and seed reproducibility of the stochastic constructors.

Oracles used here:
- ``lambda <= d/2`` for any analytic ``K >= 0`` vanishing to order >= 2 at 0
  (``K <= C |w|^2`` near 0, and lambda is monotone under ``K1 <= C K2``; Watanabe 2009, ch. 2).
- Bushnaq (2024): ``rank/2 <= lambda <= rank/2 + (d - rank)/4`` at a zero of ``K >= 0``.
- Monotonicity: adding a monomial to ``K`` can only enlarge the Newton polyhedron, so
  ``t*`` decreases and ``lambda = 1/t*`` does not decrease (Varchenko 1976).
- Morse-Bott (quadratic ``K = sum_i a_i w_i^2``, ``a_i > 0`` on ``r`` coordinates): ``lambda = r/2``, ``m = 1``.
"""

from __future__ import annotations

import pathlib

import numpy as np
import pytest
import sympy as sp
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import slt
import slt.models
from slt import (HessianRankBound, NonDegeneracyError, RLCT, behaviour_jacobian, behaviour_map, behaviour_rank,
                 hessian_decomposition, hessian_rank_bound, rlct_deep_linear, rlct_newton, rlct_normal_crossing,
                 rlct_reduced_rank, squared_loss_star)
from slt.geometry import jacobian_rank
from slt.models import (ExpFamily, OptimalSet, Theta2CircleModel, Toy, circle_expfam, cyclic_group, deep_linear,
                        finite_expfam, morse_bott_rlct, normal_crossing, polynomial, reduced_rank, regular,
                        sphere_expfam)
from slt.models.expfam import numerical_rank
from slt.strategies import deep_linear_widths, normal_crossing_exponents, reduced_rank_dims

torch.set_num_threads(1)
R = sp.Rational
F64 = torch.float64
SYMS = sp.symbols("a b c")


# --------------------------------------------------------------------------- random non-degenerate K

@st.composite
def even_polynomials(draw, max_dim: int = 3, max_terms: int = 3):
    """(K, variables): a sum of positive even monomials (non-degenerate, K >= 0, K(0) = 0)."""
    d = draw(st.integers(1, max_dim))
    vs = list(SYMS[:d])
    n_terms = draw(st.integers(1, max_terms))
    terms = []
    for _ in range(n_terms):
        ex = draw(st.lists(st.sampled_from([0, 2, 4]), min_size=d, max_size=d).filter(lambda e: sum(e) > 0))
        cf = draw(st.integers(1, 3))
        terms.append(cf * sp.Mul(*[v ** e for v, e in zip(vs, ex)]))
    return sp.Add(*terms), vs


@settings(max_examples=30, deadline=None)
@given(even_polynomials())
def test_newton_at_most_half_dim_and_within_hessian_bounds(kv):
    K, vs = kv
    res = rlct_newton(K, vs)
    assert res.exact and res.multiplicity >= 1
    assert 0 < res.value <= R(len(vs), 2)
    b = hessian_rank_bound(potential=K, variables=vs)
    assert b.lower <= res.value <= b.upper


@settings(max_examples=25, deadline=None)
@given(even_polynomials(), st.randoms(use_true_random=False))
def test_newton_invariant_under_permuting_variables_and_scaling(kv, rnd):
    K, vs = kv
    res = rlct_newton(K, vs)
    perm = list(vs)
    rnd.shuffle(perm)
    K_perm = K.subs(dict(zip(vs, perm)), simultaneous=True)
    assert rlct_newton(K_perm, vs)[:2] == res[:2]
    assert rlct_newton(7 * K, vs)[:2] == res[:2]        # a positive factor changes nothing


@settings(max_examples=25, deadline=None)
@given(even_polynomials(), st.lists(st.sampled_from([2, 4]), min_size=3, max_size=3))
def test_newton_monotone_under_adding_a_term(kv, ex):
    K, vs = kv
    extra = sp.Mul(*[v ** e for v, e in zip(vs, ex)])
    assert rlct_newton(K + extra, vs).value >= rlct_newton(K, vs).value


def test_newton_bad_inputs_named():
    a, b = SYMS[:2]
    with pytest.raises(ValueError, match="`variables` must be distinct"):
        rlct_newton(a ** 2, [a, a])
    with pytest.raises(ValueError, match="`K` must be a polynomial"):
        rlct_newton(sp.exp(a) - 1, [a])                        # non-polynomial K
    with pytest.raises(ValueError, match="`K` must vanish at the origin"):
        rlct_newton(a ** 2 + 1, [a])
    with pytest.raises(ValueError, match="non-negative near the origin"):
        rlct_newton(-a ** 2, [a])
    with pytest.raises(ValueError, match="`prior_exponents` must be non-negative"):
        rlct_newton(a ** 2, [a], prior_exponents=[-1])          # negative exponent
    with pytest.raises(TypeError, match="`prior_exponents`"):
        rlct_newton(a ** 2, [a], prior_exponents=[0.5])         # floats are not exact
    with pytest.raises(NonDegeneracyError, match="degenerate"):
        rlct_newton((a - b) ** 2, [a, b])


# --------------------------------------------------------------------------- Hessian rank bound

@settings(max_examples=20, deadline=None)
@given(st.integers(1, 5), st.data())
def test_hessian_rank_bound_rank_and_orthogonal_invariance(d, data):
    r = data.draw(st.integers(0, d))
    seed = data.draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    H = q @ np.diag(np.r_[rng.uniform(0.5, 2.0, r), np.zeros(d - r)]) @ q.T
    b = hessian_rank_bound(H)
    assert (b.rank, b.dim) == (r, d)
    assert b.lower == R(r, 2) and b.upper == R(r, 2) + R(d - r, 4)
    assert b.lower <= b.upper <= R(d, 2)
    p = rng.permutation(d)
    assert hessian_rank_bound(H[np.ix_(p, p)]) == b                    # permuting variables
    assert hessian_rank_bound(3.0 * H) == b                            # scale-free
    assert hessian_rank_bound(sp.diag(*([1] * r + [0] * (d - r)))) == b    # exact sympy input agrees


@pytest.mark.parametrize("kwargs, exc, match", [
    (dict(hessian=np.eye(2), rtol=-1.0), ValueError, "`rtol` must be a positive"),
    (dict(hessian=np.eye(2), rtol=float("nan")), ValueError, "`rtol`"),
    (dict(hessian="abc"), TypeError, "`hessian` must be a square array"),
    (dict(hessian=np.array([[np.nan]])), ValueError, "`hessian` must be finite"),
    (dict(hessian=np.zeros((0, 0))), ValueError, "`hessian` must be a non-empty square"),
    (dict(hessian=sp.Matrix([[1, 2, 3]])), ValueError, "`hessian` must be square"),
    (dict(potential=3.0, w0=[0.0]), TypeError, "`potential` must be a sympy expression or a callable"),
    (dict(potential=lambda w: (w ** 2).sum()), ValueError, "`w0` is required"),
    (dict(potential=lambda w: (w ** 2).sum(), w0=[float("nan")]), ValueError, "`w0` must be a non-empty finite"),
    (dict(potential=SYMS[0] ** 2 + 1, variables=[SYMS[0]]), ValueError, "`w0` must be a zero of `potential`"),
    (dict(potential=SYMS[0] ** 2, variables=[SYMS[0]], w0=[0, 1]), ValueError, "`w0` must have 1 entries"),
])
def test_hessian_rank_bound_bad_input(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        hessian_rank_bound(**kwargs)


def test_hessian_rank_bound_away_from_origin():
    a, b = SYMS[:2]
    K = (a - 1) ** 2 * b ** 2 + b ** 4
    assert hessian_rank_bound(potential=K, variables=[a, b], w0=[1, 0]) == (0, R(1, 2), 0, 2)
    # float w0 (sympy >= 1.13: Float(0.0) != 0) is accepted, found in the audit
    assert hessian_rank_bound(potential=(a - 0.1) ** 2 + b ** 2, variables=[a, b], w0=[0.1, 0.0]).rank == 2


# --------------------------------------------------------------------------- exact formulas: type errors

@pytest.mark.parametrize("fn, args, exc, match", [
    (rlct_reduced_rank, (2.0, 2, 2, 1), TypeError, "`M` must be an integer"),
    (rlct_reduced_rank, (2, 2, 2, True), TypeError, "`r` must be an integer"),
    (rlct_reduced_rank, (2, 3, 4, 3), ValueError, r"`r` must be <= min\(M, N, H\) = 2, got 3"),
    (rlct_deep_linear, (5, 1), TypeError, "`widths` must be a sequence"),
    (rlct_deep_linear, ([2, 0, 2], 0), ValueError, "`widths` must have every entry >= 1"),
    (rlct_normal_crossing, (3,), TypeError, "`k` must be a sequence"),
    (rlct_normal_crossing, ([1, -1],), ValueError, "`k` must be non-negative"),
    (rlct_normal_crossing, ([1], [1, 2]), ValueError, "`h` must have 1 entries"),
])
def test_exact_formulas_bad_input(fn, args, exc, match):
    with pytest.raises(exc, match=match):
        fn(*args)


@settings(max_examples=25, deadline=None)
@given(deep_linear_widths(max_layers=4, max_width=5))
def test_deep_linear_bounded_by_half_dim_and_monotone_in_r(wr):
    widths, r = wr
    res = rlct_deep_linear(widths, r)
    d = sum(a * b for a, b in zip(widths[:-1], widths[1:]))
    assert 0 <= res.value <= R(d, 2) and res.multiplicity >= 1
    if r < min(widths):                     # a truth of higher rank is less singular
        assert rlct_deep_linear(widths, r + 1).value >= res.value


# --------------------------------------------------------------------------- public strategies

@settings(max_examples=30, deadline=None)
@given(normal_crossing_exponents(), reduced_rank_dims(max_dim=6), deep_linear_widths(max_layers=3, max_width=4))
def test_strategies_draw_only_valid_inputs(kh, dims, wr):
    k, h = kh
    assert isinstance(rlct_normal_crossing(k, h), RLCT)
    assert isinstance(rlct_reduced_rank(*dims), RLCT)
    assert isinstance(rlct_deep_linear(*wr), RLCT)


# --------------------------------------------------------------------------- toys

@settings(max_examples=15, deadline=None)
@given(normal_crossing_exponents(max_dim=3, max_k=2, max_h=0, with_prior=False),
       st.lists(st.floats(-1.5, 1.5), min_size=3, max_size=3))
def test_normal_crossing_toy_potential_and_exact(kh, w):
    k, _ = kh
    toy = normal_crossing(k)
    assert isinstance(toy, Toy) and toy.dim == len(k) and toy.exact == rlct_normal_crossing(k)
    wt = torch.tensor(w[:len(k)], dtype=F64)
    expected = float(np.prod([wi ** (2 * ki) for wi, ki in zip(w, k)]))
    assert float(toy.potential(wt)) == pytest.approx(expected, rel=1e-12, abs=1e-300)
    assert float(toy.potential(toy.w_star)) == 0.0
    batch = torch.stack([wt, 2 * wt])          # batched over leading dimensions
    assert toy.potential(batch).shape == (2,)


@settings(max_examples=10, deadline=None)
@given(even_polynomials(max_terms=2), st.lists(st.floats(-1.0, 1.0), min_size=3, max_size=3))
def test_polynomial_toy_matches_sympy(kv, w):
    K, vs = kv
    toy = polynomial(K, vs)
    pt = w[:len(vs)]
    expected = float(K.subs(dict(zip(vs, pt))))
    assert float(toy.potential(torch.tensor(pt, dtype=F64))) == pytest.approx(expected, rel=1e-10, abs=1e-14)
    assert toy.exact[:2] == rlct_newton(K, vs)[:2]


@settings(max_examples=10, deadline=None)
@given(st.integers(1, 5), st.integers(0, 2**16))
def test_regular_toy_is_seeded_and_positive_definite(d, seed):
    a, b = regular(d, seed=seed), regular(d, seed=seed)
    w = torch.randn(4, d, dtype=F64, generator=torch.Generator().manual_seed(seed))
    assert torch.equal(a.potential(w), b.potential(w))                 # same seed, same numbers
    assert (a.potential(w) > 0).all() and float(a.potential(a.w_star)) == 0.0
    assert a.exact[:2] == (R(d, 2), 1)
    assert hessian_rank_bound(potential=a.potential, w0=a.w_star).rank == d


@settings(max_examples=8, deadline=None)
@given(reduced_rank_dims(max_dim=3), st.integers(0, 100))
def test_reduced_rank_toy_zero_at_truth_seeded_data(dims, seed):
    M, N, H, r = dims
    toy = reduced_rank(M, N, H, r, seed=seed)
    assert float(toy.potential(toy.w_star)) == pytest.approx(0.0, abs=1e-24)
    assert toy.exact == rlct_reduced_rank(M, N, H, r)
    assert toy.dim == H * (M + N)
    x1, y1 = toy.sample_data(5, seed=seed)
    x2, y2 = toy.sample_data(5, seed=seed)
    assert torch.equal(x1, x2) and torch.equal(y1, y2)
    x3, y3 = toy.sample_data(5, noise=0.0, seed=seed)
    assert torch.allclose(y3, toy.model(toy.w_star, x3))               # noise-free limit


@pytest.mark.parametrize("make, exc, match", [
    (lambda: deep_linear([2, 2, 2], 1, scale=float("nan")), ValueError, "`scale` must be a positive"),
    (lambda: deep_linear([2, 2, 2], 1, scale=0.0), ValueError, "`scale` must be a positive"),
    (lambda: deep_linear([2], 0), ValueError, "`widths` must have at least 2"),
    (lambda: deep_linear([2, 2], 3), ValueError, "`r` must be <= 2"),
    (lambda: reduced_rank(2, 2, 2, 1).sample_data(3, noise=float("nan")), ValueError, "`noise`"),
    (lambda: reduced_rank(2, 2, 2, 1).sample_data(3, noise=-1.0), ValueError, "`noise`"),
    (lambda: reduced_rank(2, 2, 2, 1).sample_data(0), ValueError, "`n` must be >= 1"),
    (lambda: regular(2).sample_data(3), ValueError, "no data model"),
    (lambda: regular(0), ValueError, "`d` must be >= 1"),
    (lambda: regular(2, seed=-1), ValueError, "`seed`"),
    (lambda: normal_crossing([1], h=[-1]), ValueError, "`h` must be non-negative"),
    (lambda: polynomial(SYMS[0] ** 2, [SYMS[0]], prior_exponents=[-1]), ValueError, "`prior_exponents`"),
])
def test_toys_bad_input(make, exc, match):
    with pytest.raises(exc, match=match):
        make()


# --------------------------------------------------------------------------- Morse-Bott

@settings(max_examples=15, deadline=None)
@given(st.lists(st.floats(0.0, 3.0).map(lambda a: 0.0 if a < 0.5 else a), min_size=1, max_size=4),
       st.randoms(use_true_random=False))
def test_morse_bott_quadratic_is_half_rank_and_permutation_invariant(coefs, rnd):
    a = torch.tensor(coefs, dtype=F64)
    r = int((a > 0).sum())
    res = morse_bott_rlct(lambda w: (a * w ** 2).sum(-1), np.zeros(len(coefs)))
    assert res[:2] == (R(r, 2), 1)
    perm = list(range(len(coefs)))
    rnd.shuffle(perm)
    ap = a[perm]
    assert morse_bott_rlct(lambda w: (ap * w ** 2).sum(-1), np.zeros(len(coefs)))[:2] == res[:2]


@pytest.mark.parametrize("args, kwargs, exc, match", [
    ((lambda w: (w ** 2).sum() + 1.0, [0.0, 0.0]), {}, ValueError, "`w0` must be a zero of `potential`"),
    ((lambda w: (w ** 2).sum(), [float("nan"), 0.0]), {}, ValueError, "`w0` must be finite"),
    ((3.0, [0.0]), {}, TypeError, "`potential` must be a callable"),
    ((lambda w: (w ** 2).sum(), [0.0]), dict(radius=0.0), ValueError, "`radius`"),
    ((lambda w: (w ** 2).sum(), [0.0]), dict(n_check=0), ValueError, "`n_check` must be >= 1"),
    ((lambda w: (w ** 2).sum(), [0.0]), dict(rtol=-1.0), ValueError, "`rtol`"),
    ((lambda w: w[..., 0] ** 2 + w[..., 1] ** 4, [0.0, 0.0]), {}, ValueError, "not flat"),
])
def test_morse_bott_bad_input(args, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        morse_bott_rlct(*args, **kwargs)


# --------------------------------------------------------------------------- exponential families

@pytest.mark.parametrize("n", [1, 2, 5, 7])
def test_cyclic_group_is_a_group(n):
    G = cyclic_group(n)
    assert len(G) == n and any(np.array_equal(g, np.arange(n)) for g in G)
    keys = {tuple(g) for g in G}
    for g in G:
        assert sorted(g.tolist()) == list(range(n))
        for h in G:
            assert tuple(g[h]) in keys                                # closed under composition


@settings(max_examples=15, deadline=None)
@given(st.sampled_from(["finite", "circle", "circle11", "sphere"]), st.data())
def test_expfam_lambda_bounds_and_fisher(kind, data):
    fam = {"finite": lambda: finite_expfam(np.eye(4), cyclic_group(4)),
           "circle": lambda: circle_expfam((1,), n_points=32),
           "circle11": lambda: circle_expfam((1, 1), n_points=32),
           "sphere": lambda: sphere_expfam(1, n_theta=8, n_phi=16)}[kind]()
    assert isinstance(fam, ExpFamily)
    th = np.array(data.draw(st.lists(st.floats(-1.5, 1.5), min_size=fam.dim, max_size=fam.dim)))
    F = fam.fisher(th)
    np.testing.assert_allclose(F, F.T, atol=1e-14)
    assert np.linalg.eigvalsh(F).min() > -1e-12                        # PSD
    lam = fam.rlct(th)
    b = fam.hessian_rank_bound(th)
    assert lam.value == b.lower and lam.value <= R(fam.dim, 2)       # Morse-Bott: on the lower bound
    opt = fam.optimal_set(th)
    assert isinstance(opt, OptimalSet) and opt.dim == fam.dim - fam.fisher_rank(th)
    for v in opt.directions:                                           # K = 0 along the optimal set
        assert fam.kl(th, th + 0.7 * v) < 1e-10
    assert 0 <= fam.orbit_dimension(th) <= fam.dim_group
    assert np.sum(fam.weights * fam.prob(th)) == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("make, exc, match", [
    (lambda: circle_expfam((1,)).log_partition([1.7e308, 1.7e308]), ValueError, "`theta` is too large"),
    (lambda: circle_expfam((1,)).kl([0.0, 0.0], [1.7e308, 1.7e308]), ValueError, "`theta` is too large"),
    (lambda: circle_expfam((1,)).equivariance_error(n_group=0), ValueError, "`n_group` must be >= 1"),
    (lambda: circle_expfam((1,)).invariance_error([0.0, 0.0], n_group=-1), ValueError, "`n_group`"),
    (lambda: circle_expfam((1,)).generic_symmetry_error([0.0, 0.0], n_group=0), ValueError, "`n_group`"),
    (lambda: circle_expfam((1,)).orbit_dimension([0.0, 1.0], rtol=-1.0), ValueError, "`rtol`"),
    (lambda: circle_expfam((1,)).fisher([0.0, np.nan]), ValueError, "`theta` must be finite"),
    (lambda: circle_expfam(1), TypeError, "`harmonics` must be a sequence"),
    (lambda: circle_expfam((1,), n_points=4), ValueError, "`n_points` must be >= 8"),
    (lambda: sphere_expfam(0), ValueError, "`copies` must be >= 1"),
    (lambda: cyclic_group(0), ValueError, "`n` must be >= 1"),
    (lambda: finite_expfam(np.eye(3), [np.array([1, 2, 0])]), ValueError, "must contain the identity"),
    (lambda: finite_expfam(np.eye(3), []), ValueError, "at least the identity"),
    (lambda: finite_expfam(np.eye(2), cyclic_group(2), rho=[np.eye(2)]), ValueError, "one matrix per group"),
    (lambda: finite_expfam([[np.nan]], cyclic_group(1)), ValueError, "`T` must be finite"),
    (lambda: finite_expfam(np.eye(3), cyclic_group(3)).orbit(np.zeros(3), [0, 0, 1]), ValueError,
     "`g` must be one of the group's permutations"),
    (lambda: numerical_rank([[np.nan]]), ValueError, "`matrix` must be finite"),
    (lambda: numerical_rank(np.eye(2), rtol=0.0), ValueError, "`rtol`"),
    (lambda: Theta2CircleModel().features(float("nan")), ValueError, "`s` must be a finite"),
    (lambda: Theta2CircleModel().equivariance_error(0.1, n_group=0), ValueError, "`n_group`"),
    (lambda: Theta2CircleModel(third=1), ValueError, "`third` must be >= 2"),
    (lambda: Theta2CircleModel(n_points=8), ValueError, "`n_points` must be >= 16"),
])
def test_expfam_bad_input(make, exc, match):
    with pytest.raises(exc, match=match):
        make()


@settings(max_examples=10, deadline=None)
@given(st.integers(0, 2**16))
def test_expfam_symmetry_checks_are_seeded(seed):
    fam = circle_expfam((1, 2), n_points=32)
    th = np.array([0.3, -0.2, 0.1, 0.4])
    assert fam.generic_symmetry_error(th, seed=seed) == fam.generic_symmetry_error(th, seed=seed) < 1e-12
    m = Theta2CircleModel(n_points=32)
    assert m.equivariance_error(0.5, seed=seed) == m.equivariance_error(0.5, seed=seed) > 1e-3


# --------------------------------------------------------------------------- geometry

@settings(max_examples=10, deadline=None)
@given(st.integers(1, 3), st.integers(1, 3), st.integers(1, 5), st.integers(0, 50))
def test_behaviour_rank_invariant_under_permuting_examples(n_in, k, D, seed):
    torch.manual_seed(seed)
    net = torch.nn.Sequential(torch.nn.Linear(n_in, 3), torch.nn.Tanh(), torch.nn.Linear(3, k))
    x = torch.randn(D, n_in, dtype=F64)
    p = torch.randperm(D)
    assert torch.allclose(behaviour_map(net, x[p]), behaviour_map(net, x)[p], atol=1e-14)
    a, b = behaviour_rank(net, x), behaviour_rank(net, x[p])
    assert a == b and a.rank <= min(a.n_params, a.n_outputs) and a.null_dim == a.n_params - a.rank
    J = behaviour_jacobian(net, x)
    assert J.shape == (k * D, a.n_params)


@settings(max_examples=15, deadline=None)
@given(st.integers(1, 4), st.integers(1, 3), st.integers(0, 100))
def test_squared_loss_star_properties_and_decomposition_symmetry(D, k, seed):
    g = torch.Generator().manual_seed(seed)
    y, o = torch.randn(D, k, generator=g, dtype=F64), torch.randn(D, k, generator=g, dtype=F64)
    loss = squared_loss_star(y)
    assert float(loss(y)) == 0.0 and float(loss(o)) >= 0.0
    assert float(loss(o)) == pytest.approx(0.5 * float(((o - y) ** 2).sum()), rel=1e-12)
    torch.manual_seed(seed)
    net = torch.nn.Linear(2, k)
    dec = hessian_decomposition(net, torch.randn(D, 2, generator=g, dtype=F64), loss)
    assert torch.allclose(dec.hessian, dec.hessian.T, atol=1e-12)
    assert dec.max_error < 1e-12
    assert torch.allclose(dec.loss_hessian, torch.eye(D * k, dtype=F64))   # Hess l = I for (*)
    assert float(dec.residual.abs().max()) < 1e-12                          # linear model: no residual term


@pytest.mark.parametrize("make, exc, match", [
    (lambda: behaviour_map(torch.nn.ReLU(), torch.zeros(2, 2)), ValueError, "`model` must have at least one"),
    (lambda: behaviour_map(torch.nn.Linear(2, 1), "ab"), TypeError, "`inputs` must be a tensor"),
    (lambda: behaviour_map(torch.nn.Linear(2, 1), torch.zeros(0, 2)), ValueError, "`inputs`"),
    (lambda: behaviour_jacobian(torch.nn.Linear(2, 1), torch.full((1, 2), float("nan"))), ValueError,
     "`inputs` must be finite"),
    (lambda: behaviour_rank(torch.nn.Linear(2, 1), torch.zeros(1, 2), rtol=0.0), ValueError, "`rtol`"),
    (lambda: behaviour_map(torch.nn.Linear(2, 1), torch.zeros(1, 2), theta=torch.zeros(2)), ValueError,
     "`theta` must have 3 entries"),
    (lambda: jacobian_rank(np.array([[np.nan, 1.0]])), ValueError, "`J` must be finite"),
    (lambda: squared_loss_star([np.nan]), ValueError, "`targets` must be finite"),
    (lambda: hessian_decomposition(torch.nn.Linear(2, 1), torch.zeros(1, 2), None), TypeError, "`loss`"),
])
def test_geometry_bad_input(make, exc, match):
    with pytest.raises(exc, match=match):
        make()


# --------------------------------------------------------------------------- result types

def test_result_types_are_named_tuples_with_fields():
    assert RLCT._fields == ("value", "multiplicity", "exact", "method")
    assert HessianRankBound._fields == ("lower", "upper", "rank", "dim")
    assert float(RLCT(R(1, 4), 1)) == 0.25
    assert isinstance(behaviour_rank(torch.nn.Linear(2, 1), torch.ones(3, 2)), slt.BehaviourRank)
    dec = hessian_decomposition(torch.nn.Linear(2, 1), torch.ones(3, 2), squared_loss_star(torch.zeros(3, 1)))
    assert isinstance(dec, slt.HessianDecomposition) and dec.jacobian.shape == (3, 3)


# --------------------------------------------------------------------------- guard

ESTIMATE_NAMES = {"RLCTDiagnostics", "RLCTEstimate", "estimate_rlct", "estimate_rlct_model", "llc_target",
                  "EstimatorDivergenceError"}


def test_every_public_name_is_covered_here_or_in_topic_tests():
    # guard: a new public function/class must come with tests (here or tests/slt/test_<topic>.py)
    here = pathlib.Path(__file__).parent
    text = "".join(p.read_text() for p in here.glob("test_*.py"))
    names = [n for n in list(slt.__all__) + list(slt.models.__all__) if n not in ESTIMATE_NAMES]
    missing = [n for n in names if n not in text]
    assert not missing, missing

"""Tests of puzzles.lattice_walk: exact results against brute force and closed forms,
simulation against the exact law (fixed seeds, tolerances from standard errors)."""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import mpmath
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from puzzles import (chi_mean_distance, expected_distinct_sites, lattice_walk, plot_walks,
                     polya_return_probability, walk_mean_distance, walk_mean_distance_curve,
                     walk_moments, walk_sq_distance_pmf)
from puzzles.lattice_walk import _exact_mean_curve
from puzzles.strategies import walk_sizes

# Literature: p(3) = 0.340537329550999142826... (Montroll 1956; Watson 1939).
P3 = 0.3405373295509991


def _brute_walks(D: int, N: int):
    """All (2D)^N walks: the law of |X_N|^2 and the number of distinct sites, by enumeration."""
    steps = [(i, s) for i in range(D) for s in (1, -1)]
    sq: dict[int, int] = {}
    sites_total = 0
    for path in itertools.product(steps, repeat=N):
        x = [0] * D
        seen = {tuple(x)}
        for i, s in path:
            x[i] += s
            seen.add(tuple(x))
        r = sum(v * v for v in x)
        sq[r] = sq.get(r, 0) + 1
        sites_total += len(seen)
    return sq, Fraction(sites_total, (2 * D) ** N)


# ---------------------------------------------------------------- exact results

@pytest.mark.parametrize("D, N", [(1, 6), (2, 5), (3, 4), (4, 3), (2, 7)])
def test_pmf_and_range_match_enumeration(D, N):
    counts, sites = _brute_walks(D, N)
    p = walk_sq_distance_pmf(D, N)
    assert dict(zip(p.support.tolist(), p.counts)) == counts
    assert expected_distinct_sites(D, N) == sites


def test_pmf_one_dimension_is_binomial():
    N = 12
    p = walk_sq_distance_pmf(1, N).as_dict()
    for j in range(N + 1):
        x = N - 2 * j
        expected = Fraction(math.comb(N, j) * (2 if x else 1), 2**N) if x >= 0 else None
        if expected is not None:
            assert p[x * x] == expected


@settings(max_examples=20)
@given(walk_sizes(max_dims=12, max_steps=20))
def test_pmf_properties(case):
    D, N = case
    p = walk_sq_distance_pmf(D, N)
    assert sum(p.pmf) == 1
    assert all(int(r) % 2 == N % 2 for r in p.support)
    assert p.mean() == N
    second = sum(Fraction(int(r) ** 2) * q for r, q in zip(p.support, p.pmf))
    assert second == walk_moments(D, N).mean_fourth
    assert int(p.support.max()) == N * N  # all steps along one axis in one direction


@settings(max_examples=20)
@given(st.integers(1, 10**6), st.integers(0, 10**6))
def test_moments_closed_form(D, N):
    m = walk_moments(D, N)
    assert m.mean_sq == N
    assert m.var_sq == Fraction(2 * N * (N - 1), D)
    assert m.var_sq >= 0


def test_mean_distance_small_cases():
    assert walk_mean_distance(1, 1).value == 1.0
    # N = 2 in D dims: |X|^2 = 0 w.p. 1/(2D), 4 w.p. 1/(2D) (same direction twice), else 2
    for D in (1, 2, 5):
        expected = 2 / (2 * D) + math.sqrt(2) * (1 - 2 / (2 * D))
        assert walk_mean_distance(D, 2).value == pytest.approx(expected, rel=1e-15)


@pytest.mark.parametrize("D", [1, 3, 20])
def test_mean_distance_approaches_chi_and_stays_below_sqrt_n(D):
    r = walk_mean_distance(D, 64, method="exact")
    assert r.value < math.sqrt(64)  # Jensen
    # O(1/N) relative convergence to the chi asymptotic
    assert abs(r.value / r.asymptotic - 1) < 2.0 / 64
    assert walk_mean_distance(D, 10_000).method == "asymptotic"


def test_chi_mean_distance_limits():
    assert chi_mean_distance(1, 100) == pytest.approx(math.sqrt(200 / math.pi), rel=1e-14)
    # large D: 1 - 1/(4D) + 1/(32 D^2) + ...
    assert chi_mean_distance(1000, 1) == pytest.approx(1 - 1 / 4000 + 1 / (32 * 1000**2), abs=1e-9)


def test_polya_watson_closed_form_and_literature():
    with mpmath.workdps(30):
        g = mpmath.gamma
        u3 = mpmath.sqrt(6) / (32 * mpmath.pi**3) * g(mpmath.mpf(1) / 24) * g(mpmath.mpf(5) / 24) \
            * g(mpmath.mpf(7) / 24) * g(mpmath.mpf(11) / 24)
    r = polya_return_probability(3)
    assert abs(r.expected_visits - float(u3)) < 1e-12
    assert abs(r.probability - P3) < 1e-12
    assert r.error < 1e-12


def test_polya_recurrent_low_dimensions_and_decreasing():
    assert polya_return_probability(1).probability == 1.0
    assert polya_return_probability(2).expected_visits == math.inf
    ps = [polya_return_probability(D).probability for D in range(3, 12)]
    assert all(a > b for a, b in zip(ps, ps[1:]))
    # large D: p(D) ~ 1/(2D) + O(D^-2)
    assert polya_return_probability(1000).probability == pytest.approx(1 / 2000, rel=2e-3)


def test_polya_montroll_table():
    # Montroll (1956), as quoted by MathWorld "Polya's Random Walk Constants": p(5..8);
    # p(4) from A. J. Guttmann, J. Phys. A 43 (2010) 305205 (Montroll's 0.193206 is off
    # in the sixth digit). Cross-checked below against the independent mpmath quadrature.
    lit = {4: 0.1932016732, 5: 0.135178, 6: 0.104715, 7: 0.0858449, 8: 0.0729126}
    for D, v in lit.items():
        tol = 1e-10 if D == 4 else 1e-6
        assert abs(polya_return_probability(D).probability - v) < tol


@pytest.mark.parametrize("D", [1, 2, 3, 7, 160])
def test_laplace_curve_matches_exact_pmf(D):
    ex = _exact_mean_curve(D, 40)
    lc = walk_mean_distance_curve(D, 40)
    assert np.max(np.abs(lc[1:] - ex[1:]) / ex[1:]) < 1e-12
    assert lc[0] == 0.0


def test_laplace_large_n_approaches_chi_and_jensen():
    c = walk_mean_distance_curve(5, 400)
    n = np.arange(1, 401)
    assert c[1] == pytest.approx(1.0, abs=1e-14)
    assert np.all(c[2:] < np.sqrt(n[1:]))  # Jensen: E|X| < sqrt(E|X|^2) once |X| is random
    assert abs(c[400] / chi_mean_distance(5, 400) - 1) < 1 / 400
    r = walk_mean_distance(5, 400)
    assert r.method == "laplace" and r.value == pytest.approx(c[400], rel=1e-15)


def test_polya_double_vs_mpmath():
    a = polya_return_probability(5)
    b = polya_return_probability(5, method="mpmath", dps=20)
    assert abs(a.probability - b.probability) < 1e-13


def test_distinct_sites_one_dimension_asymptotic_and_transient_limit():
    # D = 1: E R_N ~ sqrt(8 N / pi)
    N = 800
    assert float(expected_distinct_sites(1, N)) / math.sqrt(8 * N / math.pi) == pytest.approx(1, abs=0.02)
    # D = 3: E R_N / N -> 1 - p(3) from above, the gap shrinking like N^-1/2
    gap = [float(expected_distinct_sites(3, n)) / n - (1 - P3) for n in (150, 600)]
    assert 0 < gap[1] < gap[0]
    assert gap[0] / gap[1] == pytest.approx(2.0, rel=0.15)


# ---------------------------------------------------------------- simulation

def test_walk_shapes_parity_and_determinism():
    a = lattice_walk(4, 30, 7, seed=3, progress=False)
    b = lattice_walk(4, 30, 7, seed=3, progress=False)
    assert a.shape == (7, 30) and np.array_equal(a, b)
    sq = np.rint(a**2).astype(int)
    assert np.all(sq % 2 == (np.arange(1, 31) % 2))
    assert np.all(np.abs(np.diff(np.concatenate([np.zeros((7, 1), int), sq], axis=1), axis=1)) % 2 == 1)
    c = lattice_walk(4, 30, 7, seed=3, record_every=4, progress=False, chunk=5)
    d = lattice_walk(4, 30, 7, seed=3, progress=False, chunk=5)
    assert np.array_equal(c, d[:, 3::4])
    assert lattice_walk(2, 0, 3, seed=0, progress=False).shape == (3, 0)
    g = torch.Generator().manual_seed(5)
    assert lattice_walk(2, 5, 3, seed=g, progress=False).shape == (3, 5)


def test_walk_is_o1_per_step_and_matches_norm_recomputation():
    # replay the same random numbers and recompute norms the slow way
    D, N, W = 6, 50, 20
    out = lattice_walk(D, N, W, seed=11, progress=False, chunk=64)
    gen = torch.Generator().manual_seed(int(np.random.default_rng(11).integers(0, 2**62)))
    r = torch.randint(0, 2 * D, (N, W), generator=gen).numpy()
    x = np.zeros((W, D))
    for t in range(N):
        x[np.arange(W), r[t] // 2] += 2 * (r[t] % 2) - 1
        assert np.allclose(out[:, t], np.linalg.norm(x, axis=1))


@pytest.mark.parametrize("D", [1, 3, 10])
def test_simulation_matches_exact_pmf_chi_square(D):
    N, W = 12, 20_000
    d = lattice_walk(D, N, W, seed=100 + D, record_every=N, progress=False)[:, -1]
    sq = np.rint(d**2).astype(int)
    p = walk_sq_distance_pmf(D, N)
    probs = p.probabilities()
    expected = probs * W
    observed = np.array([(sq == r).sum() for r in p.support])
    assert observed.sum() == W
    # pool cells with expected count < 5 into one
    small = expected < 5
    obs = np.append(observed[~small], observed[small].sum())
    exp = np.append(expected[~small], expected[small].sum())
    if exp[-1] == 0:
        obs, exp = obs[:-1], exp[:-1]
    _, pval = stats.chisquare(obs, exp)
    assert pval > 1e-4
    # negative control: the same sample against the pmf of a different dimension must fail
    q = walk_sq_distance_pmf(D + 3, N).as_dict()
    exp2 = np.array([float(q.get(int(r), 0)) * W for r in p.support])
    keep = exp2 >= 5
    obs2 = observed[keep]
    exp2 = exp2[keep] * obs2.sum() / exp2[keep].sum()
    assert stats.chisquare(obs2, exp2)[1] < 1e-6


@pytest.mark.parametrize("D", [5, 160])
def test_simulation_mean_square_within_4_se(D):
    N, W = 400, 2000
    d = lattice_walk(D, N, W, seed=7, record_every=100, progress=False)
    sq = d[:, -1] ** 2
    se = sq.std(ddof=1) / math.sqrt(W)
    assert abs(sq.mean() - N) < 4 * se
    # the standard error agrees with the exact Var|X|^2
    assert sq.var(ddof=1) == pytest.approx(float(walk_moments(D, N).var_sq), rel=0.15)
    # negative control: the Gaussian-reduction variance 2N^2/D is wrong for small D... and the
    # mean distance is not sqrt(N) beyond 4 SE at D = 5
    if D == 5:
        m = d[:, -1]
        assert abs(m.mean() - math.sqrt(N)) > 4 * m.std(ddof=1) / math.sqrt(W)
        assert abs(m.mean() - walk_mean_distance(D, N).value) < 4 * m.std(ddof=1) / math.sqrt(W)


def test_plot_walks_returns_figure():
    fig = plot_walks((2, 3, 4), n_steps=30, n_walkers=20, exact_steps=10, progress=False)
    assert len([a for a in fig.axes if a.get_visible()]) == 3
    assert set(fig.walk_stats) == {2, 3, 4}


# ---------------------------------------------------------------- bad input

@pytest.mark.parametrize("call, match", [
    (lambda: lattice_walk(0, 10, 10, progress=False), "`n_dims`"),
    (lambda: lattice_walk(2, -1, 10, progress=False), "`n_steps`"),
    (lambda: lattice_walk(2, 10, 0, progress=False), "`n_walkers`"),
    (lambda: lattice_walk(2, 10, 5, record_every=0, progress=False), "`record_every`"),
    (lambda: walk_sq_distance_pmf(0, 3), "`n_dims`"),
    (lambda: walk_sq_distance_pmf(2, -1), "`n_steps`"),
    (lambda: walk_sq_distance_pmf(2, 10_000), "`n_steps`"),
    (lambda: walk_moments(0, 3), "`n_dims`"),
    (lambda: walk_mean_distance(2, 500, method="exact"), "`n_steps`"),
    (lambda: walk_mean_distance(2, 5, method="nope"), "`method`"),
    (lambda: walk_mean_distance_curve(0, 5), "`n_dims`"),
    (lambda: walk_mean_distance_curve(2, 10**6), "`n_steps`"),
    (lambda: polya_return_probability(0), "`n_dims`"),
    (lambda: expected_distinct_sites(1, -2), "`n_steps`"),
    (lambda: plot_walks((), progress=False), "`n_dims_list`"),
])
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()


@settings(max_examples=15)
@given(st.integers(-5, 0), st.integers(-5, -1), st.integers(-5, 0))
def test_bad_sizes_property(d, n, w):
    with pytest.raises(ValueError, match="`n_dims`"):
        lattice_walk(d, 1, 1, progress=False)
    with pytest.raises(ValueError, match="`n_steps`"):
        lattice_walk(1, n, 1, progress=False)
    with pytest.raises(ValueError, match="`n_walkers`"):
        lattice_walk(1, 1, w, progress=False)


def test_seed_type_errors():
    with pytest.raises(TypeError, match="`seed`"):
        lattice_walk(2, 3, 3, seed="abc", progress=False)
    with pytest.raises(TypeError, match="`n_dims`"):
        walk_moments(2.5, 3)


@settings(max_examples=15)
@given(walk_sizes(max_dims=6, max_steps=40))
def test_distinct_sites_properties(case):
    D, N = case
    r = expected_distinct_sites(D, N)
    assert 1 <= r <= N + 1
    if N >= 1:
        assert expected_distinct_sites(D, N - 1) <= r
        assert expected_distinct_sites(D, 1) == 2
    # more room, fewer revisits: the range grows with D
    assert expected_distinct_sites(D + 1, N) >= r


@settings(max_examples=20)
@given(st.integers(1, 500), st.floats(1.0, 1e6))
def test_chi_mean_below_sqrt_n(D, N):
    assert chi_mean_distance(D, N) < math.sqrt(N)
    assert chi_mean_distance(D + 1, N) > chi_mean_distance(D, N)

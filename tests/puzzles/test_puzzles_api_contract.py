"""API contract of the public `puzzles` names: properties, bad inputs, seeding.

Fills the gaps left by the topic test files (QA audit). Oracles: the count of k-digit
base-b numbers avoiding one non-zero digit is (b - 2)(b - 1)^(k-1) (b - 1 choices per
place, the leading digit also not 0); brute-force rational partial sums; for the walk,
E|X_N|^2 = N exactly, |X_N|^2 = N (mod 2), enumeration for D = 1, N = 2 (5/2 distinct
sites); Polya (1921): return is certain for D <= 2; Watson (1939) p(3) = 0.340537329550999.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import puzzles
from puzzles import (chi_mean_distance, expected_distinct_sites, kempner_block_counts, kempner_level_sums,
                     kempner_partial_sum, kempner_sum, kempner_sum_recurrence, kempner_textbook_bound,
                     lattice_walk, plot_walks, polya_return_probability, walk_mean_distance,
                     walk_mean_distance_curve, walk_moments, walk_sq_distance_pmf)


def _brute_partial(excluded: str, base: int, n_max: int) -> Fraction:
    def digits(n):
        out = []
        while n:
            n, r = divmod(n, base)
            out.append(r)
        return out

    bad = int(excluded, base)
    return sum((Fraction(1, n) for n in range(1, n_max + 1) if bad not in digits(n)), Fraction(0))


# --------------------------------------------------------------------------- Kempner
@settings(max_examples=25)
@given(st.integers(3, 16), st.data(), st.integers(1, 5))
def test_block_counts_closed_form(base, data, k):
    d = data.draw(st.integers(0, base - 1))
    ex = np.base_repr(d, base).lower()
    counts = kempner_block_counts(ex, base=base, max_digits=k)
    want = [(base - 1) ** j if d == 0 else (base - 2) * (base - 1) ** (j - 1) for j in range(1, k + 1)]
    assert counts == want


@settings(max_examples=15)
@given(st.integers(3, 10), st.data(), st.integers(1, 300))
def test_partial_sum_matches_brute_force(base, data, n_max):
    d = data.draw(st.integers(1, base - 1))
    ex = str(d)
    assert kempner_partial_sum(ex, base=base, n_max=n_max, exact=True) == _brute_partial(ex, base, n_max)
    approx = kempner_partial_sum(ex, base=base, n_max=n_max, dps=30)
    assert float(approx) == pytest.approx(float(_brute_partial(ex, base, n_max)), rel=1e-14)


@settings(max_examples=10)
@given(st.integers(3, 10), st.data(), st.integers(1, 3))
def test_level_sums_add_up_to_partial_sums(base, data, k):
    ex = str(data.draw(st.integers(1, base - 1)))
    levels = kempner_level_sums(ex, base=base, max_digits=k, digits=30)
    total = kempner_partial_sum(ex, base=base, n_max=base**k - 1, exact=True)
    assert float(sum(levels)) == pytest.approx(float(total), rel=1e-20 + 1e-14)
    assert all(float(x) > 0 for x in levels)


@settings(max_examples=8)
@given(st.integers(3, 10), st.data())
def test_sum_bracket_recurrence_and_textbook_bound(base, data):
    ex = str(data.draw(st.integers(1, base - 1)))
    s = kempner_sum(ex, base=base, digits=15)
    assert s.lower <= s.value <= s.upper
    assert float(kempner_sum_recurrence(ex, base=base, digits=15)) == pytest.approx(float(s.value), rel=1e-12)
    b = kempner_textbook_bound(ex, base=base)
    assert float(b.textbook) >= float(s.value)          # Kempner's bound is an upper bound
    assert b.note_indexing == b.textbook / (base - 1)   # the note undercounts each block by b - 1


def test_kempner_literature():
    # Baillie (1979): sum over n without the digit 9 = 22.92067661926415034816...
    assert float(kempner_sum("9", digits=20).value) == pytest.approx(22.920676619264150348, rel=1e-15)
    assert kempner_textbook_bound("9").textbook == 80


@pytest.mark.parametrize("call, exc, pat", [
    (lambda: kempner_block_counts("9", max_digits=0), ValueError, "`max_digits`"),
    (lambda: kempner_block_counts("a", max_digits=2), ValueError, "`excluded`"),
    (lambda: kempner_block_counts("", max_digits=2), ValueError, "`excluded`"),
    (lambda: kempner_block_counts("1", base=1, max_digits=2), ValueError, "`base`"),
    (lambda: kempner_level_sums("9", max_digits=2, digits=0), ValueError, "`digits`"),
    (lambda: kempner_level_sums("9", max_digits=-1), ValueError, "`max_digits`"),
    (lambda: kempner_partial_sum("9", n_max=-1), ValueError, "`n_max`"),
    (lambda: kempner_partial_sum("9", n_max=1.5), TypeError, "`n_max`"),
    (lambda: kempner_sum("9", digits=True), TypeError, "`digits`"),
    (lambda: kempner_sum("9", base=2.0), TypeError, "`base`"),
    (lambda: kempner_sum_recurrence("x"), ValueError, "`excluded`"),
    (lambda: kempner_textbook_bound("9", base=40), ValueError, "`base`"),
])
def test_kempner_bad_input(call, exc, pat):
    with pytest.raises(exc, match=pat):
        call()


# --------------------------------------------------------------------------- walk: exact laws
@settings(max_examples=20)
@given(st.integers(1, 6), st.integers(0, 12))
def test_pmf_moments_parity_and_normalisation(D, N):
    p = walk_sq_distance_pmf(D, N)
    m = walk_moments(D, N)
    assert sum(p.pmf) == 1 and sum(p.counts) == (2 * D) ** N
    assert all(int(r) % 2 == N % 2 for r in p.support)
    assert m.mean_sq == N                                            # E|X_N|^2 = N
    assert sum(int(r) * q for r, q in zip(p.support, p.pmf)) == m.mean_sq
    assert sum(int(r) ** 2 * q for r, q in zip(p.support, p.pmf)) == m.mean_fourth
    assert m.var_sq == m.mean_fourth - m.mean_sq**2 >= 0


@settings(max_examples=15)
@given(st.integers(1, 6), st.integers(1, 40))
def test_mean_distance_methods_agree_and_jensen(D, N):
    ex = walk_mean_distance(D, N, method="exact")
    lap = walk_mean_distance(D, N, method="laplace")
    assert abs(ex.value - lap.value) <= ex.error + lap.error + 1e-12
    assert 0 < ex.value <= math.sqrt(N) + 1e-12 and 0 < ex.ratio <= 1 + 1e-12   # Jensen
    curve = walk_mean_distance_curve(D, N)
    assert curve[0] == 0 and curve[-1] == pytest.approx(ex.value, rel=1e-12)
    assert walk_mean_distance(D, 1).value == 1.0


@settings(max_examples=20)
@given(st.integers(1, 200), st.floats(0.0, 1e4))
def test_chi_mean_distance_scaling(D, N):
    assert chi_mean_distance(D, 4 * N) == pytest.approx(2 * chi_mean_distance(D, N), rel=1e-12)
    assert chi_mean_distance(D, N) <= math.sqrt(N) + 1e-12      # E chi <= sqrt(E chi^2)


@settings(max_examples=15)
@given(st.integers(1, 4), st.integers(0, 10))
def test_distinct_sites_bounds(D, N):
    r = expected_distinct_sites(D, N)
    assert isinstance(r, Fraction) and 1 <= r <= N + 1
    assert expected_distinct_sites(D, N + 1) >= r                 # the range only grows


def test_distinct_sites_enumeration_and_polya():
    assert expected_distinct_sites(1, 2) == Fraction(5, 2)      # RR, LL: 3 sites; RL, LR: 2
    assert polya_return_probability(1).probability == 1.0
    assert polya_return_probability(2).probability == 1.0
    r3 = polya_return_probability(3)
    assert r3.probability == pytest.approx(0.340537329550999, abs=1e-12)   # Watson (1939)
    assert r3.expected_visits == pytest.approx(1 / (1 - r3.probability), rel=1e-12)
    ps = [polya_return_probability(D).probability for D in range(3, 8)]
    assert all(a > b for a, b in zip(ps, ps[1:]))                # transience grows with D


@pytest.mark.parametrize("call, exc, pat", [
    (lambda: chi_mean_distance(3, True), TypeError, "`n_steps`"),
    (lambda: chi_mean_distance(3, float("nan")), ValueError, "`n_steps`"),
    (lambda: chi_mean_distance(3, -1.0), ValueError, "`n_steps`"),
    (lambda: chi_mean_distance(0, 1.0), ValueError, "`n_dims`"),
    (lambda: expected_distinct_sites(0, 3), ValueError, "`n_dims`"),
    (lambda: expected_distinct_sites(2, -1), ValueError, "`n_steps`"),
    (lambda: polya_return_probability(0), ValueError, "`n_dims`"),
    (lambda: polya_return_probability(3, method="x"), ValueError, "`method`"),
    (lambda: polya_return_probability(3, method="mpmath", dps=5), ValueError, "`dps`"),
    (lambda: walk_mean_distance(2, 3, method="x"), ValueError, "`method`"),
    (lambda: walk_mean_distance(2, 200, method="exact"), ValueError, "`n_steps`"),
    (lambda: walk_mean_distance(2.0, 3), TypeError, "`n_dims`"),
    (lambda: walk_mean_distance_curve(2, -1), ValueError, "`n_steps`"),
    (lambda: walk_mean_distance_curve(2, 3, n_nodes=0), ValueError, "`n_nodes`"),
    (lambda: walk_moments(0, 3), ValueError, "`n_dims`"),
    (lambda: walk_sq_distance_pmf(2, -2), ValueError, "`n_steps`"),
])
def test_walk_exact_bad_input(call, exc, pat):
    with pytest.raises(exc, match=pat):
        call()


# --------------------------------------------------------------------------- walk: simulation
@settings(max_examples=10)
@given(st.integers(1, 6), st.integers(1, 30), st.integers(1, 5), st.integers(1, 3), st.integers(0, 2**16))
def test_lattice_walk_shape_parity_seed(D, N, walkers, every, seed):
    d = lattice_walk(D, N, walkers, seed=seed, record_every=every, progress=False)
    assert d.shape == (walkers, N // every)
    sq = np.rint(d**2).astype(int)
    np.testing.assert_allclose(d**2, sq, atol=1e-9)
    steps = every * np.arange(1, N // every + 1)
    assert np.all(sq % 2 == steps % 2) and np.all(sq <= steps**2)   # parity; |X_N| <= N
    np.testing.assert_array_equal(d, lattice_walk(D, N, walkers, seed=seed, record_every=every, progress=False))


@pytest.mark.parametrize("kw, exc, pat", [
    (dict(n_dims=0), ValueError, "`n_dims`"), (dict(n_steps=-1), ValueError, "`n_steps`"),
    (dict(n_walkers=0), ValueError, "`n_walkers`"), (dict(record_every=0), ValueError, "`record_every`"),
    (dict(chunk=0), ValueError, "`chunk`"), (dict(seed="x"), TypeError, "`seed`"),
    (dict(seed=-3), ValueError, "`seed`"), (dict(n_steps=2.5), TypeError, "`n_steps`")])
def test_lattice_walk_bad_input(kw, exc, pat):
    args = dict(n_dims=2, n_steps=5, n_walkers=3, progress=False) | kw
    with pytest.raises(exc, match=pat):
        lattice_walk(**args)


def test_plot_walks_figure_seed_and_bad_input():
    from matplotlib.figure import Figure

    fig = plot_walks((2, 3), n_steps=10, n_walkers=5, seed=0, exact_steps=6, max_lines=3, progress=False)
    assert isinstance(fig, Figure)
    with pytest.raises(TypeError, match="`seed`"):
        plot_walks((2,), n_steps=5, n_walkers=2, seed=1.5, progress=False)
    with pytest.raises(ValueError, match="`seed`"):
        plot_walks((2,), n_steps=5, n_walkers=2, seed=-1, progress=False)
    with pytest.raises(TypeError, match="`n_dims_list`"):
        plot_walks(3, n_steps=5, n_walkers=2, progress=False)
    with pytest.raises(ValueError, match="`n_dims_list`"):
        plot_walks((), n_steps=5, n_walkers=2, progress=False)
    with pytest.raises(ValueError, match="`n_steps`"):
        plot_walks((2,), n_steps=0, progress=False)


def test_every_public_name_is_covered_here_or_in_topic_tests():
    import pathlib

    text = "".join(p.read_text() for p in pathlib.Path(__file__).parent.glob("test_*.py"))
    missing = [n for n in puzzles.__all__
               if n not in text and not (isinstance(getattr(puzzles, n), type) and hasattr(getattr(puzzles, n), "_fields"))]
    assert not missing, missing

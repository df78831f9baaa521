"""Tests of puzzles.kempner: oracles (literature, closed forms, brute force) and properties."""

from __future__ import annotations

from fractions import Fraction

import mpmath
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from puzzles import (PrecisionError, kempner_block_counts, kempner_level_sums, kempner_partial_sum,
                     kempner_sum, kempner_sum_recurrence, kempner_textbook_bound)
from puzzles.strategies import kempner_cases

# Baillie (1979), Amer. Math. Monthly 86, 372-374; digits continued in Schmelzer & Baillie (2008).
BAILLIE = "22.920676619264150348163657094375931914944762436998481568541998356572156338189911129"
# Schmelzer & Baillie (2008), Amer. Math. Monthly 115, 525-540, table of omitted strings.
SB_42 = "228.44630415923081325415"
SB_314159 = "2302582.33386378260789202376"
# OEIS A082839 (omit 0) and A082830 (omit 1).
OMIT_0 = "23.10344790942054161603"
OMIT_1 = "16.17696952812344426657"


def _brute_digits(n: int, base: int) -> str:
    out = ""
    while n:
        out = "0123456789abcdefghijklmnopqrstuvwxyz"[n % base] + out
        n //= base
    return out


def _admissible(n: int, base: int, strings) -> bool:
    s = _brute_digits(n, base)
    return not any(x in s for x in strings)


# ---------------------------------------------------------------- literature values

def test_no9_value_matches_baillie_to_80_digits():
    r = kempner_sum("9", digits=80)
    with mpmath.workdps(100):
        lit = mpmath.mpf(BAILLIE)
        assert r.lower <= lit + mpmath.mpf(10) ** -82  # literature string is truncated
        assert abs(r.value - lit) < mpmath.mpf(10) ** -80
        assert (r.upper - r.lower) / r.lower < mpmath.mpf(10) ** -80


@pytest.mark.parametrize("excluded, lit", [("0", OMIT_0), ("1", OMIT_1), ("42", SB_42),
                                           ("314159", SB_314159)])
def test_literature_values(excluded, lit):
    r = kempner_sum(excluded, digits=20)
    with mpmath.workdps(40):
        assert abs(r.value - mpmath.mpf(lit)) / r.value < mpmath.mpf(10) ** -20
        assert r.lower <= r.upper


def test_recurrence_agrees_with_moments_200_digits():
    r = kempner_sum("9", digits=200)
    sb = kempner_sum_recurrence("9", digits=200)
    with mpmath.workdps(220):
        assert abs(sb - r.value) <= 2 * r.width + mpmath.mpf(10) ** -199 * r.value


def test_base2_digit0_is_sum_over_mersenne_numbers():
    # In base 2, omitting 0 keeps only n = 2^k - 1.
    r = kempner_sum("0", base=2, digits=40)
    with mpmath.workdps(60):
        exact = mpmath.nsum(lambda k: 1 / (2 ** k - 1), [1, mpmath.inf])
        assert r.lower <= exact <= r.upper


def test_empty_and_finite_languages():
    assert kempner_sum("1", base=2).value == 0  # base 2 without 1: no positive integer
    r = kempner_sum(["0", "11"], base=2)  # only n = 1 survives
    assert r.lower <= 1 <= r.upper and abs(r.value - 1) < 1e-20


def test_textbook_bound_and_note_indexing():
    tb = kempner_textbook_bound("9")
    assert tb.textbook == 80
    assert tb.note_indexing == Fraction(80, 9)
    assert tb.note_majorant == 10
    # general base, single digit d != 0: sum_d (b-2)(b-1)^(d-1)/b^(d-1) = b (b-2)
    for b in (3, 5, 7, 12):
        assert kempner_textbook_bound(str(b - 1) if b <= 10 else "1", base=b).textbook == b * (b - 2)


def test_textbook_bound_matches_count_series():
    # avoiding "12" in base 3 grows like 2.618^d, so 400 terms leave a tail < 1e-20
    tb = kempner_textbook_bound("12", base=3)
    counts = kempner_block_counts("12", base=3, max_digits=400)
    partial = sum(Fraction(c, 3 ** d) for d, c in enumerate(counts))
    assert 0 <= tb.textbook - partial < Fraction(1, 10**20)
    assert float(kempner_textbook_bound("42").textbook) > kempner_sum("42", digits=10).upper


def test_partial_sums_up_to_1e30_are_about_21_97():
    # Schmelzer & Baillie (2008): all n < 10^30 give only about 21.97.
    levels = kempner_level_sums("9", max_digits=30, digits=30)
    assert abs(float(mpmath.fsum(levels)) - 21.97) < 0.01


def test_level_sums_match_brute_force():
    levels = kempner_level_sums("12", max_digits=4, digits=25)
    exact = kempner_partial_sum("12", n_max=9_999, exact=True)
    with mpmath.workdps(30):
        assert abs(mpmath.fsum(levels) - mpmath.mpf(exact.numerator) / exact.denominator) < 1e-22


def test_level_sums_recurrence_beyond_enumeration():
    # levels 4..6 come from the recurrence; compare with brute force over n < 10^6
    levels = kempner_level_sums("9", max_digits=6, digits=25)
    brute = kempner_partial_sum("9", n_max=999_999, dps=25)
    with mpmath.workdps(30):
        assert abs(mpmath.fsum(levels) - brute) < 1e-20


def test_block_counts_formula_single_digit():
    for b in range(3, 12):
        for d in range(1, b):
            counts = kempner_block_counts(str(d) if d < 10 else "a", base=b, max_digits=8)
            assert counts == [(b - 2) * (b - 1) ** (k - 1) for k in range(1, 9)]


def test_partial_sum_exact_small():
    assert kempner_partial_sum("9", n_max=10, exact=True) == sum(Fraction(1, n) for n in range(1, 11) if n != 9)
    assert kempner_partial_sum("9", n_max=0, exact=True) == 0


# ---------------------------------------------------------------- properties

@settings(max_examples=25)
@given(kempner_cases(max_base=10, max_len=2))
def test_counts_match_brute_force(case):
    base, excluded = case
    strings = [excluded] if isinstance(excluded, str) else excluded
    counts = kempner_block_counts(excluded, base=base, max_digits=4)
    for d in range(1, 5):
        if base ** d > 20_000:
            break
        brute = sum(_admissible(n, base, strings) for n in range(base ** (d - 1), base ** d))
        assert counts[d - 1] == brute


@settings(max_examples=15)
@given(kempner_cases(min_base=2, max_base=10, max_len=2), st.integers(5, 20))
def test_bracket_contains_sum_and_is_above_partial_sums(case, digits):
    base, excluded = case
    r = kempner_sum(excluded, base=base, digits=digits)
    assert r.lower <= r.value <= r.upper
    if r.value > 0:
        assert (r.upper - r.lower) / r.lower < mpmath.mpf(10) ** -digits
    # partial sums increase and stay below the upper end
    p1 = kempner_partial_sum(excluded, base=base, n_max=base ** 2, dps=30)
    p2 = kempner_partial_sum(excluded, base=base, n_max=base ** 4, dps=30)
    assert p1 <= p2 <= r.upper
    # the recurrence lands in the bracket (to its own accuracy)
    sb = kempner_sum_recurrence(excluded, base=base, digits=digits)
    assert abs(sb - r.value) <= r.width + mpmath.mpf(10) ** (-digits) * max(r.value, 1)


@settings(max_examples=10)
@given(st.integers(3, 16), st.integers(0, 15))
def test_single_digit_moments_vs_recurrence(base, digit):
    digit = digit % base
    label = "0123456789abcdef"[digit]
    r = kempner_sum(label, base=base, digits=25)
    sb = kempner_sum_recurrence(label, base=base, digits=25)
    assert abs(sb - r.value) <= r.width + mpmath.mpf(10) ** -25 * r.value


def test_more_exclusions_give_smaller_sums():
    a = kempner_sum("9", digits=15)
    b = kempner_sum(["9", "8"], digits=15)
    c = kempner_sum("99", digits=15)
    assert b.upper < a.lower < c.lower


def test_excluded_as_int_digit():
    assert kempner_sum(9, digits=15).value == kempner_sum("9", digits=15).value


# ---------------------------------------------------------------- bad input

@pytest.mark.parametrize("kwargs, match", [
    (dict(excluded="9", base=5), "`excluded`.*base 5"),
    (dict(excluded=""), "`excluded`"),
    (dict(excluded=[]), "`excluded`"),
    (dict(excluded="9", base=1), "`base`"),
    (dict(excluded="9", base=37), "`base`"),
    (dict(excluded="9", digits=0), "`digits`"),
    (dict(excluded="9", digits=10**6), "`digits`"),
    (dict(excluded="x!"), "`excluded`"),
    (dict(excluded=12), "`excluded`"),
])
def test_bad_input_raises(kwargs, match):
    with pytest.raises(ValueError, match=match):
        kempner_sum(**kwargs)


def test_bad_types():
    with pytest.raises(TypeError, match="`excluded`"):
        kempner_sum(["9", 3])
    with pytest.raises(TypeError, match="`digits`"):
        kempner_sum("9", digits=2.5)
    with pytest.raises(ValueError, match="`n_max`"):
        kempner_partial_sum("9", n_max=-1)
    with pytest.raises(ValueError, match="`max_digits`"):
        kempner_block_counts("9", max_digits=0)


def test_precision_error_carries_partial():
    err = PrecisionError("x", (1, 2))
    assert err.partial == (1, 2) and isinstance(err, ArithmeticError)


@settings(max_examples=15)
@given(kempner_cases(min_base=2, max_base=8, max_len=2))
def test_textbook_bound_is_an_upper_bound(case):
    base, excluded = case
    tb = kempner_textbook_bound(excluded, base=base)
    r = kempner_sum(excluded, base=base, digits=10)
    # S <= textbook; the bracket's upper end may exceed S (and a tight textbook bound, e.g.
    # base 2 without '0' and '11' where S = 1 exactly), so compare with the lower end
    assert r.lower <= mpmath.mpf(tb.textbook.numerator) / tb.textbook.denominator
    # the note's indexing divides every block by b more than the textbook: it is smaller
    assert tb.note_indexing <= tb.textbook or tb.textbook == 0


@settings(max_examples=15)
@given(kempner_cases(min_base=2, max_base=6, max_len=2), st.integers(1, 5))
def test_level_sums_are_partial_sums_at_powers_of_the_base(case, k):
    base, excluded = case
    levels = kempner_level_sums(excluded, base=base, max_digits=k, digits=25)
    brute = kempner_partial_sum(excluded, base=base, n_max=base ** k - 1, dps=25)
    with mpmath.workdps(30):
        assert abs(mpmath.fsum(levels) - brute) < 1e-20 * max(1, brute)

"""Verdict computation: the verdict comes from the numbers."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pathdep.claims.verdict import (HOLDS, INCONCLUSIVE, REFUTED, Verdict, compare, compare_all,
                                    decide, worst)

finite = st.floats(-1e6, 1e6, allow_nan=False)


@given(finite, st.floats(0, 1e3))
def test_exact_agreement_holds(x, tol):
    assert compare(x, x, atol=tol).verdict == HOLDS


@given(finite, st.floats(1e-3, 1e3))
def test_outside_tolerance_refuted(x, tol):
    assert compare(x + 2 * tol, x, atol=tol).verdict == REFUTED


def test_stderr_widens_then_blurs():
    # 3 sigma off with tolerance 0 would be refuted without a stderr...
    assert compare(1.3, 1.0, atol=0.05).verdict == REFUTED
    # ...agrees within tol + 4 SE, and 4 SE <= tol: HOLDS
    assert compare(1.1, 1.0, atol=0.1, stderr=0.02).verdict == HOLDS
    # noise larger than the tolerance: cannot decide
    assert compare(1.1, 1.0, atol=0.01, stderr=0.1).verdict == INCONCLUSIVE
    # far beyond tol + noise: refuted even when noisy
    assert compare(3.0, 1.0, atol=0.01, stderr=0.1).verdict == REFUTED


def test_relative_tolerance():
    assert compare(101.0, 100.0, rtol=0.02).verdict == HOLDS
    assert compare(103.0, 100.0, rtol=0.02).verdict == REFUTED


@pytest.mark.parametrize("bad", [math.nan, math.inf])
def test_non_finite_is_inconclusive_not_holds(bad):
    assert compare(bad, 1.0, atol=1.0).verdict == INCONCLUSIVE


def test_corrected_statement_only_when_refuted():
    assert compare(1.0, 1.0, atol=0, corrected="x").corrected is None
    assert compare(2.0, 1.0, atol=0, corrected="x").corrected == "x"


@given(st.lists(finite, min_size=1, max_size=8))
def test_compare_all_worst_element_decides(xs):
    assert compare_all(xs, xs, atol=0).verdict == HOLDS
    ys = list(xs)
    ys[-1] += 10.0
    assert compare_all(xs, ys, atol=1.0).verdict == REFUTED


def test_compare_all_shape_mismatch():
    with pytest.raises(ValueError, match="shape"):
        compare_all([1.0, 2.0], [1.0])


def test_decide_three_ways():
    assert decide(True, measured=1, expected=1).verdict == HOLDS
    assert decide(False, measured=1, expected=2).verdict == REFUTED
    assert decide(None, measured=1, expected=2).verdict == INCONCLUSIVE


def test_verdict_rejects_unknown_name():
    with pytest.raises(ValueError, match="`verdict` must be one of"):
        Verdict("MAYBE", 1, 1)


def test_worst_order():
    assert worst([HOLDS, INCONCLUSIVE]) == INCONCLUSIVE
    assert worst([HOLDS, REFUTED, INCONCLUSIVE]) == REFUTED
    assert worst([HOLDS]) == HOLDS

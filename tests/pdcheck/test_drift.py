"""pdcheck.drift_check: the change of the running mean over the last half against its standard error.

Measured with the default settings (``z = 3``, ``b = 2 floor(sqrt(n)/2)`` batches clipped to [8, 50]),
1000 AR(1) series per row (``dynsys.ar1_series``, seed 1), a "1-sd trend" being a linear ramp that rises
by one marginal standard deviation over the whole trace:

=====  =====  ==================  ===========================
n      phi    false-flag rate     detection of a 1-sd trend
=====  =====  ==================  ===========================
100    0.0    0.1 %               6.7 %
100    0.5    0.1 %               1.7 %
100    0.9    2.0 %               5.4 %
1000   0.0    0.3 %               100 %
1000   0.5    0.5 %               86.5 %
1000   0.9    1.2 %               20.8 %
10000  0.0    0.2 %               100 %
10000  0.5    0.2 %               100 %
10000  0.9    0.3 %               99.2 %
=====  =====  ==================  ===========================

Nominal is 0.27 % (3 normal standard errors); at phi <= 0.5 the rate stays well under 1 %. A slowly
mixing trace (phi = 0.9: autocorrelation time 19, batches of 31 at n = 1000) has correlated batch means
and flags more often, as the function's Notes say. Short traces have few batches and a wide
Student-t quantile, so they are flagged only for large moves (a 1-sd trend in 100 samples mostly is not).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dynsys import ar1_series
from pdcheck import MIN_DRIFT_LENGTH, DriftCheck, drift_check


def _series(phi, n, count, seed):
    x = np.asarray(ar1_series(phi, n, n_series=count, seed=seed))
    return x.T if x.shape[0] == n else x


def test_stationary_trace_is_not_flagged_and_a_trending_one_is():
    rng = np.random.default_rng(0)
    x = rng.standard_normal(4000)
    calm = drift_check(x)
    assert isinstance(calm, DriftCheck) and not calm.drifting
    assert abs(calm.drift) < calm.threshold * calm.drift_stderr
    # negative control: a trend of one standard deviation over the trace must be flagged
    trend = drift_check(x + np.linspace(0.0, 1.0, 4000))
    assert trend.drifting and trend.drift > 0 and trend.z > trend.threshold
    # the drift estimates the running mean's change: a ramp 0 -> 1 moves it by about 1/4
    assert trend.drift == pytest.approx(0.25 + calm.drift, abs=4 * trend.drift_stderr)


def test_false_flag_rate_near_nominal_and_a_1sd_trend_detected():
    # the measurement in the module docstring, at one row (1000 series, phi = 0.5, n = 1000)
    x = _series(0.5, 1000, 1000, seed=1)
    false = np.mean([drift_check(s).drifting for s in x])
    sd = 1.0 / np.sqrt(1 - 0.5 ** 2)
    detected = np.mean([drift_check(s + sd * np.linspace(0, 1, 1000)).drifting for s in x])
    assert false < 0.01         # nominal 0.0027; binomial s.e. at 1000 series ~0.0016
    assert detected > 0.7


def test_standard_error_matches_the_spread_of_the_drift_over_replicates():
    # the drift's s.e. is what the spread of drifts over independent stationary series shows
    x = _series(0.5, 2000, 600, seed=2)
    res = [drift_check(s) for s in x]
    d = np.array([r.drift for r in res])
    se = np.array([r.drift_stderr for r in res])
    assert np.std(d) == pytest.approx(np.sqrt(np.mean(se ** 2)), rel=0.15)


def test_trace_length_widens_the_threshold():
    rng = np.random.default_rng(3)
    short, long = drift_check(rng.standard_normal(MIN_DRIFT_LENGTH)), drift_check(rng.standard_normal(10_000))
    assert short.n_batches == 8 and long.n_batches == 50
    assert short.threshold > long.threshold > 3.0


def test_constant_trace_does_not_drift():
    r = drift_check(np.full(100, 2.5))
    assert r.drift == 0 and r.drift_stderr == 0 and not r.drifting and r.z == 0


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2 ** 32 - 1), shift=st.floats(-1e3, 1e3), scale=st.floats(1e-3, 1e3),
       n=st.integers(MIN_DRIFT_LENGTH, 3000))
def test_flag_is_invariant_under_shift_and_scale(seed, shift, scale, n):
    x = np.random.default_rng(seed).standard_normal(n) + np.linspace(0, 2, n) * (seed % 2)
    a, b = drift_check(x), drift_check(shift + scale * x)
    assert b.drift == pytest.approx(scale * a.drift, rel=1e-6, abs=1e-9 * (abs(shift) + scale))
    assert b.drift_stderr == pytest.approx(scale * a.drift_stderr, rel=1e-6, abs=1e-9 * (abs(shift) + scale))
    if abs(abs(a.z) - a.threshold) > 1e-6:
        assert a.drifting == b.drifting
    assert a.n_batches == b.n_batches and a.n_batches % 2 == 0


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2 ** 32 - 1), n=st.integers(MIN_DRIFT_LENGTH, 500))
def test_reversing_a_trace_of_two_constant_halves_flips_the_sign(seed, n):
    n -= n % 2
    rng = np.random.default_rng(seed)
    x = np.concatenate([np.zeros(n // 2), np.ones(n // 2)]) + 0.01 * rng.standard_normal(n)
    r = drift_check(x)
    assert r.drift > 0 and drift_check(x[::-1]).drift < 0


@pytest.mark.parametrize("bad, err, match", [
    (None, TypeError, "`trace` must be a 1-D array of numbers"),
    ("abc", TypeError, "`trace` must be a 1-D array"),
    (np.ones(20) + 1j, TypeError, "`trace` must be real"),
    (np.array(["a"] * 20), TypeError, "dtype"),
    (np.ones((20, 2)), ValueError, "`trace` must be 1-D"),
    (np.ones(15), ValueError, "at least 16 samples"),
    (np.r_[np.ones(19), np.nan], ValueError, "`trace` must be finite"),
    ([[1.0, 2.0], [3.0]], TypeError, "`trace`"),
])
def test_bad_traces_are_refused_by_name(bad, err, match):
    with pytest.raises(err, match=match):
        drift_check(bad)


@pytest.mark.parametrize("kwargs, err, match", [
    (dict(z=0.0), ValueError, "`z` must be a positive"), (dict(z=float("nan")), ValueError, "`z`"),
    (dict(z="3"), TypeError, "`z`"), (dict(n_batches=7), ValueError, "`n_batches` must be even"),
    (dict(n_batches=4), ValueError, r"`n_batches` must be even and in \[8"), (dict(n_batches=2.0), TypeError,
                                                                                "`n_batches` must be an integer"),
    (dict(n_batches=100), ValueError, r"n/2 = 50"),
])
def test_bad_options_are_refused_by_name(kwargs, err, match):
    with pytest.raises(err, match=match):
        drift_check(np.zeros(100), **kwargs)


@given(st.lists(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e6, max_value=1e6),
                min_size=MIN_DRIFT_LENGTH, max_size=200))
def test_any_finite_trace_gives_a_finite_result(values):
    r = drift_check(values)
    assert np.isfinite(r.drift) and np.isfinite(r.drift_stderr) and np.isfinite(r.threshold)
    assert isinstance(r.drifting, bool)


def test_tau_makes_batches_at_least_three_autocorrelation_times_long():
    x = np.asarray(ar1_series(0.95, 4000, seed=7)).ravel()     # tau = 39
    assert drift_check(x).n_batches == 50
    r = drift_check(x, tau=39.0)
    assert r.n_batches == 34 and 4000 // r.n_batches >= 3 * 39
    assert drift_check(x, tau=1e6).n_batches == 8                 # never fewer than 8
    with pytest.raises(ValueError, match="`tau` must be a positive"):
        drift_check(x, tau=-1.0)
    with pytest.raises(TypeError, match="`tau`"):
        drift_check(x, tau="1")

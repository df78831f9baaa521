"""Tests of dynsys.autocorr against emcee, direct sums and the AR(1) closed form."""

from __future__ import annotations

import warnings

import emcee
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from dynsys.autocorr import (ar1_series, autocorr_time, autocorrelation, effective_sample_size,
                             integrated_time, two_time_correlation)
from dynsys.errors import AutocorrError
from dynsys.strategies import ar1_chains

pytestmark = pytest.mark.filterwarnings("ignore:the chain is shorter:RuntimeWarning")


def _direct_acf(x: np.ndarray) -> np.ndarray:
    """O(n^2) oracle: biased autocovariance normalised by lag 0."""
    y = x - x.mean()
    y = y / np.max(np.abs(y))  # rho is scale-free; keeps |y|^2 of tiny series from underflowing
    n = len(y)
    acov = np.array([np.dot(y[: n - k], y[k:]) for k in range(n)])
    return acov / acov[0]


# ----------------------------------------------------------------------------- autocorrelation
@given(arrays(np.float64, st.integers(2, 60), elements=st.floats(-1e3, 1e3)))
def test_acf_matches_direct_sum(x):
    if np.ptp(x) == 0.0:
        with pytest.raises(ValueError, match="constant"):
            autocorrelation(x)
        return
    if np.ptp(x) < 1e-6 * np.max(np.abs(x)):
        return  # centred values at rounding level: both sums are noise
    np.testing.assert_allclose(autocorrelation(x), _direct_acf(x), atol=1e-9)


@given(st.integers(0, 2 ** 31 - 1), st.integers(2, 5), st.integers(5, 40))
def test_acf_axis_and_batching(seed, k, n):
    x = np.random.default_rng(seed).standard_normal((n, k))
    rho = autocorrelation(x, axis=0)
    rho_t = autocorrelation(x.T, axis=1)
    np.testing.assert_allclose(rho, rho_t.T, atol=1e-12)
    for j in range(k):  # batching is per series
        np.testing.assert_allclose(rho[:, j], autocorrelation(x[:, j]), atol=1e-12)
    np.testing.assert_allclose(rho[0], 1.0)
    assert autocorrelation(x, max_lag=3).shape == (4, k)


def test_acf_affine_invariance():
    x = ar1_series(0.7, 500, seed=3)
    np.testing.assert_allclose(autocorrelation(3.0 * x - 7.0), autocorrelation(x), atol=1e-12)


def test_blocked_and_full_fft_agree():
    # long series with a short tau use the blocked (overlap-save) path: compare with emcee
    x = ar1_series(0.3, 20_000, seed=1)
    np.testing.assert_allclose(autocorrelation(x)[:50], emcee.autocorr.function_1d(x)[:50], atol=1e-12)


# ----------------------------------------------------------------------------- integrated time
@given(ar1_chains())
def test_sokal_agrees_with_emcee(chain):
    x, _ = chain
    ours = integrated_time(x, quiet=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for j in range(x.shape[1]):
            ref = emcee.autocorr.integrated_time(x[:, j], quiet=True)[0]
            assert abs(ours[j] - ref) <= 1e-10 * max(1.0, abs(ref))


@given(ar1_chains(max_series=6), st.integers(1, 3))
def test_walker_averaging_agrees_with_emcee(chain, walkers):
    x, _ = chain
    k = x.shape[1] - x.shape[1] % walkers
    x3 = x[:, :k].reshape(x.shape[0], walkers, k // walkers)  # (n_step, n_walker, n_param)
    ours = integrated_time(x3, walkers_axis=1, quiet=True)
    ref = emcee.autocorr.integrated_time(x3, quiet=True)
    np.testing.assert_allclose(ours, ref, rtol=1e-10, atol=1e-10)


def test_emcee_agreement_long_chains_all_phis():
    for phi in (0.5, 0.9, 0.99):
        x = ar1_series(phi, 100_000, n_series=3, seed=7)
        ours = integrated_time(x, quiet=True)
        ref = [emcee.autocorr.integrated_time(x[:, j], quiet=True)[0] for j in range(3)]
        np.testing.assert_allclose(ours, ref, rtol=1e-10)


@pytest.mark.parametrize("method", ["sokal", "geyer"])
def test_ar1_statistical_accuracy(method):
    """Mean of 20 estimates within 4 standard errors of tau = (1 + phi) / (1 - phi).

    The standard error of one estimate is the Madras-Sokal sigma = tau sqrt(2 (2M + 1) / N)
    (Madras & Sokal 1988); the mean of 20 independent ones has sigma / sqrt(20).
    """
    phi, n, reps = 0.9, 50_000, 20
    exact = (1 + phi) / (1 - phi)
    x = ar1_series(phi, n, n_series=reps, seed=11)
    res = autocorr_time(x, method=method)
    se = float(np.mean(res.stderr)) / np.sqrt(reps)
    assert abs(float(np.mean(res.tau)) - exact) < 4 * se
    # the empirical spread agrees with the Madras-Sokal formula within a factor 2
    assert 0.5 < float(np.std(res.tau, ddof=1)) / float(np.mean(res.stderr)) < 2.0
    # negative control: the exponential time -1/ln(phi) = 9.49 must be rejected
    assert abs(float(np.mean(res.tau)) - (-1 / np.log(phi))) > 4 * se


def test_white_noise_tau_is_one():
    x = np.random.default_rng(0).standard_normal((20_000, 4))
    for method in ("sokal", "geyer"):
        res = autocorr_time(x, method=method)
        assert np.all(np.abs(res.tau - 1.0) < 4 * res.stderr)


def test_geyer_close_to_sokal_on_ar1():
    x = ar1_series(0.8, 100_000, n_series=4, seed=2)
    s = autocorr_time(x)
    g = autocorr_time(x, method="geyer")
    assert np.all(np.abs(s.tau - g.tau) < 4 * np.hypot(s.stderr, g.stderr))


def test_short_chain_raises_with_tau_and_quiet_warns():
    x = ar1_series(0.99, 1000, seed=0)
    with pytest.raises(AutocorrError) as info:
        integrated_time(x)
    assert np.isfinite(info.value.tau) and info.value.tau > 20
    with pytest.warns(RuntimeWarning, match="shorter than 50"):
        tau = integrated_time(x, quiet=True)
    assert float(tau) == pytest.approx(float(info.value.tau))


def test_ess_is_n_over_tau():
    x = ar1_series(0.5, 10_000, n_series=2, seed=5)
    np.testing.assert_allclose(effective_sample_size(x), 10_000 / integrated_time(x))
    x3 = x.reshape(10_000, 2, 1)
    np.testing.assert_allclose(effective_sample_size(x3, walkers_axis=1),
                               20_000 / integrated_time(x3, walkers_axis=1))


@given(st.permutations(range(4)))
def test_permuting_series_permutes_taus(perm):
    x = ar1_series(0.6, 3000, n_series=4, seed=9)
    np.testing.assert_allclose(integrated_time(x[:, list(perm)]), integrated_time(x)[list(perm)])


@pytest.mark.parametrize("bad, kwargs, exc, msg", [
    ([1.0], {}, ValueError, "at least 2 samples"),
    ([1.0, np.nan, 2.0], {}, ValueError, "finite"),
    (np.ones(10), {}, ValueError, "constant"),
    (np.arange(10.0), {"method": "bogus"}, ValueError, "`method`"),
    (np.arange(10.0), {"c": -1.0}, ValueError, "`c`"),
    (np.arange(10.0), {"tol": 0.0}, ValueError, "`tol`"),
    (np.zeros((10, 2)) + np.arange(10.0)[:, None], {"walkers_axis": 0}, ValueError, "`walkers_axis`"),
    (np.arange(10.0), {"axis": 3}, ValueError, "`axis`"),
    ("abc", {}, TypeError, "`x`"),
])
def test_bad_inputs(bad, kwargs, exc, msg):
    with pytest.raises(exc, match=msg):
        integrated_time(bad, quiet=True, **kwargs)


def test_autocorrelation_bad_max_lag():
    with pytest.raises(ValueError, match="`max_lag`"):
        autocorrelation(np.arange(5.0), max_lag=5)


def test_ar1_series_bad_phi():
    with pytest.raises(ValueError, match="`phi`"):
        ar1_series(1.0, 10)


# ----------------------------------------------------------------------------- two-time
def test_two_time_oracle_mixture():
    """w_t = a_t w_0 + b_t xi_t with independent Gaussians: cos -> a / sqrt(a^2 + b^2) in high D."""
    rng = np.random.default_rng(0)
    runs, D = 8, 20_000
    a = np.array([1.0, 0.8, 0.5, 0.2])
    b = np.sqrt(1 - a ** 2)
    w0 = rng.standard_normal((runs, 1, D))
    w = a[None, :, None] * w0 + b[None, :, None] * rng.standard_normal((runs, 4, D))
    res = two_time_correlation(w)
    np.testing.assert_allclose(res.value, a, atol=4 / np.sqrt(D))
    res_c = two_time_correlation(w, centred=True)
    np.testing.assert_allclose(res_c.value, a, atol=0.05)
    assert res.t0 == 0 and res.value[0] == pytest.approx(1.0)


@given(st.integers(0, 2 ** 31 - 1), st.permutations(range(5)))
@settings(max_examples=10)
def test_two_time_invariances(seed, perm):
    rng = np.random.default_rng(seed)
    w = rng.standard_normal((5, 6, 7))
    res = two_time_correlation(w, t0=2)
    # invariant under permuting runs and positive rescaling of each vector
    scale = rng.uniform(0.1, 10, size=(5, 6, 1))
    np.testing.assert_allclose(two_time_correlation(w[list(perm)], t0=2).value, res.value, atol=1e-12)
    np.testing.assert_allclose(two_time_correlation(w * scale, t0=2).value, res.value, atol=1e-12)
    assert res.value[2] == pytest.approx(1.0)
    assert np.all(np.abs(res.value) <= 1 + 1e-12)
    # the centred version is invariant under a common translation of all runs
    shift = rng.standard_normal((1, 6, 7)) * 10
    np.testing.assert_allclose(two_time_correlation(w + shift, centred=True).value,
                               two_time_correlation(w, centred=True).value, atol=1e-10)


def test_two_time_bad_inputs():
    with pytest.raises(ValueError, match="`t0`"):
        two_time_correlation(np.ones((2, 3, 4)), t0=3)
    with pytest.raises(ValueError, match="zero vector"):
        two_time_correlation(np.zeros((2, 3, 4)))
    with pytest.raises(ValueError, match="at least 2 runs"):
        two_time_correlation(np.ones((1, 3, 4)), centred=True)
    with pytest.raises(ValueError, match="ndim"):
        two_time_correlation(np.ones(4))


def test_two_time_plot():
    w = np.random.default_rng(0).standard_normal((3, 5, 4))
    fig = two_time_correlation(w).plot()
    assert fig.axes[0].get_xlabel() == "t"


@pytest.mark.slow
@pytest.mark.parametrize("phi", [0.5, 0.9, 0.99])
def test_ar1_accuracy_long(phi):
    """200 chains of 1e5: mean within 4 SE of the exact tau, for Sokal and Geyer (slow)."""
    tau = (1 + phi) / (1 - phi)
    x = ar1_series(phi, 100_000, n_series=200, seed=123)
    for method in ("sokal", "geyer"):
        res = autocorr_time(x, method=method)
        se = float(np.std(res.tau, ddof=1)) / np.sqrt(200)
        assert abs(float(np.mean(res.tau)) - tau) < 4 * se + 1e-3 * tau


# ------------------------------------------------------------------ drift (issue 13, item 10)
def test_autocorr_time_flags_a_drifting_series_and_not_a_stationary_one():
    from dynsys import ar1_series, autocorr_time

    x = ar1_series(0.5, 20_000, n_series=2, seed=4)      # time along axis 0, two series
    x = np.asarray(x).reshape(20_000, -1)
    calm = autocorr_time(x)
    assert calm.drift.shape == calm.tau.shape == (2,) and not calm.drifting.any()
    ramp = x + np.linspace(0.0, 1.2, 20_000)[:, None] * np.array([0.0, 1.0])  # second series trends by 1 sd
    r = autocorr_time(ramp, quiet=True)
    assert list(r.drifting) == [False, True]
    assert abs(r.drift[1]) > r.drift_stderr[1] * 3


def test_autocorr_time_drift_uses_the_walker_mean():
    from dynsys import autocorr_time

    rng = np.random.default_rng(5)
    x = rng.standard_normal((4000, 8))                     # time x walkers
    r = autocorr_time(x, walkers_axis=1)
    assert np.ndim(r.drift) == 0 and not bool(r.drifting)
    assert float(r.drift_stderr) < 0.05                    # the mean of 8 walkers is 8x less noisy

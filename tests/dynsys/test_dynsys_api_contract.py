"""API contract of the public `dynsys` names: properties, bad inputs, seeding.

Fills the gaps left by the topic test files (QA audit): hypothesis properties for
functions that had only examples, bad inputs pinned with ``match=`` for functions that
had none, and seed reproducibility / no global RNG use for the stochastic functions.
Oracles: chi-squared moments of |w|^2 (E = d sigma^2, var = 2 d sigma^4); the Rayleigh
mean sqrt(pi/2) for d = 2; Kaplan-Yorke D = j + sum_j / |lambda_{j+1}| (Kaplan & Yorke 1979),
Henon (Sprott 2003: 0.41922, -1.62319) gives 1.2583; tau = N / ESS by definition.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import dynsys
from dynsys import (Henon, LinearFlow, LinearMap, Logistic, Lorenz63, Lorenz96, StandardMap, ar1_series,
                    autocorr_time, digits_mlp_map, effective_sample_size, fit_growth, init_model_,
                    integrated_time, kaiming_normal, kaplan_yorke_dimension, load_digits_tensors,
                    lyapunov_spectrum, mlp, perturb_gaussian, perturb_on_sphere, shell_moments,
                    thin_shell, two_time_correlation)
from dynsys.errors import AutocorrError
from dynsys.optim_map import OptimizerMap, function_space_spectrum

torch.set_num_threads(1)

finite = st.floats(-5.0, 5.0, allow_nan=False, allow_infinity=False)


# --------------------------------------------------------------------------- Kaplan-Yorke
def test_kaplan_yorke_literature():
    assert kaplan_yorke_dimension([0.41922, -1.62319]) == pytest.approx(1 + 0.41922 / 1.62319)
    # Lorenz-63, Sprott (2003): 0.9056, 0, -14.5723
    assert kaplan_yorke_dimension([0.9056, 0.0, -14.5723]) == pytest.approx(2 + 0.9056 / 14.5723)


@settings(max_examples=30)
@given(st.lists(finite, min_size=1, max_size=6), st.randoms(use_true_random=False))
def test_kaplan_yorke_properties(lams, rnd):
    d = kaplan_yorke_dimension(lams)
    assert 0.0 <= d <= len(lams)
    shuffled = list(lams)
    rnd.shuffle(shuffled)
    assert kaplan_yorke_dimension(shuffled) == d      # order does not matter (sorted inside)
    if all(x >= 0 for x in lams):
        assert d == len(lams)
    if max(lams) < 0:
        assert d == 0.0


@pytest.mark.parametrize("bad, exc", [(0.5, ValueError), ([], ValueError), ([np.nan, -1.0], ValueError),
                                      ([[0.1, -1.0]], ValueError), (["a"], TypeError)])
def test_kaplan_yorke_bad_input(bad, exc):
    with pytest.raises(exc, match="`exponents`"):
        kaplan_yorke_dimension(bad)


# --------------------------------------------------------------------------- autocorrelation
@settings(max_examples=15)
@given(st.floats(0.0, 0.7), st.floats(0.1, 10.0), st.floats(-10.0, 10.0), st.integers(0, 2**16))
def test_integrated_time_affine_invariance_and_ess(phi, a, b, seed):
    x = ar1_series(phi, 2000, seed=seed)
    r = autocorr_time(x, quiet=True)
    tau = integrated_time(x, quiet=True)
    np.testing.assert_allclose(r.tau, tau)
    np.testing.assert_allclose(integrated_time(a * x + b, quiet=True), tau, rtol=1e-9)
    np.testing.assert_allclose(effective_sample_size(x, quiet=True), 2000 / tau, rtol=1e-12)
    assert r.stderr > 0 and r.window >= 1


def test_autocorr_time_never_returns_nonpositive_tau_silently():
    # a window constant so large the window never closes: the full-lag sum is ~0 or negative
    x = ar1_series(0.5, 500, seed=0)
    with pytest.raises(AutocorrError, match="not positive"):
        autocorr_time(x, c=1e9)
    with pytest.warns(RuntimeWarning, match="not positive"):
        autocorr_time(x, c=1e9, quiet=True)
    # strongly anti-correlated AR(1): tau = (1 + phi)/(1 - phi) = 0.176, but Sokal's window
    # closes at lag 1 where 1 + 2 rho(1) = -0.4; found by hypothesis in the audit
    y = ar1_series(-0.7, 2000, seed=0)
    with pytest.raises(AutocorrError, match="not positive") as info:
        integrated_time(y)
    assert info.value.tau < 0
    g = autocorr_time(y, method="geyer")      # Geyer's initial sequence stays positive
    assert abs(g.tau - 0.3 / 1.7) < 4 * g.stderr


@pytest.mark.parametrize("fn", [autocorr_time, integrated_time, effective_sample_size])
@pytest.mark.parametrize("kw, exc, pat", [(dict(c=float("nan")), ValueError, "`c`"),
                                          (dict(c=-1.0), ValueError, "`c`"),
                                          (dict(tol=0.0), ValueError, "`tol`"),
                                          (dict(method="bogus"), ValueError, "`method`"),
                                          (dict(axis=1.5), TypeError, "`axis`")])
def test_autocorr_bad_options(fn, kw, exc, pat):
    with pytest.raises(exc, match=pat):
        fn(np.arange(10.0), **kw)


@pytest.mark.parametrize("fn", [autocorr_time, integrated_time, effective_sample_size])
def test_autocorr_bad_data(fn):
    with pytest.raises(ValueError, match="`x`"):
        fn([1.0, np.nan, 2.0])
    with pytest.raises(ValueError, match="`x`"):
        fn([1.0])


@settings(max_examples=15)
@given(st.integers(2, 5), st.integers(2, 6), st.integers(1, 4), st.integers(0, 2**16))
def test_two_time_correlation_properties(n_runs, n_times, dim, seed):
    w = np.random.default_rng(seed).standard_normal((n_runs, n_times, dim)) + 0.1
    r = two_time_correlation(w)
    assert r.value.shape == (n_times,)
    assert r.value[0] == pytest.approx(1.0)                 # cosine of a vector with itself
    assert np.all(np.abs(r.value) <= 1 + 1e-12)
    np.testing.assert_allclose(two_time_correlation(3.0 * w).value, r.value, rtol=1e-12)  # scale-free
    perm = np.random.default_rng(seed + 1).permutation(n_runs)
    np.testing.assert_allclose(two_time_correlation(w[perm]).value, r.value, rtol=1e-12)  # runs exchangeable


def test_two_time_correlation_bad_input():
    with pytest.raises(ValueError, match="`w`"):
        two_time_correlation(np.full((3, 4, 2), np.nan))
    with pytest.raises(ValueError, match="`t0`"):
        two_time_correlation(np.ones((3, 4, 2)), t0=7)


# --------------------------------------------------------------------------- init
@settings(max_examples=20)
@given(st.integers(1, 60), st.floats(0.01, 10.0))
def test_shell_moments_chi_squared_oracle(d, sigma):
    m = shell_moments(d, sigma)
    assert m.mean_sq == pytest.approx(d * sigma**2)
    assert m.var_sq == pytest.approx(2 * d * sigma**4)
    assert m.radius == pytest.approx(math.sqrt(d) * sigma)
    assert m.mean_norm <= m.radius * (1 + 1e-12)               # Jensen
    assert m.mean_norm**2 + m.std_norm**2 == pytest.approx(m.mean_sq, rel=1e-9)
    assert m.rel_thickness == pytest.approx(m.std_norm / m.mean_norm)


def test_shell_moments_rayleigh_and_bad_input():
    assert shell_moments(2, 1.0).mean_norm == pytest.approx(math.sqrt(math.pi / 2))
    with pytest.raises(ValueError, match="`d`"):
        shell_moments(0, 1.0)
    with pytest.raises(ValueError, match="`sigma`"):
        shell_moments(3, float("nan"))
    with pytest.raises(TypeError, match="`d`"):
        shell_moments(2.5, 1.0)


@settings(max_examples=15)
@given(st.integers(1, 8), st.integers(1, 8), st.floats(0.1, 3.0), st.integers(0, 2**16))
def test_thin_shell_norm_and_seed(rows, cols, gain, seed):
    w = thin_shell((rows, cols), gain=gain, seed=seed, dtype=torch.float64)
    sigma = gain / math.sqrt(cols)
    assert float(w.norm()) == pytest.approx(math.sqrt(rows * cols) * sigma, rel=1e-12)
    assert torch.equal(w, thin_shell((rows, cols), gain=gain, seed=seed, dtype=torch.float64))
    k = kaiming_normal((rows, cols), gain=gain, seed=seed, dtype=torch.float64)
    assert torch.equal(k, kaiming_normal((rows, cols), gain=gain, seed=seed, dtype=torch.float64))


@pytest.mark.parametrize("fn", [kaiming_normal, thin_shell])
def test_init_tensors_bad_input(fn):
    with pytest.raises(ValueError, match="`shape"):
        fn((0, 3))
    with pytest.raises(ValueError, match="`gain`"):
        fn((2, 3), gain=float("nan"))
    with pytest.raises(TypeError, match="`seed`"):
        fn((2, 3), seed="x")
    with pytest.raises(ValueError, match="`seed`"):
        fn((2, 3), seed=-1)


def _flat(net):
    return torch.cat([p.detach().reshape(-1) for p in net.parameters()])


@pytest.mark.parametrize("init", ["torch", "kaiming", "shell"])
def test_mlp_seed_and_no_global_rng(init):
    torch.manual_seed(123)
    state = torch.get_rng_state().clone()
    a, b = mlp((3, 5, 2), init=init, seed=7), mlp((3, 5, 2), init=init, seed=7)
    assert torch.equal(_flat(a), _flat(b))
    assert not torch.equal(_flat(a), _flat(mlp((3, 5, 2), init=init, seed=8)))
    assert torch.equal(state, torch.get_rng_state())       # the global generator is untouched
    net = torch.nn.Linear(3, 2)
    state = torch.get_rng_state().clone()
    init_model_(net, scheme=init if init != "torch" else "kaiming", seed=1)
    assert torch.equal(state, torch.get_rng_state())


def test_mlp_and_init_model_bad_input():
    with pytest.raises(ValueError, match="`init`"):
        mlp((3, 2), init="xavier")
    with pytest.raises(ValueError, match="`sizes"):
        mlp((3,))
    with pytest.raises(ValueError, match="`scheme`"):
        init_model_(torch.nn.Linear(2, 2), scheme="xavier")
    with pytest.raises(ValueError, match="`gain`"):
        init_model_(torch.nn.Linear(2, 2), gain=-1.0)


def test_digits_mlp_map_no_global_rng():
    torch.manual_seed(0)
    state = torch.get_rng_state().clone()
    m1 = digits_mlp_map(width=4, n_batches=3, batch_size=8, n_probe=4, seed=3)
    assert torch.equal(state, torch.get_rng_state())
    m2 = digits_mlp_map(width=4, n_batches=3, batch_size=8, n_probe=4, seed=3)
    assert torch.equal(_flat(m1.model), _flat(m2.model))
    with pytest.raises(ValueError, match="`activation`"):
        digits_mlp_map(width=4, activation="gelu")
    with pytest.raises(ValueError, match="`width`"):
        digits_mlp_map(width=0)


# --------------------------------------------------------------------------- perturb
@settings(max_examples=20)
@given(st.integers(2, 10), st.floats(1e-3, 2.8), st.integers(1, 5), st.integers(0, 2**16))
def test_perturbations_radius_and_seed(dim, eps, n, seed):
    w0 = np.linspace(-1.0, 1.0, dim)          # |w0| >= sqrt(2), so eps <= 2 |w0|
    p = perturb_on_sphere(w0, eps, n=n, seed=seed)
    np.testing.assert_allclose(np.linalg.norm(p - w0, axis=-1), eps, rtol=1e-9)
    np.testing.assert_allclose(np.linalg.norm(p, axis=-1), np.linalg.norm(w0), rtol=1e-12)
    np.testing.assert_array_equal(p, perturb_on_sphere(w0, eps, n=n, seed=seed))
    g = perturb_gaussian(w0, eps, n=n, seed=seed)
    np.testing.assert_array_equal(g, perturb_gaussian(w0, eps, n=n, seed=seed))
    np.testing.assert_array_equal(perturb_gaussian(w0, 0.0, n=n, seed=seed), np.broadcast_to(w0, g.shape))


@pytest.mark.parametrize("fn", [perturb_gaussian, perturb_on_sphere])
def test_perturbations_bad_input(fn):
    with pytest.raises(ValueError, match="`eps`"):
        fn(np.ones(3), float("nan"))
    with pytest.raises(ValueError, match="`eps`"):
        fn(np.ones(3), -0.1)
    with pytest.raises(ValueError, match="`n`"):
        fn(np.ones(3), 0.1, n=0)
    with pytest.raises(TypeError, match="`seed`"):
        fn(np.ones(3), 0.1, seed=1.5)


# --------------------------------------------------------------------------- growth fits, data
def test_fit_growth_bad_input():
    t = np.arange(1.0, 30.0)
    with pytest.raises(TypeError, match="`window`"):
        fit_growth(t, t, window=5.0)
    with pytest.raises(TypeError, match="`laws`"):
        fit_growth(t, t, laws="linear")
    with pytest.raises(ValueError, match="`laws`"):
        fit_growth(t, t, laws=["cubic"])
    with pytest.raises(TypeError, match="`t`"):
        fit_growth(["a"] * 5, np.arange(5.0))
    with pytest.raises(ValueError, match="`t`"):
        fit_growth(t, t[:-1])


@settings(max_examples=10)
@given(st.floats(0.05, 5.0), st.floats(0.1, 10.0))
def test_fit_growth_linear_scale_invariant_choice(slope, scale):
    t = np.arange(1.0, 40.0)
    assert fit_growth(t, 1.0 + slope * t).best == "linear"
    assert fit_growth(t, scale * (1.0 + slope * t)).best == "linear"


def test_load_digits_bad_input_and_seed():
    with pytest.raises(ValueError, match="`test_fraction`"):
        load_digits_tensors(test_fraction=1.5)
    with pytest.raises(TypeError, match="`seed`"):
        load_digits_tensors(seed="x")
    a, b = load_digits_tensors(seed=1), load_digits_tensors(seed=1)
    assert torch.equal(a.X_train, b.X_train) and torch.equal(a.y_test, b.y_test)


# --------------------------------------------------------------------------- systems
@settings(max_examples=20)
@given(st.floats(0.5, 1.5), st.floats(-0.5, 0.5).filter(lambda b: abs(b) > 1e-3),
       st.floats(-0.5, 0.5), st.floats(-0.5, 0.5))
def test_henon_determinant_is_minus_b(a, b, x, y):
    s = Henon(a, b)
    J = s.tangent(np.array([x, y]), 0, np.eye(2))
    assert np.linalg.det(J) == pytest.approx(-b, abs=1e-12)


@settings(max_examples=20)
@given(st.floats(0.1, 4.0), st.floats(0.0, 1.0))
def test_logistic_maps_unit_interval_into_itself(r, x):
    y = float(Logistic(r).step(np.array([x]), 0)[0])
    assert 0.0 <= y <= r / 4 + 1e-15


@settings(max_examples=15)
@given(st.floats(0.0, 8.0), st.floats(-3.0, 3.0), st.floats(-3.0, 3.0))
def test_standard_map_area_preserving(K, x, p):
    J = StandardMap(K).tangent(np.array([x, p]), 0, np.eye(2))
    assert np.linalg.det(J) == pytest.approx(1.0, abs=1e-9)


@settings(max_examples=10)
@given(st.lists(st.floats(-1.0, 0.5), min_size=1, max_size=3))
def test_linear_flow_exponents_are_eigenvalues(eigs):
    s = LinearFlow(np.diag(eigs), dt=0.25)
    r = lyapunov_spectrum(s, np.ones(len(eigs)), 400, seed=0, progress=False, n_checkpoints=5, n_blocks=5)
    # finite-time bias of QR is O(1/T) with T = 100; the sum is tr A up to the RK4 error
    # (lambda dt)^4 / 120 <= 3e-5 per unit time
    np.testing.assert_allclose(r.exponents, sorted(eigs, reverse=True), atol=0.05)
    assert r.exponents.sum() == pytest.approx(sum(eigs), abs=1e-4)


@pytest.mark.parametrize("make, pat", [
    (lambda: Henon(float("nan"), 0.3), "`a`"), (lambda: Henon(1.4, float("inf")), "`b`"),
    (lambda: Logistic("4"), "`r`"), (lambda: StandardMap(float("nan")), "`K`"),
    (lambda: Lorenz63(rho=float("nan")), "`rho`"), (lambda: Lorenz63(dt=0.0), "`dt`"),
    (lambda: Lorenz96(n=2), "`n`"), (lambda: Lorenz96(F=float("inf")), "`F`"),
    (lambda: LinearFlow(np.ones((2, 3))), "`A`"), (lambda: LinearFlow(np.eye(2), dt=-1.0), "`dt`"),
    (lambda: LinearMap(np.ones((2, 3))), "`A`"), (lambda: LinearMap([[np.nan]]), "`A`")])
def test_systems_bad_parameters(make, pat):
    with pytest.raises((ValueError, TypeError), match=pat):
        make()


def test_lyapunov_spectrum_seed_reproducible():
    a = lyapunov_spectrum(Henon(), [0.1, 0.1], 300, seed=5, progress=False, n_checkpoints=5, n_blocks=5)
    b = lyapunov_spectrum(Henon(), [0.1, 0.1], 300, seed=5, progress=False, n_checkpoints=5, n_blocks=5)
    np.testing.assert_array_equal(a.exponents, b.exponents)
    with pytest.raises(TypeError, match="`seed`"):
        lyapunov_spectrum(Henon(), [0.1, 0.1], 10, seed="x", progress=False)


# --------------------------------------------------------------------------- optimizer maps
def _gd_quadratic_map(h, lr):
    Ht = torch.diag(torch.as_tensor(h, dtype=torch.float64))
    w0 = torch.linspace(-1.0, 1.0, len(h), dtype=torch.float64)
    return OptimizerMap(lambda w, b: 0.5 * w @ Ht @ w, w0, [None], optimizer="sgd", lr=lr)


@settings(max_examples=8)
@given(st.lists(st.floats(0.1, 5.0), min_size=2, max_size=4), st.floats(0.05, 0.3), st.floats(0.1, 10.0),
       st.integers(0, 2**16))
def test_function_space_invariant_under_scaled_rotation_readout(h, lr, c, seed):
    # F(w) = c U w with U orthogonal: |F'(w) q| = c |q| for every frame vector, so the
    # output term log|S_t| - log|S_0| vanishes and function == weight exponents exactly
    assume(min(abs(1 - lr * x) for x in h) > 0.05)   # 1 - lr h = 0 makes the map singular
    m = _gd_quadratic_map(h, lr)
    U = torch.as_tensor(np.linalg.qr(np.random.default_rng(seed).standard_normal((len(h), len(h))))[0])
    kw = dict(k=2, observe_every=10, seed=seed, progress=False)
    res = function_space_spectrum(m, m.initial_state(), 30, output_fn=lambda w, probe: c * (U @ w),
                                  probe=None, **kw)
    np.testing.assert_allclose(res.function, res.weight.exponents, atol=1e-9)
    again = function_space_spectrum(m, m.initial_state(), 30, output_fn=lambda w, probe: c * (U @ w),
                                    probe=None, **kw)
    np.testing.assert_array_equal(res.function, again.function)       # same seed, same numbers


def test_optimizer_map_and_function_space_bad_input():
    w = torch.zeros(2, dtype=torch.float64)
    with pytest.raises(ValueError, match="`optimizer`"):
        OptimizerMap(lambda w, b: (w**2).sum(), w, [None], optimizer="lbfgs", lr=0.1)
    with pytest.raises(ValueError, match="`lr`"):
        OptimizerMap(lambda w, b: (w**2).sum(), w, [None], lr=float("nan"))
    m = _gd_quadratic_map([1.0, 2.0], 0.1)
    with pytest.raises(ValueError, match="`n_steps`"):
        function_space_spectrum(m, m.initial_state(), 0, output_fn=lambda w, p: w, probe=None, progress=False)
    with pytest.raises(ValueError, match="`observe_every`"):
        function_space_spectrum(m, m.initial_state(), 5, output_fn=lambda w, p: w, probe=None,
                                observe_every=0, progress=False)


def _is_result(obj):
    return isinstance(obj, type) and (hasattr(obj, "_fields") or dataclasses.is_dataclass(obj))


def test_result_types_are_immutable():
    for name in dynsys.__all__:
        obj = getattr(dynsys, name)
        if _is_result(obj):
            assert hasattr(obj, "_fields") or obj.__dataclass_params__.frozen, name


def test_every_public_name_is_covered_here_or_in_topic_tests():
    # guard: a new public function/class must come with tests (here or tests/dynsys/test_<topic>.py)
    import pathlib

    text = "".join(p.read_text() for p in pathlib.Path(__file__).parent.glob("test_*.py"))
    missing = [n for n in dynsys.__all__ if n not in text and not _is_result(getattr(dynsys, n))]
    assert not missing, missing


def test_autocorrelation_of_tiny_series_does_not_underflow():
    # found by hypothesis (test_autocorr.py) in the audit: |x|^2 underflowed to 0 and the
    # series was reported as constant; rho is scale-free so the scale must not matter
    np.testing.assert_allclose(dynsys.autocorrelation([6.7392558e-276, 0.0]), [1.0, -0.5])
    x = ar1_series(0.5, 200, seed=0)
    np.testing.assert_allclose(dynsys.autocorrelation(1e-300 * x), dynsys.autocorrelation(x), atol=1e-12)

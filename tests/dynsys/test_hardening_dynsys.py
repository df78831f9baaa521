"""Issue 13 for dynsys (perturb, init, autocorr, experiments, ensemble, data): big requests
refused before any work, no overflow rejecting valid input, no silent NaN."""

from __future__ import annotations

import time

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from dynsys import (ar1_series, integrated_time, kaiming_normal, load_digits_tensors, mlp, perturb_gaussian,
                    perturb_on_sphere, run_experiment, thin_shell, two_time_correlation)


# --------------------------------------------------------------------------- perturb
@pytest.mark.parametrize("scale", [1e200, 1e-300, 1e300, 1e-310, 1.0])
def test_perturb_on_sphere_is_scale_free(scale):
    # the issue: (full(10, 1e200), 1e199) and (full(10, 1e-300), 1e-300) were refused through
    # overflow/underflow of the norm; oracle: |w| = |w0|, |w - w0| = eps, computed scale-free
    w0 = np.full(10, scale)
    eps = 0.3 * scale
    w = perturb_on_sphere(w0, eps, seed=0)
    s = np.max(np.abs(w0))
    assert np.linalg.norm(w / s) == pytest.approx(np.linalg.norm(w0 / s), rel=1e-12)
    assert np.linalg.norm((w - w0) / s) == pytest.approx(eps / s, rel=1e-9)


@settings(max_examples=25)
@given(st.floats(-300, 300), st.floats(0.01, 1.99), st.integers(2, 8), st.integers(0, 2**16))
def test_perturb_on_sphere_scale_equivariance(log_scale, frac, dim, seed):
    base = np.random.default_rng(seed).standard_normal(dim)
    base /= np.linalg.norm(base)
    scale = 10.0 ** log_scale
    w = perturb_on_sphere(base * scale, frac * scale, seed=seed)
    w1 = perturb_on_sphere(base, frac, seed=seed)
    np.testing.assert_allclose(w / scale, w1, rtol=1e-9, atol=1e-12)


def test_perturb_refuses_overflowing_results_and_huge_n():
    with pytest.raises(ValueError, match="overflows torch.float32"):
        perturb_on_sphere(torch.full((10,), 3e38), 1e38, seed=0)
    with pytest.raises(ValueError, match="would need .* of memory"):
        perturb_gaussian(np.ones(1000), 0.1, n=10**9, seed=0)
    with pytest.raises(ValueError, match="would need .* of memory"):
        perturb_on_sphere(np.ones(1000), 0.1, n=10**9, seed=0)


# --------------------------------------------------------------------------- init, data
def test_init_refuses_huge_shapes_and_non_float_dtypes():
    with pytest.raises(ValueError, match=r"kaiming_normal\(shape=\(100000, 100000, 100\)\) would need"):
        kaiming_normal((10**5, 10**5, 100))
    with pytest.raises(ValueError, match="would need"):
        thin_shell((10**6, 10**6))
    with pytest.raises(TypeError, match="`dtype` must be a floating-point torch.dtype"):
        kaiming_normal((3, 3), dtype=torch.int64)
    with pytest.raises(ValueError, match=r"mlp\(sizes=\[64, 1000000000, 10\]\)"):
        mlp((64, 10**9, 10))
    with pytest.raises(TypeError, match=r"`sizes\[1\]` must be an integer, got float 2.7"):
        mlp((64, 2.7, 10))      # was silently truncated to 2


def test_digits_split_keeps_two_training_images():
    with pytest.raises(ValueError, match="`test_fraction` = 0.9999 leaves 0 training examples"):
        load_digits_tensors(test_fraction=0.9999)   # the standardisation was NaN


# --------------------------------------------------------------------------- autocorr
def test_integrated_time_of_complex_input_is_a_type_error():
    # the issue: the imaginary part was dropped with only a ComplexWarning
    with pytest.raises(TypeError, match="`x` must be real, got complex"):
        integrated_time(np.exp(1j * np.arange(1000)))


def test_ar1_series_refuses_what_does_not_fit():
    with pytest.raises(ValueError, match=r"ar1_series\(n=1000000000, n_series=1000\) would need"):
        ar1_series(0.5, 10**9, n_series=1000)


def test_two_time_correlation_no_nan_and_no_overflow():
    with pytest.raises(ValueError, match="at least 2 runs"):
        two_time_correlation(np.ones((1, 3, 2)))        # the stderr over one run was NaN
    rng = np.random.default_rng(0)
    w = rng.standard_normal((4, 5, 3))
    for scale in (1e-300, 1e300):
        for centred in (False, True):
            np.testing.assert_allclose(two_time_correlation(w * scale, centred=centred).value,
                                       two_time_correlation(w, centred=centred).value, rtol=1e-12, atol=1e-14)


# --------------------------------------------------------------------------- experiments
@pytest.mark.parametrize("kw, pattern", [
    (dict(n_copies=10**8, hidden=(10_000,)), r"run_experiment with 100000001 copies"),   # perturb-run --copies 1e8
    (dict(n_copies=2, hidden=(10**6, 10**4)), "would need"),
    (dict(n_copies=2, checkpoints=10**12, hidden=(20_000, 20_000)), "would need"),
])
def test_run_experiment_refuses_before_training(kw, pattern):
    t0 = time.perf_counter()
    with pytest.raises(ValueError, match=pattern):
        run_experiment(eps=0.1, n_epochs=1, progress=False, **kw)
    assert time.perf_counter() - t0 < 5


@pytest.mark.parametrize("kw, exc, pattern", [
    (dict(hidden=(5.5,)), TypeError, r"`hidden\[0\]` must be an integer"),
    (dict(hidden=(-3,)), ValueError, r"`hidden\[0\]` must be >= 1"),
    (dict(hidden="100"), TypeError, "`hidden` must be a sequence"),
    (dict(eps=[[0.1]]), ValueError, "`eps` must have ndim"),
    (dict(eps="x"), TypeError, "`eps` must be array-like"),
    (dict(n_interp=10**6), ValueError, "`n_interp` must be <= 1001"),
    (dict(checkpoints=2.5), TypeError, "`checkpoints` must be None, an int or a sequence"),
])
def test_run_experiment_bad_options_named(kw, exc, pattern):
    X = torch.randn(20, 3, generator=torch.Generator().manual_seed(0))
    y = (X[:, 0] > 0).long()
    args = dict(hidden=(4,), eps=0.1, n_copies=1, n_epochs=1, batch_size=5, progress=False)
    args.update(kw)
    with pytest.raises(exc, match=pattern):
        run_experiment(X, y, **args)


def test_run_experiment_checkpoints_beyond_the_steps_record_every_step():
    X = torch.randn(20, 3, generator=torch.Generator().manual_seed(0))
    y = (X[:, 0] > 0).long()
    r = run_experiment(X, y, hidden=(4,), eps=0.1, n_copies=1, n_epochs=1, batch_size=5, checkpoints=10**9,
                       progress=False)
    assert r.steps.tolist() == [0, 1, 2, 3, 4]


def test_train_ensemble_checks_its_inputs_by_name():
    from dynsys import train_ensemble

    net = mlp((3, 4, 2), seed=0)
    X = torch.randn(20, 3, generator=torch.Generator().manual_seed(0))
    y = (X[:, 0] > 0).long()
    params = {k: v.detach()[None].repeat((2,) + (1,) * v.ndim) for k, v in net.named_parameters()}
    sched = np.arange(20).reshape(4, 5)
    for kw, exc, pattern in [(dict(model=None), TypeError, "`model`"), (dict(params=None), TypeError, "`params`"),
                             (dict(X=None), TypeError, "`X`"), (dict(y=y.double()), TypeError, "`y`"),
                             (dict(lr=[0.1, 0.2, 0.3]), ValueError, "`lr` must be a number or have one entry"),
                             (dict(checkpoints=[]), ValueError, "`checkpoints` must name at least one step")]:
        args = dict(model=net, params=params, X=X, y=y, schedule=sched, progress=False)
        args.update(kw)
        with pytest.raises(exc, match=pattern):
            train_ensemble(**args)


def test_shell_moments_beyond_the_float_range_is_refused():
    from dynsys import shell_moments

    with pytest.raises(ValueError, match="`sigma` = 1e\\+300"):
        shell_moments(10, 1e300)         # OverflowError before
    assert shell_moments(10, 1e70).radius == pytest.approx(10 ** 0.5 * 1e70)

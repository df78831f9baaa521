"""Property and oracle tests of the QR (Benettin) engine."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from dynsys.errors import DivergenceError
from dynsys.lyapunov import LyapunovResult, kaplan_yorke_dimension, lyapunov_spectrum
from dynsys.strategies import linear_maps
from dynsys.systems import Henon, LinearMap

torch.set_num_threads(1)


class RandomLinearSequence:
    """x_{t+1} = A_t x_t with a fixed random sequence A_t (a product of random matrices)."""

    dt = 1.0

    def __init__(self, dim: int, n: int, seed: int) -> None:
        rng = np.random.default_rng(seed)
        self.dim = dim
        self.As = rng.standard_normal((n, dim, dim)) / math.sqrt(dim)

    def step(self, x, t):
        return self.As[t] @ x

    def tangent(self, x, t, V):
        return self.As[t] @ V


class BadTangent:
    dim, dt = 3, 1.0

    def step(self, x, t):
        return x

    def tangent(self, x, t, V):
        return V[:, :1]


@settings(max_examples=15, deadline=None)
@given(spec=linear_maps(dims=(1, 5)), seed=st.integers(0, 1000))
def test_linear_maps_known_spectrum_sorted(spec, seed):
    A, expected = spec
    r = lyapunov_spectrum(LinearMap(A), np.zeros(A.shape[0]), 100, transient=300, seed=seed, progress=False)
    assert np.all(np.diff(r.exponents) <= 0)
    np.testing.assert_allclose(r.exponents, expected, atol=1e-6)


@settings(max_examples=15, deadline=None)
@given(dim=st.integers(1, 5), seed=st.integers(0, 10_000), n=st.integers(1, 60))
def test_sum_is_time_average_of_log_det(dim, seed, n):
    s = RandomLinearSequence(dim, n, seed)
    r = lyapunov_spectrum(s, np.zeros(dim), n, seed=seed, progress=False)
    logdet = np.mean([np.linalg.slogdet(A)[1] for A in s.As])
    assert abs(r.sum - logdet) < 1e-9 * max(1.0, abs(logdet))
    assert np.all(np.diff(r.exponents) <= 0)


@settings(max_examples=10, deadline=None)
@given(dim=st.integers(2, 5), seed=st.integers(0, 10_000), k=st.integers(1, 5))
def test_top_k_equals_leading_block_of_full_run(dim, seed, k):
    k = min(k, dim)
    s = RandomLinearSequence(dim, 40, seed)
    F = np.random.default_rng(seed + 1).standard_normal((dim, dim))
    full = lyapunov_spectrum(s, np.zeros(dim), 40, frame=F, progress=False, n_checkpoints=1)
    part = lyapunov_spectrum(s, np.zeros(dim), 40, k=k, frame=F[:, :k], progress=False, n_checkpoints=1)
    # QR of the leading k columns is the leading block of the full QR: the k running
    # log-stretches are those of the full run's first k columns
    lead = _unsorted_exponents(s, F, 40)[:k]
    np.testing.assert_allclose(np.sort(part.exponents), np.sort(lead), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(full.sum, _unsorted_exponents(s, F, 40).sum(), rtol=1e-10, atol=1e-12)
    # on a fixed map after a transient, top-k is exactly the top of the full spectrum
    A = np.diag(np.exp(-0.5 * np.arange(dim)))
    fk = lyapunov_spectrum(LinearMap(A), np.zeros(dim), 50, k=k, transient=200, seed=seed, progress=False)
    np.testing.assert_allclose(fk.exponents, -0.5 * np.arange(k), atol=1e-9)


def _unsorted_exponents(s, F, n):
    Q, _ = np.linalg.qr(F)
    acc = np.zeros(F.shape[1])
    for t in range(n):
        Q, R = np.linalg.qr(s.As[t] @ Q)
        acc += np.log(np.abs(np.diag(R)))
    return acc / n


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 10_000), flips=st.lists(st.booleans(), min_size=3, max_size=3))
def test_invariant_under_initial_frame_and_qr_signs(seed, flips):
    s = RandomLinearSequence(3, 50, seed)
    F = np.random.default_rng(seed).standard_normal((3, 3))
    a = lyapunov_spectrum(s, np.zeros(3), 50, frame=F, progress=False)
    signs = np.where(flips, -1.0, 1.0)
    b = lyapunov_spectrum(s, np.zeros(3), 50, frame=F * signs, progress=False)
    np.testing.assert_allclose(a.exponents, b.exponents, rtol=1e-12, atol=1e-12)
    # a different frame gives the same full-volume growth exactly ...
    c = lyapunov_spectrum(s, np.zeros(3), 50, seed=seed + 7, progress=False)
    assert abs(a.sum - c.sum) < 1e-10
    # ... and, for a fixed map after a transient, the same exponents
    A = np.diag([2.0, 1.0, 0.25])
    e1 = lyapunov_spectrum(LinearMap(A), np.zeros(3), 50, transient=100, seed=seed, progress=False)
    e2 = lyapunov_spectrum(LinearMap(A), np.zeros(3), 50, transient=100, seed=seed + 1, progress=False)
    np.testing.assert_allclose(e1.exponents, e2.exponents, atol=1e-9)


def test_reortho_every_gives_the_same_answer():
    s = Henon()
    a = lyapunov_spectrum(s, s.initial_state(), 3000, transient=100, seed=0, progress=False)
    b = lyapunov_spectrum(s, s.initial_state(), 3000, transient=100, seed=0, reortho_every=5, progress=False)
    # same orbit, the QR every 5 steps factors the same products: exponents agree closely
    np.testing.assert_allclose(a.exponents, b.exponents, atol=1e-9)


def test_torch_backend_matches_numpy():
    s = Henon()
    a = lyapunov_spectrum(s, s.initial_state(), 2000, transient=10, seed=3, progress=False)
    b = lyapunov_spectrum(s, torch.tensor(s.initial_state()), 2000, transient=10, seed=3, progress=False)
    np.testing.assert_allclose(a.exponents, b.exponents, rtol=1e-10)
    np.testing.assert_allclose(a.stderr, b.stderr, rtol=1e-8)


def test_result_fields_history_and_plot():
    s = Henon()
    r = lyapunov_spectrum(s, s.initial_state(), 1000, seed=0, progress=False, n_checkpoints=50)
    assert isinstance(r, LyapunovResult) and r.n_steps == 1000 and r.dt == 1.0
    assert r.history.shape == (len(r.checkpoints), 2) and r.checkpoints[-1] == 1000
    np.testing.assert_allclose(np.sort(r.history[-1])[::-1], r.exponents)
    assert np.all(r.stderr > 0)
    fig = r.plot(reference=[0.41922, -1.62319], title="Hénon")
    assert fig.axes
    import matplotlib.pyplot as plt

    plt.close(fig)


def test_stderr_covers_the_truth():
    # the block standard error should cover the error of a short run (4 SE), and a
    # negative control: it must not cover a wrong value 20 SE away
    s = Henon()
    r = lyapunov_spectrum(s, s.initial_state(), 20_000, transient=100, seed=1, progress=False)
    assert abs(r.exponents[0] - 0.41922) < 4 * r.stderr[0] + 1e-3
    assert abs(r.exponents[0] + 20 * r.stderr[0] - 0.41922) > 4 * r.stderr[0]


def test_divergence_error_keeps_partial():
    with pytest.raises(DivergenceError, match="step") as info:
        lyapunov_spectrum(LinearMap(np.diag([1e100, 0.5])), [1.0, 1.0], 20, seed=0, progress=False)
    err = info.value
    assert err.step is not None and 2 <= err.step < 20
    assert isinstance(err.partial, LyapunovResult)
    assert err.partial.n_steps == err.step


@pytest.mark.parametrize("kw,exc,match", [
    (dict(k=3), ValueError, "`k` must be <= system.dim = 2"),
    (dict(k=0), ValueError, "`k`"),
    (dict(n_steps=0), ValueError, "`n_steps`"),
    (dict(x0=[np.nan, 0.0]), ValueError, "`x0` must be finite"),
    (dict(x0=[0.0, 0.0, 0.0]), ValueError, r"`x0` must have shape \(2,\)"),
    (dict(transient=-1), ValueError, "`transient`"),
    (dict(reortho_every=0), ValueError, "`reortho_every`"),
    (dict(n_steps=2.5), TypeError, "`n_steps`"),
    (dict(frame=np.ones((2, 3))), ValueError, "`frame`"),
])
def test_bad_inputs(kw, exc, match):
    args = dict(x0=[0.1, 0.1], n_steps=10)
    args.update(kw)
    with pytest.raises(exc, match=match):
        lyapunov_spectrum(Henon(), args.pop("x0"), args.pop("n_steps"), progress=False, **args)


def test_bad_system_and_tangent_shape():
    with pytest.raises(TypeError, match="`system`"):
        lyapunov_spectrum(object(), [0.0], 10, progress=False)
    with pytest.raises(ValueError, match=r"`system.tangent` must return an array of shape \(3, 3\)"):
        lyapunov_spectrum(BadTangent(), np.zeros(3), 10, progress=False)


def test_observe_hook_sees_frames():
    seen = []
    lyapunov_spectrum(Henon(), [0.1, 0.1], 100, seed=0, progress=False,
                      observe=lambda n, x, Q, lr: seen.append((n, Q.shape, lr.shape)), observe_every=25)
    assert [s[0] for s in seen] == [25, 50, 75, 100] and seen[0][1] == (2, 2)


def test_kaplan_yorke():
    assert kaplan_yorke_dimension([0.9056, 0.0, -14.5723]) == pytest.approx(2 + 0.9056 / 14.5723)
    assert kaplan_yorke_dimension([-1.0, -2.0]) == 0.0
    assert kaplan_yorke_dimension([1.0, 0.5]) == 2.0


def test_single_step_has_infinite_stderr_not_nan():
    r = lyapunov_spectrum(Henon(), [0.1, 0.1], 1, seed=0, progress=False)
    assert np.all(np.isinf(r.stderr)) and np.all(np.isfinite(r.exponents))


def test_huge_default_k_is_refused_before_any_work():
    class Big:
        dim, dt = 2 ** 20, 1.0

        def step(self, x, t):  # pragma: no cover - never called
            raise AssertionError

        tangent = step

    with pytest.raises(ValueError, match="pass a smaller `k`"):
        lyapunov_spectrum(Big(), np.zeros(2 ** 20), 1, progress=False)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(-5, 5, allow_nan=False), min_size=1, max_size=8))
def test_kaplan_yorke_properties(lams):
    d = kaplan_yorke_dimension(lams)
    assert 0.0 <= d <= len(lams)
    # permutation invariance (it sorts) and the all-negative / all-positive limits
    assert kaplan_yorke_dimension(lams[::-1]) == d
    if max(lams) < 0:
        assert d == 0.0
    if min(lams) >= 0:
        assert d == float(len(lams))

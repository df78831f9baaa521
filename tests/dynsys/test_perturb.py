"""Tests of dynsys.perturb: exact distances of the sphere-intersection sampler and uniformity."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from dynsys.perturb import intersection_geometry, perturb_gaussian, perturb_on_sphere


@given(st.integers(2, 60), st.integers(0, 2 ** 31 - 1), st.floats(1e-3, 2.0), st.floats(1e-3, 1e3))
def test_sphere_sampler_distances_exact(d, seed, frac, scale):
    rng = np.random.default_rng(seed)
    w0 = rng.standard_normal(d) * scale
    r = np.linalg.norm(w0)
    eps = frac * r
    w = perturb_on_sphere(w0, eps, seed=seed)
    assert np.linalg.norm(w) == pytest.approx(r, rel=1e-12)
    assert np.linalg.norm(w - w0) == pytest.approx(eps, rel=1e-12)


@given(st.integers(0, 2 ** 31 - 1))
def test_batched_samples_and_types(seed):
    w0 = torch.randn(4, 5, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    w = perturb_on_sphere(w0, 0.3, n=7, seed=seed)
    assert isinstance(w, torch.Tensor) and w.shape == (7, 4, 5) and w.dtype == torch.float64
    np.testing.assert_allclose(w.reshape(7, -1).norm(dim=1).numpy(), float(w0.norm()), rtol=1e-12)
    np.testing.assert_allclose((w - w0).reshape(7, -1).norm(dim=1).numpy(), 0.3, rtol=1e-12)
    w32 = perturb_on_sphere(w0.float(), 0.3, seed=seed)
    assert w32.dtype == torch.float32 and w32.shape == (4, 5)


def test_same_seed_same_numbers():
    w0 = np.arange(1.0, 6.0)
    np.testing.assert_array_equal(perturb_on_sphere(w0, 1.0, seed=5), perturb_on_sphere(w0, 1.0, seed=5))
    assert not np.array_equal(perturb_on_sphere(w0, 1.0, seed=5), perturb_on_sphere(w0, 1.0, seed=6))


def test_limits():
    w0 = np.array([1.0, 2.0, 2.0])
    np.testing.assert_array_equal(perturb_on_sphere(w0, 0.0, seed=0), w0)
    np.testing.assert_allclose(perturb_on_sphere(w0, 6.0, seed=0), -w0, atol=1e-14)  # antipode
    # D = 2: the intersection is two points, symmetric about w0
    w0 = np.array([1.0, 0.0])
    pts = perturb_on_sphere(w0, math.sqrt(2), n=50, seed=0)
    assert set(np.round(pts[:, 1], 12)) <= {1.0, -1.0}
    np.testing.assert_allclose(pts[:, 0], 0.0, atol=1e-15)


def test_geometry_against_note():
    """Centre offset r cos(theta) (as the note says), radius r sin(theta) (the note says r cos(theta))."""
    r, eps = 2.0, 1.0
    cos_t, offset, radius = intersection_geometry(r, eps)
    assert cos_t == pytest.approx(1 - eps ** 2 / (2 * r ** 2))
    assert offset == pytest.approx(r * cos_t)
    assert radius == pytest.approx(r * math.sqrt(1 - cos_t ** 2))
    assert offset ** 2 + radius ** 2 == pytest.approx(r ** 2)
    assert (r - offset) ** 2 + radius ** 2 == pytest.approx(eps ** 2)
    assert abs(radius - r * cos_t) > 0.1  # the note's radius is wrong


def test_perturbed_vectors_keep_the_uniform_law():
    """If w0 is uniform on the sphere, so is w: KS test of a projection against its exact law.

    On the unit sphere in R^D the projection u on a fixed axis has (u + 1)/2 ~ Beta((D-1)/2, (D-1)/2).
    Negative control: the naive Gaussian kick (same eps) changes |w|, so |w|/r fails.
    """
    d, reps, eps = 6, 4000, 0.7
    rng = np.random.default_rng(3)
    w0 = rng.standard_normal((reps, d))
    w0 /= np.linalg.norm(w0, axis=1, keepdims=True)
    w = np.stack([perturb_on_sphere(v, eps, seed=rng) for v in w0])
    beta = stats.beta((d - 1) / 2, (d - 1) / 2)
    for axis in (0, 3):
        assert stats.kstest((w[:, axis] + 1) / 2, beta.cdf).pvalue > 1e-3
    # the perturbed point is correlated with w0 exactly as the geometry says
    assert np.mean(np.sum(w * w0, axis=1)) == pytest.approx(1 - eps ** 2 / 2, abs=1e-12)
    naive = np.stack([perturb_gaussian(v, eps, seed=rng) for v in w0])
    assert np.max(np.abs(np.linalg.norm(naive, axis=1) - 1.0)) > 0.1


@given(st.integers(1, 40), st.floats(0.0, 10.0), st.integers(0, 2 ** 31 - 1))
def test_gaussian_perturbation_norm_exact(d, eps, seed):
    w0 = np.random.default_rng(seed).standard_normal(d + 1)
    w = perturb_gaussian(w0, eps, seed=seed)
    assert np.linalg.norm(w - w0) == pytest.approx(eps, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("w0, eps, exc, msg", [
    (np.ones(3), -0.1, ValueError, "`eps` must be >= 0"),
    (np.ones(3), 4.0, ValueError, r"`eps` must be <= 2 \|w0\|"),
    (np.zeros(3), 1.0, ValueError, "`eps`"),
    (np.array([1.0]), 0.5, ValueError, "at least 2 entries"),
    (np.array([1.0, np.inf]), 0.5, ValueError, "finite"),
    (np.ones(3), float("nan"), ValueError, "`eps`"),
    (torch.ones(3, dtype=torch.long), 0.5, TypeError, "floating-point"),
    ("abc", 0.5, TypeError, "`w0`"),
])
def test_bad_inputs(w0, eps, exc, msg):
    with pytest.raises(exc, match=msg):
        perturb_on_sphere(w0, eps, seed=0)


def test_bad_n():
    with pytest.raises(ValueError, match="`n`"):
        perturb_on_sphere(np.ones(3), 0.5, n=0)
    with pytest.raises(ValueError, match="`eps`"):
        perturb_gaussian(np.ones(3), -1.0)


@given(st.floats(1e-3, 1e3), st.floats(0.0, 1.0))
def test_intersection_geometry_identities(r, frac):
    eps = 2 * r * frac
    cos_t, offset, radius = intersection_geometry(r, eps)
    assert -1.0 <= cos_t <= 1.0 and radius >= 0.0
    assert offset ** 2 + radius ** 2 == pytest.approx(r ** 2, rel=1e-12)
    assert (r - offset) ** 2 + radius ** 2 == pytest.approx(eps ** 2, rel=1e-9, abs=1e-12 * r ** 2)
    with pytest.raises(ValueError, match="`eps`"):
        intersection_geometry(r, 2.1 * r)

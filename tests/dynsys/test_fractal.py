"""dynsys.fractal: box-counting dimensions against sets of known dimension and the literature."""

import numpy as np
import pytest

from dynsys.fractal import box_counting_dimension, henon_orbits


def test_segment_and_square():
    t = np.linspace(0, 1, 400_001)
    seg = np.stack([t, 0.3 * t], axis=1)
    assert box_counting_dimension(seg, 2.0 ** -np.arange(3, 9)).dimension == pytest.approx(1.0, abs=0.05)
    g = np.random.default_rng(0).random((400_000, 2))
    assert box_counting_dimension(g, 2.0 ** -np.arange(2, 7)).dimension == pytest.approx(2.0, abs=0.02)


def test_henon_capacity_dimension():
    # Russell, Hanson & Ott (1980): 1.261 +- 0.003; a short scaling range reads a little low
    r = box_counting_dimension(henon_orbits(500, 1000, seed=0), 2.0 ** -np.arange(4, 9))
    assert 1.2 < r.dimension < 1.3
    assert r.counts.tolist() == sorted(r.counts.tolist(), reverse=True)   # scales ascending: fewer boxes


def test_henon_orbits_deterministic_and_on_the_attractor():
    a, b = henon_orbits(10, 100, seed=3), henon_orbits(10, 100, seed=3)
    np.testing.assert_array_equal(a, b)
    assert np.abs(a[:, 0]).max() < 1.5 and np.abs(a[:, 1]).max() < 0.5


@pytest.mark.parametrize("points, scales, match", [
    (np.zeros((5, 2)), [0.1, 0.2], "at least 3 distinct"),
    (np.zeros((5, 2)), [0.1, -0.2, 0.3], "positive"),
    (np.zeros(5), [0.1, 0.2, 0.3], "points"),
    (np.full((5, 2), np.nan), [0.1, 0.2, 0.3], "finite"),
])
def test_bad_input(points, scales, match):
    with pytest.raises(ValueError, match=match):
        box_counting_dimension(points, scales)


def test_henon_orbits_bad_input():
    with pytest.raises(ValueError, match="n_orbits"):
        henon_orbits(0, 10)

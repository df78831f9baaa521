"""dynsys.wide: the ReLU NNGP kernel, finite random networks and the linearisation gap."""

import math

import numpy as np
import pytest

from dynsys.wide import linearisation_gap, random_relu_outputs, relu_excess_kurtosis, relu_nngp_kernel


def test_kernel_oracles():
    # diagonal: sigma_v^2 q / 2 with q = sigma_w^2 |x|^2 / d + sigma_b^2
    X = np.array([[3.0, 4.0], [1.0, 0.0], [-3.0, -4.0]])
    K = relu_nngp_kernel(X, sigma_w=1.0, sigma_b=0.5, sigma_v=2.0)
    q = np.array([25 / 2 + 0.25, 1 / 2 + 0.25, 25 / 2 + 0.25])
    np.testing.assert_allclose(np.diag(K), 4 * q / 2)
    # antipodal inputs without bias: t = pi, K = 0; identical inputs: t = 0
    K0 = relu_nngp_kernel(X)
    assert abs(K0[0, 2]) < 1e-12
    # orthogonal unit inputs: sigma_v^2 q / (2 pi) (sin(pi/2)) = 1 / (2 pi) for q = 1
    np.testing.assert_allclose(relu_nngp_kernel([[1.0, 0.0], [0.0, 1.0]])[0, 1], 1 / (2 * math.pi))
    assert np.allclose(K, K.T)
    assert np.all(np.linalg.eigvalsh(K0) > -1e-12)


def test_kernel_matches_monte_carlo():
    X = np.array([[1.0, 0.5, -0.2], [0.3, -1.0, 0.8]])
    F = random_relu_outputs(X, 200, 20000, sigma_b=0.3, seed=1)
    cov = F.T @ F / len(F)
    np.testing.assert_allclose(cov, relu_nngp_kernel(X, sigma_b=0.3), atol=0.03)


def test_excess_kurtosis_matches_monte_carlo():
    from scipy import stats

    f = random_relu_outputs([[0.4, -1.2]], 4, 200000, seed=2)[:, 0]
    assert abs(stats.kurtosis(f) - relu_excess_kurtosis(4)) < 0.5
    assert relu_excess_kurtosis(30) == 0.5


def test_outputs_reproducible_and_chunk_independent_shape():
    a = random_relu_outputs([[1.0]], 5, 10, seed=3, chunk=3)
    b = random_relu_outputs([[1.0]], 5, 10, seed=3, chunk=3)
    assert a.shape == (10, 1) and np.array_equal(a, b)


@pytest.mark.parametrize("call", [
    lambda: relu_nngp_kernel([1.0, 2.0]),
    lambda: relu_nngp_kernel([[np.nan, 1.0]]),
    lambda: relu_nngp_kernel([[1.0]], sigma_w=0.0),
    lambda: relu_nngp_kernel([[1.0]], sigma_b=-1.0),
    lambda: random_relu_outputs([[1.0]], 0, 5),
    lambda: random_relu_outputs([[1.0]], 3, 0),
    lambda: relu_excess_kurtosis(0),
    lambda: linearisation_gap([]),
    lambda: linearisation_gap([0]),
    lambda: linearisation_gap([4], lr=0.0),
    lambda: linearisation_gap([4], activation="sigmoid"),
])
def test_bad_input(call):
    with pytest.raises((ValueError, TypeError)):
        call()


def test_linearisation_gap_shrinks_and_training_happens():
    g = linearisation_gap([8, 512], n_steps=40, seed=0)
    assert g.gap.shape == (2,) and g.gap[1] < g.gap[0] / 4
    assert np.all(g.train_loss < 0.45)
    r = linearisation_gap([8, 512], n_steps=40, activation="relu", seed=0)
    assert r.gap[1] < r.gap[0]

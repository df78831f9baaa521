"""Behaviour map, Jacobian rank and the Hessian decomposition of note 002."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from slt.geometry import (behaviour_jacobian, behaviour_map, behaviour_rank, flat_parameters, hessian_decomposition,
                          jacobian_rank, squared_loss_star)


def mlp(n_in, hidden, k, act=torch.nn.Tanh, seed=0):
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Linear(n_in, hidden), act(), torch.nn.Linear(hidden, k))


def test_behaviour_map_is_model_output():
    net = mlp(3, 4, 2)
    x = torch.randn(5, 3)
    assert torch.allclose(behaviour_map(net, x), net.double()(x.double()), atol=1e-14)


def test_jacobian_matches_autograd_and_other_theta():
    net = mlp(2, 3, 2)
    x = torch.randn(4, 2, dtype=torch.float64)
    th = flat_parameters(net) + 0.1
    J = behaviour_jacobian(net, x, theta=th)
    eps = 1e-6
    for i in [0, 5, 12]:
        e = torch.zeros_like(th)
        e[i] = eps
        fd = (behaviour_map(net, x, theta=th + e) - behaviour_map(net, x, theta=th - e)).reshape(-1) / (2 * eps)
        assert torch.allclose(J[:, i], fd, atol=1e-8)


@settings(max_examples=10)
@given(st.integers(1, 4), st.integers(1, 3), st.integers(1, 8))
def test_linear_model_rank_is_exact(n_in, k, D):
    # F(theta) = W x_d + b: J = I_k (x) [x_d^T, 1], rank k * min(D, n_in + 1) for generic inputs
    torch.manual_seed(D)
    lin = torch.nn.Linear(n_in, k)
    r = behaviour_rank(lin, torch.randn(D, n_in))
    assert r.rank == k * min(D, n_in + 1)
    assert r.null_dim == k * (n_in + 1) - r.rank


@settings(max_examples=10)
@given(st.integers(1, 3), st.integers(2, 5), st.integers(1, 2), st.integers(1, 30), st.integers(0, 100))
def test_behaviour_manifold_dimension_tanh(n_in, hidden, k, D, seed):
    net = mlp(n_in, hidden, k, seed=seed)
    x = torch.randn(D, n_in, generator=torch.Generator().manual_seed(seed))
    # rtol 1e-13 (float64 round-off is ~ max(shape) * 2.2e-16): generic tanh Jacobians are full
    # rank but can be ill-conditioned; (n_in, hidden, k, D, seed) = (1, 4, 2, 7, 31) has
    # s_min / s_max = 5e-10, below the default 1e-10 * max(shape) (QA audit)
    r = behaviour_rank(net, x, rtol=1e-13)
    N = r.n_params
    if N > k * D:
        # note 002: where JF has full rank the behaviour manifold is (N - kD)-dimensional
        assert r.full_rank and r.null_dim == N - k * D
    else:
        assert r.rank <= N


def test_relu_rescaling_symmetry_gives_null_directions():
    # underparameterised (N < kD) but each ReLU hidden unit gives a rescaling null direction
    net = mlp(2, 3, 1, act=torch.nn.ReLU, seed=1)
    r = behaviour_rank(net, torch.randn(60, 2))
    assert r.n_params < r.n_outputs
    assert r.null_dim >= 3
    tanh = behaviour_rank(mlp(2, 3, 1, seed=1), torch.randn(60, 2))
    assert tanh.null_dim == 0   # negative control: no continuous symmetry for tanh


def test_hessian_decomposition_eq1_at_arbitrary_theta():
    net = mlp(2, 4, 2)
    x, y = torch.randn(6, 2), torch.randn(6, 2)
    dec = hessian_decomposition(net, x, squared_loss_star(y))
    assert dec.max_error < 1e-12
    assert float(dec.residual.abs().max()) > 1e-3      # not at a minimum: the residual term matters


def test_loss_star_hessian_is_identity():
    y = torch.randn(5, 3)
    net = mlp(2, 3, 3)
    dec = hessian_decomposition(net, torch.randn(5, 2), squared_loss_star(y))
    assert torch.allclose(dec.loss_hessian, torch.eye(15, dtype=torch.float64), atol=0)
    # negative control: without the 1/2 the Hessian is 2 I
    dec2 = hessian_decomposition(net, torch.randn(5, 2), lambda o: ((o - y.double()) ** 2).sum())
    assert torch.allclose(dec2.loss_hessian, 2 * torch.eye(15, dtype=torch.float64), atol=0)


def test_hessian_eq2_at_a_minimum():
    net = mlp(2, 5, 1, seed=3)
    x = torch.randn(4, 2)
    y = behaviour_map(net, x)                 # targets = outputs: theta is a global minimum of (*)
    dec = hessian_decomposition(net, x, squared_loss_star(y))
    assert float(dec.loss_gradient.abs().max()) == 0.0
    assert float(dec.residual.abs().max()) == 0.0
    J = dec.jacobian
    assert torch.allclose(dec.hessian, J.T @ J, atol=1e-12)
    # eq. (2) as a sum over data of gradient outer products
    grads = J.reshape(4, 1, -1)[:, 0, :]
    assert torch.allclose(dec.hessian, grads.T @ grads, atol=1e-12)


def test_jacobian_rank_tolerance():
    assert jacobian_rank(np.diag([1.0, 1e-15])) == 1
    assert jacobian_rank(np.zeros((2, 2))) == 0
    with pytest.raises(ValueError, match="matrix"):
        jacobian_rank(np.zeros(3))


def test_bad_inputs():
    net = mlp(2, 3, 1)
    with pytest.raises(TypeError, match="`model`"):
        behaviour_map(lambda x: x, torch.zeros(2, 2))
    with pytest.raises(ValueError, match="`theta`"):
        behaviour_jacobian(net, torch.zeros(2, 2), theta=torch.zeros(3))
    with pytest.raises(ValueError, match="`inputs`"):
        behaviour_map(net, torch.full((2, 2), float("nan")))
    with pytest.raises(TypeError, match="`loss`"):
        hessian_decomposition(net, torch.zeros(2, 2), "mse")


@settings(max_examples=5)
@given(st.integers(1, 3), st.integers(1, 4), st.integers(1, 2), st.integers(1, 5), st.integers(0, 50))
def test_eq1_holds_for_random_networks(n_in, hidden, k, D, seed):
    net = mlp(n_in, hidden, k, seed=seed)
    g = torch.Generator().manual_seed(seed)
    dec = hessian_decomposition(net, torch.randn(D, n_in, generator=g),
                                squared_loss_star(torch.randn(D, k, generator=g)))
    assert dec.max_error < 1e-11
    assert torch.allclose(dec.hessian, dec.hessian.T, atol=1e-12)


# --------------------------------------------------------------------------- level sets
def test_level_set_dimension_submersion_and_relu_orbits():
    import torch

    from slt.geometry import level_set_dimension

    torch.manual_seed(0)
    tanh = torch.nn.Sequential(torch.nn.Linear(2, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2))
    x = torch.randn(3, 2)
    assert level_set_dimension(tanh, x, seed=0).dimension == 22 - 6          # N - kD
    # N < kD: a ReLU net's level set is the orbit of its H rescalings (dimension H = 3)
    relu = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Linear(3, 1))
    ls = level_set_dimension(relu, torch.randn(40, 2, dtype=torch.float64), seed=1, n_points=20)
    assert ls.dimension == 3 and ls.residual <= 1e-12
    # the LevelSet record: 20 points in the 13-dim parameter space, singular values descending
    from slt.geometry import LevelSet

    assert isinstance(ls, LevelSet) and ls.points.shape == (20, 13)
    assert np.all(np.diff(ls.singular_values) <= 0)


def test_level_set_dimension_bad_input():
    import torch

    from slt.geometry import level_set_dimension

    net = torch.nn.Linear(2, 1)
    with pytest.raises(ValueError, match="`radius`"):
        level_set_dimension(net, torch.zeros(3, 2), radius=-1.0)
    with pytest.raises(ValueError, match="`n_points`"):
        level_set_dimension(net, torch.zeros(3, 2), n_points=0)

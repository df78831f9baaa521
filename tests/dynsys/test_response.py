"""dynsys.response: Newton's argmin and the implicit-function response against closed forms."""

import math

import pytest
import torch

from dynsys.response import implicit_response, newton_argmin


def ridge(A, b):
    def loss(w, lam):                      # w*(lam) = (A^T A + lam I)^-1 A^T b
        return 0.5 * ((A @ w - b) ** 2).sum() + 0.5 * lam * (w ** 2).sum()
    return loss


def test_ridge_closed_form():
    g = torch.Generator().manual_seed(0)
    A = torch.randn(20, 4, generator=g, dtype=torch.float64)
    b = torch.randn(20, generator=g, dtype=torch.float64)
    lam = 0.7
    M = A.T @ A + lam * torch.eye(4, dtype=torch.float64)
    w_exact = torch.linalg.solve(M, A.T @ b)
    w = newton_argmin(ridge(A, b), torch.zeros(4), lam)
    assert torch.allclose(w, w_exact, atol=1e-12)
    # d w*/d lam = -M^-1 w*
    assert torch.allclose(implicit_response(ridge(A, b), w, lam), -torch.linalg.solve(M, w_exact), atol=1e-12)


def test_scalar_closed_form():
    # L = (w - t)^2 / 2 + w^4 / 4: w + w^3 = t, dw/dt = 1 / (1 + 3 w^2)
    L = lambda w, t: 0.5 * ((w - t) ** 2).sum() + 0.25 * (w ** 4).sum()
    w = newton_argmin(L, [0.0], 2.0)
    assert math.isclose(float(w[0]) + float(w[0]) ** 3, 2.0, rel_tol=1e-12)
    assert math.isclose(float(implicit_response(L, w, 2.0)[0]), 1 / (1 + 3 * float(w[0]) ** 2), rel_tol=1e-10)


def test_bad_input():
    with pytest.raises(TypeError):
        newton_argmin("not callable", [0.0], 1.0)
    with pytest.raises(TypeError):
        implicit_response(None, [0.0], 1.0)
    with pytest.raises(ValueError):
        newton_argmin(lambda w, t: (w ** 2).sum(), [1.0], 0.0, tol=0.0)
    with pytest.raises(ValueError):
        newton_argmin(lambda w, t: (w ** 2).sum(), [1.0], 0.0, max_iter=0)
    with pytest.raises(ValueError, match="singular"):     # flat direction: not an isolated optimum
        implicit_response(lambda w, t: (w[0] - t) ** 2 + 0 * w[1], torch.tensor([1.0, 0.0]), 1.0)
    with pytest.raises(ValueError, match="converge"):      # w^4: Newton converges only linearly (step factor 2/3)
        newton_argmin(lambda w, t: (w ** 4).sum(), [1.0], 0.0, max_iter=3)

"""A ReLU MLP trained to a minimum on scikit-learn's digits: a real-data model for λ̂.

The rescaling symmetry of ReLU networks (Dinh et al. 2017) acts on it: scaling a hidden layer's
incoming weights and biases by α > 0 and its outgoing weights by 1/α leaves the function
unchanged, so λ is unchanged too.

References
----------
.. [1] L. Dinh, R. Pascanu, S. Bengio, Y. Bengio, "Sharp minima can generalize for deep nets",
   ICML 2017.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F

from pdcheck import as_torch_generator, check_int

__all__ = ["digits_relu_mlp", "relu_regression", "rescale_hidden"]


def digits_relu_mlp(hidden: int = 4, *, n_points: int = 500, seed: Any = 0,
                    dtype: torch.dtype = torch.float64) -> tuple[torch.nn.Sequential, tuple[torch.Tensor, torch.Tensor]]:
    """A 64-``hidden``-10 ReLU MLP trained to a minimum of the mean squared error on one-hot digits.

    Parameters
    ----------
    hidden : int, default 4
        Width of the hidden layer (1 ... 256).
    n_points : int, default 500
        The first ``n_points`` of the 1797 digits (features standardised).
    seed : int or torch.Generator, default 0
        Seeds the initialisation (weights ~ N(0, 0.3²)).
    dtype : torch.dtype, default torch.float64

    Returns
    -------
    model, (x, y)
        The trained ``Sequential(Linear(64, hidden), ReLU(), Linear(hidden, 10))`` and its data,
        ``y`` one-hot.  Training: 1500 Adam steps, L-BFGS, then the active-set Newton method of
        :func:`slt.relu.relu_minimum` to the exact local minimum (Newton decrement on the creases
        below 1e-15 of the loss; without it the minimum lies on ReLU kinks that L-BFGS only approaches, to ~1e-7
        in loss, and colder posteriors find the loss below ``L(w*)``).

    Raises
    ------
    ValueError, TypeError
        Bad sizes or dtype.

    Examples
    --------
    >>> net, (x, y) = digits_relu_mlp(2, n_points=200)
    >>> tuple(x.shape), tuple(y.shape), sum(p.numel() for p in net.parameters())
    ((200, 64), (200, 10), 160)
    """
    from sklearn.datasets import load_digits

    hidden, n_points = _check_sizes(hidden, 256, n_points, 20, 1797, dtype)
    gen = as_torch_generator(seed)
    xs, ys = load_digits(return_X_y=True)
    xs, ys = xs[:n_points], ys[:n_points]
    x = torch.tensor((xs - xs.mean(0)) / (xs.std(0) + 1e-8), dtype=dtype)
    y = F.one_hot(torch.tensor(ys), 10).to(dtype)
    net = torch.nn.Sequential(torch.nn.Linear(64, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, 10)).to(dtype)
    with torch.no_grad():
        for p in net.parameters():
            p.copy_(0.3 * torch.randn(p.shape, generator=gen, dtype=dtype))
    opt = torch.optim.Adam(net.parameters(), lr=1e-2)
    for _ in range(1500):
        opt.zero_grad()
        F.mse_loss(net(x), y).backward()
        opt.step()
    _lbfgs_to_minimum(net, x, y, max_iter=500, tolerance_grad=1e-10)
    _polish(net, x, y)
    return net, (x, y)


def relu_regression(hidden: int = 3, *, n_points: int = 30, seed: Any = 2, dtype: torch.dtype = torch.float64
                    ) -> tuple[torch.nn.Sequential, tuple[torch.Tensor, torch.Tensor]]:
    """A 2-``hidden``-1 ReLU network at the exact minimum of its squared error on noisy synthetic data.

    Small enough that a sampler reaches the asymptotic regime (the default's kink and walls are
    crossed below t ~ 3.5e4): the reference for λ̂ of a ReLU network against the exact
    :func:`slt.relu.relu_minimum`.  Data: ``x ~ N(0, I_2)``, ``y = tanh(x·v) + 0.3 ε`` (``v``, ``ε``
    standard normal); weights ~ N(0, 1); L-BFGS, then the active-set Newton method of
    :func:`slt.relu.relu_minimum`.  The default (seed 2) has one data point on a kink: λ = 11/2 (d = 13, three
    rescaling directions flat).

    Parameters
    ----------
    hidden : int, default 3
        Hidden width (1 ... 64).
    n_points : int, default 30
        Number of data points (5 ... 10 000).
    seed : int or torch.Generator, default 2
        Seeds data and initialisation.
    dtype : torch.dtype, default torch.float64

    Returns
    -------
    model, (x, y)

    Raises
    ------
    ValueError, TypeError
        Bad sizes or dtype.
    slt.errors.NonDegeneracyError
        The Newton polish did not converge (another seed will do).

    Examples
    --------
    >>> net, (x, y) = relu_regression()
    >>> tuple(x.shape), tuple(y.shape), sum(p.numel() for p in net.parameters())
    ((30, 2), (30, 1), 13)
    """
    hidden, n_points = _check_sizes(hidden, 64, n_points, 5, 10_000, dtype)
    g = as_torch_generator(seed)
    x = torch.randn(n_points, 2, generator=g, dtype=dtype)
    y = torch.tanh(x @ torch.randn(2, 1, generator=g, dtype=dtype)) + 0.3 * torch.randn(n_points, 1, generator=g,
                                                                                         dtype=dtype)
    with torch.random.fork_rng(devices=[]):
        net = torch.nn.Sequential(torch.nn.Linear(2, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, 1)).to(dtype)
    with torch.no_grad():
        for p in net.parameters():
            p.copy_(torch.randn(p.shape, generator=g, dtype=dtype))
    _lbfgs_to_minimum(net, x, y, max_iter=2000, tolerance_grad=1e-12, tolerance_change=0.0)
    _polish(net, x, y)
    return net, (x, y)


def _check_sizes(hidden: Any, max_hidden: int, n_points: Any, min_points: int, max_points: int,
                 dtype: Any) -> tuple[int, int]:
    hidden = check_int("hidden", hidden, low=1, high=max_hidden)
    n_points = check_int("n_points", n_points, low=min_points, high=max_points)
    if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
        raise TypeError(f"`dtype` must be a floating torch.dtype, got {dtype!r}")
    return hidden, n_points


def _lbfgs_to_minimum(net: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, *, max_iter: int,
                     tolerance_grad: float, tolerance_change: float = 1e-9) -> None:
    """Minimise ``F.mse_loss(net(x), y)`` in place with one strong-Wolfe L-BFGS run (a helper of the models
    here and of tests)."""
    opt = torch.optim.LBFGS(net.parameters(), max_iter=max_iter, tolerance_grad=tolerance_grad,
                            tolerance_change=tolerance_change, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = F.mse_loss(net(x), y)
        loss.backward()
        return loss

    opt.step(closure)
    for p in net.parameters():
        p.grad = None


def _polish(net: torch.nn.Sequential, x: torch.Tensor, y: torch.Tensor) -> None:
    """Move ``net`` to the exact local minimum on its ReLU kinks (in place)."""
    from slt.relu import _active_set, _Net

    w, _ = _active_set(_Net(net, x, y), torch.cat([p.detach().reshape(-1) for p in net.parameters()]), 200, 1e-15)
    torch.nn.utils.vector_to_parameters(w, net.parameters())


def rescale_hidden(model: torch.nn.Sequential, alpha: float) -> torch.nn.Sequential:
    """A copy of a Linear-ReLU-Linear model with the hidden layer rescaled by ``alpha`` (same function).

    Examples
    --------
    >>> net, (x, _) = digits_relu_mlp(2, n_points=200)
    >>> bool(torch.allclose(rescale_hidden(net, 100.0)(x), net(x)))
    True
    """
    import copy
    import math

    if not isinstance(alpha, (int, float)) or isinstance(alpha, bool) or not (math.isfinite(alpha) and alpha > 0):
        raise ValueError(f"`alpha` must be a finite number > 0, got {alpha!r}")
    if (not isinstance(model, torch.nn.Sequential) or len(model) != 3
            or not isinstance(model[0], torch.nn.Linear) or not isinstance(model[2], torch.nn.Linear)):
        raise TypeError(f"`model` must be a torch.nn.Sequential(Linear, activation, Linear), got {model!r:.80}")
    m = copy.deepcopy(model)
    with torch.no_grad():
        m[0].weight.mul_(alpha)
        if m[0].bias is not None:
            m[0].bias.mul_(alpha)
        m[2].weight.div_(alpha)
    return m

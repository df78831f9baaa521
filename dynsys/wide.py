"""Wide one-hidden-layer ReLU networks: the Gaussian-process limit and the linearised (NTK) training.

Note 001 ("Review of path dependence", outline) lists two infinite-width results: random
networks with Gaussian weights become Gaussian processes (Neal), and trained wide networks
behave like their first-order Taylor expansion around the initial parameters (the neural
tangent kernel).  This module gives both as computations: :func:`relu_nngp_kernel`, the
limiting covariance in closed form, and :func:`random_relu_outputs`, outputs of finite
random networks to compare with it; :func:`linearisation_gap`, how far gradient descent on a
finite network strays from gradient descent on its linearisation.

The network is ``f(x) = sum_j v_j relu(w_j . x + b_j)`` with ``w_j ~ N(0, sigma_w^2 / d I)``,
``b_j ~ N(0, sigma_b^2)`` and ``v_j ~ N(0, sigma_v^2 / H)`` (H hidden units, d inputs).

References
----------
.. [1] R. M. Neal, "Bayesian Learning for Neural Networks", PhD thesis, Toronto (1994), ch. 2.
.. [2] Y. Cho, L. K. Saul, "Kernel methods for deep learning", NeurIPS 2009 (the arc-cosine kernel).
.. [3] A. Jacot, F. Gabriel, C. Hongler, "Neural tangent kernel", NeurIPS 2018.
.. [4] J. Lee et al., "Wide neural networks of any depth evolve as linear models under gradient
   descent", NeurIPS 2019 (the gap is bounded by a multiple of H^(-1/2)).
.. [5] E. Dyer, G. Gur-Ari, "Asymptotics of wide networks from Feynman diagrams", ICLR 2020
   (the gap is of order 1/H).
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple, Sequence

import numpy as np

from pdcheck import as_generator, check_array, check_int, check_positive

__all__ = ["relu_nngp_kernel", "relu_excess_kurtosis", "random_relu_outputs", "LinearisationGap",
           "linearisation_gap"]


def relu_nngp_kernel(X: Any, *, sigma_w: float = math.sqrt(2.0), sigma_b: float = 0.0,
                     sigma_v: float = 1.0) -> np.ndarray:
    """Covariance of the infinitely wide one-hidden-layer ReLU network at the rows of `X`.

    Parameters
    ----------
    X : array_like, shape (n, d)
        Inputs (finite).
    sigma_w, sigma_b, sigma_v : float
        Weight scales (see the module docstring); ``sigma_w = sqrt 2`` is He's ReLU scale.

    Returns
    -------
    ndarray, shape (n, n)
        ``K(x, x') = sigma_v^2 sqrt(q q') / (2 pi) (sin t + (pi - t) cos t)``, with
        ``q = sigma_w^2 |x|^2 / d + sigma_b^2`` and ``cos t`` the pre-activations' correlation.

    Raises
    ------
    ValueError
        If `X` is not a finite 2-D array or a scale is not positive (``sigma_b`` may be 0).

    Examples
    --------
    >>> K = relu_nngp_kernel([[1.0, 0.0], [0.0, 1.0]])
    >>> np.round(K, 4).tolist()      # the diagonal is sigma_v^2 q / 2
    [[0.5, 0.1592], [0.1592, 0.5]]
    """
    A = check_array("X", X, ndim=2)
    sw, sv = check_positive("sigma_w", sigma_w), check_positive("sigma_v", sigma_v)
    sb = check_positive("sigma_b", sigma_b, allow_zero=True)
    d = A.shape[1]
    Q = sw ** 2 * (A @ A.T) / d + sb ** 2
    diag = np.sqrt(np.clip(np.diag(Q), 1e-300, None))
    cos = np.clip(Q / np.outer(diag, diag), -1.0, 1.0)
    t = np.arccos(cos)
    return sv ** 2 * np.outer(diag, diag) / (2 * np.pi) * (np.sin(t) + (np.pi - t) * cos)


def relu_excess_kurtosis(width: int) -> float:
    """Excess kurtosis of a random ReLU network's output at one input: ``15 / H``.

    Given the hidden activations ``a_j = relu(z_j)`` (``z_j ~ N(0, q)`` independent), the output
    ``f = sum_j v_j a_j`` is centred Gaussian with variance ``S = sigma_v^2 sum_j a_j^2 / H``, so
    its excess kurtosis is ``3 Var(S) / E[S]^2 = 3 Var(a^2) / (H E[a^2]^2)``; with
    ``E[a^2] = q / 2`` and ``E[a^4] = 3 q^2 / 2``, ``Var(a^2) / E[a^2]^2 = 5``.  It does not
    depend on the input (other than ``q > 0``) or the scales, and vanishes as ``H -> infinity``:
    the fourth cumulant of Neal's limit is 0, as a Gaussian's is.

    Parameters
    ----------
    width : int
        Hidden units H (>= 1).

    Returns
    -------
    float

    Examples
    --------
    >>> relu_excess_kurtosis(1), relu_excess_kurtosis(1000)
    (15.0, 0.015)
    """
    return 15.0 / check_int("width", width, low=1)


def random_relu_outputs(X: Any, width: int, n_networks: int, *, sigma_w: float = math.sqrt(2.0),
                        sigma_b: float = 0.0, sigma_v: float = 1.0, seed: Any = None,
                        chunk: int = 256) -> np.ndarray:
    """Outputs of `n_networks` independent random ReLU networks of the given width at the rows of `X`.

    Parameters
    ----------
    X : array_like, shape (n, d)
    width : int
        Hidden units H (>= 1).
    n_networks : int
        Independent draws (>= 1).
    sigma_w, sigma_b, sigma_v : float
        As in :func:`relu_nngp_kernel`.
    seed : int, numpy Generator or None
    chunk : int, default 256
        Networks drawn at once (memory ``chunk * width * (d + 2)`` floats).

    Returns
    -------
    ndarray, shape (n_networks, n)

    Examples
    --------
    >>> random_relu_outputs([[1.0, 0.0]], 10, 3, seed=0).shape
    (3, 1)
    """
    A = check_array("X", X, ndim=2)
    H = check_int("width", width, low=1)
    m = check_int("n_networks", n_networks, low=1)
    chunk = check_int("chunk", chunk, low=1)
    sw, sv = check_positive("sigma_w", sigma_w), check_positive("sigma_v", sigma_v)
    sb = check_positive("sigma_b", sigma_b, allow_zero=True)
    rng = as_generator(seed)
    d = A.shape[1]
    out = np.empty((m, A.shape[0]))
    for start in range(0, m, chunk):
        k = min(chunk, m - start)
        W = rng.standard_normal((k, H, d)) * (sw / math.sqrt(d))
        b = rng.standard_normal((k, H, 1)) * sb
        v = rng.standard_normal((k, H)) * (sv / math.sqrt(H))
        pre = W @ A.T + b                      # (k, H, n)
        out[start:start + k] = np.einsum("kh,khn->kn", v, np.maximum(pre, 0.0))
    return out


class LinearisationGap(NamedTuple):
    """How far gradient descent on a network strays from gradient descent on its linearisation.

    Attributes
    ----------
    widths : ndarray of int
    gap : ndarray, shape (n_widths,)
        ``|f_net(X_test) - f_lin(X_test)| / |f_lin(X_test) - f_0(X_test)|`` after training:
        the difference of the two trained functions relative to how far training moved them.
    train_loss : ndarray, shape (n_widths,)
        Final training loss of the network (training did happen).
    """

    widths: np.ndarray
    gap: np.ndarray
    train_loss: np.ndarray


def linearisation_gap(widths: Sequence[int], *, n_train: int = 16, n_test: int = 32, d: int = 3,
                      lr: float = 1.0, n_steps: int = 200, activation: str = "tanh",
                      seed: Any = None) -> LinearisationGap:
    """Gradient descent on a network in the NTK parametrisation vs on its first-order Taylor expansion.

    The network ``f(x; W, v) = v . phi(W x / sqrt d) / sqrt H`` (all entries of W and v
    standard normal at initialisation) and its linearisation ``f_0 + J_0 (theta - theta_0)``
    are trained by full-batch gradient descent on the same squared loss (random targets on
    random inputs), from the same initial parameters; the gap between their functions on
    test inputs shrinks as H grows: Lee et al. (2019) bound it by a multiple of ``H^(-1/2)``,
    Dyer & Gur-Ari (2020) find it of order ``1/H``.

    Parameters
    ----------
    widths : sequence of int
        Hidden widths H (each >= 1).
    n_train, n_test, d : int
        Training and test points (standard normal inputs) and input dimension.
    lr : float, default 1.0
        Learning rate (the NTK parametrisation makes it width-independent).
    n_steps : int, default 200
    activation : {"tanh", "relu"}, default "tanh"
        phi (the bounds are proved for smooth activations; relu is allowed for comparison).
    seed : int, numpy Generator or None
        Data, targets and initial parameters (the parameters of each width drawn afresh).

    Returns
    -------
    LinearisationGap

    Raises
    ------
    ValueError
        If a width or size is not a positive integer, or `lr` is not positive.

    Examples
    --------
    >>> g = linearisation_gap([16, 1024], n_steps=50, seed=0)
    >>> bool(g.gap[1] < g.gap[0])
    True
    """
    import torch
    from torch.func import jacrev

    from pdcheck import check_choice

    check_choice("activation", activation, ("tanh", "relu"))
    phi = torch.tanh if activation == "tanh" else torch.relu
    ws = [check_int("widths", w, low=1) for w in widths]
    if not ws:
        raise ValueError("`widths` must hold at least one width")
    n_train = check_int("n_train", n_train, low=1)
    n_test = check_int("n_test", n_test, low=1)
    d = check_int("d", d, low=1)
    lr = check_positive("lr", lr)
    n_steps = check_int("n_steps", n_steps, low=1)
    rng = as_generator(seed)
    Xtr = torch.as_tensor(rng.standard_normal((n_train, d)))
    Xte = torch.as_tensor(rng.standard_normal((n_test, d)))
    y = torch.as_tensor(rng.standard_normal(n_train))
    gaps, losses = [], []
    for H in ws:
        W0 = torch.as_tensor(rng.standard_normal((H, d)))
        v0 = torch.as_tensor(rng.standard_normal(H))

        def f(theta, X, H=H):
            W, v = theta[: H * d].reshape(H, d), theta[H * d:]
            return phi(X @ W.T / math.sqrt(d)) @ v / math.sqrt(H)

        th0 = torch.cat([W0.reshape(-1), v0])
        J0 = jacrev(f)(th0, Xtr)               # (n_train, P)
        Jte = jacrev(f)(th0, Xte)
        f0tr, f0te = f(th0, Xtr), f(th0, Xte)
        th, dl = th0.clone(), torch.zeros_like(th0)
        for _ in range(n_steps):
            t = th.detach().requires_grad_(True)  # network: the exact gradient of 1/2 |r|^2 / n
            (g,) = torch.autograd.grad(0.5 * ((f(t, Xtr) - y) ** 2).sum() / n_train, t)
            th = th - lr * g
            rl = f0tr + J0 @ dl - y              # linearised model: its own (constant-Jacobian) gradient
            dl = dl - lr * J0.T @ rl / n_train
        net, lin = f(th, Xte).detach(), f0te + Jte @ dl
        gaps.append(float((net - lin).norm() / (lin - f0te).norm()))
        losses.append(float(0.5 * ((f(th, Xtr) - y) ** 2).mean()))
    return LinearisationGap(np.array(ws), np.array(gaps), np.array(losses))

"""Deep linear networks with data: the field's benchmark for learning-coefficient estimators.

A deep linear network (DLN) ``x -> W_L ... W_1 x`` is singular, and its learning
coefficient λ and multiplicity m are known in closed form (Aoyagi 2024,
:func:`slt.exact.rlct_deep_linear`).  Lau et al. (2025) and Furman & Lau (2024)
use DLNs from 10² to 10⁸ parameters to test the local learning coefficient (LLC).

Two facts decide where the true parameter ``w*`` must sit for the exact λ to be
the right answer to compare with, and both are built into this generator:

* **The minimal-rank stratum.**  Aoyagi's λ is the learning coefficient of the most
  singular true parameters: those where every layer (every partial product) has rank
  exactly ``r``, the rank of the product.  At a true parameter off that stratum (a
  layer of rank above ``r``, for example ``B = 0`` with ``A`` invertible in
  ``y = B A x``) the *local* coefficient is larger (``N H / 2`` in that example).
  ``w*`` here is a random point of the minimal stratum: ``W_i = F_{i+1} C_i F_iᵀ``
  with random orthonormal frames ``F_i`` (``H_i x r``) and ``r x r`` cores ``C_i``.
* **A well-conditioned truth.**  The product ``W* = U diag(s) Vᵀ`` has its ``r``
  singular values drawn in ``singular_values`` (default ``[1, 2]``) and every layer
  carries ``s^(1/L)`` (balanced layers).  A singular value ``s`` below about
  ``(nβ)^(-1/2)`` is not resolved by the tempered posterior at ``nβ``: the finite-n
  coefficient then describes a lower rank, and no estimator can be expected to
  return Aoyagi's λ at rank ``r``.  Random products of Gaussian layers (Furman & Lau's
  construction) have such small singular values.

References
----------
.. [1] M. Aoyagi, "Consideration on the learning efficiency of multiple-layered
   neural networks with linear units", Neural Networks 172 (2024) 106132.
.. [2] E. Lau, Z. Furman, G. Wang, D. Murfet, S. Wei, "The local learning coefficient:
   a singularity-aware complexity measure", AISTATS 2025 (arXiv:2308.12108).
.. [3] Z. Furman, E. Lau, "Estimating the local learning coefficient at scale",
   arXiv:2402.03698 (2024).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
import torch

from pdcheck import as_generator, check_choice, check_int, check_int_sequence, check_positive, check_real
from slt.exact import RLCT, rlct_deep_linear

__all__ = ["DLN", "deep_linear_network", "random_deep_linear_network", "DLN_BUCKETS"]

#: Size buckets of :func:`random_deep_linear_network`: name -> (target d, depth range, width range).
#: The ranges follow Furman & Lau (2024), Table 1, scaled to each bucket.
DLN_BUCKETS: dict[str, tuple[int, tuple[int, int], tuple[int, int]]] = {
    "1e2": (100, (2, 4), (2, 10)),
    "1e3": (1_000, (2, 5), (5, 50)),
    "1e4": (10_000, (2, 8), (10, 100)),
    "1e5": (100_000, (2, 6), (100, 400)),
}


@dataclass(frozen=True)
class DLN:
    """A deep linear network at its true parameter, with data and its exact learning coefficient.

    Attributes
    ----------
    name : str
        Short description used in tables.
    model : torch.nn.Sequential
        Bias-free ``Linear`` layers, parameters set to ``w*``.
    data : tuple of torch.Tensor
        ``(x, y)``: inputs ``(n, H_0)`` and targets ``(n, H_L)``.
    widths : tuple of int
        ``(H_0, ..., H_L)``: input, hidden, output widths.
    rank : int
        Rank ``r`` of the true product matrix.
    exact : RLCT
        Aoyagi's λ and multiplicity at rank ``r``.
    noise : float
        Standard deviation of the Gaussian noise on the targets (0: a noiseless teacher).
    singular_values : numpy.ndarray
        The ``r`` singular values of the true product.
    """

    name: str
    model: torch.nn.Sequential
    data: tuple[torch.Tensor, torch.Tensor]
    widths: tuple[int, ...]
    rank: int
    exact: RLCT
    noise: float
    singular_values: np.ndarray = field(repr=False)

    @property
    def dim(self) -> int:
        """The number of parameters d."""
        return sum(p.numel() for p in self.model.parameters())

    @property
    def n(self) -> int:
        """The number of data points."""
        return int(self.data[0].shape[0])

    @property
    def w_star(self) -> torch.Tensor:
        """The flat true parameter (layers in order, each row-major)."""
        return torch.cat([p.detach().reshape(-1) for p in self.model.parameters()])

    @property
    def product(self) -> torch.Tensor:
        """The true product matrix ``W_L ... W_1`` (``H_L x H_0``)."""
        mats = [m.weight.detach() for m in self.model]
        out = mats[0]
        for m in mats[1:]:
            out = m @ out
        return out

    @property
    def loss_fn(self):
        """The loss the benchmark is defined with: ``torch.nn.functional.mse_loss`` (mean over all entries)."""
        return torch.nn.functional.mse_loss


def _orthonormal(rng: np.random.Generator, rows: int, cols: int) -> np.ndarray:
    q, r = np.linalg.qr(rng.standard_normal((rows, max(cols, 1))))
    return (q * np.sign(np.diag(r)))[:, :cols]


def deep_linear_network(widths: Sequence[int], rank: int, *, n: int = 10_000, noise: float = 0.0,
                        inputs: str = "uniform", singular_values: tuple[float, float] = (1.0, 2.0),
                        seed: Any = 0, dtype: torch.dtype = torch.float64,
                        device: Any = None) -> DLN:
    """A deep linear network on the minimal-rank stratum, with data from its own truth.

    Parameters
    ----------
    widths : sequence of int
        ``(H_0, ..., H_L)``, at least 2 entries (``L >= 1`` layers), each >= 1.
    rank : int
        Rank ``r`` of the true product, ``1 <= r <= min(widths)``.
    n : int, default 10000
        Number of data points.
    noise : float, default 0.0
        Standard deviation of Gaussian noise added to the targets.
    inputs : {"uniform", "normal"}, default "uniform"
        ``x ~ U(-1, 1)^H_0`` or ``x ~ N(0, I)``.
    singular_values : (float, float), default (1.0, 2.0)
        Range of the true product's singular values (drawn uniformly; see the module
        docstring for why the truth must be well conditioned).
    seed : int, numpy or torch Generator, optional
    dtype : torch.dtype, default torch.float64
    device : torch.device or str, optional

    Returns
    -------
    DLN

    Raises
    ------
    ValueError, TypeError
        Bad widths, rank, sizes or options; more than 10⁹ parameters or 2²⁸ numbers of data.

    Examples
    --------
    >>> net = deep_linear_network([5, 5, 5, 5], 2, n=1000, seed=0)
    >>> net.dim, net.exact.value, net.exact.multiplicity
    (75, 11, 1)
    >>> import torch
    >>> with torch.no_grad():
    ...     float(net.loss_fn(net.model(net.data[0]), net.data[1])) < 1e-25   # noiseless teacher
    True
    >>> int(torch.linalg.matrix_rank(net.model[1].weight))                  # every layer has rank r
    2
    """
    ws = check_int_sequence("widths", widths, min=1, min_len=2)
    r = check_int("rank", rank, low=1, high=min(ws))
    n = check_int("n", n, low=1)
    n_params = sum(a * b for a, b in zip(ws[:-1], ws[1:]))
    if n_params > 10 ** 9 or n * (ws[0] + ws[-1]) > 2 ** 28:
        raise ValueError(f"deep_linear_network: `widths` = {ws} ({n_params} parameters) and `n` = {n} points of "
                         f"{ws[0]} + {ws[-1]} numbers exceed the limits (10^9 parameters, 2^28 data numbers = 2 GiB "
                         "in float64)")
    noise = check_positive("noise", noise, allow_zero=True)
    inputs = check_choice("inputs", inputs, ("uniform", "normal"))
    if not isinstance(singular_values, (tuple, list)) or len(singular_values) != 2:
        raise ValueError(f"`singular_values` must be a pair (low, high), got {singular_values!r}")
    s_lo = check_positive("singular_values", singular_values[0])
    s_hi = check_real("singular_values", singular_values[1], low=s_lo)
    if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
        raise TypeError(f"`dtype` must be a floating torch.dtype, got {dtype!r}")
    rng = as_generator(seed)
    L = len(ws) - 1
    s = np.sort(rng.uniform(s_lo, s_hi, r))[::-1]
    frames = [_orthonormal(rng, h, r) for h in ws]
    rots = [np.eye(r)] + [_orthonormal(rng, r, r) for _ in range(L - 1)] + [np.eye(r)]
    core = np.diag(s ** (1.0 / L))
    layers = []
    for i in range(L):
        W = frames[i + 1] @ rots[i + 1] @ core @ rots[i].T @ frames[i].T
        lin = torch.nn.Linear(ws[i], ws[i + 1], bias=False, dtype=dtype, device=device)
        with torch.no_grad():
            lin.weight.copy_(torch.as_tensor(W, dtype=dtype))
        layers.append(lin)
    model = torch.nn.Sequential(*layers)
    x = rng.uniform(-1.0, 1.0, (n, ws[0])) if inputs == "uniform" else rng.standard_normal((n, ws[0]))
    x_t = torch.as_tensor(x, dtype=dtype, device=device)
    with torch.no_grad():
        y_t = model(x_t)
    if noise > 0:
        y_t = y_t + noise * torch.as_tensor(rng.standard_normal(tuple(y_t.shape)), dtype=dtype, device=device)
    exact = rlct_deep_linear(ws, r)
    name = f"DLN {ws} r={r}"
    return DLN(name, model, (x_t, y_t.detach()), tuple(ws), r, exact, noise, s)


def random_deep_linear_network(size: str, *, seed: Any = 0, n: int | None = None, noise: float = 0.0,
                               inputs: str = "uniform", singular_values: tuple[float, float] = (1.0, 2.0),
                               dtype: torch.dtype = torch.float64, device: Any = None) -> DLN:
    """A random deep linear network of about 10², 10³, 10⁴ or 10⁵ parameters (Furman & Lau's family).

    Depth ``L`` and widths ``H_i`` are drawn uniformly from the bucket's ranges
    (:data:`DLN_BUCKETS`) until the parameter count is within a factor 2 of the
    bucket's target; each layer, with probability 1/2, gets a rank reduction
    ``r_i ~ U{1, ..., min(H_i, H_{i+1})}``, and the product's rank is ``r = min r_i``
    (the rank of a product of generic matrices of ranks ``r_i``), as in Furman & Lau
    (2024).  The network is then built by :func:`deep_linear_network` on the
    minimal-rank stratum of rank ``r``.

    Parameters
    ----------
    size : {"1e2", "1e3", "1e4", "1e5"}
        The size bucket.
    seed : int, numpy or torch Generator, optional
        Draws the architecture, the truth and the data.
    n : int, optional
        Number of data points (default 10000 up to the 1e4 bucket, 2000 for 1e5).
    noise, inputs, singular_values, dtype, device
        As for :func:`deep_linear_network`.

    Returns
    -------
    DLN

    Examples
    --------
    >>> net = random_deep_linear_network("1e3", seed=0)
    >>> 500 <= net.dim <= 2000
    True
    """
    size = check_choice("size", size, tuple(DLN_BUCKETS))
    target, (l_lo, l_hi), (h_lo, h_hi) = DLN_BUCKETS[size]
    rng = as_generator(seed)
    for _ in range(10_000):
        L = int(rng.integers(l_lo, l_hi + 1))
        ws = [int(rng.integers(h_lo, h_hi + 1)) for _ in range(L + 1)]
        d = sum(ws[i] * ws[i + 1] for i in range(L))
        if target / 2 <= d <= target * 2:
            break
    else:  # pragma: no cover - the ranges make this practically impossible
        raise RuntimeError(f"no architecture within a factor 2 of {target} parameters in bucket {size}")
    ranks = [int(rng.integers(1, min(ws[i], ws[i + 1]) + 1)) if rng.random() < 0.5 else min(ws[i], ws[i + 1])
             for i in range(L)]
    r = min(ranks)
    if n is None:
        n = 2000 if size == "1e5" else 10_000
    return deep_linear_network(ws, r, n=n, noise=noise, inputs=inputs, singular_values=singular_values,
                               seed=rng, dtype=dtype, device=device)

"""Toy models with exact learning coefficients, for the RLCT estimators and their tests.

Each constructor returns a :class:`Toy`: a torch potential ``K(w)`` (the population
loss, batched over leading dimensions, ``K(w*) = 0``), the point ``w*``, an optional
log prior, and the exact :class:`~slt.exact.RLCT` from :mod:`slt.exact`.  The
regression toys also generate data and a torch model, for ``estimate_rlct_model``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np
import sympy as sp
import torch

from pdcheck import as_generator, check_int, check_int_sequence, check_memory, check_positive
from slt.exact import RLCT, rlct_deep_linear, rlct_newton, rlct_normal_crossing, rlct_reduced_rank

__all__ = ["Toy", "normal_crossing", "polynomial", "regular", "reduced_rank", "deep_linear"]

F64 = torch.float64


@dataclass(frozen=True)
class Toy:
    """A potential with a known learning coefficient.

    Attributes
    ----------
    name : str
        Short description used in tables.
    potential : callable
        ``K(w)``: torch, batched over leading dimensions, float64, ``K(w*) = 0``, ``K >= 0``.
    w_star : torch.Tensor
        The true parameter, shape ``(d,)``.
    exact : RLCT
        The exact learning coefficient and multiplicity at ``w*``.
    log_prior : callable or None
        ``log φ(w)`` up to a constant, batched; None for a flat prior.
    model : Any
        For the regression toys: a function ``model(w, x) -> y_hat`` (batched over ``w``'s
        leading dimensions is not required); None otherwise.
    dims : tuple
        The layer widths (regression toys) or the exponents k (normal crossings).
    """

    name: str
    potential: Callable[[torch.Tensor], torch.Tensor]
    w_star: torch.Tensor
    exact: RLCT
    log_prior: Callable[[torch.Tensor], torch.Tensor] | None = None
    model: Any = None
    dims: tuple = ()

    @property
    def dim(self) -> int:
        """The number of parameters d."""
        return int(self.w_star.shape[0])

    def sample_data(self, n: int, *, noise: float = 1.0, seed: Any = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Draw ``n`` pairs ``(x, y)``, ``x ~ N(0, I)``, ``y = f(x; w*) + noise * N(0, I)`` (regression toys)."""
        if self.model is None:
            raise ValueError(f"`{self.name}` has no data model; only the regression toys sample data")
        n = check_int("n", n, low=1)
        noise = check_positive("noise", noise, allow_zero=True)
        g = torch.Generator().manual_seed(int(as_generator(seed).integers(0, 2**62)))
        x = torch.randn(n, self.dims[0], generator=g, dtype=F64)
        y = self.model(self.w_star, x)
        return x, y + noise * torch.randn(y.shape, generator=g, dtype=F64)


def _prior_from_h(h: Sequence[float] | None, d: int) -> Callable | None:
    if h is None or all(float(x) == 0 for x in h):
        return None
    hh = torch.tensor([float(x) for x in h], dtype=F64)

    def log_prior(w):
        return torch.where(hh > 0, hh * torch.log(torch.abs(w)), torch.zeros_like(w)).sum(-1)

    return log_prior


def normal_crossing(k: Sequence[int], h: Sequence[float] | None = None) -> Toy:
    """``K(w) = prod_j w_j^(2 k_j)`` with prior ``prod_j |w_j|^h_j`` at ``w* = 0``.

    Examples
    --------
    >>> toy = normal_crossing([1, 2])
    >>> float(toy.exact.value), toy.exact.multiplicity
    (0.25, 1)
    >>> float(toy.potential(torch.tensor([2.0, 1.0], dtype=torch.float64)))
    4.0
    """
    exact = rlct_normal_crossing(k, h)
    kk = torch.tensor([2 * int(x) for x in k], dtype=F64)

    def K(w):
        return torch.prod(w ** kk, dim=-1)

    hs = "" if h is None or all(float(x) == 0 for x in h) else f", h={list(h)}"
    return Toy(f"normal crossing k={list(k)}{hs}", K, torch.zeros(len(k), dtype=F64), exact,
               _prior_from_h(h, len(k)), None, tuple(int(x) for x in k))


def polynomial(expr: Any, variables: Sequence[Any], *, prior_exponents: Sequence[float] | None = None,
               name: str | None = None) -> Toy:
    """A polynomial potential (a sympy expression), with λ from the Newton polyhedron.

    Examples
    --------
    >>> import sympy as sp
    >>> x, y = sp.symbols("x y")
    >>> toy = polynomial(x**2 + y**4, [x, y])
    >>> toy.exact.value
    3/4
    """
    if name is not None and not isinstance(name, str):
        raise TypeError(f"`name` must be a string or None, got {type(name).__name__} {name!r:.60}")
    exact = rlct_newton(expr, variables, prior_exponents=prior_exponents)  # checks `expr` and `variables`
    variables = list(variables)
    poly = sp.Poly(sp.expand(expr), *variables)
    terms = [(float(c), [int(e) for e in mon]) for mon, c in poly.terms()]
    coefs = torch.tensor([c for c, _ in terms], dtype=F64)
    expos = torch.tensor([e for _, e in terms], dtype=F64)  # (n_terms, d)

    def K(w):
        return (coefs * torch.prod(w.unsqueeze(-2) ** expos, dim=-1)).sum(-1)

    return Toy(name or f"polynomial {sp.sstr(expr)}", K, torch.zeros(len(variables), dtype=F64), exact,
               _prior_from_h(prior_exponents, len(variables)))


def regular(d: int, *, seed: Any = 0) -> Toy:
    """A regular model: ``K(w) = w^T S w / 2`` with a random positive-definite S; λ = d/2, m = 1.

    Examples
    --------
    >>> regular(3).exact.value
    3/2
    """
    d = check_int("d", d, low=1)
    rng = as_generator(seed)
    q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    S = torch.tensor(q @ np.diag(rng.uniform(0.5, 2.0, d)) @ q.T, dtype=F64)

    def K(w):
        return 0.5 * ((w @ S) * w).sum(-1)

    return Toy(f"regular d={d}", K, torch.zeros(d, dtype=F64), RLCT(sp.Rational(d, 2), 1, True, "regular"))


def _product_model(widths: Sequence[int]):
    shapes = [(widths[i + 1], widths[i]) for i in range(len(widths) - 1)]
    sizes = [a * b for a, b in shapes]

    def mats(w):
        out, i = [], 0
        for (a, b), s in zip(shapes, sizes):
            out.append(w[..., i:i + s].reshape(w.shape[:-1] + (a, b)))
            i += s
        return out

    def product(w):
        ms = mats(w)
        p = ms[0]
        for m in ms[1:]:
            p = m @ p
        return p  # (..., out, in)

    def model(w, x):
        return x @ product(w).transpose(-1, -2)

    return sum(sizes), mats, product, model


def deep_linear(widths: Sequence[int], r: int, *, seed: Any = 0, scale: float = 1.0) -> Toy:
    """A deep linear network ``x -> W_L ... W_1 x`` with a rank-``r`` truth (Aoyagi 2024).

    ``K(w) = ½ ||W_L ... W_1 − C||_F²``: the population KL for inputs ``x ~ N(0, I)`` and
    unit-variance Gaussian noise.  ``w*`` is the canonical most-singular point: every layer
    is zero outside an ``r x r`` block that carries the truth.

    Examples
    --------
    >>> toy = deep_linear([2, 2, 2], 1)
    >>> toy.exact.value, toy.exact.multiplicity, toy.dim
    (2, 2, 8)
    >>> float(toy.potential(toy.w_star))
    0.0
    """
    widths = check_int_sequence("widths", widths, min=1, min_len=2)
    d = sum(a * b for a, b in zip(widths[:-1], widths[1:]))
    # w*, the truth C and a batch of 64 points with their layer products (the samplers' working set)
    check_memory(f"deep_linear(widths={widths}) with {d} parameters",
                 8 * 64 * (2 * d + len(widths) * max(widths) ** 2 + widths[0] * widths[-1]))
    r = check_int("r", r, low=0, high=min(widths))
    scale = check_positive("scale", scale)
    exact = rlct_deep_linear(widths, r)
    d, mats, product, model = _product_model(widths)
    rng = as_generator(seed)
    # truth: W_i* = [[D_i, 0], [0, 0]] with an r x r block; product C = D_L ... D_1
    blocks, parts = [], []
    for i in range(len(widths) - 1):
        D = np.zeros((widths[i + 1], widths[i]))
        if r:
            D[:r, :r] = scale * (np.eye(r) + 0.3 * rng.standard_normal((r, r)))
        blocks.append(D)
        parts.append(D.ravel())
    w_star = torch.tensor(np.concatenate(parts), dtype=F64)
    C = product(w_star).detach()

    def K(w):
        return 0.5 * ((product(w) - C) ** 2).sum((-1, -2))

    name = (f"reduced rank M={widths[0]} H={widths[1]} N={widths[2]} r={r}" if len(widths) == 3
            else f"deep linear {widths} r={r}")
    return Toy(name, K, w_star, exact, None, model, tuple(widths))


def reduced_rank(M: int, N: int, H: int, r: int, *, seed: Any = 0) -> Toy:
    """Reduced-rank regression ``y = B A x`` (``A``: H x M, ``B``: N x H), true rank ``r``.

    The 2-layer case of :func:`deep_linear`; λ from Aoyagi & Watanabe (2005).

    Examples
    --------
    >>> toy = reduced_rank(3, 3, 2, 1)
    >>> toy.exact.value, toy.dim
    (7/2, 12)
    """
    toy = deep_linear([M, H, N], r, seed=seed)
    exact = rlct_reduced_rank(M, N, H, r)
    return Toy(toy.name, toy.potential, toy.w_star, exact, None, toy.model, toy.dims)

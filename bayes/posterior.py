"""Tempered and Gibbs posteriors as vectorised log-density objects.

A posterior here is an unnormalised log density on parameter space,

    log p_beta(w) = -beta * E(w) + log phi(w),

where ``E(w)`` is the *energy*: ``E = n L_n(w) = -log p(D | w)`` for the tempered
posterior p(D|w)^beta phi(w) and ``E = n r_n(w)`` (n times an empirical risk) for
the Gibbs posterior exp(-beta n r_n(w)) phi(w) of Bissiri, Holmes & Walker [1]_.
The objects are callable on one point (shape ``(d,)`` -> float) or on a batch
(shape ``(k, d)`` -> ``(k,)``) and expose their parts (``log_prior``, ``energy``)
so that samplers can record them per draw.

The standard pieces (priors, likelihoods, losses) are vectorised numpy
callables: a batch ``w`` of shape ``(..., d)`` gives an output of shape ``(...)``.

References
----------
.. [1] P. G. Bissiri, C. C. Holmes, S. G. Walker, "A general framework for updating
   belief distributions", J. R. Stat. Soc. B 78 (2016) 1103-1130.
.. [2] P. Grunwald, T. van Ommen, "Inconsistency of Bayesian inference for misspecified
   linear models, and a proposal for repairing it", Bayesian Analysis 12 (2017) 1069-1103.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from pdcheck import (as_generator, check_array, check_bool, check_callable, check_choice, check_int, check_memory,
                     check_positive)

__all__ = [
    "PosteriorDensity", "tempered", "gibbs",
    "GaussianPrior", "LaplacePrior", "UniformPrior",
    "GaussianLikelihood", "BernoulliLikelihood", "CategoricalLikelihood",
    "EmpiricalRisk", "squared_loss", "absolute_loss", "check_beta",
]

_LOG2PI = math.log(2.0 * math.pi)


def check_beta(beta: Any, name: str = "beta") -> float:
    """An inverse temperature: a non-negative finite number (0 means the prior alone).

    Examples
    --------
    >>> check_beta(0.5)
    0.5
    >>> check_beta(-1.0)
    Traceback (most recent call last):
    ...
    ValueError: `beta` must be a non-negative finite number, got -1.0
    """
    return check_positive(name, beta, allow_zero=True)


def _as_points(name: str, w: Any, dim: int | None) -> np.ndarray:
    arr = check_array(name, w, ndim=(1, 2), finite=False)
    if dim is not None and arr.shape[-1] != dim:
        raise ValueError(f"`{name}` must have last axis of length {dim} (the parameter dimension), "
                         f"got shape {arr.shape}")
    return arr


def _scalar(fn: Callable[[np.ndarray], Any], w: np.ndarray) -> float:
    out = np.asarray(fn(w), dtype=float)
    if out.size != 1:
        raise ValueError(f"a log-density function returned shape {out.shape} at one point of shape {w.shape}; "
                         "expected a scalar")
    return float(out.reshape(()))


def _evaluate(fn: Callable[[np.ndarray], Any], w: np.ndarray, vectorized: bool) -> Any:
    """``fn`` on one point or row by row/vectorised on a batch; float or (k,) array out."""
    if w.ndim == 1:
        return _scalar(fn, w)
    if vectorized:
        out = np.asarray(fn(w), dtype=float)
        if out.shape != (w.shape[0],):
            raise ValueError(f"a vectorised function returned shape {out.shape} for a batch of shape "
                             f"{w.shape}; expected ({w.shape[0]},). Pass `vectorized=False` if it "
                             "handles one point at a time")
        return out
    return np.array([_scalar(fn, row) for row in w])


# ----------------------------------------------------------------------------- densities


@dataclass(frozen=True)
class PosteriorDensity:
    """Unnormalised log density ``-beta * energy(w) + log_prior(w)``; build it with
    :func:`tempered` or :func:`gibbs`.

    Attributes
    ----------
    energy_fn : callable
        ``w -> E(w)``: ``-log p(D|w)`` (tempered) or ``n * r_n(w)`` (Gibbs).
    log_prior_fn : callable
        ``w -> log phi(w)``.
    beta : float
        Inverse temperature (>= 0; 0 gives the prior).
    kind : {"tempered", "gibbs"}
    n : int or None
        Number of data points, when known.
    dim : int or None
        Parameter dimension, when known (taken from the prior).
    vectorized : bool
        Whether the two functions accept a batch ``(k, d)``.
    pointwise_fn : callable or None
        ``w -> (..., n)``: the log likelihood of each observation (tempered), or minus each
        observation's loss (Gibbs), summing to ``-energy(w)``; None when the model does not
        know its observations. Samplers store it in ArviZ's ``log_likelihood`` group, which
        ``arviz.waic``/``arviz.loo`` read.
    observed : ndarray or None
        The observations (ArviZ's ``observed_data`` group), shape ``(n,)``.
    """

    energy_fn: Callable[[np.ndarray], Any]
    log_prior_fn: Callable[[np.ndarray], Any]
    beta: float
    kind: str = "tempered"
    n: int | None = None
    dim: int | None = None
    vectorized: bool = True
    pointwise_fn: Callable[[np.ndarray], Any] | None = None
    observed: Any = None

    def __post_init__(self) -> None:
        check_callable("energy_fn", self.energy_fn)
        check_callable("log_prior_fn", self.log_prior_fn)
        object.__setattr__(self, "beta", check_beta(self.beta))
        check_choice("kind", self.kind, ("tempered", "gibbs"))
        if self.n is not None:
            object.__setattr__(self, "n", check_int("n", self.n, low=1))
        if self.dim is not None:
            object.__setattr__(self, "dim", check_int("dim", self.dim, low=1))
        object.__setattr__(self, "vectorized", check_bool("vectorized", self.vectorized))
        check_callable("pointwise_fn", self.pointwise_fn, optional=True)

    def energy(self, w: Any) -> Any:
        """E(w): n L_n(w) = -log p(D|w) (tempered) or n r_n(w) (Gibbs); float or (k,)."""
        return _evaluate(self.energy_fn, _as_points("w", w, self.dim), self.vectorized)

    def log_likelihood(self, w: Any) -> Any:
        """-E(w): the log likelihood (tempered) or the pseudo log likelihood -n r_n (Gibbs)."""
        return -self.energy(w) if np.ndim(w) == 2 else -float(self.energy(w))

    def log_prior(self, w: Any) -> Any:
        """log phi(w); float or (k,)."""
        return _evaluate(self.log_prior_fn, _as_points("w", w, self.dim), self.vectorized)

    def pointwise_log_likelihood(self, w: Any) -> np.ndarray:
        """Per-observation log likelihood (or minus the per-observation loss), shape ``(..., n)``.

        Raises
        ------
        ValueError
            If the density does not know its observations (``pointwise_fn`` is None).
        """
        if self.pointwise_fn is None:
            raise ValueError("this density does not know its observations: build it from a likelihood with "
                             "`per_sample` (e.g. GaussianLikelihood) or pass `pointwise=` to tempered/gibbs")
        pts = _as_points("w", w, self.dim)
        if self.vectorized or pts.ndim == 1:
            out = np.asarray(self.pointwise_fn(pts), dtype=float)
        else:
            out = np.stack([np.asarray(self.pointwise_fn(row), dtype=float) for row in pts])
        if out.shape[:-1] != pts.shape[:-1] or (self.n is not None and out.shape[-1] != self.n):
            raise ValueError(f"`pointwise` returned shape {out.shape} for points of shape {pts.shape}; expected "
                             f"{pts.shape[:-1] + (self.n if self.n is not None else 'n',)}")
        return out

    def parts(self, w: Any) -> tuple[Any, Any]:
        """``(log_prior, energy)`` at `w` (energy not computed where the prior is -inf)."""
        return self._raw_parts(_as_points("w", w, self.dim))

    def _raw_parts(self, pts: np.ndarray) -> tuple[Any, Any]:
        """`parts` without argument checks (for samplers that build `pts` themselves)."""
        lp = _evaluate(self.log_prior_fn, pts, self.vectorized)
        if pts.ndim == 1:
            return lp, (_evaluate(self.energy_fn, pts, self.vectorized) if np.isfinite(lp) else math.inf)
        en = np.full(pts.shape[0], np.inf)
        ok = np.isfinite(lp)
        if ok.any():
            en[ok] = _evaluate(self.energy_fn, pts[ok], self.vectorized)
        return lp, en

    def __call__(self, w: Any) -> Any:
        """log phi(w) - beta E(w) (the prior alone when beta = 0)."""
        lp, en = self.parts(w)
        return _combine(lp, en, self.beta)

    def with_beta(self, beta: float) -> "PosteriorDensity":
        """The same posterior at another inverse temperature."""
        from dataclasses import replace

        return replace(self, beta=check_beta(beta))


def _combine(lp: Any, en: Any, beta: float) -> Any:
    if beta == 0.0:
        return lp
    if np.ndim(lp) == 0:
        return float(lp) - beta * float(en) if np.isfinite(lp) else -math.inf
    out = np.where(np.isfinite(lp), lp - beta * np.where(np.isfinite(lp), en, 0.0), -np.inf)
    return out


def _dim_of(obj: Any) -> int | None:
    d = getattr(obj, "dim", None)
    return int(d) if isinstance(d, (int, np.integer)) and not isinstance(d, bool) else None


def _agree_dim(dim: int | None, **parts: Any) -> int | None:
    """The parameter dimension: `dim` if given, else what the parts know; all must agree."""
    known = {name: _dim_of(obj) for name, obj in parts.items()}
    if dim is not None:
        known["dim"] = check_int("dim", dim, low=1)
    values = {v for v in known.values() if v is not None}
    if len(values) > 1:
        said = ", ".join(f"`{k}` has {v}" for k, v in known.items() if v is not None)
        raise ValueError(f"the parameter dimensions disagree: {said} (a model with fewer parameters would "
                         "silently ignore the extra ones)")
    return values.pop() if values else None


def _pointwise_of(obj: Any, pointwise: Any, observed: Any, sign: float) -> tuple[Any, Any]:
    """(pointwise_fn, observed): given explicitly, or read from a likelihood/risk with `per_sample` and `y`."""
    if pointwise is not None:
        if not callable(pointwise):
            raise TypeError(f"`pointwise` must be a callable w -> (..., n) or None, got {type(pointwise).__name__}")
        fn = pointwise
    else:
        per = getattr(obj, "per_sample", None)
        if not callable(per):
            return None, (None if observed is None else check_array("observed", observed, ndim=1, finite=False))
        fn = per if sign > 0 else (lambda w: -np.asarray(per(w), dtype=float))
    if observed is None:
        observed = getattr(obj, "y", None)
    return fn, (None if observed is None else check_array("observed", observed, ndim=1, finite=False))


def tempered(log_likelihood: Callable[[np.ndarray], Any], log_prior: Callable[[np.ndarray], Any],
             beta: float, *, vectorized: bool = True, dim: int | None = None, pointwise: Any = None,
             observed: Any = None) -> PosteriorDensity:
    """The tempered posterior p(D|w)^beta phi(w) as a log-density object.

    Parameters
    ----------
    log_likelihood : callable
        ``w -> log p(D|w)``; vectorised (batch ``(k, d)`` -> ``(k,)``) unless `vectorized` is False.
    log_prior : callable
        ``w -> log phi(w)``, same convention (e.g. :class:`GaussianPrior`).
    beta : float
        Inverse temperature, >= 0 and finite; ``beta = 0`` is the prior alone.
    vectorized : bool, default True
        Whether both callables accept a batch of points.
    dim : int, optional
        Parameter dimension (default: ``log_prior.dim`` or ``log_likelihood.dim`` when known).
    pointwise : callable, optional
        ``w -> (..., n)``, the log likelihood of each observation (default:
        ``log_likelihood.per_sample`` when it has one): samplers store it in ArviZ's
        ``log_likelihood`` group, so that ``arviz.waic``/``arviz.loo`` see every observation.
    observed : array_like, shape (n,), optional
        The observations (default ``log_likelihood.y``), stored as ``observed_data``.

    Returns
    -------
    PosteriorDensity
        ``energy(w) = -log_likelihood(w)``, i.e. n L_n(w).

    Raises
    ------
    ValueError
        If `beta` is negative or not finite, or `dim`, the prior's and the likelihood's
        parameter dimensions disagree (3 parameters for a 1-parameter model were ignored).

    Notes
    -----
    For beta <= 1 the tempered posterior is proper whenever the untempered one is
    (Hölder: Z(beta) <= Z(1)^beta); for beta > 1 this needs a bounded likelihood
    (see ``pathdep`` claim ``bayes.tempered.proper_beta_gt_1``).

    Examples
    --------
    >>> lik = GaussianLikelihood([0.1, -0.3, 0.4], sigma=1.0)
    >>> post = tempered(lik, GaussianPrior(dim=1), 0.5)
    >>> bool(abs(post([0.0]) - (0.5 * lik([0.0]) + GaussianPrior(dim=1)([0.0]))) < 1e-12)
    True
    >>> post(np.zeros((4, 1))).shape
    (4,)
    """
    b = check_beta(beta)
    check_callable("log_likelihood", log_likelihood)
    check_callable("log_prior", log_prior)
    dim = _agree_dim(dim, log_prior=log_prior, log_likelihood=log_likelihood)
    n = getattr(log_likelihood, "n", None)
    fn, obs = _pointwise_of(log_likelihood, pointwise, observed, +1.0)

    def energy(w: np.ndarray) -> Any:
        return -np.asarray(log_likelihood(w), dtype=float)

    n = n if isinstance(n, int) else (int(obs.shape[0]) if obs is not None else None)
    return PosteriorDensity(energy, log_prior, b, "tempered", n, dim, check_bool("vectorized", vectorized), fn, obs)


def gibbs(risk: Callable[[np.ndarray], Any], log_prior: Callable[[np.ndarray], Any], *, beta: float,
          n: int | None = None, vectorized: bool = True, dim: int | None = None, pointwise: Any = None,
          observed: Any = None) -> PosteriorDensity:
    """The Gibbs (generalised Bayes) posterior exp(-beta n r_n(w)) phi(w) [1]_.

    "You can turn any function into a probability" (note 003): any risk r_n bounded
    below with a proper prior gives a proper density.

    Parameters
    ----------
    risk : callable
        ``w -> r_n(w)``, the empirical risk (mean loss), e.g. :class:`EmpiricalRisk`
        or any user function.
    log_prior : callable
        ``w -> log phi(w)``.
    beta : float
        Inverse temperature, >= 0 and finite.
    n : int, optional
        Number of data points (default: ``risk.n``); must be >= 1.
    vectorized, dim
        As in :func:`tempered`.
    pointwise : callable, optional
        ``w -> (..., n)``: minus each observation's loss (default: ``-risk.per_sample``
        when the risk has one), the pseudo log likelihood that ArviZ's ``log_likelihood`` group holds.
    observed : array_like, optional
        The observations (default ``risk.y``).

    Returns
    -------
    PosteriorDensity
        ``energy(w) = n * risk(w)``.

    Raises
    ------
    ValueError
        If `beta` < 0 or not finite, `n` < 1 or missing, or the parameter dimensions disagree.

    Notes
    -----
    With the squared loss this is the tempered Gaussian model with sigma^2 = 1/(2 beta)
    at temperature one (claim ``bayes.gibbs.squared_loss_is_gaussian``).

    Examples
    --------
    >>> risk = EmpiricalRisk(squared_loss, [0.0, 1.0])
    >>> post = gibbs(risk, GaussianPrior(dim=1), beta=2.0)
    >>> post.energy([0.5])   # n * mean((y - w)^2) = 2 * 0.25
    0.5
    """
    b = check_beta(beta)
    check_callable("risk", risk)
    check_callable("log_prior", log_prior)
    if n is None:
        n = getattr(risk, "n", None)
        if n is None:
            raise ValueError("`n` must be given (an integer >= 1) when `risk` has no `.n`")
    n = check_int("n", n, low=1)
    dim = _agree_dim(dim, log_prior=log_prior, risk=risk)
    fn, obs = _pointwise_of(risk, pointwise, observed, -1.0)

    def energy(w: np.ndarray) -> Any:
        return n * np.asarray(risk(w), dtype=float)

    return PosteriorDensity(energy, log_prior, b, "gibbs", n, dim, check_bool("vectorized", vectorized), fn, obs)


# ----------------------------------------------------------------------------- priors


def _vec(name: str, value: Any, dim: int) -> np.ndarray:
    arr = check_array(name, value, ndim=(0, 1))
    if arr.ndim == 1 and arr.shape[0] != dim:
        raise ValueError(f"`{name}` must be a scalar or have length `dim` = {dim}, got shape {arr.shape}")
    return np.broadcast_to(arr, (dim,)).copy()


def _check_dim(w: Any, dim: int) -> None:
    if w.shape[-1] != dim:
        raise ValueError(f"`w` must have last axis of length {dim}, got shape {tuple(w.shape)}")


def _points_like(w: Any, dim: int) -> Any:
    """`w` as an array (numpy, or torch left as is) with last axis `dim`."""
    w = w if hasattr(w, "shape") else np.asarray(w, dtype=float)
    _check_dim(w, dim)
    return w


def _check_prior_dim(dim: Any) -> int:
    d = check_int("dim", dim, low=1)
    check_memory(f"a prior of dimension dim={d}", 8 * 8 * d)
    return d


def _init_loc_scale(obj: Any, loc: str, scale: str) -> None:
    """Validate and broadcast the location/scale fields of a frozen prior dataclass."""
    _check_prior_dim(obj.dim)
    object.__setattr__(obj, loc, _vec(loc, getattr(obj, loc), obj.dim))
    sc = _vec(scale, getattr(obj, scale), obj.dim)
    if np.any(sc <= 0):
        raise ValueError(f"`{scale}` must be positive, got {sc.tolist()}")
    object.__setattr__(obj, scale, sc)


@dataclass(frozen=True)
class GaussianPrior:
    """Independent Gaussian prior N(mean, std^2) on each of `dim` coordinates.

    The weight-decay prior N(0, lambda^-1 I) is ``GaussianPrior(0, lambda**-0.5, dim=d)``.

    Examples
    --------
    >>> p = GaussianPrior(0.0, 1.0, dim=2)
    >>> round(float(p([0.0, 0.0])), 6)   # -log(2 pi)
    -1.837877
    >>> p.sample(3, seed=0).shape
    (3, 2)
    """

    mean: Any = 0.0
    std: Any = 1.0
    dim: int = 1

    def __post_init__(self) -> None:
        _init_loc_scale(self, "mean", "std")

    def __call__(self, w: Any) -> Any:
        w = _points_like(w, self.dim)
        z = (w - _like(self.mean, w)) / _like(self.std, w)
        return -0.5 * (z ** 2).sum(axis=-1) - float(np.sum(np.log(self.std))) - 0.5 * self.dim * _LOG2PI

    def sample(self, size: int, *, seed: Any = None) -> np.ndarray:
        """`size` independent draws, shape ``(size, dim)``."""
        rng = as_generator(seed)
        return self.mean + self.std * rng.standard_normal((check_int("size", size, low=1), self.dim))


@dataclass(frozen=True)
class LaplacePrior:
    """Independent Laplace prior with density exp(-|w - loc|/scale)/(2 scale) per coordinate.

    Examples
    --------
    >>> round(float(LaplacePrior(0.0, 1.0, dim=1)([0.0])), 6)   # -log 2
    -0.693147
    """

    loc: Any = 0.0
    scale: Any = 1.0
    dim: int = 1

    def __post_init__(self) -> None:
        _init_loc_scale(self, "loc", "scale")

    def __call__(self, w: Any) -> Any:
        w = _points_like(w, self.dim)
        return -(abs(w - _like(self.loc, w)) / _like(self.scale, w)).sum(axis=-1) \
            - float(np.sum(np.log(2.0 * self.scale)))

    def sample(self, size: int, *, seed: Any = None) -> np.ndarray:
        """`size` independent draws, shape ``(size, dim)``."""
        rng = as_generator(seed)
        return self.loc + rng.laplace(0.0, 1.0, (check_int("size", size, low=1), self.dim)) * self.scale


@dataclass(frozen=True)
class UniformPrior:
    """Uniform prior on the box [low, high]^dim (log density -inf outside).

    Examples
    --------
    >>> p = UniformPrior(-1.0, 1.0, dim=2)
    >>> round(p([0.0, 0.5]), 6), p([2.0, 0.0])
    (-1.386294, -inf)
    """

    low: Any = 0.0
    high: Any = 1.0
    dim: int = 1

    def __post_init__(self) -> None:
        _check_prior_dim(self.dim)
        low, high = _vec("low", self.low, self.dim), _vec("high", self.high, self.dim)
        if np.any(high <= low):
            raise ValueError(f"`high` must exceed `low` coordinate-wise, got low={low.tolist()}, "
                             f"high={high.tolist()}")
        object.__setattr__(self, "low", low)
        object.__setattr__(self, "high", high)

    def __call__(self, w: Any) -> Any:
        arr = np.asarray(w, dtype=float)
        _check_dim(arr, self.dim)
        inside = np.all((arr >= self.low) & (arr <= self.high), axis=-1)
        val = -float(np.sum(np.log(self.high - self.low)))
        out = np.where(inside, val, -np.inf)
        return float(out) if out.ndim == 0 else out

    def sample(self, size: int, *, seed: Any = None) -> np.ndarray:
        """`size` independent draws, shape ``(size, dim)``."""
        rng = as_generator(seed)
        return rng.uniform(self.low, self.high, (check_int("size", size, low=1), self.dim))


def _like(a: np.ndarray, w: Any) -> Any:
    """`a` as the same array type as `w` (numpy or torch), for backend-generic priors."""
    if isinstance(w, np.ndarray):
        return a
    try:
        import torch

        if isinstance(w, torch.Tensor):
            return torch.as_tensor(a, dtype=w.dtype, device=w.device)
    except ImportError:  # pragma: no cover
        pass
    return a


# ----------------------------------------------------------------------------- models


def _default_predict(x: np.ndarray | None, n: int) -> Callable[[np.ndarray], np.ndarray]:
    if x is None:                             # location model: f_w = w_0 for every observation
        return lambda w: np.broadcast_to(w[..., :1], w.shape[:-1] + (n,))
    return lambda w: w @ x.T                  # linear model: f_w(x_i) = <w, x_i>


def _setup(y: Any, x: Any, model: Any, ydtype: Any = float) -> tuple[np.ndarray, Any, Callable]:
    yy = check_array("y", y, ndim=1, min_size=1, dtype=ydtype)
    xx = None
    if x is not None:
        xx = check_array("x", x, ndim=(1, 2))
        if xx.ndim == 1:
            xx = xx[:, None]
        if xx.shape[0] != yy.shape[0]:
            raise ValueError(f"`x` must have one row per observation ({yy.shape[0]}), got shape {xx.shape}")
    if model is None:
        pred = _default_predict(xx, yy.shape[0])
    else:
        if not callable(model):
            raise TypeError(f"`model` must be a callable (w, x) -> predictions, got {type(model).__name__}")
        pred = (lambda w: model(w, xx))
    return yy, xx, pred


class _Data:
    """Shared by the likelihoods and risks: the data (y, x), the prediction function and n."""

    y: Any
    x: Any
    model: Any
    _pred: Any

    def _bind_data(self) -> None:
        yy, xx, pred = _setup(self.y, self.x, self.model)
        object.__setattr__(self, "y", yy)
        object.__setattr__(self, "x", xx)
        object.__setattr__(self, "_pred", pred)

    @property
    def n(self) -> int:
        """The number of observations."""
        return int(self.y.shape[0])

    @property
    def dim(self) -> int | None:
        """The parameter dimension: 1 for the location model, the columns of `x` for the linear
        model, None for a user `model` (it decides)."""
        if self.model is not None:
            return None
        return 1 if self.x is None else int(self.x.shape[1])

    def _points(self, w: Any) -> np.ndarray:
        """`w` as float points whose last axis is the parameter dimension (checked when known)."""
        arr = np.asarray(w, dtype=float)
        d = self.dim
        if d is not None and (arr.ndim == 0 or arr.shape[-1] != d):
            raise ValueError(f"`w` must have last axis of length {d} (the number of parameters of this "
                             f"{type(self).__name__}), got shape {arr.shape}")
        return arr


@dataclass(frozen=True)
class GaussianLikelihood(_Data):
    """log p(D|w) = sum_i log N(y_i | f_w(x_i), sigma^2).

    Parameters
    ----------
    y : array_like, shape (n,)
    x : array_like, shape (n,) or (n, p), optional
        Inputs. Without `x` and `model` the model is the location f_w = w_0.
    model : callable, optional
        ``(w, x) -> f`` with ``w`` of shape ``(..., d)`` and ``f`` of shape ``(..., n)``;
        default: linear, f_w(x_i) = <w, x_i>.
    sigma : float
        Noise standard deviation (> 0).

    Examples
    --------
    >>> lik = GaussianLikelihood([1.0, 2.0], x=[[1.0], [2.0]], sigma=1.0)
    >>> round(float(lik([1.0])), 6)   # both residuals zero: -n/2 log(2 pi)
    -1.837877
    """

    y: Any
    x: Any = None
    model: Any = None
    sigma: float = 1.0
    _pred: Any = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        check_positive("sigma", self.sigma)
        self._bind_data()

    def per_sample(self, w: Any) -> np.ndarray:
        """log N(y_i | f_w(x_i), sigma^2), shape ``(..., n)``."""
        r = (self.y - self._pred(self._points(w))) / self.sigma
        return -0.5 * r ** 2 - math.log(self.sigma) - 0.5 * _LOG2PI

    def __call__(self, w: Any) -> Any:
        return self.per_sample(w).sum(axis=-1)


def _log_sigmoid(z: np.ndarray) -> np.ndarray:
    return -np.logaddexp(0.0, -z)


@dataclass(frozen=True)
class BernoulliLikelihood(_Data):
    """Logistic model: log p(D|w) = sum_i [y_i log s(z_i) + (1 - y_i) log s(-z_i)], z = logits.

    `model` returns logits (default: linear ``w @ x.T``, or the constant w_0 without `x`).

    Examples
    --------
    >>> round(float(BernoulliLikelihood([1, 0])([0.0])), 6)   # 2 log(1/2)
    -1.386294
    """

    y: Any
    x: Any = None
    model: Any = None
    _pred: Any = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._bind_data()
        if not np.all((self.y == 0) | (self.y == 1)):
            raise ValueError("`y` must contain only 0 and 1 for a Bernoulli likelihood")

    def per_sample(self, w: Any) -> np.ndarray:
        """log p(y_i | w), shape ``(..., n)``."""
        z = self._pred(self._points(w))
        return self.y * _log_sigmoid(z) + (1.0 - self.y) * _log_sigmoid(-z)

    def __call__(self, w: Any) -> Any:
        return self.per_sample(w).sum(axis=-1)


@dataclass(frozen=True)
class CategoricalLikelihood(_Data):
    """Softmax model: log p(D|w) = sum_i log softmax(z_i)[y_i], logits z of shape (..., n, K).

    Parameters
    ----------
    y : array_like of int, shape (n,)
        Labels in ``0..n_classes-1``.
    x : array_like, shape (n, p), optional
    n_classes : int
    model : callable, optional
        ``(w, x) -> logits`` of shape ``(..., n, K)``; default linear with ``w`` of
        length ``K * p`` read as a K x p matrix (without `x`: ``w`` are the K logits).

    Examples
    --------
    >>> lik = CategoricalLikelihood([0, 2], n_classes=3)
    >>> round(float(lik([0.0, 0.0, 0.0])), 6)   # 2 log(1/3)
    -2.197225
    """

    y: Any
    x: Any = None
    n_classes: int = 2
    model: Any = None
    _pred: Any = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        k = check_int("n_classes", self.n_classes, low=2)
        yy = check_array("y", self.y, ndim=1, min_size=1)
        if not np.all((yy == np.round(yy)) & (yy >= 0) & (yy < k)):
            raise ValueError(f"`y` must contain integer labels in 0..{k - 1}")
        xx = None if self.x is None else check_array("x", self.x, ndim=2)
        if xx is not None and xx.shape[0] != yy.shape[0]:
            raise ValueError(f"`x` must have one row per observation ({yy.shape[0]}), got shape {xx.shape}")
        if self.model is not None:
            if not callable(self.model):
                raise TypeError("`model` must be a callable (w, x) -> logits")
            pred = (lambda w: self.model(w, xx))
        elif xx is None:
            pred = (lambda w: np.broadcast_to(w[..., None, :], w.shape[:-1] + (yy.shape[0], k)))
        else:
            p = xx.shape[1]
            pred = (lambda w: np.einsum("...kp,np->...nk", w.reshape(w.shape[:-1] + (k, p)), xx))
        object.__setattr__(self, "y", yy.astype(int))
        object.__setattr__(self, "x", xx)
        object.__setattr__(self, "_pred", pred)

    @property
    def dim(self) -> int | None:
        """K logits without `x`, K * p weights with it, None for a user `model`."""
        if self.model is not None:
            return None
        return self.n_classes * (1 if self.x is None else int(self.x.shape[1]))

    def per_sample(self, w: Any) -> np.ndarray:
        """log softmax(z_i)[y_i], shape ``(..., n)``."""
        z = np.asarray(self._pred(self._points(w)), dtype=float)
        zmax = z.max(axis=-1, keepdims=True)
        logsm = z - zmax - np.log(np.exp(z - zmax).sum(axis=-1, keepdims=True))
        return np.take_along_axis(logsm, np.broadcast_to(self.y[:, None], z.shape[:-1] + (1,)),
                                  axis=-1)[..., 0]

    def __call__(self, w: Any) -> Any:
        return self.per_sample(w).sum(axis=-1)


# ----------------------------------------------------------------------------- losses


def squared_loss(prediction: Any, y: Any) -> Any:
    """(y - prediction)^2, elementwise.

    Examples
    --------
    >>> squared_loss(np.array([1.0, 2.0]), np.array([0.0, 0.0])).tolist()
    [1.0, 4.0]
    """
    prediction, y = _operands(prediction, y)
    return (y - prediction) ** 2


def absolute_loss(prediction: Any, y: Any) -> Any:
    """|y - prediction|, elementwise.

    Examples
    --------
    >>> absolute_loss(np.array([1.0, -2.0]), np.array([0.0, 0.0])).tolist()
    [1.0, 2.0]
    """
    prediction, y = _operands(prediction, y)
    return abs(y - prediction)


def _operands(prediction: Any, y: Any) -> tuple[Any, Any]:
    """Real arrays (numpy or torch, broadcasting theirs) or numbers; lists become arrays, a numpy
    operand next to a tensor becomes a tensor like it."""
    out = []
    for name, v in (("prediction", prediction), ("y", y)):
        if hasattr(v, "is_floating_point"):             # torch
            if v.is_complex():
                raise TypeError(f"`{name}` must be real, got dtype {v.dtype}")
        elif isinstance(v, np.ndarray):
            if v.dtype.kind not in "fiub":
                raise TypeError(f"`{name}` must be a real array, got dtype {v.dtype}")
        elif isinstance(v, (int, float, np.number, list, tuple)) and not isinstance(v, bool):
            v = check_array(name, v, finite=False)
        else:
            raise TypeError(f"`{name}` must be a real number or array, got {type(v).__name__}")
        out.append(v)
    a, b = out
    if hasattr(a, "is_floating_point") != hasattr(b, "is_floating_point"):
        import torch

        t = a if hasattr(a, "is_floating_point") else b
        a, b = (torch.as_tensor(v, dtype=t.dtype if t.is_floating_point() else None, device=t.device)
                for v in (a, b))
    try:
        np.broadcast_shapes(tuple(a.shape), tuple(b.shape))
    except ValueError:
        raise ValueError(f"`prediction` shape {tuple(a.shape)} and `y` shape {tuple(b.shape)} do not broadcast") \
            from None
    return a, b


@dataclass(frozen=True)
class EmpiricalRisk(_Data):
    """r_n(w) = (1/n) sum_i loss(f_w(x_i), y_i) for any elementwise loss.

    Parameters
    ----------
    loss : callable
        ``(prediction, y) -> loss`` elementwise (e.g. :func:`squared_loss`, or any user loss).
    y, x, model
        As in :class:`GaussianLikelihood`.

    Examples
    --------
    >>> r = EmpiricalRisk(absolute_loss, [1.0, -1.0])
    >>> float(r([0.0]))
    1.0
    """

    loss: Callable[[Any, Any], Any]
    y: Any
    x: Any = None
    model: Any = None
    _pred: Any = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not callable(self.loss):
            raise TypeError(f"`loss` must be a callable (prediction, y) -> loss, got {type(self.loss).__name__}")
        self._bind_data()

    def per_sample(self, w: Any) -> np.ndarray:
        """The loss of each observation, shape ``(..., n)``."""
        pred = self._pred(self._points(w))
        return np.asarray(self.loss(pred, np.broadcast_to(self.y, np.shape(pred))), dtype=float)

    def __call__(self, w: Any) -> Any:
        return self.per_sample(w).mean(axis=-1)

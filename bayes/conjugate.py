"""Exact reference models: the oracles for every sampler test.

Two conjugate Gaussian models with everything about their tempered posteriors in
closed form, for any inverse temperature beta >= 0:

- :class:`NormalMeanModel`: y_i ~ N(theta, sigma^2), sigma known, prior N(mu0, tau0^2);
- :class:`LinearRegressionModel`: y ~ N(X w, sigma^2 I), prior N(m0, S0).

For each: the tempered posterior N(m_beta, S_beta), the log normaliser
log Z(beta) = log int p(D|w)^beta phi(w) dw, and the first two moments of the
energy n L_n(w) = -log p(D|w) under the tempered posterior, which satisfy

    d/dbeta log Z(beta) = -E_beta[n L_n],    d^2/dbeta^2 log Z(beta) = Var_beta[n L_n]

(the thermodynamic-integration identities; see Friel & Pettitt [1]_ and Watanabe [2]_).
The normal-mean formulas are written out separately from the regression ones so
that the two are independent cross-checks of each other.

References
----------
.. [1] N. Friel, A. N. Pettitt, "Marginal likelihood estimation via power posteriors",
   J. R. Stat. Soc. B 70 (2008) 589-607.
.. [2] S. Watanabe, "A widely applicable Bayesian information criterion", JMLR 14 (2013) 867-897.
.. [3] C. M. Bishop, "Pattern Recognition and Machine Learning", Springer 2006, sections 2.3 and 3.3-3.4.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from pdcheck import as_generator, check_array, check_int, check_memory, check_positive, check_real
from bayes.posterior import PosteriorDensity, check_beta, tempered

__all__ = ["GaussianPosterior", "NormalMeanModel", "LinearRegressionModel", "SpikeModel"]

_LOG2PI = math.log(2.0 * math.pi)


class GaussianPosterior(NamedTuple):
    """The exact tempered posterior N(mean, cov): ``mean`` shape (d,), ``cov`` shape (d, d)."""

    mean: np.ndarray
    cov: np.ndarray

    @property
    def std(self) -> np.ndarray:
        """Marginal standard deviations, shape (d,)."""
        return np.sqrt(np.diag(self.cov))


def _betas(beta: Any) -> tuple[np.ndarray, bool]:
    if np.ndim(beta) == 0:
        return np.array([check_beta(beta)]), True
    arr = np.asarray(beta, dtype=float)
    if arr.ndim != 1:
        raise ValueError(f"`beta` must be a number or a 1-d array, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise ValueError(f"`beta` must be non-negative finite numbers, got {arr.tolist()}")
    return arr, False


def _theta(w: Any) -> np.ndarray:
    """The one parameter of a 1-parameter model: `w` of shape ``(..., 1)``."""
    arr = np.asarray(w, dtype=float)
    if arr.ndim == 0 or arr.shape[-1] != 1:
        raise ValueError(f"`w` must have last axis of length 1 (this model has one parameter), got shape {arr.shape}")
    return arr[..., 0]


def _out(values: list[float], scalar: bool) -> Any:
    return float(values[0]) if scalar else np.asarray(values, dtype=float)


@dataclass(frozen=True)
class NormalMeanModel:
    """y_i ~ N(theta, sigma^2) i.i.d. with sigma known; prior theta ~ N(prior_mean, prior_std^2).

    The parameter is one-dimensional: densities take ``w`` of shape ``(1,)`` or ``(k, 1)``.

    Parameters
    ----------
    y : array_like, shape (n,)
    sigma : float
        Known noise standard deviation.
    prior_mean, prior_std : float

    Notes
    -----
    With ybar the sample mean and S = sum (y_i - ybar)^2 [3]_:

    - 1/v_beta = 1/tau0^2 + beta n/sigma^2, mu_beta = v_beta (mu0/tau0^2 + beta n ybar/sigma^2);
    - log Z(beta) = -(beta n/2) log(2 pi sigma^2) - beta S/(2 sigma^2)
      - (1/2) log(1 + beta n tau0^2/sigma^2) - beta n (ybar - mu0)^2 / (2 (sigma^2 + beta n tau0^2));
    - E_beta[n L_n] = (n/2) log(2 pi sigma^2) + (S + n((mu_beta - ybar)^2 + v_beta)) / (2 sigma^2);
    - Var_beta[n L_n] = (n/(2 sigma^2))^2 (2 v_beta^2 + 4 (mu_beta - ybar)^2 v_beta).

    Examples
    --------
    >>> m = NormalMeanModel([0.5, 1.5], sigma=1.0, prior_mean=0.0, prior_std=1.0)
    >>> post = m.posterior(1.0)
    >>> float(post.mean[0]), float(post.cov[0, 0])   # (n ybar)/(1 + n), 1/(1 + n)
    (0.666..., 0.333...)
    >>> m.log_evidence(0.0)
    0.0
    """

    y: Any
    sigma: float = 1.0
    prior_mean: float = 0.0
    prior_std: float = 1.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "y", check_array("y", self.y, ndim=1, min_size=1))
        object.__setattr__(self, "sigma", check_positive("sigma", self.sigma))
        object.__setattr__(self, "prior_mean", check_real("prior_mean", self.prior_mean))
        object.__setattr__(self, "prior_std", check_positive("prior_std", self.prior_std))
        object.__setattr__(self, "_ybar", float(np.mean(self.y)))
        object.__setattr__(self, "_ss_value", float(np.sum((self.y - self._ybar) ** 2)))

    @classmethod
    def simulate(cls, n: int, *, theta: float = 0.0, sigma: float = 1.0, prior_mean: float = 0.0,
                 prior_std: float = 1.0, seed: Any = None) -> "NormalMeanModel":
        """A model with `n` observations drawn from N(theta, sigma^2)."""
        n = check_int("n", n, low=1)
        check_real("theta", theta)
        check_positive("sigma", sigma)
        check_memory(f"NormalMeanModel.simulate(n={n})", 3 * 8 * n)
        rng = as_generator(seed)
        return cls(theta + sigma * rng.standard_normal(n), sigma, prior_mean, prior_std)

    # sufficient statistics
    @property
    def n(self) -> int:
        return int(self.y.shape[0])

    @property
    def dim(self) -> int:
        return 1

    @property
    def ybar(self) -> float:
        """The sample mean of `y`."""
        return self._ybar

    @property
    def _ss(self) -> float:
        return self._ss_value

    # densities (vectorised: w shape (..., 1))
    def log_likelihood(self, w: Any) -> Any:
        """log p(D|theta) = -(n/2) log(2 pi sigma^2) - (S + n (theta - ybar)^2)/(2 sigma^2)."""
        th = _theta(w)
        s2 = self.sigma ** 2
        return -0.5 * self.n * math.log(2 * math.pi * s2) - (self._ss + self.n * (th - self.ybar) ** 2) / (2 * s2)

    def per_sample(self, w: Any) -> np.ndarray:
        """log N(y_i | theta, sigma^2) for each observation, shape ``(..., n)`` (sums to `log_likelihood`)."""
        r = (self.y - _theta(w)[..., None]) / self.sigma
        return -0.5 * r ** 2 - 0.5 * math.log(2 * math.pi * self.sigma ** 2)

    def energy(self, w: Any) -> Any:
        """n L_n(theta) = -log p(D|theta)."""
        return -self.log_likelihood(w)

    def log_prior(self, w: Any) -> Any:
        th = _theta(w)
        t2 = self.prior_std ** 2
        return -0.5 * (th - self.prior_mean) ** 2 / t2 - 0.5 * math.log(2 * math.pi * t2)

    def density(self, beta: float) -> PosteriorDensity:
        """The tempered posterior as a :class:`~bayes.posterior.PosteriorDensity` (for samplers), with
        the pointwise log likelihood and the observations for ArviZ."""
        return tempered(self.log_likelihood, self.log_prior, beta, dim=1, pointwise=self.per_sample,
                        observed=self.y)

    def sample_prior(self, size: int, *, seed: Any = None) -> np.ndarray:
        """`size` prior draws, shape ``(size, 1)`` (e.g. an initial ensemble at beta = 0)."""
        rng = as_generator(seed)
        return self.prior_mean + self.prior_std * rng.standard_normal((check_int("size", size, low=1), 1))

    # closed forms
    def _post(self, b: float) -> tuple[float, float]:
        v = 1.0 / (1.0 / self.prior_std ** 2 + b * self.n / self.sigma ** 2)
        mu = v * (self.prior_mean / self.prior_std ** 2 + b * self.n * self.ybar / self.sigma ** 2)
        return mu, v

    def posterior(self, beta: float) -> GaussianPosterior:
        """The tempered posterior N(mu_beta, v_beta) (mean shape (1,), cov shape (1, 1))."""
        mu, v = self._post(check_beta(beta))
        return GaussianPosterior(np.array([mu]), np.array([[v]]))

    def log_evidence(self, beta: Any = 1.0) -> Any:
        """log Z(beta) = log int p(D|theta)^beta phi(theta) dtheta (scalar or per beta)."""
        bs, scalar = _betas(beta)
        s2, t2, n = self.sigma ** 2, self.prior_std ** 2, self.n
        d2 = (self.ybar - self.prior_mean) ** 2
        out = [-0.5 * b * n * math.log(2 * math.pi * s2) - b * self._ss / (2 * s2)
               - 0.5 * math.log1p(b * n * t2 / s2) - b * n * d2 / (2 * (s2 + b * n * t2)) for b in bs]
        return _out(out, scalar)

    def mean_energy(self, beta: Any = 1.0) -> Any:
        """E_beta[n L_n] under the tempered posterior (= -d/dbeta log Z)."""
        bs, scalar = _betas(beta)
        out = []
        for b in bs:
            mu, v = self._post(b)
            out.append(0.5 * self.n * math.log(2 * math.pi * self.sigma ** 2)
                       + (self._ss + self.n * ((mu - self.ybar) ** 2 + v)) / (2 * self.sigma ** 2))
        return _out(out, scalar)

    def var_energy(self, beta: Any = 1.0) -> Any:
        """Var_beta[n L_n] under the tempered posterior (= d^2/dbeta^2 log Z)."""
        bs, scalar = _betas(beta)
        out = []
        for b in bs:
            mu, v = self._post(b)
            a2 = (mu - self.ybar) ** 2
            out.append((self.n / (2 * self.sigma ** 2)) ** 2 * (2 * v * v + 4 * a2 * v))
        return _out(out, scalar)

    def as_linear_regression(self) -> "LinearRegressionModel":
        """The same model written as a regression on a column of ones (for cross-checks)."""
        return LinearRegressionModel(np.ones((self.n, 1)), self.y, sigma=self.sigma,
                                     prior_mean=self.prior_mean, prior_cov=self.prior_std ** 2)


def _regression_bytes(n: int, d: int) -> float:
    """The model's own matrices (X^T X, prior precision, Cholesky, posterior inverses) and one
    batch of 64 residual vectors."""
    return 8.0 * (6 * d * d + 64 * n + 4 * n)


@dataclass(frozen=True)
class LinearRegressionModel:
    """Bayesian linear regression y ~ N(X w, sigma^2 I), prior w ~ N(prior_mean, prior_cov).

    Parameters
    ----------
    x : array_like, shape (n, d)
        Design matrix.
    y : array_like, shape (n,)
    sigma : float
        Known noise standard deviation.
    prior_mean : float or array_like, shape (d,)
    prior_cov : float (isotropic variance), array_like (d,) (diagonal) or (d, d)

    Notes
    -----
    With P_beta = S0^-1 + beta X^T X / sigma^2 and h_beta = S0^-1 m0 + beta X^T y / sigma^2 [3]_:

    - S_beta = P_beta^-1, m_beta = S_beta h_beta;
    - log Z(beta) = -(beta n/2) log(2 pi sigma^2) - beta |y|^2/(2 sigma^2) + (1/2) h^T m_beta
      - (1/2) m0^T S0^-1 m0 - (1/2) log det(S0 P_beta);
    - E_beta[n L_n] = (n/2) log(2 pi sigma^2) + (|y - X m_beta|^2 + tr(X^T X S_beta)) / (2 sigma^2);
    - Var_beta[n L_n] = r^T X S_beta X^T r / sigma^4 + 2 tr((B S_beta)^2),
      r = y - X m_beta, B = X^T X / (2 sigma^2).

    Examples
    --------
    >>> m = LinearRegressionModel([[1.0, 0.0], [0.0, 1.0]], [1.0, -1.0], sigma=1.0, prior_cov=1.0)
    >>> m.posterior(1.0).mean.tolist()
    [0.5, -0.5]
    """

    x: Any
    y: Any
    sigma: float = 1.0
    prior_mean: Any = 0.0
    prior_cov: Any = 1.0

    def __post_init__(self) -> None:
        x = check_array("x", self.x, ndim=2, min_size=1)
        y = check_array("y", self.y, ndim=1)
        n_obs, d = x.shape
        check_memory(f"LinearRegressionModel with n={n_obs}, d={d}", _regression_bytes(n_obs, d))
        if y.shape[0] != x.shape[0]:
            raise ValueError(f"`y` must have one entry per row of `x` ({x.shape[0]}), got shape {y.shape}")
        d = x.shape[1]
        check_positive("sigma", self.sigma)
        m0 = check_array("prior_mean", self.prior_mean, ndim=(0, 1))
        if m0.ndim == 1 and m0.shape[0] != d:
            raise ValueError(f"`prior_mean` must be a scalar or have length {d}, got shape {m0.shape}")
        cov = check_array("prior_cov", self.prior_cov, ndim=(0, 1, 2))
        if cov.ndim == 0:
            cov = float(check_positive("prior_cov", float(cov))) * np.eye(d)
        elif cov.ndim == 1:
            if cov.shape[0] != d or np.any(cov <= 0):
                raise ValueError(f"`prior_cov` as a diagonal must have {d} positive entries, got {cov.tolist()}")
            cov = np.diag(cov)
        elif cov.shape != (d, d) or not np.allclose(cov, cov.T):
            raise ValueError(f"`prior_cov` must be a symmetric ({d}, {d}) matrix, got shape {cov.shape}")
        try:
            chol = np.linalg.cholesky(cov)
        except np.linalg.LinAlgError:
            raise ValueError("`prior_cov` must be positive definite") from None
        object.__setattr__(self, "x", x)
        object.__setattr__(self, "y", y)
        object.__setattr__(self, "sigma", float(self.sigma))
        object.__setattr__(self, "prior_mean", np.broadcast_to(m0, (d,)).astype(float).copy())
        object.__setattr__(self, "prior_cov", cov)
        object.__setattr__(self, "_prec0", np.linalg.inv(cov))
        object.__setattr__(self, "_logdet0", 2.0 * float(np.sum(np.log(np.diag(chol)))))
        object.__setattr__(self, "_xtx", x.T @ x)
        object.__setattr__(self, "_xty", x.T @ y)

    @classmethod
    def simulate(cls, n: int, d: int, *, sigma: float = 1.0, prior_std: float = 1.0,
                 w_true: Any = None, seed: Any = None) -> "LinearRegressionModel":
        """Standard-normal design, ``w_true`` (default: a prior draw), noise N(0, sigma^2)."""
        n, d = check_int("n", n, low=1), check_int("d", d, low=1)
        check_positive("sigma", sigma)
        check_positive("prior_std", prior_std)
        check_memory(f"LinearRegressionModel.simulate(n={n}, d={d})", 8 * n * d + _regression_bytes(n, d))
        rng = as_generator(seed)
        x = rng.standard_normal((n, d))
        w = prior_std * rng.standard_normal(d) if w_true is None else check_array("w_true", w_true, shape=(d,))
        y = x @ w + sigma * rng.standard_normal(n)
        return cls(x, y, sigma=sigma, prior_mean=0.0, prior_cov=prior_std ** 2)

    @property
    def n(self) -> int:
        return int(self.x.shape[0])

    @property
    def dim(self) -> int:
        return int(self.x.shape[1])

    def _points(self, w: Any) -> np.ndarray:
        arr = np.asarray(w, dtype=float)
        if arr.ndim == 0 or arr.shape[-1] != self.dim:
            raise ValueError(f"`w` must have last axis of length {self.dim} (the regression coefficients), "
                             f"got shape {arr.shape}")
        return arr

    def log_likelihood(self, w: Any) -> Any:
        """log p(D|w) = -(n/2) log(2 pi sigma^2) - |y - X w|^2/(2 sigma^2); w shape (..., d)."""
        r = self.y - self._points(w) @ self.x.T
        return -0.5 * self.n * math.log(2 * math.pi * self.sigma ** 2) - 0.5 * (r ** 2).sum(-1) / self.sigma ** 2

    def per_sample(self, w: Any) -> np.ndarray:
        """log N(y_i | x_i . w, sigma^2) for each observation, shape ``(..., n)``."""
        r = (self.y - self._points(w) @ self.x.T) / self.sigma
        return -0.5 * r ** 2 - 0.5 * math.log(2 * math.pi * self.sigma ** 2)

    def energy(self, w: Any) -> Any:
        """n L_n(w) = -log p(D|w)."""
        return -self.log_likelihood(w)

    def log_prior(self, w: Any) -> Any:
        """log N(w | m0, S0); w shape (..., d)."""
        dw = self._points(w) - self.prior_mean
        q = np.einsum("...i,ij,...j->...", dw, self._prec0, dw)
        return -0.5 * q - 0.5 * self._logdet0 - 0.5 * self.dim * _LOG2PI

    def density(self, beta: float) -> PosteriorDensity:
        """The tempered posterior as a :class:`~bayes.posterior.PosteriorDensity`, with the pointwise
        log likelihood and the observations for ArviZ."""
        return tempered(self.log_likelihood, self.log_prior, beta, dim=self.dim, pointwise=self.per_sample,
                        observed=self.y)

    def sample_prior(self, size: int, *, seed: Any = None) -> np.ndarray:
        """`size` prior draws, shape ``(size, d)`` (e.g. an initial ensemble at beta = 0)."""
        rng = as_generator(seed)
        chol = np.linalg.cholesky(self.prior_cov)
        return self.prior_mean + rng.standard_normal((check_int("size", size, low=1), self.dim)) @ chol.T

    def _post(self, b: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        s2 = self.sigma ** 2
        prec = self._prec0 + b * self._xtx / s2
        h = self._prec0 @ self.prior_mean + b * self._xty / s2
        cov = np.linalg.inv(prec)
        cov = 0.5 * (cov + cov.T)
        return cov @ h, cov, prec, h

    def posterior(self, beta: float) -> GaussianPosterior:
        """The tempered posterior N(m_beta, S_beta)."""
        m, cov, _, _ = self._post(check_beta(beta))
        return GaussianPosterior(m, cov)

    def log_evidence(self, beta: Any = 1.0) -> Any:
        """log Z(beta) = log int p(D|w)^beta phi(w) dw (scalar or per beta)."""
        bs, scalar = _betas(beta)
        s2 = self.sigma ** 2
        q0 = float(self.prior_mean @ self._prec0 @ self.prior_mean)
        out = []
        for b in bs:
            m, _, prec, h = self._post(b)
            _, logdet = np.linalg.slogdet(self.prior_cov @ prec)
            out.append(-0.5 * b * self.n * math.log(2 * math.pi * s2) - b * float(self.y @ self.y) / (2 * s2)
                       + 0.5 * float(h @ m) - 0.5 * q0 - 0.5 * logdet)
        return _out(out, scalar)

    def mean_energy(self, beta: Any = 1.0) -> Any:
        """E_beta[n L_n] under the tempered posterior (= -d/dbeta log Z)."""
        bs, scalar = _betas(beta)
        s2 = self.sigma ** 2
        out = []
        for b in bs:
            m, cov, _, _ = self._post(b)
            r = self.y - self.x @ m
            out.append(0.5 * self.n * math.log(2 * math.pi * s2)
                       + (float(r @ r) + float(np.sum(self._xtx * cov))) / (2 * s2))
        return _out(out, scalar)

    def var_energy(self, beta: Any = 1.0) -> Any:
        """Var_beta[n L_n] under the tempered posterior (= d^2/dbeta^2 log Z)."""
        bs, scalar = _betas(beta)
        s2 = self.sigma ** 2
        out = []
        for b in bs:
            m, cov, _, _ = self._post(b)
            g = self.x.T @ (self.y - self.x @ m)
            bs_ = (self._xtx / (2 * s2)) @ cov
            out.append(float(g @ cov @ g) / s2 ** 2 + 2.0 * float(np.sum(bs_ * bs_.T)))
        return _out(out, scalar)


@dataclass(frozen=True)
class SpikeModel:
    """A model whose likelihood is unbounded in the parameter, with its tempered normaliser exact.

    p(x | theta) = (1 - a)/2 |x - theta|^(-a) for |x - theta| <= 1 (0 < a < 1) is a proper
    density in x, but as a function of theta it is infinite at theta = x. With one
    observation x and the uniform prior on [x - 1, x + 1]:

        Z(beta) = ((1 - a)/2)^beta / (1 - a beta)   if a beta < 1,   +inf otherwise,

    so the tempered posterior is proper exactly for beta < 1/a: the untempered posterior
    (beta = 1) is proper, yet every beta >= 1/a > 1 gives an improper one.

    Examples
    --------
    >>> m = SpikeModel(a=0.5)
    >>> m.log_evidence(1.0) == math.log(0.25 / 0.5)
    True
    >>> m.log_evidence(2.0), m.critical_beta
    (inf, 2.0)
    """

    x: float = 0.0
    a: float = 0.5

    def __post_init__(self) -> None:
        object.__setattr__(self, "x", check_real("x", self.x))
        object.__setattr__(self, "a", check_real("a", self.a, low=0.0, high=1.0, low_open=True, high_open=True))

    @property
    def n(self) -> int:
        return 1

    @property
    def dim(self) -> int:
        return 1

    @property
    def critical_beta(self) -> float:
        """1/a: the tempered posterior is proper iff beta < 1/a."""
        return 1.0 / self.a

    def log_likelihood(self, w: Any) -> Any:
        """log p(x|theta); +inf at theta = x, -inf outside |x - theta| <= 1."""
        u = np.abs(self.x - _theta(w))
        with np.errstate(divide="ignore"):
            out = np.where(u <= 1.0, math.log((1 - self.a) / 2) - self.a * np.log(u), -np.inf)
        return float(out) if out.ndim == 0 else out

    def log_prior(self, w: Any) -> Any:
        """Uniform on [x - 1, x + 1]."""
        t = _theta(w)
        out = np.where(np.abs(t - self.x) <= 1.0, -math.log(2.0), -np.inf)
        return float(out) if out.ndim == 0 else out

    def density(self, beta: float) -> PosteriorDensity:
        """The tempered posterior as a :class:`~bayes.posterior.PosteriorDensity`."""
        return tempered(self.log_likelihood, self.log_prior, beta, dim=1)

    def log_evidence(self, beta: Any = 1.0) -> Any:
        """log Z(beta) (+inf when a beta >= 1)."""
        bs, scalar = _betas(beta)
        c = math.log((1 - self.a) / 2)
        out = [b * c - math.log1p(-self.a * b) if self.a * b < 1 else math.inf for b in bs]
        return _out(out, scalar)

    def truncated_evidence(self, beta: float, eps: float) -> float:
        """Z_eps(beta): the normaliser with |theta - x| < eps cut out (finite for every beta)."""
        b = check_beta(beta)
        e = check_real("eps", eps, low=0.0, high=1.0, low_open=True)
        c = ((1 - self.a) / 2) ** b
        k = 1.0 - self.a * b
        return c * (-math.log(e)) if k == 0 else c * (1.0 - e ** k) / k

"""Growth laws of divergence curves: exponential, linear, sqrt (Brownian) and power law.

Note 000 ("Why linear?") reports that the weight distance between perturbed training runs
grows for a very short exponential period followed by a long linear one.
:func:`fit_growth` fits the candidate laws to a curve over a chosen window by least
squares and ranks them by AIC and BIC, so that statement can be tested.

References
----------
.. [1] H. Akaike, "A new look at the statistical model identification", IEEE Trans.
   Automatic Control 19 (1974) 716-723.
.. [2] G. Schwarz, "Estimating the dimension of a model", Ann. Statist. 6 (1978) 461-464.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple, Sequence

import numpy as np
from scipy.optimize import curve_fit

from pdcheck import check_array, check_choice

__all__ = ["fit_growth", "GrowthFit", "GrowthLaw", "LAWS"]

LAWS = ("exponential", "linear", "sqrt", "power")


class GrowthLaw(NamedTuple):
    """One fitted growth law.

    Attributes
    ----------
    name : str
    params : tuple of float
        ``exponential``: (a, rate) for ``a exp(rate t)``; ``linear``: (a, b) for ``a + b t``;
        ``sqrt``: (a, b) for ``a + b sqrt(t)``; ``power``: (a, b, p) for ``a + b t^p``
        (the growth exponent p of the excess over the start: 1 linear, 1/2 Brownian).
    stderr : tuple of float
        Standard errors of the parameters (from the least-squares covariance).
    rss : float
        Residual sum of squares.
    aic, bic : float
        ``n ln(rss / n) + 2 k`` and ``n ln(rss / n) + k ln n`` (k = the law's parameters
        plus one for the noise variance).
    """

    name: str
    params: tuple
    stderr: tuple
    rss: float
    aic: float
    bic: float

    def predict(self, t: Any) -> np.ndarray:
        """The law evaluated at `t`."""
        return _LAW_FUNCS[self.name](np.asarray(t, dtype=float), *self.params)

    def formula(self, var: str = "t") -> str:
        """The fitted law with its parameters, e.g. ``'0.1 exp(0.012 t)'`` (for legends).

        Examples
        --------
        >>> GrowthLaw("linear", (1.0, 0.25), (0.0, 0.0), 0.0, 0.0, 0.0).formula()
        '1 + 0.25 t'
        """
        p = self.params
        if self.name == "exponential":
            return f"{p[0]:.3g} exp({p[1]:.3g} {var})"
        if self.name == "linear":
            return f"{p[0]:.3g} + {p[1]:.3g} {var}"
        if self.name == "sqrt":
            return f"{p[0]:.3g} + {p[1]:.3g} sqrt({var})"
        return f"{p[0]:.3g} + {p[1]:.3g} {var}^{p[2]:.3g}"


class GrowthFit(NamedTuple):
    """Growth laws fitted to one divergence curve.

    Attributes
    ----------
    laws : dict of str -> GrowthLaw
    best : str
        Lowest AIC.
    best_bic : str
        Lowest BIC.
    decisive : bool
        The best law's AIC is at least 2 below every other law's (Burnham & Anderson:
        a smaller difference means the data support both).
    delta_aic : dict of str -> float
        AIC minus the best AIC (0 for the winner; > 10: essentially no support).
    n : int
        Points used.
    window : tuple of float
        The time window fitted.
    """

    laws: dict
    best: str
    best_bic: str
    decisive: bool
    delta_aic: dict
    n: int
    window: tuple


def _exp(t, a, r):
    return a * np.exp(np.clip(r * t, -700, 700))


_LAW_FUNCS = {
    "exponential": _exp,
    "linear": lambda t, a, b: a + b * t,
    "sqrt": lambda t, a, b: a + b * np.sqrt(t),
    "power": lambda t, a, b, p: a + b * np.power(t, p),
}


def fit_growth(t: Any, d: Any, *, window: tuple[float, float] | None = None,
               laws: Sequence[str] | None = None) -> GrowthFit:
    """Fit exponential, linear, sqrt (Brownian) and power-law growth to a curve d(t).

    Parameters
    ----------
    t, d : array_like, shape (n,)
        Times (>= 0; > 0 for the power law) and the divergence (e.g. the mean d_w).
    window : (t_min, t_max), optional
        Fit only points with ``t_min <= t <= t_max`` (note 000: a short exponential phase
        within the first epoch, then a long linear one: fit the two windows separately).
    laws : sequence of str, optional
        Default: all of ("exponential", "linear", "sqrt", "power"), the power law left out
        when the window holds a point with ``t <= 0``.

    Returns
    -------
    GrowthFit

    Raises
    ------
    ValueError
        Mismatched or non-finite input, fewer than 4 points in the window, an unknown law,
        or non-positive times for an explicitly requested power law.

    Notes
    -----
    Ordinary least squares on d (nonlinear for the exponential and power laws, started
    from log-linear fits) with Gaussian AIC/BIC.  The exponential law ``a exp(rate t)`` is
    pure (multiplicative growth, the signature of chaos); the linear and sqrt laws have an
    offset; the power law ``a + b t^p`` has three parameters and contains both, so it
    wins only when the extra exponent pays for itself (AIC) or is clearly different.

    References
    ----------
    .. [1] K. P. Burnham, D. R. Anderson, *Model Selection and Multimodel Inference*,
       2nd ed., Springer 2002 (AIC differences).

    Examples
    --------
    >>> t = np.arange(1.0, 30.0)
    >>> fit_growth(t, 2.0 + 0.5 * t).best
    'linear'
    >>> fit_growth(t, 0.1 * np.exp(0.2 * t)).best
    'exponential'
    """
    tt = check_array("t", t, finite=False).reshape(-1)
    dd = check_array("d", d, finite=False).reshape(-1)
    if tt.shape != dd.shape:
        raise ValueError(f"`t` shape {tt.shape} does not match `d` shape {dd.shape}")
    if not (np.all(np.isfinite(tt)) and np.all(np.isfinite(dd))):
        raise ValueError("`t` and `d` must be finite (no NaN or inf)")
    explicit = laws is not None
    if isinstance(laws, str) or (laws is not None and not isinstance(laws, Sequence)):
        raise TypeError(f"`laws` must be a sequence of law names from {LAWS}, got {laws!r}")
    laws = list(LAWS if laws is None else laws)
    if not laws:
        raise ValueError("`laws` must name at least one law")
    for name in laws:
        check_choice("laws", name, LAWS)
    if window is not None:
        try:
            lo, hi = (float(w) for w in window)
        except (TypeError, ValueError):
            raise TypeError(f"`window` must be a pair (t_min, t_max) of numbers, got {window!r}") from None
        if not lo <= hi:
            raise ValueError(f"`window` must be (t_min, t_max) with t_min <= t_max, got {window}")
        keep = (tt >= lo) & (tt <= hi)
        tt, dd = tt[keep], dd[keep]
    else:
        lo, hi = (float(tt.min()), float(tt.max())) if tt.size else (math.nan, math.nan)
    n = tt.size
    if n < 4:
        raise ValueError(f"need at least 4 points in the window to fit, got {n}")
    if np.any(tt < 0):
        raise ValueError("`t` must be non-negative")
    if not explicit and np.any(tt <= 0):
        laws = [name for name in laws if name != "power"]
    fitted: dict[str, GrowthLaw] = {}
    for name in laws:
        fitted[name] = _fit_law(name, tt, dd)
    best = min(fitted, key=lambda k: fitted[k].aic)
    best_bic = min(fitted, key=lambda k: fitted[k].bic)
    delta = {k: fitted[k].aic - fitted[best].aic for k in fitted}
    decisive = all(v >= 2.0 for k, v in delta.items() if k != best)
    return GrowthFit(fitted, best, best_bic, decisive, delta, n, (lo, hi))


def _power_start(t: np.ndarray, d: np.ndarray) -> tuple[float, float, float]:
    """Starting point for ``a + b t^p``: the best of a grid of exponents by linear least squares."""
    best = None
    for p in (0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0):
        A = np.stack([np.ones_like(t), t ** p], axis=1)
        coef, *_ = np.linalg.lstsq(A, d, rcond=None)
        r = float(np.sum((d - A @ coef) ** 2))
        if best is None or r < best[0]:
            best = (r, (float(coef[0]), float(coef[1]), p))
    return best[1]


def _fit_law(name: str, t: np.ndarray, d: np.ndarray) -> GrowthLaw:
    n = t.size
    f = _LAW_FUNCS[name]
    if name in ("linear", "sqrt"):
        basis = t if name == "linear" else np.sqrt(t)
        A = np.stack([np.ones_like(basis), basis], axis=1)
        coef, *_ = np.linalg.lstsq(A, d, rcond=None)
        resid = d - A @ coef
        rss = float(resid @ resid)
        cov = np.linalg.pinv(A.T @ A) * rss / max(n - 2, 1)
        params, se = tuple(float(c) for c in coef), tuple(float(s) for s in np.sqrt(np.diag(cov)))
    else:
        if name == "power" and np.any(t <= 0):
            raise ValueError("the power law needs t > 0; restrict `window` or drop it from `laws`")
        if name == "exponential":
            pos = d > 0
            if np.count_nonzero(pos) >= 2:
                slope, icpt = np.polyfit(t[pos], np.log(d[pos]), 1)
                p0 = (math.exp(icpt), slope)
            else:
                p0 = (max(float(np.mean(np.abs(d))), 1e-12), 0.0)
        else:
            p0 = _power_start(t, d)
        try:
            popt, pcov = curve_fit(f, t, d, p0=p0, maxfev=20000)
        except (RuntimeError, ValueError):
            popt, pcov = np.asarray(p0), np.full((len(p0), len(p0)), np.inf)
        resid = d - f(t, *popt)
        rss = float(resid @ resid)
        params = tuple(float(p) for p in popt)
        se = tuple(float(s) for s in np.sqrt(np.abs(np.diag(pcov))))
    # residuals at rounding level are indistinguishable: floor the rss there, so that
    # laws fitting exactly are ranked by their number of parameters
    rss_eff = max(rss, n * (1e-12 * float(np.max(np.abs(d)) or 1.0)) ** 2)
    k = len(params) + 1
    aic = n * math.log(rss_eff / n) + 2 * k
    bic = n * math.log(rss_eff / n) + k * math.log(n)
    return GrowthLaw(name, params, se, rss, aic, bic)

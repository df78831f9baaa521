"""Estimators of the learning coefficient (RLCT): local LLC, multi-temperature and scaling fits.

Three methods share one result type, :class:`RLCTEstimate`:

``"llc"``
    The local learning coefficient of Lau et al. (2023): localized SGLD (from
    :func:`bayes.sgld`) at β = 1/ln n, λ̂ = nβ(E[L] − L(w*)).  It estimates the
    *finite-temperature* quantity g(nβ) (below), which for a singular model sits below
    λ by about (m − 1)/ln(nβ) plus finite-n terms; for d <= 2 that target is also
    computed by quadrature (``diagnostics.exact_target``) so the sampler's error and
    the estimator's own bias can be told apart.
``"scaling"``
    For a known population loss K: g(t) = E_t[tK] = −d log Z(t)/d ln t with
    Z(t) = ∫ exp(−tK) φ is measured by replica-exchange MALA on a ladder t = 1 … 10¹²
    (many decades) and fitted with the asymptotic form of Watanabe's free energy,
    log Z(t) = −λ ln t + (m − 1) ln ln t + O(1):

    * m = 1: g(t) = λ + a t^(−δ) (the next pole of the zeta function);
    * m >= 2: g(t) = λ − (m − 1)/(ln t + c) (the log factor with its constant).

    The multiplicity m is either given (``multiplicity=``) or chosen in two steps:
    whether m >= 2 is read from the sample geometry (directions in which the
    posterior of log|w − w*| spreads out like (ln t)², the (m − 1)-parameter family
    of scalings of a Newton face); if so, m is the m >= 2 whose fit of the measured
    curve has the smallest χ² weighted by the standard errors of g (all those forms
    have two parameters, so this is a likelihood-ratio choice).
``"multitemp"``
    E_β[n L] on a ladder of β (decades around 1/ln n), fitted as
    E_β[n L] = n L* + g(nβ)/β with the same g and a free offset n L*, so L(w*) is
    not needed.

References
----------
.. [1] S. Watanabe, "Algebraic Geometry and Statistical Learning Theory", CUP 2009.
.. [2] E. Lau, Z. Furman, G. Wang, D. Murfet, S. Wei, "The local learning coefficient:
   a singularity-aware complexity measure", arXiv:2308.12108 (2023).
.. [3] S. Watanabe, "A widely applicable Bayesian information criterion", JMLR 14 (2013).
"""

from __future__ import annotations

import math
import time
import warnings
from typing import Any, Callable, NamedTuple

import numpy as np
import torch
from scipy.optimize import curve_fit

from pdcheck import (as_torch_generator, check_array, check_bool, check_callable, check_choice, check_int, check_memory,
                     check_positive, check_real)
from slt._tempering import run_ladder
from slt.errors import EstimatorDivergenceError

__all__ = ["RLCTEstimate", "RLCTDiagnostics", "estimate_rlct", "estimate_rlct_model", "llc_target"]

F64 = torch.float64
METHODS = ("llc", "multitemp", "scaling")
MODEL_METHODS = ("ladder", "llc", "multitemp", "scaling")


class RLCTDiagnostics(NamedTuple):
    """How an estimate was obtained (sampler health, the measured curve, the fit).

    Attributes
    ----------
    method : str
        ``"llc"``, ``"multitemp"`` or ``"scaling"``.
    temps : ndarray
        The temperatures t = nβ at which E_t[tK] was measured (one for ``llc``).
    curve, curve_stderr : ndarray
        g(t) = E_t[t(K − K*)] (``scaling``/``llc``) or β·E_β[nL] (``multitemp``) per rung, and its
        standard error from batch means.
    step_size, acceptance : ndarray
        Per rung (ladder methods) or per chain (``llc``): the step size used and the
        Metropolis acceptance (NaN for unadjusted SGLD).
    swap_rate : ndarray or None
        Replica-exchange acceptance between adjacent rungs.
    exact_target : float or None
        ``llc`` only, d <= 2: the exact finite-temperature value nβ E[K − K*] by quadrature.
    fit : str
        The fitted model, in words.
    candidates : tuple
        ``(m, λ̂)`` for every multiplicity that was fitted (ladder methods).
    log_spread : ndarray or None
        Eigenvalues of the growth of Cov(log|w − w*|) from the start of the middle third of the
        ladder to the top rung (the multiplicity detector's directions).
    seconds : float
        Wall time.
    n, beta : float or None
        The sample size and inverse temperature (``llc``/``multitemp``; ``ladder``: β_max).
    rhat : ndarray or None
        ``ladder``: split-R̂ of the trace of t(L − L*) across chains, per rung.
    drift : ndarray or None
        ``ladder``: (mean of the last third − mean of the first third) / its standard error, per rung.
    converged : bool
        False when a health check failed (``warnings`` says which).
    warnings : tuple of str
        What failed: R-hat, drift, acceptance, damping or step-size collapse, a fit that
        extrapolates far beyond the measured ladder.
    engine : str
        The sampler: ``"kgibbs"``, ``"pmala"`` (``ladder``), ``"tempered"``, ``"sgld"``,
        ``"mala"`` or ``""``.
    localization : float or None
        ``ladder``: γ in units of each parameter tensor's mean square at w*.
    """

    method: str
    temps: np.ndarray
    curve: np.ndarray
    curve_stderr: np.ndarray
    step_size: np.ndarray
    acceptance: np.ndarray
    swap_rate: np.ndarray | None = None
    exact_target: float | None = None
    fit: str = ""
    candidates: tuple = ()
    log_spread: np.ndarray | None = None
    seconds: float = 0.0
    n: float | None = None
    beta: float | None = None
    rhat: np.ndarray | None = None
    drift: np.ndarray | None = None
    converged: bool = True
    warnings: tuple = ()
    engine: str = ""
    localization: float | None = None


class RLCTEstimate(NamedTuple):
    """An estimate of the learning coefficient λ with its standard error.

    Attributes
    ----------
    value : float
        λ̂.
    stderr : float
        Its standard error (between chains for ``llc``; jackknife over chains for the fits).
    multiplicity : int or None
        The multiplicity m used by the fit (None for ``llc``).
    per_chain : ndarray
        One estimate per chain (``llc``) or per jackknife replicate (fits).
    trace : ndarray
        ``llc``: nβ(L − L*) per chain and draw, shape (n_chains, n_draws); ``scaling``/``multitemp``:
        the recorded t(K − K*) per rung and chain, averaged over blocks, shape (T, n_chains);
        ``ladder``: t(L − L*) per rung, chain and sweep, shape (T, n_chains, n_sweeps).
    diagnostics : RLCTDiagnostics
        Sampler health and the fitted curve.
    """

    value: float
    stderr: float
    multiplicity: int | None
    per_chain: np.ndarray
    trace: np.ndarray
    diagnostics: RLCTDiagnostics

    def plot(self):
        """A figure of the measured curve g(t) with the fit (ladder methods) or the trace (``llc``)."""
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(6, 4))
        dg = self.diagnostics
        if dg.method == "llc":
            for row in np.atleast_2d(self.trace):
                ax.plot(row, lw=0.5, alpha=0.6)
            ax.axhline(self.value, color="k", label=f"λ̂ = {self.value:.4g}")
            if dg.exact_target is not None:
                ax.axhline(dg.exact_target, color="r", ls="--", label=f"exact target {dg.exact_target:.4g}")
            ax.set_xlabel("draw")
            ax.set_ylabel("nβ (L − L*)")
        else:
            ax.errorbar(dg.temps, dg.curve, yerr=dg.curve_stderr, fmt="o", ms=3, label="measured")
            ax.axhline(self.value, color="k", label=f"λ̂ = {self.value:.4g} (m = {self.multiplicity})")
            ax.set_xscale("log")
            ax.set_xlabel("t = nβ")
            ax.set_ylabel({"scaling": "E_t[t (K − K*)]", "ladder": "E_t[t (L − L*)]"}.get(dg.method, "β E_β[n L]"))
            if dg.method == "ladder" and not dg.converged:
                ax.text(0.02, 0.02, "health checks failed:\n" + "\n".join(dg.warnings), transform=ax.transAxes,
                        fontsize=7, color="r", va="bottom")
        ax.legend()
        ax.set_title(f"RLCT estimate ({dg.method})")
        fig.tight_layout()
        return fig


# --------------------------------------------------------------------------- checks

def _check_potential(potential: Any, w_star: Any, check_minimum: bool = True) -> tuple[Callable, torch.Tensor, float]:
    if not callable(potential):
        raise TypeError(f"`potential` must be a callable K(w), got {type(potential).__name__}")
    if not isinstance(w_star, torch.Tensor):
        w_star = torch.as_tensor(check_array("w_star", w_star, finite=False))
    elif w_star.is_complex() or not (w_star.is_floating_point() or w_star.dtype in (torch.int32, torch.int64)):
        raise TypeError(f"`w_star` must be a real tensor, got dtype {w_star.dtype}")
    w_star = w_star.detach().to(F64).reshape(-1)
    if w_star.numel() < 1 or not torch.isfinite(w_star).all():
        raise ValueError(f"`w_star` must be a finite vector with at least one component, got {w_star}")
    try:
        with torch.enable_grad():
            w0 = w_star.unsqueeze(0).requires_grad_(True)
            k0 = potential(w0)
    except (RuntimeError, ValueError, IndexError, TypeError) as exc:
        raise ValueError(f"`potential` cannot be evaluated at `w_star` (d = {w_star.numel()}): "
                         f"{type(exc).__name__}: {exc}; check the length of `w_star`") from None
    if not isinstance(k0, torch.Tensor) or k0.shape != (1,):
        raise ValueError("`potential` must be batched over leading dimensions: K(w) for w of shape (1, d) "
                         f"must have shape (1,), got {getattr(k0, 'shape', type(k0).__name__)}")
    k_star = float(k0[0].detach())
    if not math.isfinite(k_star):
        raise ValueError(f"`potential` is not finite at `w_star` (K(w*) = {k_star})")
    if not k0.requires_grad:
        raise ValueError("`potential` does not depend on w through torch operations (no gradient at `w_star`): "
                         "the samplers need K(w) written in torch")
    # w* must be a (local) minimum: probe random directions at two small radii (and wider for a constant K)
    gen = torch.Generator().manual_seed(12345)
    u = torch.randn(32, w_star.numel(), generator=gen, dtype=F64)
    u = u / u.norm(dim=1, keepdim=True)
    scale = 1.0 + float(w_star.abs().max())
    with torch.no_grad():
        probe = torch.cat([potential(w_star + r * scale * u) for r in (1e-3, 1e-2)])
        wide = torch.cat([potential(w_star + r * scale * u) for r in (0.1, 1.0)])
    if not torch.isfinite(probe).any():
        raise ValueError("`potential` is not finite anywhere near `w_star`")
    tol = 1e-9 * (1.0 + abs(k_star))
    if check_minimum and float(probe.nan_to_num(nan=math.inf).min()) < k_star - tol:
        raise ValueError(f"`w_star` is not a minimum of `potential`: K(w* + δ) = "
                         f"{float(probe.nan_to_num(nan=math.inf).min()):.6g} < K(w*) = {k_star:.6g} "
                         "(the learning coefficient is defined at a minimum, K >= K(w*) nearby)")
    both = torch.cat([probe, wide])
    if bool((both[torch.isfinite(both)] == k_star).all()):
        raise ValueError("`potential` is constant near `w_star`: there is no learning coefficient to estimate")
    return potential, w_star, k_star


def _jitter(temps: np.ndarray, gamma: float) -> np.ndarray:
    """Initial spread of the chains about w* per rung: about the width of exp(−tK) for a quartic K."""
    return np.minimum(1.0, np.asarray(temps, dtype=float) ** -0.25) / math.sqrt(1.0 + gamma)


def _ladder(t_min: float, t_max: float, ratio: float) -> np.ndarray:
    n = max(2, int(math.ceil(math.log(t_max / t_min) / math.log(ratio))) + 1)
    return np.geomspace(t_min, t_max, n)


# --------------------------------------------------------------------------- quadrature target

#: Largest ratio of the localized weight exp(−γ x²/2) between neighbouring grid points within
#: one localization width (|x| <= 1/√γ) that :func:`llc_target` accepts.  The trapezoid rule
#: on the geometric grid converges exponentially in the grid ratio: at a weight factor of 1.1
#: (n_grid >= 252 for γ = 1) the toy targets agree with n_grid = 1400 to 1e-10, at 1.26 to 5e-5.
MAX_GRID_FACTOR = 1.1
_GRID_START = 1e-9


def _grid_weight_factor(n_grid: int, gamma: float) -> float:
    """Largest ratio of exp(−γx²/2) between neighbouring points of llc_target's half-axis grid
    that start within one localization width (O(1): the grid is geometric)."""
    R = 8.0 / math.sqrt(gamma) + 1.0
    log_q = math.log(R / _GRID_START) / (n_grid - 1)
    u = 1.0 / math.sqrt(gamma)
    i = min(n_grid - 2, max(0, int(math.floor(math.log(u / _GRID_START) / log_q))))
    lo = _GRID_START * math.exp(i * log_q)
    hi = min(R, _GRID_START * math.exp((i + 1) * log_q))
    s = math.sqrt(gamma)
    return math.exp(min(700.0, 0.5 * ((s * hi) ** 2 - (s * lo) ** 2)))


def _min_grid(gamma: float) -> int:
    """Smallest n_grid whose weight factor is at most MAX_GRID_FACTOR (bisection; the factor falls with n)."""
    lo, hi = 2, 4
    while _grid_weight_factor(hi, gamma) > MAX_GRID_FACTOR:
        lo, hi = hi, 2 * hi
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if _grid_weight_factor(mid, gamma) <= MAX_GRID_FACTOR else (mid, hi)
    return hi


def llc_target(potential: Callable, w_star: Any, t: float, *, localization: float = 1.0,
               prior: Callable | None = None, n_grid: int = 700) -> float:
    """Exact t·E_t[K − K*] under exp(−tK − (γ/2)|w − w*|²) φ(w) by quadrature, for d <= 2.

    The grid is geometric in |w_j − w*_j| (from 1e-9 to 8/√γ + 1), so the narrow
    directions of a singular K are resolved; the trapezoid rule on that grid converges
    exponentially in the grid ratio (see ``MAX_GRID_FACTOR``): at the default it is exact
    to about 1e-10 relative for the toy potentials.

    Parameters
    ----------
    potential : callable
        Batched torch ``K(w)``: ``w`` of shape (N, d) gives shape (N,).
    w_star : array_like
        The centre: a finite vector of d = 1 or 2 components, the length `potential` takes.
    t : float
        The temperature nβ > 0.
    localization : float, default 1.0
        γ > 0.
    prior : callable, optional
        Batched log prior: ``w`` of shape (N, d) gives an array of shape (N,), finite at
        `w_star` (``-inf`` allowed elsewhere, e.g. outside a support).
    n_grid : int, default 700
        Points per half-axis: (2 n_grid + 1)^d points in all.  It must resolve the
        localization: neighbouring points within one width 1/√γ may differ by at most a
        factor ``MAX_GRID_FACTOR`` = 1.1 in the weight exp(−γ x²/2) (n_grid >= 252 at γ = 1,
        389 at γ = 1e-12).

    Returns
    -------
    float

    Raises
    ------
    ValueError
        Bad `w_star` (not finite, not the length `potential` takes, d > 2), `t`,
        `localization`, a `prior` not finite at `w_star` or of the wrong shape, an `n_grid`
        too coarse for the localization (the message gives the smallest that passes) or
        too large for memory.
    TypeError
        A `potential` or `prior` that is not callable, an `n_grid` that is not an integer.

    Examples
    --------
    >>> import torch
    >>> K = lambda w: 0.5 * (w ** 2).sum(-1)
    >>> round(llc_target(K, [0.0, 0.0], 100.0, localization=1e-9), 4)  # regular: d/2
    1.0
    >>> llc_target(K, [0.0], 100.0, n_grid=50)
    Traceback (most recent call last):
    ...
    ValueError: `n_grid` = 50 is too coarse for `localization` = 1: neighbouring grid points within one localization width differ by a factor 1.79 in the localized weight exp(-gamma x^2/2) (at most 1.1); use n_grid >= 252 or a larger `localization`
    """
    n_grid = check_int("n_grid", n_grid, low=2)
    t = check_positive("t", t)
    gamma = check_positive("localization", localization)
    if gamma > 1e16:
        raise ValueError(f"`localization` must be <= 1e16 for quadrature (its width 1/sqrt(gamma) must exceed the "
                         f"grid's first point {_GRID_START:g}), got {gamma:g}")
    check_callable("prior", prior, optional=True)
    if not isinstance(w_star, torch.Tensor):
        w_star = check_array("w_star", w_star, ndim=(0, 1), min_size=1)
    d = int(w_star.numel() if isinstance(w_star, torch.Tensor) else w_star.size)
    if d > 2:
        raise ValueError(f"`w_star` must have d <= 2 components for quadrature, got d = {d}")
    # the working set: the mesh, the offsets and the points (d arrays each), K, log f, f, f K, and copies
    n_points = float(2 * n_grid + 1) ** d
    check_memory(f"llc_target(n_grid={n_grid}) on a grid of (2 n_grid + 1)^{d} = {n_points:.3g} points",
                 8 * n_points * (3 * d + 8))
    factor = _grid_weight_factor(n_grid, gamma)
    if factor > MAX_GRID_FACTOR:
        raise ValueError(f"`n_grid` = {n_grid} is too coarse for `localization` = {gamma:g}: neighbouring grid "
                         f"points within one localization width differ by a factor {factor:.3g} in the localized "
                         f"weight exp(-gamma x^2/2) (at most {MAX_GRID_FACTOR:g}); use n_grid >= {_min_grid(gamma)} "
                         "or a larger `localization`")
    potential, w_star, k_star = _check_potential(potential, w_star)
    if prior is not None:
        _check_log_prior(prior, w_star)
    R = 8.0 / math.sqrt(gamma) + 1.0
    pos = np.geomspace(_GRID_START, R, n_grid)
    x = torch.as_tensor(np.concatenate([-pos[::-1], [0.0], pos]), dtype=F64)
    mesh = torch.meshgrid(*([x] * d), indexing="ij")
    dw = torch.stack(mesh, dim=-1)
    w = w_star + dw
    with torch.no_grad():
        k = potential(w.reshape(-1, d)).reshape(w.shape[:-1]) - k_star
        logf = -t * k - 0.5 * gamma * (dw ** 2).sum(-1)
        if prior is not None:
            lp = prior(w.reshape(-1, d))
            if not isinstance(lp, torch.Tensor) or lp.shape != (w.reshape(-1, d).shape[0],):
                raise ValueError(f"`prior` must return one log density per point: shape "
                                 f"({w.reshape(-1, d).shape[0]},) for w of shape {tuple(w.reshape(-1, d).shape)}, "
                                 f"got {getattr(lp, 'shape', type(lp).__name__)}")
            logf = logf + lp.to(F64).reshape(w.shape[:-1])
    logf = logf.numpy()
    finite = np.isfinite(logf)
    if not finite.any():
        raise ValueError(f"the integrand exp(-tK - gamma|w - w*|^2/2) phi(w) is not finite anywhere on the grid "
                         f"(t = {t:g}): check `potential` and `prior`")
    f = np.exp(logf - np.max(logf[finite]))
    f[~np.isfinite(f)] = 0.0
    kk = np.where(f > 0, k.numpy(), 0.0)
    xs = x.numpy()
    z, e = f, f * kk
    for _ in range(d):
        z = np.trapezoid(z, xs, axis=-1)
        e = np.trapezoid(e, xs, axis=-1)
    return float(t * e / z)


def _check_log_prior(prior: Callable, w_star: torch.Tensor) -> None:
    """A batched log prior with shape (1,) at `w_star` (shape (1, d)): finite, or −∞ where the prior
    vanishes (Watanabe's priors |w|^h of the normal crossings vanish at w* = 0); NaN and +∞ are refused."""
    try:
        with torch.no_grad():
            lp0 = prior(w_star.unsqueeze(0))
    except (RuntimeError, ValueError, IndexError, TypeError) as exc:
        raise ValueError(f"`prior` cannot be evaluated at `w_star`: {type(exc).__name__}: {exc}") from None
    if (not isinstance(lp0, torch.Tensor) or lp0.shape != (1,) or bool(torch.isnan(lp0).any())
            or bool((lp0 == math.inf).any())):
        raise ValueError(f"`prior` must return a log density of shape (1,) at `w_star` (shape (1, d)), finite or "
                         f"-inf where the prior vanishes (not NaN or +inf), got {lp0!r:.80}")


# --------------------------------------------------------------------------- the fits

def _g_model(m: int, ell_top: float) -> Callable:
    if m == 1:
        def f(ell, lam, a, delta):
            return lam + a * np.exp(-delta * (ell - ell_top))
    else:
        def f(ell, lam, c):
            return lam - (m - 1) / (ell + c)
    return f


def _fit_g(ell: np.ndarray, g: np.ndarray, se: np.ndarray, m: int, beta: np.ndarray | None = None,
           *, return_chi2: bool = False) -> float | tuple[float, float]:
    """Fit g(ℓ) (or, with `beta`, z = Aβ + g(ℓ)) and return λ̂ (and the weighted χ² of the fit)."""
    ell_top = float(ell.max())
    base = _g_model(m, ell_top)
    if m == 1:
        p0, lo, hi = [g[-1], 0.0, 0.5], [0.0, -50.0, 0.1], [np.inf, 50.0, 3.0]
    else:
        c0 = max(2.0, -ell.min() + 1.0)
        p0, lo, hi = [g[-1] + (m - 1) / (ell_top + c0), c0], [0.0, -ell.min() + 0.3], [np.inf, 1e3]
    if beta is not None:
        def f(x, A, *p):
            return A * beta[x.astype(int)] + base(ell[x.astype(int)], *p)
        xdata = np.arange(len(ell), dtype=float)
        p0, lo, hi = [0.0] + p0, [-np.inf] + lo, [np.inf] + hi
    else:
        f, xdata = base, ell
    p0 = [min(max(v, a + 1e-9), b - 1e-9) if np.isfinite(a) or np.isfinite(b) else v
          for v, a, b in zip(p0, lo, hi)]
    sig = np.maximum(se, 1e-12)
    # the m = 1 form is fitted from several starting exponents δ (its χ² surface has local minima,
    # and with the offset Aβ, β spanning many decades, a single start can stall); parameters are
    # scaled by the Jacobian for the same reason; the start with the smallest χ² is kept
    starts = [p0]
    if m == 1:
        starts = [p0[:-1] + [d0] for d0 in (0.15, 0.5, 1.5)]
    best, last_exc = None, None
    for start in starts:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                p, _ = curve_fit(f, xdata, g, p0=start, sigma=sig, absolute_sigma=True,
                                 bounds=(lo, hi), maxfev=20000, x_scale="jac")
        except (RuntimeError, ValueError) as exc:
            last_exc = exc
            continue
        chi2 = float(np.sum(((f(xdata, *p) - g) / sig) ** 2))
        if np.isfinite(chi2) and (best is None or chi2 < best[1]):
            best = (p, chi2)
    if best is None:
        raise RuntimeError(f"the fit of g(t) with m = {m} failed: {last_exc}")
    p, chi2 = best
    lam = float(p[1] if beta is not None else p[0])
    return (lam, chi2) if return_chi2 else lam


FACE_RESOLUTION = 3


def _face_threshold(ell_top: float, k_max: int = FACE_RESOLUTION) -> float:
    """Default growth threshold of the multiplicity detector: half the smallest face spread it resolves.

    For K = Π w_j^(2k_j) with m = 2 (two exponents k tied at the minimum), the posterior of
    (log|w_1|, log|w_2|) is spread uniformly along the face {k_1 a + k_2 b = −ℓ/2, a, b <= 0}, a
    segment of length ℓ√2/(2k) when k_1 = k_2 = k, so its variance is ℓ²/(24k²); over the upper
    two thirds of the ladder (ℓ from ℓ_top/3 to ℓ_top) it grows by (8/9)ℓ_top²/(24k²) = ℓ_top²/(27k²).
    Half of that at k = k_max = 3 (faces of polynomials up to degree 6) is ℓ_top²/486.  Growths below it
    are the slow drifts of saturated O(1) spreads (and Monte Carlo noise), not faces; higher-degree
    faces can be missed, so pass ``multiplicity=`` when m is known.

    Examples
    --------
    >>> round(_face_threshold(27.6), 3)
    1.567
    """
    return ell_top ** 2 / (54.0 * k_max ** 2)


def _detect_multiplicity(ell: np.ndarray, log_cov: np.ndarray, threshold: float,
                         growth: float) -> tuple[int, np.ndarray]:
    """m − 1 = the number of directions whose log-scale spread keeps growing with ln t.

    ``log_cov[i]`` is Cov(log|w − w*|) at rung ``i`` (ln t = ``ell[i]``).  Along a direction of an
    (m − 1)-dimensional family of scalings (a face of the Newton polyhedron, a normal crossing
    of m divisors) the posterior of log|w − w*| is spread uniformly over an interval of length
    ∝ ln t, so its variance grows like (ln t)² and its slope in ln t increases; for m = 1 the
    spread saturates and the slope falls to zero.  A direction (eigenvector of the growth of
    the covariance over the upper two thirds of the ladder) counts when it grows by more than
    `threshold` and its slope over the last third is at least `growth` times the slope over
    the middle third (least-squares slopes over all rungs in each third), or when it grows by
    more than (ln t_max)²/80 (a log-uniform spread over ln t / 2 grows by about (ln t)²/54 over
    the upper two thirds of the ladder).
    """
    span = ell[-1] - ell[0]
    mid = (ell >= ell[0] + span / 3) & (ell <= ell[0] + 2 * span / 3)
    top = ell >= ell[0] + 2 * span / 3
    i1 = int(np.argmax(mid))
    diff = log_cov[-1] - log_cov[i1]
    ev, vec = np.linalg.eigh(0.5 * (diff + diff.T))
    order = np.argsort(ev)[::-1]
    ev, vec = ev[order], vec[:, order]
    count = 0
    for lam_i, v in zip(ev, vec.T):
        series = np.einsum("i,tij,j->t", v, log_cov, v)
        s1 = np.polyfit(ell[mid], series[mid], 1)[0] if mid.sum() >= 2 else 0.0
        s2 = np.polyfit(ell[top], series[top], 1)[0] if top.sum() >= 2 else 0.0
        strong = lam_i > ell[-1] ** 2 / 80   # far beyond a saturating O(1) spread of a log coordinate
        if strong or (lam_i > threshold and s2 > 0 and s2 >= growth * max(s1, 0.0)):
            count += 1
    return 1 + count, ev


def _choose_multiplicity(m_spread: int, chi2: dict[int, float]) -> int:
    """Combine the sample-geometry detector with the fits of the curve g(t) itself.

    The two pieces of evidence fail in opposite ways, so each decides what it can:

    * m = 1 against m >= 2 is decided by the spread detector (``m_spread``).  The curve alone
      cannot do it over a finite range of t: the m = 1 form λ + a t^(−δ) with a small δ
      imitates a (m − 1)/ln t tail (its χ² is often the lowest even when m >= 2, with δ at its
      lower bound), so an AIC/BIC choice between the two families is not reliable here.
    * Among m >= 2 the forms λ − (m − 1)/(ln t + c) all have two parameters, so the one with
      the smallest weighted χ² (the likelihood-ratio choice at equal dimension) is taken.  The
      spread detector over-counts on models whose zero set is a variety of positive dimension
      (reduced-rank and deep-linear regressions: many log-coordinates spread without being
      independent scalings), so its count is used only to say "m >= 2".

    Parameters
    ----------
    m_spread : int
        The detector's multiplicity.
    chi2 : dict
        Weighted χ² of the fit for each candidate m (``inf`` where the fit failed).

    Returns
    -------
    int

    Examples
    --------
    >>> _choose_multiplicity(1, {1: 30.0, 2: 20.0})
    1
    >>> _choose_multiplicity(4, {1: 15.0, 2: 35.0, 3: 45.0, 4: 50.0})
    2
    """
    if m_spread <= 1:
        return 1
    multi = {k: v for k, v in chi2.items() if k >= 2 and math.isfinite(v)}
    if not multi:
        return m_spread
    return min(multi, key=lambda k: (multi[k], k))


# --------------------------------------------------------------------------- entry points

def estimate_rlct(potential: Callable[[torch.Tensor], torch.Tensor], w_star: Any, *, method: str = "scaling",
                  prior: Callable[[torch.Tensor], torch.Tensor] | None = None, seed: Any = None,
                  progress: bool = True, **options: Any) -> RLCTEstimate:
    """Estimate the learning coefficient λ of a potential K at w*.

    Parameters
    ----------
    potential : callable
        ``K(w)``: a torch function batched over leading dimensions (``(..., d) -> (...)``),
        the population loss of a toy model; ``K(w*)`` is subtracted, ``K >= K(w*)`` near w*.
    w_star : tensor or array_like
        The true parameter, shape ``(d,)``.
    method : {"scaling", "multitemp", "llc"}, default "scaling"
        See the module docstring.
    prior : callable, optional
        Batched log prior density log φ(w) (default flat); the Gaussian localization
        (γ/2)|w − w*|² is always applied on top of it.
    seed : int, numpy or torch Generator, optional
    progress : bool, default True
    **options
        Common: ``localization`` (γ, default 1.0), ``n_chains`` (8), ``check_minimum`` (True:
        refuse a ``w_star`` that is not a local minimum of K; False when K is an empirical loss
        and ``w_star`` a teacher parameter, which need not minimise the sample's loss).
        ``llc``: ``n`` (1000), ``beta`` (1/ln n), ``n_steps`` (5000), ``burn`` (1000),
        ``sampler`` ("tempered": replica-exchange MALA on rungs t = 1 ... nβ, the estimate read
        at the top rung; "sgld" or "mala": :func:`bayes.sgld` at nβ alone, as Lau et al.),
        ``step_size`` (sgld/mala; None: tuned by a short MALA pilot, a hundredth of it for SGLD,
        whose unadjusted steps are unstable on non-Lipschitz potentials otherwise),
        ``exact_target`` (True: quadrature when d <= 2).
        Ladder methods: ``t_min`` (1), ``t_max`` (1e12 for d <= 3, 1e8 otherwise),
        ``ratio`` (2, between rungs), ``n_steps`` (18000; 20000 for d > 3), ``burn`` (4500; 6000), ``fit_min``
        (smallest t used in the fit, 100), ``multiplicity`` (None: detected),
        ``spread_threshold`` (None: (ln t_max)²/486, half the growth of the smallest face the
        detector is meant to resolve, see ``_face_threshold``) and
        ``spread_growth`` (1.0) for the detector, ``n`` (1000, multitemp only).

    Returns
    -------
    RLCTEstimate

    Raises
    ------
    ValueError, TypeError
        Bad input, before any sampling.
    slt.errors.EstimatorDivergenceError
        The sampler produced non-finite values (chain and step named, partial trace kept).

    Examples
    --------
    >>> import torch
    >>> K = lambda w: (w[..., 0] ** 2) * (w[..., 1] ** 4)   # λ = 1/4, m = 1
    >>> est = estimate_rlct(K, torch.zeros(2, dtype=torch.float64), method="scaling", seed=0,
    ...                     progress=False, n_steps=600, burn=200, t_max=1e7, multiplicity=1)
    >>> 0.2 < est.value < 0.3
    True
    """
    t0 = time.perf_counter()
    method = check_choice("method", method, METHODS)
    progress = check_bool("progress", progress)
    potential, w_star, k_star = _check_potential(potential, w_star,
                                                 bool(options.pop("check_minimum", True)))
    if prior is not None and not callable(prior):
        raise TypeError(f"`prior` must be a callable log density or None, got {type(prior).__name__}")
    if prior is not None:
        _check_log_prior(prior, w_star)
    gamma = check_positive("localization", options.pop("localization", 1.0), allow_zero=prior is not None)
    n_chains = check_int("n_chains", options.pop("n_chains", 8), low=2)
    gen = as_torch_generator(seed)
    if method == "llc":
        res = _llc_potential(potential, w_star, k_star, prior, gamma, n_chains, gen, progress, options)
    else:
        res = _ladder_estimate(potential, w_star, k_star, prior, gamma, n_chains, gen, progress, method,
                               options)
    return res._replace(diagnostics=res.diagnostics._replace(seconds=time.perf_counter() - t0))


def _pop_common_steps(options: dict, n_steps: int, burn: int) -> tuple[int, int]:
    default_steps = n_steps
    n_steps = check_int("n_steps", options.pop("n_steps", n_steps), low=2)
    # without an explicit burn-in, the default fraction of the chain
    burn = check_int("burn", options.pop("burn", burn * n_steps // default_steps), low=0, high=n_steps - 1)
    return n_steps, burn


def _no_more(options: dict) -> None:
    if options:
        raise TypeError(f"unexpected option(s) {sorted(options)}")


def _llc_potential(potential, w_star, k_star, prior, gamma, n_chains, gen, progress, options) -> RLCTEstimate:
    from bayes import sgld

    n = check_real("n", options.pop("n", 1000), low=2.0)
    beta = check_positive("beta", options.pop("beta", 1.0 / math.log(n)))
    n_steps, burn = _pop_common_steps(options, 5000, 1000)
    sampler = check_choice("sampler", options.pop("sampler", "tempered"), ("tempered", "sgld", "mala"))
    step_size = options.pop("step_size", None)
    if step_size is not None:
        step_size = check_positive("step_size", step_size)
        if sampler == "tempered":
            raise ValueError("`step_size` applies to sampler='sgld' or 'mala'; the default sampler ('tempered') "
                             "adapts its own step sizes")
    want_exact = bool(options.pop("exact_target", True))
    _no_more(options)
    t = n * beta
    if sampler == "tempered":
        temps = _ladder(min(1.0, t / 2), t, 2.0)
        run = run_ladder(potential, w_star, temps, n_chains=n_chains, n_steps=n_steps, burn=burn,
                         localization=gamma, log_prior=prior, gen=gen, init_jitter=_jitter(temps, gamma),
                         progress=progress, desc="llc")
        trace = t * (run.energy[-1] - k_star)
        step_used, acc = np.full(n_chains, run.step_size[-1]), np.full(n_chains, run.acceptance[-1])
    else:
        if step_size is None:
            pilot = run_ladder(potential, w_star, np.array([t]), n_chains=n_chains, n_steps=600, burn=500,
                               localization=gamma, log_prior=prior, gen=gen, swap=False, init_jitter=1e-3)
            step_size = float(pilot.step_size[0]) * (0.01 if sampler == "sgld" else 1.0)
        step_size = check_positive("step_size", step_size)
        init = w_star + 1e-3 * torch.randn((n_chains, w_star.numel()), generator=gen, dtype=F64) \
            if prior is not None else w_star
        try:
            res = sgld(potential, init, None, n_chains=n_chains, n_steps=n_steps, step_size=step_size,
                       beta=beta, n=n, localization=gamma, center=w_star, log_prior=prior,
                       mala=sampler == "mala", burn=burn, vectorized=True, seed=gen, progress=progress)
        except FloatingPointError as exc:  # SamplerDivergenceError
            raise EstimatorDivergenceError(f"llc: {exc}", chain=getattr(exc, "chain", None),
                                           step=getattr(exc, "step", None),
                                           partial=getattr(exc, "partial", None)) from exc
        trace = (t * (res.loss - k_star)).numpy()
        step_used = res.step_size.numpy()
        acc = res.acceptance.numpy() if res.acceptance is not None else np.full(n_chains, np.nan)
    per_chain = trace.mean(axis=1)
    value = float(per_chain.mean())
    stderr = float(per_chain.std(ddof=1) / math.sqrt(n_chains))
    exact = None
    if want_exact and w_star.numel() <= 2 and gamma > 0:
        exact = llc_target(potential, w_star, t, localization=gamma, prior=prior)
    diag = RLCTDiagnostics("llc", np.array([t]), np.array([value]), np.array([stderr]),
                           step_used, acc, None, exact,
                           f"λ̂ = nβ(E[K] − K*) at nβ = {t:.4g} ({sampler})", (), None, 0.0, n, beta)
    return RLCTEstimate(value, stderr, None, per_chain, trace, diag)


def _ladder_estimate(potential, w_star, k_star, prior, gamma, n_chains, gen, progress, method,
                     options) -> RLCTEstimate:
    d = w_star.numel()
    t_min = check_positive("t_min", options.pop("t_min", 1.0))
    t_max = check_real("t_max", options.pop("t_max", 1e12 if d <= 3 else 1e8), low=t_min * 4)
    ratio = check_real("ratio", options.pop("ratio", 2.0), low=1.05)
    n_steps, burn = _pop_common_steps(options, 18000 if d <= 3 else 20000, 4500 if d <= 3 else 6000)
    fit_min = check_positive("fit_min", options.pop("fit_min", 100.0))
    m_opt = options.pop("multiplicity", None)
    if m_opt is not None:
        m_opt = check_int("multiplicity", m_opt, low=1, high=d)
    thr = options.pop("spread_threshold", None)
    if thr is not None:
        thr = check_positive("spread_threshold", thr)
    growth = check_positive("spread_growth", options.pop("spread_growth", 1.0))
    n = check_real("n", options.pop("n", 1000), low=2.0)
    n_blocks = check_int("n_blocks", options.pop("n_blocks", 4), low=2)
    _no_more(options)
    n_rungs = int(math.ceil(math.log(t_max / t_min) / math.log(ratio))) + 1
    if n_rungs > 400:
        raise ValueError(f"`t_max` = {t_max:g}, `t_min` = {t_min:g} and `ratio` = {ratio:g} make {n_rungs} rungs "
                         "(at most 400): raise `ratio` or narrow [t_min, t_max]")
    temps = _ladder(t_min, t_max, ratio)
    ell = np.log(temps)
    if thr is None:
        thr = _face_threshold(float(ell[-1]))
    run = run_ladder(potential, w_star, temps, n_chains=n_chains, n_steps=n_steps, burn=burn,
                     localization=gamma, log_prior=prior, gen=gen, track=tuple(range(len(temps))),
                     init_jitter=_jitter(temps, gamma),
                     progress=progress, desc=method)
    energy = run.energy - k_star                          # (T, C, S)
    S = energy.shape[2]
    blocks = np.array_split(np.arange(S), n_blocks)
    bm = np.stack([energy[:, :, b].mean(-1) for b in blocks], axis=-1)  # (T, C, B)
    if method == "scaling":
        y = temps[:, None, None] * bm                      # g(t) per block
        beta_fit = None
    else:
        betas = temps / n
        y = betas[:, None, None] * (n * (bm + k_star))      # β E_β[nL] (offset n L* unknown to the fit)
        beta_fit = betas
    curve = y.mean(axis=(1, 2))
    se = y.reshape(len(temps), -1).std(axis=1, ddof=1) / math.sqrt(y[0].size)
    sel = temps >= fit_min
    if sel.sum() < 4:
        raise ValueError(f"`fit_min` = {fit_min} leaves fewer than 4 rungs in [{t_min}, {t_max}]")
    def fit(values, errs, mm, chi2=False):
        bsel = beta_fit[sel] if beta_fit is not None else None
        return _fit_g(ell[sel], values[sel], errs[sel], mm, bsel, return_chi2=chi2)

    if m_opt is None:
        m_spread, spread = _detect_multiplicity(ell, run.log_cov, thr, growth)
        m_spread = min(m_spread, d)
    else:
        m_spread, spread = m_opt, None
    # every candidate multiplicity is fitted; m >= 2 are compared by their weighted χ² (the same number
    # of parameters, so this is a likelihood-ratio choice), see _choose_multiplicity
    top_m = d if (m_opt is None and m_spread >= 2) else min(d, max(m_spread + 1, 3))
    fits = {}
    for mm in range(1, top_m + 1):
        try:
            fits[mm] = fit(curve, se, mm, chi2=True)
        except (RuntimeError, ValueError):
            fits[mm] = (float("nan"), float("inf"))
    m = m_opt if m_opt is not None else _choose_multiplicity(m_spread, {k: v[1] for k, v in fits.items()})
    cands = tuple((mm, v[0]) for mm, v in fits.items())
    value = fits[m][0]
    # jackknife over chains
    per_chain = []
    for c in range(n_chains):
        keep = [i for i in range(n_chains) if i != c]
        yc = y[:, keep]
        cc = yc.mean(axis=(1, 2))
        sc = yc.reshape(len(temps), -1).std(axis=1, ddof=1) / math.sqrt(yc[0].size)
        try:
            per_chain.append(fit(cc, sc, m))
        except (RuntimeError, ValueError):
            per_chain.append(float("nan"))
    per_chain = np.asarray(per_chain)
    ok = per_chain[np.isfinite(per_chain)]
    stderr = float(math.sqrt((len(ok) - 1) / len(ok) * np.sum((ok - ok.mean()) ** 2))) if len(ok) > 1 else float("nan")
    if not math.isfinite(value):
        raise EstimatorDivergenceError(f"{method}: the fit of g(t) with m = {m} failed", partial=curve)
    form = "λ + a t^(−δ)" if m == 1 else f"λ − {m - 1}/(ln t + c)"
    if method == "multitemp":
        form = f"β E_β[nL] = nL*·β + [{form}] at t = nβ"
    diag = RLCTDiagnostics(method, temps, curve, se, run.step_size, run.acceptance, run.swap_rate, None,
                           f"{form}, fitted on t in [{temps[sel][0]:.3g}, {temps[-1]:.3g}]", tuple(cands),
                           spread, 0.0, n if method == "multitemp" else None, None)
    return RLCTEstimate(value, stderr, m, per_chain, bm.mean(-1) * temps[:, None], diag)


def _check_loss_at(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, loss_fn: Callable,
                   w_star: torch.Tensor) -> float:
    """``loss_fn(model(x), y)`` at ``w*``: a finite scalar, or a ValueError saying what does not fit."""
    from torch.func import functional_call

    params, i = {}, 0
    for nm, p in model.named_parameters():
        params[nm] = w_star[i:i + p.numel()].reshape(p.shape)
        i += p.numel()
    try:
        with torch.no_grad():
            val = loss_fn(functional_call(model, params, (x,)), y)
    except (RuntimeError, ValueError, TypeError, IndexError) as exc:
        raise ValueError(f"`data` does not fit `model` and `loss_fn`: evaluating loss_fn(model(x), y) at w* "
                         f"failed with {type(exc).__name__}: {exc}") from exc
    if not isinstance(val, torch.Tensor) or val.numel() != 1 or not bool(torch.isfinite(val).all()):
        raise ValueError("`loss_fn` must return a finite scalar (the mean loss) at w*, got "
                         f"{getattr(val, 'shape', type(val).__name__)}")
    return float(val)


def estimate_rlct_model(model: torch.nn.Module, data: Any, loss_fn: Callable, w_star: Any = None, *, n: int,
                        method: str = "ladder", seed: Any = None, progress: bool = True,
                        **options: Any) -> RLCTEstimate:
    """Estimate the (local) learning coefficient λ of a torch model at w* from data.

    Parameters
    ----------
    model : torch.nn.Module
        The model; its parameters are flattened into one vector w (in ``named_parameters``
        order).  Samples follow its device and dtype.
    data : tuple of tensors
        ``(x, y)`` (inputs and targets), leading dimension the number of points.
    loss_fn : callable
        ``loss_fn(model_output, y) -> scalar`` mean loss (e.g. ``torch.nn.functional.mse_loss``,
        ``torch.nn.functional.cross_entropy`` or a negative log likelihood).
    w_star : tensor or None
        The flat parameter vector to localize at (default: the model's current parameters).
    n : int
        The sample size that scales the loss (>= 2); the temperatures are t = nβ.
    method : {"ladder", "llc", "multitemp", "scaling"}, default "ladder"
        ``ladder`` (:mod:`slt.ladder`): g(t) = t E_t[L_n − L_n(w*)] measured on a ladder of
        temperatures t = nβ (β up to ``beta_max``, see below) by samplers that equilibrate
        (layer-wise Kronecker–Gauss–Newton Metropolis-within-Gibbs for MLPs, preconditioned
        MALA otherwise), with a weak localization in each tensor's own scale, and fitted
        with Watanabe's free-energy form; warns when its health checks fail.
        ``llc``: the local learning coefficient of Lau et al. (2023) as published: localized
        SGLD (mini-batches, ``batch_size`` option, default 100) at β = 1/ln n,
        λ̂ = nβ(E[L_n] − L_n(w*)), the finite-temperature quantity, which sits below λ by about
        (m − 1)/ln(nβ) plus finite-size terms (and by more with a strong localization).
        ``multitemp``: the full-batch empirical loss on a β ladder, fitted with a free
        offset (see :func:`estimate_rlct`).  ``scaling``: needs ``population_loss=K``.
    seed : int, numpy or torch Generator, optional
    progress : bool, default True
    **options
        ``ladder``: ``beta_max`` ("auto": 1 for a negative log-likelihood such as the
        cross-entropy; for the mean squared error over N outputs N/(2σ̂²), the Bayes posterior
        of the Gaussian model with the residual variance σ̂² at w*, see
        :func:`slt.ladder.auto_beta_max`; capped so that nβ_max <= 1e10, 1e6 in float32), ``n_temps`` (5), ``span`` (100: t from nβ_max/span
        to nβ_max; for an MLP with a nonlinear layer from nβ_max to span·nβ_max), ``temps`` (explicit ladder), ``localization`` (γ = 1e-3, in units of
        each parameter tensor's mean square at w*), ``n_chains`` (4), ``n_sweeps`` (600 Gibbs
        sweeps, 300 above 20 000 parameters; 6000 with a nonlinear layer; 4000 MALA steps), ``burn`` (a quarter; half with a nonlinear layer), ``multiplicity`` (None: chosen by
        the fit), ``engine`` ("auto", "kgibbs", "pmala"), ``n_blocks`` (4, for standard
        errors), ``quiet`` (False: warn when a health check fails).
        ``llc``/``multitemp``/``scaling``: as for :func:`estimate_rlct`, plus ``batch_size``
        (llc), ``step_size`` (llc, 1e-4), ``localization`` (γ in raw units, 100) and
        ``population_loss``.

    Returns
    -------
    RLCTEstimate

    Raises
    ------
    ValueError, TypeError
        Bad input (``n < 2``, mismatched data, unknown options), or ``scaling`` without
        ``population_loss``.
    slt.errors.EstimatorDivergenceError
        A non-finite loss during sampling (chain and step named, partial trace kept).

    Warns
    -----
    slt.ladder.RLCTConvergenceWarning
        ``ladder``: a health check failed (R-hat, drift, acceptance, damping, extrapolation).

    Examples
    --------
    >>> from slt.models import deep_linear_network
    >>> net = deep_linear_network([3, 2, 3], 1, n=500, seed=0)       # λ = 7/2, m = 2
    >>> est = estimate_rlct_model(net.model, net.data, net.loss_fn, n=net.n, seed=0, progress=False,
    ...                           n_sweeps=300)
    >>> abs(est.value / 3.5 - 1) < 0.1, est.diagnostics.engine
    (True, 'kgibbs')
    """
    from torch.func import functional_call, vmap

    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"`model` must be a torch.nn.Module, got {type(model).__name__}")
    params_list = list(model.parameters())
    if not params_list:
        raise ValueError("`model` has no parameters")
    n = check_int("n", n, low=2)
    method = check_choice("method", method, MODEL_METHODS)
    if not callable(loss_fn):
        raise TypeError(f"`loss_fn` must be callable, got {type(loss_fn).__name__}")
    if not isinstance(data, (tuple, list)) or len(data) != 2:
        raise ValueError(f"`data` must be a tuple (x, y) of tensors, got {type(data).__name__}")
    dtype = params_list[0].dtype
    device = params_list[0].device
    try:
        x, y = (torch.as_tensor(v, device=device) for v in data)
    except (TypeError, ValueError, RuntimeError) as exc:
        raise TypeError(f"`data` must hold two tensors or arrays, got {type(data[0]).__name__} and "
                        f"{type(data[1]).__name__}") from exc
    if x.ndim == 0 or y.ndim == 0 or x.shape[0] != y.shape[0]:
        raise ValueError(f"`data` x and y must have the same number of points, got shapes {tuple(x.shape)} and "
                         f"{tuple(y.shape)}")
    if x.is_floating_point():
        x = x.to(dtype)
    if y.is_floating_point():
        y = y.to(dtype)
    sizes = [p.numel() for p in params_list]
    if w_star is None:
        w_star = torch.cat([p.detach().reshape(-1) for p in params_list])
    w_star = torch.as_tensor(w_star).detach().to(dtype=dtype, device=device).reshape(-1)
    if w_star.numel() != sum(sizes):
        raise ValueError(f"`w_star` must have {sum(sizes)} entries (the model's parameters), got {w_star.numel()}")
    if not torch.isfinite(w_star).all():
        raise ValueError("`w_star` must be finite (no NaN or inf)")
    l_star = _check_loss_at(model, x, y, loss_fn, w_star)
    if method == "ladder":
        from slt.ladder import estimate_ladder

        return estimate_ladder(model, x, y, loss_fn, w_star, n=n, l_star=l_star,
                               gen=as_torch_generator(seed, device=device), progress=progress, options=dict(options))
    names = [k for k, _ in model.named_parameters()]
    shapes = [p.shape for _, p in model.named_parameters()]

    def unflat(w):
        out, i = {}, 0
        for nm, sh, sz in zip(names, shapes, sizes):
            out[nm] = w[i:i + sz].reshape(sh)
            i += sz
        return out

    def loss_one(w, xb, yb):
        return loss_fn(functional_call(model, unflat(w), (xb,)), yb)

    gen = as_torch_generator(seed)
    gamma = check_positive("localization", options.pop("localization", 100.0))
    n_chains = check_int("n_chains", options.pop("n_chains", 8), low=2)
    t0 = time.perf_counter()
    if method == "llc":
        from bayes import sgld

        beta = check_positive("beta", options.pop("beta", 1.0 / math.log(n)))
        n_steps, burn = _pop_common_steps(options, 2000, 500)
        batch_size = check_int("batch_size", options.pop("batch_size", min(100, x.shape[0])), low=1,
                               high=x.shape[0])
        step_size = check_positive("step_size", options.pop("step_size", 1e-4))
        sampler = check_choice("sampler", options.pop("sampler", "sgld"), ("sgld", "mala"))
        _no_more(options)
        with torch.no_grad():
            l_star = float(loss_one(w_star, x, y))
        try:
            res = sgld(loss_one, w_star, (x, y), n_chains=n_chains, n_steps=n_steps, step_size=step_size,
                       beta=beta, n=n, localization=gamma, batch_size=None if sampler == "mala" else batch_size,
                       mala=sampler == "mala", burn=burn, record="full" if sampler == "mala" else "batch",
                       seed=gen, progress=progress)
        except FloatingPointError as exc:
            raise EstimatorDivergenceError(f"llc: {exc}", chain=getattr(exc, "chain", None),
                                           step=getattr(exc, "step", None),
                                           partial=getattr(exc, "partial", None)) from exc
        trace = (n * beta * (res.loss - l_star)).numpy()
        per_chain = trace.mean(axis=1)
        value = float(per_chain.mean())
        stderr = float(per_chain.std(ddof=1) / math.sqrt(n_chains))
        acc = res.acceptance.numpy() if res.acceptance is not None else np.full(n_chains, np.nan)
        diag = RLCTDiagnostics("llc", np.array([n * beta]), np.array([value]), np.array([stderr]),
                               res.step_size.numpy(), acc, None, None,
                               f"λ̂ = nβ(E[L_n] − L_n(w*)) at nβ = {n * beta:.4g} ({sampler})", (), None,
                               time.perf_counter() - t0, float(n), beta)
        return RLCTEstimate(value, stderr, None, per_chain, trace, diag)
    if method == "scaling":
        pop = options.pop("population_loss", None)
        if pop is None:
            raise ValueError("method='scaling' needs the population loss: pass `population_loss=K` (a batched "
                             "callable of the flat parameter vector); with data only use 'llc' or 'multitemp'")
        return estimate_rlct(pop, w_star, method="scaling", seed=gen, progress=progress, localization=gamma,
                             n_chains=n_chains, **options)
    v_loss = vmap(loss_one, in_dims=(0, None, None))

    def empirical(w):
        lead = w.shape[:-1]
        return v_loss(w.reshape(-1, w.shape[-1]), x, y).reshape(lead)

    options.setdefault("t_max", float(n))
    options.setdefault("fit_min", 10.0)
    return estimate_rlct(empirical, w_star, method="multitemp", seed=gen, progress=progress,
                         localization=gamma, n_chains=n_chains, n=n, check_minimum=False, **options)

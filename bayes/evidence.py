"""Free energy: thermodynamic integration for log Z(1) and Watanabe's WBIC.

With the energy n L_n(w) = -log p(D|w) and the tempered normaliser
Z(beta) = int p(D|w)^beta phi(w) dw,

    d/dbeta log Z(beta) = -E_beta[n L_n],   so   log Z(1) = -int_0^1 E_beta[n L_n] dbeta

(thermodynamic integration / power posteriors, Friel & Pettitt [1]_). The integral is
taken on a ladder of inverse temperatures with the trapezoidal rule corrected by the
variance term of Friel, Hurn & Wyse [2]_ (d/dbeta E_beta[n L_n] = -Var_beta[n L_n]),
whose size is reported as the quadrature error; the Monte Carlo error combines the
per-rung standard errors (independent rungs).

WBIC [3]_ is E_beta[n L_n] at beta = 1/ln n; for regular and singular models alike
WBIC = n L_n(w0) + lambda ln n + O_p(sqrt(ln n)), an estimate of -log Z(1).

References
----------
.. [1] N. Friel, A. N. Pettitt, "Marginal likelihood estimation via power posteriors",
   J. R. Stat. Soc. B 70 (2008) 589-607.
.. [2] N. Friel, M. Hurn, J. Wyse, "Improving power posterior estimation of statistical
   evidence", Statistics and Computing 24 (2014) 709-723.
.. [3] S. Watanabe, "A widely applicable Bayesian information criterion", JMLR 14 (2013) 867-897.
"""

from __future__ import annotations

import math
from typing import Any, Callable, NamedTuple

import numpy as np

from pdcheck import as_generator, check_array, check_bool, check_int, check_memory, check_positive, check_real
from bayes.posterior import PosteriorDensity, check_beta, tempered
from bayes.sample import mean_with_error, sample

__all__ = ["EvidenceResult", "WBICResult", "log_evidence", "wbic", "beta_ladder", "ti_quadrature",
           "NormalizerProfile", "normalizer_profile"]


class EvidenceResult(NamedTuple):
    """Thermodynamic-integration estimate of log Z(1).

    Attributes
    ----------
    log_z : float
        The estimate (corrected trapezoidal rule).
    stderr : float
        Total error: sqrt(mc_stderr^2 + quad_error^2).
    mc_stderr : float
        Monte Carlo standard error (from the per-rung MCSEs).
    quad_error : float
        Size of the variance correction to the plain trapezoidal rule (an estimate of its error).
    betas, mean_energy, mean_energy_se, var_energy : ndarray
        The ladder and, per rung, E_beta[n L_n], its MCSE and Var_beta[n L_n].
    """

    log_z: float
    stderr: float
    mc_stderr: float
    quad_error: float
    betas: np.ndarray
    mean_energy: np.ndarray
    mean_energy_se: np.ndarray
    var_energy: np.ndarray

    def plot(self, exact: Callable[[np.ndarray], Any] | None = None, *, exact_log_z: float | None = None) -> Any:
        """E_beta[n L_n] against beta on a log axis, with error bars; a Figure.

        The beta axis is logarithmic from the smallest positive rung to 1 (no symlog kink near
        0). The beta = 0 rung, which a log axis cannot place, is drawn as a dotted horizontal
        line at its value (named in the legend); it enters the quadrature as any other rung.

        Parameters
        ----------
        exact : callable, optional
            ``exact(beta) -> E_beta[n L_n]`` for an array of betas: drawn as a black curve.
        exact_log_z : float, optional
            The exact log Z(1): put in the title next to the TI estimate and in the legend.

        Returns
        -------
        matplotlib.figure.Figure

        Examples
        --------
        >>> r = EvidenceResult(-3.0, 0.01, 0.01, 0.001, np.array([0.0, 0.1, 1.0]), np.array([5.0, 3.0, 2.0]),
        ...                    np.full(3, 0.1), np.full(3, 1.0))
        >>> fig = r.plot(lambda b: 2.0 + 3.0 / (1.0 + 10 * b), exact_log_z=-2.9)
        >>> fig.axes[0].get_xscale(), "exact log Z(1) = -2.9" in fig.axes[0].get_title()
        ('log', True)
        """
        import matplotlib

        matplotlib.use("Agg")
        from matplotlib.figure import Figure

        if exact is not None and not callable(exact):
            raise TypeError(f"`exact` must be callable or None, got {type(exact).__name__}")
        if exact_log_z is not None:
            exact_log_z = check_real("exact_log_z", exact_log_z)
        fig = Figure(figsize=(5.5, 3.8))
        ax = fig.subplots()
        betas = np.asarray(self.betas, dtype=float)
        pos = betas > 0
        if exact is not None and pos.any():
            grid = np.geomspace(betas[pos].min(), 1.0, 400)
            ax.plot(grid, np.asarray(exact(grid), dtype=float), "k-", lw=1, label="exact E_beta[n L_n]")
        ax.errorbar(betas[pos], self.mean_energy[pos], yerr=2 * self.mean_energy_se[pos], fmt="o", ms=3,
                    label="sampled E_beta[n L_n] (±2 se)")
        if not pos.all():
            e0 = float(np.asarray(self.mean_energy)[~pos][0])
            ax.axhline(e0, color="tab:blue", ls=":", lw=0.8, label=f"beta = 0 rung (off the log axis): {e0:.4g}")
        if exact_log_z is not None:
            ax.plot([], [], " ", label=f"exact log Z(1) = {exact_log_z:.6g}")
        ax.set_xscale("log")
        ax.set_xlabel("beta (log scale; beta = 0 drawn as a dotted line)")
        ax.set_ylabel("E_beta[n L_n]")
        title = f"TI log Z(1) = {self.log_z:.5g} ± {self.stderr:.2g}"
        if exact_log_z is not None:
            title += f"; exact log Z(1) = {exact_log_z:.5g}"
        ax.set_title(title, fontsize=9)
        ax.legend(fontsize=7)
        fig.tight_layout()
        return fig


class WBICResult(NamedTuple):
    """WBIC = E_beta[n L_n] at beta = 1/ln n, with its Monte Carlo standard error."""

    value: float
    stderr: float
    beta: float
    n: int
    ess: float


def beta_ladder(n_betas: int = 16, *, power: float = 4.0) -> np.ndarray:
    """The ladder beta_k = (k/K)^power, k = 0..K (K = n_betas - 1), dense near 0 [1]_.

    Examples
    --------
    >>> beta_ladder(3, power=2.0).tolist()
    [0.0, 0.25, 1.0]
    """
    k = check_int("n_betas", n_betas, low=2)
    p = check_positive("power", power)
    check_memory(f"beta_ladder(n_betas={k})", 3 * 8 * k)
    return (np.arange(k) / (k - 1)) ** p


def _check_ladder(betas: Any) -> np.ndarray:
    b = check_array("betas", betas, ndim=1, min_size=2)
    if b[0] != 0.0 or b[-1] != 1.0 or np.any(np.diff(b) <= 0):
        raise ValueError(f"`betas` must increase strictly from 0 to 1, got {b.tolist()}")
    return b


def ti_quadrature(betas: Any, mean_energy: Any, var_energy: Any | None = None) -> tuple[float, float]:
    """log Z(1) = -int_0^1 E_beta[n L_n] dbeta on a ladder; returns ``(log_z, quad_error)``.

    The trapezoidal rule with Friel-Hurn-Wyse's correction -sum dbeta^2/12 (V_{k+1} - V_k)
    when `var_energy` is given (its magnitude is returned as the error), else the plain
    rule with the Richardson-type error |T(all) - T(every other rung)| / 3 (the last rung
    always kept; with only two rungs the error is |T| itself, never NaN).

    Examples
    --------
    >>> b = np.linspace(0, 1, 11)
    >>> lz, err = ti_quadrature(b, 2.0 - b, np.ones_like(b))   # E = 2 - beta: log Z = -1.5
    >>> round(lz, 12), err
    (-1.5, 0.0)
    """
    b = _check_ladder(betas)
    e = check_array("mean_energy", mean_energy, shape=(b.shape[0],))
    db = np.diff(b)
    trap = float(np.sum(0.5 * db * (e[1:] + e[:-1])))
    if var_energy is not None:
        v = check_array("var_energy", var_energy, shape=(b.shape[0],))
        corr = float(np.sum(db ** 2 / 12.0 * (v[1:] - v[:-1])))
        return -trap - corr, abs(corr)
    if b.shape[0] >= 3:
        # Richardson-type: the rule on every other rung (the last rung kept when the count is even)
        idx = np.unique(np.append(np.arange(0, b.shape[0], 2), b.shape[0] - 1))
        coarse = float(np.sum(0.5 * np.diff(b[idx]) * (e[idx][1:] + e[idx][:-1])))
        return -trap, abs(trap - coarse) / 3.0
    return -trap, abs(trap)   # two rungs: no second rule to compare with; the whole integral bounds nothing better


def _check_sampler(sampler: Any) -> bool:
    """True for the built-in "emcee", False for a user callable; anything else is refused by name."""
    if isinstance(sampler, str) and sampler == "emcee":
        return True
    if callable(sampler):
        return False
    raise ValueError(f"`sampler` must be 'emcee' or a callable (density, rng) -> energies, got "
                     f"{type(sampler).__name__} {sampler!r:.60}")


def _prior_walkers(log_prior: Any, dim: Any, n_walkers: int | None, rng: np.random.Generator) -> np.ndarray:
    """An initial ensemble of prior draws (the prior must have `sample`)."""
    if not callable(getattr(log_prior, "sample", None)):
        raise ValueError("`initial` must be given when `log_prior` has no `sample` method")
    d = int(dim) if isinstance(dim, (int, np.integer)) else np.shape(log_prior.sample(1, seed=0))[-1]
    k = check_int("n_walkers", n_walkers, low=1) if n_walkers is not None else max(32, 4 * d)
    check_memory(f"an ensemble of n_walkers={k} prior draws of dimension {d}", 8 * 4 * k * d)
    return np.asarray(log_prior.sample(k, seed=rng), dtype=float)


def _energies(sampler: Any, density: PosteriorDensity, rng: np.random.Generator) -> np.ndarray:
    """A user sampler's energies, checked: (chain, draw) or (draw,), at least 2, finite."""
    return check_array("the energies returned by `sampler`", sampler(density, rng), ndim=(1, 2), min_size=2)


def _energies_emcee(density: PosteriorDensity, start: np.ndarray, n_steps: int, n_walkers: int | None,
                    rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    from bayes.sample import draws, energy_draws

    idata = sample(density, start, n_steps, n_walkers=n_walkers, seed=rng, progress=False, quiet=True)
    chain = draws(idata)
    return energy_draws(idata), chain[:, -1, :]


def log_evidence(log_likelihood: Callable[[np.ndarray], Any], log_prior: Callable[[np.ndarray], Any], *,
                 betas: Any = None, n_betas: int = 16, power: float = 4.0, sampler: Any = "emcee",
                 initial: Any = None, n_steps: int = 2000, n_walkers: int | None = None, seed: Any = None,
                 progress: bool = True, vectorized: bool = True) -> EvidenceResult:
    """Thermodynamic integration: log Z(1) = -int_0^1 E_beta[n L_n] dbeta.

    Parameters
    ----------
    log_likelihood, log_prior : callable
        Vectorised ``w -> log p(D|w)`` and ``w -> log phi(w)``.
    betas : array_like, optional
        The ladder, strictly increasing from 0 to 1 (default :func:`beta_ladder` ``(n_betas, power)``).
    sampler : "emcee" or callable
        ``"emcee"`` runs :func:`~bayes.sample.sample` per rung, warm-started from the
        previous rung (from prior draws at beta = 0 when the prior has ``sample``). A callable
        ``sampler(density, rng) -> energies`` gets the rung's
        :class:`~bayes.posterior.PosteriorDensity` and returns draws of n L_n, shape
        ``(chain, draw)`` or ``(draw,)``.
    initial : array_like, shape (d,) or (n_walkers, d), optional
        Start of the first rung (needed unless the prior has ``sample``). The first rung is
        beta = 0, the prior: an ensemble of prior draws starts it in equilibrium, a single point
        (a small ball of walkers) needs the burn-in to spread out to the prior.
    n_steps, n_walkers
        Per rung, for ``"emcee"``.
    seed, progress, vectorized
        As usual.

    Returns
    -------
    EvidenceResult

    Raises
    ------
    ValueError
        Bad ladder or sizes; no way to initialise the walkers.

    Examples
    --------
    >>> from bayes.conjugate import NormalMeanModel
    >>> m = NormalMeanModel.simulate(20, theta=0.5, seed=0)
    >>> res = log_evidence(m.log_likelihood, m.log_prior, initial=[0.0], n_betas=6, n_steps=150,
    ...                    seed=1, progress=False)
    >>> bool(abs(res.log_z - m.log_evidence(1.0)) < 0.01 * abs(m.log_evidence(1.0)))
    True
    """
    b = beta_ladder(n_betas, power=power) if betas is None else _check_ladder(betas)
    n_steps = check_int("n_steps", n_steps, low=8)
    use_emcee = _check_sampler(sampler)
    progress = check_bool("progress", progress)
    vectorized = check_bool("vectorized", vectorized)
    rng = as_generator(seed)
    dim = getattr(log_prior, "dim", None)
    start = None
    if use_emcee:
        start = (check_array("initial", initial, ndim=(1, 2)) if initial is not None
                 else _prior_walkers(log_prior, dim, n_walkers, rng))
    from tqdm.auto import tqdm

    means, ses, vars_ = [], [], []
    for beta in tqdm(b, desc="thermodynamic integration", disable=not progress):
        dens = tempered(log_likelihood, log_prior, float(beta), vectorized=vectorized,
                        dim=int(dim) if isinstance(dim, (int, np.integer)) else None)
        if use_emcee:
            en, start = _energies_emcee(dens, start, n_steps, n_walkers, rng)
        else:
            en = _energies(sampler, dens, rng)
        est = mean_with_error(en)
        means.append(est.mean)
        ses.append(est.stderr)
        vars_.append(est.sd ** 2)
    means_a, ses_a, vars_a = np.array(means), np.array(ses), np.array(vars_)
    log_z, quad = ti_quadrature(b, means_a, vars_a)
    db = np.diff(b)
    wts = np.zeros_like(b)
    wts[:-1] += 0.5 * db
    wts[1:] += 0.5 * db
    mc = float(np.sqrt(np.sum((wts * ses_a) ** 2)))
    return EvidenceResult(log_z, math.hypot(mc, quad), mc, quad, b, means_a, ses_a, vars_a)


def wbic(log_likelihood: Callable[[np.ndarray], Any], log_prior: Callable[[np.ndarray], Any], *,
         n: int | None = None, sampler: Any = "emcee", initial: Any = None, n_steps: int = 2000,
         n_walkers: int | None = None, seed: Any = None, progress: bool = True,
         vectorized: bool = True) -> WBICResult:
    """Watanabe's WBIC: E_beta[n L_n] under the tempered posterior at beta = 1/ln n [3]_.

    Parameters
    ----------
    log_likelihood, log_prior : callable
        Vectorised ``w -> log p(D|w)`` and ``w -> log phi(w)``.
    n : int, optional
        Sample size (default ``log_likelihood.n``); must be >= 2 (beta = 1/ln n).
    sampler, initial, n_steps, n_walkers, seed, progress, vectorized
        As in :func:`log_evidence`.

    Returns
    -------
    WBICResult

    Examples
    --------
    >>> from bayes.conjugate import NormalMeanModel
    >>> m = NormalMeanModel.simulate(50, seed=0)
    >>> r = wbic(m.log_likelihood, m.log_prior, n=50, initial=[0.0], n_steps=600, seed=2, progress=False)
    >>> bool(abs(r.value - m.mean_energy(1 / np.log(50))) < 5 * r.stderr)
    True
    """
    if n is None:
        n = getattr(log_likelihood, "n", None)
        if n is None:
            raise ValueError("`n` must be given (an integer >= 2) when `log_likelihood` has no `.n`")
    n = check_int("n", n, low=2)
    use_emcee = _check_sampler(sampler)
    progress = check_bool("progress", progress)
    vectorized = check_bool("vectorized", vectorized)
    rng = as_generator(seed)
    beta = check_beta(1.0 / math.log(n))
    dim = getattr(log_prior, "dim", None)
    dens = tempered(log_likelihood, log_prior, beta, vectorized=vectorized,
                    dim=int(dim) if isinstance(dim, (int, np.integer)) else None)
    if use_emcee:
        if initial is None:
            initial = _prior_walkers(log_prior, dim, n_walkers, rng)
        from bayes.sample import energy_draws

        idata = sample(dens, initial, check_int("n_steps", n_steps, low=8), n_walkers=n_walkers, seed=rng,
                       progress=progress, quiet=True)
        en = energy_draws(idata)
    else:
        en = _energies(sampler, dens, rng)
    est = mean_with_error(en)
    return WBICResult(est.mean, est.stderr, beta, n, est.ess)


class NormalizerProfile(NamedTuple):
    """Truncated normalisers Z_eps = int_{eps < t < radius} f(t) dt as eps -> 0.

    Attributes
    ----------
    eps, z : ndarray
        The cut-offs (decreasing) and the truncated integrals.
    ratio : float
        Ratio of the last two per-decade increments of Z_eps: < 1 when the increments
        shrink geometrically (Z_eps converges), >= 1 when they do not (Z_eps diverges).
    proper : bool
        ``ratio < threshold``: the integral converges at t = 0.
    """

    eps: np.ndarray
    z: np.ndarray
    ratio: float
    proper: bool


def normalizer_profile(density: Callable[[float], float], *, radius: float = 1.0,
                       eps: Any = None, threshold: float = 0.9) -> NormalizerProfile:
    """Does int_0^radius f(t) dt converge at t = 0? Quadrature of Z_eps for shrinking eps.

    Use it on the radial profile of an unnormalised posterior around a point (or set) where
    the likelihood is unbounded: f(t) = density mass at distance t. The integrals are taken
    in log t (``scipy.integrate.quad``), one decade at a time.

    Parameters
    ----------
    density : callable
        ``t -> f(t) >= 0`` on (0, radius].
    radius : float
    eps : array_like, optional
        Decreasing cut-offs in (0, radius) spaced by decades (default 1e-1 .. 1e-12).
    threshold : float, default 0.9
        Declared proper when the last per-decade increment ratio is below it (power
        laws t^-p give the ratio 10^(p - 1): below 1 iff p < 1).

    Examples
    --------
    >>> normalizer_profile(lambda t: t ** -0.5).proper
    True
    >>> normalizer_profile(lambda t: 1.0 / t).proper      # log divergence
    False
    """
    from scipy import integrate

    if not callable(density):
        raise TypeError(f"`density` must be a callable t -> float, got {type(density).__name__}")
    r = check_positive("radius", radius)
    threshold = check_positive("threshold", threshold)
    e = (r * 10.0 ** -np.arange(1, 13)) if eps is None else check_array("eps", eps, ndim=1, min_size=3)
    if np.any(np.diff(e) >= 0) or e[0] >= r or e[-1] <= 0:
        raise ValueError(f"`eps` must decrease strictly inside (0, radius), got {np.asarray(e).tolist()}")

    def piece(lo: float, hi: float) -> float:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", integrate.IntegrationWarning)
            val, _ = integrate.quad(lambda u: math.exp(u) * float(density(math.exp(u))), math.log(lo),
                                    math.log(hi), limit=200, epsabs=0.0, epsrel=1e-9)
        return val

    edges = np.concatenate([[r], e])
    inc = np.array([piece(edges[i + 1], edges[i]) for i in range(len(e))])
    z = np.cumsum(inc)
    if not np.all(np.isfinite(z)):
        return NormalizerProfile(e, z, math.inf, False)
    ratio = float(inc[-1] / inc[-2]) if inc[-2] > 0 else (0.0 if inc[-1] == 0 else math.inf)
    return NormalizerProfile(e, z, ratio, bool(ratio < threshold))

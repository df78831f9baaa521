"""Affine-invariant ensemble sampling (emcee) returning ArviZ InferenceData.

:func:`sample` drives emcee's ``EnsembleSampler`` [1]_ on a vectorised log density,
records the energy n L_n (or n r_n) and the log prior of every draw when the
density exposes them (a :class:`~bayes.posterior.PosteriorDensity` does), and
attaches diagnostics: the mean acceptance fraction, the integrated
autocorrelation time (Sokal's automatic window, as in emcee [1]_, [2]_), and
ArviZ's bulk ESS and rank-normalised split R-hat [3]_ (walkers taken as chains).

The result is ``arviz.InferenceData`` on arviz < 1 and an ``xarray.DataTree`` on
arviz >= 1; both are read the same way (``idata.posterior["w"]``,
``idata.sample_stats["energy"]``, ``idata.posterior.attrs``), and follow ArviZ's
conventions (``bayes._idata``): named dims ``param`` and ``obs``, the log likelihood of
every observation in the ``log_likelihood`` group when the model knows its observations
(so ``arviz.waic``/``arviz.loo`` are right), and ``observed_data``.

References
----------
.. [1] D. Foreman-Mackey, D. W. Hogg, D. Lang, J. Goodman, "emcee: The MCMC Hammer",
   PASP 125 (2013) 306-312.
.. [2] A. Sokal, "Monte Carlo methods in statistical mechanics: foundations and new
   algorithms", 1997.
.. [3] A. Vehtari, A. Gelman, D. Simpson, B. Carpenter, P.-C. Bürkner, "Rank-normalization,
   folding, and localization: an improved R-hat", Bayesian Analysis 16 (2021) 667-718.
"""

from __future__ import annotations

import math
import warnings
from typing import Any, Callable, NamedTuple

import numpy as np

from pdcheck import (MIN_DRIFT_LENGTH, as_generator, check_array, check_bool, check_callable, check_int, check_memory,
                     check_positive, drift_check)
from bayes._idata import to_idata
from bayes.errors import SamplerDivergenceError, ShortChainWarning

__all__ = ["sample", "split_rhat", "SampleDiagnostics", "diagnostics", "draws", "energy_draws", "MeanEstimate",
           "posterior_mean", "mean_with_error", "integrated_time", "ess", "rhat"]

#: A run should be at least this many autocorrelation times long (emcee's rule of thumb).
MIN_TAU_MULTIPLE = 50
#: Largest (steps x walkers x walkers) comparison table of the fast energy lookup.
_FAST_LOOKUP_MAX = 50_000_000


class SampleDiagnostics(NamedTuple):
    """Diagnostics of a :func:`sample` run (also stored in ``idata.posterior.attrs``).

    Attributes
    ----------
    acceptance : float
        Mean acceptance fraction over walkers (0.2-0.5 is healthy for stretch moves).
    autocorr_time : ndarray, shape (d,)
        Integrated autocorrelation time per parameter, in steps (before thinning).
    ess : ndarray, shape (d,)
        ArviZ bulk effective sample size per parameter (walkers as chains).
    rhat : ndarray, shape (d,)
        ArviZ rank-normalised split R-hat per parameter.
    n_walkers, n_steps, burn, thin : int
    short : bool
        True when the kept chain is shorter than 50 autocorrelation times.
    drift : ndarray, shape (d,)
        Change of the walker-mean trace's running mean over the last half of the kept steps,
        per parameter (:func:`pdcheck.drift_check`, batches >= 3 tau; NaN under 16 kept steps).
    drift_stderr : ndarray, shape (d,)
        Its standard error under stationarity.
    drifting : ndarray of bool, shape (d,)
        Parameters whose trace is still drifting: their means and errors are not to be trusted.
    """

    acceptance: float
    autocorr_time: np.ndarray
    ess: np.ndarray
    rhat: np.ndarray
    n_walkers: int
    n_steps: int
    burn: int
    thin: int
    short: bool
    drift: np.ndarray | None = None
    drift_stderr: np.ndarray | None = None
    drifting: np.ndarray | None = None


class MeanEstimate(NamedTuple):
    """A posterior mean with its Monte Carlo standard error (sd / sqrt(ESS))."""

    mean: float
    stderr: float
    ess: float
    sd: float


# ----------------------------------------------------------------------------- arviz diagnostics


def _values(result: Any, name: str) -> np.ndarray:
    """The numbers of an arviz diagnostic (Dataset, DataTree or DataArray) for variable `name`."""
    obj = result
    if hasattr(obj, "to_dataset") and not hasattr(obj, "data_vars"):  # DataTree node
        obj = obj.to_dataset()
    if hasattr(obj, "data_vars"):
        obj = obj[name]
    return np.atleast_1d(np.asarray(getattr(obj, "values", obj), dtype=float))


def ess(x: Any) -> np.ndarray:
    """ArviZ bulk ESS of draws shaped ``(chain, draw)`` or ``(chain, draw, d)``; one value per series.

    Examples
    --------
    >>> x = np.random.default_rng(0).standard_normal((4, 500))
    >>> bool(1500 < ess(x)[0] < 2600)
    True
    """
    return _diag("ess", x)


def rhat(x: Any) -> np.ndarray:
    """ArviZ rank-normalised split R-hat of draws ``(chain, draw[, d])``; one value per series.

    Examples
    --------
    >>> x = np.random.default_rng(0).standard_normal((4, 500))
    >>> bool(abs(rhat(x)[0] - 1) < 0.01)
    True
    """
    return _diag("rhat", x)


def split_rhat(x: Any) -> np.ndarray:
    """Classic split R-hat (Gelman et al. 2013, BDA3 sec. 11.4) of draws ``(chain, draw[, d])``.

    Each chain is cut in two halves (an odd last draw is dropped); with ``W`` the mean
    within-half variance and ``B/n`` the variance of the half means,
    ``R = sqrt(((n - 1)/n W + B/n) / W)``. O(draws) and numpy-only, so :func:`sample`
    reports it for free; :func:`rhat` is ArviZ's rank-normalised version.

    Raises
    ------
    ValueError
        If there are fewer than 4 draws per chain or the draws are not finite.

    Examples
    --------
    >>> x = np.random.default_rng(0).standard_normal((4, 500))
    >>> bool(abs(split_rhat(x)[0] - 1) < 0.01)
    True
    >>> bool(split_rhat(x + np.arange(4)[:, None])[0] > 1.5)   # chains disagree
    True
    """
    a = check_array("x", x, ndim=(2, 3))
    if a.ndim == 2:
        a = a[:, :, None]
    k, n, d = a.shape
    half = n // 2
    if half < 2:
        raise ValueError(f"`x` must have at least 4 draws per chain, got {n}")
    parts = np.concatenate([a[:, :half], a[:, n - half:]], axis=0)     # (2k, half, d)
    w = parts.var(axis=1, ddof=1).mean(axis=0)
    b_over_n = parts.mean(axis=1).var(axis=0, ddof=1)
    var_hat = (half - 1) / half * w + b_over_n
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.sqrt(var_hat / w)
    return np.where(w > 0, out, np.where(var_hat > 0, np.inf, 1.0))


def _diag(which: str, x: Any) -> np.ndarray:
    import arviz as az
    import xarray as xr

    arr = np.asarray(x, dtype=float)
    if arr.ndim == 2:
        arr = arr[..., None]
    if arr.ndim != 3 or arr.shape[1] < 4:
        raise ValueError(f"`x` must have shape (chain, draw[, d]) with at least 4 draws, got {np.shape(x)}")
    ds = xr.Dataset({"x": (("chain", "draw", "x_dim_0"), arr)},
                    coords={"chain": np.arange(arr.shape[0]), "draw": np.arange(arr.shape[1])})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = az.ess(ds) if which == "ess" else az.rhat(ds)
    return _values(res, "x")


# ----------------------------------------------------------------------------- autocorrelation


def integrated_time(chain: Any, *, c: float = 5.0) -> np.ndarray:
    """Integrated autocorrelation time of an ensemble chain, per parameter.

    Parameters
    ----------
    chain : array_like, shape (n_walkers, n_draws, d) or (n_walkers, n_draws)
    c : float, default 5.0
        Sokal's window constant: the window M is the smallest with M >= c tau(M).

    Returns
    -------
    ndarray, shape (d,)
        tau = 1 + 2 sum_{k=1}^{M} rho(k), with rho the autocorrelation averaged over
        walkers (the emcee estimator [1]_, [2]_).

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> x = np.zeros((8, 20000)); e = rng.standard_normal((8, 20000))
    >>> for t in range(1, 20000): x[:, t] = 0.8 * x[:, t - 1] + e[:, t]
    >>> bool(abs(integrated_time(x)[0] - 9.0) < 1.0)   # (1 + phi)/(1 - phi) = 9
    True
    """
    c = check_positive("c", c)
    x = check_array("chain", chain, finite=False)
    if x.ndim == 2:
        x = x[..., None]
    if x.ndim != 3 or x.shape[1] < 2:
        raise ValueError(f"`chain` must have shape (walkers, draws[, d]) with >= 2 draws, got {np.shape(chain)}")
    n = x.shape[1]
    m = 1 << (2 * n - 1).bit_length()
    xc = x - x.mean(axis=1, keepdims=True)
    f = np.fft.rfft(xc, n=m, axis=1)
    acf = np.fft.irfft(f * np.conj(f), n=m, axis=1)[:, :n, :]
    acf0 = acf[:, :1, :]
    acf = np.where(acf0 > 0, acf / np.where(acf0 > 0, acf0, 1.0), 0.0).mean(axis=0)   # (n, d)
    taus = 2.0 * np.cumsum(acf, axis=0) - 1.0
    out = np.empty(x.shape[2])
    for j in range(x.shape[2]):
        ok = np.arange(n) < c * taus[:, j]
        win = int(np.argmin(ok)) if not ok.all() else n - 1
        out[j] = taus[win, j]
    return out


# ----------------------------------------------------------------------------- the sampler


def _initial(initial: Any, n_walkers: int | None, rng: np.random.Generator) -> np.ndarray:
    p = check_array("initial", initial, ndim=(1, 2), min_size=1)
    if p.ndim == 1:
        d = p.shape[0]
        k = check_int("n_walkers", n_walkers, low=1) if n_walkers is not None else max(32, 4 * d)
        if k < 2 * d:
            raise ValueError(f"`n_walkers` must be >= 2 * ndim = {2 * d} for stretch moves, got {k}")
        check_memory(f"sample with n_walkers={k} of dimension {d}", 8 * 4 * k * d)
        scale = 1e-3 * np.maximum(1.0, np.abs(p))
        return p + scale * rng.standard_normal((k, d))
    k, d = p.shape
    if n_walkers is not None and check_int("n_walkers", n_walkers, low=1) != k:
        raise ValueError(f"`n_walkers` = {n_walkers} does not match the {k} rows of `initial` (shape {p.shape})")
    if k < 2 * d:
        raise ValueError(f"`initial` must hold at least 2 * ndim = {2 * d} walkers for stretch moves, "
                         f"got shape {p.shape}")
    if d > 0 and np.linalg.matrix_rank(p - p.mean(axis=0)) < min(d, k - 1):
        raise ValueError(f"`initial` walkers must span the {d}-dimensional parameter space "
                         "(they are degenerate: e.g. all equal)")
    return p.copy()


class _Recorder:
    """The function handed to emcee; logs (step, point, energy, log prior) of every evaluation.

    emcee only ever moves a walker to a point it has evaluated in that step, so the energy
    of every draw is found afterwards by matching the chain against this log
    (:meth:`lookup`); this is cheaper than emcee's per-walker blob handling.
    """

    def __init__(self, log_density: Any, vectorized: bool) -> None:
        parts = getattr(log_density, "_raw_parts", None) or getattr(log_density, "parts", None)
        beta = getattr(log_density, "beta", None)
        self.records = callable(parts) and beta is not None
        self.parts = parts
        self.beta = float(beta) if self.records else 0.0
        self.density = log_density
        self.vectorized = vectorized
        self.step = 0
        self.log: list[tuple[int, np.ndarray, np.ndarray, np.ndarray]] = []

    def __call__(self, w: np.ndarray) -> Any:
        if not self.records:
            out = np.asarray(self.density(w), dtype=float)
            want = (w.shape[0],) if w.ndim == 2 else ()
            if out.shape != want and not (w.ndim == 1 and out.size == 1):
                raise ValueError(f"`log_density` must return one value per point: shape {want} for points of "
                                 f"shape {w.shape}, got {out.shape}"
                                 + ("; pass vectorized=False if it takes one point at a time" if w.ndim == 2 else ""))
            _check_nan(np.atleast_1d(out))
            return out.reshape(want) if out.shape != want else out
        lp, en = self.parts(w)
        b = self.beta
        if w.ndim == 2 and isinstance(lp, np.ndarray) and isinstance(en, np.ndarray):   # the hot path
            logp = lp - b * en if b else lp       # parts() gives en = +inf where lp = -inf
            if not math.isfinite(logp.sum()):   # NaN or +inf somewhere (-inf alone is fine)
                _check_nan(logp)
            self.log.append((self.step, w, en, lp))
            return logp
        if np.ndim(lp) == 0:
            logp = float(lp) if b == 0.0 or not np.isfinite(lp) else float(lp) - b * float(en)
            _check_nan(np.array([logp]))
            self.log.append((self.step, np.asarray(w, dtype=float)[None, :], np.array([en], dtype=float),
                             np.array([lp], dtype=float)))
            return logp
        lp = np.asarray(lp, dtype=float)
        en = np.asarray(en, dtype=float)
        logp = lp if b == 0.0 else lp - b * en     # parts() gives en = +inf where lp = -inf
        _check_nan(logp)
        self.log.append((self.step, w, en, lp))
        return logp

    def lookup(self, chain: np.ndarray, p0: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Energy and log prior at every draw of `chain` (steps, walkers, d) started at `p0`."""
        n, k, d = chain.shape
        tags = np.concatenate([np.full(r[1].shape[0], r[0]) for r in self.log])
        pts = np.concatenate([r[1] for r in self.log])
        en = np.concatenate([r[2] for r in self.log])
        lp = np.concatenate([r[3] for r in self.log])
        full = np.concatenate([p0[None], chain])                      # (n + 1, k, d): step 0 = start
        moved = np.any(full[1:] != full[:-1], axis=-1)                # (n, k)
        idx = np.where(np.concatenate([np.ones((1, k), bool), moved]), np.arange(n + 1)[:, None], 0)
        last = np.maximum.accumulate(idx, axis=0)                     # last step each walker moved
        if tags.shape[0] == (n + 1) * k and np.array_equal(tags, np.repeat(np.arange(n + 1), k)) \
                and (n + 1) * k * k <= _FAST_LOOKUP_MAX:
            # fast path (one proposal per walker per step, as in emcee's red-blue moves): within each
            # step, find the proposal each moved walker took by comparing with the k proposals
            blk = pts.reshape(n + 1, k, d)
            eq = blk[1:, None, :, 0] == full[1:, :, None, 0]            # (n, walker, proposal)
            m = eq.argmax(-1)
            got = np.take_along_axis(blk[1:], m[..., None], axis=1)    # (n, k, d)
            if np.all(~moved | (eq.any(-1) & np.all(got == full[1:], axis=-1))):
                rows = np.concatenate([np.arange(k)[None, :], m], axis=0) + (np.arange(n + 1) * k)[:, None]
                src = np.take_along_axis(rows, last, axis=0)[1:]       # log row of each draw
                return en[src], lp[src]
        need = np.unique(last.ravel() * k + np.tile(np.arange(k), n + 1))
        qs, qw = need // k, need % k
        qpts = full[qs, qw]
        # match (step, point) queries to logged evaluations by one lexicographic sort
        alltags = np.concatenate([tags, qs])
        allpts = np.concatenate([pts, qpts])
        isq = np.concatenate([np.zeros(tags.shape[0], int), np.ones(qs.shape[0], int)])
        order = np.lexsort((isq, allpts[:, 0], alltags))   # full rows are compared below
        pos = np.empty_like(order)
        pos[order] = np.arange(order.shape[0])
        prev = order[np.maximum(pos[tags.shape[0]:] - 1, 0)]
        ok = (prev < tags.shape[0]) & (alltags[prev] == qs) & np.all(allpts[prev] == qpts, axis=-1)
        q_en = np.where(ok, en[np.where(ok, prev, 0)], np.nan)
        q_lp = np.where(ok, lp[np.where(ok, prev, 0)], np.nan)
        if not ok.all():   # defensive: re-evaluate anything not found in the log
            miss = np.flatnonzero(~ok)
            self.log = []
            for i in miss:
                l_, e_ = self.parts(qpts[i])
                q_lp[i], q_en[i] = float(l_), float(e_)
        table_en = np.full((n + 1) * k, np.nan)
        table_lp = np.full((n + 1) * k, np.nan)
        table_en[need], table_lp[need] = q_en, q_lp
        flat = (last * k + np.arange(k)[None, :])[1:]
        return table_en[flat], table_lp[flat]


def _check_moves(moves: Any) -> None:
    """None, an emcee move, or a list of moves or (move, weight) pairs (emcee's convention)."""
    import emcee

    def is_move(m: Any) -> bool:
        return isinstance(m, emcee.moves.Move)

    if moves is None or is_move(moves):
        return
    if isinstance(moves, (list, tuple)) and moves and all(
            is_move(m) or (isinstance(m, (list, tuple)) and len(m) == 2 and is_move(m[0])
                           and isinstance(m[1], (int, float)) and not isinstance(m[1], bool) and m[1] > 0)
            for m in moves):
        return
    raise TypeError(f"`moves` must be None, an emcee move, or a list of moves or (move, weight) pairs, got "
                    f"{type(moves).__name__}")


def _check_idata(idata: Any) -> None:
    if not (hasattr(idata, "posterior") and hasattr(idata, "sample_stats")):
        raise TypeError(f"`idata` must be the InferenceData returned by `sample`, got {type(idata).__name__}")


def _check_name(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"`{name}` must be a string, got {type(value).__name__}")
    return value


def _check_nan(logp: np.ndarray) -> None:
    """NaN or +inf log density: the target is broken or improper there (-inf, outside the support, is fine)."""
    bad = np.flatnonzero(np.isnan(logp) | np.isposinf(logp))
    if bad.size:
        what = "NaN" if np.isnan(logp[bad[0]]) else "+inf (an unbounded, improper target)"
        raise SamplerDivergenceError(f"the log density returned {what} at proposal {int(bad[0])} of a batch of "
                                     f"{logp.shape[0]}")


def sample(log_density: Callable[[np.ndarray], Any], initial: Any, n_steps: int, *,
           n_walkers: int | None = None, burn: int | None = None, thin: int = 1, seed: Any = None,
           progress: bool = True, vectorized: bool | None = None, var_name: str = "w",
           moves: Any = None, quiet: bool = False, pointwise: bool = True) -> Any:
    """Sample a log density with emcee's ensemble sampler; return ArviZ InferenceData.

    Parameters
    ----------
    log_density : callable
        ``w -> log p(w)`` (unnormalised); vectorised (batch ``(k, d)`` -> ``(k,)``) unless
        `vectorized` is False. If it has ``parts`` and ``beta`` (a
        :class:`~bayes.posterior.PosteriorDensity`), the energy and log prior of every
        draw are recorded.
    initial : array_like, shape (d,) or (n_walkers, d)
        A point (walkers start in a small ball around it) or the initial ensemble.
    n_steps : int
        Ensemble steps, burn-in included.
    n_walkers : int, optional
        Default ``max(32, 4 d)`` for a point; must be >= 2 d.
    burn : int, optional
        Steps discarded at the start (default ``n_steps // 4``).
    thin : int, default 1
        Keep every `thin`-th step after burn-in.
    seed : int or numpy Generator, optional
    progress : bool, default True
        tqdm progress bar.
    vectorized : bool, optional
        Default: ``log_density.vectorized`` if present, else True.
    var_name : str, default "w"
        Name of the parameter variable in the posterior group.
    moves : emcee move, optional
        Passed to ``emcee.EnsembleSampler`` (default: the stretch move).
    quiet : bool, default False
        Do not warn about short or drifting chains (the diagnostics still record both).
    pointwise : bool, default True
        Record each observation's log likelihood of every kept draw (the ``log_likelihood``
        group that ``arviz.waic``/``arviz.loo`` read) when the density knows its
        observations. It costs one evaluation per draw and observation after the run
        (n_walkers x n_draws x n values: on a 1000-point regression more than the sampling
        itself); False skips it.

    Returns
    -------
    InferenceData (arviz < 1) or DataTree (arviz >= 1)
        ``posterior[var_name]`` with dims (chain, draw, param), chains being walkers;
        ``sample_stats``: ``lp`` (log density), and with a PosteriorDensity ``energy`` (n L_n or
        n r_n, minus the total log likelihood) and ``log_prior``; when the density knows its
        observations (``pointwise_fn``, e.g. the conjugate models and GaussianLikelihood),
        ``log_likelihood[var_name]`` with dims (chain, draw, obs), one value per observation, and
        ``observed_data[var_name]`` (dims (obs,)): ``arviz.waic``/``arviz.loo`` read them; ``posterior.attrs``:
        ``acceptance`` (mean acceptance fraction), ``autocorr_time`` (per parameter, in steps),
        ``ess_tau`` (walkers x kept steps / tau), ``rhat_split`` (classic split R-hat over the
        walkers, :func:`split_rhat`), sizes and ``short``. ArviZ's rank-normalised ESS and R-hat:
        :func:`diagnostics` (or ``arviz.ess``/``arviz.rhat``/``arviz.summary`` on the result).

    Raises
    ------
    ValueError
        Bad sizes, too few walkers (< 2 d), a degenerate or mis-shaped initial ensemble, a
        non-finite log density at a starting walker, a log density returning the wrong shape,
        or a run whose memory estimate exceeds :func:`pdcheck.memory_limit`; all before any sampling.
    SamplerDivergenceError
        The log density returned NaN, or +inf (an improper target: the walkers would pile up
        there); ``.step`` says where and ``.partial`` keeps the chain so far (``.chain`` is None:
        emcee evaluates proposals in batches, not per walker).

    Warns
    -----
    ShortChainWarning
        When ``n_steps - burn < 50 * max(autocorr_time)``.
    RuntimeWarning
        When the walker-mean trace of a parameter is still drifting over the last half of the
        kept steps (:func:`pdcheck.drift_check`); the parameters are named, and recorded in
        ``posterior.attrs["drifting"]`` and :func:`diagnostics`.

    Examples
    --------
    >>> from bayes.conjugate import NormalMeanModel
    >>> m = NormalMeanModel([0.3, -0.1, 0.4], sigma=1.0)
    >>> idata = sample(m.density(1.0), [0.0], 600, seed=1, progress=False, quiet=True)
    >>> idata.posterior["w"].shape
    (32, 450, 1)
    >>> est = posterior_mean(idata, "energy")
    >>> bool(abs(est.mean - m.mean_energy(1.0)) < 5 * est.stderr)
    True
    """
    import emcee

    check_callable("log_density", log_density)
    n_steps = check_int("n_steps", n_steps, low=2)
    progress = check_bool("progress", progress)
    quiet = check_bool("quiet", quiet)
    if vectorized is not None:
        vectorized = check_bool("vectorized", vectorized)
    _check_moves(moves)
    thin = check_int("thin", thin, low=1)
    burn = n_steps // 4 if burn is None else check_int("burn", burn, low=0)
    if burn >= n_steps:
        raise ValueError(f"`burn` must be < `n_steps` = {n_steps}, got {burn}")
    if (n_steps - burn) // thin < 4:
        raise ValueError(f"`n_steps`, `burn` and `thin` leave fewer than 4 draws per walker "
                         f"(n_steps={n_steps}, burn={burn}, thin={thin})")
    if not isinstance(var_name, str) or not var_name.isidentifier():
        raise ValueError(f"`var_name` must be a Python identifier, got {var_name!r}")
    rng = as_generator(seed)
    p0 = _initial(initial, n_walkers, rng)
    k, d = p0.shape
    dim = getattr(log_density, "dim", None)
    if isinstance(dim, (int, np.integer)) and dim != d:
        raise ValueError(f"`initial` has {d} parameters per walker but the density has dim = {dim}")
    if not isinstance(pointwise, bool):
        raise TypeError(f"`pointwise` must be a bool, got {pointwise!r}")
    pointwise = pointwise and getattr(log_density, "pointwise_fn", None) is not None
    n_obs = int(getattr(log_density, "n", None) or 0) if pointwise else 0
    n_draws = (n_steps - burn) // thin   # = len(range(burn + thin - 1, n_steps, thin)), without overflow
    check_memory(f"sample(n_steps={n_steps}) with {k} walkers of dimension {d}"
                 + (f" and {n_obs} observations" if pointwise else ""),
                 8.0 * n_steps * k * (3 * d + 12) + 8.0 * k * n_draws * (d + 4 + 2 * n_obs))
    vec = bool(getattr(log_density, "vectorized", True)) if vectorized is None else bool(vectorized)
    fn = _Recorder(log_density, vec)
    blobs = fn.records
    if vec:
        lp0 = np.asarray(fn(p0), dtype=float)
    else:
        lp0 = np.array([float(fn(row)) for row in p0])
    if not np.all(np.isfinite(lp0)):
        bad = int(np.flatnonzero(~np.isfinite(lp0))[0])
        raise ValueError(f"the log density is not finite at initial walker {bad} ({p0[bad].tolist()}): "
                         "start inside the support")

    sampler = emcee.EnsembleSampler(k, d, fn, vectorize=vec, moves=moves)
    # emcee keeps a legacy RandomState; seed it from our generator (no global state touched)
    sampler.random_state = np.random.RandomState(int(rng.integers(0, 2**32 - 1))).get_state()
    step = 0
    fn.step = 1   # evaluations are tagged with the step they belong to (0: the start)
    try:
        for step, _ in enumerate(sampler.sample(emcee.State(p0, log_prob=lp0), iterations=n_steps, progress=progress,
                                                skip_initial_state_check=True), start=1):
            fn.step = step + 1
    except SamplerDivergenceError as exc:
        partial = sampler.get_chain()[: sampler.iteration] if sampler.iteration else None
        raise SamplerDivergenceError(f"{exc} at step {step + 1}", chain=exc.chain, step=step + 1,
                                     partial=partial) from None

    chain = np.swapaxes(sampler.get_chain(discard=burn, thin=thin), 0, 1)        # (k, draws, d)
    stats = {"lp": np.swapaxes(sampler.get_log_prob(discard=burn, thin=thin), 0, 1)}
    if blobs:
        en_all, lp_all = fn.lookup(sampler.get_chain(), p0)
        stats["energy"] = np.swapaxes(en_all[burn + thin - 1::thin], 0, 1)
        stats["log_prior"] = np.swapaxes(lp_all[burn + thin - 1::thin], 0, 1)
        fn.log = []
    pointwise_ll = (log_density.pointwise_log_likelihood(chain.reshape(-1, d)).reshape(k, chain.shape[1], -1)
                    if pointwise else None)

    acc = float(np.mean(sampler.acceptance_fraction))
    tau = integrated_time(np.swapaxes(sampler.get_chain(discard=burn), 0, 1))
    ess_tau = k * (n_steps - burn) / np.maximum(tau, 1.0)
    short = bool((n_steps - burn) < MIN_TAU_MULTIPLE * float(np.max(tau)))
    drift, drift_se, drifting = _trace_drift(sampler.get_chain(discard=burn).mean(axis=1), tau)
    attrs = {"sampler": "emcee.EnsembleSampler", "acceptance": acc, "autocorr_time": tau.tolist(),
             "ess_tau": ess_tau.tolist(), "rhat_split": split_rhat(chain).tolist(),
             "n_walkers": k, "n_steps": n_steps,
             "burn": burn, "thin": thin, "short": int(short), "drift": drift.tolist(),
             "drift_stderr": drift_se.tolist(), "drifting": drifting.astype(int).tolist()}
    if short and not quiet:
        warnings.warn(f"the chain is shorter than {MIN_TAU_MULTIPLE} autocorrelation times: "
                      f"{n_steps - burn} kept steps, max tau = {float(np.max(tau)):.1f} steps; "
                      "increase `n_steps`", ShortChainWarning, stacklevel=2)
    if drifting.any() and not quiet:
        j = int(np.flatnonzero(drifting)[0])
        warnings.warn(f"the chain is still drifting in parameter(s) {var_name}{np.flatnonzero(drifting).tolist()} "
                      f"(walker mean over the {n_steps - burn} kept steps): {var_name}[{j}]'s running mean moved "
                      f"by {drift[j]:+.3g} over the last half, more than the flag of 3 standard errors "
                      f"({drift_se[j]:.2g}, Student-t widened); its mean and error are not to be trusted: "
                      "increase `n_steps` or `burn`", RuntimeWarning, stacklevel=2)
    return to_idata(chain, var_name=var_name, stats=stats, attrs=attrs, log_likelihood=pointwise_ll,
                    observed=getattr(log_density, "observed", None) if pointwise else None)


def _trace_drift(trace: np.ndarray, tau: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """pdcheck.drift_check of each column of a (steps, d) trace (NaN and not flagged under 16 steps)."""
    d = trace.shape[1]
    drift, se, flags = np.full(d, np.nan), np.full(d, np.nan), np.zeros(d, dtype=bool)
    if trace.shape[0] < MIN_DRIFT_LENGTH:
        return drift, se, flags
    for j in range(d):
        if np.ptp(trace[:, j]) == 0:
            drift[j] = se[j] = 0.0
            continue
        t = float(tau[j]) if np.isfinite(tau[j]) and tau[j] > 0 else None
        r = drift_check(trace[:, j], tau=t)
        drift[j], se[j], flags[j] = r.drift, r.drift_stderr, r.drifting
    return drift, se, flags


# ----------------------------------------------------------------------------- reading results


def diagnostics(idata: Any, var_name: str = "w") -> SampleDiagnostics:
    """Diagnostics of a :func:`sample` run: stored ones plus ArviZ's bulk ESS and R-hat.

    The acceptance fraction and autocorrelation time are stored by :func:`sample` in
    ``idata.posterior.attrs``; ArviZ's rank-normalised ESS and R-hat [3]_ are computed here,
    on demand (they cost more than the sampling of a cheap density), with the walkers as chains.

    Examples
    --------
    >>> from bayes.conjugate import NormalMeanModel
    >>> idata = sample(NormalMeanModel([0.1, 0.2]).density(1.0), [0.0], 400, seed=0,
    ...                progress=False, quiet=True)
    >>> dg = diagnostics(idata)
    >>> bool(0.2 < dg.acceptance < 0.95), dg.ess.shape, dg.rhat.shape
    (True, (1,), (1,))
    """
    _check_idata(idata)
    _check_name("var_name", var_name)
    a = idata.posterior.attrs
    if "acceptance" not in a:
        raise ValueError("`idata` carries no diagnostics: it was not made by bayes.sample")
    x = draws(idata, var_name)
    nan = [math.nan] * x.shape[-1]
    return SampleDiagnostics(float(a["acceptance"]), np.asarray(a["autocorr_time"], dtype=float),
                             ess(x), rhat(x), int(a["n_walkers"]), int(a["n_steps"]), int(a["burn"]),
                             int(a["thin"]), bool(a["short"]), np.asarray(a.get("drift", nan), dtype=float),
                             np.asarray(a.get("drift_stderr", nan), dtype=float),
                             np.asarray(a.get("drifting", [0] * x.shape[-1]), dtype=bool))


def draws(idata: Any, var_name: str = "w") -> np.ndarray:
    """The parameter draws as a numpy array ``(chain, draw, d)``."""
    _check_idata(idata)
    _check_name("var_name", var_name)
    post = idata.posterior
    if var_name not in post:
        raise ValueError(f"`var_name` must name a posterior variable of `idata` "
                         f"(one of {sorted(map(str, post.data_vars))}), got {var_name!r}")
    return np.asarray(post[var_name].values, dtype=float)


def energy_draws(idata: Any) -> np.ndarray:
    """The recorded energies n L_n (or n r_n), shape ``(chain, draw)``."""
    _check_idata(idata)
    stats = idata.sample_stats
    if "energy" not in stats:
        raise ValueError("`idata` has no recorded energy: sample a PosteriorDensity (bayes.tempered/gibbs)")
    return np.asarray(stats["energy"].values, dtype=float)


def posterior_mean(idata: Any, name: str = "energy", *, index: int | None = None) -> MeanEstimate:
    """Posterior mean of a recorded quantity with its MCSE sd/sqrt(ESS) (ArviZ bulk ESS).

    Parameters
    ----------
    idata
        Output of :func:`sample`.
    name : str
        ``"energy"``, ``"log_prior"``, ``"lp"`` (sample_stats), ``"log_likelihood"`` (the total
        log likelihood, minus the energy) or a posterior variable (then `index` picks the
        coordinate, default 0).
    """
    _check_idata(idata)
    _check_name("name", name)
    if name == "log_likelihood" and "energy" in idata.sample_stats:
        x = -np.asarray(idata.sample_stats["energy"].values, dtype=float)
    elif name in idata.sample_stats:
        x = np.asarray(idata.sample_stats[name].values, dtype=float)
    elif name in idata.posterior:
        x = np.asarray(idata.posterior[name].values, dtype=float)
        if x.ndim == 3:
            x = x[..., check_int("index", 0 if index is None else index, low=-x.shape[-1],
                                 high=x.shape[-1] - 1)]
    else:
        raise ValueError(f"`name` must be a recorded quantity of `idata`, got {name!r}")
    return mean_with_error(x)


def mean_with_error(x: Any) -> MeanEstimate:
    """Mean of draws ``(chain, draw)`` with MCSE sd/sqrt(ESS).

    Raises
    ------
    ValueError
        If `x` is not 1-d or 2-d, has fewer than 2 draws in all, or is not finite.
    """
    arr = check_array("x", x, ndim=(1, 2), min_size=2)
    if arr.ndim == 1:
        arr = arr[None, :]
    sd = float(arr.std(ddof=1))
    e = float(ess(arr)[0]) if sd > 0 else float(arr.size)
    e = e if math.isfinite(e) and e > 0 else 1.0
    return MeanEstimate(float(arr.mean()), sd / math.sqrt(e), e, sd)

"""Autocorrelation functions, integrated autocorrelation times and two-time correlations.

The probability view of training in note 000 ("sensitivity of outcomes becomes a
question of measuring autocorrelations") needs two kinds of estimate:

- for stationary series (MCMC chains, AR processes): the normalised autocorrelation
  function rho(k), the integrated time tau = 1 + 2 sum_{k>=1} rho(k) (the emcee and
  ArviZ convention) and the effective sample size N / tau;
- for non-stationary training trajectories: the two-time correlation relative to a
  start time, C(t0, t) = <w_t0 . w_t> / (|w_t0| |w_t|), over an ensemble of runs
  (note 000: "We care about autocorrelations relative to the starting point t1=0").

Every function works on any number of series at once: time runs along `axis`, every
other axis is a separate series, and the FFTs are batched (and chunked to bound memory).

References
----------
.. [1] A. D. Sokal, "Monte Carlo methods in statistical mechanics: foundations and new
   algorithms", in *Functional Integration*, Plenum, 1997 (the automatic window).
.. [2] N. Madras, A. D. Sokal, "The pivot algorithm: a highly efficient Monte Carlo method
   for the self-avoiding walk", J. Stat. Phys. 50, 109-186 (1988) (variance of tau-hat).
.. [3] C. J. Geyer, "Practical Markov chain Monte Carlo", Statistical Science 7,
   473-483 (1992) (initial positive and monotone sequence estimators).
.. [4] D. Foreman-Mackey et al., "emcee: the MCMC hammer", PASP 125, 306 (2013).
"""

from __future__ import annotations

import warnings
from typing import Any, NamedTuple

import numpy as np
import scipy.fft

from pdcheck import MIN_DRIFT_LENGTH, check_array, check_choice, check_int, check_positive, drift_check
from dynsys.errors import AutocorrError

__all__ = ["autocorrelation", "integrated_time", "autocorr_time", "effective_sample_size",
           "two_time_correlation", "ar1_series", "AutocorrTime", "TwoTimeCorrelation"]

_METHODS = ("sokal", "geyer")
_CHUNK_BYTES = 1 << 22  # rows per FFT block: keep the work arrays cache-sized (about 4 MB)


class AutocorrTime(NamedTuple):
    """Integrated autocorrelation time of each series, with its uncertainty.

    Attributes
    ----------
    tau : ndarray
        Integrated autocorrelation time, one per series.
    stderr : ndarray
        Standard error of `tau` from the Madras-Sokal formula
        ``var(tau) ~= 2 (2M + 1) tau^2 / N`` (N the total number of samples per series,
        times the number of walkers averaged over).
    window : ndarray of int
        The summation window M (the last lag included in the sum).
    n : int
        Number of samples along the time axis.
    method : str
        ``"sokal"`` or ``"geyer"``.
    drift : ndarray, optional
        Change of each series' running mean over its last half (of the walker mean, with a
        walkers axis): :func:`pdcheck.drift_check` with batches at least ``3 tau`` long where
        the series allows (NaN for series shorter than 16 samples).  ``tau`` and ``stderr``
        assume a stationary series; a drifting one's are not to be trusted.
    drift_stderr : ndarray, optional
        Its standard error under stationarity.
    drifting : ndarray of bool, optional
        Where the drift exceeds its Student-t widened 3 standard errors.
    """

    tau: np.ndarray
    stderr: np.ndarray
    window: np.ndarray
    n: int
    method: str
    drift: np.ndarray | None = None
    drift_stderr: np.ndarray | None = None
    drifting: np.ndarray | None = None


class TwoTimeCorrelation(NamedTuple):
    """Two-time correlation C(t0, t) over an ensemble of runs.

    Attributes
    ----------
    value : ndarray, shape (n_times,)
        The ensemble-averaged correlation at each time (1 at ``t = t0``).
    stderr : ndarray, shape (n_times,)
        Standard error of the mean over runs (NaN, by definition, when there is a single
        run: one run gives no spread to estimate it from).
    per_run : ndarray, shape (n_runs, n_times)
        Each run's contribution (their mean is `value`).
    t0 : int
        Index of the reference time.
    centred : bool
        Whether the ensemble mean at each time was subtracted first.
    """

    value: np.ndarray
    stderr: np.ndarray
    per_run: np.ndarray
    t0: int
    centred: bool

    def plot(self, times: Any = None, *, label: str = "") -> Any:
        """Figure of C(t0, t) against time with a band of two standard errors."""
        from matplotlib.figure import Figure

        t = np.arange(len(self.value)) if times is None else np.asarray(times)
        fig = Figure(figsize=(6.0, 4.0))
        ax = fig.add_subplot(1, 1, 1)
        for run in self.per_run:
            ax.plot(t, run, color="0.7", lw=0.5)
        ax.plot(t, self.value, color="C0", lw=2, label=label or "ensemble mean")
        if np.all(np.isfinite(self.stderr)):
            ax.fill_between(t, self.value - 2 * self.stderr, self.value + 2 * self.stderr,
                            color="C0", alpha=0.25)
        ax.set_xlabel("t")
        ax.set_ylabel(f"C({'centred, ' if self.centred else ''}t0 = {self.t0}, t)")
        ax.legend()
        fig.tight_layout()
        return fig


def ar1_series(phi: float, n: int, *, n_series: int | None = None, sigma: float = 1.0,
               seed: Any = None) -> np.ndarray:
    """Stationary AR(1) series ``x_t = phi x_{t-1} + sigma e_t``, the autocorrelation oracle.

    Parameters
    ----------
    phi : float
        Coefficient in (-1, 1).  The exact autocorrelation is ``phi^k`` and the integrated
        time ``(1 + phi) / (1 - phi)``; the exponential time is ``-1 / ln phi``.
    n : int
        Length of each series (>= 1).
    n_series : int, optional
        Number of independent series; the result then has shape ``(n, n_series)``
        (time along axis 0).  Default: one series of shape ``(n,)``.
    sigma : float, default 1.0
        Innovation standard deviation.
    seed : int, numpy Generator or None

    Returns
    -------
    x : ndarray
        Started from the stationary law ``N(0, sigma^2 / (1 - phi^2))``.

    Examples
    --------
    >>> ar1_series(0.5, 4, seed=0).shape
    (4,)
    """
    from pdcheck import as_generator, check_memory, check_real
    from scipy.signal import lfilter

    phi = check_real("phi", phi, low=-1.0, high=1.0, low_open=True, high_open=True)
    n = check_int("n", n, low=1)
    sigma = check_positive("sigma", sigma)
    cols = 1 if n_series is None else check_int("n_series", n_series, low=1)
    check_memory(f"ar1_series(n={n}, n_series={cols})", 3 * 8 * n * cols)   # noise, filtered, transposed
    rng = as_generator(seed)
    e = rng.standard_normal((cols, n)) * sigma
    e[:, 0] /= np.sqrt(1.0 - phi * phi)
    x = lfilter([1.0], [1.0, -phi], e, axis=1)
    return x[0] if n_series is None else np.ascontiguousarray(x.T)


def _as_series(name: str, x: Any, axis: int) -> tuple[np.ndarray, int]:
    arr = check_array(name, x)
    if arr.ndim == 0:
        raise ValueError(f"`{name}` must have at least one dimension (time), got a scalar")
    axis = check_int("axis", axis)
    if not -arr.ndim <= axis < arr.ndim:
        raise ValueError(f"`axis` must be in [{-arr.ndim}, {arr.ndim - 1}] for `{name}` with "
                         f"shape {arr.shape}, got {axis}")
    return arr, axis % arr.ndim


def _acov_full(y: np.ndarray) -> np.ndarray:
    """Autocovariance sums of centred rows for all lags, one zero-padded real FFT per row."""
    n = y.shape[1]
    nfft = scipy.fft.next_fast_len(2 * n - 1, real=True)
    f = scipy.fft.rfft(y, n=nfft, axis=1)
    return scipy.fft.irfft(f.real ** 2 + f.imag ** 2, n=nfft, axis=1)[:, :n]


def _acov_blocked(y: np.ndarray, lags: int) -> np.ndarray:
    """Autocovariance sums of centred rows for lags ``0..lags-1`` only, by overlap-save.

    The series is cut into blocks B_j of length L = `lags`; with A_j the FFT of B_j
    zero-padded to 2L, the cross-correlation of B_j with the concatenation (B_j, B_{j+1})
    has FFT conj(A_j) (A_j + (-1)^f A_{j+1}), so one short FFT per block and one inverse
    FFT per row give every lag below L exactly (no wrap-around).  Cost O(n log L) instead
    of O(n log n), with cache-sized transforms.
    """
    m, n = y.shape
    n_blocks = -(-n // lags)
    buf = np.zeros((m, n_blocks + 1, 2 * lags))
    full_blocks = n // lags
    buf[:, :full_blocks, :lags] = y[:, :full_blocks * lags].reshape(m, full_blocks, lags)
    if full_blocks < n_blocks:
        buf[:, full_blocks, :n - full_blocks * lags] = y[:, full_blocks * lags:]
    a = scipy.fft.rfft(buf, axis=2, overwrite_x=True)
    sign = np.where(np.arange(lags + 1) % 2 == 0, 1.0, -1.0)
    head, tail = a[:, :-1], a[:, 1:]
    s = (head.real ** 2 + head.imag ** 2).sum(axis=1) + (np.conj(head) * tail).sum(axis=1) * sign
    return scipy.fft.irfft(s, n=2 * lags, axis=1)[:, :lags]


def _acf_rows(x2: np.ndarray, lags: int | None = None) -> np.ndarray:
    """Normalised autocorrelation along the last axis of a 2-D array, rows in blocks.

    Only lags ``0..lags-1`` are returned (all ``n`` when `lags` is None or >= n/4, where
    the single long FFT is as cheap as the blocked one).
    """
    m, n = x2.shape
    full = lags is None or 4 * lags >= n
    width = n if full else lags
    out = np.empty((m, width))
    rows = max(1, int(_CHUNK_BYTES // (24 * n + 1)))
    for start in range(0, m, rows):
        block = x2[start:start + rows]
        centred = block - block.mean(axis=1, keepdims=True)
        scale = np.max(np.abs(centred), axis=1, keepdims=True)  # rho is scale-free; avoids
        centred = centred / np.where(scale > 0, scale, 1.0)      # underflow of tiny series
        acov = _acov_full(centred) if full else _acov_blocked(centred, lags)
        zero = (acov[:, 0] <= 0.0) | (np.ptp(block, axis=1) == 0.0)
        if np.any(zero):
            bad = int(start + np.flatnonzero(zero)[0])
            raise ValueError(f"`x` series number {bad} (in C order over the non-time axes) is "
                             "constant; its autocorrelation is undefined")
        out[start:start + rows] = acov / acov[:, :1]
    return out


def autocorrelation(x: Any, *, axis: int = 0, max_lag: int | None = None) -> np.ndarray:
    """Normalised autocorrelation function of one or many series, by FFT.

    Parameters
    ----------
    x : array_like
        Samples; time runs along `axis`, every other axis is a separate series.
    axis : int, default 0
        The time axis.
    max_lag : int, optional
        Return lags ``0..max_lag`` only (default: all ``n`` lags).

    Returns
    -------
    rho : ndarray
        Same shape as `x` except that the time axis has length ``max_lag + 1``;
        ``rho[0] == 1`` for every series.

    Raises
    ------
    ValueError
        If `x` is empty, not finite, has fewer than 2 samples along `axis`, a series is
        constant, or `max_lag` is outside ``[0, n - 1]``.

    Notes
    -----
    The biased estimator ``rho(k) = sum_t (x_t - m)(x_{t+k} - m) / sum_t (x_t - m)^2``
    (the convention of emcee's ``function_1d`` [4]_), computed with a real FFT zero-padded
    to at least ``2n - 1`` so that there is no circular wrap-around.

    Examples
    --------
    >>> rho = autocorrelation([1.0, 2.0, 3.0, 4.0])
    >>> rho.round(3).tolist()
    [1.0, 0.25, -0.3, -0.45]
    """
    arr, ax = _as_series("x", x, axis)
    n = arr.shape[ax]
    if n < 2:
        raise ValueError(f"`x` must have at least 2 samples along axis {axis}, got {n}")
    if max_lag is None:
        max_lag = n - 1
    max_lag = check_int("max_lag", max_lag, low=0, high=n - 1)
    moved = np.moveaxis(arr, ax, -1)
    rho = _acf_rows(moved.reshape(-1, n))[:, :max_lag + 1]
    return np.moveaxis(rho.reshape(moved.shape[:-1] + (max_lag + 1,)), -1, ax)


def _sokal(rho: np.ndarray, c: float) -> tuple[np.ndarray, np.ndarray]:
    """Sokal's window on averaged ACFs (rows): smallest M with M >= c tau(M)."""
    taus = 2.0 * np.cumsum(rho, axis=1) - 1.0
    lags = np.arange(rho.shape[1])
    below = lags[None, :] < c * taus
    # first lag where the condition M >= c tau(M) holds; the last lag if it never does
    any_ok = ~np.all(below, axis=1)
    window = np.where(any_ok, np.argmin(below, axis=1), rho.shape[1] - 1)
    return taus[np.arange(rho.shape[0]), window], window


def _geyer(rho: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Geyer's initial monotone sequence estimator on ACFs (rows)."""
    m_pairs = rho.shape[1] // 2
    if m_pairs == 0:
        return np.ones(rho.shape[0]), np.zeros(rho.shape[0], dtype=int)
    gamma = rho[:, 0:2 * m_pairs:2] + rho[:, 1:2 * m_pairs:2]
    positive = gamma > 0.0
    # initial positive sequence: keep pairs before the first non-positive one
    keep = np.cumprod(positive, axis=1).astype(bool)
    mono = np.minimum.accumulate(np.where(keep, gamma, np.inf), axis=1)
    mono = np.where(keep, mono, 0.0)
    tau = -1.0 + 2.0 * mono.sum(axis=1)
    n_kept = keep.sum(axis=1)
    window = np.maximum(2 * n_kept - 1, 0)
    return tau, window


def _estimate(x3: np.ndarray, method: str, c: float) -> tuple[np.ndarray, np.ndarray]:
    """tau and window for each group of walkers in x3 (groups, walkers, n).

    The ACF is computed for the first L lags only (L = 512, then 8x larger) until every
    group's window is found inside them; windows found inside L lags are exactly the ones
    the full ACF gives, since both estimators only look at lags up to the window.
    """
    groups, n_walkers, n = x3.shape
    tau = np.empty(groups)
    window = np.zeros(groups, dtype=int)
    pending = np.arange(groups)
    lags = 512
    while pending.size:
        use = None if 4 * lags >= n else lags
        rho = _acf_rows(x3[pending].reshape(-1, n), use)
        rho = rho.reshape(pending.size, n_walkers, -1).mean(axis=1)
        t, w = _sokal(rho, c) if method == "sokal" else _geyer(rho)
        if use is None:
            done = np.ones(pending.size, dtype=bool)
        elif method == "sokal":
            done = w < rho.shape[1] - 1
        else:
            done = 2 * ((w + 1) // 2) < rho.shape[1] - 2
        tau[pending[done]] = t[done]
        window[pending[done]] = w[done]
        pending = pending[~done]
        lags *= 8
    return tau, window


def autocorr_time(x: Any, *, axis: int = 0, walkers_axis: int | None = None,
                  method: str = "sokal", c: float = 5.0, tol: float = 50.0,
                  quiet: bool = False) -> AutocorrTime:
    """Integrated autocorrelation time with its window and Madras-Sokal standard error.

    Parameters
    ----------
    x : array_like
        Samples; time runs along `axis`, every other axis is a separate series.
    axis : int, default 0
        The time axis.
    walkers_axis : int, optional
        An axis of exchangeable chains (emcee's walkers): their autocorrelation functions
        are averaged before the window is chosen, exactly as ``emcee.autocorr.integrated_time``
        does, and the axis disappears from the result.
    method : {"sokal", "geyer"}, default "sokal"
        Sokal's automatic window [1]_ or Geyer's initial monotone sequence [3]_.
    c : float, default 5.0
        Window constant for ``"sokal"``: the window is the smallest M with M >= c tau(M).
    tol : float, default 50.0
        Trust the estimate only when ``n >= tol * tau``.
    quiet : bool, default False
        Warn instead of raising when a series is too short.

    Returns
    -------
    AutocorrTime
        ``tau``, ``stderr``, ``window`` with the shape of `x` minus the time (and walkers)
        axis, and ``n``.

    Raises
    ------
    ValueError
        Bad input (see :func:`autocorrelation`), `c` or `tol` not positive, unknown
        `method`, or `walkers_axis` equal to `axis`.
    AutocorrError
        If ``n < tol * tau`` for some series and not `quiet`; the estimates are in ``.tau``.

    Examples
    --------
    >>> x = np.random.default_rng(0).standard_normal(5000)
    >>> r = autocorr_time(x)
    >>> bool(abs(r.tau - 1.0) < 4 * r.stderr), bool(r.drifting)
    (True, False)
    """
    check_choice("method", method, _METHODS)
    c = check_positive("c", c)
    tol = check_positive("tol", tol)
    if not isinstance(quiet, bool):
        raise TypeError(f"`quiet` must be a bool, got {quiet!r}")
    arr, ax = _as_series("x", x, axis)
    n = arr.shape[ax]
    if n < 2:
        raise ValueError(f"`x` must have at least 2 samples along axis {axis}, got {n}")
    moved = np.moveaxis(arr, ax, -1)
    n_walkers = 1
    if walkers_axis is not None:
        walkers_axis = check_int("walkers_axis", walkers_axis)
        if not -arr.ndim <= walkers_axis < arr.ndim or walkers_axis % arr.ndim == ax:
            raise ValueError(f"`walkers_axis` must be an axis of `x` (shape {arr.shape}) other "
                             f"than the time axis {axis}, got {walkers_axis}")
        w_ax = walkers_axis % arr.ndim
        w_ax_moved = w_ax if w_ax < ax else w_ax - 1
        moved = np.moveaxis(moved, w_ax_moved, -2)
        n_walkers = moved.shape[-2]
    out_shape = moved.shape[:-2] if walkers_axis is not None else moved.shape[:-1]
    rows = moved.reshape(-1, n_walkers, n)
    tau, window = _estimate(rows, method, c)
    stderr = tau * np.sqrt(2.0 * (2.0 * window + 1.0) / (n * n_walkers))
    drift, drift_se, drifting = _drifts(rows.mean(axis=1), tau)
    tau = tau.reshape(out_shape)
    result = AutocorrTime(tau, stderr.reshape(out_shape), window.reshape(out_shape), n, method,
                          drift.reshape(out_shape), drift_se.reshape(out_shape), drifting.reshape(out_shape))
    flag = tol * tau > n
    bad = ~(tau > 0)  # strongly anti-correlated series, or a window that never closed
    if np.any(bad):
        msg = (f"the estimated integrated autocorrelation time is not positive for "
               f"{int(np.sum(bad))} series (smallest tau = {float(np.min(tau)):.4g}, "
               f"method {method!r}, c = {c:g}): the series is strongly anti-correlated or too "
               f"short for the window; try method='geyer' or a longer chain")
    elif np.any(flag):
        msg = (f"the chain is shorter than {tol:g} times the integrated autocorrelation time "
               f"for {int(np.sum(flag))} series (n = {n}, n/{tol:g} = {n / tol:.4g}, "
               f"largest tau = {float(np.max(tau)):.4g}); run a longer chain")
    if np.any(flag) or np.any(bad):
        if not quiet:
            raise AutocorrError(msg, tau=tau)
        warnings.warn(msg, RuntimeWarning, stacklevel=3)
    return result


def _drifts(series: np.ndarray, tau: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """drift_check per row, with batches at least 3 tau long where the row allows (>= 8 batches)."""
    m, n = series.shape
    drift, se = np.full(m, np.nan), np.full(m, np.nan)
    flags = np.zeros(m, dtype=bool)
    if n < MIN_DRIFT_LENGTH:
        return drift, se, flags
    for i in range(m):
        r = drift_check(series[i], tau=float(tau[i]) if np.isfinite(tau[i]) and tau[i] > 0 else None)
        drift[i], se[i], flags[i] = r.drift, r.drift_stderr, r.drifting
    return drift, se, flags


def integrated_time(x: Any, *, axis: int = 0, walkers_axis: int | None = None,
                    method: str = "sokal", c: float = 5.0, tol: float = 50.0,
                    quiet: bool = False) -> np.ndarray:
    """Integrated autocorrelation time tau = 1 + 2 sum_{k>=1} rho(k), per series.

    Parameters
    ----------
    x : array_like
        Samples; time runs along `axis`, every other axis is a separate series.
    axis, walkers_axis, method, c, tol, quiet
        As in :func:`autocorr_time`.

    Returns
    -------
    tau : ndarray
        One estimate per series (a 0-d array for a single series).

    Raises
    ------
    ValueError
        If `x` has fewer than 2 samples along `axis`, is not finite, or a series is constant.
    AutocorrError
        If the series is shorter than ``tol * tau``; the estimate is kept in ``.tau``.

    Notes
    -----
    With ``method="sokal"`` this is the estimator of ``emcee.autocorr.integrated_time`` [4]_
    (identical numbers when `walkers_axis` matches emcee's walker axis), vectorised over
    series.  For AR(1), ``x_t = phi x_{t-1} + e_t``, the exact value is
    ``(1 + phi) / (1 - phi)``.

    Examples
    --------
    >>> x = ar1_series(0.9, 100_000, seed=0)
    >>> float(integrated_time(x).round(0))  # exact: 19; standard error about 1.3
    21.0
    """
    return autocorr_time(x, axis=axis, walkers_axis=walkers_axis, method=method, c=c, tol=tol,
                         quiet=quiet).tau


def effective_sample_size(x: Any, *, axis: int = 0, walkers_axis: int | None = None,
                          method: str = "sokal", c: float = 5.0, tol: float = 50.0,
                          quiet: bool = False) -> np.ndarray:
    """Effective sample size N / tau per series (N summed over walkers when averaged).

    Parameters and errors as in :func:`autocorr_time`.

    Examples
    --------
    >>> x = np.random.default_rng(1).standard_normal(4000)
    >>> bool(3000 < effective_sample_size(x) < 5000)
    True
    """
    res = autocorr_time(x, axis=axis, walkers_axis=walkers_axis, method=method, c=c, tol=tol,
                        quiet=quiet)
    arr = np.asarray(x)
    n_walkers = 1 if walkers_axis is None else arr.shape[walkers_axis]
    return res.n * n_walkers / res.tau


def two_time_correlation(w: Any, *, t0: int = 0, centred: bool = False) -> TwoTimeCorrelation:
    """Two-time correlation C(t0, t) of an ensemble of (non-stationary) trajectories.

    Parameters
    ----------
    w : array_like, shape (n_runs, n_times, D) or (n_runs, n_times)
        Weight vectors (flattened) of each run at each recorded time.
    t0 : int, default 0
        Index of the reference time (note 000 uses the start, ``t0 = 0``).
    centred : bool, default False
        ``False``: ``C(t0, t) = < w_t0 . w_t / (|w_t0| |w_t|) >`` averaged over runs.
        ``True``: subtract the ensemble mean at each time first, ``dw = w - <w>``, and
        return ``<dw_t0 . dw_t> / sqrt(<|dw_t0|^2> <|dw_t|^2>)``.

    Returns
    -------
    TwoTimeCorrelation
        ``value`` and ``stderr`` (over runs) at each time, and the per-run terms.

    Raises
    ------
    ValueError
        If `w` is not finite, has the wrong rank, fewer than 2 runs (the standard error
        needs two), `t0` is out of range, or a vector has zero norm (the cosine is undefined).

    Notes
    -----
    The uncentred version is the mean cosine similarity between each run's weights at
    ``t0`` and at ``t``; the centred version is the correlation of the fluctuations around
    the ensemble mean, the quantity whose decay defines a correlation time in the
    probability view of note 000.

    Examples
    --------
    >>> w = np.ones((3, 4, 2))
    >>> two_time_correlation(w).value.tolist()
    [1.0, 1.0, 1.0, 1.0]
    """
    arr = check_array("w", w, ndim=(2, 3))
    if arr.ndim == 2:
        arr = arr[:, :, None]
    n_runs, n_times, _ = arr.shape
    if n_runs < 1 or n_times < 1 or arr.shape[2] < 1:
        raise ValueError(f"`w` must be non-empty, got shape {np.shape(w)}")
    if n_runs < 2:
        raise ValueError(f"`w` needs at least 2 runs (the standard error is over runs), got {n_runs}")
    t0 = check_int("t0", t0, low=0, high=n_times - 1)
    if not isinstance(centred, bool):
        raise TypeError(f"`centred` must be a bool, got {centred!r}")
    if centred:
        top = np.max(np.abs(arr))     # correlations are scale-free: scale so no square overflows
        d = arr / (top if top > 0 else 1.0)
        d = d - d.mean(axis=0, keepdims=True)
        sq = np.mean(np.sum(d * d, axis=2), axis=0)
        if np.any(sq <= 0):
            raise ValueError("`w` has a time at which all runs coincide; the centred "
                             "correlation is undefined there")
        per_run = np.einsum("rd,rtd->rt", d[:, t0], d) / np.sqrt(sq[t0] * sq)[None, :]
    else:
        top = np.max(np.abs(arr), axis=2, keepdims=True)    # each vector in units of its largest entry
        if np.any(top <= 0):
            raise ValueError("`w` contains a zero vector; the cosine similarity is undefined")
        unit = arr / top
        unit /= np.linalg.norm(unit, axis=2, keepdims=True)
        per_run = np.einsum("rd,rtd->rt", unit[:, t0], unit)
    value = per_run.mean(axis=0)
    stderr = per_run.std(axis=0, ddof=1) / np.sqrt(n_runs)
    return TwoTimeCorrelation(value, stderr, per_run, t0, centred)

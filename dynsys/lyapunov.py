"""Lyapunov spectra by the Benettin / Shimada-Nagashima QR method.

A *system* is any object with

- ``dim`` (int): the state dimension,
- ``dt`` (float): the time one ``step`` advances (1 for maps),
- ``step(x, t) -> x_next``: one step of the map (or of a flow over ``dt``), where ``t``
  is the integer step index (0, 1, 2, ...; it selects the batch of an optimizer map),
- ``tangent(x, t, V) -> J(x, t) @ V``: the tangent (linearised) map at ``x`` applied to
  the ``(dim, k)`` matrix ``V`` (for a flow: the variational equation integrated over
  ``dt`` alongside the state).

The loop in :func:`lyapunov_spectrum` knows nothing else about the system.  States may be
numpy arrays or torch tensors (CPU or CUDA): the whole loop then stays in that library
and on that device, and the per-step log-stretches are copied to the host once, at
the end.
"""

from __future__ import annotations

import math
import warnings
from typing import Any, NamedTuple

import numpy as np

from pdcheck import as_generator, check_array, check_int
from dynsys.errors import DivergenceError

__all__ = ["LyapunovResult", "lyapunov_spectrum", "kaplan_yorke_dimension", "ReplicateResult",
           "lyapunov_replicates", "paired_difference"]


class LyapunovResult(NamedTuple):
    """A Lyapunov spectrum with its uncertainty and convergence history.

    Attributes
    ----------
    exponents : ndarray, shape (k,)
        Exponents per unit time, sorted descending; ``-inf`` where the tangent map
        was singular.
    stderr : ndarray, shape (k,)
        Standard errors from non-overlapping block averages of the per-QR
        log-stretches (0 for ``-inf`` exponents; ``inf`` when there were fewer than two
        QR factorisations to compare).  Conservative for maps whose log-stretches
        telescope (e.g. the logistic map), whose true error falls like 1/n.
    history : ndarray, shape (n_checkpoints, k)
        Running estimates at the steps in ``checkpoints`` (for convergence plots).
    n_steps : int
        Accumulated steps (the transient excluded).
    checkpoints : ndarray of int, shape (n_checkpoints,)
        Step counts (after the transient) at which ``history`` was recorded.
    dt : float
        Time per step.
    """

    exponents: np.ndarray
    stderr: np.ndarray
    history: np.ndarray
    n_steps: int
    checkpoints: np.ndarray
    dt: float = 1.0

    @property
    def sum(self) -> float:
        """Sum of the exponents (the volume growth rate of the k-dimensional frame)."""
        return float(np.sum(self.exponents))

    def plot(self, *, ax: Any = None, reference: Any = None, title: str | None = None) -> Any:
        """Convergence plot: running estimates against time, one line per exponent.

        Parameters
        ----------
        ax : matplotlib Axes, optional
        reference : sequence of float, optional
            Known values, drawn as dashed horizontal lines.
        title : str, optional

        Returns
        -------
        matplotlib.figure.Figure
        """
        import matplotlib

        matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt

        if ax is None:
            fig, ax = plt.subplots(figsize=(6, 4))
        else:
            fig = ax.figure
        time = self.checkpoints * self.dt
        for j in range(self.history.shape[1]):
            ax.plot(time, self.history[:, j], lw=1.2, label=f"λ{j + 1} = {self.exponents[j]:.4g}")
        if reference is not None:
            for r in np.atleast_1d(reference):
                if np.isfinite(r):
                    ax.axhline(float(r), ls="--", lw=0.8, color="k")
        ax.set_xscale("log")
        ax.set_xlabel("time" if self.dt != 1.0 else "steps")
        ax.set_ylabel("running exponent estimate")
        if title:
            ax.set_title(title)
        if self.history.shape[1] <= 10:
            ax.legend(fontsize=7)
        fig.tight_layout()
        return fig


def kaplan_yorke_dimension(exponents: Any) -> float:
    """Kaplan-Yorke (Lyapunov) dimension of a descending spectrum.

    D = j + (λ1 + ... + λj) / |λ_{j+1}| with j the largest index whose partial sum is
    non-negative (Kaplan & Yorke 1979).

    Examples
    --------
    >>> round(kaplan_yorke_dimension([0.41922, -1.62319]), 4)  # Henon
    1.2583
    """
    lam = check_array("exponents", exponents, ndim=1, min_size=1)
    lam = np.sort(lam)[::-1]
    csum = np.cumsum(lam)
    if csum[0] < 0:
        return 0.0
    j = int(np.max(np.nonzero(csum >= 0)[0])) + 1
    if j == len(lam):
        return float(j)
    return float(j + csum[j - 1] / abs(lam[j]))


# --------------------------------------------------------------------------- backends

def _is_torch(x: Any) -> bool:
    try:
        import torch
    except ImportError:  # pragma: no cover
        return False
    return isinstance(x, torch.Tensor)


class _NumpyOps:
    """numpy backend; the QR calls LAPACK's geqrf/orgqr directly (numpy's wrapper costs
    several times the factorisation itself for the small matrices of classic systems)."""

    lib = np

    def __init__(self) -> None:
        from scipy.linalg import lapack

        self._geqrf, self._orgqr = lapack.dgeqrf, lapack.dorgqr

    def qr(self, a):
        """``(Q, R)`` with only R's diagonal meaningful (the engine uses nothing else)."""
        raw, tau, _, info = self._geqrf(a)
        if info != 0:  # pragma: no cover - LAPACK argument error
            raise np.linalg.LinAlgError(f"geqrf failed with info={info}")
        q, _, info = self._orgqr(raw, tau)
        return q, raw

    @staticmethod
    def all_finite(a) -> bool:
        return bool(np.isfinite(a).all())

    @staticmethod
    def abs_diag(r):
        return np.abs(np.diagonal(r))

    @staticmethod
    def norm(a) -> Any:
        return np.linalg.norm(a)

    @staticmethod
    def to_numpy(a):
        return np.asarray(a, dtype=float)


class _TorchOps:
    def __init__(self):
        import torch

        self.lib = torch

    def qr(self, a):
        return self.lib.linalg.qr(a)

    def all_finite(self, a) -> bool:
        return bool(self.lib.isfinite(a).all())

    def abs_diag(self, r):
        return self.lib.diagonal(r).abs()

    def norm(self, a):
        return self.lib.linalg.norm(a)

    @staticmethod
    def to_numpy(a):
        return a.detach().to("cpu").double().numpy()


def _check_system(system: Any) -> tuple[int, float]:
    for attr in ("dim", "dt", "step", "tangent"):
        if not hasattr(system, attr):
            raise TypeError(f"`system` must have `dim`, `dt`, `step` and `tangent`; "
                            f"{type(system).__name__} has no `{attr}`")
    if not (callable(system.step) and callable(system.tangent)):
        raise TypeError("`system.step` and `system.tangent` must be callable")
    dim = check_int("system.dim", system.dim, low=1)
    dt = float(system.dt)
    if not (math.isfinite(dt) and dt > 0):
        raise ValueError(f"`system.dt` must be a positive finite number, got {system.dt!r}")
    return dim, dt


def _block_stderr(logs: np.ndarray, n_blocks: int) -> np.ndarray:
    """Standard error of the mean per column from `n_blocks` contiguous block means."""
    n = logs.shape[0]
    b = min(n_blocks, n)
    if b < 2:
        return np.full(logs.shape[1], np.inf)  # one QR event: no estimate of the spread
    size = n // b
    means = logs[: b * size].reshape(b, size, -1).mean(axis=1)
    with np.errstate(invalid="ignore"):
        se = means.std(axis=0, ddof=1) / math.sqrt(b)
    return se


def lyapunov_spectrum(system: Any, x0: Any, n_steps: int, *, k: int | None = None,
                      transient: int = 0, reortho_every: int = 1, seed: Any = None,
                      n_checkpoints: int = 200, n_blocks: int = 20,
                      observe: Any = None, observe_every: int = 1, frame: Any = None,
                      progress: bool = True) -> LyapunovResult:
    """The top-`k` Lyapunov exponents of a map or flow by repeated QR (Benettin's method).

    Parameters
    ----------
    system : object
        Has ``dim``, ``dt``, ``step(x, t)`` and ``tangent(x, t, V)`` (see the module
        docstring).
    x0 : array_like or torch.Tensor, shape (dim,)
        Initial state, finite.  A torch tensor keeps the loop in torch on its device
        and dtype; anything else is converted to a float64 numpy array.
    n_steps : int
        Steps accumulated (>= 1), after the transient.
    k : int, optional
        Number of exponents (tangent vectors), ``1 <= k <= dim``; default ``dim``.
    transient : int, default 0
        Steps run first while the frame is re-orthonormalised but nothing is
        accumulated (lets the state reach the attractor and the frame align).
    reortho_every : int, default 1
        Steps between QR decompositions (larger is cheaper but risks overflow of
        the tangent vectors in strongly expanding systems).
    seed : int, numpy Generator or None
        Seeds the random orthonormal initial frame.
    n_checkpoints : int, default 200
        Number of (log-spaced) checkpoints kept in ``history``.
    n_blocks : int, default 20
        Blocks for the standard error.
    observe : callable, optional
        Called as ``observe(n, x, Q, log_r)`` after the QR of accumulated step ``n``
        (1-based, after the transient) when ``n % observe_every == 0`` and at the last
        step, with the current state ``x``, the orthonormal frame ``Q`` (dim, k) and
        the accumulated ``sum log |R_jj|`` per column (same library as ``x``).  Used
        for diagnostics along the orbit, such as function-space growth.
    observe_every : int, default 1
    frame : array_like or Tensor, shape (dim, k), optional
        Initial tangent frame (orthonormalised by QR before use); overrides `seed`.
    progress : bool, default True
        Show a tqdm progress bar.

    Returns
    -------
    LyapunovResult

    Raises
    ------
    ValueError
        If `k` is not in [1, dim], `n_steps` < 1, `transient` < 0, `reortho_every` < 1,
        `x0` has the wrong shape or is not finite, or ``system.tangent`` returns an
        array of the wrong shape.
    TypeError
        If `system` lacks ``dim``/``dt``/``step``/``tangent``.
    DivergenceError
        If the state or the tangent vectors become NaN/inf; ``.step`` is the step
        index and ``.partial`` the :class:`LyapunovResult` accumulated so far
        (``None`` if it happened during the transient).

    Warns
    -----
    RuntimeWarning
        When a diagonal entry of R is numerically zero (a singular tangent map):
        that exponent is reported as ``-inf``.

    Notes
    -----
    Every ``reortho_every`` steps the evolved frame ``W = J ... J Q`` is factored
    ``W = Q R``; ``log |R_jj|`` is accumulated and ``Q`` is kept, so the sum divided
    by the elapsed time ``n_steps * dt`` converges to the j-th exponent [1]_ [2]_.
    Using ``|R_jj|`` makes the result independent of the sign convention of the QR
    routine.  ``R_jj`` counts as zero when ``|R_jj| <= k * eps * ||W||_F`` (the usual
    numerical-rank tolerance); the exponent is then ``-inf`` for good, since a
    collapsed volume never recovers.  The exponents are sorted descending at the
    end (QR ordering already gives this in the limit).

    References
    ----------
    .. [1] G. Benettin, L. Galgani, A. Giorgilli, J.-M. Strelcyn, "Lyapunov
       characteristic exponents for smooth dynamical systems and for Hamiltonian
       systems; a method for computing all of them", Meccanica 15, 9-30 (1980).
    .. [2] I. Shimada, T. Nagashima, "A numerical approach to ergodic problem of
       dissipative dynamical systems", Prog. Theor. Phys. 61, 1605 (1979).

    Examples
    --------
    >>> from dynsys.systems import LinearMap
    >>> res = lyapunov_spectrum(LinearMap([[2.0, 1.0], [0.0, 0.5]]), [1.0, 1.0], 200, transient=50,
    ...                         seed=0, progress=False)
    >>> np.round(res.exponents, 6)
    array([ 0.693147, -0.693147])
    """
    dim, dt = _check_system(system)
    n_steps = check_int("n_steps", n_steps, low=1)
    transient = check_int("transient", transient, low=0)
    reortho_every = check_int("reortho_every", reortho_every, low=1)
    n_checkpoints = check_int("n_checkpoints", n_checkpoints, low=1)
    n_blocks = check_int("n_blocks", n_blocks, low=2)
    observe_every = check_int("observe_every", observe_every, low=1)
    if observe is not None and not callable(observe):
        raise TypeError(f"`observe` must be callable or None, got {type(observe).__name__}")
    if k is None:
        k = dim
    k = check_int("k", k, low=1)
    if k > dim:
        raise ValueError(f"`k` must be <= system.dim = {dim}, got {k}")
    if dim * k > 2 ** 28:
        raise ValueError(f"`k` = {k} tangent vectors of dimension {dim} need a frame of "
                         f"{dim * k * 8 / 1e9:.1f} GB in float64; pass a smaller `k` "
                         f"(dim * k must be <= 2**28)")
    if not isinstance(progress, bool):
        raise TypeError(f"`progress` must be a bool, got {progress!r}")

    if _is_torch(x0):
        import torch

        ops: Any = _TorchOps()
        if not x0.dtype.is_floating_point:
            x0 = x0.to(torch.get_default_dtype())
        x = x0.detach()
        if tuple(x.shape) != (dim,):
            raise ValueError(f"`x0` must have shape ({dim},), got {tuple(x.shape)}")
        if not ops.all_finite(x):
            raise ValueError("`x0` must be finite (no NaN or inf)")
        if frame is None:
            rng = as_generator(seed)
            frame = torch.as_tensor(rng.standard_normal((dim, k)), dtype=x.dtype).to(x.device)
        else:
            frame = torch.as_tensor(frame, dtype=x.dtype, device=x.device)
    else:
        ops = _NumpyOps()
        try:
            x = np.array(x0, dtype=float)
        except (TypeError, ValueError):
            raise TypeError(f"`x0` must be array-like of numbers, got {type(x0).__name__}") from None
        if x.shape != (dim,):
            raise ValueError(f"`x0` must have shape ({dim},), got {x.shape}")
        if not np.all(np.isfinite(x)):
            raise ValueError("`x0` must be finite (no NaN or inf)")
        if frame is None:
            frame = as_generator(seed).standard_normal((dim, k))
        else:
            frame = np.array(frame.detach().cpu().numpy() if _is_torch(frame) else frame, dtype=float)

    if tuple(frame.shape) != (dim, k):
        raise ValueError(f"`frame` must have shape ({dim}, {k}), got {tuple(frame.shape)}")
    if not ops.all_finite(frame):
        raise ValueError("`frame` must be finite (no NaN or inf)")
    Q, _ = ops.qr(frame)
    lib = ops.lib
    eps = float(np.finfo(np.float32).eps) if str(getattr(x, "dtype", "")) in ("torch.float32", "float32") \
        else float(np.finfo(float).eps)
    n_events = -(-n_steps // reortho_every)
    if lib is np:
        logs = np.zeros((n_events, k))
    else:
        logs = lib.zeros((n_events, k), dtype=x.dtype, device=x.device)
    event_steps = np.zeros(n_events, dtype=np.int64)
    singular = np.zeros(k, dtype=bool)
    total = transient + n_steps

    def partial(n_done_events: int) -> LyapunovResult | None:
        if n_done_events == 0:
            return None
        return _finish(ops.to_numpy(logs[:n_done_events]), event_steps[:n_done_events],
                       singular, dt, n_checkpoints, n_blocks)

    from tqdm.auto import tqdm

    bar = tqdm(total=total, disable=not progress, desc="lyapunov", leave=False)
    ev = 0
    cum = logs[0] * 0.0  # running sum of log|R_jj| for `observe`
    try:
        for i in range(total):
            W = system.tangent(x, i, Q)
            x = system.step(x, i)
            if tuple(W.shape) != (dim, k):
                raise ValueError(f"`system.tangent` must return an array of shape ({dim}, {k}), "
                                 f"got {tuple(W.shape)}")
            accum = i >= transient
            j = i - transient
            if not ops.all_finite(x):
                raise DivergenceError(
                    f"the state became non-finite at step {i} "
                    f"({'transient' if not accum else f'accumulation step {j}'}); "
                    "the partial result is in `.partial`", step=i, partial=partial(ev))
            if i % 1024 == 1023:
                bar.update(1024)
            if accum and not ((j + 1) % reortho_every == 0 or i == total - 1):
                Q = W
                continue
            if not ops.all_finite(W):
                raise DivergenceError(
                    f"the tangent vectors became non-finite at step {i}; "
                    "the partial result is in `.partial`", step=i, partial=partial(ev))
            Q, R = ops.qr(W)
            if not accum:
                continue
            d = ops.abs_diag(R)
            zero = d <= (k * eps) * ops.norm(W)  # stays on the device for torch
            if bool(zero.any()):
                zero_np = zero if lib is np else zero.cpu().numpy()
                new = zero_np & ~singular
                if new.any():
                    warnings.warn(f"singular tangent map at step {i}: exponent(s) "
                                  f"{[int(c) + 1 for c in np.nonzero(new)[0]]} set to -inf",
                                  RuntimeWarning, stacklevel=2)
                singular |= zero_np
                d = lib.where(zero, lib.ones_like(d), d)
            logs[ev] = lib.log(d)
            event_steps[ev] = j + 1
            ev += 1
            if observe is not None:
                cum = cum + logs[ev - 1]
                if (j + 1) % observe_every == 0 or i == total - 1:
                    observe(j + 1, x, Q, cum)
        bar.update(total - bar.n)
        bar.close()
    except BaseException:
        bar.close()
        raise
    return _finish(ops.to_numpy(logs[:ev]), event_steps[:ev], singular, dt, n_checkpoints, n_blocks)


def _finish(logs: np.ndarray, event_steps: np.ndarray, singular: np.ndarray, dt: float,
            n_checkpoints: int, n_blocks: int) -> LyapunovResult:
    n_done = int(event_steps[-1])
    cums = np.cumsum(logs, axis=0)
    lam = cums[-1] / (n_done * dt)
    # block standard error of the per-step rate (events are equally spaced except maybe the last)
    per_event_steps = np.diff(np.concatenate([[0], event_steps]))
    rates = logs / (per_event_steps[:, None] * dt)
    se = _block_stderr(rates, n_blocks)
    idx = np.unique(np.geomspace(1, len(event_steps), num=min(n_checkpoints, len(event_steps))).astype(int) - 1)
    history = cums[idx] / (event_steps[idx, None] * dt)
    checkpoints = event_steps[idx]
    lam = np.where(singular, -np.inf, lam)
    history = np.where(singular[None, :], -np.inf, history)
    se = np.where(singular, 0.0, se)
    order = np.argsort(-lam, kind="stable")
    return LyapunovResult(lam[order], se[order], history[:, order], n_done, checkpoints, dt)


# --------------------------------------------------------------------------- replicates

class ReplicateResult(NamedTuple):
    """Top exponents from independent replicates, with an error bar valid for any step correlation.

    Attributes
    ----------
    exponents : ndarray, shape (k,)
        Mean over replicates of each replicate's exponent (sorted descending within a
        replicate); ``-inf`` where a replicate found a singular tangent map.
    stderr : ndarray, shape (k,)
        ``std(per_replicate, ddof=1) / sqrt(n_replicates)``; 0 where every replicate
        gave ``-inf``, ``inf`` where only some did.
    per_replicate : ndarray, shape (n_replicates, k)
        Each replicate's exponents.
    seeds : ndarray of int, shape (n_replicates,)
        The seed of each replicate (passed to `make_system` and used for the initial
        frame); equal `seed` gives equal `seeds`, which is what pairs two runs.
    n_steps : int
        Accumulated steps per replicate.
    dt : float
        Time per step.
    """

    exponents: np.ndarray
    stderr: np.ndarray
    per_replicate: np.ndarray
    seeds: np.ndarray
    n_steps: int
    dt: float = 1.0

    @property
    def n_replicates(self) -> int:
        """Number of replicates R."""
        return int(self.per_replicate.shape[0])


def _replicate_summary(per: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r = per.shape[0]
    finite = np.isfinite(per)
    all_inf = (~finite).all(axis=0)
    some_inf = (~finite).any(axis=0) & ~all_inf
    with np.errstate(invalid="ignore"):
        mean = np.where(finite.all(axis=0), per.mean(axis=0), -np.inf)
        se = per.std(axis=0, ddof=1) / math.sqrt(r) if r > 1 else np.full(per.shape[1], np.inf)
    se = np.where(all_inf, 0.0, np.where(some_inf, np.inf, se))
    return mean, se


def lyapunov_replicates(make_system: Any, x0: Any, n_steps: int, *, n_replicates: int = 8,
                        k: int | None = None, transient: int = 0, reortho_every: int = 1,
                        seed: Any = None, progress: bool = True) -> ReplicateResult:
    """Top-`k` Lyapunov exponents from `n_replicates` independent runs, with a replicate error bar.

    Replicate ``r`` draws an integer seed ``s_r`` from `seed`, builds its system as
    ``make_system(s_r)`` (so the batch schedule and the initial weights of an optimizer
    map can differ between replicates) and starts :func:`lyapunov_spectrum` from the
    random orthonormal frame seeded by ``s_r``.  The error bar is the standard error
    of the mean over replicates, which needs no assumption about the correlation of
    the per-step log-stretches inside a run (unlike the block standard error of
    :func:`lyapunov_spectrum`, which overestimates the error when the stretches
    oscillate and cancel, as for momentum or the logistic map).

    Parameters
    ----------
    make_system : callable or system
        ``make_system(seed: int) -> system`` (a class taking the seed works too); or a
        fixed system (an instance with ``step`` and ``tangent``), in which case only the
        initial frame (and `x0`, if callable) varies.
    x0 : array_like, Tensor, or callable
        Initial state, or ``x0(system, seed) -> state`` (e.g.
        ``lambda s, _: s.initial_state()`` for an optimizer map) when the state depends
        on the replicate's system or seed.
    n_steps : int
        Steps accumulated per replicate (>= 1), after the transient.
    n_replicates : int, default 8
        Number of replicates R (>= 2).
    k, transient, reortho_every
        As for :func:`lyapunov_spectrum`.
    seed : int, numpy Generator or None
        Seeds the replicate seeds.  Two calls with the same `seed` use the same
        replicate seeds: with ``make_system`` differing only in a hyperparameter this
        is a common-random-numbers design, and :func:`paired_difference` then gives the
        difference of the exponents with a small standard error.
    progress : bool, default True
        Show a tqdm progress bar over replicates.

    Returns
    -------
    ReplicateResult

    Raises
    ------
    ValueError
        If `n_replicates` < 2, or as :func:`lyapunov_spectrum` for the other arguments.
    TypeError
        If `make_system` is neither callable nor a system, or returns a non-system.
    DivergenceError
        From the replicate that diverged (its message names the replicate and its seed).

    Notes
    -----
    The replicate exponents are i.i.d., so the mean is unbiased for the expected
    finite-time exponent and ``std / sqrt(R)`` is its standard error for any mixing
    inside a run [1]_.  For linear maps with a transient long enough to align the
    frame every replicate gives the exact exponents and the spread is zero.

    References
    ----------
    .. [1] A. Pikovsky, A. Politi, *Lyapunov Exponents: A Tool to Explore Complex
       Dynamics*, Cambridge University Press (2016), ch. 3 (finite-time exponents
       and their fluctuations).

    Examples
    --------
    >>> from dynsys.systems import Logistic
    >>> start = lambda system, s: [np.random.default_rng(s).uniform(0.1, 0.9)]
    >>> res = lyapunov_replicates(Logistic(4.0), start, 2000, n_replicates=4, transient=10,
    ...                           seed=0, progress=False)
    >>> res.per_replicate.shape, bool(abs(res.exponents[0] - np.log(2)) < 5 * res.stderr[0] + 1e-2)
    ((4, 1), True)
    """
    n_replicates = check_int("n_replicates", n_replicates, low=2)
    n_steps = check_int("n_steps", n_steps, low=1)
    transient = check_int("transient", transient, low=0)
    reortho_every = check_int("reortho_every", reortho_every, low=1)
    if not isinstance(progress, bool):
        raise TypeError(f"`progress` must be a bool, got {progress!r}")
    fixed = (hasattr(make_system, "step") and hasattr(make_system, "tangent")
             and not isinstance(make_system, type))  # a class is a factory seed -> system
    if not fixed and not callable(make_system):
        raise TypeError("`make_system` must be a callable seed -> system, or a system, got "
                        f"{type(make_system).__name__}")
    if fixed:
        _check_system(make_system)
    seeds = as_generator(seed).integers(0, 2 ** 31 - 1, size=n_replicates)

    from tqdm.auto import tqdm

    rows = []
    dt = 1.0
    for r, s in enumerate(tqdm(seeds, disable=not progress, desc="replicates", leave=False)):
        system = make_system if fixed else make_system(int(s))
        _check_system(system)
        start = x0(system, int(s)) if callable(x0) else x0
        try:
            res = lyapunov_spectrum(system, start, n_steps, k=k, transient=transient,
                                    reortho_every=reortho_every, seed=int(s), progress=False)
        except DivergenceError as exc:
            raise DivergenceError(f"replicate {r} (seed {int(s)}): {exc}", step=exc.step,
                                  partial=exc.partial) from exc
        rows.append(res.exponents)
        dt = res.dt
    per = np.array(rows, dtype=float)
    mean, se = _replicate_summary(per)
    return ReplicateResult(mean, se, per, seeds, n_steps, dt)


def paired_difference(a: ReplicateResult, b: ReplicateResult) -> ReplicateResult:
    """Exponents of `a` minus those of `b`, replicate by replicate (common random numbers).

    Parameters
    ----------
    a, b : ReplicateResult
        From :func:`lyapunov_replicates` with the same `seed`, `n_replicates` and `k`
        (so replicate ``r`` of both used the same seed: same batch schedule, initial
        weights and initial frame when `make_system` differs only in a hyperparameter).

    Returns
    -------
    ReplicateResult
        ``per_replicate = a.per_replicate - b.per_replicate`` with its mean and
        standard error ``std / sqrt(R)``; positively correlated replicates make this
        much smaller than ``hypot(a.stderr, b.stderr)``.

    Raises
    ------
    TypeError
        If `a` or `b` is not a ReplicateResult.
    ValueError
        If the replicate seeds or shapes differ, or a replicate exponent is not finite.

    Examples
    --------
    >>> from dynsys.systems import LinearMap
    >>> A = lyapunov_replicates(LinearMap([[2.0, 0.0], [0.0, 0.5]]), [1.0, 1.0], 50, seed=1,
    ...                         progress=False)
    >>> B = lyapunov_replicates(LinearMap([[1.0, 0.0], [0.0, 0.5]]), [1.0, 1.0], 50, seed=1,
    ...                         progress=False)
    >>> np.round(paired_difference(A, B).exponents, 6)
    array([0.693147, 0.      ])
    """
    for name, v in (("a", a), ("b", b)):
        if not isinstance(v, ReplicateResult):
            raise TypeError(f"`{name}` must be a ReplicateResult, got {type(v).__name__}")
    if a.per_replicate.shape != b.per_replicate.shape:
        raise ValueError(f"`a` and `b` must have the same (n_replicates, k), got "
                         f"{a.per_replicate.shape} and {b.per_replicate.shape}")
    if not np.array_equal(a.seeds, b.seeds):
        raise ValueError("`a` and `b` must come from the same `seed` (their replicate seeds differ), "
                         "otherwise the difference is not paired")
    if not (np.all(np.isfinite(a.per_replicate)) and np.all(np.isfinite(b.per_replicate))):
        raise ValueError("`a` and `b` must have finite replicate exponents to be differenced "
                         "(a singular tangent map gave -inf)")
    per = a.per_replicate - b.per_replicate
    mean, se = _replicate_summary(per)
    return ReplicateResult(mean, se, per, a.seeds.copy(), a.n_steps, a.dt)

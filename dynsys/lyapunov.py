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

__all__ = ["LyapunovResult", "Convergence", "lyapunov_spectrum", "kaplan_yorke_dimension", "ReplicateResult",
           "lyapunov_replicates", "paired_difference"]


#: A running estimate is flagged as drifting when its two halves differ by more than this
#: many standard errors of the difference (see :attr:`LyapunovResult.drifting`).
DRIFT_Z = 3.0


class Convergence(NamedTuple):
    """Whether a run's running estimates settled over its last half (``.convergence`` of a result).

    Attributes
    ----------
    converged : bool
        No exponent is still drifting.
    drifting : ndarray of bool
        Per exponent: the running estimate moved over the last half by more than ``DRIFT_Z``
        standard errors of that move.
    n_drifting : int
        How many.
    message : str
        ``"converged: ..."`` or ``"NOT converged: 8 exponents still drifting over the last half"``.
    """

    converged: bool
    drifting: np.ndarray
    n_drifting: int
    message: str


def _convergence(drifting: np.ndarray, n_steps: int) -> Convergence:
    flags = np.asarray(drifting, dtype=bool)
    k = int(flags.sum())
    total = flags.size
    if k:
        which = "exponent" if k == 1 else "exponents"
        msg = (f"NOT converged: {k} {which} (of {total}) still drifting over the last half of the run "
               f"({n_steps} steps)")
    else:
        msg = f"converged: no exponent drifts over the last half of the run ({n_steps} steps, {total} exponents)"
    return Convergence(not k, flags, k, msg)


def _shade_last_half(ax: Any, start: float, end: float, conv: Convergence) -> None:
    """Shade the last half of the run: green if converged, red if some exponent still drifts."""
    color = "tab:green" if conv.converged else "tab:red"
    label = ("last half: converged" if conv.converged
             else f"last half: {conv.n_drifting} exponent{'s' if conv.n_drifting > 1 else ''} still drifting")
    ax.axvspan(start, end, color=color, alpha=0.08, lw=0, label=label)


class LyapunovResult(NamedTuple):
    """A Lyapunov spectrum with its uncertainty, convergence history and drift diagnostic.

    For a batch of B systems (or B initial conditions) every per-member array gains a
    leading axis of length B: ``exponents`` (B, k), ``history`` (B, n_checkpoints, k),
    ``windows`` (B, n_windows, k), and so on; :meth:`member` picks one.

    Attributes
    ----------
    exponents : ndarray, shape (k,) or (B, k)
        Exponents per unit time, sorted descending; ``-inf`` where the tangent map
        was singular.
    stderr : ndarray, shape (k,) or (B, k)
        Standard errors from non-overlapping block averages of the per-QR
        log-stretches (0 for ``-inf`` exponents; ``inf`` when there were fewer than two
        QR factorisations to compare).  They assume a stationary sequence of
        stretches: see ``drift`` for when that fails (training is not stationary),
        and :func:`lyapunov_replicates` for an error bar that needs no such assumption.
        Conservative for maps whose log-stretches telescope (e.g. the logistic map),
        whose true error falls like 1/n.
    history : ndarray, shape (n_checkpoints, k) or (B, n_checkpoints, k)
        Running estimates at the steps in ``checkpoints`` (for convergence plots).
    n_steps : int
        Accumulated steps (the transient excluded).
    checkpoints : ndarray of int, shape (n_checkpoints,)
        Step counts (after the transient) at which ``history`` was recorded.
    dt : float
        Time per step.
    windows : ndarray, shape (n_windows, k) or (B, n_windows, k)
        Finite-time exponents over consecutive windows of the run (the j-th column
        belongs to the j-th exponent); the windows are ``window_edges``.
    window_edges : ndarray of int, shape (n_windows + 1,)
        Window boundaries in accumulated steps (``[0, ..., n_steps]``).
    drift : ndarray, shape (k,) or (B, k)
        Change of the running estimate over the last half of the run, ``lambda(n) -
        lambda(n / 2)`` (0 for ``-inf`` exponents): its trend, what a convergence plot shows.
    drift_stderr : ndarray, shape (k,) or (B, k)
        Its standard error if the stretches were stationary (then about ``stderr``), with
        the block variance estimated from successive differences of the block means, which
        a smooth trend barely inflates (``inf`` with fewer than four blocks).
    """

    exponents: np.ndarray
    stderr: np.ndarray
    history: np.ndarray
    n_steps: int
    checkpoints: np.ndarray
    dt: float = 1.0
    windows: np.ndarray | None = None
    window_edges: np.ndarray | None = None
    drift: np.ndarray | None = None
    drift_stderr: np.ndarray | None = None

    @property
    def sum(self) -> Any:
        """Sum of the exponents (the volume growth rate of the k-dimensional frame); one per member."""
        s = np.sum(self.exponents, axis=-1)
        return float(s) if np.ndim(s) == 0 else s

    @property
    def batch_size(self) -> int | None:
        """B for a batched run, None otherwise."""
        return None if self.exponents.ndim == 1 else int(self.exponents.shape[0])

    @property
    def drifting(self) -> np.ndarray:
        """True where the running estimate is still moving: ``|drift| > DRIFT_Z * drift_stderr``.

        A flagged exponent's ``stderr`` understates its error (the sequence of stretches is
        not stationary over the run); report finite-time exponents per window instead.
        """
        if self.drift is None:
            return np.zeros(self.exponents.shape, dtype=bool)
        floor = 1e-12 * (1.0 + np.abs(np.where(np.isfinite(self.exponents), self.exponents, 0.0)))
        with np.errstate(invalid="ignore"):
            return np.abs(self.drift) > DRIFT_Z * self.drift_stderr + floor

    @property
    def convergence(self) -> Convergence:
        """Did the running estimates settle over the last half? (All members of a batch pooled.)"""
        return _convergence(self.drifting.ravel(), self.n_steps)

    def member(self, i: int) -> "LyapunovResult":
        """The unbatched result of batch member `i`."""
        if self.batch_size is None:
            raise ValueError("`member` needs a batched result (exponents of shape (B, k))")
        i = check_int("i", i, low=-self.batch_size, high=self.batch_size - 1)
        pick = (lambda a: None if a is None else a[i])  # noqa: E731
        return self._replace(exponents=self.exponents[i], stderr=self.stderr[i], history=self.history[i],
                             windows=pick(self.windows), drift=pick(self.drift),
                             drift_stderr=pick(self.drift_stderr))

    def pooled(self) -> "ReplicateResult":
        """Batch members as independent replicates: their mean and ``std / sqrt(B)``.

        Meaningful when the members are independent runs of one system (e.g. B initial
        conditions spread over an attractor): the error bar then needs no assumption about
        correlations along a trajectory, unlike ``stderr``.

        Examples
        --------
        >>> from dynsys.systems import Logistic
        >>> x0 = np.random.default_rng(0).uniform(0.1, 0.9, (16, 1))
        >>> r = lyapunov_spectrum(Logistic(4.0), x0, 2000, transient=10, progress=False).pooled()
        >>> bool(abs(r.exponents[0] - np.log(2)) < 5 * r.stderr[0] + 1e-3)
        True
        """
        if self.batch_size is None or self.batch_size < 2:
            raise ValueError("`pooled` needs a batched result with at least 2 members")
        mean, se = _replicate_summary(np.asarray(self.exponents, dtype=float))
        return ReplicateResult(mean, se, np.array(self.exponents, dtype=float),
                               np.full(self.batch_size, -1), self.n_steps, self.dt)

    def plot_against(self, values: Any, *, name: str = "parameter", reference: Any = None,
                     max_lines: int = 4, ax: Any = None, title: str | None = None) -> Any:
        """Bifurcation-style figure of a batched run: exponents against the swept parameter.

        Parameters
        ----------
        values : array_like, shape (B,)
            The parameter value of each batch member (e.g. the r of ``Logistic(r)``).
        name : str
            Axis label.
        reference : array_like, shape (B,) or (B, k), optional
            Known exponents (closed forms, cycles), drawn dashed and named in the legend.
        max_lines : int, default 4
            Exponents drawn.
        ax, title : optional

        Returns
        -------
        matplotlib.figure.Figure

        Examples
        --------
        >>> from dynsys.systems import Logistic
        >>> r = np.linspace(2.8, 4.0, 50)
        >>> fig = lyapunov_spectrum(Logistic(r), [0.3], 2000, transient=200, progress=False).plot_against(r, name="r")
        """
        if self.batch_size is None:
            raise ValueError("`plot_against` needs a batched result (one spectrum per parameter value)")
        x = check_array("values", values, ndim=1)
        if len(x) != self.batch_size:
            raise ValueError(f"`values` must have one entry per batch member ({self.batch_size}), got {len(x)}")
        import matplotlib

        matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt

        if ax is None:
            fig, ax = plt.subplots(figsize=(7, 4))
        else:
            fig = ax.figure
        order = np.argsort(x)
        for j in range(min(max_lines, self.exponents.shape[1])):
            lam, se = self.exponents[order, j], self.stderr[order, j]
            line, = ax.plot(x[order], lam, lw=0.9, label=f"λ{j + 1}")
            ok = np.isfinite(lam) & np.isfinite(se)
            ax.fill_between(x[order][ok], (lam - 2 * se)[ok], (lam + 2 * se)[ok], color=line.get_color(), alpha=0.2)
        if reference is not None:
            ref = np.asarray(reference, dtype=float).reshape(self.batch_size, -1)
            for j in range(min(max_lines, ref.shape[1])):
                ax.plot(x[order], ref[order, j], "k--", lw=0.8, label="reference" if j == 0 else None)
        ax.axhline(0.0, color="0.5", lw=0.6)
        ax.set_xlabel(name)
        ax.set_ylabel("Lyapunov exponent (± 2 s.e.)")
        ax.set_title(title or f"exponents against {name} ({self.n_steps} steps per member, one batched run)",
                     fontsize=9)
        ax.legend(fontsize=7)
        fig.tight_layout()
        return fig

    def plot(self, *, ax: Any = None, reference: Any = None, title: str | None = None,
             member: int | None = None) -> Any:
        """Convergence plot: running estimates against time, one line per exponent.

        Reference values are dashed lines of the exponent's colour, named in the legend.
        An exponent flagged by :attr:`drifting` is marked "still drifting" in the legend,
        and the finite-time exponents per window are drawn as steps behind the running
        estimates, so the figure shows whether the estimate converged.

        Parameters
        ----------
        ax : matplotlib Axes, optional
        reference : sequence of float, optional
            Known values, drawn as dashed horizontal lines (labelled in the legend).
        title : str, optional
        member : int, optional
            Batch member to plot (batched results; default 0).

        Returns
        -------
        matplotlib.figure.Figure
        """
        if self.batch_size is not None:
            return self.member(0 if member is None else member).plot(ax=ax, reference=reference, title=title)
        import matplotlib

        matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt

        if ax is None:
            fig, ax = plt.subplots(figsize=(6, 4))
        else:
            fig = ax.figure
        time = self.checkpoints * self.dt
        drifting = self.drifting
        refs = [] if reference is None else list(np.atleast_1d(np.asarray(reference, dtype=float)))
        n_lines = self.history.shape[1]
        for j in range(n_lines):
            label = f"λ{j + 1} = {self.exponents[j]:.4g} ± {self.stderr[j]:.2g}"
            if drifting[j]:
                label += " (still drifting)"
            line, = ax.plot(time, self.history[:, j], lw=1.2, label=label if n_lines <= 10 else None)
            c = line.get_color()
            if self.windows is not None and n_lines <= 10 and np.all(np.isfinite(self.windows[:, j])):
                edges = np.maximum(self.window_edges, 1) * self.dt
                ax.stairs(self.windows[:, j], edges, color=c, alpha=0.35, lw=0.8,
                          label=f"λ{j + 1} per window" if j == 0 else None)
            if j < len(refs) and np.isfinite(refs[j]):
                ax.axhline(refs[j], ls="--", lw=0.9, color=c, label=f"reference λ{j + 1} = {refs[j]:.5g}")
        if len(time) and self.drift is not None:
            _shade_last_half(ax, max(self.n_steps / 2, 1) * self.dt, self.n_steps * self.dt, self.convergence)
        ax.set_xscale("log")
        ax.set_xlabel("time" if self.dt != 1.0 else "steps")
        ax.set_ylabel("running exponent estimate")
        ax.set_title((f"{title}\n" if title else "") + self.convergence.message, fontsize=8)
        if n_lines <= 10:
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
    """numpy backend; an unbatched QR calls LAPACK's geqrf/orgqr directly (numpy's wrapper
    costs several times the factorisation itself for the small matrices of classic systems)."""

    lib = np

    def __init__(self) -> None:
        from scipy.linalg import lapack

        self._geqrf, self._orgqr = lapack.dgeqrf, lapack.dorgqr

    def qr(self, a):
        """``(Q, R)`` with only R's diagonal meaningful (the engine uses nothing else)."""
        if a.ndim == 2:
            raw, tau, _, info = self._geqrf(a)
            if info != 0:  # pragma: no cover - LAPACK argument error
                raise np.linalg.LinAlgError(f"geqrf failed with info={info}")
            q, _, info = self._orgqr(raw, tau)
            return q, raw
        if a.shape[-1] == 1:  # one column per member: QR is a normalisation
            n = np.sqrt(np.einsum("...ij,...ij->...j", a, a))[..., None, :]
            with np.errstate(invalid="ignore", divide="ignore"):
                return a / np.where(n > 0, n, 1.0), n
        return np.linalg.qr(a)

    @staticmethod
    def all_finite(a, axes):
        if a.ndim == len(axes):
            return np.isfinite(a).all()
        return np.isfinite(a).all(axis=axes)

    @staticmethod
    def abs_diag(r):
        return np.abs(np.diagonal(r, axis1=-2, axis2=-1))

    @staticmethod
    def norm(a) -> Any:
        if a.ndim == 2:
            return math.sqrt(np.vdot(a, a))
        return np.sqrt(np.einsum("...ij,...ij->...", a, a))

    @staticmethod
    def to_numpy(a):
        return np.asarray(a, dtype=float)

    @staticmethod
    def zeros(shape, like):
        return np.zeros(shape)

    @staticmethod
    def as_host_bool(a):
        return np.asarray(a, dtype=bool)


class _TorchOps:
    def __init__(self):
        import torch

        self.lib = torch

    def qr(self, a):
        return self.lib.linalg.qr(a)

    def all_finite(self, a, axes):
        return self.lib.isfinite(a).flatten(start_dim=a.ndim - len(axes)).all(dim=-1)

    def abs_diag(self, r):
        return self.lib.diagonal(r, dim1=-2, dim2=-1).abs()

    def norm(self, a):
        return self.lib.linalg.matrix_norm(a)

    @staticmethod
    def to_numpy(a):
        return a.detach().to("cpu").double().numpy()

    def zeros(self, shape, like):
        return self.lib.zeros(shape, dtype=like.dtype, device=like.device)

    @staticmethod
    def as_host_bool(a):
        return np.asarray(a.detach().cpu().numpy() if _is_torch(a) else a, dtype=bool)


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


def _system_batch(system: Any) -> int | None:
    b = getattr(system, "batch_size", None)
    return None if b is None else check_int("system.batch_size", b, low=1)


def _prepare_state(system: Any, x0: Any, dim: int, batch: int | None) -> tuple[Any, Any, int | None]:
    """``(ops, x, B)``: the backend, the initial state (broadcast to the batch) and the batch size.

    A system with a torch ``dtype`` (e.g. :class:`~dynsys.optim_map.OptimizerMap`) gets its
    state as a tensor of that dtype on its device, whatever `x0` was (numpy, float32...).
    """
    sys_dtype = getattr(system, "dtype", None)
    wants_torch = sys_dtype is not None and type(sys_dtype).__module__.startswith("torch")
    if _is_torch(x0) or wants_torch:
        import torch

        ops: Any = _TorchOps()
        if _is_torch(x0):
            x = x0.detach()
            if not x.dtype.is_floating_point:
                x = x.to(torch.get_default_dtype())
        else:
            try:
                x = torch.as_tensor(np.asarray(x0, dtype=float))
            except (TypeError, ValueError):
                raise TypeError(f"`x0` must be array-like of numbers or a tensor, "
                                f"got {type(x0).__name__}") from None
        if wants_torch:
            x = x.to(dtype=sys_dtype, device=getattr(system, "device", x.device))
        shape = tuple(x.shape)
    else:
        ops = _NumpyOps()
        try:
            x = np.array(x0, dtype=float)
        except (TypeError, ValueError):
            raise TypeError(f"`x0` must be array-like of numbers, got {type(x0).__name__}") from None
        shape = x.shape
    if len(shape) == 2 and shape[1] == dim:
        if not getattr(system, "batched", False):
            raise ValueError(f"`x0` of shape {shape} is a batch of initial conditions, but "
                             f"{type(system).__name__} does not take batched states "
                             f"(no `batched = True`); pass shape ({dim},)")
        if batch is not None and shape[0] != batch:
            raise ValueError(f"`x0` has {shape[0]} initial conditions but the system is a batch of "
                             f"{batch}; pass shape ({dim},) or ({batch}, {dim})")
        batch = shape[0]
    elif shape != (dim,):
        allowed = f"({dim},)" + ("" if not getattr(system, "batched", False) else f" or (B, {dim})")
        raise ValueError(f"`x0` must have shape {allowed}, got {shape}")
    elif batch is not None:
        x = x.expand(batch, dim).clone() if ops.lib is not np else np.tile(x, (batch, 1))
    if not bool(ops.all_finite(x, (-1,)).all()):
        raise ValueError("`x0` must be finite (no NaN or inf)")
    return ops, x, batch


def _block_stderr(sums: np.ndarray, steps: np.ndarray, dt: float) -> np.ndarray:
    """Standard error of the mean rate from contiguous block sums (shape (b, ..., k))."""
    b = sums.shape[0]
    if b < 2:
        return np.full(sums.shape[1:], np.inf)  # one block: no estimate of the spread
    means = sums / (steps.reshape((-1,) + (1,) * (sums.ndim - 1)) * dt)
    with np.errstate(invalid="ignore"):
        return means.std(axis=0, ddof=1) / math.sqrt(b)


class _Accumulator:
    """Streaming statistics of the per-QR log-stretches: O(1) memory in the number of steps.

    Events (QR factorisations after the transient) are buffered in chunks; a flush turns
    a chunk into running sums, checkpoints of the running estimate, block sums (for the
    standard error and the drift) and window sums (finite-time exponents per window).
    """

    def __init__(self, ops: Any, like: Any, lead: tuple, n_steps: int, every: int,
                 n_checkpoints: int, n_blocks: int, n_windows: int) -> None:
        self.ops, self.lead, self.n_steps, self.every = ops, lead, n_steps, every
        self.n_events = ne = -(-n_steps // every)
        per = int(np.prod(lead))
        self.chunk = max(1, min(4096, 2 ** 21 // max(per, 1)))
        self.buf = ops.zeros((self.chunk,) + lead, like)
        self.n_buf = 0
        self.done = 0  # events flushed
        self.cum = ops.zeros(lead, like)
        ck = np.unique(np.geomspace(1, ne, num=min(n_checkpoints, ne)).astype(int) - 1)
        self.ck_events = ck
        self.hist: list = []
        b = min(n_blocks, ne)
        self.block_size = ne // b
        self.n_blocks = b
        self.block_sums = ops.zeros((b,) + lead, like)
        w = min(n_windows, ne)
        self.win_bounds = np.unique(np.round(np.linspace(0, ne, w + 1)).astype(int))
        self.win_sums = ops.zeros((len(self.win_bounds) - 1,) + lead, like)

    def event_end(self, ev: np.ndarray) -> np.ndarray:
        """Accumulated step at which event `ev` (0-based) ends."""
        return np.minimum((np.asarray(ev) + 1) * self.every, self.n_steps)

    def add(self, logd: Any) -> None:
        self.buf[self.n_buf] = logd
        self.n_buf += 1
        if self.n_buf == self.chunk:
            self.flush()

    def flush(self) -> None:
        n = self.n_buf
        if n == 0:
            return
        lib = self.ops.lib
        e0, e1 = self.done, self.done + n
        chunk = self.buf[:n]
        cs = lib.cumsum(chunk, 0) + self.cum
        sel = self.ck_events[(self.ck_events >= e0) & (self.ck_events < e1)]
        for ev in sel:
            self.hist.append(cs[int(ev) - e0] + 0.0)
        bs = self.block_size
        for blk in range(e0 // bs, min((e1 - 1) // bs, self.n_blocks - 1) + 1):
            lo, hi = max(blk * bs, e0), min((blk + 1) * bs, e1)
            if lo < hi:
                self.block_sums[blk] += chunk[lo - e0:hi - e0].sum(0)
        wb = self.win_bounds
        for w in range(len(wb) - 1):
            lo, hi = max(wb[w], e0), min(wb[w + 1], e1)
            if lo < hi:
                self.win_sums[w] += chunk[lo - e0:hi - e0].sum(0)
        self.cum = cs[-1] + 0.0
        self.done = e1
        self.n_buf = 0

    def finish(self, singular: np.ndarray, dt: float, batched: bool) -> LyapunovResult:
        """The result from the events so far (also used for the partial result of a failure)."""
        self.flush()
        ops, ne = self.ops, self.done
        n_done = int(self.event_end(ne - 1))
        lam = ops.to_numpy(self.cum) / (n_done * dt)
        ck = self.ck_events[: len(self.hist)]
        steps_ck = self.event_end(ck)
        hist = ops.to_numpy(self.ops.lib.stack(self.hist)) if self.hist else np.zeros((0,) + self.lead)
        hist = hist / (steps_ck.reshape((-1,) + (1,) * len(self.lead)) * dt)
        # complete blocks only (a failure may stop inside one)
        bs = self.block_size
        nb = min(ne // bs, self.n_blocks)
        bsum = ops.to_numpy(self.block_sums[:nb])
        bsteps = np.array([self.event_end((i + 1) * bs - 1) - (self.event_end(i * bs - 1) if i else 0)
                           for i in range(nb)], dtype=float)
        se = _block_stderr(bsum, bsteps, dt)
        half = nb // 2
        if half >= 2:
            # the running estimate's change over the last half of the run, and its standard error
            # under stationarity, with the block variance from successive differences (von
            # Neumann), which a smooth trend barely inflates (unlike the spread of the blocks)
            n_a, n_all = bsteps[:half].sum(), bsteps.sum()
            drift = bsum.sum(0) / (n_all * dt) - bsum[:half].sum(0) / (n_a * dt)
            means = bsum / (bsteps.reshape((-1,) + (1,) * len(self.lead)) * dt)
            v = (np.diff(means, axis=0) ** 2).sum(0) / (2 * (nb - 1))
            frac_b = (n_all - n_a) / n_all
            drift_se = frac_b * np.sqrt(v * (1.0 / half + 1.0 / (nb - half)))
        else:
            drift = np.zeros(self.lead)
            drift_se = np.full(self.lead, np.inf)
        wb = self.win_bounds[self.win_bounds <= ne]
        edges = np.concatenate([[0], self.event_end(wb[1:] - 1)]) if len(wb) > 1 else np.array([0])
        wsum = ops.to_numpy(self.win_sums[: len(wb) - 1])
        windows = wsum / (np.diff(edges).reshape((-1,) + (1,) * len(self.lead)) * dt)
        sing = np.broadcast_to(singular, self.lead)
        lam = np.where(sing, -np.inf, lam)
        se = np.where(sing, 0.0, se)
        drift = np.where(sing, 0.0, drift)
        drift_se = np.where(sing, 0.0, drift_se)
        hist = np.where(sing[None], -np.inf, hist)
        windows = np.where(sing[None], -np.inf, windows)
        # per member: exponents descending; history and windows move to (B, n, k)
        order = np.argsort(-lam, axis=-1, kind="stable")
        take = lambda a: np.take_along_axis(a, order, axis=-1)  # noqa: E731
        take_t = lambda a: np.take_along_axis(a, order[None], axis=-1)  # noqa: E731
        hist, windows = take_t(hist), take_t(windows)
        if batched:
            hist, windows = np.moveaxis(hist, 0, 1), np.moveaxis(windows, 0, 1)
        return LyapunovResult(take(lam), take(se), hist, n_done, steps_ck.astype(np.int64), dt,
                              windows, edges.astype(np.int64), take(drift), take(drift_se))


def _warn_drift(res: LyapunovResult, stacklevel: int = 3) -> None:
    flags = res.drifting
    if not flags.any():
        return
    if res.batch_size is None:
        cols = [int(j) + 1 for j in np.nonzero(flags)[0]]
        j = cols[0] - 1
        msg = (f"the running estimate of exponent(s) {cols} is still drifting: it moved by {res.drift[j]:+.3g} "
               f"over the last half of the run for exponent {cols[0]}, more than "
               f"{DRIFT_Z:g} standard errors ({res.drift_stderr[j]:.2g}); its `stderr` assumes a stationary "
               f"sequence and understates the error. Report `windows` (finite-time exponents per window), "
               f"run longer, or use lyapunov_replicates")
    else:
        members = [int(b) for b in np.nonzero(flags.any(axis=-1))[0]]
        if len(members) <= 1 + 0.02 * res.batch_size:  # chance flags ~1 % of stationary members
            return
        msg = (f"the running estimates of {len(members)} batch member(s) are still drifting (members "
               f"{members[:10]}{'...' if len(members) > 10 else ''}; see `drifting`): their `stderr` "
               f"understates the error")
    warnings.warn(msg, RuntimeWarning, stacklevel=stacklevel)


def lyapunov_spectrum(system: Any, x0: Any, n_steps: int, *, k: int | None = None,
                      transient: int = 0, reortho_every: int = 1, seed: Any = None,
                      n_checkpoints: int = 200, n_blocks: int = 20, n_windows: int = 10,
                      observe: Any = None, observe_every: int = 1, frame: Any = None,
                      progress: bool = True) -> LyapunovResult:
    """The top-`k` Lyapunov exponents of a map or flow by repeated QR (Benettin's method).

    Parameters
    ----------
    system : object
        Has ``dim``, ``dt``, ``step(x, t)`` and ``tangent(x, t, V)`` (see the module
        docstring).  A system with ``batched = True`` accepts states with a leading batch
        axis; with a ``batch_size`` (array parameters) it is a batch of systems.
    x0 : array_like or torch.Tensor, shape (dim,) or (B, dim)
        Initial state, finite.  Shape (B, dim) runs B initial conditions at once (the
        system must be ``batched``); shape (dim,) is broadcast over a batched system.
        A torch tensor keeps the loop in torch on its device and dtype; a system with a
        torch ``dtype`` (an :class:`~dynsys.optim_map.OptimizerMap`) gets `x0` converted to
        its dtype and device; anything else runs in float64 numpy.
    n_steps : int
        Steps accumulated (>= 1), after the transient.
    k : int, optional
        Number of exponents (tangent vectors), ``1 <= k <= dim``; default ``dim``.
    transient : int, default 0
        Steps run first while the frame is re-orthonormalised but nothing is
        accumulated (lets the state reach the attractor and the frame align).
    reortho_every : int, default 1
        Steps between QR decompositions.  Larger is cheaper; if the frame collapses
        numerically between two factorisations (columns aligned beyond rounding, or
        overflow), that interval is recomputed with a QR every step, so the answer never
        depends on this choice beyond rounding.
    seed : int, numpy Generator or None
        Seeds the random orthonormal initial frame (one per batch member).
    n_checkpoints : int, default 200
        Number of (log-spaced) checkpoints kept in ``history``.
    n_blocks : int, default 20
        Blocks for the standard error and the drift diagnostic.
    n_windows : int, default 10
        Consecutive windows for the finite-time exponents in ``windows``.
    observe : callable, optional
        Called as ``observe(n, x, Q, log_r)`` after the QR of accumulated step ``n``
        (1-based, after the transient) when ``n % observe_every == 0`` and at the last
        step, with the current state ``x``, the orthonormal frame ``Q`` (dim, k) and
        the accumulated ``sum log |R_jj|`` per column (same library as ``x``).  Used
        for diagnostics along the orbit, such as function-space growth.
    observe_every : int, default 1
    frame : array_like or Tensor, shape (dim, k) or (B, dim, k), optional
        Initial tangent frame (orthonormalised by QR before use); overrides `seed`.
    progress : bool, default True
        Show a tqdm progress bar.

    Returns
    -------
    LyapunovResult
        Batched (leading axis B on every per-member array) when `x0` or the system is.

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
        (``None`` if it happened during the transient).  For a batch the message names
        the members that diverged.

    Warns
    -----
    RuntimeWarning
        When a diagonal entry of R is numerically zero (a singular tangent map):
        that exponent is reported as ``-inf``.  When the running estimate is still
        drifting (see :attr:`LyapunovResult.drifting`).

    Notes
    -----
    Every ``reortho_every`` steps the evolved frame ``W = J ... J Q`` is factored
    ``W = Q R``; ``log |R_jj|`` is accumulated and ``Q`` is kept, so the sum divided
    by the elapsed time ``n_steps * dt`` converges to the j-th exponent [1]_ [2]_.
    Using ``|R_jj|`` makes the result independent of the sign convention of the QR
    routine.  ``R_jj`` counts as zero when ``|R_jj| <= k * eps * ||W||_F`` (the usual
    numerical-rank tolerance) after a single step; the exponent is then ``-inf`` for
    good, since a collapsed volume never recovers.  The exponents are sorted
    descending at the end (QR ordering already gives this in the limit).

    The log-stretches are reduced as they come (running sums, block sums, window sums
    and checkpoints), so memory does not grow with `n_steps`.  A batch runs all its
    members in one vectorised loop: the per-step cost is that of one array operation on
    B states, not B Python-level steps.

    References
    ----------
    .. [1] G. Benettin, L. Galgani, A. Giorgilli, J.-M. Strelcyn, "Lyapunov
       characteristic exponents for smooth dynamical systems and for Hamiltonian
       systems; a method for computing all of them", Meccanica 15, 9-30 (1980).
    .. [2] I. Shimada, T. Nagashima, "A numerical approach to ergodic problem of
       dissipative dynamical systems", Prog. Theor. Phys. 61, 1605 (1979).

    Examples
    --------
    >>> from dynsys.systems import LinearMap, Logistic
    >>> res = lyapunov_spectrum(LinearMap([[2.0, 1.0], [0.0, 0.5]]), [1.0, 1.0], 200, transient=50,
    ...                         seed=0, progress=False)
    >>> np.round(res.exponents, 6)
    array([ 0.693147, -0.693147])
    >>> grid = lyapunov_spectrum(Logistic([2.5, 4.0]), [0.3], 20_000, transient=100, progress=False)
    >>> np.round(grid.exponents[:, 0], 3)   # ln|2 - r| on the fixed point; ln 2 at r = 4
    array([-0.693,  0.693])
    """
    dim, dt = _check_system(system)
    n_steps = check_int("n_steps", n_steps, low=1)
    transient = check_int("transient", transient, low=0)
    reortho_every = check_int("reortho_every", reortho_every, low=1)
    n_checkpoints = check_int("n_checkpoints", n_checkpoints, low=1)
    n_blocks = check_int("n_blocks", n_blocks, low=2)
    n_windows = check_int("n_windows", n_windows, low=1)
    observe_every = check_int("observe_every", observe_every, low=1)
    if observe is not None and not callable(observe):
        raise TypeError(f"`observe` must be callable or None, got {type(observe).__name__}")
    if k is None:
        k = dim
    k = check_int("k", k, low=1)
    if k > dim:
        raise ValueError(f"`k` must be <= system.dim = {dim}, got {k}")
    if not isinstance(progress, bool):
        raise TypeError(f"`progress` must be a bool, got {progress!r}")
    ops, x, batch = _prepare_state(system, x0, dim, _system_batch(system))
    members = 1 if batch is None else batch
    if members * dim * k > 2 ** 28:
        raise ValueError(f"`k` = {k} tangent vectors of dimension {dim}"
                         + (f" for {members} batch members" if batch else "")
                         + f" need a frame of {members * dim * k * 8 / 2 ** 30:.1f} GiB in float64 "
                         f"(and as much per tangent evaluation); pass a smaller `k` or batch "
                         f"(members * dim * k must be <= 2**28)")
    if batch is not None and observe is not None:
        raise ValueError("`observe` is not supported for batched runs; run members one at a time")
    lead = (k,) if batch is None else (batch, k)
    fshape = (dim, k) if batch is None else (batch, dim, k)
    lib = ops.lib
    if lib is np:
        if frame is None:
            frame = as_generator(seed).standard_normal(fshape)
        else:
            frame = np.array(frame.detach().cpu().numpy() if _is_torch(frame) else frame, dtype=float)
    else:
        if frame is None:
            frame = lib.as_tensor(as_generator(seed).standard_normal(fshape), dtype=x.dtype).to(x.device)
        else:
            frame = lib.as_tensor(frame, dtype=x.dtype, device=x.device)
    if batch is not None and tuple(frame.shape) == (dim, k):
        frame = frame[None].repeat(batch, 0) if lib is np else frame.expand(batch, dim, k).clone()
    if tuple(frame.shape) != fshape:
        raise ValueError(f"`frame` must have shape {fshape}, got {tuple(frame.shape)}")
    if not bool(ops.all_finite(frame, (-2, -1)).all()):
        raise ValueError("`frame` must be finite (no NaN or inf)")
    Q, _ = ops.qr(frame)
    eps = float(np.finfo(np.float32).eps) if str(getattr(x, "dtype", "")) in ("torch.float32", "float32") \
        else float(np.finfo(float).eps)
    acc = _Accumulator(ops, x, lead, n_steps, reortho_every, n_checkpoints, n_blocks, n_windows)
    singular = np.zeros(lead, dtype=bool)
    total = transient + n_steps

    def partial() -> LyapunovResult | None:
        if acc.done + acc.n_buf == 0:
            return None
        return acc.finish(singular, dt, batch is not None)

    def where(bad: Any) -> str:
        if batch is None:
            return ""
        idx = np.nonzero(ops.as_host_bool(bad))[0]
        return f" in batch member(s) {idx[:10].tolist()}{'...' if len(idx) > 10 else ''}"

    def stretch(W: Any, i: int) -> tuple[Any, Any, Any]:
        """QR of the evolved frame: ``(Q, |R_jj| with zeros replaced by 1, zero mask)``."""
        Qn, R = ops.qr(W)
        d = ops.abs_diag(R)
        nrm = ops.norm(W)
        zero = d <= (k * eps) * (nrm if batch is None else nrm[..., None])
        return Qn, d, zero

    def safe_log(d: Any, zero: Any) -> Any:
        """log d, with 0 where the stretch was numerically zero (that exponent becomes -inf)."""
        return lib.log(lib.where(zero, lib.ones_like(d), d)) if bool(zero.any()) else lib.log(d)

    def replay(x_ref: Any, Q_ref: Any, i0: int, i1: int) -> tuple[Any, Any, Any]:
        """Steps i0..i1 again with a QR every step: the exact log-stretch over the interval."""
        xr, Qr, total_log, any_zero = x_ref, Q_ref, None, None
        for ii in range(i0, i1 + 1):
            W = system.tangent(xr, ii, Qr)
            xr = system.step(xr, ii)
            Qr, d, zero = stretch(W, ii)
            d = safe_log(d, zero)
            total_log = d if total_log is None else total_log + d
            any_zero = zero if any_zero is None else any_zero | zero
        return Qr, total_log, any_zero

    from tqdm.auto import tqdm

    bar = tqdm(total=total, disable=not progress, desc="lyapunov", leave=False)
    x_ref, Q_ref, i_ref = x, Q, 0
    errstate = np.errstate(over="ignore", invalid="ignore")  # non-finite values are caught below
    errstate.__enter__()
    try:
        for i in range(total):
            W = system.tangent(x, i, Q)
            x = system.step(x, i)
            if tuple(W.shape) != fshape:
                raise ValueError(f"`system.tangent` must return an array of shape {fshape}, "
                                 f"got {tuple(W.shape)}")
            accum = i >= transient
            j = i - transient
            ok = ops.all_finite(x, (-1,))
            if not (bool(ok) if batch is None else bool(ok.all())):
                raise DivergenceError(
                    f"the state became non-finite at step {i}{where(~ok)} "
                    f"({'transient' if not accum else f'accumulation step {j}'}); "
                    "the partial result is in `.partial`", step=i, partial=partial())
            if i % 1024 == 1023:
                bar.update(1024)
            if accum and not ((j + 1) % reortho_every == 0 or i == total - 1):
                Q = W
                continue
            long_interval = accum and i > i_ref
            okW = ops.all_finite(W, (-2, -1))
            if not (bool(okW) if batch is None else bool(okW.all())):
                if not long_interval:
                    raise DivergenceError(
                        f"the tangent vectors became non-finite at step {i}{where(~okW)}; "
                        "the partial result is in `.partial`", step=i, partial=partial())
                Q, logd, zero = replay(x_ref, Q_ref, i_ref, i)
            else:
                Q, d, zero = stretch(W, i)
                if bool(zero.any()) and long_interval:
                    # the columns may have collapsed numerically between two QRs: redo the interval
                    Q, logd, zero = replay(x_ref, Q_ref, i_ref, i)
                else:
                    logd = safe_log(d, zero)
            x_ref, Q_ref, i_ref = x, Q, i + 1
            if not accum:
                continue
            if bool(zero.any()):
                zero_np = ops.as_host_bool(zero)
                new = zero_np & ~singular
                if new.any():
                    cols = sorted({int(c) + 1 for c in np.nonzero(new)[-1]})
                    warnings.warn(f"singular tangent map at step {i}{where(new.any(axis=-1)) if batch else ''}: "
                                  f"exponent(s) {cols} set to -inf", RuntimeWarning, stacklevel=2)
                singular |= zero_np
            acc.add(logd)
            if observe is not None and ((j + 1) % observe_every == 0 or i == total - 1):
                acc.flush()
                observe(j + 1, x, Q, acc.cum)
        bar.update(total - bar.n)
    finally:
        bar.close()
        errstate.__exit__(None, None, None)
    res = acc.finish(singular, dt, batch is not None)
    _warn_drift(res)
    return res


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
    windows : ndarray, shape (n_windows, k), optional
        Finite-time exponents per window of the run, averaged over replicates (the
        windows are ``window_edges``, in accumulated steps).
    windows_stderr : ndarray, shape (n_windows, k), optional
        Their replicate standard errors.
    window_edges : ndarray of int, optional
    drift : ndarray, shape (k,), optional
        Mean over replicates of the running estimate's change over the last half of the run.
    drift_stderr : ndarray, shape (k,), optional
        Its replicate standard error (valid for non-stationary runs such as training).
    """

    exponents: np.ndarray
    stderr: np.ndarray
    per_replicate: np.ndarray
    seeds: np.ndarray
    n_steps: int
    dt: float = 1.0
    windows: np.ndarray | None = None
    windows_stderr: np.ndarray | None = None
    window_edges: np.ndarray | None = None
    drift: np.ndarray | None = None
    drift_stderr: np.ndarray | None = None

    @property
    def n_replicates(self) -> int:
        """Number of replicates R."""
        return int(self.per_replicate.shape[0])

    @property
    def drifting(self) -> np.ndarray:
        """True where the replicate-averaged running estimate still moves (``|drift| > DRIFT_Z se``)."""
        return LyapunovResult.drifting.fget(self)  # same rule as a single run

    @property
    def convergence(self) -> Convergence:
        """Did the replicate-averaged running estimates settle over the last half of the run?"""
        return _convergence(self.drifting, self.n_steps)

    def plot(self, *, ax: Any = None, reference: Any = None, title: str | None = None,
             max_lines: int = 8) -> Any:
        """Finite-time exponents per window (mean ± 2 replicate s.e.) against the window's end.

        A converged exponent is flat across the windows and inside the band of its overall
        mean; one that is still drifting (:attr:`drifting`) says so in the legend.
        Reference values are dashed lines of the exponent's colour, named in the legend.

        Returns
        -------
        matplotlib.figure.Figure
        """
        if self.windows is None:
            raise ValueError("this ReplicateResult has no windows to plot (made by paired_difference)")
        import matplotlib

        matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt

        if ax is None:
            fig, ax = plt.subplots(figsize=(6, 4))
        else:
            fig = ax.figure
        ends = self.window_edges[1:] * self.dt
        refs = [] if reference is None else list(np.atleast_1d(np.asarray(reference, dtype=float)))
        flags = self.drifting
        for j in range(min(max_lines, self.windows.shape[1])):
            label = f"λ{j + 1} = {self.exponents[j]:.3g} ± {self.stderr[j]:.2g}"
            if flags[j]:
                label += f" (still drifting: {self.drift[j]:+.2g} over the last half)"
            bars = ax.errorbar(ends, self.windows[:, j], yerr=2 * self.windows_stderr[:, j], marker="o", ms=3,
                               capsize=2, lw=1.0, label=label)
            c = bars[0].get_color()
            ax.axhspan(self.exponents[j] - 2 * self.stderr[j], self.exponents[j] + 2 * self.stderr[j], color=c,
                       alpha=0.12)
            if j < len(refs) and np.isfinite(refs[j]):
                ax.axhline(refs[j], ls="--", lw=0.9, color=c, label=f"reference λ{j + 1} = {refs[j]:.5g}")
        if self.drift is not None:
            _shade_last_half(ax, self.n_steps / 2 * self.dt, self.n_steps * self.dt, self.convergence)
        ax.set_xlabel("end of window (time)" if self.dt != 1.0 else "end of window (steps)")
        ax.set_ylabel("finite-time exponent per window")
        ax.set_title((f"{title}\n" if title else "") + f"mean ± 2 s.e. over {self.n_replicates} replicates; "
                     f"bands: whole run ± 2 s.e.\n{self.convergence.message}", fontsize=8)
        ax.legend(fontsize=7)
        fig.tight_layout()
        return fig


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
                        n_windows: int = 10, seed: Any = None, progress: bool = True) -> ReplicateResult:
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
    k, transient, reortho_every, n_windows
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

    rows, wins, drifts = [], [], []
    dt, edges = 1.0, None
    for r, s in enumerate(tqdm(seeds, disable=not progress, desc="replicates", leave=False)):
        system = make_system if fixed else make_system(int(s))
        _check_system(system)
        start = x0(system, int(s)) if callable(x0) else x0
        try:
            with warnings.catch_warnings():  # the drift of the replicate mean is judged below
                warnings.filterwarnings("ignore", message=".*still drifting", category=RuntimeWarning)
                res = lyapunov_spectrum(system, start, n_steps, k=k, transient=transient,
                                        reortho_every=reortho_every, seed=int(s), n_windows=n_windows,
                                        progress=False)
        except DivergenceError as exc:
            raise DivergenceError(f"replicate {r} (seed {int(s)}): {exc}", step=exc.step,
                                  partial=exc.partial) from exc
        rows.append(res.exponents)
        wins.append(res.windows)
        drifts.append(res.drift)
        dt, edges = res.dt, res.window_edges
    per = np.array(rows, dtype=float)
    mean, se = _replicate_summary(per)
    w = np.array(wins, dtype=float)
    w_mean, w_se = _replicate_summary(w.reshape(len(rows), -1))
    d_mean, d_se = _replicate_summary(np.array(drifts, dtype=float))
    out = ReplicateResult(mean, se, per, seeds, n_steps, dt, w_mean.reshape(w.shape[1:]),
                          w_se.reshape(w.shape[1:]), edges, d_mean, d_se)
    flags = out.drifting
    if flags.any():
        j = int(np.nonzero(flags)[0][0])
        warnings.warn(f"the running estimate of exponent(s) {[int(c) + 1 for c in np.nonzero(flags)[0]]} is "
                      f"still drifting: over {n_replicates} replicates it moved by {out.drift[j]:+.3g} +- "
                      f"{out.drift_stderr[j]:.2g} over the last half of the run for exponent {j + 1}; the "
                      f"exponent depends on the window of the run (see `windows`)",
                      RuntimeWarning, stacklevel=2)
    return out


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

"""Is a running estimate still moving? The drift check shared by every trace the libraries print.

A standard error from block (batch) means assumes a stationary sequence. Training, a chain
still burning in, or an SGLD trace whose step size is too large are not stationary, and then
``mean ± stderr`` reads as a precise number while the running mean is still sliding. The
check asks the question a convergence plot answers by eye: did the running mean move over
the last half of the trace by more than its own noise?

- drift: ``mean(x[:n]) - mean(x[:n/2])``, the change of the running mean over the last half,
  which equals half the difference between the means of the two halves;
- its standard error under stationarity, from ``b`` batch means (``b ~ sqrt(n)``, even) with
  the batch variance estimated by von Neumann's mean square successive difference, which a
  smooth trend barely inflates (the plain spread of the batch means would grow with the
  trend and hide it);
- the flag: ``|drift| > q * drift_stderr`` with ``q`` the Student-t quantile of the von
  Neumann estimator's effective degrees of freedom, ``2 (b-1)^2 / (3b - 4)``, at the
  two-sided level of ``z`` normal standard errors (``z = 3``: 0.27 %). Short traces have few
  batches and a wide quantile, so they are flagged only for a large move.

References
----------
.. [1] J. von Neumann, R. H. Kent, H. R. Bellinson, B. I. Hart, "The mean square successive
   difference", Ann. Math. Statist. 12, 153-162 (1941).
.. [2] J. Geweke, "Evaluating the accuracy of sampling-based approaches to the calculation
   of posterior moments", Bayesian Statistics 4 (1992) (comparing early and late means).
.. [3] G. L. Jones, M. Haran, B. S. Caffo, R. Neath, "Fixed-width output analysis for
   Markov chain Monte Carlo", JASA 101, 1537-1547 (2006) (batch size ~ sqrt(n)).
"""

from __future__ import annotations

import math
import numbers
from typing import Any, NamedTuple

import numpy as np

__all__ = ["DriftCheck", "drift_check", "MIN_DRIFT_LENGTH"]

#: Shortest trace :func:`drift_check` accepts: 8 batches of 2.
MIN_DRIFT_LENGTH = 16


class DriftCheck(NamedTuple):
    """Whether a trace's running mean still moves over its last half.

    Attributes
    ----------
    drift : float
        ``mean(x) - mean(x[:n/2])``: the change of the running mean over the last half.
    drift_stderr : float
        Its standard error if the trace were stationary (batch means, von Neumann variance).
    threshold : float
        The flag fires at ``|drift| > threshold * drift_stderr`` (a Student-t quantile).
    drifting : bool
        Whether it fired.
    n_batches : int
        Batch means used (even; the first ``n mod n_batches`` samples are left out).
    dof : float
        Effective degrees of freedom of the variance estimate.
    """

    drift: float
    drift_stderr: float
    threshold: float
    drifting: bool
    n_batches: int
    dof: float

    @property
    def z(self) -> float:
        """``drift / drift_stderr`` (0 for a constant trace)."""
        if self.drift_stderr == 0:
            return 0.0 if self.drift == 0 else math.copysign(math.inf, self.drift)
        return self.drift / self.drift_stderr

    def describe(self) -> str:
        """One line: the drift, its standard error and the verdict."""
        verdict = "STILL DRIFTING" if self.drifting else "no drift detected"
        return (f"drift over the last half {self.drift:+.3g} ± {self.drift_stderr:.2g} "
                f"(z = {self.z:+.1f}, flag at {self.threshold:.2f}): {verdict}")


def _check_trace(trace: Any, name: str) -> np.ndarray:
    if trace is None or isinstance(trace, (str, bytes, bool, dict, set)):
        raise TypeError(f"`{name}` must be a 1-D array of numbers, got {type(trace).__name__} {trace!r:.60}")
    try:
        x = np.asarray(trace.detach().cpu().numpy() if hasattr(trace, "detach") else trace)
    except (TypeError, ValueError, RuntimeError) as exc:
        raise TypeError(f"`{name}` must be a 1-D array of numbers, got {type(trace).__name__}") from exc
    if np.iscomplexobj(x):
        raise TypeError(f"`{name}` must be real, got complex values (pass {name}.real or abs({name}) explicitly)")
    if x.dtype.kind not in "fiub":
        raise TypeError(f"`{name}` must be a 1-D array of numbers, got dtype {x.dtype}")
    x = x.astype(float)
    if x.ndim != 1:
        raise ValueError(f"`{name}` must be 1-D (one trace; loop over chains and parameters), got shape {x.shape}")
    if x.size < MIN_DRIFT_LENGTH:
        raise ValueError(f"`{name}` must have at least {MIN_DRIFT_LENGTH} samples for a drift check, got {x.size}")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"`{name}` must be finite (no NaN or inf)")
    return x


def _t_quantile(p: float, dof: float) -> float:
    from scipy.stats import t as student_t

    return float(student_t.ppf(p, dof))


def drift_check(trace: Any, *, z: float = 3.0, n_batches: int | None = None, tau: float | None = None) -> DriftCheck:
    """Does the running mean of `trace` still move over the last half? (A test of stationarity.)

    Parameters
    ----------
    trace : array_like, shape (n,)
        One finite real trace (a chain of one parameter, a running loss, per-step log-stretches),
        ``n >= 16``.
    z : float, default 3.0
        Level of the flag in normal standard errors (two-sided; 3 gives 0.27 % false flags for
        a stationary trace). The threshold is the Student-t quantile at that level.
    n_batches : int, optional
        Batch means (even, ``8 <= n_batches <= n / 2``); default ``2 floor(sqrt(n) / 2)``
        clipped to [8, 50], so batches grow like sqrt(n).
    tau : float, optional
        The trace's integrated autocorrelation time, if known: the default batch count is then
        lowered (to 8 at least) so that batches are at least ``3 tau`` long. Ignored when
        `n_batches` is given.

    Returns
    -------
    DriftCheck
        ``drift``, ``drift_stderr``, ``threshold``, ``drifting`` and the batch count.

    Raises
    ------
    TypeError
        If `trace` is not an array of real numbers, `z` is not a number, or `n_batches` not
        an integer.
    ValueError
        If `trace` is not 1-D, is shorter than 16 samples or not finite, `z` or `tau` is not
        positive, or `n_batches` is odd or out of range.

    Notes
    -----
    Batch means are nearly independent when a batch is several autocorrelation times long;
    for slowly mixing traces (an autocorrelation time above ``sqrt(n) / 5``) pass `tau` or
    fewer, longer batches, or the false-flag rate rises above the nominal level.

    The check is built for trends (a running estimate that keeps sliding). A transient confined
    to the first few batches (a burn-in left in) inflates the successive differences and may go
    unflagged: discard it as burn-in. Few batches (short traces, or a long `tau`) widen the
    Student-t threshold: a 1-sd trend over 10 autocorrelation times cannot be told from noise.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> drift_check(rng.standard_normal(2000)).drifting
    False
    >>> drift_check(rng.standard_normal(2000) + np.linspace(0, 1, 2000)).drifting   # a 1-sd trend
    True
    >>> drift_check([1.0, 2.0, 3.0])
    Traceback (most recent call last):
    ...
    ValueError: `trace` must have at least 16 samples for a drift check, got 3
    """
    x = _check_trace(trace, "trace")
    if isinstance(z, bool) or not isinstance(z, numbers.Real) or not math.isfinite(float(z)) or z <= 0:
        if isinstance(z, bool) or not isinstance(z, numbers.Real):
            raise TypeError(f"`z` must be a positive number, got {type(z).__name__} {z!r:.40}")
        raise ValueError(f"`z` must be a positive finite number, got {z!r}")
    n = x.size
    if tau is not None:
        if isinstance(tau, bool) or not isinstance(tau, (numbers.Real, np.floating, np.integer)):
            raise TypeError(f"`tau` must be a positive number or None, got {type(tau).__name__} {tau!r:.40}")
        if not (math.isfinite(float(tau)) and tau > 0):
            raise ValueError(f"`tau` must be a positive finite number or None, got {tau!r}")
    if n_batches is None:
        b = int(min(50, max(8, 2 * (int(math.isqrt(n)) // 2))))
        if tau is not None:
            b = max(8, min(b, 2 * int(n / (3.0 * float(tau)) // 2)))
    else:
        if isinstance(n_batches, bool) or not isinstance(n_batches, (numbers.Integral, np.integer)):
            raise TypeError(f"`n_batches` must be an integer or None, got {type(n_batches).__name__} {n_batches!r:.40}")
        b = int(n_batches)
        if b < 8 or b % 2 or b > n // 2:
            raise ValueError(f"`n_batches` must be even and in [8, n/2 = {n // 2}], got {b}")
    size = n // b
    means = x[n - b * size:].reshape(b, size).mean(axis=1)   # drop the earliest samples: the end is what counts
    half = b // 2
    drift = float(means.mean() - means[:half].mean())
    v = float(np.sum(np.diff(means) ** 2) / (2 * (b - 1)))   # von Neumann: a trend barely inflates it
    se = math.sqrt(v * 0.25 * (2.0 / half))                   # (mean_B - mean_A) / 2 with halves of `half` batches
    dof = 2.0 * (b - 1) ** 2 / (3 * b - 4)
    level = math.erfc(float(z) / math.sqrt(2.0))                # two-sided tail of z normal standard errors
    threshold = _t_quantile(1.0 - level / 2.0, dof)
    scale = 1e-12 * (abs(float(means.mean())) + float(np.abs(means).max()) + 1e-300)
    drifting = bool(abs(drift) > threshold * se + scale)
    return DriftCheck(drift, se, threshold, drifting, b, dof)

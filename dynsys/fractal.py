"""Fractal dimensions of attractors from points: box counting, and orbits of maps in bulk.

Note 000 ("Lyapunov spectrum") lists what the full spectrum tells about an attractor,
among it "the fractal dimension ... and the Lyapunov dimension".  The Lyapunov
(Kaplan-Yorke) dimension comes from the spectrum (:func:`dynsys.kaplan_yorke_dimension`);
:func:`box_counting_dimension` measures the capacity dimension of the same attractor
directly from points on it, an independent route to compare with.

References
----------
.. [1] D. A. Russell, J. D. Hanson, E. Ott, "Dimension of strange attractors", Phys. Rev.
   Lett. 45, 1175-1178 (1980) (box counting; Henon: 1.261 +- 0.003).
.. [2] J. L. Kaplan, J. A. Yorke, "Chaotic behavior of multidimensional difference
   equations", Lecture Notes in Math. 730, 204-227 (1979).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from pdcheck import as_generator, check_array, check_int

__all__ = ["BoxCounting", "box_counting_dimension", "henon_orbits"]


class BoxCounting(NamedTuple):
    """A box-counting dimension estimate.

    Attributes
    ----------
    dimension : float
        Slope of ``log N(eps)`` against ``log(1/eps)`` over the scales (least squares).
    stderr : float
        Standard error of that slope from the fit's residuals (the scaling range's
        curvature shows up here, not the sampling noise).
    scales : ndarray
        Box sizes eps used.
    counts : ndarray of int
        Occupied boxes N(eps) at each scale.
    """

    dimension: float
    stderr: float
    scales: np.ndarray
    counts: np.ndarray


def box_counting_dimension(points: Any, scales: Any) -> BoxCounting:
    """Capacity (box-counting) dimension of a point cloud over a range of box sizes.

    Parameters
    ----------
    points : array_like, shape (n, d)
        Points on the set (e.g. an attractor), finite.
    scales : array_like, shape (k,)
        Box sizes eps > 0, at least 3 distinct values; boxes are a grid anchored at the
        points' componentwise minimum.

    Returns
    -------
    BoxCounting

    Raises
    ------
    ValueError
        If `points` is not a non-empty finite 2-D array, or `scales` has fewer than 3
        distinct positive values.

    Notes
    -----
    ``N(eps)`` is the number of grid boxes of side eps containing at least one point;
    ``D = -d log N / d log eps``.  With n points the count saturates near n at small eps,
    so the scales must stay well above the typical spacing of the points.

    Examples
    --------
    >>> t = np.linspace(0, 1, 200_001)
    >>> square = np.stack([t, 0.5 * t], axis=1)          # a segment: dimension 1
    >>> round(box_counting_dimension(square, [1/16, 1/32, 1/64, 1/128]).dimension, 3)
    1.0
    """
    pts = check_array("points", points, ndim=2)
    if pts.shape[0] < 1 or pts.shape[1] < 1:
        raise ValueError(f"`points` must be a non-empty (n, d) array, got shape {pts.shape}")
    eps = np.unique(check_array("scales", scales, ndim=1))
    if eps.size < 3 or np.any(eps <= 0):
        raise ValueError(f"`scales` must hold at least 3 distinct positive box sizes, got {np.asarray(scales).tolist()}")
    base = pts.min(axis=0)
    counts = []
    for e in eps:
        cells = np.floor((pts - base) / e).astype(np.int64)
        # one integer key per box (mixed radix over the coordinates): a 1-D unique is fast
        span = cells.max(axis=0) + 1
        key = np.zeros(cells.shape[0], dtype=np.int64)
        for j in range(cells.shape[1]):
            key = key * int(span[j]) + cells[:, j]
        counts.append(int(np.unique(key).size))
    counts_arr = np.array(counts)
    x, y = np.log(1.0 / eps), np.log(counts_arr)
    A = np.stack([x, np.ones_like(x)], axis=1)
    coef, res, *_ = np.linalg.lstsq(A, y, rcond=None)
    dof = max(x.size - 2, 1)
    rss = float(res[0]) if res.size else float(np.sum((y - A @ coef) ** 2))
    se = float(np.sqrt(rss / dof / np.sum((x - x.mean()) ** 2)))
    return BoxCounting(float(coef[0]), se, eps, counts_arr)


def henon_orbits(n_orbits: int, n_steps: int, *, a: float = 1.4, b: float = 0.3, transient: int = 100,
                 seed: Any = None) -> np.ndarray:
    """Points of the Henon attractor from many orbits iterated together (vectorised).

    Parameters
    ----------
    n_orbits, n_steps : int
        Orbits (>= 1) and recorded steps per orbit (>= 1).
    a, b : float
        Henon parameters (default the classic 1.4, 0.3).
    transient : int, default 100
        Steps discarded first (starts near the attractor's basin, then converge onto it).
    seed : int, numpy Generator or None
        Starting points, uniform in [-0.1, 0.1]^2.

    Returns
    -------
    ndarray, shape (n_orbits * n_steps, 2)

    Examples
    --------
    >>> henon_orbits(10, 5, seed=0).shape
    (50, 2)
    """
    n_orbits = check_int("n_orbits", n_orbits, low=1)
    n_steps = check_int("n_steps", n_steps, low=1)
    transient = check_int("transient", transient, low=0)
    rng = as_generator(seed)
    x, y = rng.uniform(-0.1, 0.1, n_orbits), rng.uniform(-0.1, 0.1, n_orbits)
    out = np.empty((n_steps, n_orbits, 2))
    for t in range(transient + n_steps):
        x, y = 1.0 - a * x * x + y, b * x
        if t >= transient:
            out[t - transient, :, 0] = x
            out[t - transient, :, 1] = y
    return out.reshape(-1, 2)

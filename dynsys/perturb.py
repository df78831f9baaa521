"""Perturbations of initial weights that keep them on the initialisation sphere.

Note 000 ("Perturbing weight initialization") wants perturbed weights w with the same
distribution as the baseline w0 (uniform on the sphere ``|w| = |w0|``) at a chosen
distance ``eps`` from it: w is drawn uniformly from the intersection of the two spheres
``{w : |w| = r, |w - w0| = eps}``, r = |w0|.  That set is a (D-2)-sphere lying in the
hyperplane ``w . w0_hat = r cos(theta)``, centred at ``r cos(theta) w0_hat`` with radius
``r sin(theta)``, where ``cos(theta) = 1 - eps^2 / (2 r^2)``.

The note's recipe (radius ``eps' = w0 cos(theta)``, a Householder reflection with
``c = n_hat + w0_hat``, translation ``w0 cos(theta)``) has two slips: the radius of the
intersection sphere is ``r sin(theta)``, not ``r cos(theta)``, and that reflection maps
``n_hat`` to ``-w0_hat``.  Here the sphere is sampled directly: a standard normal vector
is projected on the orthogonal complement of ``w0_hat`` (twice, for orthogonality to
rounding), normalised, scaled by ``r sin(theta)`` and added to ``r cos(theta) w0_hat``.
Since the law of w given w0 is invariant under rotations fixing w0, w is uniform on the
sphere whenever w0 is.

References
----------
.. [1] M. E. Muller, "A note on a method for generating points uniformly on n-dimensional
   spheres", Comm. ACM 2, 19-20 (1959).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

from pdcheck import as_generator, check_array, check_int, check_memory, check_real

__all__ = ["perturb_on_sphere", "perturb_gaussian", "intersection_geometry"]


def _as_vector(name: str, w0: Any) -> tuple[np.ndarray, Any]:
    """float64 flat copy of `w0` and a function turning a (n, D) result back into its type."""
    if isinstance(w0, torch.Tensor):
        if not w0.is_floating_point():
            raise TypeError(f"`{name}` must be a floating-point tensor, got dtype {w0.dtype}")
        flat = w0.detach().to("cpu", torch.float64).reshape(-1).numpy().copy()
        shape, dtype, device = tuple(w0.shape), w0.dtype, w0.device

        def back(arr: np.ndarray, batched: bool) -> torch.Tensor:
            out = torch.from_numpy(arr).to(device=device, dtype=dtype)
            _check_finite(name, out, str(dtype))
            return out.reshape((arr.shape[0],) + shape if batched else shape)
    else:
        arr0 = check_array(name, w0)
        flat = arr0.reshape(-1).copy()
        shape = arr0.shape

        def back(arr: np.ndarray, batched: bool) -> np.ndarray:
            _check_finite(name, arr, "float64")
            return arr.reshape((arr.shape[0],) + shape if batched else shape)
    if flat.size < 2:
        raise ValueError(f"`{name}` must have at least 2 entries, got {flat.size}")
    if not np.all(np.isfinite(flat)):
        raise ValueError(f"`{name}` must be finite (no NaN or inf)")
    return flat, back


def _check_finite(name: str, out: Any, dtype: str) -> None:
    if not bool((torch.isfinite(out) if isinstance(out, torch.Tensor) else np.isfinite(out)).all()):
        raise ValueError(f"the perturbed `{name}` overflows {dtype}: its entries would exceed the largest "
                         f"{dtype} (scale `{name}` and `eps` down)")


def intersection_geometry(r: float, eps: float) -> tuple[float, float, float]:
    """``(cos theta, centre offset r cos theta, radius r sin theta)`` of the intersection sphere.

    Parameters
    ----------
    r : float
        Radius of the sphere through w0 (``|w0|``, > 0).
    eps : float
        Distance from w0, in ``[0, 2 r]``.

    Examples
    --------
    >>> intersection_geometry(1.0, 2 ** 0.5)  # a quarter turn: the equator
    (0.0, 0.0, 1.0)
    """
    r = check_real("r", r, low=0.0, low_open=True)
    eps = check_real("eps", eps, low=0.0, high=2 * r)
    half = eps * eps / (2.0 * r * r)          # 1 - cos(theta), exact
    cos_t = 1.0 - half
    sin_t = math.sqrt(max(half * (2.0 - half), 0.0))  # sqrt((1 - c)(1 + c))
    return cos_t, r * cos_t, r * sin_t


def _orthogonal_normals(rng: np.random.Generator, count: int, unit: np.ndarray) -> np.ndarray:
    """`count` unit vectors uniform on the sphere orthogonal to `unit` (Muller's method)."""
    g = rng.standard_normal((count, unit.size))
    while True:
        raw = np.linalg.norm(g, axis=1)
        for _ in range(2):  # project out `unit` twice: orthogonal to rounding error
            g -= np.outer(g @ unit, unit)
        norms = np.linalg.norm(g, axis=1)
        bad = norms <= 1e-8 * raw  # a draw (almost) parallel to `unit`: draw again
        if not np.any(bad):
            return g / norms[:, None]
        g[bad] = rng.standard_normal((int(bad.sum()), unit.size))


def perturb_on_sphere(w0: Any, eps: float, *, n: int | None = None, seed: Any = None) -> Any:
    """Uniform sample(s) from ``{w : |w| = |w0|, |w - w0| = eps}``.

    Parameters
    ----------
    w0 : array_like or torch.Tensor
        Baseline weights (any shape; treated as one flat vector of D >= 2 entries).
    eps : float
        Distance from `w0`, in ``[0, 2 |w0|]``.
    n : int, optional
        Number of independent samples; the result then has a leading axis of length n.
    seed : int, numpy or torch Generator, or None

    Returns
    -------
    w : same type, shape and dtype as `w0` (with a leading axis when `n` is given)

    Raises
    ------
    ValueError
        If ``eps < 0`` or ``eps > 2 |w0|``, `w0` is zero (with ``eps > 0``), has fewer than
        2 entries, or is not finite; if the `n` samples would not fit in memory.
    TypeError
        If `w0` is not numeric.

    Notes
    -----
    Computed in float64 after scaling by ``max |w0_i|``, so no norm overflows or underflows
    (``|w0| = 1e200 * sqrt(10)`` and ``1e-300 * sqrt(10)`` work like ``sqrt(10)``): ``|w|``
    and ``|w - w0|`` match ``|w0|`` and `eps` to about 1e-15 relative (when ``eps / |w0|``
    is not tiny; the subtraction ``w - w0`` itself loses ``log10(|w0| / eps)`` digits).
    For D = 2 the set has two points.

    Examples
    --------
    >>> w0 = np.array([3.0, 4.0, 0.0])
    >>> w = perturb_on_sphere(w0, 1.0, seed=0)
    >>> round(float(np.linalg.norm(w)), 12), round(float(np.linalg.norm(w - w0)), 12)
    (5.0, 1.0)
    """
    flat, back = _as_vector("w0", w0)
    eps = check_real("eps", eps, low=0.0)
    batched = n is not None
    count = check_int("n", n, low=1) if batched else 1
    _check_size("perturb_on_sphere", count, flat.size)
    scale = float(np.max(np.abs(flat)))      # work in units of max|w0_i|: no norm over/underflows
    if scale == 0.0:   # the sphere |w| = 0 is a point: only eps = 0 is allowed
        r_unit, eps_unit = 0.0, (math.inf if eps > 0.0 else 0.0)
    else:
        r_unit = float(np.linalg.norm(flat / scale))
        eps_unit = eps / scale
    if eps_unit > 2.0 * r_unit:
        raise ValueError(f"`eps` must be <= 2 |w0| = {2.0 * r_unit * scale:.6g} (the sphere's diameter), got {eps}")
    rng = as_generator(seed)
    if eps == 0.0:
        out = np.repeat(flat[None, :], count, axis=0)
        return back(out if batched else out[0], batched)
    unit = flat / scale / r_unit
    _, offset, radius = intersection_geometry(r_unit, eps_unit)
    g = _orthogonal_normals(rng, count, unit)
    out = scale * (offset * unit[None, :] + radius * g)
    return back(out if batched else out[0], batched)


def _check_size(fn: str, count: int, dim: int) -> None:
    """The draws, their normals and the output are held at once: refuse what does not fit."""
    check_memory(f"{fn}(n={count}) of a {dim}-vector", 3 * 8 * count * dim)


def perturb_gaussian(w0: Any, eps: float, *, n: int | None = None, seed: Any = None) -> Any:
    """``w0 + eps u`` with u uniform on the unit sphere: an isotropic perturbation of norm eps.

    This is the note's "naive" perturbation (i.i.d. Gaussian noise) rescaled to norm
    exactly `eps`; unlike :func:`perturb_on_sphere` it changes ``|w|`` (on average
    ``|w|^2 = |w0|^2 + eps^2``), which thickens the initialisation shell.

    Parameters
    ----------
    w0 : array_like or torch.Tensor
    eps : float
        Norm of the perturbation (>= 0).
    n : int, optional
        Number of samples (leading axis).
    seed : int, numpy or torch Generator, or None

    Returns
    -------
    w : same type, shape and dtype as `w0`

    Raises
    ------
    ValueError
        If ``eps < 0`` or `w0` is not finite.

    Examples
    --------
    >>> w0 = np.zeros(4)
    >>> round(float(np.linalg.norm(perturb_gaussian(w0, 0.5, seed=1))), 12)
    0.5
    """
    flat, back = _as_vector("w0", w0)
    eps = check_real("eps", eps, low=0.0)
    batched = n is not None
    count = check_int("n", n, low=1) if batched else 1
    _check_size("perturb_gaussian", count, flat.size)
    rng = as_generator(seed)
    g = rng.standard_normal((count, flat.size))
    out = flat[None, :] + eps * g / np.linalg.norm(g, axis=1, keepdims=True)
    return back(out if batched else out[0], batched)

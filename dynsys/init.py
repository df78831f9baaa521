"""Kaiming initialisation and the note's thin-shell alternative, layer by layer.

Note 000 ("Weight initialization") observes that Kaiming-normal weights
``w_i ~ N(0, sigma^2)``, ``sigma^2 = gain^2 / fan_in``, concentrate on a hyperspherical
shell of radius ``sqrt(D) sigma`` (D the number of entries of the layer), and proposes to
sample on that sphere exactly ("taking the thickness to 0"): draw a standard normal vector
and rescale it to length ``sqrt(D) sigma`` (Muller 1959).

The exact law of the Kaiming radius is ``|w| / sigma ~ chi_D``: see :func:`shell_moments`
for its mean and spread (the relative thickness is about ``1 / sqrt(2 D)``).

References
----------
.. [1] K. He, X. Zhang, S. Ren, J. Sun, "Delving deep into rectifiers", ICCV 2015.
.. [2] M. E. Muller, "A note on a method for generating points uniformly on n-dimensional
   spheres", Comm. ACM 2, 19-20 (1959).
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np
import torch
from scipy.special import gammaln

from pdcheck import as_torch_generator, check_choice, check_float_dtype, check_int, check_memory, check_positive

__all__ = ["kaiming_normal", "thin_shell", "init_model_", "shell_moments", "ShellMoments",
           "kaiming_sigma", "SCHEMES"]

SCHEMES = ("kaiming", "shell", "torch")
_BIAS = ("zeros", "same", "keep")


class ShellMoments(NamedTuple):
    """Exact moments of the norm of a D-vector with i.i.d. N(0, sigma^2) entries.

    Attributes
    ----------
    radius : float
        ``sqrt(D) sigma`` (the note's shell radius, ``sqrt(E|w|^2)``).
    mean_sq, var_sq : float
        ``E|w|^2 = D sigma^2`` and ``var|w|^2 = 2 D sigma^4``.
    mean_norm, std_norm : float
        ``E|w| = sigma sqrt(2) Gamma((D+1)/2) / Gamma(D/2)`` and ``sqrt(D sigma^2 - E|w|^2)``.
    rel_thickness : float
        ``std|w| / E|w|`` (tends to ``1 / sqrt(2 D)``; independent of sigma).
    """

    radius: float
    mean_sq: float
    var_sq: float
    mean_norm: float
    std_norm: float
    rel_thickness: float


def shell_moments(d: int, sigma: float) -> ShellMoments:
    """Exact moments of |w| for w with i.i.d. N(0, sigma^2) entries in R^d.

    Parameters
    ----------
    d : int
        Number of entries (>= 1).
    sigma : float
        Standard deviation of each entry (> 0).

    Returns
    -------
    ShellMoments

    Notes
    -----
    ``|w|^2 / sigma^2`` is chi-squared with d degrees of freedom, so ``E|w|^2 = d sigma^2``
    and ``var|w|^2 = 2 d sigma^4`` (the note's algebra), and ``|w| / sigma`` is chi with
    ``E = sqrt(2) Gamma((d+1)/2) / Gamma(d/2)``.  The spread of the radius is
    ``std|w| ~ sigma / sqrt(2)``, so ``std|w| / E|w| ~ 1 / sqrt(2 d)``.

    Examples
    --------
    >>> m = shell_moments(2, 1.0)
    >>> round(m.mean_norm, 6)  # Rayleigh mean sqrt(pi / 2)
    1.253314
    """
    d = check_int("d", d, low=1)
    sigma = check_positive("sigma", sigma)
    ratio = math.exp(gammaln((d + 1) / 2) - gammaln(d / 2))
    # in units of sigma (no overflow on the way), then scaled; a moment that exceeds the float range is refused
    mean_unit = math.sqrt(2.0) * ratio
    std_unit = math.sqrt(max(d - mean_unit ** 2, 0.0))
    sig = np.float64(sigma)
    with np.errstate(over="ignore"):
        out = (np.float64(math.sqrt(d)) * sig, np.float64(d) * sig ** 2, 2.0 * d * sig ** 4,
               np.float64(mean_unit) * sig, np.float64(std_unit) * sig)
    if not all(np.isfinite(out)):
        raise ValueError(f"`sigma` = {sigma:g} with `d` = {d}: var|w|^2 = 2 d sigma^4 exceeds the float64 range")
    return ShellMoments(*(float(v) for v in out), std_unit / mean_unit)


def _shape(shape: Any) -> tuple[int, ...]:
    if isinstance(shape, (int, np.integer)) and not isinstance(shape, bool):
        shape = (int(shape),)
    try:
        dims = tuple(shape)
    except TypeError:
        raise TypeError(f"`shape` must be an int or a tuple of ints, got {shape!r}") from None
    if not dims:
        raise ValueError("`shape` must have at least one dimension, got ()")
    return tuple(check_int(f"shape[{i}]", s, low=1) for i, s in enumerate(dims))


def _check_request(fn: str, dims: tuple[int, ...], dtype: Any) -> None:
    """The float64 draw and its `dtype` copy are held at once: refuse what does not fit."""
    check_float_dtype("dtype", dtype)
    check_memory(f"{fn}(shape={dims})", math.prod(dims) * (8 + dtype.itemsize))


def kaiming_sigma(fan_in: int, *, gain: float = math.sqrt(2.0)) -> float:
    """Kaiming standard deviation ``gain / sqrt(fan_in)`` (gain sqrt(2) for ReLU).

    Examples
    --------
    >>> kaiming_sigma(2)
    1.0
    """
    fan_in = check_int("fan_in", fan_in, low=1)
    gain = check_positive("gain", gain)
    return gain / math.sqrt(fan_in)


def _fan_in(shape: tuple[int, ...], fan_in: int | None) -> int:
    if fan_in is not None:
        return check_int("fan_in", fan_in, low=1)
    # torch convention: weight (out, in, *kernel); a 1-D shape is its own fan-in
    if len(shape) == 1:
        return shape[0]
    return int(np.prod(shape[1:]))


def kaiming_normal(shape: Any, *, fan_in: int | None = None, gain: float = math.sqrt(2.0),
                   seed: Any = None, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """Kaiming-normal tensor: i.i.d. N(0, sigma^2) with sigma = gain / sqrt(fan_in).

    Parameters
    ----------
    shape : int or tuple of int
        Tensor shape, torch layout ``(out, in, *kernel)``.
    fan_in : int, optional
        Default ``prod(shape[1:])`` (``shape[0]`` for 1-D shapes).
    gain : float, default sqrt(2)
        ReLU gain.
    seed : int, numpy or torch Generator, or None
    dtype : torch.dtype, default float32

    Returns
    -------
    torch.Tensor

    Examples
    --------
    >>> kaiming_normal((3, 4), seed=0).shape
    torch.Size([3, 4])
    """
    dims = _shape(shape)
    sigma = kaiming_sigma(_fan_in(dims, fan_in), gain=gain)
    _check_request("kaiming_normal", dims, dtype)
    gen = as_torch_generator(seed)
    return (torch.randn(dims, generator=gen, dtype=torch.float64) * sigma).to(dtype)


def thin_shell(shape: Any, *, fan_in: int | None = None, gain: float = math.sqrt(2.0),
               seed: Any = None, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """A tensor uniformly distributed on the sphere of radius sqrt(D) sigma (the note's shell).

    Parameters
    ----------
    shape, fan_in, gain, seed, dtype
        As in :func:`kaiming_normal`; ``D = prod(shape)``.

    Returns
    -------
    torch.Tensor
        With Frobenius norm exactly ``sqrt(D) * sigma`` (to rounding in `dtype`).

    Notes
    -----
    Muller's method: a standard normal vector divided by its norm is uniform on the unit
    sphere.  Each coordinate then has variance ``sigma^2`` exactly, like Kaiming, but the
    norm has no spread.

    Examples
    --------
    >>> w = thin_shell((50, 20), seed=0, dtype=torch.float64)
    >>> round(float(w.norm()), 12) == round((1000 * 2 / 20) ** 0.5, 12)
    True
    """
    dims = _shape(shape)
    sigma = kaiming_sigma(_fan_in(dims, fan_in), gain=gain)
    _check_request("thin_shell", dims, dtype)
    gen = as_torch_generator(seed)
    g = torch.randn(dims, generator=gen, dtype=torch.float64)
    radius = math.sqrt(g.numel()) * sigma
    return (g * (radius / g.norm())).to(dtype)


def init_model_(model: torch.nn.Module, *, scheme: str = "kaiming", bias: str = "zeros",
                gain: float = math.sqrt(2.0), seed: Any = None) -> torch.nn.Module:
    """Initialise every Linear/Conv layer of `model` in place, layer by layer.

    Parameters
    ----------
    model : torch.nn.Module
    scheme : {"kaiming", "shell", "torch"}, default "kaiming"
        ``"kaiming"``: i.i.d. N(0, gain^2 / fan_in); ``"shell"``: uniform on the sphere of
        radius ``sqrt(D) gain / sqrt(fan_in)`` per weight tensor (note 000); ``"torch"``:
        PyTorch's default ``reset_parameters()`` (Kaiming-uniform with a = sqrt(5)), drawn
        from `seed`.
    bias : {"zeros", "same", "keep"}, default "zeros"
        ``"zeros"`` (He et al.), ``"same"`` (the weight's scheme with the layer's fan-in,
        as the note suggests: "the following reasoning applies equally well to the bias"),
        or ``"keep"`` (leave as is).
    gain : float, default sqrt(2)
    seed : int, numpy or torch Generator, or None

    Returns
    -------
    torch.nn.Module
        `model` itself (modified in place, as ``torch.nn.init`` functions are).

    Raises
    ------
    TypeError
        If `model` is not a module.
    ValueError
        If the model has no Linear or Conv layer, or an option is unknown.

    Examples
    --------
    >>> net = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2))
    >>> _ = init_model_(net, scheme="shell", seed=0)
    >>> round(float(net[0].weight.detach().norm() ** 2), 4)  # D sigma^2 = 12 * 2 / 4
    6.0
    """
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"`model` must be a torch.nn.Module, got {type(model).__name__}")
    check_choice("scheme", scheme, SCHEMES)
    check_choice("bias", bias, _BIAS)
    gain = check_positive("gain", gain)
    layers = [m for m in model.modules()
              if isinstance(m, (torch.nn.Linear, torch.nn.modules.conv._ConvNd))]
    if not layers:
        raise ValueError("`model` has no Linear or Conv layer to initialise")
    gen = as_torch_generator(seed)
    sampler = kaiming_normal if scheme == "kaiming" else thin_shell
    with torch.no_grad():
        for layer in layers:
            w = layer.weight
            fan_in = int(np.prod(w.shape[1:]))
            if scheme == "torch":
                bound = 1.0 / math.sqrt(fan_in)  # kaiming_uniform(a=sqrt 5) gives the same bound
                w.copy_((torch.rand(w.shape, generator=gen, dtype=torch.float64) * 2 - 1) * bound)
            else:
                w.copy_(sampler(tuple(w.shape), fan_in=fan_in, gain=gain, seed=gen, dtype=w.dtype))
            if layer.bias is None or bias == "keep":
                continue
            if bias == "zeros":
                layer.bias.zero_()
            elif scheme == "torch":
                bound = 1.0 / math.sqrt(fan_in)
                layer.bias.copy_((torch.rand(layer.bias.shape, generator=gen,
                                             dtype=torch.float64) * 2 - 1) * bound)
            else:
                layer.bias.copy_(sampler(tuple(layer.bias.shape), fan_in=fan_in, gain=gain,
                                         seed=gen, dtype=layer.bias.dtype))
    return model

"""Argument checks and seed handling shared by the four libraries (dynsys, bayes, slt, puzzles).

Every check names the argument, shows the value and says what is allowed, and
raises before any work is done.  This is the one module the libraries share; it
imports nothing first-party and only numpy (torch lazily, for generators; scipy lazily, for
the drift check's t quantile), so the
libraries stay independent of each other and of the application package.

- scalars, choices, arrays, callables: :func:`check_real`, :func:`check_positive`,
  :func:`check_int`, :func:`check_int_sequence`, :func:`check_choice`, :func:`check_array`,
  :func:`check_callable`;
- sizes: :func:`check_memory` refuses a request whose memory estimate exceeds
  :func:`memory_limit` (the machine's memory, or ``PATHDEP_MAX_MEMORY``) before anything
  is allocated; :func:`check_work` does the same for a documented bound on the work;
- output paths: :func:`check_output_path` (pdcheck/_paths.py);
- randomness: :func:`as_generator`, :func:`as_torch_generator`;
- running estimates: :func:`drift_check` (pdcheck/_drift.py) flags a trace whose running mean
  still moves over its last half by more than its standard error allows;
- errors: :class:`NumericalError`, the base of every library's named domain error
  (they carry the partial result; the command line reports them in one line, exit 1).
"""

from __future__ import annotations

import math
import numbers
from typing import Any, Iterable

import numpy as np

from pdcheck._drift import MIN_DRIFT_LENGTH, DriftCheck, drift_check
from pdcheck._memory import check_memory, check_work, format_bytes, memory_limit
from pdcheck._paths import check_output_path

__all__ = ["check_real", "check_positive", "check_int", "check_int_sequence", "check_choice", "check_bool", "check_array", "check_callable",
           "check_float_dtype", "as_generator", "as_torch_generator", "check_memory", "check_work", "format_bytes", "memory_limit",
           "check_output_path", "NumericalError", "drift_check", "DriftCheck", "MIN_DRIFT_LENGTH"]


class NumericalError(Exception):
    """Base of the named numerical errors of the libraries (divergence, precision, degeneracy...).

    Each library's ``errors.py`` derives its domain errors from this class (next to the
    builtin they specialise, e.g. ``FloatingPointError``), so that an application can tell a
    numerical failure (the computation ran and failed; the error carries its partial
    result) from bad input (``ValueError``/``TypeError``, raised before any work).
    """


def _fmt(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def check_real(name: str, value: Any, *, low: float | None = None, high: float | None = None,
               low_open: bool = False, high_open: bool = False, allow_inf: bool = False) -> float:
    """Return `value` as a float after checking it is a real number in range."""
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, np.floating, np.integer)):
        raise TypeError(f"`{name}` must be a real number, got {type(value).__name__} {_fmt(value)}")
    v = float(value)
    if math.isnan(v) or (math.isinf(v) and not allow_inf):
        raise ValueError(f"`{name}` must be a finite number, got {_fmt(value)}")
    if low is not None and (v < low or (low_open and v == low)):
        op = ">" if low_open else ">="
        raise ValueError(f"`{name}` must be {op} {low}, got {_fmt(value)}")
    if high is not None and (v > high or (high_open and v == high)):
        op = "<" if high_open else "<="
        raise ValueError(f"`{name}` must be {op} {high}, got {_fmt(value)}")
    return v


def check_positive(name: str, value: Any, *, allow_zero: bool = False) -> float:
    """A positive finite number (or non-negative with ``allow_zero``)."""
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, np.floating, np.integer)):
        raise TypeError(f"`{name}` must be a real number, got {type(value).__name__} {_fmt(value)}")
    v = float(value)
    what = "a non-negative" if allow_zero else "a positive"
    if not math.isfinite(v) or v < 0 or (v == 0 and not allow_zero):
        raise ValueError(f"`{name}` must be {what} finite number, got {_fmt(value)}")
    return v


def check_int(name: str, value: Any, *, low: int | None = None, high: int | None = None) -> int:
    """An integer (not bool) in ``[low, high]``."""
    if isinstance(value, bool) or not isinstance(value, (numbers.Integral, np.integer)):
        raise TypeError(f"`{name}` must be an integer, got {type(value).__name__} {_fmt(value)}")
    v = int(value)
    if low is not None and v < low:
        raise ValueError(f"`{name}` must be >= {low}, got {v}")
    if high is not None and v > high:
        raise ValueError(f"`{name}` must be <= {high}, got {v}")
    return v


def check_int_sequence(name: str, value: Any, *, min: int | None = None, max: int | None = None,
                       min_len: int = 0, max_len: int | None = None) -> list[int]:
    """A list of integers (layer widths, shapes) from any finite sequence of integers.

    Parameters
    ----------
    name : str
        The argument's name, for the error messages.
    value : sequence of int
        A list, tuple, range or 1-D integer array. Strings, mappings, sets, bools,
        floats (even whole ones) and nested sequences are refused.
    min, max : int, optional
        Bounds on every entry (inclusive).
    min_len, max_len : int
        Bounds on the number of entries.

    Returns
    -------
    list of int

    Raises
    ------
    TypeError
        If `value` is not a sequence of integers; the message names `name` and the
        offending entry.
    ValueError
        If an entry or the length is out of bounds.

    Examples
    --------
    >>> check_int_sequence("widths", (3, np.int64(2), 4), min=1)
    [3, 2, 4]
    >>> check_int_sequence("widths", [3, 0, 4], min=1)
    Traceback (most recent call last):
    ...
    ValueError: `widths` must have every entry >= 1, got 0 at position 1 of [3, 0, 4]
    >>> check_int_sequence("widths", 5)
    Traceback (most recent call last):
    ...
    TypeError: `widths` must be a sequence of integers (a list or tuple), got int 5
    """
    if isinstance(value, np.ndarray):
        if value.ndim != 1 or value.dtype.kind not in "iu":
            raise TypeError(f"`{name}` must be a sequence of integers (a list or tuple), got array of dtype "
                            f"{value.dtype} and shape {value.shape}")
        items = value.tolist()
    elif isinstance(value, (list, tuple, range)):
        items = list(value)
    else:
        raise TypeError(f"`{name}` must be a sequence of integers (a list or tuple), got "
                        f"{type(value).__name__} {_fmt(value)}")
    for i, v in enumerate(items):
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (numbers.Integral, np.integer)):
            raise TypeError(f"`{name}` must be a sequence of integers, got {type(v).__name__} {_fmt(v)} at "
                            f"position {i} of {_fmt(value)}")
    items = [int(v) for v in items]
    if len(items) < min_len:
        raise ValueError(f"`{name}` must have at least {min_len} entries, got {len(items)}: {_fmt(items)}")
    if max_len is not None and len(items) > max_len:
        raise ValueError(f"`{name}` must have at most {max_len} entries, got {len(items)}")
    for i, v in enumerate(items):
        if min is not None and v < min:
            raise ValueError(f"`{name}` must have every entry >= {min}, got {v} at position {i} of {_fmt(items)}")
        if max is not None and v > max:
            raise ValueError(f"`{name}` must have every entry <= {max}, got {v} at position {i} of {_fmt(items)}")
    return items


def check_choice(name: str, value: Any, allowed: Iterable[Any]) -> Any:
    """`value` must be one of `allowed` (compared by type and equality; arrays are never equal to a choice).

    Examples
    --------
    >>> check_choice("method", "sokal", ("sokal", "geyer"))
    'sokal'
    >>> check_choice("method", np.array([1, 2]), ("sokal", "geyer"))
    Traceback (most recent call last):
    ...
    ValueError: `method` must be one of ('sokal', 'geyer'), got array([1, 2])
    """
    allowed = tuple(allowed)
    for a in allowed:
        if _comparable(value, a):
            try:
                if bool(value == a):
                    return value
            except (TypeError, ValueError):
                pass
    raise ValueError(f"`{name}` must be one of {allowed}, got {_fmt(value)}")


def _comparable(v: Any, a: Any) -> bool:
    """Strings with strings, bools with bools, numbers with numbers, otherwise the same type."""
    flags = (bool, np.bool_)
    if isinstance(v, str) or isinstance(a, str):
        return isinstance(v, str) and isinstance(a, str)
    if isinstance(v, flags) or isinstance(a, flags):
        return isinstance(v, flags) and isinstance(a, flags)
    if isinstance(v, numbers.Number) and isinstance(a, numbers.Number):
        return True
    return type(v) is type(a)


def check_bool(name: str, value: Any) -> bool:
    """A flag: ``True`` or ``False`` (numpy bools too), nothing else.

    Examples
    --------
    >>> check_bool("progress", "yes")
    Traceback (most recent call last):
    ...
    TypeError: `progress` must be True or False, got str 'yes'
    """
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise TypeError(f"`{name}` must be True or False, got {type(value).__name__} {_fmt(value)}")


def check_array(name: str, x: Any, *, ndim: int | tuple[int, ...] | None = None,
                shape: tuple[int | None, ...] | None = None, finite: bool = True,
                min_size: int = 0, dtype: Any = float) -> np.ndarray:
    """A numpy array copy-free view of `x`, checked for rank, shape and finiteness.

    ``None``, strings, complex numbers (with a real `dtype`) and ragged nests are refused with
    a ``TypeError`` naming the argument; they are never read as NaN or cast silently.

    Examples
    --------
    >>> check_array("x", [1, 2]).tolist()
    [1.0, 2.0]
    >>> check_array("x", None)
    Traceback (most recent call last):
    ...
    TypeError: `x` must be array-like of numbers, got None
    >>> check_array("x", [1j, 2])
    Traceback (most recent call last):
    ...
    TypeError: `x` must be real, got complex values (pass x.real or abs(x) explicitly)
    """
    if x is None or isinstance(x, (str, bytes, bool, dict, set)):
        raise TypeError(f"`{name}` must be array-like of numbers, got {_fmt(x)}")
    kind = np.dtype(dtype).kind
    if kind in "fiub" and _is_complex(x):
        raise TypeError(f"`{name}` must be real, got complex values (pass {name}.real or abs({name}) explicitly)")
    try:
        arr = np.asarray(x, dtype=dtype)
    except (TypeError, ValueError, OverflowError) as exc:
        raise TypeError(f"`{name}` must be array-like of numbers, got {type(x).__name__} {_fmt(x)}") from exc
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if arr.ndim not in allowed:
            raise ValueError(f"`{name}` must have ndim in {allowed}, got shape {arr.shape}")
    if shape is not None:
        if arr.ndim != len(shape) or any(s is not None and s != a for s, a in zip(shape, arr.shape)):
            want = tuple("any" if s is None else s for s in shape)
            raise ValueError(f"`{name}` must have shape {want}, got {arr.shape}")
    if arr.size < min_size:
        raise ValueError(f"`{name}` must have at least {min_size} elements, got {arr.size}")
    if finite and arr.size and not np.all(np.isfinite(arr)):
        raise ValueError(f"`{name}` must be finite (no NaN or inf)")
    return arr


def _is_complex(x: Any) -> bool:
    """Whether `x` (scalar, array, tensor or nested list) holds complex numbers."""
    def one(v: Any) -> bool:
        if isinstance(v, (complex, np.complexfloating)):
            return True
        dt = getattr(v, "dtype", None)
        return bool(getattr(dt, "is_complex", False)) or (isinstance(dt, np.dtype) and dt.kind == "c")
    if isinstance(x, (list, tuple)):
        return any(one(v) for v in _flat_items(x))
    return one(x)


def _flat_items(x: Any, limit: int = 10_000) -> Iterable[Any]:
    """The leaves of a (small) nested list/tuple, for type checks before numpy casts them."""
    stack, seen = [x], 0
    while stack and seen < limit:
        v = stack.pop()
        if isinstance(v, (list, tuple)):
            stack.extend(v)
        else:
            seen += 1
            yield v


def check_callable(name: str, fn: Any, *, optional: bool = False) -> Any:
    """`fn` must be callable (or None when `optional`).

    Examples
    --------
    >>> check_callable("loss_fn", 3)
    Traceback (most recent call last):
    ...
    TypeError: `loss_fn` must be callable, got int 3
    """
    if fn is None and optional:
        return None
    if not callable(fn):
        allowed = "callable or None" if optional else "callable"
        raise TypeError(f"`{name}` must be {allowed}, got {type(fn).__name__} {_fmt(fn)}")
    return fn


def as_generator(seed: Any) -> np.random.Generator:
    """Turn `seed` (None, int, SeedSequence or Generator) into a numpy Generator, once."""
    if isinstance(seed, bool):
        raise TypeError(f"`seed` must be None, an int or a numpy Generator, got {seed!r}")
    if seed is not None and not isinstance(seed, (numbers.Integral, np.random.Generator,
                                                  np.random.SeedSequence, np.random.BitGenerator)):
        try:
            import torch

            if isinstance(seed, torch.Generator):
                return np.random.default_rng(int(torch.randint(0, 2**62, (1,), generator=seed)))
        except ImportError:  # pragma: no cover
            pass
        raise TypeError(f"`seed` must be None, an int or a numpy Generator, got {type(seed).__name__}")
    if isinstance(seed, numbers.Integral) and int(seed) < 0:
        raise ValueError(f"`seed` must be a non-negative integer, got {seed}")
    return np.random.default_rng(seed)


def check_float_dtype(name: str, dtype: Any) -> Any:
    """A floating-point ``torch.dtype`` (float16/bfloat16/float32/float64).

    Examples
    --------
    >>> import torch
    >>> check_float_dtype("dtype", torch.int64)
    Traceback (most recent call last):
    ...
    TypeError: `dtype` must be a floating-point torch.dtype, got torch.int64
    """
    import torch

    if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
        raise TypeError(f"`{name}` must be a floating-point torch.dtype, got {_fmt(dtype)}")
    return dtype


def as_torch_generator(seed: Any, device: Any = "cpu") -> Any:
    """Turn `seed` (None, int, numpy Generator or torch.Generator) into a torch.Generator."""
    import torch

    if isinstance(seed, torch.Generator):
        return seed
    rng = as_generator(seed)
    gen = torch.Generator(device=device)
    gen.manual_seed(int(rng.integers(0, 2**62)))
    return gen

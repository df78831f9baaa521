"""Refuse big requests before they are attempted: memory estimates against a documented cap.

A computation estimates the bytes it will hold at once (its arrays' sizes times their
item size) and calls :func:`check_memory` before allocating anything; a request above
:func:`memory_limit` is refused with a ``ValueError`` that says how much it would take.
Work that is bounded by time rather than memory (exact big-integer recurrences, face
enumerations) uses :func:`check_work` with a bound stated in the function's docstring.

The cap is, in order: the environment variable ``PATHDEP_MAX_MEMORY`` (bytes, or a number
with a ``K``/``M``/``G``/``T`` suffix, powers of 1024), else the machine's physical memory,
lowered to the address space left under the process's ``RLIMIT_AS`` when one is set.
"""

from __future__ import annotations

import math
import os
from typing import Any

__all__ = ["memory_limit", "check_memory", "check_work", "format_bytes"]

_SUFFIX = {"": 1, "B": 1, "K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4}
#: Name of the environment variable that sets the memory cap.
ENV = "PATHDEP_MAX_MEMORY"


def format_bytes(n: float) -> str:
    """A byte count for people: ``format_bytes(3 * 2**30) == '3.0 GiB'``.

    Examples
    --------
    >>> format_bytes(512), format_bytes(1536), format_bytes(238.4 * 2**30)
    ('512 B', '1.5 KiB', '238.4 GiB')
    """
    n = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if abs(n) < 1024 or unit == "PiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.3g} EiB"  # pragma: no cover


def _parse(text: str) -> int:
    t = text.strip().upper().removesuffix("IB").removesuffix("B")
    unit = t[-1:] if t[-1:] in _SUFFIX else ""
    number = t[: len(t) - len(unit)] if unit else t
    try:
        value = float(number) * _SUFFIX[unit]
    except ValueError:
        raise ValueError(f"{ENV} must be a byte count such as 8G or 500M, got {text!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{ENV} must be a positive byte count, got {text!r}")
    return int(value)


def _physical() -> int | None:
    try:
        return int(os.sysconf("SC_PAGE_SIZE")) * int(os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):  # pragma: no cover - not POSIX
        return None


def _address_space_left() -> int | None:
    try:
        import resource

        soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    except (ImportError, ValueError, OSError):  # pragma: no cover - not POSIX
        return None
    if soft == resource.RLIM_INFINITY:
        return None
    used = 0
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            used = int(fh.read().split()[0]) * int(os.sysconf("SC_PAGE_SIZE"))
    except (OSError, ValueError, IndexError):  # pragma: no cover - not Linux
        pass
    return max(int(soft) - used, 0)


def memory_limit() -> int:
    """The largest memory a single request may ask for, in bytes.

    ``PATHDEP_MAX_MEMORY`` when set; else the physical memory of the machine, or the address
    space left under ``RLIMIT_AS`` (``ulimit -v``) when that is smaller.

    Examples
    --------
    >>> memory_limit() > 0
    True
    """
    env = os.environ.get(ENV)
    if env:
        return _parse(env)
    caps = [c for c in (_physical(), _address_space_left()) if c is not None]
    return min(caps) if caps else 2**40


def check_memory(what: str, nbytes: Any, *, limit: int | None = None) -> int:
    """Refuse a request whose memory estimate exceeds the cap, before anything is allocated.

    Parameters
    ----------
    what : str
        The request in the caller's words, with the arguments that size it, e.g.
        ``"lattice_walk(n_walkers=10**9, n_steps=1000)"``.
    nbytes : int or float
        The estimate: bytes held at once (an overestimate is fine; an exact count is not needed).
    limit : int, optional
        Cap in bytes (default :func:`memory_limit`).

    Returns
    -------
    int
        The estimate, rounded up.

    Raises
    ------
    ValueError
        If ``nbytes`` exceeds the cap; the message says how much the request would take.

    Examples
    --------
    >>> check_memory("a table of 10**12 doubles", 8 * 10**12, limit=2**30)
    Traceback (most recent call last):
    ...
    ValueError: a table of 10**12 doubles would need 7.3 TiB of memory, more than the cap of 1.0 GiB (the machine's memory, or PATHDEP_MAX_MEMORY)
    """
    est = float(nbytes)
    cap = memory_limit() if limit is None else int(limit)
    if not (est <= cap):   # also catches NaN and inf estimates
        raise ValueError(f"{what} would need {format_bytes(est) if math.isfinite(est) else 'unbounded'} "
                         f"of memory, more than the cap of {format_bytes(cap)} (the machine's memory, "
                         f"or {ENV})")
    return int(math.ceil(est))


def check_work(what: str, amount: Any, bound: float, *, unit: str = "operations", hint: str = "") -> None:
    """Refuse a request whose cost estimate exceeds a documented bound (a guard against hangs).

    Examples
    --------
    >>> check_work("rlct_newton with 20 vertices", 2**20, 2**12, unit="face LPs")
    Traceback (most recent call last):
    ...
    ValueError: rlct_newton with 20 vertices would take about 1.05e+06 face LPs, more than the documented bound 4096
    """
    amount = float(amount)
    if not (amount <= bound):
        raise ValueError(f"{what} would take about {amount:.3g} {unit}, more than the documented bound "
                         f"{bound:.6g}" + (f"; {hint}" if hint else ""))

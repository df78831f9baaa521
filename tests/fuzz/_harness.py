"""The fuzz suite's judge: what a call of the public API (or a run of the command line) may do.

Allowed: a clean documented error, raised in our own code before any deep work, whose message
names an argument in backticks (``ValueError``/``TypeError``), or a named numerical error of the
libraries (``pdcheck.NumericalError``); or a result with no NaN in it. Not allowed: a traceback
from inside a dependency, an error without the argument's name, a silent NaN, an allocation that
exceeds the cap (``PATHDEP_MAX_MEMORY`` for the estimates; an address-space limit catches what
slips past them), or a call that runs past its time budget (a hang).

Example counts: ``FUZZ_EXAMPLES`` per callable, small in the default run; the ``thorough``
hypothesis profile (``HYPOTHESIS_PROFILE=thorough``) multiplies them.
"""

from __future__ import annotations

import contextlib
import math
import os
import resource
import signal
import traceback
import warnings
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from pdcheck import NumericalError

ROOT = Path(__file__).resolve().parents[2]
OURS = tuple(str(ROOT / p) + os.sep for p in ("dynsys", "bayes", "slt", "puzzles", "pdcheck", "pathdep"))
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev")
#: Examples per callable: a smoke test by default, a real search with the thorough profile.
FUZZ_EXAMPLES = 60 if PROFILE == "thorough" else 4
#: Memory cap the estimates are checked against during the fuzz run.
FUZZ_MEMORY = "1G"
#: Time budget of one call, in seconds (generous: the machine is shared; a hang is minutes).
BUDGET = int(os.environ.get("PATHDEP_FUZZ_BUDGET", "30"))


class Hang(BaseException):
    """The alarm's exception: not an Exception, so no handler in the code under test swallows it."""


@contextlib.contextmanager
def time_budget(seconds: int = BUDGET) -> Iterator[None]:
    def alarm(signum, frame):
        raise Hang(f"still running after {seconds} s")

    old = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


@contextlib.contextmanager
def address_space_cap(extra: int = 3 * 2**30) -> Iterator[None]:
    """Limit the address space to what the process uses now plus `extra`: a blow-up fails fast."""
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            used = int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    except (OSError, ValueError):  # pragma: no cover - not Linux
        yield
        return
    cap = used + extra
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def raised_in_our_code(exc: BaseException) -> bool:
    """Whether the innermost frame of the traceback is in one of our packages."""
    frames = traceback.extract_tb(exc.__traceback__)
    return bool(frames) and frames[-1].filename.startswith(OURS)


def nan_paths(obj: Any, path: str = "result", depth: int = 0) -> list[str]:
    """Where a result holds NaN (floats, numpy arrays, tensors, tuples, dicts, dataclasses)."""
    if depth > 6 or obj is None or isinstance(obj, (str, bytes, bool)):
        return []
    if isinstance(obj, float):
        return [path] if math.isnan(obj) else []
    if isinstance(obj, np.ndarray):
        return [path] if obj.dtype.kind in "fc" and np.isnan(obj).any() else []
    if hasattr(obj, "detach") and hasattr(obj, "is_floating_point"):
        t = obj.detach()
        return [path] if (t.is_floating_point() or t.is_complex()) and bool(t.isnan().any()) else []
    if hasattr(obj, "_asdict"):
        items = obj._asdict().items()
    elif hasattr(obj, "__dataclass_fields__"):
        items = ((k, getattr(obj, k, None)) for k in obj.__dataclass_fields__)
    elif isinstance(obj, dict):
        items = obj.items()
    elif isinstance(obj, (list, tuple)):
        items = enumerate(obj[:50])
    else:
        return []
    out: list[str] = []
    for k, v in items:
        out += nan_paths(v, f"{path}.{k}", depth + 1)
    return out


def judge_call(fn: Any, kwargs: dict, label: str, *, nan_in_nan_out: bool = False) -> str:
    """Call ``fn(**kwargs)`` under the budget and caps; fail the test on anything not allowed.

    ``nan_in_nan_out``: an elementwise function may return NaN where its input holds NaN.
    Returns "result" or "error" (the kind of allowed outcome).
    """
    import matplotlib.pyplot as plt

    try:
        with time_budget(), address_space_cap(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = fn(**kwargs)
    except Hang as exc:
        raise AssertionError(f"{label}: hang: {exc}") from None
    except NumericalError:
        return "error"
    except (ValueError, TypeError) as exc:
        tb = "".join(traceback.format_exception(exc))
        if isinstance(exc, MemoryError) or "allocate" in str(exc):
            raise AssertionError(f"{label}: memory blow-up instead of a refusal:\n{tb}") from None
        assert raised_in_our_code(exc), f"{label}: error from inside a dependency:\n{tb}"
        msg = str(exc)
        refusal = " would need " in msg or "documented bound" in msg     # pdcheck's size and work refusals
        assert "`" in msg or refusal, f"{label}: the error does not name the argument:\n{tb}"
        return "error"
    except MemoryError as exc:
        raise AssertionError(f"{label}: memory blow-up: {exc!r}") from None
    finally:
        plt.close("all")
    bad = nan_paths(result)
    if nan_in_nan_out and any(nan_paths(v) or (isinstance(v, float) and math.isnan(v)) for v in kwargs.values()):
        bad = []
    assert not bad, f"{label}: silent NaN at {bad[:3]}"
    return "result"

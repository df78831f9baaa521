"""What the shipped claim modules share: source names, thread pinning, caching, statistics.

Every shipped claim is registered through :func:`claim` here, which wraps the verifier so
that torch runs on one thread while it works (torch's default intra-op threads collapse,
10-25x, when another process competes for the cores; the claims' kernels are small) and
restores the caller's setting afterwards.  Expensive computations live in functions
decorated with :func:`cached`, keyed on the frozen :class:`~pathdep.claims.registry.Context`
and the statement's parameters, so running a claim's counterfactual after the claim
reuses the computation instead of repeating it.
"""

from __future__ import annotations

import functools
import math
from typing import Any, Callable, Iterable, Sequence

import numpy as np

from pathdep.claims import registry
from pathdep.parallel import torch_threads
from pathdep.claims.verdict import Verdict

NOTE000 = "000_dfb5eceb9127f4b1.txt"
NOTE001 = "001_1e8dd9c0c6b037f5.txt"
NOTE002 = "002_592db72ccb7888e6.txt"
NOTE003 = "003_7c44b585ab5f1dd9.txt"
NOTE004 = "004_8b33244d1f8bc548.txt"

#: Claims' torch thread count (one: small kernels, shared machines).
THREADS = 1


def claim(id: str, **kw: Any) -> Callable[[Callable[..., Verdict]], Callable[..., Verdict]]:
    """:func:`pathdep.claims.registry.claim` for the shipped claims: torch pinned to one thread."""

    def deco(fn: Callable[..., Verdict]) -> Callable[..., Verdict]:
        @functools.wraps(fn)
        def pinned(ctx, **statement):
            with torch_threads(THREADS):
                return fn(ctx, **statement)

        registry.claim(id, **kw)(pinned)
        return fn

    return deco


def cached(fn: Callable) -> Callable:
    """Memoise a computation on its (hashable) arguments: the claim and its counterfactual share it."""
    return functools.lru_cache(maxsize=None)(fn)


def mean_se(values: Iterable[float]) -> tuple[float, float]:
    """Mean and standard error (std / sqrt(n), ddof 1) of independent replicates."""
    x = np.asarray(list(values), dtype=float)
    if x.size < 2:
        return float(x.mean()) if x.size else math.nan, math.inf
    return float(x.mean()), float(x.std(ddof=1) / math.sqrt(x.size))


def t_quantile(n: int, level: float = 0.95) -> float:
    """Two-sided Student-t quantile for a mean over `n` replicates (n - 1 degrees of freedom)."""
    from scipy import stats

    return float(stats.t.ppf(0.5 + level / 2, max(n - 1, 1)))


def fmt_list(xs: Sequence[float], digits: int = 4) -> str:
    """``[a, b, c]`` with `digits` significant digits."""
    return "[" + ", ".join(f"{float(x):.{digits}g}" for x in xs) + "]"

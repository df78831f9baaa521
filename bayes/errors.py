"""Named domain errors of `bayes`; each carries the partial result."""

from __future__ import annotations

from typing import Any

from pdcheck import NumericalError


class SamplerDivergenceError(FloatingPointError, NumericalError):
    """A chain produced NaN or an exploding loss; ``chain`` and ``step`` say where, ``partial`` keeps the trace."""

    def __init__(self, message: str, *, chain: int | None = None, step: int | None = None,
                 partial: Any = None) -> None:
        super().__init__(message)
        self.chain = chain
        self.step = step
        self.partial = partial


class ShortChainWarning(UserWarning):
    """An MCMC run is shorter than 50 integrated autocorrelation times: its estimates are unreliable."""

"""Named domain errors of `dynsys`; each carries the partial result."""

from __future__ import annotations

from typing import Any

from pdcheck import NumericalError


class DivergenceError(FloatingPointError, NumericalError):
    """The state became NaN or infinite; ``step`` names where and ``partial`` keeps the result so far."""

    def __init__(self, message: str, *, step: int | None = None, partial: Any = None) -> None:
        super().__init__(message)
        self.step = step
        self.partial = partial


class AutocorrError(RuntimeError, NumericalError):
    """The chain is too short for a reliable autocorrelation time; the estimate is kept in ``tau``."""

    def __init__(self, message: str, *, tau: Any = None) -> None:
        super().__init__(message)
        self.tau = tau

"""Named domain errors of `slt`."""

from __future__ import annotations

from typing import Any

from pdcheck import NumericalError


class NonDegeneracyError(ValueError, NumericalError):
    """The polynomial is degenerate for its Newton polyhedron; ``bound`` keeps the (upper) bound 1/t*."""

    def __init__(self, message: str, *, bound: Any = None) -> None:
        super().__init__(message)
        self.bound = bound


class EstimatorDivergenceError(FloatingPointError, NumericalError):
    """An estimator's sampler diverged; ``chain``/``step`` say where, ``partial`` keeps the trace."""

    def __init__(self, message: str, *, chain: int | None = None, step: int | None = None,
                 partial: Any = None) -> None:
        super().__init__(message)
        self.chain = chain
        self.step = step
        self.partial = partial

"""Named domain errors of `puzzles`."""

from __future__ import annotations

from typing import Any

from pdcheck import NumericalError


class PrecisionError(ArithmeticError, NumericalError):
    """The requested precision could not be certified.

    Attributes
    ----------
    partial : Any
        The best result obtained before giving up (for example the widest bracket
        ``(lower, upper)`` that was certified), or None.
    """

    def __init__(self, message: str, partial: Any = None) -> None:
        super().__init__(message)
        self.partial = partial

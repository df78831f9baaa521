"""Named domain errors of `puzzles`."""


class PrecisionError(ArithmeticError):
    """The requested precision could not be certified."""

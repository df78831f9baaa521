"""bayes (see README)."""

__all__: list[str] = []

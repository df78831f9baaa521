"""dynsys (see README)."""

__all__: list[str] = []

"""slt (see README)."""

__all__: list[str] = []

"""Public hypothesis strategies of `dynsys`, for users' own property tests."""

from __future__ import annotations

from hypothesis import strategies as st  # noqa: F401

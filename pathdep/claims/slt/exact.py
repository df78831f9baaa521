"""Claims (filled by the capability issue)."""

from __future__ import annotations

from pathdep.claims.registry import Context, claim  # noqa: F401
from pathdep.claims.verdict import Verdict, compare, compare_all, decide  # noqa: F401

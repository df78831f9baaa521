"""The claims catalogue: the registry, verdicts, and one module of claims per library."""

from pathdep.claims.registry import REGISTRY, Claim, Context, Registry, claim, load_builtin
from pathdep.claims.verdict import (ERROR, HOLDS, INCONCLUSIVE, REFUTED, Verdict, combine, compare,
                                    compare_all, compare_range, decide, worst)

__all__ = ["REGISTRY", "Claim", "Context", "Registry", "claim", "load_builtin", "Verdict",
           "compare", "compare_all", "compare_range", "combine", "decide", "worst", "HOLDS", "REFUTED", "INCONCLUSIVE", "ERROR"]

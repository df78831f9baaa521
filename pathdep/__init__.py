"""pathdep: numerical verifiers for the theory of learning.

The application layer over the libraries `dynsys`, `bayes`, `slt` and `puzzles`:
the claims catalogue (``pathdep verify``) and the ``pathdep`` command.

Examples
--------
>>> import pathdep
>>> v = pathdep.verify("puzzles.kempner.block_count")
>>> v.verdict
'HOLDS'
"""

from __future__ import annotations

from pathdep.claims.registry import REGISTRY, Claim, Context, claim, load_builtin
from pathdep.claims.verdict import Verdict, combine, compare, compare_all, compare_range, decide

__version__ = "0.1.0"


def claims(*patterns: str) -> list[Claim]:
    """The registered claims (all, or those matching glob/prefix `patterns`)."""
    return load_builtin().select(patterns)


def verify(claim_id: str, *, seed: int = 0, full: bool = False, counterfactual: bool = False) -> Verdict:
    """Run one claim's verifier and return its :class:`Verdict`.

    With ``counterfactual=True`` the verifier runs on the claim's deliberately wrong
    statement (which must come out REFUTED).  Unlike ``pathdep verify`` on the command
    line, an exception in the verifier propagates (so it can be debugged).
    """
    item = load_builtin()[claim_id]
    return item.run(Context(seed=seed, full=full, progress=False), counterfactual=counterfactual)


__all__ = ["claim", "claims", "verify", "Verdict", "Context", "Claim", "compare", "compare_all",
           "compare_range", "combine", "decide", "REGISTRY", "__version__"]

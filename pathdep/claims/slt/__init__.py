"""Claims checked with `slt`: exact RLCTs, geometry (notes 002, 004) and the estimators."""

from pathdep.claims.slt import estimators, exact  # noqa: F401  (importing registers)

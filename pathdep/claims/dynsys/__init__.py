"""Claims checked with `dynsys`: Lyapunov spectra (note 000) and path-dependence experiments."""

from pathdep.claims.dynsys import experiments, lyapunov  # noqa: F401  (importing registers)

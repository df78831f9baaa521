"""Claims checked with `dynsys`: initialisation and perturbation, symmetries and distances,
path-dependence experiments (note 000, 001) and Lyapunov spectra."""

from pathdep.claims.dynsys import init_perturb, symmetry, dynamics, experiments, lyapunov  # noqa: F401  (importing registers)

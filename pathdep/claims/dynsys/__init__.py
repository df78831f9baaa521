"""Claims checked with `dynsys`: initialisation and perturbation, symmetries and distances,
path-dependence experiments (note 000, 001), Lyapunov spectra and note 001's outline (wide limits, IFT)."""

from pathdep.claims.dynsys import init_perturb, symmetry, dynamics, experiments, lyapunov, outline  # noqa: F401  (importing registers)

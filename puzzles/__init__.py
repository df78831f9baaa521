"""puzzles: Kempner's no-9 harmonic series and lattice random walks, exact and fast."""

from puzzles.kempner import kempner_block_counts

__all__ = ["kempner_block_counts"]

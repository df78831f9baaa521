"""puzzles: Kempner's no-9 harmonic series and lattice random walks, exact and fast."""

from puzzles.errors import PrecisionError
from puzzles.kempner import (KempnerSum, TextbookBound, kempner_block_counts, kempner_level_sums,
                             kempner_partial_sum, kempner_sum, kempner_sum_recurrence,
                             kempner_textbook_bound)
from puzzles.lattice_walk import (MeanDistance, ReturnProbability, SquaredDistancePMF, WalkMoments,
                                  chi_mean_distance, expected_distinct_sites, lattice_walk,
                                  plot_walks, polya_return_probability, walk_mean_distance,
                                  walk_mean_distance_curve, walk_moments, walk_sq_distance_pmf)

__all__ = ["PrecisionError",
           "KempnerSum", "TextbookBound", "kempner_block_counts", "kempner_level_sums",
           "kempner_partial_sum", "kempner_sum", "kempner_sum_recurrence", "kempner_textbook_bound",
           "MeanDistance", "ReturnProbability", "SquaredDistancePMF", "WalkMoments",
           "chi_mean_distance", "expected_distinct_sites", "lattice_walk", "plot_walks",
           "polya_return_probability", "walk_mean_distance", "walk_mean_distance_curve", "walk_moments", "walk_sq_distance_pmf"]

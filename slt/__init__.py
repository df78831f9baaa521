"""slt (see README)."""

from slt.errors import EstimatorDivergenceError, NonDegeneracyError
from slt.exact import (RLCT, HessianRankBound, hessian_rank_bound, rlct_deep_linear, rlct_newton,
                       rlct_normal_crossing, rlct_reduced_rank)
from slt.estimate import RLCTDiagnostics, RLCTEstimate, estimate_rlct, estimate_rlct_model, llc_target
from slt.ladder import LadderFit, RLCTConvergenceWarning, fit_ladder
from slt.relu import ReLUMinimum, relu_minimum
from slt.trajectory import RLCTTrajectory, estimate_rlct_checkpoints
from slt.geometry import (BehaviourRank, HessianDecomposition, LevelSet, behaviour_jacobian, behaviour_map,
                          behaviour_rank, hessian_decomposition, level_set_dimension, squared_loss_star)

__all__: list[str] = [
    "EstimatorDivergenceError", "NonDegeneracyError",
    "RLCT", "HessianRankBound", "hessian_rank_bound", "rlct_deep_linear", "rlct_newton",
    "rlct_normal_crossing", "rlct_reduced_rank",
    "BehaviourRank", "HessianDecomposition", "behaviour_jacobian", "behaviour_map", "behaviour_rank",
    "hessian_decomposition", "squared_loss_star", "LevelSet", "level_set_dimension",
    "RLCTDiagnostics", "RLCTEstimate", "estimate_rlct", "estimate_rlct_model", "llc_target",
    "LadderFit", "RLCTConvergenceWarning", "fit_ladder", "ReLUMinimum", "relu_minimum", "RLCTTrajectory", "estimate_rlct_checkpoints"]

"""dynsys (see README)."""

from dynsys.autodiff import Flow, Map
from dynsys.autocorr import (AutocorrTime, TwoTimeCorrelation, ar1_series, autocorr_time,
                             autocorrelation, effective_sample_size, integrated_time,
                             two_time_correlation)
from dynsys.data import DataSplit, Digits, load_dataset, load_digits_tensors
from dynsys.init import ShellMoments, init_model_, kaiming_normal, shell_moments, thin_shell
from dynsys.growth import GrowthFit, GrowthLaw, fit_growth
from dynsys.ensemble import EnsembleRun, train_ensemble
from dynsys.experiments import PathDepResult, align_mlp, mlp, run_experiment
from dynsys.perturb import perturb_gaussian, perturb_on_sphere
from dynsys.lyapunov import (Convergence, LyapunovResult, ReplicateResult, kaplan_yorke_dimension,
                              lyapunov_replicates, lyapunov_spectrum, paired_difference)
from dynsys.optim_map import (DigitsMLP, FunctionSpaceResult, OptimizerMap, digits_mlp_map,
                              function_space_spectrum)
from dynsys.systems import Henon, LinearFlow, LinearMap, Logistic, Lorenz63, Lorenz96, StandardMap

__all__: list[str] = [
    "AutocorrTime", "TwoTimeCorrelation", "ar1_series", "autocorr_time", "autocorrelation",
    "effective_sample_size", "integrated_time", "two_time_correlation",
    "ShellMoments", "init_model_", "kaiming_normal", "shell_moments", "thin_shell",
    "EnsembleRun", "GrowthFit", "GrowthLaw", "PathDepResult", "align_mlp", "fit_growth", "mlp", "run_experiment",
    "train_ensemble", "perturb_gaussian", "perturb_on_sphere",
    "DataSplit", "Digits", "load_dataset", "load_digits_tensors",
    "Convergence", "LyapunovResult", "kaplan_yorke_dimension", "lyapunov_spectrum",
    "ReplicateResult", "lyapunov_replicates", "paired_difference",
    "DigitsMLP", "FunctionSpaceResult", "OptimizerMap", "digits_mlp_map", "function_space_spectrum",
    "Flow", "Map", "Henon", "LinearFlow", "LinearMap", "Logistic", "Lorenz63", "Lorenz96", "StandardMap",
]

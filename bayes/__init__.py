"""bayes (see README)."""

from bayes.conjugate import GaussianPosterior, LinearRegressionModel, NormalMeanModel, SpikeModel
from bayes.errors import SamplerDivergenceError, ShortChainWarning
from bayes.evidence import (EvidenceResult, NormalizerProfile, WBICResult, beta_ladder, log_evidence,
                            normalizer_profile, ti_quadrature, wbic)
from bayes.posterior import (BernoulliLikelihood, CategoricalLikelihood, EmpiricalRisk, GaussianLikelihood,
                             GaussianPrior, LaplacePrior, PosteriorDensity, UniformPrior, absolute_loss,
                             gibbs, squared_loss, tempered)
from bayes.sample import (MeanEstimate, SampleDiagnostics, diagnostics, draws, energy_draws, integrated_time,
                          mean_with_error, posterior_mean, sample, split_rhat)
from bayes.sgld import ChainDrift, SGLDResult, sgld

__all__: list[str] = [
    "GaussianPosterior", "LinearRegressionModel", "NormalMeanModel", "SpikeModel",
    "SamplerDivergenceError", "ShortChainWarning",
    "EvidenceResult", "NormalizerProfile", "WBICResult", "beta_ladder", "log_evidence",
    "normalizer_profile", "ti_quadrature", "wbic",
    "MeanEstimate", "SampleDiagnostics", "diagnostics", "draws", "energy_draws", "integrated_time",
    "mean_with_error", "posterior_mean", "sample", "split_rhat",
    "BernoulliLikelihood", "CategoricalLikelihood", "EmpiricalRisk", "GaussianLikelihood",
    "GaussianPrior", "LaplacePrior", "PosteriorDensity", "UniformPrior", "absolute_loss",
    "gibbs", "squared_loss", "tempered",
    "SGLDResult", "ChainDrift", "sgld"]

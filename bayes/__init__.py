"""bayes (see README)."""

from bayes.conjugate import GaussianPosterior, LinearRegressionModel, NormalMeanModel
from bayes.posterior import (BernoulliLikelihood, CategoricalLikelihood, EmpiricalRisk, GaussianLikelihood,
                             GaussianPrior, LaplacePrior, PosteriorDensity, UniformPrior, absolute_loss,
                             gibbs, squared_loss, tempered)
from bayes.sgld import SGLDResult, sgld

__all__: list[str] = [
    "GaussianPosterior", "LinearRegressionModel", "NormalMeanModel",
    "BernoulliLikelihood", "CategoricalLikelihood", "EmpiricalRisk", "GaussianLikelihood",
    "GaussianPrior", "LaplacePrior", "PosteriorDensity", "UniformPrior", "absolute_loss",
    "gibbs", "squared_loss", "tempered",
    "SGLDResult", "sgld"]

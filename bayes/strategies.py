"""Public hypothesis strategies of `bayes`, for users' own property tests."""

from __future__ import annotations

from hypothesis import strategies as st  # noqa: F401

import numpy as np  # noqa: E402

__all__ = ["betas", "normal_mean_models", "linear_regression_models"]


def betas(*, allow_zero: bool = True, max_value: float = 4.0) -> st.SearchStrategy[float]:
    """Inverse temperatures in ``[0, max_value]`` (``(0, max_value]`` without `allow_zero`)."""
    lo = 0.0 if allow_zero else 1e-3
    return st.floats(min_value=lo, max_value=max_value, allow_nan=False, allow_infinity=False)


@st.composite
def normal_mean_models(draw: st.DrawFn, *, max_n: int = 50) -> "NormalMeanModel":  # noqa: F821
    """Random conjugate normal-mean problems (:class:`bayes.conjugate.NormalMeanModel`)."""
    from bayes.conjugate import NormalMeanModel

    n = draw(st.integers(1, max_n))
    sigma = draw(st.floats(0.3, 3.0))
    theta = draw(st.floats(-3.0, 3.0))
    seed = draw(st.integers(0, 2**31 - 1))
    y = theta + sigma * np.random.default_rng(seed).standard_normal(n)
    return NormalMeanModel(y, sigma=sigma, prior_mean=draw(st.floats(-2.0, 2.0)),
                           prior_std=draw(st.floats(0.3, 3.0)))


@st.composite
def linear_regression_models(draw: st.DrawFn, *, max_n: int = 40,
                             max_d: int = 4) -> "LinearRegressionModel":  # noqa: F821
    """Random conjugate Bayesian linear regressions (:class:`bayes.conjugate.LinearRegressionModel`)."""
    from bayes.conjugate import LinearRegressionModel

    d = draw(st.integers(1, max_d))
    n = draw(st.integers(1, max_n))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    sigma = draw(st.floats(0.3, 3.0))
    prior_std = draw(st.floats(0.3, 3.0))
    x = rng.standard_normal((n, d))
    w = prior_std * rng.standard_normal(d)
    y = x @ w + sigma * rng.standard_normal(n)
    return LinearRegressionModel(x, y, sigma=sigma, prior_mean=draw(st.floats(-1.0, 1.0)),
                                 prior_cov=prior_std ** 2)

"""The ladder estimator against Aoyagi's closed form on deep linear networks (slow statistical runs).

Oracle: ``slt.rlct_deep_linear`` (M. Aoyagi, Neural Networks 172 (2024) 106132), itself checked
against the reduced-rank formula of Aoyagi & Watanabe (2005) in tests/slt/test_exact.py.  Tolerance:
3 standard errors of the estimate (jackknife over chain blocks, combined with the fit's model spread)
plus 2 % for the fit's remaining bias.  The negative control (the llc method at Lau et al.'s settings)
must miss by far more than its standard error.
"""

from __future__ import annotations

import math
import warnings

import pytest

from slt import estimate_rlct_model, rlct_deep_linear
from slt.models import deep_linear_network, random_deep_linear_network

pytestmark = pytest.mark.slow

CASES = [([3, 2, 3], 1), ([5, 3, 4, 3, 5], 1), ([5, 5, 5, 5], 2), ([4, 3, 3, 4], 1), ([6, 4, 6], 2),
         ([8, 6, 8, 5], 3)]


@pytest.mark.parametrize("widths, r", CASES)
def test_ladder_matches_aoyagi_on_small_networks(widths, r):
    net = deep_linear_network(widths, r, n=10_000, seed=0)
    assert net.dim <= 150
    lam = float(rlct_deep_linear(widths, r).value)
    est = estimate_rlct_model(net.model, net.data, net.loss_fn, n=net.n, seed=0, progress=False)
    assert est.diagnostics.converged, est.diagnostics.warnings
    assert abs(est.value - lam) <= 3 * est.stderr + 0.02 * lam, (est.value, est.stderr, lam)


def test_ladder_matches_aoyagi_on_a_random_network_of_the_1e3_bucket():
    net = random_deep_linear_network("1e3", seed=1)
    lam = float(net.exact.value)
    est = estimate_rlct_model(net.model, net.data, net.loss_fn, n=net.n, seed=0, progress=False)
    assert abs(est.value - lam) <= 3 * est.stderr + 0.02 * lam, (est.value, est.stderr, lam)


def test_negative_control_the_single_temperature_llc_misses():
    net = deep_linear_network([5, 3, 4, 3, 5], 1, n=10_000, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = estimate_rlct_model(net.model, net.data, net.loss_fn, n=net.n, method="llc", seed=0, progress=False)
    lam = 6.5
    assert math.isfinite(est.value)
    assert lam - est.value > 0.2 * lam and lam - est.value > 5 * est.stderr

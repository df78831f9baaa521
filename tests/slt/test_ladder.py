"""The ``ladder`` estimator: its fit, health checks, API contract and the estimates along training."""

import math
import warnings

import copy

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from slt import (LadderFit, RLCTConvergenceWarning, RLCTTrajectory, estimate_rlct_checkpoints, estimate_rlct_model,
                 fit_ladder)
from slt.ladder import auto_beta_max, ladder_temperatures, loss_kind, split_rhat, tensor_scales
from slt.models import deep_linear_network

F = torch.nn.functional


# --------------------------------------------------------------------------- the fit

@pytest.mark.parametrize("m, c", [(2, -1.0), (3, 0.5), (4, 2.0)])
def test_fit_recovers_the_log_form_exactly_when_m_is_given(m, c):
    t = np.geomspace(1e2, 1e5, 6)
    g = 7.0 - (m - 1) / (np.log(t) + c)
    fit = fit_ladder(t, g, np.full(6, 1e-4), multiplicity=m)
    assert isinstance(fit, LadderFit) and fit.multiplicity == m and fit.spread == 0.0
    assert abs(fit.value - 7.0) < 1e-6


def test_fit_recovers_the_power_form():
    t = np.geomspace(1e2, 1e5, 6)
    fit = fit_ladder(t, 3.0 - 2.0 * t ** -0.4, np.full(6, 1e-4), multiplicity=1)
    assert abs(fit.value - 3.0) < 1e-5


def test_model_average_weights_and_spread():
    t = np.geomspace(1e2, 1e4, 5)
    fit = fit_ladder(t, 5.0 - 1.0 / (np.log(t) - 1.0), np.full(5, 0.05))
    w = np.array([v[2] for v in fit.candidates.values()])
    assert abs(w.sum() - 1) < 1e-12 and (w >= 0).all()
    lam = np.array([v[0] for v in fit.candidates.values()])
    assert abs(fit.value - (w * lam).sum()) < 1e-12
    assert abs(fit.spread - math.sqrt((w * (lam - fit.value) ** 2).sum())) < 1e-12
    assert abs(fit.value - 5.0) < 3 * fit.spread + 0.05


@settings(max_examples=20, deadline=None)
@given(shift=st.floats(-4, 50), lam=st.floats(5, 100), c=st.floats(-2, 3))
def test_fit_is_equivariant_under_a_constant_shift_of_g(shift, lam, c):
    # every form has λ as an additive parameter: shifting g shifts λ̂ and leaves the weights alone
    # (while the bound λ >= 0 is inactive)
    t = np.geomspace(1e2, 1e4, 5)
    g = lam - 1.0 / (np.log(t) + c) + 0.01 * np.sin(np.arange(5))
    a, b = fit_ladder(t, g, np.full(5, 0.02)), fit_ladder(t, g + shift, np.full(5, 0.02))
    assert abs(b.value - a.value - shift) < 1e-4 * (1 + abs(shift) + lam)


def test_fit_refuses_an_unfittable_ladder():
    with pytest.raises(ValueError, match="`g` must be finite"):
        fit_ladder(np.array([1e2, 1e3]), np.array([np.nan, 1.0]), np.ones(2))
    with pytest.raises(ValueError, match="one entry per rung"):
        fit_ladder(np.array([1e2, 1e3, 1e4]), np.ones(2), np.ones(3))


# --------------------------------------------------------------------------- helpers

def test_split_rhat_and_ladder_temperatures():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 2000))
    assert abs(split_rhat(x) - 1) < 0.01
    assert split_rhat(x[::-1]) == pytest.approx(split_rhat(x))      # chain order does not matter
    assert split_rhat(x + np.arange(4)[:, None]) > 1.5              # chains that disagree
    trend = x + np.linspace(0, 3, 2000)                               # a drift inside every chain
    assert split_rhat(trend) > 1.1
    t = ladder_temperatures(1e4, 5, 100.0)
    np.testing.assert_allclose(t, [1e2, 10 ** 2.5, 1e3, 10 ** 3.5, 1e4])
    assert ladder_temperatures(7.0, 1, 10.0).tolist() == [7.0]


def test_loss_kind_tensor_scales_and_auto_beta():
    assert loss_kind(F.mse_loss) == "mse" and loss_kind(torch.nn.MSELoss()) == "mse"
    assert loss_kind(F.cross_entropy) == "ce" and loss_kind(torch.nn.CrossEntropyLoss()) == "ce"
    assert loss_kind(torch.nn.MSELoss(reduction="sum")) is None and loss_kind(F.l1_loss) is None
    net = deep_linear_network([3, 2, 3], 1, n=100, seed=0)
    s = tensor_scales(net.model, net.w_star)
    np.testing.assert_allclose(s[:6].numpy(), float(net.model[0].weight.detach().pow(2).mean().sqrt()))
    zero = torch.zeros_like(net.w_star)
    assert torch.all(tensor_scales(net.model, zero) == 1.0)
    # noiseless teacher: the floor (10^-4 of the targets' mean square); a noisy one: N / (2 σ̂²)
    y2 = float(net.data[1].pow(2).mean())
    assert auto_beta_max(F.mse_loss, net.data[1], 0.0) == pytest.approx(3 / (2e-4 * y2))
    noisy = deep_linear_network([3, 2, 3], 1, n=20000, noise=0.1, seed=0)
    with torch.no_grad():
        l_star = float(F.mse_loss(noisy.model(noisy.data[0]), noisy.data[1]))
    assert auto_beta_max(F.mse_loss, noisy.data[1], l_star) == pytest.approx(3 / 0.02, rel=0.03)
    assert auto_beta_max(F.l1_loss, net.data[1], 0.1) == 1.0


# --------------------------------------------------------------------------- the estimator

def _small():
    return deep_linear_network([3, 2, 3], 1, n=300, seed=0)      # λ = 7/2, m = 2


def test_ladder_is_the_default_method_and_is_reproducible():
    net = _small()
    kw = dict(n=net.n, progress=False, n_sweeps=120, quiet=True)
    a = estimate_rlct_model(net.model, net.data, net.loss_fn, seed=3, **kw)
    b = estimate_rlct_model(net.model, net.data, net.loss_fn, seed=3, **kw)
    c = estimate_rlct_model(net.model, net.data, net.loss_fn, seed=4, **kw)
    assert a.diagnostics.method == "ladder" and a.diagnostics.engine == "kgibbs"
    assert a.value == b.value and np.array_equal(a.trace, b.trace)
    assert a.value != c.value
    assert a.trace.shape == (5, 4, 90) and a.diagnostics.temps.shape == (5,)
    assert a.diagnostics.rhat.shape == (5,) and a.diagnostics.drift.shape == (5,)
    assert abs(a.value / 3.5 - 1) < 0.1
    fig = a.plot()
    assert fig.axes[0].get_xscale() == "log"


def test_ladder_follows_the_model_dtype():
    net = deep_linear_network([3, 2, 3], 1, n=200, seed=0, dtype=torch.float32)
    est = estimate_rlct_model(net.model, net.data, net.loss_fn, n=net.n, seed=0, progress=False, n_sweeps=60,
                              quiet=True)
    assert np.isfinite(est.value)
    # the float32 floor (10^-2 of the targets' mean square) and the float32 cap t = nβ <= 1e6
    expected = min(3 / (2e-2 * float(net.data[1].pow(2).mean())), 1e6 / net.n)
    assert est.diagnostics.beta == pytest.approx(expected, rel=1e-5)


def test_health_checks_warn_on_a_sampler_that_cannot_have_equilibrated():
    # negative control: MALA with 40 steps from w* on a singular model cannot be in equilibrium
    net = _small()
    with pytest.warns(RLCTConvergenceWarning, match="may be unreliable"):
        est = estimate_rlct_model(net.model, net.data, net.loss_fn, n=net.n, seed=0, progress=False,
                                  engine="pmala", n_sweeps=40, burn=10)
    assert not est.diagnostics.converged and est.diagnostics.warnings


def test_health_checks_name_a_w_star_that_is_not_a_minimum():
    # negative control: w* moved off the minimum of a noiseless DLN; the chains find lower loss
    net = _small()
    model = copy.deepcopy(net.model)
    with torch.no_grad():
        model[0].weight.add_(0.05)
    with pytest.warns(RLCTConvergenceWarning):
        est = estimate_rlct_model(model, net.data, net.loss_fn, n=net.n, seed=0, progress=False, n_sweeps=40)
    assert any("not a (local) minimum" in w for w in est.diagnostics.warnings), est.diagnostics.warnings


@pytest.mark.parametrize("opts, exc, match", [
    (dict(n_chains=1), ValueError, "`n_chains` must be >= 2"),
    (dict(localization=-1.0), ValueError, "`localization`"),
    (dict(temps=[1e3]), ValueError, "`temps` must hold at least 2"),
    (dict(temps=[1e3, -1.0]), ValueError, "`temps`"),
    (dict(engine="hmc"), ValueError, "`engine` must be one of"),
    (dict(multiplicity=0), ValueError, "`multiplicity` must be >= 1"),
    (dict(beta_max=0.0), ValueError, "`beta_max`"),
    (dict(n_sweeps=4), ValueError, "`n_sweeps` must be >= 8"),
    (dict(span=1.0), ValueError, "`span` must be >= 1.5"),
    (dict(n_temps=1), ValueError, "`n_temps` must be >= 2"),
    (dict(step_size=1e-3), TypeError, "unexpected option"),
])
def test_ladder_refuses_bad_options_before_sampling(opts, exc, match):
    net = _small()
    with pytest.raises(exc, match=match):
        estimate_rlct_model(net.model, net.data, net.loss_fn, n=net.n, seed=0, progress=False, **opts)


def test_estimate_rlct_model_refuses_bad_models_and_data():
    net = _small()
    with pytest.raises(TypeError, match="`model`"):
        estimate_rlct_model(lambda x: x, net.data, net.loss_fn, n=10)
    with pytest.raises(ValueError, match="no parameters"):
        estimate_rlct_model(torch.nn.ReLU(), net.data, net.loss_fn, n=10)
    with pytest.raises(TypeError, match="`loss_fn`"):
        estimate_rlct_model(net.model, net.data, None, n=10)
    with pytest.raises(ValueError, match="same number of points"):
        estimate_rlct_model(net.model, (net.data[0], net.data[1][:5]), net.loss_fn, n=10)
    with pytest.raises(ValueError, match="`w_star` must have 12 entries"):
        estimate_rlct_model(net.model, net.data, net.loss_fn, torch.zeros(3), n=10)
    with pytest.raises(ValueError, match="`w_star` must be finite"):
        estimate_rlct_model(net.model, net.data, net.loss_fn, torch.full((12,), float("nan")), n=10)
    with pytest.raises(ValueError, match="`method` must be one of"):
        estimate_rlct_model(net.model, net.data, net.loss_fn, n=10, method="wbic")
    with pytest.raises(ValueError, match="`data` does not fit `model` and `loss_fn`"):
        estimate_rlct_model(net.model, (torch.zeros(10, 4, dtype=torch.float64), torch.zeros(10, 3)),
                            net.loss_fn, n=10, engine="kgibbs")
    with pytest.raises(ValueError, match="`loss_fn` must return a finite scalar"):
        estimate_rlct_model(net.model, net.data, lambda out, y: (out - y) ** 2, n=10)


def test_generic_engine_on_a_model_that_is_not_a_sequential():
    class Wrapped(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, x):
            return self.inner(x)

    net = _small()
    model = Wrapped(net.model)
    est = estimate_rlct_model(model, net.data, net.loss_fn, n=net.n, seed=0, progress=False, n_sweeps=200,
                              quiet=True, beta_max=1e3)
    assert est.diagnostics.engine == "pmala" and np.isfinite(est.value)


# --------------------------------------------------------------------------- checkpoints

def test_checkpoints_accept_state_dicts_modules_and_vectors():
    net = _small()
    sd = {k: v.clone() for k, v in net.model.state_dict().items()}
    ckpts = [sd, net.model, net.w_star]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RLCTConvergenceWarning)
        traj = estimate_rlct_checkpoints(net.model, ckpts, net.data, net.loss_fn, n=net.n, steps=[0, 10, 20],
                                         seed=0, progress=False, n_sweeps=60)
    assert isinstance(traj, RLCTTrajectory)
    assert traj.steps.tolist() == [0, 10, 20] and traj.values.shape == (3,) and traj.converged.dtype == bool
    # the same point with its own derived seed: different draws, similar values
    assert len(set(traj.values.tolist())) == 3
    fig = traj.plot()
    assert fig.axes[0].get_xlabel() == "training step"
    again = estimate_rlct_checkpoints(net.model, ckpts[:1], net.data, net.loss_fn, n=net.n, seed=0,
                                      progress=False, n_sweeps=60, quiet=True)
    assert again.values[0] == traj.values[0]           # checkpoint i's seed depends on the base seed and i only


def test_checkpoints_refuse_bad_input():
    net = _small()
    with pytest.raises(ValueError, match="at least one"):
        estimate_rlct_checkpoints(net.model, [], net.data, net.loss_fn, n=10)
    with pytest.raises(ValueError, match=r"`checkpoints`\[0\] lacks"):
        estimate_rlct_checkpoints(net.model, [{"x": 1}], net.data, net.loss_fn, n=10)
    with pytest.raises(ValueError, match=r"has shape"):
        estimate_rlct_checkpoints(net.model, [{"0.weight": torch.zeros(2), "1.weight": torch.zeros(3, 2)}],
                                  net.data, net.loss_fn, n=10)
    with pytest.raises(ValueError, match="must have 12 entries"):
        estimate_rlct_checkpoints(net.model, [torch.zeros(5)], net.data, net.loss_fn, n=10)
    with pytest.raises(ValueError, match="`steps` must hold 1"):
        estimate_rlct_checkpoints(net.model, [net.w_star], net.data, net.loss_fn, n=10, steps=[1, 2])
    with pytest.raises(TypeError, match="`checkpoints` must be a sequence"):
        estimate_rlct_checkpoints(net.model, None, net.data, net.loss_fn, n=10)


def test_misfit_note_names_a_ladder_that_watanabes_forms_do_not_fit():
    from slt.ladder import _misfit

    t = np.geomspace(5.0e4, 5.0e6, 5)
    # measured on the digits ReLU MLP (12 000-sweep chains): g rises, then falls
    g = np.array([117.03, 135.46, 128.89, 126.01, 122.01])
    se = np.array([1.77, 1.95, 2.25, 1.15, 1.36])
    notes = _misfit(fit_ladder(t, g, se), len(t))
    assert len(notes) == 1 and "does not fit" in notes[0], notes
    # the same rungs with errors five times larger: the forms fit within them
    assert _misfit(fit_ladder(t, g, 5 * se), len(t)) == []


@settings(max_examples=25, deadline=None)
@given(st.floats(1.0, 200.0), st.integers(2, 4), st.floats(-2.0, 2.0), st.integers(0, 2 ** 31 - 1))
def test_misfit_is_silent_on_a_ladder_of_watanabes_form(lam, m, c, seed):
    from slt.ladder import _misfit

    t = np.geomspace(1e3, 1e6, 5)
    se = np.full(5, 0.01 * lam)
    g = lam - (m - 1) / (np.log(t) + c) + se * np.random.default_rng(seed).uniform(-1.0, 1.0, 5)   # chi2 <= 5
    assert _misfit(fit_ladder(t, g, se), len(t)) == []


@settings(max_examples=25, deadline=None)
@given(st.floats(1.0, 200.0), st.integers(2, 4), st.floats(-2.0, 2.0), st.floats(0.1, 30.0))
def test_scale_factor_is_the_birge_ratio_of_the_best_form(lam, m, c, blowup):
    from slt.ladder import _scale_factor

    t = np.geomspace(1e3, 1e6, 5)
    se = np.full(5, 0.01 * lam)
    exact = lam - (m - 1) / (np.log(t) + c)
    assert _scale_factor(fit_ladder(t, exact, se), 5) == pytest.approx(1.0)       # a perfect fit: not scaled
    wiggle = exact + blowup * se * np.array([1.0, -1.0, 1.0, -1.0, 1.0])
    fit = fit_ladder(t, wiggle, se)
    k = fit.multiplicity
    dof = 5 - (3 if k == 1 else 2)
    assert _scale_factor(fit, 5) == pytest.approx(max(1.0, math.sqrt(fit.candidates[k][1] / dof)))
    assert _scale_factor(fit, 5) >= 1.0

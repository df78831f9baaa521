"""Figures that say what they show (issue 13, item 8): read from the matplotlib objects, not pixels.

Each test builds the figure from a small or synthetic result and inspects legend texts, titles,
axis labels and scales, and the artists (hatches, shaded spans, markers).
"""

from __future__ import annotations

import math

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")


def _legend_texts(ax) -> list[str]:
    leg = ax.get_legend()
    return [t.get_text() for t in leg.get_texts()] if leg is not None else []


# --------------------------------------------------------------------------- perturbed ensembles
def _synthetic_run():
    from dynsys.experiments import PathDepResult

    spe = 50
    steps = np.unique(np.r_[np.arange(0, spe + 1, 5), np.linspace(spe, 10 * spe, 30).astype(int)])
    eps = np.array([0.0, 0.1, 0.1])
    early = 0.1 * np.exp(0.04 * np.minimum(steps, spe))                 # exponential in the first epoch
    curve = np.where(steps <= spe, early, early[steps == spe][0] + 0.01 * (steps - spe))   # then linear
    d_w = np.stack([np.zeros_like(curve), curve * 0.98, curve * 1.02])
    return PathDepResult({"d_w": d_w}, steps, eps, "init", spe, {})


def test_growth_figure_defines_d_w_and_shows_both_fitted_phases_and_the_breakpoint():
    fig = _synthetic_run().plot("d_w", fit=True)
    ax = fig.axes[0]
    texts = _legend_texts(ax)
    assert "l2 distance" in ax.get_ylabel()
    assert "||w_copy(t) - w_baseline(t)||_2" in ax.get_title()
    exp_fit = [t for t in texts if t.strip().startswith("fit epoch < 1:")]
    lin_fit = [t for t in texts if t.strip().startswith("fit epoch > 1:")]
    assert len(exp_fit) == 1 and "exp(" in exp_fit[0] and "AIC-best" in exp_fit[0]
    assert len(lin_fit) == 1 and " t (AIC-best" in lin_fit[0]
    # the fitted rate and slope are the synthetic ones
    rate = float(exp_fit[0].split("exp(")[1].split()[0])
    assert rate == pytest.approx(0.04, rel=0.05)
    assert "breakpoint: end of epoch 1" in texts
    assert any(line.get_xdata()[0] == 1.0 for line in ax.lines if line.get_linestyle() == "-.")


def test_growth_law_formula_names_its_parameters():
    from dynsys.growth import GrowthLaw

    assert GrowthLaw("exponential", (0.1, 0.02), (0, 0), 0, 0, 0).formula() == "0.1 exp(0.02 t)"
    assert GrowthLaw("power", (1.0, 2.0, 0.5), (0, 0, 0), 0, 0, 0).formula() == "1 + 2 t^0.5"


# --------------------------------------------------------------------------- Lyapunov
def test_lyapunov_reference_lines_are_in_the_legend_with_their_value_and_the_last_half_is_green():
    from dynsys import Henon, lyapunov_spectrum

    res = lyapunov_spectrum(Henon(), [0.1, 0.1], 20_000, transient=100, progress=False, seed=0)
    assert res.convergence.converged and res.convergence.message.startswith("converged")
    fig = res.plot(reference=[0.41922, -1.62319])
    ax = fig.axes[0]
    texts = _legend_texts(ax)
    assert "reference λ1 = 0.41922" in texts and "reference λ2 = -1.6232" in texts
    assert "last half: converged" in texts
    span = [p for p in ax.patches if p.get_label() == "last half: converged"][0]
    assert matplotlib.colors.to_hex(span.get_facecolor(), keep_alpha=False) == matplotlib.colors.to_hex("tab:green")
    assert ax.get_xscale() == "log" and "converged" in ax.get_title()


def _replicates(drift):
    from dynsys.lyapunov import ReplicateResult

    k = len(drift)
    windows = np.linspace(2.0, 1.0, 10)[:, None] * np.ones(k)
    return ReplicateResult(np.ones(k), np.full(k, 0.01), np.ones((4, k)), np.arange(4), 200, 1.0, windows,
                           np.full((10, k), 0.01), np.linspace(0, 200, 11).astype(int), np.asarray(drift),
                           np.full(k, 0.01))


def test_optimizer_run_that_still_drifts_is_shaded_red_and_says_not_converged():
    rep = _replicates([-0.5] * 8)
    conv = rep.convergence
    assert not conv.converged and conv.n_drifting == 8
    assert conv.message.startswith("NOT converged: 8 exponents (of 8) still drifting over the last half")
    ax = rep.plot().axes[0]
    span = [p for p in ax.patches if p.get_label().startswith("last half:")][0]
    assert span.get_label() == "last half: 8 exponents still drifting"
    assert matplotlib.colors.to_hex(span.get_facecolor(), keep_alpha=False) == matplotlib.colors.to_hex("tab:red")
    assert "NOT converged" in ax.get_title()
    assert all("still drifting" in t for t in _legend_texts(ax) if t.startswith("λ"))
    assert _replicates([0.0] * 3).convergence.converged


def test_lyapunov_command_prints_the_convergence_verdict(capsys):
    from pathdep.cli import main

    assert main(["lyapunov", "henon", "--steps", "20000", "--plot", "", "--no-progress"]) == 0
    assert "converged: no exponent drifts over the last half" in capsys.readouterr().out


def test_lyapunov_sgd_command_prints_not_converged(capsys, monkeypatch):
    # the optimizer path with a stand-in for the (minute-long) replicate run
    import dynsys

    from pathdep.cli import main

    monkeypatch.setattr(dynsys, "lyapunov_replicates", lambda *a, **k: _replicates([-0.5] * 8))
    assert main(["lyapunov", "sgd", "--steps", "10", "--width", "4", "--plot", "", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "NOT converged: 8 exponents (of 8) still drifting over the last half" in out
    assert "finite-time exponents per window of training (steps), mean over 4 replicates:" in out


# --------------------------------------------------------------------------- thermodynamic integration
def test_ti_figure_log_beta_axis_with_the_exact_curve_and_log_z():
    from bayes.conjugate import NormalMeanModel
    from bayes.evidence import EvidenceResult

    m = NormalMeanModel([0.1, 0.3, -0.2, 0.5], sigma=1.0)
    betas = np.r_[0.0, np.geomspace(1e-3, 1.0, 6)]
    e = np.asarray(m.mean_energy(betas), dtype=float)
    res = EvidenceResult(float(m.log_evidence(1.0)), 0.01, 0.01, 0.0, betas, e, np.full(7, 0.05), np.ones(7))
    fig = res.plot(m.mean_energy, exact_log_z=float(m.log_evidence(1.0)))
    ax = fig.axes[0]
    assert ax.get_xscale() == "log"                        # no symlog kink near 0
    assert ax.get_xlim()[0] > 0
    texts = _legend_texts(ax)
    assert "exact E_beta[n L_n]" in texts
    assert any(t.startswith("beta = 0 rung (off the log axis): ") for t in texts)
    assert f"exact log Z(1) = {float(m.log_evidence(1.0)):.6g}" in texts
    assert "exact log Z(1) =" in ax.get_title() and "TI log Z(1) =" in ax.get_title()
    exact_line = [ln for ln in ax.lines if ln.get_label() == "exact E_beta[n L_n]"][0]
    assert exact_line.get_xdata().min() == pytest.approx(1e-3)
    with pytest.raises(TypeError, match="`exact`"):
        res.plot(3.0)
    with pytest.raises(ValueError, match="`exact_log_z`"):
        res.plot(exact_log_z=math.nan)


# --------------------------------------------------------------------------- bars: zero vs missing
def test_rank_bound_bars_tell_a_zero_from_a_missing_value():
    from pathdep.claims.slt.exact import _rank_bound_figure

    fig = _rank_bound_figure(["a", "b"], [0.0, 1.0], [0.25, None], [0.5, 0.0])
    ax = fig.axes[0]
    texts = _legend_texts(ax)
    assert "dot + 0: a measured zero" in texts and "hatched n/a: no value" in texts
    notes = [c.get_text() for c in ax.texts]
    assert notes.count("0") == 2 and notes.count("n/a") == 1
    hatched = [p for p in ax.patches if p.get_hatch() == "///"]
    assert len(hatched) == 1 and hatched[0].get_height() > 0
    dots = [ln for ln in ax.lines if ln.get_marker() == "o" and list(ln.get_ydata()) == [0.0]]
    assert len(dots) == 2
    # without zeros or gaps the legend has the three series only
    plain = _rank_bound_figure(["a"], [1.0], [0.25], [0.5]).axes[0]
    assert len(_legend_texts(plain)) == 3

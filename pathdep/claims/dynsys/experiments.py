"""Claims of note 000's perturbation experiments: divergence curves on the digits, over a grid.

"Tracking Trajectories", "One-hidden-layer Models" and the predictions that follow
(momentum, learning rate, weight decay, width, depth, architecture, optimizer).  The
note trains 784-100-10 MLPs on MNIST; here the data are scikit-learn's digits (8x8, so
64-100-10), trained with the note's grid: SGD at learning rates 0.01 and 0.1, 25 epochs,
batch 64, initial weights perturbed on the initialisation sphere at eps = 0.1, 1 and 10,
identical batch schedules, several seeds.  Each statement is scoped to what was computed.

Growth laws are decided by fitted exponents with confidence intervals over seeds, never
by AIC between nested laws: after the first epoch, the exponent p of ``a + b t^p``
(:func:`dynsys.growth.fit_growth`), "linear" meaning p in [1/sqrt 2, sqrt 2] (the
geometric midpoints to the square-root law p = 1/2 and to the quadratic p = 2); in the
first epoch, exponential growth ``d = d0 exp(r t)`` means ``ln(d/d0)`` proportional to t,
i.e. the exponent q of ``ln(d/d0) ~ t^q`` in the same band around 1.  Confidence
intervals are mean +- t(0.975, n-1) standard errors over seeds; for a proportion of test
predictions (agreement with the baseline) the pooled count's binomial 95 % interval.

The grid runs as two batched ensembles per seed (:func:`dynsys.grid.run_groups`): tier A
(the init and batch-order perturbations, with function-space metrics) and tier B (weight
decay, momentum and learning rate at eps = 1, with common perturbations across groups so
that groups are compared copy by copy).
"""

from __future__ import annotations

import math

import numpy as np

from pathdep.claims._common import NOTE000, NOTE001, cached, claim, fmt_list, mean_se, t_quantile
from pathdep.claims.registry import Context
from pathdep.claims.verdict import Verdict, combine, compare, compare_range, decide

ONE_HIDDEN = f"{NOTE000}, 'One-hidden-layer Models'"
PREDICT = f"{NOTE000}, 'One-hidden-layer Models' (predictions)"
LINEAR = (1 / math.sqrt(2), math.sqrt(2))     # "linear": p within the geometric midpoints to 1/2 and 2
EPOCHS, BATCH = 25, 64
LRS, EPS = (0.01, 0.1), (0.1, 1.0, 10.0)
#: Checkpoints: 1, 2, 3, 5, 8, 13, 21 in the first epoch (21 steps of 64), then every 25 steps to 525.
CHECKPOINTS = sorted({0, 1, 2, 3, 5, 8, 13, 21, *range(25, 526, 25), 525})


# --------------------------------------------------------------------------- the grid
@cached
def _tier_a(seed: int) -> dict:
    from dynsys.grid import run_groups

    keys, groups = [], []
    for lr in LRS:
        keys.append(("init", lr))
        groups.append({"lr": lr, "eps": EPS, "n_copies": 1, "metrics": "all", "keep_weights": lr == 0.1})
    return dict(zip(keys, run_groups(groups, n_epochs=EPOCHS, batch_size=BATCH, optimizer="momentum",
                                     checkpoints=CHECKPOINTS, seed=seed)))


@cached
def _tier_b(seed: int) -> dict:
    from dynsys.grid import run_groups

    keys, groups = [("lr", 0.001)], [{"lr": 0.001, "eps": (1.0,), "n_copies": 1}]
    for lr in LRS:
        for lam in (0.0, 1e-3, 1e-2, 1e-1):
            keys.append(("wd", lr, lam))
            groups.append({"lr": lr, "weight_decay": lam, "eps": (1.0,), "n_copies": 1})
        for mu in (0.1, 0.5, 0.9):
            keys.append(("mom", lr, mu))
            groups.append({"lr": lr, "momentum": mu, "eps": (1.0,), "n_copies": 1})
    return dict(zip(keys, run_groups(groups, n_epochs=EPOCHS, batch_size=BATCH, optimizer="momentum",
                                     checkpoints=CHECKPOINTS, common_perturbations=True, seed=seed)))


@cached
def _tier_c(seed: int) -> dict:
    """End-of-training function-space comparisons only: init perturbations and other schedules."""
    from dynsys.grid import run_groups

    keys, groups = [], []
    for lr in LRS:
        keys.append(("init", lr))
        groups.append({"lr": lr, "eps": EPS, "n_copies": 1, "metrics": "all"})
        keys.append(("batch", lr))
        groups.append({"lr": lr, "kind": "schedule", "eps": (0.0,), "n_copies": 1, "metrics": "all"})
    return dict(zip(keys, run_groups(groups, n_epochs=EPOCHS, batch_size=BATCH, optimizer="momentum",
                                     checkpoints=1, seed=seed)))


def _seeds(ctx: Context, tier: str) -> list[int]:
    n = {"a": ctx.pick(4, 10), "b": ctx.pick(3, 6), "c": ctx.pick(8, 16)}[tier]
    return [ctx.seed + {"a": 0, "b": 100, "c": 500}[tier] + i for i in range(n)]


def _runs(ctx: Context, tier: str) -> list[dict]:
    fn = {"a": _tier_a, "b": _tier_b, "c": _tier_c}[tier]
    return [fn(s) for s in _seeds(ctx, tier)]


def _late_p(r, eps: float, metric: str = "d_w") -> float:
    """Exponent p of a + b t^p fitted to the copies' mean curve after the first epoch."""
    from dynsys.growth import fit_growth

    curve = r.mean_curve(metric)[eps]
    g = fit_growth(r.steps, curve, window=(r.steps_per_epoch, float(r.steps[-1])), laws=["power"])
    return float(g.laws["power"].params[2])


def _late_slope(r, eps: float, metric: str = "d_w") -> float:
    """Least-squares slope (per step) of the copies' mean curve after the first epoch."""
    curve = r.mean_curve(metric)[eps]
    sel = r.steps >= r.steps_per_epoch
    return float(np.polyfit(r.steps[sel], curve[sel], 1)[0])


def _early(r, eps: float) -> tuple[float, float]:
    """(d(T_epoch)/d(0), q) with ln(d/d0) ~ t^q over the first epoch (q = nan without growth)."""
    curve = r.mean_curve("d_w")[eps]
    T = r.steps_per_epoch
    sel = (r.steps > 0) & (r.steps <= T)
    g = np.log(curve[sel] / curve[0])
    ok = g > 1e-9
    growth = float(curve[np.flatnonzero(r.steps == T)[0]] / curve[0]) if T in r.steps else float(curve[sel][-1] / curve[0])
    if ok.sum() < 4 or ok.sum() < 0.75 * sel.sum():
        return growth, math.nan
    return growth, float(np.polyfit(np.log(r.steps[sel][ok]), np.log(g[ok]), 1)[0])


N_TEST = 449   # the digits test split (25 % of 1797 images)


def _band_proportion(fractions, n_each: int, lo: float, hi: float, label: str) -> Verdict:
    """compare_range of a pooled proportion (runs x n_each trials) with its binomial 95 % interval."""
    k = len(fractions)
    p = float(np.mean(fractions))
    se = math.sqrt(max(p * (1 - p), 1e-12) / (n_each * k))
    return compare_range(p, lo, hi, stderr=se, z=1.96,
                         evidence=f"{label}: {fmt_list(fractions, 3)} -> {p:.4f} +- {1.96 * se:.4f} "
                                  f"(95 % binomial CI over {k} x {n_each} test predictions)")


def _band(values, lo: float, hi: float, label: str) -> Verdict:
    """compare_range of the seeds' mean with a t-based 95 % interval."""
    m, se = mean_se(values)
    z = t_quantile(len(values))
    return compare_range(m, lo, hi, stderr=se, z=z,
                         evidence=f"{label}: {fmt_list(values, 3)} -> {m:.3f} +- {z * se:.3f} (95 % CI)")


# --------------------------------------------------------------------------- growth laws
def _growth_figure(ctx: Context):
    def figure():
        from matplotlib.figure import Figure

        from dynsys.growth import fit_growth

        runs = _runs(ctx, "a")
        r0 = runs[0]
        fig = Figure(figsize=(10, 4))
        axes = fig.subplots(1, 2, sharey=True)
        colors = {0.1: "tab:blue", 1.0: "tab:orange", 10.0: "tab:green"}
        for ax, lr in zip(axes, LRS):
            r = r0[("init", lr)]
            x = r.steps / r.steps_per_epoch
            spe = r.steps_per_epoch
            for e in EPS:
                curve = r.mean_curve("d_w")[e] / e
                ax.plot(x[1:], curve[1:], color=colors[e], lw=2, label=f"eps = {e:g}: d_w / eps")
                early = fit_growth(r.steps, curve, window=(0, spe), laws=["exponential"]).laws["exponential"]
                sel = (r.steps > 0) & (r.steps <= spe)
                ax.plot(x[sel], early.predict(r.steps[sel]), ":", color=colors[e], lw=1.2,
                        label=f"  epoch < 1: {early.formula()}")
                g = fit_growth(r.steps, curve, window=(spe, float(r.steps[-1])), laws=["power"])
                sel = r.steps >= spe
                ax.plot(x[sel], g.laws["power"].predict(r.steps[sel]), "--", color=colors[e], lw=1.0,
                        label=f"  epoch > 1: {g.laws['power'].formula()}")
            ax.axvline(1.0, color="grey", ls="-.", lw=0.8, label="breakpoint: end of epoch 1")
            ax.set_xscale("log")
            ax.set_xlabel("epoch (log scale); fits: t in steps")
            ax.set_title(f"SGD lr = {lr:g}", fontsize=9)
            ax.legend(fontsize=6, title="dotted: exponential fit before the breakpoint; dashed: a + b t^p after "
                      "(p = 1: linear)", title_fontsize=6)
        axes[0].set_ylabel("d_w(t) / eps  (d_w: l2 distance of all weights to the baseline)", fontsize=8)
        fig.suptitle("d_w(t) = ||w_copy(t) - w_baseline(t)||_2 over all 7510 weights and biases "
                     f"(digits 64-100-10, identical batches, seed {_seeds(ctx, 'a')[0]})", fontsize=9)
        fig.tight_layout()
        return fig
    return figure


@claim("dynsys.pathdep.exp_then_linear",
       statement="'The rate of growth for d_w has a very short exponential period (shorter than a single "
                 "epoch), followed by a long linear period (up to 25 epochs...)' (one-hidden-layer models, "
                 "identical batch schedules), checked on the digits: 64-100-10 ReLU MLP, SGD at lr 0.01 "
                 "and 0.1, batch 64, 25 epochs, eps = 0.1, 1, 10 on the initialisation sphere.",
       short="d_w: short exponential period (< 1 epoch), then linear (digits, lr 0.01/0.1, eps 0.1-10).",
       source=ONE_HIDDEN,
       method="per (lr, eps) cell and seed (4 seeds, 2 copies each): first epoch, the exponent q of "
              "ln(d_w/eps) ~ t^q (exponential: q in [1/sqrt 2, sqrt 2]; no growth at all counts as no "
              "exponential period); after it, the exponent p of a + b t^p (linear: p in [1/sqrt 2, sqrt 2]); "
              "each decided by its 95 % confidence interval over seeds; HOLDS if every cell is exponential "
              "then linear",
       counterfactual={"late_band": (math.sqrt(2), 2 * math.sqrt(2))},
       counterfactual_text="d_w grows quadratically after the first epoch (p in [sqrt 2, 2 sqrt 2])",
       corrected_by=("dynsys.pathdep.first_epoch_growth", "dynsys.pathdep.late_growth_by_lr"))
def _exp_then_linear(ctx: Context, *, late_band: tuple = LINEAR) -> Verdict:
    runs = _runs(ctx, "a")
    parts, rows = [], []
    for lr in LRS:
        for e in EPS:
            early = [_early(r[("init", lr)], e) for r in runs]
            qs = [q for _, q in early]
            grow = [gr for gr, _ in early]
            if any(math.isnan(q) for q in qs):
                parts.append(decide(False, measured=grow, expected="growth in the first epoch",
                                    evidence=f"lr {lr:g}, eps {e:g}: no growth in the first epoch (d_w(1 epoch)/eps "
                                             f"= {fmt_list(grow, 6)})"))
                rows.append(f"lr {lr:g} eps {e:g}: epoch 1 flat ({fmt_list(grow, 5)})")
            else:
                parts.append(_band(qs, *LINEAR, f"lr {lr:g}, eps {e:g}, early q"))
                rows.append(f"lr {lr:g} eps {e:g}: early q {np.mean(qs):.2f}")
            ps = [_late_p(r[("init", lr)], e) for r in runs]
            parts.append(_band(ps, *late_band, f"lr {lr:g}, eps {e:g}, late p"))
            rows[-1] += f", late p {np.mean(ps):.2f}"
    return combine(parts, measured="; ".join(rows),
                   expected=f"early q in [{LINEAR[0]:.3f}, {LINEAR[1]:.3f}], late p in "
                            f"[{late_band[0]:.3f}, {late_band[1]:.3f}]",
                   tolerance="95 % confidence intervals over seeds inside the bands",
                   figure=_growth_figure(ctx),
                   corrected="On the digits: no exponential period (d_w changes by under 10 % in the first epoch, "
                             "ln(d_w/eps) grows like t^2 at lr 0.1 and not at all at lr 0.01); after it, d_w grows "
                             "super-linearly at lr 0.01 (p between 1 and 2) and sub-linearly at lr 0.1 (p < 0.71).")


@claim("dynsys.pathdep.first_epoch_growth",
       statement="On the digits (64-100-10, SGD lr 0.01 and 0.1, eps 0.1-10), d_w changes by less than 10 % "
                 "during the first epoch: there is no exponential period.",
       short="d_w changes < 10 % in the first epoch (no exponential period).",
       source=f"{ONE_HIDDEN} (corrected exponential period)",
       method="the 4-seed grid of dynsys.pathdep.exp_then_linear: largest |d_w(1 epoch)/eps - 1| over cells "
              "and seeds, against 0.1",
       counterfactual={"bound": 0.01}, counterfactual_text="d_w changes by less than 1 % in the first epoch")
def _first_epoch(ctx: Context, *, bound: float = 0.1) -> Verdict:
    runs = _runs(ctx, "a")
    dev = {(lr, e): max(abs(_early(r[("init", lr)], e)[0] - 1) for r in runs) for lr in LRS for e in EPS}
    worst = max(dev.values())
    return decide(worst < bound, measured={f"lr {lr:g} eps {e:g}": round(v, 5) for (lr, e), v in dev.items()},
                  expected=f"< {bound:g} in every cell", tolerance="largest over seeds",
                  evidence=f"largest relative change of d_w over the first epoch: {worst:.4f}.")


@claim("dynsys.pathdep.late_growth_by_lr",
       statement="On the digits (64-100-10, SGD, eps 0.1-10), after the first epoch d_w grows super-linearly at "
                 "lr 0.01 (power exponent p between 1 and 2: linear with an upward bend) and sub-linearly at "
                 "lr 0.1 (p below 1/sqrt 2).",
       short="After epoch 1: d_w ~ t^p with 1 < p < 2 at lr 0.01, p < 0.71 at lr 0.1.",
       source=f"{ONE_HIDDEN} (corrected linear period)",
       method="the late exponents of dynsys.pathdep.exp_then_linear, 95 % confidence intervals over 4 seeds, "
              "against (1, 2) at lr 0.01 and (0, 1/sqrt 2) at lr 0.1",
       counterfactual={"bands": {0.01: LINEAR, 0.1: LINEAR}},
       counterfactual_text="linear (p in [1/sqrt 2, sqrt 2]) at both learning rates")
def _late_by_lr(ctx: Context, *, bands: dict | None = None) -> Verdict:
    bands = bands or {0.01: (1.0, 2.0), 0.1: (-math.inf, LINEAR[0])}
    runs = _runs(ctx, "a")
    parts = [_band([_late_p(r[("init", lr)], e) for r in runs], *bands[lr], f"lr {lr:g}, eps {e:g}, late p")
             for lr in LRS for e in EPS]
    return combine(parts, measured="; ".join(p.evidence.split(" against")[0] for p in parts),
                   expected={f"lr {lr:g}": f"p in [{b[0]:.3f}, {b[1]:.3f}]" for lr, b in bands.items()},
                   tolerance="95 % confidence intervals over seeds")


# --------------------------------------------------------------------------- function space
def _agreement(runs, lr: float, eps: float, index: int | slice) -> np.ndarray:
    """Test-set prediction agreement with the baseline, per seed (mean over copies)."""
    return np.array([float(r[("init", lr)]["cf_test_acc"][r[("init", lr)].eps == eps][:, index].mean())
                     for r in runs])


@claim("dynsys.pathdep.eps10_function_space",
       statement="'Even for initial perturbations of size eps = 10, the models appear to become almost entirely "
                 "equivalent in function space', read at the end of training: the perturbed and baseline "
                 "models agree on at least 95 % of test predictions (digits, 25 epochs, lr 0.01 and 0.1).",
       short="eps = 10 copies end up agreeing with the baseline on >= 95 % of test inputs.",
       source=ONE_HIDDEN,
       method="agreement of test-set predictions (the counterfactual accuracy cf_test_acc) of the eps = 10 "
              "copies with their baseline after 25 epochs, per lr, pooled over 8 seeds (449 test images each); "
              "95 % binomial confidence interval inside [0.95, 1]",
       counterfactual={"threshold": 0.999},
       counterfactual_text="they agree on at least 99.9 % of test predictions",
       corrected_by=("dynsys.pathdep.eps10_agreement_by_lr",))
def _eps10_end(ctx: Context, *, threshold: float = 0.95) -> Verdict:
    runs = _runs(ctx, "c")
    parts = [_band_proportion(_agreement(runs, lr, 10.0, -1), N_TEST, threshold, 1.0, f"lr {lr:g} final agreement")
             for lr in LRS]
    return combine(parts, measured={f"lr {lr:g}": round(float(_agreement(runs, lr, 10.0, -1).mean()), 4) for lr in LRS},
                   expected=f">= {threshold}", tolerance="95 % CI over seeds",
                   corrected="At lr 0.1 the eps = 10 copies agree with the baseline on about 98-99 % of test inputs "
                             "after 25 epochs; at lr 0.01 (less trained) on about 93-95 %.")


@claim("dynsys.pathdep.eps10_agreement_by_lr",
       statement="After 25 epochs on the digits, copies perturbed at eps = 10 agree with their baseline on at "
                 "least 97 % of test inputs at lr 0.1, and on 90-97 % at lr 0.01.",
       short="eps = 10: final test agreement >= 97 % at lr 0.1, 90-97 % at lr 0.01.",
       source=f"{ONE_HIDDEN} (corrected function-space equivalence)",
       method="as dynsys.pathdep.eps10_function_space, bands [0.97, 1] at lr 0.1 and [0.90, 0.97] at lr 0.01",
       counterfactual={"bands": {0.01: (0.97, 1.0), 0.1: (0.97, 1.0)}},
       counterfactual_text="at least 97 % agreement at both learning rates")
def _eps10_by_lr(ctx: Context, *, bands: dict | None = None) -> Verdict:
    bands = bands or {0.01: (0.90, 0.97), 0.1: (0.97, 1.0)}
    runs = _runs(ctx, "c")
    parts = [_band_proportion(_agreement(runs, lr, 10.0, -1), N_TEST, *bands[lr], f"lr {lr:g} final agreement")
             for lr in LRS]
    return combine(parts, measured={f"lr {lr:g}": round(float(_agreement(runs, lr, 10.0, -1).mean()), 4) for lr in LRS},
                   expected={f"lr {lr:g}": b for lr, b in bands.items()}, tolerance="95 % CI over seeds")


@claim("dynsys.pathdep.eps10_function_space_throughout",
       statement="'... the models appear to become almost entirely equivalent in function space across the entire "
                 "training process' (eps = 10), read literally: at least 95 % agreement of test predictions at "
                 "every checkpoint of the 25 epochs.",
       short="eps = 10 copies agree with the baseline (>= 95 %) throughout training.",
       source=ONE_HIDDEN,
       method="the lowest agreement over checkpoints after step 0 (mean over copies and seeds), per lr, "
              "against 0.95; the first checkpoint where it exceeds 0.95 is reported",
       counterfactual={"threshold": 0.999},
       counterfactual_text="at least 99.9 % agreement at every checkpoint",
       corrected_by=("dynsys.pathdep.eps10_agreement_by_lr",))
def _eps10_throughout(ctx: Context, *, threshold: float = 0.95) -> Verdict:
    runs = _runs(ctx, "a")
    rows, ok = {}, True
    for lr in LRS:
        curve = np.mean([r[("init", lr)]["cf_test_acc"][r[("init", lr)].eps == 10.0].mean(axis=0) for r in runs], axis=0)
        steps = runs[0][("init", lr)].steps
        low = float(curve[1:].min())
        above = steps[np.flatnonzero(curve >= threshold)]
        rows[f"lr {lr:g}"] = f"min {low:.3f}; >= {threshold} from step {int(above[0]) if above.size else 'never'}"
        ok &= low >= threshold
    return decide(ok, measured=rows, expected=f">= {threshold} at every checkpoint", tolerance="mean over seeds",
                  evidence="agreement of test predictions with the baseline (cf_test_acc); at step 0 the eps = 10 "
                           "copy is a different network (eps > |w0|).",
                  corrected="The eps = 10 copies start as different functions and converge towards the baseline's "
                            "predictions during training (see dynsys.pathdep.eps10_agreement_by_lr for the end).")


@claim("dynsys.pathdep.train_loss_imperceptible",
       statement="'the differences in L_train are imperceptible (both for a fixed eps and across averages over "
                 "different eps)', read as: the mean difference of the perturbed copies' training loss from the "
                 "baseline's stays below 2 % of the range of the baseline's training-loss curve (a plot's scale).",
       short="L_train differences from the baseline stay under 2 % of the curve's range.",
       source=ONE_HIDDEN,
       method="per (lr, eps) and seed: the largest |mean over copies of L_train(copy) - L_train(baseline)| over "
              "checkpoints, divided by max - min of the baseline's L_train; 95 % CI over seeds inside [0, 0.02]",
       counterfactual={"threshold": 0.001},
       counterfactual_text="the differences stay below 0.1 % of the range",
       corrected_by=("dynsys.pathdep.train_loss_by_eps",))
def _train_loss(ctx: Context, *, threshold: float = 0.02, bands: dict | None = None) -> Verdict:
    runs = _runs(ctx, "a")
    bands = bands or {e: (-math.inf, threshold) for e in EPS}
    parts = []
    for lr in LRS:
        for e in EPS:
            vals = []
            for r in runs:
                g = r[("init", lr)]
                diff = np.abs(g["d_train_loss"][g.eps == e].mean(axis=0))
                base = g["train_loss"][0]
                vals.append(float(diff.max() / (base.max() - base.min())))
            parts.append(_band(vals, *bands[e], f"lr {lr:g}, eps {e:g}, max |dL|/range"))
    return combine(parts, measured="; ".join(p.evidence.split(" against")[0] for p in parts),
                   expected={f"eps {e:g}": b for e, b in bands.items()}, tolerance="95 % CI over seeds",
                   corrected="The training-loss differences stay under 2 % of the curve's range for eps <= 1 but reach "
                             "about 5 % for eps = 10 (dynsys.pathdep.train_loss_by_eps).")


@claim("dynsys.pathdep.train_loss_by_eps",
       statement="On the digits (lr 0.01 and 0.1, 25 epochs), the perturbed copies' training loss stays within 2 % of "
                 "the baseline curve's range for eps = 0.1 and 1, and within 2-10 % for eps = 10.",
       short="L_train differences: < 2 % of the range for eps <= 1, 2-10 % for eps = 10.",
       source=f"{ONE_HIDDEN} (corrected 'imperceptible')",
       method="as dynsys.pathdep.train_loss_imperceptible with bands [0, 0.02] for eps <= 1 and [0.02, 0.1] for eps = 10",
       counterfactual={"bands": {0.1: (-math.inf, 0.02), 1.0: (-math.inf, 0.02), 10.0: (-math.inf, 0.02)}},
       counterfactual_text="under 2 % for every eps up to 10")
def _train_loss_by_eps(ctx: Context, *, bands: dict | None = None) -> Verdict:
    bands = bands or {0.1: (-math.inf, 0.02), 1.0: (-math.inf, 0.02), 10.0: (0.02, 0.1)}
    return _train_loss(ctx, bands=bands).with_(corrected=None)


@claim("dynsys.pathdep.variance_batch_schedule",
       statement="'almost all of the variance seems to be explained by the batch schedule' (one-hidden-layer "
                 "models): read as, at least 90 % of the function-space spread comes from the schedule, i.e. "
                 "D_sched / (D_sched + D_init) >= 0.9, with D the test disagreement with the baseline of copies "
                 "trained with another batch schedule and of copies perturbed at eps (up to 10).",
       short="Batch schedule explains >= 90 % of the function-space spread (vs init, eps <= 10).",
       source=ONE_HIDDEN,
       method="after 25 epochs, per lr and seed: D_sched = test disagreement of a copy trained on its own freshly "
              "drawn batch schedule (same init), D_init(eps) = that of the "
              "eps-perturbed copies (same schedule); fraction D_sched / (D_sched + D_init) per eps; 95 % CI over "
              "8 seeds inside [0.9, 1]",
       counterfactual={"threshold": 0.99}, counterfactual_text="at least 99 % from the schedule",
       corrected_by=("dynsys.pathdep.init_outweighs_schedule",))
def _variance_schedule(ctx: Context, *, threshold: float = 0.9, band: tuple | None = None,
                       eps_list: tuple = EPS) -> Verdict:
    runs = _runs(ctx, "c")
    lo, hi = band or (threshold, 1.0)
    parts, rows = [], {}
    for lr in LRS:
        sched = np.array([1 - float(r[("batch", lr)]["cf_test_acc"][1:, -1].mean()) for r in runs])
        for e in eps_list:
            init = 1 - _agreement(runs, lr, e, -1)
            frac = [s / (s + i) if s + i > 0 else 0.5 for s, i in zip(sched, init)]
            parts.append(_band(frac, lo, hi, f"lr {lr:g}, eps {e:g}, schedule fraction"))
            rows[f"lr {lr:g} eps {e:g}"] = f"D_sched {sched.mean():.4f}, D_init {init.mean():.4f}"
    return combine(parts, measured=rows, expected=f"fraction in [{lo:g}, {hi:g}]", tolerance="95 % CI over seeds",
                   corrected="On the digits another batch schedule moves test predictions less than the init "
                             "perturbation does: " + "; ".join(f"{k}: {v}" for k, v in rows.items()) + ".")


@claim("dynsys.pathdep.init_outweighs_schedule",
       statement="On the digits (lr 0.01 and 0.1, 25 epochs), an initial perturbation of size eps = 1 or 10 moves the final "
                 "test predictions more than training on a different batch schedule: the schedule's share "
                 "D_sched / (D_sched + D_init) is below one half.",
       short="Init perturbations (eps >= 1) outweigh the batch schedule in function space.",
       source=f"{ONE_HIDDEN} (corrected 'variance explained by the batch schedule')",
       method="as dynsys.pathdep.variance_batch_schedule for eps = 1 and 10, 95 % CI of the share below 0.5",
       counterfactual={"band": (0.5, 1.0)}, counterfactual_text="the schedule's share is above one half")
def _init_outweighs(ctx: Context, *, band: tuple = (-math.inf, 0.5)) -> Verdict:
    return _variance_schedule(ctx, band=band, eps_list=(1.0, 10.0)).with_(corrected=None)


@claim("dynsys.pathdep.aligned_barrier",
       statement="'after correcting for permutation symmetries, different weights are connected by a close-to-zero "
                 "loss barrier linear mode connection' (Ainsworth et al.), for the note's one-hidden-layer models: "
                 "the training-loss barrier on the segment between the baseline and an eps = 10 copy, after weight "
                 "matching, is below 0.05 nats.",
       short="After weight matching, the interpolation barrier is < 0.05 nats (eps = 10 copies).",
       source=f"{NOTE000}, 'Internal Symmetries'; {NOTE001}, 'Permutation-adjusted Symmetries'; S. Ainsworth, "
              "J. Hayase, S. Srinivasa, 'Git Re-Basin', ICLR 2023",
       method="lr 0.1, after 25 epochs: align each eps = 10 copy to its baseline (dynsys.experiments.align_mlp), "
              "training cross-entropy at 21 points of the segment, barrier = largest excess over the chord; "
              "95 % CI over 4 seeds inside [0, 0.05]; the unaligned barrier is reported",
       counterfactual={"threshold": 0.0005}, counterfactual_text="the aligned barrier is below 0.0005 nats")
def _barrier(ctx: Context, *, threshold: float = 0.05) -> Verdict:
    aligned, raw = _barriers(ctx)
    v = _band(aligned, 0.0, threshold, "aligned barrier (nats)")
    return v.with_(measured={"aligned": round(float(np.mean(aligned)), 4), "unaligned": round(float(np.mean(raw)), 4)},
                   expected=f"aligned barrier <= {threshold}",
                   evidence=v.evidence + f"; unaligned barriers {fmt_list(raw, 3)}.")


@cached
def _barrier_values(seed: int) -> tuple[float, float]:
    from dynsys.data import load_digits_tensors
    from dynsys.experiments import align_mlp, interpolation_losses, mlp

    from pdcheck import as_generator

    r = _tier_a(seed)[("init", 0.1)]
    d = load_digits_tensors(seed=int(as_generator(seed).integers(2 ** 31)))   # run_groups' split for this seed
    model = mlp((64, 100, 10), seed=0)
    W = r.weights[:, -1]
    out_a, out_r = [], []
    for i in np.flatnonzero(r.eps == 10.0):
        al, _ = align_mlp(model, W[0], W[i])
        for target, out in ((al, out_a), (W[i], out_r)):
            alphas, L = interpolation_losses(model, W[0], target, d.X_train, d.y_train, n_points=21)
            chord = (1 - alphas) * L[0, 0] + alphas * L[0, -1]
            out.append(float(np.max(L[0] - chord)))
    return float(np.mean(out_a)), float(np.mean(out_r))


def _barriers(ctx: Context):
    vals = [_barrier_values(s) for s in _seeds(ctx, "a")]
    return [a for a, _ in vals], [b for _, b in vals]


# --------------------------------------------------------------------------- hyperparameter predictions
def _final(runs, key, metric="d_w") -> np.ndarray:
    return np.array([float(r[key][metric][1:, -1].mean()) for r in runs])


def _paired(a: np.ndarray, b: np.ndarray, label: str, sign: int) -> Verdict:
    """sign * (a - b) > 0 with a 95 % CI over paired seeds."""
    return _band(list(sign * (a - b)), 0.0, math.inf, label)


@claim("dynsys.pathdep.weight_decay_shrinks",
       statement="'Weight Decay: ... Prediction: d_w will shrink (because |w| will shrink).' Checked at lr 0.01 and "
                 "0.1 for lambda = 1e-3, 1e-2, 1e-1 against lambda = 0 (digits, eps = 1, 25 epochs).",
       short="Weight decay shrinks d_w (and |w|).",
       source=PREDICT,
       method="final d_w and baseline |w| for lambda in {0, 1e-3, 1e-2, 1e-1} with common perturbations (paired "
              "by seed, 3 seeds): d_w(lambda = 0) - d_w(lambda = 0.1) > 0 and |w| likewise (95 % CI); the whole "
              "sequence is reported",
       counterfactual={"direction": -1}, counterfactual_text="weight decay makes d_w grow")
def _weight_decay(ctx: Context, *, direction: int = 1) -> Verdict:
    runs = _runs(ctx, "b")
    parts, rows = [], {}
    for lr in LRS:
        d = {lam: _final(runs, ("wd", lr, lam)) for lam in (0.0, 1e-3, 1e-2, 1e-1)}
        w = {lam: np.array([float(r[("wd", lr, lam)]["w_norm"][0, -1]) for r in runs]) for lam in d}
        parts.append(_paired(d[0.0], d[0.1], f"lr {lr:g}: d_w(0) - d_w(0.1)", direction))
        parts.append(_paired(w[0.0], w[0.1], f"lr {lr:g}: |w|(0) - |w|(0.1)", direction))
        rows[f"lr {lr:g}"] = "d_w " + fmt_list([v.mean() for v in d.values()]) + ", |w| " + fmt_list([v.mean() for v in w.values()])
    return combine(parts, measured=rows, expected="decreasing in lambda" if direction > 0 else "increasing",
                   tolerance="95 % CI of the paired differences", evidence="lambda = 0, 1e-3, 1e-2, 1e-1.")


@claim("dynsys.pathdep.weight_decay_normalized_curves_down",
       statement="'The normalized d_w/|w| will curve downwards' under weight decay (lambda = 1e-3, 1e-2, 1e-1): "
                 "read as concave growth after the first epoch, power exponent p < 1.",
       short="With weight decay, d_w/|w| curves downwards (p < 1).",
       source=PREDICT,
       method="the exponent p of a + b t^p fitted to d_w / |w_baseline| after the first epoch, per lr and lambda; "
              "95 % CI over 3 seeds inside (0, 1); the lambda = 0 values are reported",
       counterfactual={"band": (1.0, math.inf)}, counterfactual_text="it curves upwards (p > 1) for every lambda",
       corrected_by=("dynsys.pathdep.normalized_curvature_by_lr",))
def _wd_normalized(ctx: Context, *, band: tuple = (-math.inf, 1.0)) -> Verdict:
    runs = _runs(ctx, "b")
    parts, rows = [], {}
    for lr in LRS:
        for lam in (0.0, 1e-3, 1e-2, 1e-1):
            ps = [_late_p(r[("wd", lr, lam)], 1.0, "d_w_rel") for r in runs]
            rows[f"lr {lr:g} lambda {lam:g}"] = round(float(np.mean(ps)), 3)
            if lam > 0:
                parts.append(_band(ps, *band, f"lr {lr:g}, lambda {lam:g}, p of d_w/|w|"))
    return combine(parts, measured=rows, expected=f"p in {band} for lambda > 0", tolerance="95 % CI over seeds",
                   corrected="d_w/|w| curves downwards only at lr 0.1; at lr 0.01 it curves upwards, with or without "
                             "weight decay: " + ", ".join(f"{k}: p = {v}" for k, v in rows.items()) + ".")


@claim("dynsys.pathdep.normalized_curvature_by_lr",
       statement="On the digits (eps = 1, 25 epochs), d_w/|w| curves upwards after the first epoch at lr 0.01 (p > 1) and "
                 "downwards at lr 0.1 (p < 1), with or without weight decay (lambda = 0, 1e-3, 1e-2, 1e-1).",
       short="d_w/|w| curves up at lr 0.01, down at lr 0.1, whatever the weight decay.",
       source=f"{PREDICT} (corrected weight-decay prediction)",
       method="as dynsys.pathdep.weight_decay_normalized_curves_down, all four lambda: 95 % CI of p above 1 at lr 0.01 "
              "and below 1 at lr 0.1",
       counterfactual={"bands": {0.01: (-math.inf, 1.0), 0.1: (-math.inf, 1.0)}},
       counterfactual_text="it curves downwards at both learning rates")
def _normalized_by_lr(ctx: Context, *, bands: dict | None = None) -> Verdict:
    bands = bands or {0.01: (1.0, math.inf), 0.1: (-math.inf, 1.0)}
    runs = _runs(ctx, "b")
    parts = [_band([_late_p(r[("wd", lr, lam)], 1.0, "d_w_rel") for r in runs], *bands[lr],
                   f"lr {lr:g}, lambda {lam:g}, p of d_w/|w|") for lr in LRS for lam in (0.0, 1e-3, 1e-2, 1e-1)]
    return combine(parts, measured="; ".join(p.evidence.split(" against")[0] for p in parts),
                   expected={f"lr {lr:g}": b for lr, b in bands.items()}, tolerance="95 % CI over seeds")


@claim("dynsys.pathdep.momentum_curvature",
       statement="On the digits (eps = 1, 25 epochs), with momentum d_w curves downwards after the first epoch (p < 1) "
                 "except at lr 0.01 with mu = 0.1, where it curves upwards (p > 1).",
       short="With momentum d_w curves down, except lr 0.01 with mu = 0.1 (up).",
       source=f"{PREDICT} (corrected momentum prediction)",
       method="as dynsys.pathdep.momentum_curves_down with the band (1, inf) for lr 0.01, mu = 0.1",
       counterfactual={"up": ()}, counterfactual_text="it curves downwards in every case")
def _momentum_curvature(ctx: Context, *, up: tuple = ((0.01, 0.1),)) -> Verdict:
    runs = _runs(ctx, "b")
    parts = []
    for lr in LRS:
        for mu in (0.1, 0.5, 0.9):
            band = (1.0, math.inf) if (lr, mu) in up else (-math.inf, 1.0)
            parts.append(_band([_late_p(r[("mom", lr, mu)], 1.0) for r in runs], *band, f"lr {lr:g}, mu {mu:g}, p"))
    return combine(parts, measured="; ".join(p.evidence.split(" against")[0] for p in parts),
                   expected=f"p > 1 for {list(up)}, p < 1 otherwise", tolerance="95 % CI over seeds")


@claim("dynsys.pathdep.momentum_dw_small_large",
       statement="'Small amounts of momentum appear to increase convergence (relative to other models equivalent "
                 "up to momentum), while large amounts increase divergence', read on d_w (the note's observable): "
                 "final d_w lower at mu = 0.1 than at mu = 0 and higher at mu = 0.9 (digits, lr 0.01 and 0.1).",
       short="d_w: momentum 0.1 lowers it, momentum 0.9 raises it (vs mu = 0).",
       source=ONE_HIDDEN,
       method="final d_w at eps = 1 for mu in {0, 0.1, 0.5, 0.9} (heavy ball, same perturbed copies: paired by seed, "
              "3 seeds); d_w(0) - d_w(0.1) > 0 and d_w(0.9) - d_w(0) > 0 with 95 % CIs",
       counterfactual={"signs": (-1, -1)},
       counterfactual_text="small momentum raises d_w and large momentum lowers it",
       corrected_by=("dynsys.pathdep.momentum_dw_monotone",))
def _momentum_dw(ctx: Context, *, signs: tuple = (1, 1)) -> Verdict:
    runs = _runs(ctx, "b")
    parts, rows = [], {}
    for lr in LRS:
        d = {0.0: _final(runs, ("wd", lr, 0.0)), **{mu: _final(runs, ("mom", lr, mu)) for mu in (0.1, 0.5, 0.9)}}
        parts.append(_paired(d[0.0], d[0.1], f"lr {lr:g}: d_w(0) - d_w(0.1)", signs[0]))
        parts.append(_paired(d[0.9], d[0.0], f"lr {lr:g}: d_w(0.9) - d_w(0)", signs[1]))
        rows[f"lr {lr:g}"] = {f"mu={mu:g}": round(float(v.mean()), 4) for mu, v in d.items()}
    return combine(parts, measured=rows, expected="d_w(0.1) < d_w(0) < d_w(0.9)", tolerance="95 % CI, paired seeds",
                   corrected="On the digits d_w grows with momentum from mu = 0.1 on: small momentum does not "
                             "increase convergence.")


@claim("dynsys.pathdep.momentum_dw_monotone",
       statement="On the digits (lr 0.01 and 0.1, eps = 1, 25 epochs), the final d_w increases with momentum: "
                 "d_w(0) < d_w(0.1) < d_w(0.5) < d_w(0.9).",
       short="d_w increases with momentum (0 < 0.1 < 0.5 < 0.9).",
       source=f"{ONE_HIDDEN} (corrected momentum observation)",
       method="as dynsys.pathdep.momentum_dw_small_large: each consecutive paired difference > 0 (95 % CI)",
       counterfactual={"direction": -1}, counterfactual_text="d_w decreases with momentum")
def _momentum_monotone(ctx: Context, *, direction: int = 1) -> Verdict:
    runs = _runs(ctx, "b")
    parts = []
    for lr in LRS:
        seq = [_final(runs, ("wd", lr, 0.0))] + [_final(runs, ("mom", lr, mu)) for mu in (0.1, 0.5, 0.9)]
        for (a, ma), (b, mb) in zip(zip(seq, (0, 0.1, 0.5)), zip(seq[1:], (0.1, 0.5, 0.9))):
            parts.append(_paired(b, a, f"lr {lr:g}: d_w({mb}) - d_w({ma})", direction))
    return combine(parts, measured="; ".join(p.evidence.split(" against")[0] for p in parts),
                   expected="increasing in mu" if direction > 0 else "decreasing", tolerance="95 % CI, paired seeds")


@claim("dynsys.pathdep.momentum_curves_down",
       statement="'Prediction: the d_w curves curve down because in flat basins, momentum slows you down': with "
                 "momentum (mu = 0.1, 0.5, 0.9) d_w grows concavely after the first epoch (power exponent p < 1).",
       short="With momentum, d_w curves down (p < 1).",
       source=PREDICT,
       method="exponent p of a + b t^p fitted to d_w after the first epoch, per lr and mu; 95 % CI over 3 seeds "
              "inside (0, 1)",
       counterfactual={"band": (1.0, math.inf)}, counterfactual_text="with momentum d_w curves up (p > 1)",
       corrected_by=("dynsys.pathdep.momentum_curvature",))
def _momentum_down(ctx: Context, *, band: tuple = (-math.inf, 1.0)) -> Verdict:
    runs = _runs(ctx, "b")
    parts, rows = [], {}
    for lr in LRS:
        for mu in (0.1, 0.5, 0.9):
            ps = [_late_p(r[("mom", lr, mu)], 1.0) for r in runs]
            rows[f"lr {lr:g} mu {mu:g}"] = round(float(np.mean(ps)), 3)
            parts.append(_band(ps, *band, f"lr {lr:g}, mu {mu:g}, p"))
    return combine(parts, measured=rows, expected=f"p in {band}", tolerance="95 % CI over seeds",
                   corrected="d_w curves down with momentum except at lr 0.01 and mu = 0.1: "
                             + ", ".join(f"{k}: p = {v}" for k, v in rows.items()) + ".")


@claim("dynsys.pathdep.lr_corrected_slopes_dw",
       statement="'Learning rate: ... I expect that correcting for the learning rate should give nearly identical "
                 "separation slopes', read on d_w: the slope of d_w per step after the first epoch, divided by the "
                 "learning rate, is nearly the same (within +-25 % of the mean) at lr = 1e-3, 1e-2, 1e-1.",
       short="d_w slope / learning rate nearly constant across lr = 1e-3, 1e-2, 1e-1.",
       source=PREDICT,
       method="least-squares slope of d_w (eps = 1) after the first epoch per lr, divided by lr; relative spread "
              "(max - min) / mean per seed; 95 % CI over 3 seeds inside [0, 0.5]",
       counterfactual={"power": 2}, counterfactual_text="slope / lr^2 is nearly constant",
       corrected_by=("dynsys.pathdep.dw_slope_per_lr_peaks",))
def _lr_slopes_dw(ctx: Context, *, power: int = 1) -> Verdict:
    runs = _runs(ctx, "b")
    spreads, ratios = [], []
    for r in runs:
        q = np.array([_late_slope(r[key], 1.0) / lr ** power
                      for lr, key in ((0.001, ("lr", 0.001)), (0.01, ("wd", 0.01, 0.0)), (0.1, ("wd", 0.1, 0.0)))])
        ratios.append(q)
        spreads.append(float((q.max() - q.min()) / abs(q.mean())))
    v = _band(spreads, 0.0, 0.5, "relative spread of slope/lr")
    return v.with_(measured={f"lr={lr:g}": f"{np.mean([q[i] for q in ratios]):.4g}" for i, lr in enumerate((1e-3, 1e-2, 0.1))},
                   expected="slope/lr within +-25 % (relative spread <= 0.5)",
                   corrected="The slope of d_w per unit learning rate is not constant: "
                             + ", ".join(f"lr {lr:g}: {np.mean([q[i] for q in ratios]):.3g}"
                                         for i, lr in enumerate((1e-3, 1e-2, 0.1))) + " (per step / lr).")


def _slope_ratios(ctx: Context) -> np.ndarray:
    runs = _runs(ctx, "b")
    return np.array([[_late_slope(r[key], 1.0) / lr for lr, key in
                      ((0.001, ("lr", 0.001)), (0.01, ("wd", 0.01, 0.0)), (0.1, ("wd", 0.1, 0.0)))] for r in runs])


@claim("dynsys.pathdep.dw_slope_per_lr_peaks",
       statement="On the digits (eps = 1, 25 epochs, SGD), the late slope of d_w per unit learning rate is largest at "
                 "lr 0.01: more than twice its value at lr 1e-3 and at lr 0.1.",
       short="d_w slope / lr peaks at lr 0.01 (> 2x its value at 1e-3 and 0.1).",
       source=f"{PREDICT} (corrected learning-rate prediction)",
       method="the slopes of dynsys.pathdep.lr_corrected_slopes_dw: log2 of the ratios (slope/lr at 0.01) / (slope/lr "
              "at 1e-3 and at 0.1), per seed, 95 % CI above 1",
       counterfactual={"factor": 10.0}, counterfactual_text="more than ten times its value at the other two")
def _slope_peak(ctx: Context, *, factor: float = 2.0) -> Verdict:
    q = _slope_ratios(ctx)
    parts = [_band(list(np.log2(q[:, 1] / q[:, i])), math.log2(factor), math.inf, f"log2 ratio to lr {lr:g}")
             for i, lr in ((0, 0.001), (2, 0.1))]
    return combine(parts, measured={f"lr={lr:g}": f"{q[:, i].mean():.3g}" for i, lr in enumerate((1e-3, 1e-2, 0.1))},
                   expected=f"peak at 0.01, > {factor:g}x the others", tolerance="95 % CI over seeds")


@claim("dynsys.pathdep.width_slope_decreases",
       statement="On the digits (SGD lr 0.1, eps = 1, 10 epochs), the late slope of d_w decreases with the hidden width "
                 "(widths 25 to 200): slope ~ width^k with k < 0.",
       short="The late slope of d_w decreases with width (k < 0).",
       source=f"{PREDICT} (corrected width prediction)",
       method="the exponents k of dynsys.pathdep.width_slope_linear, 95 % CI below 0",
       counterfactual={"band": (0.0, math.inf)}, counterfactual_text="the slope increases with width (k > 0)")
def _width_decreases(ctx: Context, *, band: tuple = (-math.inf, 0.0)) -> Verdict:
    return _width(ctx, band=band).with_(corrected=None)


# --------------------------------------------------------------------------- width, depth, optimizer
@cached
def _arch_run(seed: int, hidden: tuple, optimizer: str, lr: float, epochs: int = EPOCHS) -> object:
    from dynsys.grid import run_groups

    return run_groups([{"lr": lr, "eps": (1.0,), "n_copies": 2}], hidden=hidden, n_epochs=epochs,
                      batch_size=BATCH, optimizer=optimizer, seed=seed)[0]


@claim("dynsys.pathdep.width_slope_linear",
       statement="'Width: ... Prediction: I expect the slope of divergence to increase linearly with the width of a "
                 "one-layer network': the slope of d_w after the first epoch grows like width^k with k in "
                 "[1/sqrt 2, sqrt 2] (digits, widths 25, 50, 100, 200, SGD lr 0.1, 10 epochs).",
       short="Slope of d_w grows linearly with hidden width.",
       source=PREDICT,
       method="late least-squares slope of d_w (eps = 1, 2 copies) for each width; k = slope of log(slope) against "
              "log(width) per seed; 95 % CI over 3 seeds inside [1/sqrt 2, sqrt 2]",
       counterfactual={"band": (1.5, 2.5)}, counterfactual_text="the slope grows quadratically with width",
       corrected_by=("dynsys.pathdep.width_slope_decreases",))
def _width(ctx: Context, *, band: tuple = LINEAR) -> Verdict:
    widths = (25, 50, 100, 200)
    ks, table = [], []
    for s in _seeds(ctx, "b"):
        slopes = [_late_slope(_arch_run(s, (w,), "sgd", 0.1, 10), 1.0) for w in widths]
        table.append(slopes)
        ks.append(float(np.polyfit(np.log(widths), np.log(np.abs(slopes)), 1)[0]))
    v = _band(ks, *band, "exponent k of slope ~ width^k")
    return v.with_(measured={f"W={w}": f"{np.mean([t[i] for t in table]):.3g}" for i, w in enumerate(widths)},
                   expected=f"k in [{band[0]:.3f}, {band[1]:.3f}]",
                   corrected=f"The late slope of d_w grows like width^{np.mean(ks):.2f} (digits, lr 0.1): "
                             + ", ".join(f"W={w}: {np.mean([t[i] for t in table]):.3g}" for i, w in enumerate(widths)) + ".")


@claim("dynsys.pathdep.depth_more_exponential",
       statement="'Depth: ... Prediction: I expect the shape of d_w for each individual layer to become more and more "
                 "exponential with depth': the per-layer d_w curves bend upwards more (larger late power exponent p) "
                 "as the number of hidden layers grows from 1 to 4 (width 50, SGD lr 0.1, 10 epochs).",
       short="Per-layer d_w becomes more exponential (larger p) with depth.",
       source=PREDICT,
       method="per layer, exponent p of a + b t^p fitted to the layer's d_w after the first epoch, averaged over "
              "layers; the slope of mean p against depth (1..4) per seed must be positive (95 % CI over 3 seeds)",
       counterfactual={"direction": -1}, counterfactual_text="the per-layer curves become less exponential with depth")
def _depth(ctx: Context, *, direction: int = 1) -> Verdict:
    trends, table = [], []
    for s in _seeds(ctx, "b"):
        means = []
        for depth in (1, 2, 3, 4):
            r = _arch_run(s, (50,) * depth, "sgd", 0.1, 10)
            means.append(float(np.mean([_late_p(r, 1.0, f"d_w_layer{i}") for i in range(depth + 1)])))
        table.append(means)
        trends.append(direction * float(np.polyfit([1, 2, 3, 4], means, 1)[0]))
    v = _band(trends, 0.0, math.inf, "slope of mean per-layer p against depth")
    return v.with_(measured={f"depth {d}": round(float(np.mean([t[i] for t in table])), 3) for i, d in enumerate((1, 2, 3, 4))},
                   expected="increasing with depth" if direction > 0 else "decreasing",
                   corrected="Mean per-layer exponents by depth 1-4: "
                             + fmt_list(np.mean(table, axis=0), 3) + " (no increase with depth).")


@claim("dynsys.pathdep.adam_exponential_dw",
       statement="'Optimizer: ... Prediction: I expect adaptive techniques to make the rate of divergence "
                 "exponential', read on d_w: under Adam, d_w grows at least faster than linearly after the first "
                 "epoch (power exponent p > 1; exponential growth over the 25 epochs would make it convex).",
       short="Under Adam, d_w grows exponentially (convex, p > 1) on the digits.",
       source=PREDICT,
       method="Adam (lr 1e-3, PyTorch defaults) on the digits MLP, eps = 1, 25 epochs: the exponent p of a + b t^p "
              "after the first epoch; 95 % CI over 3 seeds inside (1, inf); the number of e-folds ln(d_w/eps) is "
              "reported",
       counterfactual={"low": 2.0}, counterfactual_text="d_w grows at least quadratically (p > 2)",
       corrected_by=("dynsys.pathdep.adam_sublinear_dw",))
def _adam_dw(ctx: Context, *, low: float = 1.0) -> Verdict:
    ps, folds = [], []
    for s in _seeds(ctx, "b"):
        r = _arch_run(s, (100,), "adam", 1e-3)
        curve = r.mean_curve("d_w")[1.0]
        folds.append(float(np.log(curve[-1] / curve[0])))
        ps.append(_late_p(r, 1.0))
    v = _band(ps, low, math.inf, "late p under Adam")
    return v.with_(measured={"late p": round(float(np.mean(ps)), 3), "e-folds in 25 epochs": round(float(np.mean(folds)), 3)},
                   expected=f"p > {low:g}",
                   corrected=f"Under Adam d_w grows sub-linearly after the first epoch (p = {np.mean(ps):.2f}), by "
                             f"{np.mean(folds):.2f} e-folds over 25 epochs in all.")


@claim("dynsys.pathdep.adam_sublinear_dw",
       statement="Under Adam (lr 1e-3) on the digits MLP (eps = 1, 25 epochs), d_w grows sub-linearly after the first "
                 "epoch (power exponent p < 1/sqrt 2).",
       short="Under Adam, d_w grows sub-linearly (p < 0.71).",
       source=f"{PREDICT} (corrected optimizer prediction)",
       method="the late exponent p of dynsys.pathdep.adam_exponential_dw's runs; 95 % CI over 3 seeds inside "
              "(0, 1/sqrt 2)",
       counterfactual={"band": LINEAR}, counterfactual_text="linear (p in [1/sqrt 2, sqrt 2])")
def _adam_sub(ctx: Context, *, band: tuple = (-math.inf, LINEAR[0])) -> Verdict:
    ps = [_late_p(_arch_run(s, (100,), "adam", 1e-3), 1.0) for s in _seeds(ctx, "b")]
    return _band(ps, *band, "late p under Adam")


@cached
def _conv_slope(seed: int, arch: str) -> float:
    import torch

    from dynsys.experiments import run_experiment

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        if arch == "conv":
            model = torch.nn.Sequential(torch.nn.Unflatten(1, (1, 8, 8)), torch.nn.Conv2d(1, 4, 3), torch.nn.ReLU(),
                                        torch.nn.Flatten(), torch.nn.Linear(4 * 6 * 6, 10))
        else:
            model = torch.nn.Sequential(torch.nn.Linear(64, 20), torch.nn.ReLU(), torch.nn.Linear(20, 10))
    n_par = sum(p.numel() for p in model.parameters())
    r = run_experiment(model=model, eps=1.0, n_copies=2, lr=0.1, n_epochs=5, batch_size=BATCH, align=False,
                       checkpoints=20, seed=seed, progress=False)
    sel = r.steps >= r.steps_per_epoch
    curve = r.mean_curve("d_w")[1.0] / math.sqrt(n_par)
    return float(np.polyfit(r.steps[sel], curve[sel], 1)[0])


@claim("dynsys.pathdep.conv_slower",
       statement="'Architecture: Prediction: I expect convolutional architectures to decrease the rate of separation "
                 "(after correcting for the number of parameters)': a small CNN separates more slowly than an MLP "
                 "of about the same size, per parameter (d_w / sqrt(n_params)).",
       short="A CNN separates more slowly than an MLP of equal size (per parameter).",
       source=PREDICT,
       method="digits, SGD lr 0.1, eps = 1, 5 epochs, 2 copies: CNN (4 filters 3x3, 1490 parameters) vs MLP 64-20-10 "
              "(1510); late slope of d_w / sqrt(n_params); paired by seed, MLP minus CNN > 0 (95 % CI over 4 seeds)",
       counterfactual={"direction": -1}, counterfactual_text="the CNN separates faster")
def _conv(ctx: Context, *, direction: int = 1) -> Verdict:
    seeds = [ctx.seed + 200 + i for i in range(ctx.pick(6, 10))]
    mlp_s = np.array([_conv_slope(s, "mlp") for s in seeds])
    conv_s = np.array([_conv_slope(s, "conv") for s in seeds])
    v = _paired(mlp_s, conv_s, "MLP - CNN slope of d_w/sqrt(P)", direction)
    return v.with_(measured={"MLP": f"{mlp_s.mean():.3g}", "CNN": f"{conv_s.mean():.3g}"},
                   expected="CNN < MLP" if direction > 0 else "CNN > MLP",
                   corrected=f"The CNN's per-parameter separation slope {conv_s.mean():.3g} is not below the MLP's "
                             f"{mlp_s.mean():.3g}.")

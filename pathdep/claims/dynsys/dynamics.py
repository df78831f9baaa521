"""Claims of note 000's formal set-up: the batch schedule, training as a dynamical system, the
optimizer state, and the probability view (autocorrelations).

Checked with ``dynsys.experiments.batch_schedule``, ``dynsys.OptimizerMap`` (PyTorch's
update rules as pure maps, float64), ``dynsys.autocorr`` and ``dynsys.lyapunov_spectrum``.
"""

from __future__ import annotations

import math

import numpy as np

from pathdep.claims._common import NOTE000, cached, claim, fmt_list
from pathdep.claims.registry import Context
from pathdep.claims.verdict import Verdict, combine, compare, compare_all, decide

FORMAL = f"{NOTE000}, 'Formalizing Path-dependence'"
DYNSYS = f"{NOTE000}, 'Dynamical Systems'"
TRACK = f"{NOTE000}, 'Tracking Densities' and the autocorrelation paragraphs"


# --------------------------------------------------------------------------- the batch schedule
@cached
def _schedule(seed: int) -> tuple[np.ndarray, int]:
    from dynsys.experiments import batch_schedule

    return batch_schedule(1347, 64, 25, seed=seed), 1347 // 64   # the digits training split, batch 64


def _blocks(schedule: np.ndarray, T: int, start, stop) -> list[np.ndarray]:
    return [schedule[start(tau):stop(tau) + 1] for tau in range(schedule.shape[0] // T)]


@claim("dynsys.schedule.epoch_indexing",
       statement="'The learning schedule for epoch tau is the subset b = {b(t)} for t = tau T_epochs to "
                 "tau (T_epochs + 1) - 1', T_epochs the number of batches per epoch.",
       short="Epoch tau = batches tau T .. tau (T + 1) - 1 (the note's indices).",
       source=FORMAL,
       method="the note's index ranges for the 25 epochs of the digits schedule (T = 21 batches of 64): their "
              "sizes against T, and whether they partition the 525 batches",
       counterfactual={"width": "T + 2"}, counterfactual_text="epoch tau is batches tau T .. tau (T + 2) - 1",
       corrected_by=("dynsys.schedule.epoch_blocks",))
def _epoch_indexing(ctx: Context, *, width: str = "T + 1") -> Verdict:
    sched, T = _schedule(ctx.seed)
    k = {"T + 1": 1, "T + 2": 2}[width]
    sizes = [len(range(tau * T, tau * (T + k))) for tau in range(25)]
    covered = sorted({t for tau in range(25) for t in range(tau * T, tau * (T + k))})
    return compare_all(sizes, [T] * 25, atol=0,
                       measured_label=f"sizes {sizes[:4]}...{sizes[-2:]}; {len(covered)} of 525 batches covered",
                       expected_label=f"{T} batches per epoch, a partition",
                       evidence=f"T = {T}; the note's range for epoch tau has tau * {k} elements (empty for tau = 0).",
                       corrected="Epoch tau is batches tau T .. (tau + 1) T - 1 (T batches, disjoint, covering the "
                                 "schedule); the note's upper index tau (T + 1) - 1 should be (tau + 1) T - 1.")


@claim("dynsys.schedule.epoch_blocks",
       statement="Epoch tau is the batches tau T .. (tau + 1) T - 1: T disjoint batches that together are a "
                 "permutation of (T x batch size) training examples, and T_total / T = N_epochs.",
       short="Epoch tau = batches tau T .. (tau + 1) T - 1, a permutation of the data.",
       source=f"{FORMAL} (corrected indices)",
       method="the digits schedule of the experiments (dynsys.experiments.batch_schedule, 25 epochs): each block "
              "of T consecutive batches holds T x 64 distinct examples; blocks of T + 1 batches would not",
       counterfactual={"block": "T + 1"}, counterfactual_text="epochs are blocks of T + 1 consecutive batches")
def _epoch_blocks(ctx: Context, *, block: str = "T") -> Verdict:
    sched, T = _schedule(ctx.seed)
    L = T if block == "T" else T + 1
    n_blocks = sched.shape[0] // L
    dup = sum(int(sched[b * L:(b + 1) * L].size - np.unique(sched[b * L:(b + 1) * L]).size) for b in range(n_blocks))
    return compare_all([dup, sched.shape[0] / T], [0, 25], atol=0,
                       measured_label={"repeated examples within blocks": dup, "T_total / T": sched.shape[0] / T},
                       expected_label={"repeated examples within blocks": 0, "T_total / T": 25},
                       evidence=f"T = {T}, blocks of {L} batches of 64.")


@claim("dynsys.schedule.batches_disjoint",
       statement="'Within any given epoch, the batches are disjoint, but across epochs, repetition is allowed "
                 "(though typically no batch will be repeated sample for sample).'",
       short="Batches disjoint within an epoch; no batch repeated across epochs.",
       source=FORMAL,
       method="the digits schedule (25 epochs x 21 batches of 64): examples repeated within an epoch (must be 0), "
              "batches repeated as sets across epochs (must be 0), and examples repeated across epochs (> 0: "
              "repetition is allowed and happens)",
       counterfactual={"scope": "whole schedule"},
       counterfactual_text="the batches are disjoint across the whole schedule")
def _batches_disjoint(ctx: Context, *, scope: str = "epoch") -> Verdict:
    sched, T = _schedule(ctx.seed)
    within = sum(int(T * 64 - np.unique(sched[e * T:(e + 1) * T]).size) for e in range(25))
    sets = {frozenset(b.tolist()) for b in sched}
    repeated_batches = sched.shape[0] - len(sets)
    across = int(sched.size - np.unique(sched).size)
    if scope == "whole schedule":
        return compare(across, 0, atol=0, measured_label=f"{across} repeated examples across the schedule",
                       expected_label="0")
    return compare_all([within, repeated_batches], [0, 0], atol=0,
                       measured_label={"repeats within epochs": within, "batches repeated across epochs": repeated_batches,
                                       "examples repeated across epochs": across},
                       expected_label={"repeats within epochs": 0, "batches repeated": 0},
                       evidence=f"{across} example repetitions across epochs (allowed).")


# --------------------------------------------------------------------------- training as a dynamical system
@cached
def _digits_sgd(seed: int, full_batch: bool):
    import torch

    from dynsys import digits_mlp_map

    m = digits_mlp_map(width=16, seed=seed, lr=0.1, batch_size=32, n_batches=50)
    if not full_batch:
        return m.map
    from dynsys.optim_map import OptimizerMap

    params, _ = m.map.split(m.map.initial_state())
    every = torch.unique(torch.cat([m.map.batch(t) for t in range(50)]))   # one batch: all scheduled examples
    return OptimizerMap(m.map.loss_fn, params, [every], lr=0.1)


def _evolve(omap, x, start: int, n: int):
    for t in range(start, start + n):
        x = omap.step(x, t)
    return x


@claim("dynsys.flow.training_is_flow",
       statement="With the batch schedule b and hyperparameters h fixed, training is 'a discrete-time dynamical "
                 "system over parameter space Phi_{b,h}: W -> W' in the note's sense: Phi(0, x) = x and "
                 "Phi(t2, Phi(t1, x)) = Phi(t1 + t2, x), with Phi(t, x) the weights after t SGD steps from x.",
       short="Minibatch SGD with a fixed schedule satisfies the flow law Phi(t2, Phi(t1, x)) = Phi(t1 + t2, x).",
       source=f"{FORMAL} and {DYNSYS}",
       method="SGD (lr 0.1) on a 64-16-10 digits MLP with a fixed schedule of 50 minibatches, float64: "
              "|Phi(3, Phi(2, w)) - Phi(5, w)| relative to |Phi(5, w) - w| (a flow gives 0 up to rounding, 1e-12)",
       counterfactual={"full_batch": False, "bound": -1.0},
       counterfactual_text="the composition differs from Phi(5, w) by a negative amount (impossible)",
       corrected_by=("dynsys.flow.cocycle",))
def _training_is_flow(ctx: Context, *, full_batch: bool = False, bound: float = 1e-12) -> Verdict:
    omap = _digits_sgd(ctx.seed, full_batch)
    w = omap.initial_state()
    two_then_three = _evolve(omap, _evolve(omap, w, 0, 2), 0, 3)     # Phi(3, .) restarts the schedule
    five = _evolve(omap, w, 0, 5)
    rel = float((two_then_three - five).norm() / (five - w).norm())
    return compare(rel, 0.0, atol=max(bound, 0.0) if bound >= 0 else 0.0,
                   measured_label=f"|Phi(3, Phi(2, w)) - Phi(5, w)| / |Phi(5, w) - w| = {rel:.3g}",
                   expected_label="0 (flow law)" if bound >= 0 else "< 0",
                   evidence=f"{'full-batch' if full_batch else 'minibatch'} SGD; Phi(t, .) applies batches b(0)..b(t-1).",
                   corrected="Minibatch SGD with a schedule is a non-autonomous system: the evolution from step s to "
                             "step t, Phi(t, s, x), satisfies the cocycle law Phi(t3, t2, Phi(t2, t1, x)) = "
                             "Phi(t3, t1, x); it is a flow (autonomous) only with one batch (full-batch GD).")


@claim("dynsys.flow.cocycle",
       statement="Training with a fixed schedule is a non-autonomous dynamical system: the evolution from step s to "
                 "step t, Phi(t, s, x) (batches b(s)..b(t-1)), satisfies Phi(t3, t2, Phi(t2, t1, x)) = Phi(t3, t1, x); "
                 "with a single batch (full-batch gradient descent) it is a flow, Phi(t2, Phi(t1, x)) = Phi(t1 + t2, x).",
       short="Schedule training is a cocycle; full-batch GD is a flow.",
       source=f"{FORMAL} and {DYNSYS} (corrected); e.g. P. E. Kloeden, M. Rasmussen, 'Nonautonomous Dynamical "
              "Systems' (AMS, 2011), ch. 2",
       method="as dynsys.flow.training_is_flow: |Phi(5, 2, Phi(2, 0, w)) - Phi(5, 0, w)| with the schedule, and the "
              "flow law for full-batch GD, relative to the displacement; both below 1e-12 (float64)",
       counterfactual={"restart": True},
       counterfactual_text="the evolution from step 2 restarts the schedule at batch b(0)")
def _cocycle(ctx: Context, *, restart: bool = False) -> Verdict:
    omap = _digits_sgd(ctx.seed, False)
    w = omap.initial_state()
    mid = _evolve(omap, w, 0, 2)
    composed = _evolve(omap, mid, 0 if restart else 2, 3)
    five = _evolve(omap, w, 0, 5)
    rel = float((composed - five).norm() / (five - w).norm())
    gd = _digits_sgd(ctx.seed, True)
    g0 = gd.initial_state()
    rel_gd = float((_evolve(gd, _evolve(gd, g0, 0, 2), 0, 3) - _evolve(gd, g0, 0, 5)).norm()
                   / (_evolve(gd, g0, 0, 5) - g0).norm())
    return compare_all([rel, rel_gd], [0.0, 0.0], atol=1e-12,
                       measured_label={"cocycle defect (schedule)": rel, "flow defect (full batch)": rel_gd},
                       expected_label=0.0)


@cached
def _momentum_buffers(seed: int):
    import torch

    from dynsys import digits_mlp_map
    from dynsys.perturb import perturb_on_sphere

    m = digits_mlp_map(width=16, seed=seed, lr=0.05, optimizer="momentum", momentum=0.9, batch_size=32)
    omap = m.map
    x0 = omap.initial_state()
    n = omap.n_params
    w_alt = torch.as_tensor(perturb_on_sphere(x0[:n].numpy(), 1.0, seed=seed))
    x1 = torch.cat([w_alt, x0[n:]])
    a, b, c = x0, x1, x0.clone()
    for t in range(50):
        a, b, c = omap.step(a, t), omap.step(b, t), omap.step(c, t)
    buf = lambda s: s[n:]  # noqa: E731
    other = float((buf(a) - buf(b)).norm() / buf(a).norm())
    same = float((buf(a) - buf(c)).norm() / buf(a).norm())
    return other, same


@claim("dynsys.optim.state_function_of_b_h",
       statement="'s_t tends to be a deterministic function of b and h' (the optimizer state, e.g. the momentum "
                 "buffer, determined by the batch schedule and the hyperparameters).",
       short="Optimizer state s_t is a function of the schedule b and hyperparameters h.",
       source=f"{NOTE000}, 'From Weight Space to Function Space' (on optimizer state)",
       method="heavy-ball SGD (lr 0.05, mu 0.9) on a 64-16-10 digits MLP, float64: the momentum buffers after 50 "
              "steps of two runs with the same b and h but initial weights 1 apart (on the init sphere); their "
              "relative difference must be 0 (below 1e-9) if s_t depends on b and h alone",
       counterfactual={"tolerance": 1e-15}, counterfactual_text="the buffers agree to 1e-15",
       corrected_by=("dynsys.optim.state_function_of_w0_b_h",))
def _state_b_h(ctx: Context, *, tolerance: float = 1e-9) -> Verdict:
    other, _ = _momentum_buffers(ctx.seed)
    return compare(other, 0.0, atol=tolerance,
                   measured_label=f"relative buffer difference {other:.3g} (different w0, same b, h)",
                   expected_label="0",
                   corrected="s_t is a deterministic function of (w_0, b, h), not of (b, h) alone: the buffer "
                             "accumulates gradients, which depend on the weights; the system lives on W x S.")


@claim("dynsys.optim.state_function_of_w0_b_h",
       statement="The optimizer state s_t is a deterministic function of (w_0, b, h): the same initial weights, "
                 "schedule and hyperparameters give the same s_t, and training is a map on W x S.",
       short="Optimizer state s_t is a function of (w_0, b, h).",
       source=f"{NOTE000}, 'From Weight Space to Function Space' (corrected)",
       method="as dynsys.optim.state_function_of_b_h: two runs with the same (w_0, b, h) have identical buffers "
              "(difference 0), runs with different w_0 do not (difference > 1e-6)",
       counterfactual={"same_w0_differs": True},
       counterfactual_text="runs with the same (w_0, b, h) end with different buffers")
def _state_w0_b_h(ctx: Context, *, same_w0_differs: bool = False) -> Verdict:
    other, same = _momentum_buffers(ctx.seed)
    parts = [decide(other > 1e-6, measured=other, expected="> 1e-6", evidence=f"different w0: {other:.3g}"),
             (decide(same > 1e-6, measured=same, expected="> 1e-6", evidence=f"same w0: {same:.3g}")
              if same_w0_differs else compare(same, 0.0, atol=0.0, evidence=f"same w0: {same:.3g}"))]
    return combine(parts, measured={"same (w0, b, h)": same, "different w0": other},
                   expected={"same": "> 1e-6" if same_w0_differs else 0, "different": "> 1e-6"},
                   tolerance="exact for the same inputs")


# --------------------------------------------------------------------------- autocorrelations
@claim("dynsys.autocorr.ar1_tau",
       statement="For AR(1) x_t = phi x_{t-1} + e_t the integrated autocorrelation time is "
                 "(1 + phi)/(1 - phi) (19 at phi = 0.9), and Sokal's automatic window estimates it.",
       source="A. D. Sokal, 'Monte Carlo methods in statistical mechanics' (1997); "
              f"{TRACK}",
       method="mean of dynsys.autocorr.integrated_time over 100 AR(1) chains of length 1e5 against "
              "19 (tolerance 0.5, plus 4 Madras-Sokal standard errors of the mean)",
       counterfactual={"formula": "1/(1-phi)"}, counterfactual_text="tau = 1 / (1 - phi) = 10")
def _ar1_tau(ctx: Context, *, formula: str = "(1+phi)/(1-phi)") -> Verdict:
    phi = 0.9
    want = (1 + phi) / (1 - phi) if formula == "(1+phi)/(1-phi)" else 1 / (1 - phi)
    reps = ctx.pick(100, 1000)
    res = _ar1_taus(ctx.seed, reps)
    se = float(np.mean(res.stderr)) / math.sqrt(reps)
    return compare(float(np.mean(res.tau)), want, stderr=se, atol=ctx.pick(0.5, 0.2),
                   evidence=f"{reps} chains, mean tau = {np.mean(res.tau):.3f}, spread "
                            f"{np.std(res.tau, ddof=1):.3f} (Madras-Sokal {np.mean(res.stderr):.3f}).")


@cached
def _ar1_taus(seed: int, reps: int):
    from dynsys.autocorr import ar1_series, autocorr_time

    return autocorr_time(ar1_series(0.9, 100_000, n_series=reps, seed=seed))


@cached
def _two_time(seed: int, start: str) -> dict:
    """E[x_t x_(t+tau)] at t = 1 and 200 over 20000 AR(1) chains (phi = 0.9), started at 0 or stationary."""
    from scipy.signal import lfilter

    rng = np.random.default_rng(seed)
    phi, n, W = 0.9, 260, 50000
    e = rng.standard_normal((W, n))
    if start == "stationary":
        e[:, 0] /= math.sqrt(1 - phi * phi)
    else:
        e[:, 0] = 0.0                          # x_0 = 0: the mean is 0 at every t, the variance grows
    x = lfilter([1.0], [1.0, -phi], e, axis=1)
    out = {}
    for lag in (1, 5):
        for t in (1, 200):
            prod = x[:, t] * x[:, t + lag]
            out[(lag, t)] = (float(prod.mean()), float(prod.std(ddof=1) / math.sqrt(W)))
    out["max |mean|"] = float(np.max(np.abs(x.mean(axis=0))) / math.sqrt(1 / (1 - phi * phi) / W))
    return out


def _lag_only(ctx: Context, start: str, corrected: str | None = None, diff: float = 0.0) -> Verdict:
    r = _two_time(ctx.seed, start)
    var0 = 1 / (1 - 0.9 ** 2)          # the stationary variance R(t, t)
    parts = [compare(r[(lag, 1)][0] - r[(lag, 200)][0], diff, atol=0.05 * var0,
                     stderr=math.hypot(r[(lag, 1)][1], r[(lag, 200)][1]),
                     evidence=f"lag {lag}: R(1, {1 + lag}) = {r[(lag, 1)][0]:.3f}, R(200, {200 + lag}) = {r[(lag, 200)][0]:.3f}")
             for lag in (1, 5)]
    return combine(parts, measured={f"lag {lag}": f"R(1,.) = {r[(lag, 1)][0]:.3f}, R(200,.) = {r[(lag, 200)][0]:.3f}"
                                    for lag in (1, 5)},
                   expected="R(t, t + tau) the same at t = 1 and t = 200",
                   tolerance="5 % of the stationary variance plus 4 standard errors",
                   evidence=f"AR(1), phi = 0.9, 50000 chains started {start}; the ensemble mean stays within "
                            f"{r['max |mean|']:.1f} standard errors of 0 at every t.",
                   corrected=corrected)


@claim("dynsys.autocorr.mean_stationary_lag_only",
       statement="'For stationary processes (where <X_t> is independent of t), this becomes a function of one "
                 "variable, tau = t2 - t1': a constant mean makes R_XX(t1, t2) depend on t2 - t1 only.",
       short="Constant mean <X_t> makes R(t1, t2) a function of t2 - t1.",
       source=TRACK,
       method="AR(1) (phi = 0.9) started at x_0 = 0: its mean is 0 at every t; R(t, t + tau) = <x_t x_(t+tau)> at "
              "t = 1 and t = 200 for tau = 1, 5 over 50000 chains; equal within 5 % of the stationary variance "
              "plus 4 standard errors if R depends on tau only",
       counterfactual={"diff": 1.0},
       counterfactual_text="(same process) R(1, 1 + tau) exceeds R(200, 200 + tau) by exactly 1",
       corrected_by=("dynsys.autocorr.stationary_lag_only",))
def _mean_stationary(ctx: Context, *, diff: float = 0.0) -> Verdict:
    return _lag_only(ctx, "zero", diff=diff, corrected="A constant mean is not enough: R(t1, t2) depends on t2 - t1 only for a "
                                           "(wide-sense) stationary process, whose autocovariance is shift-invariant "
                                           "(e.g. the AR(1) chain started from its stationary law).")


@claim("dynsys.autocorr.stationary_lag_only",
       statement="For a wide-sense stationary process (constant mean and shift-invariant covariance), R_XX(t1, t2) "
                 "depends on tau = t2 - t1 only.",
       short="Wide-sense stationary: R(t1, t2) depends on t2 - t1 only.",
       source=f"{TRACK} (corrected); e.g. A. Papoulis, 'Probability, Random Variables and Stochastic "
              "Processes' (1991), ch. 9",
       method="as dynsys.autocorr.mean_stationary_lag_only with the chain started from its stationary law",
       counterfactual={"start": "zero"},
       counterfactual_text="the same for the chain started at 0 (constant mean only)")
def _stationary(ctx: Context, *, start: str = "stationary") -> Verdict:
    return _lag_only(ctx, start)


@cached
def _timescale(seed: int) -> tuple[float, float]:
    from dynsys import LinearMap, ar1_series, autocorrelation, lyapunov_spectrum

    x = ar1_series(0.9, 100_000, n_series=100, seed=seed + 1)
    rho = autocorrelation(x, max_lag=21).mean(axis=1)
    k = np.arange(1, 21)
    rate = float(np.polyfit(k, np.log(rho[1:21]), 1)[0])
    lam = float(lyapunov_spectrum(LinearMap([[0.9]]), [1.0], 100, seed=0, progress=False).exponents[0])
    return rate, lam


@claim("dynsys.autocorr.lyapunov_timescale",
       statement="'the relevant autocorrelation timescales can often be directly related to the maximal Lyapunov "
                 "component': for AR(1) the exponential autocorrelation time is -1/lambda, lambda = ln|phi| the "
                 "Lyapunov exponent of its deterministic part x -> phi x.",
       short="AR(1): exponential autocorrelation time = -1 / (Lyapunov exponent).",
       source=f"{TRACK}",
       method="phi = 0.9: decay rate of the sample autocorrelation (slope of ln rho(k), k = 1..20, 100 chains of "
              "1e5, dynsys.autocorrelation) against the Lyapunov exponent of x -> phi x from lyapunov_spectrum; "
              "within 3 %",
       counterfactual={"factor": 2.0}, counterfactual_text="the autocorrelation decays at rate 2 lambda")
def _lyap_timescale(ctx: Context, *, factor: float = 1.0) -> Verdict:
    rate, lam = _timescale(ctx.seed)
    return compare(rate, factor * lam, rtol=0.03,
                   evidence=f"decay rate of rho(k) {rate:.5f}, Lyapunov exponent {lam:.5f} (ln 0.9 = {math.log(0.9):.5f}); "
                            f"tau_exp = {-1 / rate:.3f} steps.")

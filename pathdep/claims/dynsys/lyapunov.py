"""Claims about Lyapunov spectra: exact facts (sanity) and note 000's predictions for optimizers."""

from __future__ import annotations

import math

import numpy as np

from pathdep.claims.registry import Context, claim
from pathdep.claims.verdict import Verdict, compare, compare_all, decide

NOTE000 = "000_dfb5eceb9127f4b1.txt"
SPROTT = "Sprott, 'Chaos and Time-Series Analysis' (2003), Appendix A"


def _spectrum(system, n, *, transient=0, k=None, seed=0, x0=None, reortho_every=1):
    from dynsys import lyapunov_spectrum

    x0 = system.initial_state() if x0 is None else x0
    return lyapunov_spectrum(system, x0, n, k=k, transient=transient, seed=seed, progress=False,
                             reortho_every=reortho_every)


def _mlp_top(ctx: Context, *, n, transient, width, **hyper):
    """Top exponent (k=1) of an optimizer on the digits MLP over steps [transient, transient+n)."""
    from dynsys import digits_mlp_map

    mlp = digits_mlp_map(width=width, seed=ctx.seed, **hyper)
    r = _spectrum(mlp.map, n, transient=transient, k=1, seed=ctx.seed, x0=mlp.map.initial_state())
    return float(r.exponents[0]), float(r.stderr[0])


def _errorbar_figure(xs, ys, ses, *, xlabel, ylabel, title, logx=False):
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.errorbar(xs, ys, yerr=2 * np.asarray(ses), marker="o", capsize=3)
    if logx:
        ax.set_xscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    return fig


def _signif(diff, se, z=2.0):
    """True if diff > z se, False if diff < -z se, None in between (cannot tell)."""
    if diff > z * se:
        return True
    if diff < -z * se:
        return False
    return None


# --------------------------------------------------------------------------- exact facts
@claim("dynsys.lyapunov.henon_sprott",
       statement="The Hénon map (a=1.4, b=0.3) has Lyapunov exponents 0.41922 and -1.62319; "
                 "their sum is ln b = ln 0.3.",
       source=SPROTT,
       method="Benettin QR method on the analytic tangent map (QR every 4 steps); 30,000 steps within "
              "1e-2 in quick mode, 1e6 steps within 2e-3 (the issue's bar) with --full, in both cases plus "
              "4 block standard errors, which must themselves be below the tolerance; the sum must equal "
              "ln 0.3 to 1e-6")
def _henon(ctx: Context) -> Verdict:
    from dynsys import Henon

    r = _spectrum(Henon(), ctx.pick(30_000, 1_000_000), transient=1000, seed=ctx.seed, reortho_every=4)
    ev = f"{r.n_steps} steps; sum = {r.sum:.9f} vs ln 0.3 = {math.log(0.3):.9f}."
    v = compare_all(list(r.exponents) + [r.sum], [0.41922, -1.62319, math.log(0.3)],
                    atol=ctx.pick(1e-2, 2e-3), stderr=list(r.stderr) + [0.0], evidence=ev)
    if abs(r.sum - math.log(0.3)) > 1e-6:
        v = v.with_(verdict="REFUTED")
    return v.with_(figure=r.plot(reference=[0.41922, -1.62319], title="Hénon (a=1.4, b=0.3)"))


def _lorenz_run(ctx: Context):
    from dynsys import Lorenz63

    s = Lorenz63(dt=0.01)
    return s, _spectrum(s, ctx.pick(3000, 1_000_000), transient=500, seed=ctx.seed)


@claim("dynsys.lyapunov.lorenz63_volume",
       statement="The Lorenz-63 flow contracts phase-space volume at the rate sigma + 1 + beta: its three "
                 "Lyapunov exponents sum to -(sigma + 1 + beta) = -13.6667 at (10, 28, 8/3).",
       source="REFERENCE.md (dynsys), exact checks",
       method="RK4 (dt = 0.01) for the state and the variational equation, QR every step, T = 30 "
              "(1e4 with --full); the sum against the divergence to 2e-4 (RK4's volume error)")
def _lorenz_volume(ctx: Context) -> Verdict:
    s, r = _lorenz_run(ctx)
    return compare(r.sum, s.divergence, atol=2e-4,
                   evidence=f"T = {r.n_steps * r.dt:g}; exponents {np.round(r.exponents, 4).tolist()}.")


@claim("dynsys.lyapunov.lorenz63_sprott",
       statement="The Lorenz-63 flow at (sigma, rho, beta) = (10, 28, 8/3) has Lyapunov exponents "
                 "0.9056, 0, -14.5723.",
       source=SPROTT,
       method="RK4 (dt = 0.01), QR every step; within 1e-2 plus 4 block standard errors.  The exponents "
              "converge like T^(-1/2): the quick run (T = 30) is INCONCLUSIVE by design, --full (T = 1e4) "
              "decides")
def _lorenz_sprott(ctx: Context) -> Verdict:
    _, r = _lorenz_run(ctx)
    return compare_all(r.exponents, [0.9056, 0.0, -14.5723], atol=1e-2, stderr=r.stderr,
                       evidence=f"T = {r.n_steps * r.dt:g}; standard errors {np.round(r.stderr, 4).tolist()}.",
                       figure=r.plot(reference=[0.9056, 0.0, -14.5723], title="Lorenz-63"))


@claim("dynsys.lyapunov.logistic_ln2",
       statement="The logistic map at r = 4 has Lyapunov exponent ln 2.",
       source="REFERENCE.md (dynsys), exact checks",
       method="QR method (k = 1, QR every 8 steps) on 40,000 steps (1e6 in full mode); within 1e-3 "
              "plus 4 standard errors")
def _logistic(ctx: Context) -> Verdict:
    from dynsys import Logistic

    r = _spectrum(Logistic(4.0), ctx.pick(40_000, 1_000_000), transient=100, seed=ctx.seed, x0=[0.3],
                  reortho_every=8)
    return compare(float(r.exponents[0]), math.log(2.0), atol=1e-3, stderr=float(r.stderr[0]))


@claim("dynsys.lyapunov.linear_and_area_preserving",
       statement="A linear map x -> A x has exponents log|eigenvalues of A|; the area-preserving "
                 "standard map has exponents summing to 0.",
       source="REFERENCE.md (dynsys), exact checks",
       method="random diagonalisable 5x5 A with known eigenvalue moduli (to 1e-6, after a transient); "
              "Chirikov standard map K = 6 (sum to 1e-10)")
def _linear(ctx: Context) -> Verdict:
    from dynsys import LinearMap, StandardMap

    rng = np.random.default_rng(ctx.seed)
    logs = np.array([1.0, 0.4, -0.1, -0.7, -1.5])
    P = rng.standard_normal((5, 5)) + 3 * np.eye(5)
    A = P @ np.diag(np.exp(logs) * rng.choice([-1.0, 1.0], 5)) @ np.linalg.inv(P)
    r = _spectrum(LinearMap(A), 200, transient=200, seed=ctx.seed, x0=np.zeros(5))
    sm = _spectrum(StandardMap(6.0), ctx.pick(5000, 100_000), seed=ctx.seed)
    return compare_all(list(r.exponents) + [sm.sum], list(logs) + [0.0], atol=1e-6,
                       evidence=f"standard map K=6: exponents {np.round(sm.exponents, 4).tolist()}.")


@claim("dynsys.lyapunov.gd_quadratic",
       statement="Gradient descent on L(w) = 1/2 w^T H w has Lyapunov exponents ln|1 - eta h_i| "
                 "(positive for eta h > 2, -inf for eta h = 1).",
       source="REFERENCE.md (dynsys), exact checks",
       method="OptimizerMap (PyTorch SGD rule, tangent by jvp of the gradient) on a rotated H with "
              "eta h = (2.5, 1.6, 0.25), then eta h = 1 exactly on a diagonal H; to 1e-6")
def _gd_quadratic(ctx: Context) -> Verdict:
    import warnings

    import torch

    from dynsys import OptimizerMap

    rng = np.random.default_rng(ctx.seed)
    q, _ = np.linalg.qr(rng.standard_normal((3, 3)))
    eta = 0.5
    h = np.array([5.0, 3.2, 0.5])
    H = torch.tensor((q * h) @ q.T)
    m = OptimizerMap(lambda w, b: 0.5 * w @ H @ w, torch.ones(3, dtype=torch.float64), [None], lr=eta)
    r = _spectrum(m, 20, transient=100, seed=ctx.seed, x0=m.initial_state())
    expected = np.sort(np.log(np.abs(1 - eta * h)))[::-1]
    Hd = torch.diag(torch.tensor([2.0, 0.5], dtype=torch.float64))
    m1 = OptimizerMap(lambda w, b: 0.5 * w @ Hd @ w, torch.ones(2, dtype=torch.float64), [None], lr=eta)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        r1 = _spectrum(m1, 10, transient=5, seed=ctx.seed, x0=m1.initial_state())
    ok_inf = bool(r1.exponents[1] == -np.inf)
    v = compare_all(r.exponents, expected, atol=1e-6,
                    evidence=f"eta h = 1 gives {r1.exponents[1]} (expected -inf); eta h = 0.25 gives "
                             f"{r1.exponents[0]:.8f} vs {math.log(0.75):.8f}.")
    return v if ok_inf else v.with_(verdict="REFUTED")


@claim("dynsys.lyapunov.momentum_roots",
       statement="Heavy-ball momentum (PyTorch: v <- mu v + g, w <- w - eta v) on a quadratic has, per "
                 "Hessian eigenvalue h, exponents ln|z| for the roots of z^2 - (1 + mu - eta h) z + mu; "
                 "Nesterov: roots of z^2 - (1 + mu)(1 - eta h) z + mu (1 - eta h).",
       source="REFERENCE.md (dynsys), exact checks",
       method="Jacobian of the OptimizerMap update by vmapped JVPs (V = I), spectrum by the QR engine "
              "over 8,000 steps, against the roots (complex and real cases) to 1e-3")
def _momentum_roots(ctx: Context) -> Verdict:
    import torch

    from dynsys import LinearMap, OptimizerMap

    h = np.array([0.5, 2.0, 3.9])
    H = torch.diag(torch.tensor(h))
    got, want = [], []
    for opt, mu, lr in [("momentum", 0.9, 0.3), ("momentum", 0.5, 0.05), ("nesterov", 0.9, 0.3)]:
        m = OptimizerMap(lambda w, b: 0.5 * w @ H @ w, torch.ones(3, dtype=torch.float64), [None],
                         optimizer=opt, lr=lr, momentum=mu)
        J = m.tangent(m.initial_state(), 1, torch.eye(m.dim, dtype=torch.float64)).numpy()
        r = _spectrum(LinearMap(J), 8000, transient=200, seed=ctx.seed, x0=np.zeros(m.dim))
        for hi in h:
            c = [1, -(1 + mu - lr * hi), mu] if opt == "momentum" else [1, -(1 + mu) * (1 - lr * hi), mu * (1 - lr * hi)]
            want.extend(np.log(np.abs(np.roots(c))))
        want[-6:] = sorted(want[-6:], reverse=True)
        got.extend(r.exponents)
    return compare_all(got, want, atol=1e-3, evidence="cases (mu, eta) = (0.9, 0.3) complex, "
                       "(0.5, 0.05) real, Nesterov (0.9, 0.3).")


# --------------------------------------------------------------------------- note 000
@claim("dynsys.lyapunov.positive_exponent_diverges",
       statement="If the exponent is positive, then nearby trajectories will diverge, and the dynamics "
                 "are chaotic. If the exponent is negative, then nearby trajectories will converge.",
       source=f"{NOTE000}, 'Lyapunov spectrum'",
       method="gradient descent on 1/2 h w^2 for eta h in {0.5, 1.5, 1.9, 2.1, 2.5, 3}: the "
              "exponent (QR engine) against the measured separation of two trajectories started "
              "1e-8 apart after 60 steps; the claim holds if the signs agree in every case")
def _positive_diverges(ctx: Context) -> Verdict:
    import torch

    from dynsys import OptimizerMap

    rows = []
    for eh in [0.5, 1.5, 1.9, 2.1, 2.5, 3.0]:
        m = OptimizerMap(lambda w, b: 0.5 * eh * (w ** 2).sum(), torch.ones(1, dtype=torch.float64),
                         [None], lr=1.0)
        lam = float(_spectrum(m, 20, seed=ctx.seed, x0=m.initial_state()).exponents[0])
        a = m.initial_state()
        b = a + 1e-8
        for t in range(60):
            a, b = m.step(a, t), m.step(b, t)
        growth = float(torch.linalg.norm(a - b) / 1e-8)
        rows.append((eh, lam, growth))
    agree = all((lam > 0) == (g > 1) for _, lam, g in rows)
    return decide(agree, measured={f"eta h={eh}": f"lambda={lam:.4f}, separation x{g:.3g}" for eh, lam, g in rows},
                  expected="sign(lambda) > 0 <=> separation grows",
                  evidence="; ".join(f"eta h={eh}: lambda={lam:.4f}, |d_60|/|d_0|={g:.3g}" for eh, lam, g in rows))


@claim("dynsys.lyapunov.lr_corrected_slopes",
       statement="Learning rate: I expect that correcting for the learning rate should give nearly "
                 "identical separation slopes.",
       source=f"{NOTE000}, 'One-hidden-layer Models' (learning rate)",
       method="top Lyapunov exponent (k = 1, same initial tangent vector) of SGD on a one-hidden-layer "
              "ReLU MLP on the digits, over the same training time eta * n = T at several eta; "
              "'nearly identical' read as: lambda/eta within +-25 % of their mean (relative spread "
              "(max - min)/mean|.| <= 0.5), measured with relative standard errors <= 0.25; refuted if the "
              "spread exceeds 0.5 + 4 relative SE")
def _lr_slopes(ctx: Context) -> Verdict:
    etas = ctx.pick([0.01, 0.03, 0.1], [0.003, 0.01, 0.03, 0.1, 0.3])
    T = ctx.pick(3.0, 10.0)
    width = ctx.pick(16, 64)
    rows = []
    for eta in etas:
        n = max(int(round(T / eta)), 5)
        lam, se = _mlp_top(ctx, n=n, transient=0, width=width, lr=eta)
        rows.append((eta, n, lam / eta, se / eta))
    ratios = np.array([r[2] for r in rows])
    spread = float((ratios.max() - ratios.min()) / max(np.mean(np.abs(ratios)), 1e-300))
    fig = _errorbar_figure(etas, ratios, [r[3] for r in rows], xlabel="learning rate eta",
                           ylabel="top exponent / eta", logx=True,
                           title=f"SGD, digits MLP (width {width}), equal training time eta*n = {T:g}")
    rel_se = float(max(r[3] / max(abs(r[2]), 1e-300) for r in rows))
    if spread <= 0.5:
        cond = True if rel_se <= 0.25 else None   # sharp enough to have seen a violation?
    else:
        cond = False if spread > 0.5 + 4 * rel_se else None
    return decide(cond, figure=fig,
                  measured={f"eta={e:g}": round(float(q), 5) for e, _, q, _ in rows},
                  expected="lambda/eta nearly constant (relative spread <= 0.5)",
                  tolerance="relative spread <= 0.5",
                  evidence=f"training time eta*n = {T:g}, width {width}; lambda/eta (+- SE/eta): "
                           + "; ".join(f"eta={e:g} (n={n}): {q:.4g} +- {s:.2g}" for e, n, q, s in rows)
                           + f"; relative spread {spread:.3g}; largest relative SE {rel_se:.2g} "
                           "(HOLDS needs spread <= 0.5 with relative SE <= 0.25).",
                  corrected=f"lambda/eta is not constant across eta: measured {np.round(ratios, 4).tolist()} "
                            f"for eta = {etas} at equal training time eta*n = {T:g} (relative spread {spread:.2f}).")


@claim("dynsys.lyapunov.momentum_small_converges_large_diverges",
       statement="Small amounts of momentum appear to increase convergence (relative to other models "
                 "equivalent up to momentum), while large amounts increase divergence.",
       source=f"{NOTE000}, 'One-hidden-layer Models' (momentum)",
       method="top Lyapunov exponent (k = 1) of PyTorch heavy-ball SGD at fixed eta = 0.01 on the digits "
              "MLP for mu in {0, 0.1, 0.5, 0.9} (note's values; 0.5 only with --full; mu = 0 run through the "
              "same momentum map) after a 10-step transient (width 16, 60 steps, R = 4 replicates; "
              "--full: width 64, 400 steps, R = 8), from R independent replicates (lyapunov_replicates: replicate r "
              "has its own initial weights, batch schedule and initial tangent vector) with common random "
              "numbers across mu (replicate r is identical for every mu except mu), so the paired "
              "differences d_small = lambda(0) - lambda(0.1) and d_large = lambda(0.9) - lambda(0) have "
              "standard error std/sqrt(R) over replicates (paired_difference); holds if both exceed 4 SE, "
              "refuted if either is below -4 SE, else inconclusive")
def _momentum(ctx: Context) -> Verdict:
    from dynsys import digits_mlp_map, lyapunov_replicates, paired_difference

    width = ctx.pick(16, 64)
    n = ctx.pick(60, 400)
    n_rep = ctx.pick(4, 8)
    res = {}
    for mu in ctx.pick([0.0, 0.1, 0.9], [0.0, 0.1, 0.5, 0.9]):  # 0.5 is shown, not tested
        res[mu] = lyapunov_replicates(
            lambda s, mu=mu: digits_mlp_map(width=width, seed=s, lr=0.01, optimizer="momentum",
                                            momentum=mu).map,
            lambda system, _: system.initial_state(), n, n_replicates=n_rep, k=1, transient=10,
            seed=ctx.seed, progress=False)
    small = paired_difference(res[0.0], res[0.1])   # > 0: mu = 0.1 converges more
    large = paired_difference(res[0.9], res[0.0])   # > 0: mu = 0.9 diverges more
    z = 4.0
    ds, ss = float(small.exponents[0]), float(small.stderr[0])
    dl, sl = float(large.exponents[0]), float(large.stderr[0])
    signs = [_signif(ds, ss, z), _signif(dl, sl, z)]
    cond = False if False in signs else None if None in signs else True
    txt = "; ".join(f"mu={mu}: {r.exponents[0]:.5g} +- {r.stderr[0]:.1g}" for mu, r in res.items())
    pair = (f"paired d_small = lambda(0) - lambda(0.1) = {ds:.3g} +- {ss:.2g}; "
            f"d_large = lambda(0.9) - lambda(0) = {dl:.3g} +- {sl:.2g}")
    fig = _errorbar_figure(list(res), [float(r.exponents[0]) for r in res.values()],
                           [float(r.stderr[0]) for r in res.values()],
                           xlabel="momentum mu", ylabel="top exponent per step",
                           title=f"heavy ball, eta = 0.01, digits MLP (width {width}), {n_rep} replicates")
    direction = []
    if signs[0] is False:
        direction.append(f"small momentum (mu = 0.1) raises the top exponent instead of lowering it "
                         f"(lambda(0.1) - lambda(0) = {-ds:.3g} +- {ss:.2g})")
    if signs[1] is True:
        direction.append(f"large momentum (mu = 0.9) does raise it (lambda(0.9) - lambda(0) = "
                         f"{dl:.3g} +- {sl:.2g})")
    if signs[1] is False:
        direction.append(f"large momentum (mu = 0.9) lowers the top exponent instead of raising it "
                         f"(lambda(0.9) - lambda(0) = {dl:.3g} +- {sl:.2g})")
    return decide(cond, figure=fig,
                  measured={**{f"mu={mu}": round(float(r.exponents[0]), 7) for mu, r in res.items()},
                            "d_small": f"{ds:.3g} +- {ss:.2g}", "d_large": f"{dl:.3g} +- {sl:.2g}"},
                  expected="d_small = lambda(0) - lambda(0.1) > 0 and d_large = lambda(0.9) - lambda(0) > 0",
                  tolerance=f"{z:g} standard errors of the paired differences",
                  evidence=f"top exponent per step (width {width}, {n} steps, {n_rep} replicates, "
                           f"mean +- SE over replicates): {txt}; {pair}.",
                  corrected=("At fixed eta = 0.01 on the digits MLP, " + "; ".join(direction)
                             + f" ({txt})."))


@claim("dynsys.lyapunov.adam_exponential",
       statement="Optimizer: I expect adaptive techniques to make the rate of divergence exponential.",
       source=f"{NOTE000}, 'One-hidden-layer Models' (optimizer)",
       method="top Lyapunov exponent (k = 1) of Adam (lr 1e-3, PyTorch defaults) against SGD (lr 0.01) on "
              "the digits MLP after a 10-step transient; 'exponential divergence' read as a positive top "
              "exponent beyond 2 standard errors, larger than SGD's by 2 standard errors; refuted if either goes the "
              "other way by 2 standard errors, else inconclusive")
def _adam(ctx: Context) -> Verdict:
    width = ctx.pick(16, 64)
    n = ctx.pick(60, 400)
    la, sa = _mlp_top(ctx, n=n, transient=10, width=width, optimizer="adam", lr=1e-3)
    ls, ss = _mlp_top(ctx, n=n, transient=10, width=width, lr=0.01)
    positive = _signif(la, sa)                        # exponential divergence
    above = _signif(la - ls, math.hypot(sa, ss))      # faster than SGD
    cond = False if False in (positive, above) else None if None in (positive, above) else True
    return decide(cond, measured={"adam": round(la, 5), "sgd": round(ls, 6)},
                  expected="lambda_adam > 0 and > lambda_sgd",
                  tolerance="2 standard errors",
                  evidence=f"width {width}, {n} steps: Adam {la:.5f} +- {sa:.2g}; SGD {ls:.6f} +- {ss:.2g} per step.",
                  corrected=f"Adam's top exponent {la:.4g} +- {sa:.2g} is not clearly positive and "
                            f"above SGD's {ls:.4g} +- {ss:.2g}.")

"""Claims of note 000's probability view and perturbation experiments, and note 001's symmetries.

Checked with ``dynsys.init``, ``dynsys.perturb``, ``dynsys.autocorr`` and
``dynsys.experiments`` (vmapped ensembles on scikit-learn's digits).
"""

from __future__ import annotations

import math

import numpy as np

from pathdep.claims.registry import Context, claim
from pathdep.claims.verdict import Verdict, compare, compare_all, decide

NOTE000 = "000_dfb5eceb9127f4b1.txt"
NOTE001 = "001_1e8dd9c0c6b037f5.txt"
SHAPES = ((10, 10), (64, 16), (100, 10), (784, 2))  # (D_in, D_out)


def _kaiming_norms(d_in: int, d_out: int, reps: int, seed: int) -> np.ndarray:
    """|w| of `reps` Kaiming-normal (D_out, D_in) matrices (float64)."""
    import torch

    from dynsys.init import kaiming_normal

    gen = torch.Generator().manual_seed(seed)
    chunk = max(1, 2_000_000 // (d_in * d_out))
    out = []
    for start in range(0, reps, chunk):
        k = min(chunk, reps - start)
        w = kaiming_normal((k, d_out, d_in), fan_in=d_in, seed=gen, dtype=torch.float64)
        out.append(w.reshape(k, -1).norm(dim=1).numpy())
    return np.concatenate(out)


@claim("dynsys.init.kaiming_shell_moments",
       statement="Kaiming sampling is sampling from a hyperspherical shell: "
                 "E[|w|^2] = D sigma^2 and var[|w|^2] = 2 D sigma^4 (sigma^2 = 2 / D_in).",
       source=f"{NOTE000}, 'Kaiming initialization is sampling from a hyperspherical shell'",
       method="Monte Carlo over Kaiming-normal layers of four shapes; sample mean and variance of "
              "|w|^2 divided by D sigma^2 and 2 D sigma^4, compared with 1 (tolerance 10%, plus 4 "
              "standard errors)")
def _kaiming_moments(ctx: Context) -> Verdict:
    reps = ctx.pick(4000, 40000)
    measured, stderr = [], []
    for i, (d_in, d_out) in enumerate(SHAPES):
        sq = _kaiming_norms(d_in, d_out, reps, ctx.seed + i) ** 2
        d, s2 = d_in * d_out, 2.0 / d_in
        measured += [sq.mean() / (d * s2), sq.var(ddof=1) / (2 * d * s2 ** 2)]
        # SE of the mean of chi^2_D / D and of the sample variance (4th moment 12 D (D + 4))
        stderr += [math.sqrt(2 / d / reps),
                   math.sqrt((12 * d * (d + 4) - (2 * d) ** 2 * (reps - 3) / (reps - 1)) / reps) / (2 * d)]
    return compare_all(measured, [1.0] * len(measured), stderr=stderr, atol=ctx.pick(0.1, 0.03), z=4.0,
                       evidence=f"{reps} draws per shape {SHAPES} (D_in, D_out); ratios "
                                f"E|w|^2/(D s^2), var|w|^2/(2 D s^4) = "
                                f"{[round(m, 3) for m in measured]}.")


@claim("dynsys.init.shell_thickness",
       statement="'So the thickness as a fraction of the radius is delta / (sqrt(D) sigma) = "
                 "sqrt(2) sigma = 2 / sqrt(D_in)' (delta^2 ~ var|w|^2).",
       source=f"{NOTE000}, 'Kaiming initialization is sampling from a hyperspherical shell'",
       method="measure std|w| / mean|w| over Kaiming-normal draws for four layer shapes and compare "
              "with 2/sqrt(D_in); the exact chi-distribution value is shown alongside")
def _shell_thickness(ctx: Context) -> Verdict:
    from dynsys.init import shell_moments

    reps = ctx.pick(400, 4000)
    measured, expected, exact, se = [], [], [], []
    for i, (d_in, d_out) in enumerate(SHAPES):
        norms = _kaiming_norms(d_in, d_out, reps, ctx.seed + 10 + i)
        rel = norms.std(ddof=1) / norms.mean()
        measured.append(rel)
        expected.append(2 / math.sqrt(d_in))
        exact.append(shell_moments(d_in * d_out, math.sqrt(2 / d_in)).rel_thickness)
        se.append(rel / math.sqrt(2 * (reps - 1)))
    table = ", ".join(f"{s}: {m:.4g} (note {e:.4g}, exact {x:.4g})"
                      for s, m, e, x in zip(SHAPES, measured, expected, exact))
    return compare_all(measured, expected, rtol=0.1, stderr=se,
                       evidence=f"std|w|/mean|w| per (D_in, D_out): {table}.",
                       corrected="std|w| / E|w| = 1/sqrt(2D) to leading order, with D = D_in * D_out "
                                 "the number of entries, independent of sigma (|w|/sigma is chi_D). "
                                 "The note divides the spread of |w|^2 (units of |w|^2) by the radius "
                                 "(units of |w|): std|w| ~ std(|w|^2) / (2|w|) = sigma/sqrt(2), not sqrt(2D) sigma.",
                       details={"shapes": SHAPES, "measured": measured, "note": expected,
                                "exact": exact})


@claim("dynsys.init.thickness_vanishes",
       statement="'for suitably wide networks (D_in -> infinity), the thickness of this shell goes to 0.'",
       source=f"{NOTE000}, 'Kaiming initialization is sampling from a hyperspherical shell'",
       method="measured std|w|/mean|w| for D_in = 10, 100, 1000, 10000 (D_out = 10): must decrease "
              "monotonically, and the largest width must be below 1% (exact value shown)")
def _thickness_vanishes(ctx: Context) -> Verdict:
    from dynsys.init import shell_moments

    reps = ctx.pick(100, 2000)
    widths = (10, 100, 1000, 10000)
    rel = [float(np.std(n := _kaiming_norms(w, 10, reps, ctx.seed + w), ddof=1) / np.mean(n))
           for w in widths]
    exact = [shell_moments(10 * w, math.sqrt(2 / w)).rel_thickness for w in widths]
    ok = all(a > b for a, b in zip(rel, rel[1:])) and rel[-1] < 0.01
    return decide(ok, measured=[round(r, 5) for r in rel], expected="decreasing to 0",
                  tolerance="monotone, last < 0.01",
                  evidence=f"D_in = {widths}: std|w|/mean|w| = {[f'{r:.4g}' for r in rel]} "
                           f"(exact 1/sqrt(2D)-like values {[f'{x:.4g}' for x in exact]}); it tends "
                           f"to 0, but as 1/sqrt(2 D_in D_out), not 2/sqrt(D_in).")


@claim("dynsys.perturb.intersection_radius",
       statement="The intersection of the sphere |w| = w0 with the sphere of radius eps centred on w0 "
                 "is a lower-dimensional sphere of radius eps' = w0 cos(theta), "
                 "theta = arccos(1 - eps^2 / (2 w0^2)).",
       source=f"{NOTE000}, 'Perturbing weight initialization'",
       method="sample the intersection with dynsys.perturb.perturb_on_sphere (its output is checked "
              "to have |w| = w0 and |w - w0| = eps) and measure the distance of the samples from "
              "the axis through w0, for several eps / w0")
def _intersection_radius(ctx: Context) -> Verdict:
    from dynsys.perturb import perturb_on_sphere

    rng = np.random.default_rng(ctx.seed)
    w0 = rng.standard_normal(50)
    r = float(np.linalg.norm(w0))
    u = w0 / r
    measured, expected, right = [], [], []
    for frac in (0.1, 0.5, 1.0, 1.5):
        eps = frac * r
        w = perturb_on_sphere(w0, eps, n=20, seed=rng)
        radial = w - np.outer(w @ u, u)
        measured.append(float(np.mean(np.linalg.norm(radial, axis=1))))
        cos_t = 1 - eps ** 2 / (2 * r ** 2)
        expected.append(r * cos_t)
        right.append(r * math.sqrt(1 - cos_t ** 2))
    return compare_all(measured, expected, rtol=1e-9,
                       evidence=f"eps/w0 = 0.1, 0.5, 1, 1.5: measured radius / w0 = "
                                f"{[round(m / r, 6) for m in measured]}, note's cos(theta) = "
                                f"{[round(e / r, 6) for e in expected]}, sin(theta) = "
                                f"{[round(x / r, 6) for x in right]}.",
                       corrected="The intersection sphere has radius eps' = w0 sin(theta) = "
                                 "eps sqrt(1 - eps^2 / (4 w0^2)) (it equals w0 cos(theta) only at "
                                 "eps = sqrt(2) w0, the quarter turn).",
                       details={"measured": measured, "note": expected, "sin": right})


@claim("dynsys.perturb.intersection_offset",
       statement="The intersection sphere is translated along the baseline vector by w0' = w0 cos(theta).",
       source=f"{NOTE000}, 'Perturbing weight initialization'",
       method="projection of sampled intersection points on w0_hat, for several eps / w0, "
              "against w0 cos(theta)")
def _intersection_offset(ctx: Context) -> Verdict:
    from dynsys.perturb import perturb_on_sphere

    rng = np.random.default_rng(ctx.seed + 1)
    w0 = rng.standard_normal(50)
    r = float(np.linalg.norm(w0))
    measured, expected = [], []
    for frac in (0.1, 0.5, 1.0, 1.5):
        eps = frac * r
        w = perturb_on_sphere(w0, eps, n=20, seed=rng)
        measured.append(float(np.max(w @ (w0 / r))))
        expected.append(r * (1 - eps ** 2 / (2 * r ** 2)))
    return compare_all(measured, expected, rtol=1e-10,
                       evidence=f"projections / w0 = {[round(m / r, 6) for m in measured]}.")


@claim("dynsys.perturb.householder",
       statement="The Householder reflection H = I - 2 c c^T / (c^T c) with c = n_hat + w0_hat maps "
                 "n_hat = (0, ..., 0, 1) onto w0_hat.",
       source=f"{NOTE000}, 'Perturbing weight initialization'",
       method="apply H to n_hat for random w0 (D = 50) and measure |H n_hat - w0_hat|; then run the "
              "note's whole recipe literally (radius w0 cos(theta), H, translation w0 cos(theta)) "
              "and measure the two distances of its output")
def _householder(ctx: Context) -> Verdict:
    rng = np.random.default_rng(ctx.seed + 2)
    errs, flip = [], []
    for _ in range(5):
        w0 = rng.standard_normal(50)
        u = w0 / np.linalg.norm(w0)
        n_hat = np.zeros(50)
        n_hat[-1] = 1.0
        c = n_hat + u
        h_n = n_hat - 2 * (c @ n_hat) / (c @ c) * c
        errs.append(float(np.linalg.norm(h_n - u)))
        flip.append(float(np.linalg.norm(h_n + u)))
    # the note's recipe, literally
    w0 = rng.standard_normal(50)
    r = float(np.linalg.norm(w0))
    u = w0 / r
    eps = 0.5 * r
    cos_t = 1 - eps ** 2 / (2 * r ** 2)
    y = rng.standard_normal(49)
    y = np.append(r * cos_t * y / np.linalg.norm(y), 0.0)
    c = np.eye(50)[-1] + u
    hy = y - 2 * (c @ y) / (c @ c) * c
    w = hy + r * cos_t * u
    note_norm, note_dist = float(np.linalg.norm(w)) / r, float(np.linalg.norm(w - w0)) / eps
    return compare(max(errs), 0.0, atol=1e-9,
                   evidence=f"|H n_hat - w0_hat| = {max(errs):.3f} (= 2) while |H n_hat + w0_hat| = "
                            f"{max(flip):.1e}: H maps n_hat onto -w0_hat. For the sampler the sign does not "
                            f"matter (the hyperplane orthogonal to w0_hat is the same), but the note's full "
                            f"recipe at eps = 0.5 w0 gives |w|/w0 = {note_norm:.4f} and |w - w0|/eps = "
                            f"{note_dist:.4f} instead of 1 and 1, because of the radius w0 cos(theta).",
                   corrected="With c = n_hat + w0_hat, H n_hat = -w0_hat; c = n_hat - w0_hat maps n_hat to "
                             "+w0_hat. Either reflection maps the hyperplane orthogonal to n_hat onto the "
                             "one orthogonal to w0_hat, so the sampler works with either sign once the "
                             "intersection radius is w0 sin(theta).",
                   details={"note_recipe_norm_ratio": note_norm, "note_recipe_dist_ratio": note_dist})


@claim("dynsys.perturb.same_distribution",
       statement="'the resulting perturbed vector will have the same distribution as the baseline "
                 "vector' (uniform on the sphere when the baseline is).",
       source=f"{NOTE000}, 'Perturbing weight initialization'",
       method="baseline uniform on the unit sphere in R^8, perturbed at eps = 0.7 by the intersection "
              "sampler; moments of a projection u: D E[u^2] = 1 and D (D + 2) E[u^4] / 3 = 1 (tolerance "
              "10%, plus 4 standard errors)")
def _same_distribution(ctx: Context) -> Verdict:
    from dynsys.perturb import perturb_on_sphere

    d, reps = 8, ctx.pick(10000, 100000)
    rng = np.random.default_rng(ctx.seed + 3)
    w0 = rng.standard_normal((reps, d))
    w0 /= np.linalg.norm(w0, axis=1, keepdims=True)
    w = np.stack([perturb_on_sphere(v, 0.7, seed=rng) for v in w0])
    x2, x4 = d * w[:, 0] ** 2, d * (d + 2) * w[:, 0] ** 4 / 3
    m = [float(x2.mean()), float(x4.mean())]
    se = [float(x2.std() / math.sqrt(reps)), float(x4.std() / math.sqrt(reps))]
    return compare_all(m, [1.0, 1.0], stderr=se, atol=ctx.pick(0.1, 0.03),
                       evidence=f"{reps} baseline/perturbed pairs; normalised moments {np.round(m, 4).tolist()}.")


@claim("dynsys.init.torch_default_eps_ratio",
       statement="'I'm assuming [eps/|w|] is > 1 for eps = 10' for PyTorch's default initialisation "
                 "(784-100-10 MLP).",
       source=f"{NOTE000}, 'One-hidden-layer Models'",
       method="initialise nn.Linear(784, 100), nn.Linear(100, 10) with PyTorch's default "
              "reset_parameters (Kaiming-uniform, a = sqrt 5, biases included), measure |w| over "
              "the whole parameter vector, and compute 10 / |w|")
def _eps_ratio(ctx: Context) -> Verdict:
    import torch

    with torch.random.fork_rng():  # torch's own init draws from the global generator: isolate it
        torch.manual_seed(ctx.seed)
        net = torch.nn.Sequential(torch.nn.Linear(784, 100), torch.nn.ReLU(), torch.nn.Linear(100, 10))
    norm = float(torch.cat([p.detach().reshape(-1) for p in net.parameters()]).norm())
    expected_sq = sum(n / (3 * f) for n, f in ((78400 + 100, 784), (1000 + 10, 100)))
    ratio = 10 / norm
    return decide(ratio > 1, measured=round(ratio, 4), expected="> 1", tolerance="strict",
                  evidence=f"|w| = {norm:.4f} (expected sqrt(sum n/(3 fan_in)) = {math.sqrt(expected_sq):.4f}), "
                           f"so eps/|w| = {ratio:.3f} for eps = 10; note eps = 10 exceeds |w| but not "
                           f"2|w| = {2 * norm:.2f}.")


def _relu_net(widths, seed):
    import torch

    from dynsys.experiments import mlp

    return mlp(widths, seed=seed, dtype=torch.float64)


@claim("dynsys.symmetry.permutation",
       statement="'you can permute two columns in one layer, and as long as you permute the "
                 "corresponding rows in the next layer, the overall computation is unaffected.'",
       source=f"{NOTE001}, 'Symmetries of Neural Networks'",
       method="random permutations of the hidden units of a 64-100-50-10 ReLU MLP (float64); max "
              "output difference on the 1797 digits images")
def _perm_symmetry(ctx: Context) -> Verdict:
    import torch
    from sklearn.datasets import load_digits

    net = _relu_net((64, 100, 50, 10), ctx.seed)
    X = torch.as_tensor(load_digits().data, dtype=torch.float64) / 16
    rng = np.random.default_rng(ctx.seed)
    ref = net(X).detach()
    lin = [m for m in net if isinstance(m, torch.nn.Linear)]
    with torch.no_grad():
        for a, b in zip(lin[:-1], lin[1:]):
            p = torch.as_tensor(rng.permutation(a.out_features))
            a.weight.copy_(a.weight[p])
            a.bias.copy_(a.bias[p])
            b.weight.copy_(b.weight[:, p])
    diff = float((net(X).detach() - ref).abs().max())
    return compare(diff, 0.0, atol=1e-12, evidence=f"max |f_perm(x) - f(x)| = {diff:.2e} on 1797 images.")


@claim("dynsys.symmetry.relu_rescaling",
       statement="'with ReLU networks, you can scale up the inputs to a layer as long as you scale the "
                 "outputs accordingly, ReLU(x) = alpha ReLU(x / alpha), for any alpha > 0.'",
       source=f"{NOTE001}, 'Symmetries of Neural Networks'",
       method="multiply each hidden unit's incoming weights and bias by alpha ~ LogUniform(0.1, 10) "
              "and its outgoing weights by 1/alpha in a 64-100-10 ReLU MLP (float64); relative max "
              "output difference on the digits")
def _relu_rescaling(ctx: Context) -> Verdict:
    import torch
    from sklearn.datasets import load_digits

    net = _relu_net((64, 100, 10), ctx.seed)
    X = torch.as_tensor(load_digits().data, dtype=torch.float64) / 16
    ref = net(X).detach()
    alpha = torch.as_tensor(np.exp(np.random.default_rng(ctx.seed).uniform(np.log(0.1), np.log(10), 100)))
    with torch.no_grad():
        net[0].weight.mul_(alpha[:, None])
        net[0].bias.mul_(alpha)
        net[2].weight.div_(alpha[None, :])
    diff = float((net(X).detach() - ref).abs().max() / ref.abs().max())
    return compare(diff, 0.0, atol=1e-12, evidence=f"relative max output change {diff:.2e}.")


@claim("dynsys.symmetry.rescaling_l2",
       statement="The ReLU rescaling symmetry 'breaks down in the presence of regularization if two "
                 "subsequent layers have different widths' (read: with L2 regularisation it survives "
                 "when subsequent layers have equal widths).",
       source=f"{NOTE001}, 'Symmetries of Neural Networks', footnote 1",
       method="rescale every unit of the hidden layer by alpha = 2 (incoming x alpha, outgoing / alpha) "
              "in 64-64-64 (equal widths) and 64-100-10 ReLU MLPs; measure the change of the L2 "
              "penalty |w|^2 (the data loss is unchanged to 1e-12)")
def _rescaling_l2(ctx: Context) -> Verdict:
    import torch

    changes, fchanges = {}, {}
    x = torch.randn(32, 64, dtype=torch.float64, generator=torch.Generator().manual_seed(ctx.seed))
    for widths in ((64, 64, 64), (64, 100, 10)):
        net = _relu_net(widths, ctx.seed)
        before = float(sum((p.detach() ** 2).sum() for p in net.parameters()))
        out = net(x).detach()
        with torch.no_grad():
            net[0].weight.mul_(2.0)
            net[0].bias.mul_(2.0)
            net[2].weight.div_(2.0)
        after = float(sum((p.detach() ** 2).sum() for p in net.parameters()))
        changes[widths] = (after - before) / before
        fchanges[widths] = float((net(x).detach() - out).abs().max())
    eq = changes[(64, 64, 64)]
    return compare(abs(eq), 0.0, atol=1e-9,
                   evidence=f"relative change of |w|^2 under alpha = 2: equal widths {eq:+.3f}, "
                            f"64-100-10 {changes[(64, 100, 10)]:+.3f}; output changes "
                            f"{max(fchanges.values()):.1e}.",
                   corrected="An L2 penalty breaks the rescaling symmetry for every alpha != 1 except "
                             "one, whatever the widths: rescaling unit j changes the penalty by "
                             "(alpha^2 - 1)|w_in,j|^2 + (alpha^-2 - 1)|w_out,j|^2, zero only at "
                             "alpha^2 = |w_out,j| / |w_in,j| (the balanced point L2 selects).")


@claim("dynsys.autocorr.ar1_tau",
       statement="For AR(1) x_t = phi x_{t-1} + e_t the integrated autocorrelation time is "
                 "(1 + phi)/(1 - phi) (19 at phi = 0.9), and Sokal's automatic window estimates it.",
       source="A. D. Sokal, 'Monte Carlo methods in statistical mechanics' (1997); note 000, "
              "'Tracking Densities' (autocorrelations)",
       method="mean of dynsys.autocorr.integrated_time over 100 AR(1) chains of length 1e5 against "
              "19 (tolerance 0.5, plus 4 Madras-Sokal standard errors of the mean)")
def _ar1_tau(ctx: Context) -> Verdict:
    from dynsys.autocorr import ar1_series, autocorr_time

    reps = ctx.pick(100, 1000)
    res = autocorr_time(ar1_series(0.9, 100_000, n_series=reps, seed=ctx.seed))
    se = float(np.mean(res.stderr)) / math.sqrt(reps)
    return compare(float(np.mean(res.tau)), 19.0, stderr=se, atol=ctx.pick(0.5, 0.2),
                   evidence=f"{reps} chains, mean tau = {np.mean(res.tau):.3f}, spread "
                            f"{np.std(res.tau, ddof=1):.3f} (Madras-Sokal {np.mean(res.stderr):.3f}).")


def _digits_experiment(ctx: Context, **kw):
    from dynsys.experiments import run_experiment

    opts = dict(hidden=(100,), kind="init", eps=[0.1, 1.0], n_copies=ctx.pick(4, 10),
                optimizer="sgd", lr=0.1, batch_size=64, n_epochs=ctx.pick(10, 25), align=False,
                seed=ctx.seed, progress=ctx.progress)
    opts.update(kw)
    return run_experiment(**opts)


@claim("dynsys.pathdep.exp_then_linear",
       statement="'The rate of growth for d_w has a very short exponential period (shorter than a "
                 "single epoch), followed by a long linear period' (one-hidden-layer models, "
                 "identical batch schedules).",
       source=f"{NOTE000}, 'One-hidden-layer Models'",
       method="digits (1347 train images), 64-100-10 ReLU MLP, PyTorch default init, SGD lr 0.1, "
              "batch 64; copies perturbed on the init sphere at eps = 0.1 and 1; fit exponential, "
              "linear, sqrt and power laws (AIC) to the mean d_w in the first epoch and after it; "
              "HOLDS if the first epoch is best fitted by the exponential and the rest by the linear law")
def _exp_then_linear(ctx: Context) -> Verdict:
    res = _digits_experiment(ctx)
    phases = res.fit_phases("d_w")
    rows, verdicts = [], []
    for e, (early, late) in phases.items():
        for g, want in ((early, "exponential"), (late, "linear")):
            verdicts.append(None if not g.decisive else g.best == want)
        p = late.laws["power"].params[2] if "power" in late.laws else float("nan")
        rows.append(f"eps={e:g}: epoch<1 best {early.best} (dAIC {_daic(early)}), "
                    f"after best {late.best} (dAIC {_daic(late)}; power-law exponent {p:.2f})")
    ok = False if False in verdicts else (None if None in verdicts else True)
    return decide(ok, measured={f"{e:g}": [p[0].best, p[1].best] for e, p in phases.items()},
                  expected="exponential then linear",
                  tolerance="lowest AIC in each window, by at least 2 (else undecided)",
                  evidence="; ".join(rows) + f"; {res.config['n_epochs']} epochs, "
                           f"|w0| = {res.config['w0_norm']:.3f}.",
                  corrected="On the digits data the fitted laws are: " + "; ".join(rows) + ".",
                  figure=res.plot("d_w", fit=True))


def _daic(g) -> str:
    return ", ".join(f"{k} {v:.0f}" for k, v in sorted(g.delta_aic.items(), key=lambda kv: kv[1]) if v > 0)


@claim("dynsys.pathdep.weight_decay_shrinks",
       statement="'Weight Decay: ... Prediction: d_w will shrink (because |w| will shrink).'",
       source=f"{NOTE000}, 'One-hidden-layer Models' (predictions)",
       method="same digits experiment (eps = 1, same init, schedule and perturbations) with weight "
              "decay 0, 1e-3, 1e-2, 1e-1; HOLDS if the final mean d_w decreases with weight decay")
def _weight_decay(ctx: Context) -> Verdict:
    lams = (0.0, 1e-3, 1e-2, 1e-1)
    final, norms = [], []
    for lam in lams:
        res = _digits_experiment(ctx, eps=[1.0], weight_decay=lam, n_epochs=ctx.pick(5, 25),
                                 checkpoints=1)
        final.append(float(res.mean_curve("d_w")[1.0][-1]))
        norms.append(float(res["w_norm"][0, -1]))
    ok = all(a > b for a, b in zip(final, final[1:]))
    return decide(ok, measured=[round(f, 4) for f in final], expected="decreasing in lambda",
                  tolerance="strictly decreasing",
                  evidence=f"lambda = {lams}: final mean d_w = {[f'{f:.4f}' for f in final]}, "
                           f"baseline |w| = {[f'{n:.3f}' for n in norms]}.",
                  corrected=f"d_w at the end of training for lambda = {lams}: "
                            f"{[f'{f:.4f}' for f in final]} (not monotone).")

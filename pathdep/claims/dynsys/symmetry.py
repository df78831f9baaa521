"""Claims about the symmetries of networks (note 001, note 004) and distances between models (note 000).

Permutations of hidden units, ReLU rescaling (and what an L2 penalty does to it), the
non-generic symmetries of note 001's footnotes, and the distances of note 000's
"From Weight Space to Function Space" and "Lyapunov spectrum" sections: d_w under
permutations, the loss as a distance, and the L^p "metric" on function space.
"""

from __future__ import annotations

import math

import numpy as np

from pathdep.claims._common import NOTE000, NOTE001, NOTE004, cached, claim, fmt_list
from pathdep.claims.registry import Context
from pathdep.claims.verdict import Verdict, combine, compare, compare_all, decide

SYMM = f"{NOTE001}, 'Symmetries of Neural Networks'"
DIST = f"{NOTE000}, 'Lyapunov spectrum'"


def _relu_net(widths, seed):
    import torch

    from dynsys.experiments import mlp

    return mlp(widths, seed=seed, dtype=torch.float64)


@cached
def _digits_inputs():
    import torch
    from sklearn.datasets import load_digits

    return torch.as_tensor(load_digits().data, dtype=torch.float64) / 16


@claim("dynsys.symmetry.permutation",
       statement="'you can permute two columns in one layer, and as long as you permute the "
                 "corresponding rows in the next layer, the overall computation is unaffected.'",
       source=SYMM,
       method="random permutations of the hidden units of a 64-100-50-10 ReLU MLP (float64); max "
              "output difference on the 1797 digits images (must be below 1e-12)",
       counterfactual={"permute_next": False},
       counterfactual_text="permuting one layer's units without the next layer's columns keeps the function")
def _perm_symmetry(ctx: Context, *, permute_next: bool = True) -> Verdict:
    import torch

    net = _relu_net((64, 100, 50, 10), ctx.seed)
    X = _digits_inputs()
    rng = np.random.default_rng(ctx.seed)
    ref = net(X).detach()
    lin = [m for m in net if isinstance(m, torch.nn.Linear)]
    with torch.no_grad():
        for a, b in zip(lin[:-1], lin[1:]):
            p = torch.as_tensor(rng.permutation(a.out_features))
            a.weight.copy_(a.weight[p])
            a.bias.copy_(a.bias[p])
            if permute_next:
                b.weight.copy_(b.weight[:, p])
    diff = float((net(X).detach() - ref).abs().max())
    return compare(diff, 0.0, atol=1e-12, evidence=f"max |f_perm(x) - f(x)| = {diff:.2e} on 1797 images "
                                                    f"(next layer permuted: {permute_next}).")


def _rescale_check(ctx: Context, alphas: np.ndarray) -> float:
    import torch

    net = _relu_net((64, 100, 10), ctx.seed)
    X = _digits_inputs()
    ref = net(X).detach()
    a = torch.as_tensor(alphas)
    with torch.no_grad():
        net[0].weight.mul_(a[:, None])
        net[0].bias.mul_(a)
        net[2].weight.div_(a[None, :])
    return float((net(X).detach() - ref).abs().max() / ref.abs().max())


@claim("dynsys.symmetry.relu_rescaling",
       statement="'with ReLU networks, you can scale up the inputs to a layer as long as you scale the "
                 "outputs accordingly, ReLU(x) = alpha ReLU(x / alpha), for any alpha > 0.'",
       source=SYMM,
       method="multiply each hidden unit's incoming weights and bias by alpha ~ LogUniform(0.1, 10) "
              "and its outgoing weights by 1/alpha in a 64-100-10 ReLU MLP (float64); relative max "
              "output difference on the digits (below 1e-12)",
       counterfactual={"sign": -1.0}, counterfactual_text="the same for alpha < 0")
def _relu_rescaling(ctx: Context, *, sign: float = 1.0) -> Verdict:
    alpha = sign * np.exp(np.random.default_rng(ctx.seed).uniform(np.log(0.1), np.log(10), 100))
    diff = _rescale_check(ctx, alpha)
    return compare(diff, 0.0, atol=1e-12, evidence=f"relative max output change {diff:.2e} "
                                                    f"(alpha in [{alpha.min():.3g}, {alpha.max():.3g}]).")


@claim("dynsys.symmetry.rescaling_note004",
       statement="'Given a two layer feedforward network with ReLU, multiply the first layer by alpha and "
                 "dividing the next by alpha implements the same function' (note 004, with no sign "
                 "condition on alpha).",
       short="Two-layer ReLU net: first layer x alpha, next / alpha, same function, any alpha.",
       source=f"{NOTE004}, footnote to 'Very brief SLT context'",
       method="as dynsys.symmetry.relu_rescaling with one alpha for the whole layer, alpha in "
              "{-2, -0.5, 0.5, 2}",
       counterfactual={"alphas": (-1.0,)}, counterfactual_text="the same function at alpha = -1",
       corrected_by=("dynsys.symmetry.relu_rescaling",))
def _rescaling_note004(ctx: Context, *, alphas: tuple = (-2.0, -0.5, 0.5, 2.0)) -> Verdict:
    diffs = [_rescale_check(ctx, np.full(100, a)) for a in alphas]
    return compare_all(diffs, [0.0] * len(diffs), atol=1e-12,
                       evidence="relative output change per alpha: "
                                + ", ".join(f"{a:g}: {d:.2e}" for a, d in zip(alphas, diffs)),
                       corrected="Only for alpha > 0: ReLU(alpha z) = alpha ReLU(z) needs alpha >= 0; a negative "
                                 "alpha flips which side of each unit's boundary is active.")


def _l2_penalty_change(widths, seed: int, alpha: float = 2.0) -> tuple[float, float]:
    import torch

    net = _relu_net(widths, seed)
    x = torch.randn(32, widths[0], dtype=torch.float64, generator=torch.Generator().manual_seed(seed))
    before = float(sum((p.detach() ** 2).sum() for p in net.parameters()))
    out = net(x).detach()
    with torch.no_grad():
        net[0].weight.mul_(alpha)
        net[0].bias.mul_(alpha)
        net[2].weight.div_(alpha)
    after = float(sum((p.detach() ** 2).sum() for p in net.parameters()))
    return (after - before) / before, float((net(x).detach() - out).abs().max())


_CORRECTED_L2 = ("An L2 penalty breaks the rescaling symmetry whatever the widths: rescaling unit j by alpha changes "
                 "the penalty by (alpha^2 - 1)|w_in,j|^2 + (alpha^-2 - 1)|w_out,j|^2 (w_in with the bias), which "
                 "vanishes only at alpha = 1 and at alpha^2 = |w_out,j|^2 / |w_in,j|^2, and is smallest at "
                 "alpha^2 = |w_out,j| / |w_in,j| (the balanced point that L2 selects).")


@claim("dynsys.symmetry.rescaling_l2",
       statement="Converse reading of footnote 1 ('breaks down in the presence of regularization if two "
                 "subsequent layers have different widths'): with L2 regularisation the rescaling symmetry "
                 "survives when subsequent layers have equal widths.",
       short="Converse of note 001's footnote 1: L2 keeps rescaling when widths are equal.",
       source=f"{SYMM}, footnote 1 (converse; the literal footnote is dynsys.symmetry.rescaling_l2_footnote)",
       method="rescale every unit of the hidden layer by alpha = 2 (incoming x alpha, outgoing / alpha) "
              "in a 64-64-64 MLP (equal widths); measure the relative change of the L2 penalty |w|^2 "
              "(the data loss is unchanged to 1e-12)",
       counterfactual={"widths": (64, 100, 10)},
       counterfactual_text="the symmetry survives L2 for subsequent widths 100 and 10",
       corrected_by=("dynsys.symmetry.rescaling_l2_penalty",))
def _rescaling_l2(ctx: Context, *, widths: tuple = (64, 64, 64)) -> Verdict:
    change, out = _l2_penalty_change(widths, ctx.seed)
    other, _ = _l2_penalty_change((64, 100, 10), ctx.seed)
    return compare(abs(change), 0.0, atol=1e-9,
                   evidence=f"relative change of |w|^2 under alpha = 2: widths {widths}: {change:+.3f}; "
                            f"64-100-10: {other:+.3f}; output change {out:.1e}.",
                   corrected=_CORRECTED_L2)


@claim("dynsys.symmetry.rescaling_l2_footnote",
       statement="Footnote 1, literally: the ReLU rescaling symmetry 'breaks down in the presence of "
                 "regularization if two subsequent layers have different widths'.",
       short="Note 001 footnote 1: L2 breaks rescaling when widths differ.",
       source=f"{SYMM}, footnote 1",
       method="rescale the hidden layer of a 64-100-10 ReLU MLP by alpha = 2: the L2 penalty must change "
              "(relative change beyond 1e-9) while the function does not (below 1e-12)",
       counterfactual={"breaks": False},
       counterfactual_text="the symmetry survives L2 when subsequent widths differ")
def _rescaling_l2_footnote(ctx: Context, *, breaks: bool = True) -> Verdict:
    change, out = _l2_penalty_change((64, 100, 10), ctx.seed)
    broken = abs(change) > 1e-9 and out < 1e-12
    return decide(broken == breaks, measured=f"relative penalty change {change:+.3f}; output change {out:.1e}",
                  expected="penalty changes (symmetry broken)" if breaks else "penalty unchanged",
                  tolerance="|change| > 1e-9 with output change < 1e-12",
                  evidence="The literal footnote holds, though the widths play no role: see "
                           "dynsys.symmetry.rescaling_l2 and dynsys.symmetry.rescaling_l2_penalty.")


@cached
def _penalty_geometry(seed: int):
    """Per hidden unit: penalty change at random alphas, its non-trivial zero and its minimiser, by numerics."""
    import torch
    from scipy.optimize import brentq, minimize_scalar

    net = _relu_net((64, 100, 10), seed)
    W1, b1, W2 = (net[0].weight.detach().numpy(), net[0].bias.detach().numpy(), net[2].weight.detach().numpy())
    params = [p.detach().numpy().copy() for p in net.parameters()]
    base = sum(float((p ** 2).sum()) for p in params)
    rng = np.random.default_rng(seed)
    rows = []
    for j in rng.choice(W1.shape[0], 6, replace=False):
        def penalty(alpha, j=j):  # the whole network's |w|^2 after rescaling unit j
            p = [q.copy() for q in params]
            p[0][j] *= alpha
            p[1][j] *= alpha
            p[2][:, j] /= alpha
            return sum(float((q ** 2).sum()) for q in p) - base
        a_in = float(W1[j] @ W1[j] + b1[j] ** 2)
        a_out = float(W2[:, j] @ W2[:, j])
        best = float(minimize_scalar(penalty, bounds=(1e-3, 1e3), method="bounded",
                                     options={"xatol": 1e-12}).x)
        # the zero other than alpha = 1 lies beyond the minimiser, on the side away from 1
        zero = brentq(penalty, best, 1e3, xtol=1e-14) if best > 1 else brentq(penalty, 1e-3, best, xtol=1e-14)
        alphas = rng.uniform(0.2, 5.0, 3)
        formula_err = max(abs(penalty(a) - ((a * a - 1) * a_in + (a ** -2 - 1) * a_out)) for a in alphas)
        rows.append((a_in, a_out, zero, best, formula_err))
    return rows


@claim("dynsys.symmetry.rescaling_l2_penalty",
       statement="Rescaling hidden unit j by alpha (incoming weights and bias x alpha, outgoing / alpha) changes "
                 "the L2 penalty by (alpha^2 - 1)|w_in,j|^2 + (alpha^-2 - 1)|w_out,j|^2: zero only at alpha = 1 "
                 "and alpha^2 = |w_out,j|^2 / |w_in,j|^2, smallest at alpha^2 = |w_out,j| / |w_in,j|.",
       short="L2 penalty under unit rescaling: zero at alpha^2 = |w_out|^2/|w_in|^2, minimal at |w_out|/|w_in|.",
       source=f"{SYMM}, footnote 1 (corrected)",
       method="for 6 units of a 64-100-10 MLP: the network's penalty after rescaling against the formula at "
              "random alpha; its second zero by root finding (brentq) and its minimiser by bounded "
              "minimisation, against the two closed forms (relative 1e-6)",
       counterfactual={"minimiser": "|w_out|^2/|w_in|^2"},
       counterfactual_text="the penalty is smallest at alpha^2 = |w_out|^2 / |w_in|^2")
def _rescaling_l2_penalty(ctx: Context, *, minimiser: str = "|w_out|/|w_in|") -> Verdict:
    rows = _penalty_geometry(ctx.seed)
    zeros = [z * z / (ao / ai) for ai, ao, z, _, _ in rows]
    mins = [b * b / (math.sqrt(ao / ai) if minimiser == "|w_out|/|w_in|" else ao / ai) for ai, ao, _, b, _ in rows]
    ferr = max(r[4] for r in rows)
    return compare_all(zeros + mins + [1.0 + ferr], [1.0] * (2 * len(rows) + 1), rtol=1e-6,
                       evidence=f"zero alpha^2 / (|w_out|^2/|w_in|^2) = {fmt_list(zeros, 8)}; minimiser alpha^2 / "
                                f"({minimiser}) = {fmt_list(mins, 8)}; largest formula error {ferr:.1e}.")


@claim("dynsys.symmetry.sign_flip_sum_zero",
       statement="'For a given set of weights which sum to 0, you can flip the signs of each of the weights, "
                 "and the sum stays 0.'",
       short="Note 001 footnote 2: weights summing to 0 still sum to 0 after a sign flip.",
       source=f"{SYMM}, footnote 2",
       method="1000 random weight vectors (D = 100) projected to sum 0; |sum of -w| after the flip (below "
              "1e-12 relative to |w|)",
       counterfactual={"sum_zero": False},
       counterfactual_text="the sum is unchanged by the flip for any weights (not summing to 0)")
def _sign_flip(ctx: Context, *, sum_zero: bool = True) -> Verdict:
    rng = np.random.default_rng(ctx.seed)
    w = rng.standard_normal((1000, 100))
    if sum_zero:
        w -= w.mean(axis=1, keepdims=True)
    change = float(np.max(np.abs((-w).sum(axis=1) - w.sum(axis=1)) / np.linalg.norm(w, axis=1)))
    return compare(change, 0.0, atol=1e-12, evidence=f"largest |sum(-w) - sum(w)| / |w| = {change:.2e} "
                                                      f"(weights summing to 0: {sum_zero}).")


@claim("dynsys.symmetry.degenerate_neurons",
       statement="'interpolating between two degenerate neurons that have the same ingoing weights' is a "
                 "symmetry: with equal incoming weights, only the sum of their outgoing weights matters.",
       short="Two hidden units with equal ingoing weights: outgoing weights can be interpolated freely.",
       source=SYMM,
       method="a 64-100-10 ReLU MLP with unit 1's incoming weights and bias set to unit 0's; moving the "
              "outgoing weight between them (a_0 = t s, a_1 = (1 - t) s, s = a_0 + a_1, t in [-1, 2]) "
              "changes the outputs on the digits by less than 1e-12 (relative)",
       counterfactual={"same_ingoing": False},
       counterfactual_text="the interpolation keeps the function for units with different incoming weights")
def _degenerate(ctx: Context, *, same_ingoing: bool = True) -> Verdict:
    import torch

    net = _relu_net((64, 100, 10), ctx.seed)
    X = _digits_inputs()
    with torch.no_grad():
        if same_ingoing:
            net[0].weight[1] = net[0].weight[0]
            net[0].bias[1] = net[0].bias[0]
        ref = net(X)
        s = net[2].weight[:, 0] + net[2].weight[:, 1]
        worst = 0.0
        for t in np.linspace(-1, 2, 7):
            net[2].weight[:, 0] = t * s
            net[2].weight[:, 1] = (1 - t) * s
            worst = max(worst, float((net(X) - ref).abs().max() / ref.abs().max()))
    return compare(worst, 0.0, atol=1e-12, evidence=f"largest relative output change over t: {worst:.2e} "
                                                     f"(same ingoing weights: {same_ingoing}).")


# --------------------------------------------------------------------------- distances
@claim("dynsys.distance.permutation_dw_misleading",
       statement="'different choices of w can map to the same function f ... As a result, notions of "
                 "similarity and distance in W can be misleading': a permuted copy of a network has a large "
                 "d_w but the same function, and permutation alignment (Ainsworth et al.) brings d_w to 0.",
       short="A permuted copy: large d_w, same function; aligned d_w = 0.",
       source=f"{NOTE000}, 'From Weight Space to Function Space' and 'Measuring distance' (d_w^perm)",
       method="a 64-100-10 ReLU MLP and a copy with its hidden units permuted: relative d_w (above 0.5), "
              "relative output difference on the digits (below 1e-12) and the relative distance after "
              "dynsys.experiments.align_mlp (below 1e-12)",
       counterfactual={"aligned_distance": "large"},
       counterfactual_text="alignment leaves the permuted copy far away (d_w^perm / |w| > 0.5)")
def _perm_dw(ctx: Context, *, aligned_distance: str = "zero") -> Verdict:
    import torch

    from dynsys.experiments import align_mlp

    net = _relu_net((64, 100, 10), ctx.seed)
    X = _digits_inputs()
    w = torch.cat([p.detach().reshape(-1) for p in net.parameters()]).numpy().copy()
    ref = net(X).detach()
    p = torch.as_tensor(np.random.default_rng(ctx.seed).permutation(100))
    with torch.no_grad():
        net[0].weight.copy_(net[0].weight[p])
        net[0].bias.copy_(net[0].bias[p])
        net[2].weight.copy_(net[2].weight[:, p])
    wp = torch.cat([q.detach().reshape(-1) for q in net.parameters()]).numpy()
    rel_dw = float(np.linalg.norm(wp - w) / np.linalg.norm(w))
    out = float((net(X).detach() - ref).abs().max() / ref.abs().max())
    aligned, _ = align_mlp(net, w, wp)
    rel_perm = float(np.linalg.norm(aligned - w) / np.linalg.norm(w))
    parts = [decide(rel_dw > 0.5, measured=rel_dw, expected="> 0.5", evidence=f"d_w/|w| = {rel_dw:.3f}"),
             compare(out, 0.0, atol=1e-12, evidence=f"output change {out:.1e}"),
             (compare(rel_perm, 0.0, atol=1e-12, evidence=f"d_w^perm/|w| = {rel_perm:.1e}")
              if aligned_distance == "zero" else
              decide(rel_perm > 0.5, measured=rel_perm, expected="> 0.5", evidence=f"d_w^perm/|w| = {rel_perm:.1e}"))]
    return combine(parts, measured={"d_w/|w|": round(rel_dw, 4), "output change": out, "d_w^perm/|w|": rel_perm},
                   expected={"d_w/|w|": "> 0.5", "output change": 0,
                             "d_w^perm/|w|": 0 if aligned_distance == "zero" else "> 0.5"},
                   tolerance="1e-12 for the zeros")


def _kl(p, q):
    return np.sum(p * (np.log(p) - np.log(q)), axis=-1)


@cached
def _triangle_search(seed: int, which: str, n: int = 200_000) -> tuple[float, int]:
    """Largest triangle-inequality violation d(p, r) - d(p, q) - d(q, r) over random triples of distributions."""
    rng = np.random.default_rng(seed)
    k = 3
    P, Q, R = (rng.dirichlet(np.full(k, 0.5), n) for _ in range(3))
    P, Q, R = (np.clip(A, 1e-12, None) / np.clip(A, 1e-12, None).sum(axis=1, keepdims=True) for A in (P, Q, R))

    def d(a, b):
        if which.startswith("jeffreys"):
            return _kl(a, b) + _kl(b, a)
        m = (a + b) / 2
        js = np.clip(0.5 * _kl(a, m) + 0.5 * _kl(b, m), 0.0, None)
        return np.sqrt(js) if which == "sqrt_js" else js

    gap = d(P, R) - d(P, Q) - d(Q, R)
    return float(gap.max()), int(np.sum(gap > 1e-12))


@claim("dynsys.distance.symmetrised_kl_metric",
       statement="'As long as l is a suitable metric (or easily converted into a metric through, e.g., "
                 "symmetrization), d will be too', read for the classification loss: the symmetrised "
                 "Kullback-Leibler divergence KL(p||q) + KL(q||p) between predictive distributions is a metric.",
       short="Symmetrised KL between predictive distributions is a metric.",
       source=DIST,
       method="200000 random triples of distributions on 3 classes (Dirichlet(1/2)): largest violation of "
              "the triangle inequality d(p, r) <= d(p, q) + d(q, r); a metric has none (above 1e-12)",
       counterfactual={"divergence": "js"},
       counterfactual_text="the Jensen-Shannon divergence (a symmetrised KL to the mixture) is a metric",
       corrected_by=("dynsys.distance.js_sqrt_metric",))
def _sym_kl(ctx: Context, *, divergence: str = "jeffreys") -> Verdict:
    worst, count = _triangle_search(ctx.seed, divergence)
    return compare(max(worst, 0.0), 0.0, atol=1e-12,
                   measured_label=f"largest violation {worst:.3g} ({count} of 200000 triples)",
                   expected_label="no violation",
                   evidence=f"divergence {divergence}.",
                   corrected="Symmetrising the KL divergence does not give a metric (the triangle inequality "
                             "fails); the square root of the Jensen-Shannon divergence is one (Endres & "
                             "Schindelin 2003).")


@claim("dynsys.distance.js_sqrt_metric",
       statement="The square root of the Jensen-Shannon divergence between predictive distributions is a metric.",
       short="sqrt(Jensen-Shannon) is a metric.",
       source=f"{DIST} (corrected); D. M. Endres, J. E. Schindelin, IEEE Trans. Inf. Theory 49 (2003) 1858-1860",
       method="as dynsys.distance.symmetrised_kl_metric with sqrt(JS): no violation above 1e-12",
       counterfactual={"divergence": "js"},
       counterfactual_text="the Jensen-Shannon divergence itself (without the root) is a metric")
def _js(ctx: Context, *, divergence: str = "sqrt_js") -> Verdict:
    worst, count = _triangle_search(ctx.seed, divergence)
    return compare(max(worst, 0.0), 0.0, atol=1e-12,
                   measured_label=f"largest violation {worst:.3g} ({count} of 200000 triples)",
                   expected_label="no violation", evidence=f"divergence {divergence}.")


@claim("dynsys.distance.same_performance_identical",
       statement="'two functions will be seen as identical as long as they have the same performance on the "
                 "dataset in question' (d(f1, f2) = (1/N) sum_i l(f1(x_i), f2(x_i)), f2 taken as the truth).",
       short="d(f1, f2) = 0 whenever f1, f2 perform equally on the data.",
       source=DIST,
       method="two classifiers on 1000 binary-labelled points with equal accuracy (each right on a different "
              "half): d with the 0-1 loss between their outputs, against 0",
       counterfactual={"accuracy_gap": 0.5},
       counterfactual_text="d = 0 for a classifier right everywhere and one right on half the data",
       corrected_by=("dynsys.distance.pseudometric_zero_on_data",))
def _same_performance(ctx: Context, *, accuracy_gap: float = 0.0) -> Verdict:
    rng = np.random.default_rng(ctx.seed)
    y = rng.integers(0, 2, 1000)
    f1 = y.copy()
    f1[500:] = 1 - y[500:]                       # right on the first half
    f2 = y.copy()
    if accuracy_gap == 0.0:
        f2[:500] = 1 - y[:500]                   # right on the second half: same accuracy
    acc = (float(np.mean(f1 == y)), float(np.mean(f2 == y)))
    d = float(np.mean(f1 != f2))
    return compare(d, 0.0, atol=1e-12, measured_label=f"d(f1, f2) = {d:g} with accuracies {acc}",
                   expected_label="0", evidence=f"accuracies {acc[0]:.3f} and {acc[1]:.3f}.",
                   corrected="d(f1, f2) = 0 exactly when f1 and f2 give the same outputs on the data points "
                             "(d is a pseudo-metric): equal performance is not enough, while functions that agree "
                             "on the data but differ elsewhere are 'identical'.")


@claim("dynsys.distance.pseudometric_zero_on_data",
       statement="With l a metric on outputs, d(f1, f2) = (1/N) sum_i l(f1(x_i), f2(x_i)) vanishes exactly when f1 and "
                 "f2 agree on the data: it is a pseudo-metric, blind to differences off the data.",
       short="d(f1, f2) = 0 iff f1 = f2 on the data (a pseudo-metric).",
       source=f"{DIST} (corrected)",
       method="a 64-100-10 ReLU MLP f1 and f2 = f1 plus a ReLU bump that is zero on the 1797 digits (threshold "
              "above every data projection): d on the data (absolute-error loss) against 0, and their "
              "difference at a point off the data (must exceed 1)",
       counterfactual={"sees_off_data": True},
       counterfactual_text="d(f1, f2) = 0 implies f1 = f2 everywhere")
def _pseudometric(ctx: Context, *, sees_off_data: bool = False) -> Verdict:
    import torch

    net = _relu_net((64, 100, 10), ctx.seed)
    X = _digits_inputs()
    v = torch.as_tensor(np.random.default_rng(ctx.seed).standard_normal(64))
    c = float((X @ v).max()) + 1.0

    def f2(x):
        return net(x) + torch.relu(x @ v - c)[:, None]

    with torch.no_grad():
        d_data = float((net(X) - f2(X)).abs().mean())
        x_off = (c + 5.0) * v[None, :] / float(v @ v)
        off = float((net(x_off) - f2(x_off)).abs().max())
    parts = [compare(d_data, 0.0, atol=1e-12, evidence=f"d on the data = {d_data:.1e}")]
    if sees_off_data:     # the wrong reading: d = 0 would force f1 = f2 off the data too
        parts.append(compare(off, 0.0, atol=1e-12, evidence=f"|f1 - f2| off the data = {off:.3g}"))
    else:
        parts.append(decide(off > 1.0, measured=off, expected="> 1", evidence=f"|f1 - f2| off the data = {off:.3g}"))
    return combine(parts, measured={"d(f1, f2) on data": d_data, "|f1 - f2| off data": round(off, 4)},
                   expected={"d on data": 0, "off data": "0" if sees_off_data else "> 1"},
                   tolerance="1e-12")


@cached
def _lp_triangle(seed: int, p: float, root: bool, n: int = 2000) -> tuple[float, int]:
    """Largest triangle violation of (int_0^1 |f - g|^p dx)^(1/p if root) over random step functions."""
    rng = np.random.default_rng(seed)
    F = rng.standard_normal((3, n, 64))        # step functions on 64 equal cells of [0, 1]

    def d(a, b):
        v = np.mean(np.abs(a - b) ** p, axis=-1)
        return v ** (1 / p) if root else v

    gap = d(F[0], F[2]) - d(F[0], F[1]) - d(F[1], F[2])
    half = (np.arange(64) < 32).astype(float)
    # structured triples: constants 0, 1, 2 and indicators of the two halves around 0
    special = [(np.zeros(64), np.ones(64), 2 * np.ones(64)), (half, np.zeros(64), 1 - half)]
    extra = np.array([d(a, c) - d(a, b) - d(b, c) for a, b, c in special])
    return float(max(gap.max(), extra.max())), int(np.sum(gap > 1e-12) + np.sum(extra > 1e-12))


@claim("dynsys.distance.lp_integral_metric",
       statement="F 'is equipped with a metric, d_F(f, g) = int |f(x) - g(x)|^p dx' (for p > 1).",
       short="d_F(f, g) = int |f - g|^p dx is a metric (p > 1).",
       source=f"{NOTE000}, closing section on function space",
       method="p = 2: the constant functions 0, 1, 2 on [0, 1], the indicators of the two halves of [0, 1] "
              "with 0 between them, and 2000 random triples of step functions; "
              "largest violation of the triangle inequality (a metric has none above 1e-12)",
       counterfactual={"p": 3.0}, counterfactual_text="(also) a metric for p = 3",
       corrected_by=("dynsys.distance.lp_root_metric",))
def _lp_integral(ctx: Context, *, p: float = 2.0) -> Verdict:
    worst, count = _lp_triangle(ctx.seed, p, False)
    return compare(max(worst, 0.0), 0.0, atol=1e-12,
                   measured_label=f"largest violation {worst:.3g} ({count} violating triples)",
                   expected_label="no violation",
                   evidence=f"p = {p:g}; for 0, 1, 2: d(0, 2) = {2 ** p:g} > d(0, 1) + d(1, 2) = 2.",
                   corrected="For p >= 1 the metric is the p-th root, (int |f - g|^p dx)^(1/p) (Minkowski's "
                             "inequality); without the root the triangle inequality fails for every p > 1.")


@claim("dynsys.distance.lp_root_metric",
       statement="(int |f - g|^p dx)^(1/p) is a metric on p-integrable functions (modulo equality almost "
                 "everywhere) for p >= 1.",
       short="L^p distance (int |f - g|^p)^(1/p) is a metric for p >= 1.",
       source=f"{NOTE000} (corrected); Minkowski's inequality, e.g. W. Rudin, 'Real and Complex Analysis' (1987), 3.5",
       method="as dynsys.distance.lp_integral_metric with the p-th root, p = 1, 2, 3: no violation above 1e-12",
       counterfactual={"ps": (0.5,)}, counterfactual_text="also for p = 1/2")
def _lp_root(ctx: Context, *, ps: tuple = (1.0, 2.0, 3.0)) -> Verdict:
    res = [_lp_triangle(ctx.seed, p, True) for p in ps]
    return compare_all([max(w, 0.0) for w, _ in res], [0.0] * len(ps), atol=1e-12,
                       evidence="; ".join(f"p = {p:g}: largest violation {w:.2e} ({c} triples)"
                                          for p, (w, c) in zip(ps, res)))

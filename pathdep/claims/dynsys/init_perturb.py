"""Claims of note 000's sections on initialisation and perturbation of the initial weights.

"Kaiming initialization is sampling from a hyperspherical shell", "Taking the thickness to
0" (Muller's method), "Perturbing weight initialization" (the naive Gaussian kick, the
intersection of two hyperspheres, the Householder reflection) and the sizes called eps
across the note.  Checked with ``dynsys.init`` and ``dynsys.perturb``; where a statement
concerns our own construction, the geometry is measured by an independent route
(points of the intersection found by root finding on great circles, the note's recipe
run literally).
"""

from __future__ import annotations

import math

import numpy as np

from pathdep.claims._common import NOTE000, cached, claim, fmt_list
from pathdep.claims.registry import Context
from pathdep.claims.verdict import Verdict, combine, compare, compare_all, decide

KAIMING = f"{NOTE000}, 'Kaiming initialization is sampling from a hyperspherical shell'"
PERTURB = f"{NOTE000}, 'Perturbing weight initialization'"
SHAPES = ((10, 10), (64, 16), (100, 10), (784, 2))  # (D_in, D_out)


@cached
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
       source=KAIMING,
       method="Monte Carlo over Kaiming-normal layers of four shapes; sample mean and variance of "
              "|w|^2 divided by D sigma^2 and 2 D sigma^4, compared with 1 (tolerance 10%, plus 4 "
              "standard errors)",
       counterfactual={"var_factor": 1}, counterfactual_text="var|w|^2 = D sigma^4")
def _kaiming_moments(ctx: Context, *, var_factor: float = 2) -> Verdict:
    reps = ctx.pick(4000, 40000)
    measured, stderr = [], []
    for i, (d_in, d_out) in enumerate(SHAPES):
        sq = _kaiming_norms(d_in, d_out, reps, ctx.seed + i) ** 2
        d, s2 = d_in * d_out, 2.0 / d_in
        measured += [sq.mean() / (d * s2), sq.var(ddof=1) / (var_factor * d * s2 ** 2)]
        # SE of the mean of chi^2_D / D and of the sample variance (4th moment 12 D (D + 4))
        stderr += [math.sqrt(2 / d / reps),
                   math.sqrt((12 * d * (d + 4) - (2 * d) ** 2 * (reps - 3) / (reps - 1)) / reps) / (var_factor * d)]
    return compare_all(measured, [1.0] * len(measured), stderr=stderr, atol=ctx.pick(0.1, 0.03), z=4.0,
                       evidence=f"{reps} draws per shape {SHAPES} (D_in, D_out); ratios "
                                f"E|w|^2/(D s^2), var|w|^2/({var_factor:g} D s^4) = {fmt_list(measured, 3)}.")


def _thickness(ctx: Context):
    reps = ctx.pick(3000, 20000)
    rows = []
    for i, (d_in, d_out) in enumerate(SHAPES):
        norms = _kaiming_norms(d_in, d_out, reps, ctx.seed + 10 + i)
        rel = float(norms.std(ddof=1) / norms.mean())
        sq = norms ** 2
        rel_sq = float(sq.std(ddof=1) / (math.sqrt(d_in * d_out) * math.sqrt(2 / d_in)))
        rows.append((d_in, d_out, rel, rel / math.sqrt(2 * (reps - 1)), rel_sq, rel_sq / math.sqrt(2 * (reps - 1))))
    return rows


@claim("dynsys.init.shell_thickness",
       statement="'So the thickness as a fraction of the radius is delta / (sqrt(D) sigma) = "
                 "sqrt(2) sigma = 2 / sqrt(D_in)', read with delta the thickness of the shell: the "
                 "spread std|w| of the radius.",
       short="Shell thickness std|w| / radius = 2 / sqrt(D_in).",
       source=KAIMING,
       method="measure std|w| / mean|w| over Kaiming-normal draws for four layer shapes and compare "
              "with 2/sqrt(D_in) (10 %, plus 4 standard errors); the exact chi-distribution value is "
              "shown alongside",
       counterfactual={"law": "4/sqrt(D_in)"}, counterfactual_text="thickness / radius = 4 / sqrt(D_in)",
       corrected_by=("dynsys.init.shell_thickness_corrected",))
def _shell_thickness(ctx: Context, *, law: str = "2/sqrt(D_in)") -> Verdict:
    from dynsys.init import shell_moments

    k = {"2/sqrt(D_in)": 2.0, "4/sqrt(D_in)": 4.0}[law]
    rows = _thickness(ctx)
    measured = [r[2] for r in rows]
    expected = [k / math.sqrt(r[0]) for r in rows]
    exact = [shell_moments(r[0] * r[1], math.sqrt(2 / r[0])).rel_thickness for r in rows]
    table = ", ".join(f"{(r[0], r[1])}: {m:.4g} (note {e:.4g}, exact {x:.4g})"
                      for r, m, e, x in zip(rows, measured, expected, exact))
    return compare_all(measured, expected, rtol=0.1, stderr=[r[3] for r in rows],
                       evidence=f"std|w|/mean|w| per (D_in, D_out): {table}.",
                       corrected="std|w| / E|w| = 1/sqrt(2D) to leading order, with D = D_in * D_out "
                                 "the number of entries, independent of sigma (|w|/sigma is chi_D). "
                                 "The note divides the spread of |w|^2 (units of |w|^2) by the radius "
                                 "(units of |w|): std|w| ~ std(|w|^2) / (2|w|) = sigma/sqrt(2), not sqrt(2D) sigma.",
                       details={"shapes": SHAPES, "measured": measured, "note": expected, "exact": exact})


@claim("dynsys.init.shell_thickness_corrected",
       statement="The relative thickness of the Kaiming shell is std|w| / E|w| ~ 1 / sqrt(2 D), D = D_in "
                 "D_out the number of weights (exactly: the chi_D value), independent of sigma.",
       short="Shell thickness std|w| / E|w| ~ 1/sqrt(2D) (chi_D).",
       source=f"{KAIMING} (corrected); the chi distribution, e.g. Johnson, Kotz & Balakrishnan, "
              "'Continuous Univariate Distributions' vol. 1 (1994), ch. 18",
       method="the same Monte Carlo as dynsys.init.shell_thickness against the exact chi_D value "
              "(dynsys.init.shell_moments); 10 %, plus 4 standard errors",
       counterfactual={"law": "1/sqrt(D_in)"}, counterfactual_text="std|w| / E|w| = 1 / sqrt(D_in)")
def _shell_thickness_corrected(ctx: Context, *, law: str = "chi") -> Verdict:
    from dynsys.init import shell_moments

    rows = _thickness(ctx)
    want = [shell_moments(r[0] * r[1], 1.0).rel_thickness if law == "chi" else 1 / math.sqrt(r[0])
            for r in rows]
    return compare_all([r[2] for r in rows], want, rtol=0.1, stderr=[r[3] for r in rows],
                       evidence=f"measured {fmt_list([r[2] for r in rows])} vs {law} {fmt_list(want)}; "
                                f"1/sqrt(2D) = {fmt_list([1 / math.sqrt(2 * r[0] * r[1]) for r in rows])}.")


@claim("dynsys.init.shell_thickness_var_reading",
       statement="'delta^2 ~ var[|w|^2]' read as delta = std(|w|^2): then delta / (sqrt(D) sigma) = "
                 "sqrt(2) sigma = 2 / sqrt(D_in), as the note's algebra gives (a ratio of |w|^2 to |w|, "
                 "so not a fraction of the radius).",
       short="With delta = std|w|^2: delta / (sqrt(D) sigma) = 2 / sqrt(D_in).",
       source=f"{KAIMING} (the reading of delta that the note's algebra follows)",
       method="Monte Carlo std(|w|^2) / (sqrt(D) sigma) over Kaiming-normal draws of four shapes against "
              "2/sqrt(D_in) (10 %, plus 4 standard errors)",
       counterfactual={"law": "2/D_in"}, counterfactual_text="delta / (sqrt(D) sigma) = 2 / D_in")
def _shell_thickness_var(ctx: Context, *, law: str = "2/sqrt(D_in)") -> Verdict:
    rows = _thickness(ctx)
    want = [2 / math.sqrt(r[0]) if law == "2/sqrt(D_in)" else 2 / r[0] for r in rows]
    return compare_all([r[4] for r in rows], want, rtol=0.1, stderr=[r[5] for r in rows],
                       evidence=f"std(|w|^2)/(sqrt(D) sigma) = {fmt_list([r[4] for r in rows])} vs {law} = "
                                f"{fmt_list(want)}; it has the units of |w| (sigma), so it is not the "
                                f"dimensionless 'fraction of the radius' the note calls it.")


@claim("dynsys.init.thickness_vanishes",
       statement="'for suitably wide networks (D_in -> infinity), the thickness of this shell goes to 0.'",
       source=KAIMING,
       method="measured std|w|/mean|w| for D_in = 10, 100, 1000, 10000 (D_out = 10): must decrease "
              "monotonically, and the largest width must be below 1% (exact value shown)",
       counterfactual={"trend": "grows"}, counterfactual_text="the thickness grows with D_in")
def _thickness_vanishes(ctx: Context, *, trend: str = "vanishes") -> Verdict:
    from dynsys.init import shell_moments

    reps = ctx.pick(100, 2000)
    widths = (10, 100, 1000, 10000)
    rel = []
    for w in widths:
        n = _kaiming_norms(w, 10, reps, ctx.seed + w)
        rel.append(float(np.std(n, ddof=1) / np.mean(n)))
    exact = [shell_moments(10 * w, math.sqrt(2 / w)).rel_thickness for w in widths]
    down = all(a > b for a, b in zip(rel, rel[1:]))
    ok = (down and rel[-1] < 0.01) if trend == "vanishes" else all(a < b for a, b in zip(rel, rel[1:]))
    return decide(ok, measured=[round(r, 5) for r in rel],
                  expected="decreasing to 0" if trend == "vanishes" else "increasing",
                  tolerance="monotone, last < 0.01",
                  evidence=f"D_in = {widths}: std|w|/mean|w| = {fmt_list(rel)} (exact {fmt_list(exact)}); it "
                           f"tends to 0, as 1/sqrt(2 D_in D_out), not as 2/sqrt(D_in).")


@claim("dynsys.init.muller_uniform",
       statement="Sampling each component from N(0, 1) and normalising the vector gives a point uniformly "
                 "distributed on the sphere (the Muller method), so thin_shell samples the sphere of "
                 "radius sqrt(D) sigma uniformly.",
       short="Normalised Gaussian vectors are uniform on the sphere (Muller).",
       source=f"{NOTE000}, 'Taking the thickness to 0'; M. E. Muller, Comm. ACM 2 (1959) 19-20",
       method="for D = 3 and 10: 20000 normalised vectors (the recipe with numpy, and dynsys.init.thin_shell); "
              "the Kolmogorov-Smirnov distance of u_1^2 from its exact law under uniformity, "
              "Beta(1/2, (D-1)/2), must be below 0.02 (the 1e-3 critical value is 0.014); |w| = sqrt(D) "
              "sigma to 1e-12",
       counterfactual={"component": "uniform"},
       counterfactual_text="normalising vectors of i.i.d. U(-1, 1) components gives the uniform law")
def _muller(ctx: Context, *, component: str = "normal") -> Verdict:
    import torch
    from scipy import stats

    from dynsys.init import thin_shell

    rng = np.random.default_rng(ctx.seed)
    n = 20000
    parts, rows = [], []
    for D in (3, 10):
        g = rng.standard_normal((n, D)) if component == "normal" else rng.uniform(-1, 1, (n, D))
        u = g / np.linalg.norm(g, axis=1, keepdims=True)
        samples = {"recipe": u}
        if component == "normal":
            # thin_shell puts the whole (n, D) tensor on the sphere of radius sqrt(n D) sigma (sigma = 1 at
            # fan_in = 2); by rotation invariance each row's direction is then uniform on S^(D-1)
            w = thin_shell((n, D), fan_in=2, seed=ctx.seed + D, dtype=torch.float64).numpy()
            samples["thin_shell"] = w / np.linalg.norm(w, axis=1, keepdims=True)
            parts.append(compare(abs(float(np.linalg.norm(w)) - math.sqrt(n * D)), 0.0, atol=1e-9,
                                 evidence=f"thin_shell |w| = {np.linalg.norm(w):.12f}, sqrt(D) sigma = "
                                          f"{math.sqrt(n * D):.12f}"))
        for name, s in samples.items():
            ks = float(stats.kstest(s[:, 0] ** 2, stats.beta(0.5, (D - 1) / 2).cdf).statistic)
            rows.append(f"D={D} {name}: KS {ks:.4f}")
            parts.append(compare(ks, 0.0, atol=0.02, evidence=f"D={D} {name}: KS distance {ks:.4f}"))
    return combine(parts, measured="; ".join(rows), expected="KS < 0.02 (uniform on the sphere)",
                   tolerance="KS distance of u_1^2 from Beta(1/2, (D-1)/2) below 0.02")


# --------------------------------------------------------------------------- PyTorch's default init
@cached
def _torch_default_norms(width: int, seed: int, reps: int) -> np.ndarray:
    import torch

    out = []
    with torch.random.fork_rng():  # torch's own init draws from the global generator: isolate it
        torch.manual_seed(seed)
        for _ in range(reps):
            net = torch.nn.Sequential(torch.nn.Linear(784, width), torch.nn.ReLU(), torch.nn.Linear(width, 10))
            out.append(float(torch.cat([p.detach().reshape(-1) for p in net.parameters()]).norm()))
    return np.array(out)


def _torch_default_formula(width: int) -> float:
    """E|w|^2 for nn.Linear(784, W), nn.Linear(W, 10): U(-1/sqrt(fan_in), 1/sqrt(fan_in)) entries."""
    return (784 * width + width) / (3 * 784) + (10 * width + 10) / (3 * width)


@claim("dynsys.init.torch_default_eps_ratio",
       statement="'I'm assuming [eps/|w|] is > 1 for eps = 10' for PyTorch's default initialisation "
                 "of a 784-100-10 MLP (hidden width 100; the note does not state it).",
       short="eps/|w| > 1 at eps = 10 for PyTorch's default 784-100-10 init.",
       source=f"{NOTE000}, 'One-hidden-layer Models'",
       method="initialise nn.Linear(784, 100), nn.Linear(100, 10) with PyTorch's default "
              "reset_parameters (Kaiming-uniform, a = sqrt 5, biases included), measure |w| over "
              "the whole parameter vector, and compute 10 / |w|",
       counterfactual={"threshold": 2.0}, counterfactual_text="eps/|w| > 2 at eps = 10")
def _eps_ratio(ctx: Context, *, threshold: float = 1.0) -> Verdict:
    norm = float(_torch_default_norms(100, ctx.seed, 1)[0])
    ratio = 10 / norm
    return decide(ratio > threshold, measured=round(ratio, 4), expected=f"> {threshold:g}", tolerance="strict",
                  evidence=f"|w| = {norm:.4f} (expected sqrt(sum n/(3 fan_in)) = "
                           f"{math.sqrt(_torch_default_formula(100)):.4f}), so eps/|w| = {ratio:.3f} for eps = 10.",
                  corrected=f"eps/|w| = {ratio:.3f} at width 100.")


@claim("dynsys.init.torch_default_eps_ratio_widths",
       statement="'I'm assuming [eps/|w|] is > 1 for eps = 10', read for PyTorch's default "
                 "initialisation of one-hidden-layer 784-W-10 MLPs of any hidden width W (the note does "
                 "not give W): widths 100, 300, 1000.",
       short="eps/|w| > 1 at eps = 10 for 784-W-10 default init, every width.",
       source=f"{NOTE000}, 'One-hidden-layer Models'",
       method="as dynsys.init.torch_default_eps_ratio at W = 100, 300, 1000 (one seeded init each)",
       counterfactual={"relation": "<", "threshold": 0.5},
       counterfactual_text="eps/|w| < 0.5 for every width",
       corrected_by=("dynsys.init.torch_default_norm",))
def _eps_ratio_widths(ctx: Context, *, relation: str = ">", threshold: float = 1.0) -> Verdict:
    widths = (100, 300, 1000)
    ratios = [10 / float(_torch_default_norms(w, ctx.seed, 1)[0]) for w in widths]
    cond = all((r > threshold) if relation == ">" else (r < threshold) for r in ratios)
    cross = next(w for w in range(50, 2000) if _torch_default_formula(w) > 100)
    return decide(cond, measured={f"W={w}": round(r, 3) for w, r in zip(widths, ratios)},
                  expected=f"{relation} {threshold:g} for every W", tolerance="strict",
                  evidence=f"eps/|w| at eps = 10: " + ", ".join(f"W={w}: {r:.3f}" for w, r in zip(widths, ratios))
                           + f". From E|w|^2 = (785 W)/(3 x 784) + (10 W + 10)/(3 W), eps/|w| > 1 for W < {cross}.",
                  corrected=f"eps = 10 exceeds |w| only for hidden widths below about {cross} "
                            f"(|w|^2 ~ 0.334 W + 3.3 under PyTorch's default init).")


@claim("dynsys.init.torch_default_norm",
       statement="PyTorch's default nn.Linear initialisation draws weights and biases from "
                 "U(-1/sqrt(fan_in), 1/sqrt(fan_in)), so a 784-W-10 MLP has E|w|^2 = (785 W)/(3 x 784) + "
                 "(10 W + 10)/(3 W).",
       short="PyTorch default init: E|w|^2 = sum (weights + biases) / (3 fan_in).",
       source="PyTorch documentation, torch.nn.Linear (weights and biases U(-sqrt(k), sqrt(k)), k = 1/in_features); "
              f"{NOTE000}, 'One-hidden-layer Models' (the corrected eps/|w|)",
       method="30 default initialisations per width W = 100, 300, 1000: mean |w|^2 against the formula "
              "(2 %, plus 4 standard errors)",
       counterfactual={"variance": "1/fan_in"},
       counterfactual_text="entries of variance 1/fan_in (E|w|^2 three times larger)")
def _torch_default_norm(ctx: Context, *, variance: str = "1/(3 fan_in)") -> Verdict:
    factor = 1.0 if variance == "1/(3 fan_in)" else 3.0
    widths = (100, 300, 1000)
    m, se, want = [], [], []
    for w in widths:
        sq = _torch_default_norms(w, ctx.seed + 1, 30) ** 2
        m.append(float(sq.mean()))
        se.append(float(sq.std(ddof=1) / math.sqrt(sq.size)))
        want.append(factor * _torch_default_formula(w))
    return compare_all(m, want, rtol=0.02, stderr=se,
                       evidence=f"mean |w|^2 for W = {widths}: {fmt_list(m, 5)} vs {variance} formula "
                                f"{fmt_list(want, 5)}.")


# --------------------------------------------------------------------------- two spheres
def _geometry_points(seed: int, D: int = 50, n: int = 20, fracs=(0.1, 0.5, 1.0, 1.5)):
    """Points on {|w| = |w0|, |w - w0| = eps} found by root finding on random great circles through w0.

    Independent of any formula for the intersection: w(phi) = r (cos phi w0_hat + sin phi u) with u a
    random unit vector orthogonal to w0, and phi solves |w(phi) - w0| = eps (brentq on [0, pi]).
    """
    from scipy.optimize import brentq

    rng = np.random.default_rng(seed)
    w0 = rng.standard_normal(D)
    r = float(np.linalg.norm(w0))
    unit = w0 / r
    out = {}
    for frac in fracs:
        eps = frac * r
        pts = []
        for _ in range(n):
            g = rng.standard_normal(D)
            u = g - (g @ unit) * unit
            u /= np.linalg.norm(u)
            phi = brentq(lambda p: np.linalg.norm(r * (math.cos(p) * unit + math.sin(p) * u) - w0) - eps,
                         0.0, math.pi, xtol=1e-15)
            pts.append(r * (math.cos(phi) * unit + math.sin(phi) * u))
        out[frac] = np.array(pts)
    return w0, r, unit, out


@cached
def _intersection(seed: int):
    w0, r, unit, pts = _geometry_points(seed)
    radius = {f: float(np.mean(np.linalg.norm(p - np.outer(p @ unit, unit), axis=1))) for f, p in pts.items()}
    offset = {f: float(np.mean(p @ unit)) for f, p in pts.items()}
    return r, radius, offset


_RADIUS = {"w0 cos(theta)": lambda r, c: r * c, "w0 sin(theta)": lambda r, c: r * math.sqrt(1 - c * c),
           "w0": lambda r, c: r}


@claim("dynsys.perturb.intersection_radius",
       statement="The intersection of the sphere |w| = w0 with the sphere of radius eps centred on w0 "
                 "is a lower-dimensional sphere of radius eps' = w0 cos(theta), "
                 "theta = arccos(1 - eps^2 / (2 w0^2)).",
       short="Intersection radius eps' = w0 cos(theta).",
       source=PERTURB,
       method="points of the intersection found by root finding on random great circles through w0 (no "
              "formula used), D = 50, eps/w0 = 0.1, 0.5, 1, 1.5: their distance from the axis through w0 "
              "against the formula (relative 1e-9)",
       counterfactual={"formula": "w0"}, counterfactual_text="eps' = w0",
       corrected_by=("dynsys.perturb.intersection_radius_sin",))
def _intersection_radius(ctx: Context, *, formula: str = "w0 cos(theta)") -> Verdict:
    r, radius, _ = _intersection(ctx.seed)
    fracs = sorted(radius)
    measured = [radius[f] for f in fracs]
    expected = [_RADIUS[formula](r, 1 - (f * r) ** 2 / (2 * r * r)) for f in fracs]
    return compare_all(measured, expected, rtol=1e-9,
                       evidence=f"eps/w0 = {fracs}: measured radius / w0 = {fmt_list(np.array(measured) / r, 6)}, "
                                f"{formula} / w0 = {fmt_list(np.array(expected) / r, 6)}.",
                       corrected="The intersection sphere has radius eps' = w0 sin(theta) = "
                                 "eps sqrt(1 - eps^2 / (4 w0^2)) (it equals w0 cos(theta) only at "
                                 "eps = sqrt(2) w0, the quarter turn).")


@claim("dynsys.perturb.intersection_radius_sin",
       statement="The intersection sphere has radius eps' = w0 sin(theta) = eps sqrt(1 - eps^2 / (4 w0^2)).",
       short="Intersection radius eps' = w0 sin(theta).",
       source=f"{PERTURB} (corrected)",
       method="as dynsys.perturb.intersection_radius, against w0 sin(theta)",
       counterfactual={"formula": "w0 cos(theta)"}, counterfactual_text="eps' = w0 cos(theta) (the note's)")
def _intersection_radius_sin(ctx: Context, *, formula: str = "w0 sin(theta)") -> Verdict:
    return _intersection_radius(ctx, formula=formula)


@claim("dynsys.perturb.intersection_offset",
       statement="The intersection sphere is translated along the baseline vector by w0' = w0 cos(theta).",
       source=PERTURB,
       method="projection on w0_hat of intersection points found by root finding on great circles (no "
              "formula used), for several eps / w0, against w0 cos(theta) (relative 1e-9)",
       counterfactual={"formula": "w0 sin(theta)"}, counterfactual_text="w0' = w0 sin(theta)")
def _intersection_offset(ctx: Context, *, formula: str = "w0 cos(theta)") -> Verdict:
    r, _, offset = _intersection(ctx.seed)
    fracs = sorted(offset)
    measured = [offset[f] for f in fracs]
    expected = [_RADIUS[formula](r, 1 - (f * r) ** 2 / (2 * r * r)) for f in fracs]
    return compare_all(measured, expected, rtol=1e-9,
                       evidence=f"projections / w0 = {fmt_list(np.array(measured) / r, 6)}; {formula} / w0 = "
                                f"{fmt_list(np.array(expected) / r, 6)}.")


@claim("dynsys.perturb.sampler_on_both_spheres",
       statement="dynsys.perturb.perturb_on_sphere draws points at distance eps from w0 on the sphere "
                 "|w| = |w0| (the set the note wants to sample), for eps from 0 to 2|w0|.",
       short="perturb_on_sphere output has |w| = |w0| and |w - w0| = eps.",
       source=f"{PERTURB} (our sampler of the note's set)",
       method="100 samples each for D = 2, 3, 50, 7510 and eps / |w0| in {1e-6, 0.1, 1, sqrt 2, 1.999, 2}: "
              "the largest relative errors of |w| and |w - w0| (must be below 1e-9)",
       counterfactual={"sampler": "gaussian"},
       counterfactual_text="the norm-eps Gaussian kick (perturb_gaussian) stays on the sphere")
def _sampler_on_both(ctx: Context, *, sampler: str = "sphere") -> Verdict:
    from dynsys.perturb import perturb_gaussian, perturb_on_sphere

    fn = perturb_on_sphere if sampler == "sphere" else perturb_gaussian
    rng = np.random.default_rng(ctx.seed + 5)
    worst_n = worst_d = 0.0
    for D in (2, 3, 50, 7510):
        w0 = rng.standard_normal(D)
        r = float(np.linalg.norm(w0))
        for frac in (1e-6, 0.1, 1.0, math.sqrt(2), 1.999, 2.0):
            w = fn(w0, frac * r, n=100, seed=rng)
            worst_n = max(worst_n, float(np.max(np.abs(np.linalg.norm(w, axis=1) / r - 1))))
            worst_d = max(worst_d, float(np.max(np.abs(np.linalg.norm(w - w0, axis=1) / (frac * r) - 1))))
    return compare_all([worst_n, worst_d], [0.0, 0.0], atol=1e-9,
                       measured_label={"max | |w|/|w0| - 1 |": worst_n, "max | |w - w0|/eps - 1 |": worst_d},
                       expected_label=0.0, evidence=f"sampler {sampler}.")


def _householder_image(c_sign: float, seed: int) -> tuple[float, float]:
    rng = np.random.default_rng(seed)
    to_plus, to_minus = [], []
    for _ in range(5):
        w0 = rng.standard_normal(50)
        u = w0 / np.linalg.norm(w0)
        n_hat = np.zeros(50)
        n_hat[-1] = 1.0
        c = n_hat + c_sign * u
        h_n = n_hat - 2 * (c @ n_hat) / (c @ c) * c
        to_plus.append(float(np.linalg.norm(h_n - u)))
        to_minus.append(float(np.linalg.norm(h_n + u)))
    return max(to_plus), max(to_minus)


@claim("dynsys.perturb.householder",
       statement="The Householder reflection H = I - 2 c c^T / (c^T c) with c = n_hat + w0_hat maps "
                 "n_hat = (0, ..., 0, 1) onto w0_hat.",
       source=PERTURB,
       method="apply H (the note's H y = y - 2 (c^T y / c^T c) c) to n_hat for random w0 (D = 50) and "
              "measure |H n_hat - w0_hat|",
       counterfactual={"target": "2 w0_hat"}, counterfactual_text="H maps n_hat onto 2 w0_hat",
       corrected_by=("dynsys.perturb.householder_corrected",))
def _householder(ctx: Context, *, target: str = "w0_hat") -> Verdict:
    to_plus, to_minus = _householder_image(+1.0, ctx.seed + 2)
    measured = to_plus if target == "w0_hat" else abs(to_plus - 1.0) + 1.0
    return compare(measured, 0.0, atol=1e-9,
                   measured_label=f"|H n_hat - {target}| = {measured:.3f}",
                   expected_label=0.0,
                   evidence=f"|H n_hat - w0_hat| = {to_plus:.3f} (= 2) while |H n_hat + w0_hat| = {to_minus:.1e}: "
                            f"with c = n_hat + w0_hat, H maps n_hat onto -w0_hat.",
                   corrected="With c = n_hat + w0_hat, H n_hat = -w0_hat; c = n_hat - w0_hat maps n_hat to "
                             "+w0_hat. Either reflection maps the hyperplane orthogonal to n_hat onto the "
                             "one orthogonal to w0_hat, so the sampler works with either sign once the "
                             "intersection radius is w0 sin(theta).")


@claim("dynsys.perturb.householder_corrected",
       statement="With c = n_hat - w0_hat, H = I - 2 c c^T / (c^T c) maps n_hat onto w0_hat (and c = n_hat + "
                 "w0_hat maps it onto -w0_hat).",
       short="Householder with c = n_hat - w0_hat maps n_hat to w0_hat.",
       source=f"{PERTURB} (corrected); A. S. Householder, J. ACM 5 (1958) 339-342",
       method="as dynsys.perturb.householder with c = n_hat - w0_hat",
       counterfactual={"c_sign": 1.0}, counterfactual_text="c = n_hat + w0_hat maps n_hat onto w0_hat")
def _householder_corrected(ctx: Context, *, c_sign: float = -1.0) -> Verdict:
    to_plus, to_minus = _householder_image(c_sign, ctx.seed + 2)
    return compare(to_plus, 0.0, atol=1e-9, measured_label=f"|H n_hat - w0_hat| = {to_plus:.2e}",
                   expected_label=0.0, evidence=f"c = n_hat {'-' if c_sign < 0 else '+'} w0_hat; "
                                                f"|H n_hat + w0_hat| = {to_minus:.3f}.")


def _recipe(seed: int, radius_fn: str, c_sign: float) -> tuple[float, float]:
    """The note's sampler run step by step: sphere of radius eps' in R^(D-1), reflection, translation."""
    rng = np.random.default_rng(seed)
    worst_norm = worst_dist = 0.0
    for frac in (0.1, 0.5, 1.0, 1.5):
        w0 = rng.standard_normal(50)
        r = float(np.linalg.norm(w0))
        u = w0 / r
        eps = frac * r
        cos_t = 1 - eps ** 2 / (2 * r ** 2)
        radius = _RADIUS[radius_fn](r, cos_t)
        y = rng.standard_normal(49)
        y = np.append(radius * y / np.linalg.norm(y), 0.0)       # sample S^(D-2) in the hyperplane x_D = 0
        c = np.eye(50)[-1] + c_sign * u
        hy = y - 2 * (c @ y) / (c @ c) * c                         # rotate: orthogonal to w0
        w = hy + r * cos_t * u                                     # translate along w0 by w0 cos(theta)
        worst_norm = max(worst_norm, abs(float(np.linalg.norm(w)) / r - 1))
        worst_dist = max(worst_dist, abs(float(np.linalg.norm(w - w0)) / eps - 1))
    return worst_norm, worst_dist


@claim("dynsys.perturb.note_recipe",
       statement="The note's procedure (sample a sphere of radius eps' = w0 cos(theta) in the hyperplane "
                 "normal to n_hat, reflect with c = n_hat + w0_hat, translate by w0 cos(theta) along w0_hat) "
                 "gives points on both spheres: |w| = w0 and |w - w0| = eps.",
       short="The note's sampling recipe lands on both spheres.",
       source=PERTURB,
       method="the recipe run literally for eps / w0 = 0.1, 0.5, 1, 1.5 (D = 50); largest relative errors "
              "of |w| and |w - w0| (must be below 1e-9)",
       counterfactual={"radius": "w0"}, counterfactual_text="the recipe with radius eps' = w0",
       corrected_by=("dynsys.perturb.recipe_corrected",))
def _note_recipe(ctx: Context, *, radius: str = "w0 cos(theta)") -> Verdict:
    n, d = _recipe(ctx.seed + 3, radius, +1.0)
    return compare_all([n, d], [0.0, 0.0], atol=1e-9,
                       measured_label={"max | |w|/w0 - 1 |": n, "max | |w - w0|/eps - 1 |": d}, expected_label=0.0,
                       evidence=f"radius {radius}, c = n_hat + w0_hat.",
                       corrected="With radius eps' = w0 sin(theta) the recipe lands on both spheres, whichever "
                                 "sign the reflection has (both map the hyperplane orthogonal to n_hat onto the "
                                 "one orthogonal to w0_hat).")


@claim("dynsys.perturb.recipe_corrected",
       statement="The note's procedure with radius eps' = w0 sin(theta) (reflection with c = n_hat + w0_hat "
                 "or n_hat - w0_hat, translation w0 cos(theta)) gives points on both spheres.",
       short="The recipe with radius w0 sin(theta) lands on both spheres.",
       source=f"{PERTURB} (corrected)",
       method="as dynsys.perturb.note_recipe with radius w0 sin(theta), both signs of c",
       counterfactual={"radius": "w0 cos(theta)"}, counterfactual_text="radius w0 cos(theta) (the note's)")
def _recipe_corrected(ctx: Context, *, radius: str = "w0 sin(theta)") -> Verdict:
    a = _recipe(ctx.seed + 3, radius, +1.0)
    b = _recipe(ctx.seed + 4, radius, -1.0)
    vals = [*a, *b]
    return compare_all(vals, [0.0] * 4, atol=1e-9, evidence=f"radius {radius}; c = n_hat +- w0_hat: "
                                                           f"errors {fmt_list(vals, 3)}.")


@cached
def _affine_dims(seed: int, D: int = 12):
    """Affine dimension of point clouds on the sphere |w| = r and on the intersection (root finding)."""
    rng = np.random.default_rng(seed)
    w0, r, unit, pts = _geometry_points(seed + 7, D=D, n=4 * D, fracs=(0.7,))
    inter = pts[0.7]
    big = rng.standard_normal((4 * D, D))
    big = r * big / np.linalg.norm(big, axis=1, keepdims=True)

    def affine_rank(p):
        s = np.linalg.svd(p - p.mean(axis=0), compute_uv=False)
        return int(np.sum(s > 1e-9 * s[0]))

    return D, affine_rank(big), affine_rank(inter)


@claim("dynsys.perturb.sphere_dimension_labels",
       statement="'the intersection of a hypersphere S^D of radius w0 ... with a hypersphere S^D of radius "
                 "eps ... is a lower-dimensional hypersphere S^(D-1)' (weights in R^D).",
       short="In R^D: S^D with S^D intersect in S^(D-1) (the note's labels).",
       source=PERTURB,
       method="in R^12: the affine dimension of 48 points uniform on |w| = r, and of 48 points of the "
              "intersection (found by root finding); a k-sphere spans k + 1 affine dimensions",
       counterfactual={"labels": (1, 0)}, counterfactual_text="the spheres are S^(D+1) and S^D",
       corrected_by=("dynsys.perturb.intersection_dimension",))
def _sphere_labels(ctx: Context, *, labels: tuple = (0, -1)) -> Verdict:
    D, big, inter = _affine_dims(ctx.seed)
    want = [D + k for k in labels]           # the labels S^(D + k)
    got = [big - 1, inter - 1]
    return compare_all(got, want, atol=0,
                       measured_label={"sphere |w| = r": f"S^{got[0]}", "intersection": f"S^{got[1]}"},
                       expected_label={"sphere |w| = r": f"S^{want[0]}", "intersection": f"S^{want[1]}"},
                       evidence=f"D = {D}: affine dimensions {big} and {inter}.",
                       corrected="In R^D the sphere |w| = r is S^(D-1) and the intersection is S^(D-2) (sampled "
                                 "in the note's recipe as a sphere in the (D-1)-dimensional hyperplane).")


@claim("dynsys.perturb.intersection_dimension",
       statement="In R^D the sphere |w| = w0 is S^(D-1) and its intersection with the sphere of radius eps "
                 "around w0 is S^(D-2).",
       short="In R^D: S^(D-1) with S^(D-1) intersect in S^(D-2).",
       source=f"{PERTURB} (corrected labels)",
       method="as dynsys.perturb.sphere_dimension_labels",
       counterfactual={"labels": (0, -1)}, counterfactual_text="S^D and S^(D-1) (the note's labels)")
def _intersection_dimension(ctx: Context, *, labels: tuple = (-1, -2)) -> Verdict:
    return _sphere_labels(ctx, labels=labels)


@claim("dynsys.perturb.naive_thickening",
       statement="Perturbing w0 with i.i.d. noise delta_i ~ N(0, eps^2) moves the weights off the baseline's "
                 "sphere: 'we're increasing the thickness of the hyperspherical shell' "
                 "(E|w|^2 = |w0|^2 + D eps^2, var|w|^2 = 4 eps^2 |w0|^2 + 2 D eps^4).",
       short="Naive Gaussian perturbation: E|w|^2 = |w0|^2 + D eps^2 (thicker shell).",
       source=PERTURB,
       method="20000 perturbations of a Kaiming-normal w0 (D = 1000) at eps = 0.01 and 0.05; the mean "
              "increase of |w|^2 over D eps^2 and the variance of |w|^2 over its formula, against 1 (5 %, plus "
              "4 standard errors)",
       counterfactual={"mean_shift": "0"}, counterfactual_text="E|w|^2 = |w0|^2 (no thickening)")
def _naive_thickening(ctx: Context, *, mean_shift: str = "D eps^2") -> Verdict:
    rng = np.random.default_rng(ctx.seed + 9)
    D, n = 1000, 20000
    w0 = rng.standard_normal(D) * math.sqrt(2 / 100)
    r2 = float(w0 @ w0)
    m, s, want = [], [], []
    for eps in (0.01, 0.05):
        sq = np.empty(n)
        for i in range(0, n, 2000):
            w = w0 + eps * rng.standard_normal((2000, D))
            sq[i:i + 2000] = np.einsum("ij,ij->i", w, w)
        shift = D * eps ** 2 if mean_shift == "D eps^2" else 0.0
        var = 4 * eps ** 2 * r2 + 2 * D * eps ** 4
        m += [float(sq.mean() - r2) / (D * eps ** 2), float(sq.var(ddof=1)) / var]
        s += [float(sq.std(ddof=1) / math.sqrt(n)) / (D * eps ** 2), math.sqrt(2 / (n - 1))]
        want += [shift / (D * eps ** 2), 1.0]
    return compare_all(m, want, atol=0.05, stderr=s,
                       evidence=f"|w0|^2 = {r2:.3f}; (E|w|^2 - |w0|^2) / (D eps^2) and var|w|^2 / (4 eps^2 |w0|^2 + "
                                f"2 D eps^4) at eps = 0.01, 0.05: {fmt_list(m, 4)}.")


@cached
def _eps_norms(seed: int):
    from dynsys.perturb import perturb_gaussian, perturb_on_sphere

    rng = np.random.default_rng(seed)
    D, eps, n = 79510, 0.1, 50       # the note's 784-100-10 MLP
    w0 = rng.uniform(-1, 1, D) / math.sqrt(784)     # PyTorch's default init scale
    norms = {
        "N(w_b, eps 1) [covariance eps I]": np.linalg.norm(math.sqrt(eps) * rng.standard_normal((n, D)), axis=1),
        "Gaussian perturbation with norm eps": np.linalg.norm(perturb_gaussian(w0, eps, n=n, seed=rng) - w0, axis=1),
        "delta_i ~ N(0, eps^2)": np.linalg.norm(eps * rng.standard_normal((n, D)), axis=1),
        "on the sphere at distance eps": np.linalg.norm(perturb_on_sphere(w0, eps, n=n, seed=rng) - w0, axis=1),
    }
    return D, eps, {k: float(v.mean()) for k, v in norms.items()}


_EPS_LAWS = {"sqrt(eps D), eps, eps sqrt(D), eps": lambda e, D: [math.sqrt(e * D), e, e * math.sqrt(D), e],
             "all eps": lambda e, D: [e, e, e, e],
             "eps sqrt(D), eps, eps sqrt(D), eps": lambda e, D: [e * math.sqrt(D), e, e * math.sqrt(D), e]}


@claim("dynsys.perturb.eps_conventions",
       statement="The note's perturbations of 'size eps' are the same size: 'p(w0) = N(w0 | w_baseline, eps 1)', "
                 "'a Gaussian perturbation to the initial weights with norm eps', 'delta_i ~ N(0, eps^2)' and "
                 "the sphere of radius eps around w0.",
       short="The note's four uses of eps give one perturbation size.",
       source=f"{NOTE000}, sections 'In section XX...', 'Tracking Trajectories' and {PERTURB.split(', ')[1]}",
       method="mean |delta| of 50 draws of each for the note's 784-100-10 MLP (D = 79510) at eps = 0.1, "
              "against eps (2 %)",
       counterfactual={"law": "eps sqrt(D), eps, eps sqrt(D), eps"},
       counterfactual_text="|delta| = eps sqrt(D), eps, eps sqrt(D), eps (covariance eps 1 read as std eps)",
       corrected_by=("dynsys.perturb.eps_conventions_norms",))
def _eps_conventions(ctx: Context, *, law: str = "all eps") -> Verdict:
    D, eps, norms = _eps_norms(ctx.seed)
    want = _EPS_LAWS[law](eps, D)
    return compare_all(list(norms.values()), want, rtol=0.02,
                       measured_label={k: round(v, 4) for k, v in norms.items()},
                       expected_label=law,
                       evidence=f"D = {D}, eps = {eps}: " + "; ".join(f"{k}: |delta| = {v:.4g}" for k, v in norms.items()),
                       corrected=f"At eps = {eps} in D = {D} the four conventions give |delta| = sqrt(eps D) = "
                                 f"{math.sqrt(eps * D):.3g}, eps, eps sqrt(D) = {eps * math.sqrt(D):.3g} and eps: "
                                 f"'eps = 10' means different perturbations depending on the section.")


@claim("dynsys.perturb.eps_conventions_norms",
       statement="For weights in R^D: N(w_b, eps 1) perturbs by |delta| ~ sqrt(eps D), 'a Gaussian perturbation "
                 "with norm eps' by eps, delta_i ~ N(0, eps^2) by ~ eps sqrt(D), and the sphere sampler by eps.",
       short="|delta| = sqrt(eps D), eps, eps sqrt(D), eps for the note's four eps.",
       source=f"{NOTE000} (the eps conventions, corrected)",
       method="as dynsys.perturb.eps_conventions against the four laws (2 %)",
       counterfactual={"law": "eps sqrt(D), eps, eps sqrt(D), eps"},
       counterfactual_text="N(w_b, eps 1) has |delta| ~ eps sqrt(D) (eps read as a standard deviation)")
def _eps_conventions_norms(ctx: Context, *, law: str = "sqrt(eps D), eps, eps sqrt(D), eps") -> Verdict:
    return _eps_conventions(ctx, law=law)


@claim("dynsys.perturb.same_distribution",
       statement="'the resulting perturbed vector will have the same distribution as the baseline "
                 "vector' (uniform on the sphere when the baseline is).",
       source=PERTURB,
       method="baseline uniform on the unit sphere in R^8, perturbed at eps = 0.7 by the intersection "
              "sampler; moments of a projection u: D E[u^2] = 1 and D (D + 2) E[u^4] / 3 = 1 (tolerance "
              "10%, plus 4 standard errors)",
       counterfactual={"sampler": "gaussian"},
       counterfactual_text="the norm-eps Gaussian kick (perturb_gaussian) keeps the distribution")
def _same_distribution(ctx: Context, *, sampler: str = "sphere") -> Verdict:
    from dynsys.perturb import perturb_gaussian, perturb_on_sphere

    fn = perturb_on_sphere if sampler == "sphere" else perturb_gaussian
    d, reps = 8, ctx.pick(10000, 100000)
    rng = np.random.default_rng(ctx.seed + 3)
    w0 = rng.standard_normal((reps, d))
    w0 /= np.linalg.norm(w0, axis=1, keepdims=True)
    w = np.stack([fn(v, 0.7, seed=rng) for v in w0])
    x2, x4 = d * w[:, 0] ** 2, d * (d + 2) * w[:, 0] ** 4 / 3
    m = [float(x2.mean()), float(x4.mean())]
    se = [float(x2.std() / math.sqrt(reps)), float(x4.std() / math.sqrt(reps))]
    return compare_all(m, [1.0, 1.0], stderr=se, atol=ctx.pick(0.1, 0.03),
                       evidence=f"{reps} baseline/perturbed pairs ({sampler}); normalised moments {fmt_list(m, 4)}.")

"""Claims from the puzzles of note 003: Kempner's series and lattice random walks."""

from __future__ import annotations

import math

from pathdep.claims.registry import Context, claim
from pathdep.claims.verdict import Verdict, compare, compare_all, decide

NOTE003 = "003_7c44b585ab5f1dd9.txt"
KEMPNER = f"{NOTE003}, 'Sum of harmonic series without 9s'"
WALK = f"{NOTE003}, 'Random Walks in Higher Dimensions'"
#: Baillie (1979), Amer. Math. Monthly 86, 372-374 (22 significant digits, truncated).
BAILLIE = "22.92067661926415034816"
NOTE_DIMS = (5, 10, 20, 40, 80, 160)


@claim("puzzles.kempner.block_count",
       statement="There are 8 * 9^(d-1) d-digit numbers without a 9.",
       source=f"{NOTE003}, 'Sum of harmonic series without 9s'",
       method="exact count by a digit automaton for d = 1..max_d, against the formula; "
              "brute-force enumeration for d <= 5")
def _block_count(ctx: Context) -> Verdict:
    from puzzles import kempner_block_counts

    max_d = ctx.pick(30, 200)
    counts = kempner_block_counts("9", max_digits=max_d)
    brute = [sum(1 for n in range(10 ** (d - 1), 10 ** d) if "9" not in str(n)) for d in range(1, 6)]
    formula = [8 * 9 ** (d - 1) for d in range(1, max_d + 1)]
    bad = [d for d in range(1, max_d + 1) if counts[d - 1] != formula[d - 1]]
    bad += [d for d in range(1, 6) if brute[d - 1] != formula[d - 1]]
    return compare_all([len(bad)], [0], atol=0,
                       measured_label=f"count = formula for d = 1..{max_d} (mismatches: {bad or 'none'})",
                       expected_label="8 * 9^(d-1)",
                       evidence=f"automaton counts {counts[:5]}...; brute force d<=5: {brute}.")


@claim("puzzles.kempner.note_bound",
       statement="sum_{n>=1} I_n / n < sum_{d>=0} 8 * 9^(d-1) / 10^d < sum_{d>=0} (9/10)^d = 10: "
                 "the harmonic series without 9s is below 10.",
       short="The harmonic series without 9s sums to less than 10.",
       source=KEMPNER,
       method="rigorous bracket of the sum (moment method, integer arithmetic with directed "
              "rounding) and a brute-force partial sum, against the bound 10; the note's block "
              "series evaluated exactly")
def _note_bound(ctx: Context) -> Verdict:
    import mpmath

    from puzzles import kempner_partial_sum, kempner_sum, kempner_textbook_bound

    s = kempner_sum("9", digits=20)
    n_max = 999_999
    brute = kempner_partial_sum("9", n_max=n_max, dps=15)
    tb = kempner_textbook_bound("9")
    holds = bool(s.upper < 10)
    return decide(
        holds, measured=f"S in [{mpmath.nstr(s.lower, 20)}, {mpmath.nstr(s.upper, 20)}]",
        expected="S < 10", tolerance="rigorous bracket",
        evidence=(f"The certified lower bound {mpmath.nstr(s.lower, 12)} exceeds 10; so does the "
                  f"brute-force sum over the admissible n <= {n_max}: {mpmath.nstr(brute, 10)}. "
                  f"The note's block series sums to {tb.note_indexing} = {float(tb.note_indexing):.4f}: "
                  f"it pairs the block [10^d, 10^(d+1)), whose numbers have d+1 digits and number "
                  f"8*9^d, with N_d = 8*9^(d-1), a factor 9 too few."),
        corrected=(f"S = {mpmath.nstr(s.value, 20)}... (Baillie 1979). Counting the block [10^d, "
                   f"10^(d+1)) correctly (8*9^d numbers, each >= 10^d) gives the textbook bound "
                   f"sum_d 8*9^d/10^d = {tb.textbook}."),
        details={"lower": str(s.lower), "upper": str(s.upper), "brute_force_n_max": n_max,
                 "brute_force_sum": float(brute), "note_block_series": str(tb.note_indexing)})


@claim("puzzles.kempner.textbook_bound",
       statement="Each of the 8 * 9^(d-1) d-digit numbers without a 9 is at least 10^(d-1), so the "
                 "sum is below sum_d 8 * 9^(d-1) / 10^(d-1) = 80.",
       short="Textbook block bound: the no-9 sum is below 80.",
       source="A. J. Kempner, Amer. Math. Monthly 21 (1914) 48-50",
       method="the block series summed exactly (rational generating function of the automaton "
              "counts), and checked against the certified bracket of the sum")
def _textbook_bound(ctx: Context) -> Verdict:
    import mpmath

    from puzzles import kempner_sum, kempner_textbook_bound

    tb = kempner_textbook_bound("9")
    s = kempner_sum("9", digits=20)
    ok = tb.textbook == 80 and bool(s.upper < mpmath.mpf(tb.textbook.numerator) / tb.textbook.denominator)
    return decide(ok, measured=f"block series = {tb.textbook}; S <= {mpmath.nstr(s.upper, 15)}",
                  expected="bound = 80 and S < 80", tolerance="exact",
                  evidence=f"exact block series {tb.textbook}; S = {mpmath.nstr(s.value, 15)} "
                           f"(Irwin 1916: 22.4 < S < 23.3).",
                  corrected="The block series is exactly "
                            f"{tb.textbook}; S = {mpmath.nstr(s.value, 15)}.")


@claim("puzzles.kempner.series_as_written",
       statement="S = sum_n I_n / n with I_n = 1 if 9 is a digit of n (0 otherwise) converges "
                 "(the note's question: the sum that excludes all terms that don't include a 9).",
       short="The series over n containing a 9, as the note writes it, converges.",
       source=KEMPNER,
       method="partial sums at N = 10^d - 1 for d up to 60: harmonic number minus the no-9 "
              "partial sums (Schmelzer-Baillie level recurrence); a convergent series has "
              "decade increments tending to 0")
def _series_as_written(ctx: Context) -> Verdict:
    import mpmath

    from puzzles import kempner_level_sums, kempner_partial_sum, kempner_sum

    d_max = ctx.pick(60, 200)
    levels = kempner_level_sums("9", max_digits=d_max, digits=30)
    S = kempner_sum("9", digits=20).value
    with mpmath.workdps(30):
        partial = []
        cum = mpmath.mpf(0)
        for d in range(1, d_max + 1):
            cum += levels[d - 1]
            partial.append(mpmath.harmonic(10 ** d - 1) - cum)
        incr = float(partial[-1] - partial[-2])
        offset = float(partial[-1] - d_max * mpmath.log(10))
        limit = float(mpmath.euler - S)
        first_over_10 = next(d for d in range(1, d_max + 1) if partial[d - 1] > 10)
    brute = float(mpmath.harmonic(10**4 - 1) - kempner_partial_sum("9", n_max=10**4 - 1, dps=15))
    table = {d: float(partial[d - 1]) for d in (1, 2, 4, 10, 20, 40, d_max) if d <= d_max}
    fig = _series_figure(d_max, [float(x) for x in partial], [float(c) for c in _cumsum(levels)],
                         float(S), limit)
    return compare(incr, 0.0, atol=0.01, figure=fig,
                   measured_label=f"increment over the last decade = {incr:.9f}",
                   expected_label="decade increments -> 0",
                   evidence=(f"Partial sums at N = 10^d - 1: {', '.join(f'd={d}: {v:.6g}' for d, v in table.items())} "
                             f"(brute force check at d=4: {brute:.6g}). They grow like "
                             f"ln N + gamma - 22.9207: at d={d_max} the offset partial - ln N is "
                             f"{offset:.6f} (limit gamma - S = {limit:.6f}); they pass 10 at "
                             f"d = {first_over_10}. Increment per decade -> ln 10 = {math.log(10):.6f}."),
                   corrected=("As written (I_n = 1 if 9 IS a digit of n) the series diverges like "
                              "ln N + gamma - 22.92...; the note's derivation counts the numbers "
                              "WITHOUT a 9, whose series converges to 22.92067661926..."),
                   details={"partial_sums": {str(k): v for k, v in table.items()},
                            "offset": offset, "limit_offset": limit})


def _cumsum(xs):
    out, acc = [], 0
    for x in xs:
        acc = acc + x
        out.append(acc)
    return out


def _series_figure(d_max: int, with9: list, without9: list, S: float, limit: float):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.5, 4))
    ax = fig.subplots()
    d = list(range(1, d_max + 1))
    ax.plot(d, with9, "o-", ms=2.5, color="tab:red", label="n < 10^d containing a 9 (as written)")
    ax.plot(d, [k * math.log(10) + limit for k in d], "--", color="tab:red", lw=0.8,
            label="d ln 10 + gamma - S")
    ax.plot(d, without9, "o-", ms=2.5, color="tab:blue", label="n < 10^d without a 9")
    ax.axhline(S, color="tab:blue", ls="--", lw=0.8, label=f"S = {S:.6f}")
    ax.axhline(10, color="black", ls=":", lw=1.0, label="the note's bound 10")
    ax.set_xlabel("d (partial sum over n < 10^d)")
    ax.set_ylabel("partial sum")
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


@claim("puzzles.kempner.value",
       statement="The harmonic series without 9s converges; S = 22.92067661926415034816... "
                 "(Baillie 1979).",
       short="The no-9 sum is S = 22.92067661926415034816...",
       source="R. Baillie, Amer. Math. Monthly 86 (1979) 372-374; T. Schmelzer and R. Baillie, "
              "Amer. Math. Monthly 115 (2008) 525-540",
       method="certified bracket by the moment method; cross-check by the Schmelzer-Baillie "
              "recurrence; the literature digits must lie in the bracket (to their truncation)")
def _value(ctx: Context) -> Verdict:
    import mpmath

    from puzzles import kempner_sum, kempner_sum_recurrence

    digits = ctx.pick(50, 200)
    s = kempner_sum("9", digits=digits)
    sb = kempner_sum_recurrence("9", digits=digits)
    with mpmath.workdps(digits + 10):
        lit = mpmath.mpf(BAILLIE)
        d_lit = float(s.value - lit)
        d_sb = float(s.value - sb)
        width = float(s.width)
    return compare_all([d_lit, d_sb], [0.0, 0.0], atol=1e-20,
                       measured_label=mpmath.nstr(s.value, 30),
                       expected_label=BAILLIE + "...",
                       evidence=(f"bracket width {width:.2g} ({digits} digits); moment method minus "
                                 f"Baillie's 22 digits = {d_lit:.3g} (his value is truncated); minus "
                                 f"the Schmelzer-Baillie recurrence = {d_sb:.3g}."),
                       details={"value": mpmath.nstr(s.value, digits), "lower": str(s.lower),
                                "upper": str(s.upper)})


@claim("puzzles.kempner.digit_strings",
       statement="Omitting the string 42 gives 228.44630415923081325415...; omitting 314159 gives "
                 "2302582.33386378260789202376... (Schmelzer and Baillie 2008, table of sums).",
       short="Sums omitting the strings 42 and 314159 (Schmelzer-Baillie).",
       source="T. Schmelzer and R. Baillie, Amer. Math. Monthly 115 (2008) 525-540",
       method="certified brackets (moment method on the string automaton), cross-checked with "
              "the Schmelzer-Baillie recurrence")
def _digit_strings(ctx: Context) -> Verdict:
    import mpmath

    from puzzles import kempner_sum, kempner_sum_recurrence

    lit = {"42": "228.44630415923081325415", "314159": "2302582.33386378260789202376"}
    rel, labels = [], []
    for s_, v in lit.items():
        r = kempner_sum(s_, digits=25)
        sb = kempner_sum_recurrence(s_, digits=25)
        with mpmath.workdps(40):
            rel.append(float((r.value - mpmath.mpf(v)) / r.value))
            rel.append(float((r.value - sb) / r.value))
        labels.append(f"{s_}: {mpmath.nstr(r.value, 25)}")
    return compare_all(rel, [0.0] * len(rel), atol=1e-22,
                       measured_label="; ".join(labels), expected_label=lit,
                       evidence="relative differences (literature, recurrence) per string: "
                                + ", ".join(f"{x:.2g}" for x in rel))


# --------------------------------------------------------------------------------------
# lattice walks
# --------------------------------------------------------------------------------------

def _sim_final(D: int, N: int, W: int, seed: int):
    import numpy as np

    from puzzles import lattice_walk

    d = lattice_walk(D, N, W, seed=seed, record_every=N, progress=False)[:, -1]
    return d, float(np.mean(d)), float(np.std(d, ddof=1) / np.sqrt(W))


@claim("puzzles.walk.rms_distance",
       statement="sqrt(E[|X|^2]) = sqrt(D) sqrt(N/D) = sqrt(N): it's independent of lattice "
                 "dimensionality.",
       short="RMS distance sqrt(E|X_N|^2) = sqrt(N) for every D.",
       source=WALK,
       method="exact E|X_N|^2 from the exact pmf of |X_N|^2 (N = 24 quick, 64 full) and the "
              "closed-form moments; "
              "simulation of 1000 walkers x 1000 steps per D (4 standard errors)")
def _rms(ctx: Context) -> Verdict:
    import numpy as np

    from puzzles import walk_moments, walk_sq_distance_pmf

    N_exact = ctx.pick(24, 64)
    N, W = 1000, ctx.pick(1000, 4000)
    measured, ev = [], []
    for i, D in enumerate(NOTE_DIMS):
        pm = walk_sq_distance_pmf(D, N_exact).mean()
        mo = walk_moments(D, N).mean_sq
        measured += [float(pm / N_exact), float(mo / N)]
        d, _, _ = _sim_final(D, N, W, ctx.seed + i)
        ms = float(np.mean(d ** 2))
        s = float(np.std(d ** 2, ddof=1) / np.sqrt(W))
        ev.append(f"D={D}: {ms:.1f}+-{s:.1f} ({(ms - N) / s:+.1f} SE)")
    return compare_all(measured, [1.0] * len(measured), atol=1e-12,
                       measured_label=f"exact E|X_N|^2 / N = {sorted(set(measured))} for D = {NOTE_DIMS}",
                       expected_label="E|X_N|^2 / N = 1",
                       evidence=f"exact pmf mean at N={N_exact} and closed-form moment at N={N} equal N "
                                f"for every D; simulated mean |X_1000|^2 ({W} walkers): " + ", ".join(ev) + ".")


@claim("puzzles.walk.reduction",
       statement="Every dimension is sampled on average once every D timesteps, so we can treat a "
                 "D-dimensional walker after N timesteps as a collection of D independent "
                 "1-dimensional walkers after N/D timesteps.",
       short="D-dim walker after N steps = D independent 1-D walkers after N/D steps.",
       source=WALK,
       method="exact Var|X_N|^2 and the exact pmf of |X_N|^2 against the reduction's predictions "
              "(D independent N/D-step walks, and its Gaussian form); total variation distance")
def _reduction(ctx: Context) -> Verdict:
    from fractions import Fraction
    from math import comb

    from puzzles import walk_moments, walk_sq_distance_pmf

    D, N = 4, ctx.pick(32, 64)
    m = N // D
    exact = walk_moments(D, N).var_sq
    lattice = Fraction(D * (2 * m * m - 2 * m))  # D x Var(x^2) of an m-step 1-D walk
    gauss = Fraction(2 * N * N, D)
    # reduction's pmf: convolution of D independent m-step 1-D walks' x^2
    one = {}
    for j in range(m + 1):
        x2 = (m - 2 * j) ** 2
        one[x2] = one.get(x2, 0) + comb(m, j)
    conv = {0: 1}
    for _ in range(D):
        new = {}
        for a, ca in conv.items():
            for b, cb in one.items():
                new[a + b] = new.get(a + b, 0) + ca * cb
        conv = new
    p = walk_sq_distance_pmf(D, N).as_dict()
    tot = 2 ** N
    keys = set(p) | set(conv)
    tv = sum(abs(p.get(k, Fraction(0)) - Fraction(conv.get(k, 0), tot)) for k in keys) / 2
    return compare(float(exact), float(lattice), rtol=1e-9,
                   measured_label=f"Var|X_N|^2 = 2N(N-1)/D = {exact} (D={D}, N={N})",
                   expected_label=f"reduction: 2N(N-D)/D = {lattice} (Gaussian form 2N^2/D = {gauss})",
                   evidence=(f"total variation distance between the exact law of |X_N|^2 and the "
                             f"reduction's = {float(tv):.4f}; E|X_N|^2 = N agrees in both."),
                   corrected=("The coordinates are dependent: their step counts are multinomial, "
                              "not fixed at N/D. The reduction is exact for a walker taking a "
                              "Poisson(N) number of steps (continuous time), whose coordinates are "
                              "independent walkers with Poisson(N/D) steps; for N steps "
                              "Var|X_N|^2 = 2N(N-1)/D, between the reduction's 2N(N-D)/D and the "
                              "Gaussian 2N^2/D, and the relative differences vanish as N -> inf."),
                   details={"var_exact": str(exact), "var_reduction": str(lattice),
                            "var_gaussian": str(gauss), "total_variation": float(tv)})


@claim("puzzles.walk.mean_distance",
       statement="The empirical mean distance from the origin (red) follows sqrt(N) (black) for "
                 "every lattice dimension D (note 003's figure for D = 5..160, 1000 walkers, "
                 "1000 steps).",
       short="Mean distance E|X_N| follows sqrt(N) for every D (the note's figure).",
       source=f"{WALK}, figure and random_hyperwalk_scaling",
       method="exact E|X_N|/sqrt(N) from the exact law of |X_N|^2 (Laplace-transform quadrature, "
              "N = 300 quick, 1000 full; checked against the exact pmf in the tests) and the chi "
              "asymptotic at N = 1000, against 1; simulation at N = 1000 as a check")
def _mean_distance(ctx: Context) -> Verdict:
    from puzzles import chi_mean_distance, plot_walks, walk_mean_distance

    N_exact = ctx.pick(300, 1000)
    N = 1000
    exact = [walk_mean_distance(D, N_exact, method="laplace").ratio for D in NOTE_DIMS]
    asym = [chi_mean_distance(D, N) / math.sqrt(N) for D in NOTE_DIMS]
    fig = plot_walks(NOTE_DIMS, n_steps=N, n_walkers=ctx.pick(400, 1000), seed=ctx.seed,
                     exact_curve=ctx.full, exact_steps=24, max_lines=ctx.pick(60, 1000),
                     progress=False)
    sim = [(fig.walk_stats[D]["mean"] / math.sqrt(N), fig.walk_stats[D]["mean_se"] / math.sqrt(N))
           for D in NOTE_DIMS]
    z = [(s - a) / se for (s, se), a in zip(sim, asym)]
    rows = ", ".join(f"D={D}: {e:.5f} / {a:.5f} / {s:.3f}+-{se:.3f}"
                     for D, e, a, (s, se) in zip(NOTE_DIMS, exact, asym, sim))
    return compare_all(exact + asym, [1.0] * (2 * len(NOTE_DIMS)), atol=1e-9,
                       measured_label=f"E|X_N|/sqrt(N) exact (N={N_exact}) / chi asymptotic (N=1000) / "
                                      f"simulated (N=1000): {rows}",
                       expected_label="1 for every D",
                       evidence=(f"E|X| < sqrt(E|X|^2) = sqrt(N) (Jensen); the gap is about 1/(4D): "
                                 f"{100 * (1 - exact[0]):.1f}% at D=5, {100 * (1 - exact[-1]):.2f}% at "
                                 f"D=160, visible in the note's own D=5 panel. Simulation minus chi "
                                 f"asymptotic in standard errors: " + ", ".join(f"{v:+.1f}" for v in z)),
                       corrected=("E|X_N| = sqrt(N) * sqrt(2/D) Gamma((D+1)/2)/Gamma(D/2) * (1 + O(1/N)) "
                                  "~ sqrt(N) (1 - 1/(4D)); only the RMS distance sqrt(E|X_N|^2) equals "
                                  "sqrt(N) for every D."),
                       figure=fig,
                       details={"dims": list(NOTE_DIMS), "exact_ratio": exact, "asymptotic_ratio": asym,
                                "sim_ratio": [s for s, _ in sim]})


@claim("puzzles.walk.polya",
       statement="The simple random walk on Z^D returns to the origin with probability 1 for "
                 "D <= 2 (recurrent) and with probability p(D) < 1 for D >= 3 (transient); "
                 "p(3) = 0.3405373296...",
       short="Polya: recurrent for D <= 2, transient for D >= 3, p(3) = 0.3405373296...",
       source="G. Polya, Math. Ann. 84 (1921) 149-160; E. W. Montroll, J. SIAM 4 (1956) 241-260",
       method="Montroll's integral u(D) by quadrature plus asymptotic tail (p = 1 - 1/u), against "
              "the literature digits and Watson's closed form for u(3); expected returns "
              "sum_{n<=N} P(X_n = 0) for D = 1, 2 from exact closed forms")
def _polya(ctx: Context) -> Verdict:
    import mpmath

    from puzzles import polya_return_probability

    ps = {D: polya_return_probability(D) for D in range(3, 9)}
    with mpmath.workdps(30):
        g = mpmath.gamma
        u3 = mpmath.sqrt(6) / (32 * mpmath.pi ** 3) * g(mpmath.mpf(1) / 24) * g(mpmath.mpf(5) / 24) \
            * g(mpmath.mpf(7) / 24) * g(mpmath.mpf(11) / 24)
        p3_watson = float(1 - 1 / u3)
    p3 = ps[3].probability
    lit = 0.3405373296
    decreasing = all(ps[D].probability > ps[D + 1].probability for D in range(3, 8))

    def returns(D: int, N: int) -> float:  # sum_{m=1}^{N/2} P(X_2m = 0), D = 1, 2
        tot = 0.0
        for m in range(1, N // 2 + 1):
            q = math.exp(math.lgamma(2 * m + 1) - 2 * math.lgamma(m + 1) - 2 * m * math.log(2))
            tot += q if D == 1 else q * q
        return tot

    grow = {D: [returns(D, N) for N in (10**2, 10**4)] for D in (1, 2)}
    diverging = grow[1][1] > 5 * grow[1][0] and grow[2][1] > grow[2][0] + 1.0
    ok = abs(p3 - lit) < 5e-11 and abs(p3_watson - lit) < 5e-11 and decreasing and diverging
    return decide(ok, measured=f"p(3) = {p3:.13f} (Watson closed form {p3_watson:.13f}); "
                               + ", ".join(f"p({D}) = {ps[D].probability:.10f}" for D in range(4, 9)),
                  expected="p(1) = p(2) = 1; p(3) = 0.3405373296; p(D) < 1 for D >= 3",
                  tolerance="|p(3) - 0.3405373296| < 5e-11",
                  evidence=(f"expected returns up to N = 10^2, 10^4: D=1 {grow[1][0]:.2f} -> {grow[1][1]:.2f} "
                            f"(~ sqrt(2N/pi), unbounded), D=2 {grow[2][0]:.3f} -> {grow[2][1]:.3f} "
                            f"(~ ln(N)/pi, unbounded); for D >= 3 the total u(D) - 1 is finite: "
                            f"u(3) = {ps[3].expected_visits:.12f}; quadrature error bound "
                            f"{ps[3].error:.1g}; p(D) decreasing in D: {decreasing}."),
                  details={"p": {D: r.probability for D, r in ps.items()}})

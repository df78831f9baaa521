"""Kempner sums: the rigorous moment method against the Schmelzer-Baillie recurrence and brute force.

Targets (issue 3): 50 correct digits of the no-9 sum in < 1 s, 200 digits in < 10 s,
20 digits for a 6-digit excluded string in < 2 s.
"""

from __future__ import annotations

import math

import mpmath

from benchmarks import BenchResult, interleaved


def _brute_force_terms_needed(digits: int) -> float:
    """log10 of the number of no-9 terms brute force needs for `digits` correct digits.

    The tail after all n < 10^d is about 9 s_d (level sums shrink by 9/10 per digit),
    and there are about 9^d admissible n below 10^d.
    """
    from puzzles import kempner_level_sums

    s30 = float(kempner_level_sums("9", max_digits=30, digits=20)[-1])
    target = 22.92 * 10.0 ** (-digits)
    d = 30 + math.log(target / (9 * s30)) / math.log(0.9)
    return d * math.log10(9)


def run(quick: bool) -> list[BenchResult]:
    from puzzles import kempner_partial_sum, kempner_sum, kempner_sum_recurrence

    results = []
    cases = [("9", 20), ("9", 50), ("9", 200), ("314159", 20), ("42", 50)]
    if quick:
        cases = [("9", 50), ("314159", 20)]
    for excl, digits in cases:
        t = interleaved(lambda: kempner_sum(excl, digits=digits),
                        lambda: kempner_sum_recurrence(excl, digits=digits), repeat=3)
        r, sb = t.ours_value, t.peer_value
        with mpmath.workdps(digits + 10):
            agree = abs(sb - r.value) / r.value
        note = (f"{digits} digits, bracket width {mpmath.nstr(r.width / r.lower, 2)} relative; "
                f"recurrence differs by {mpmath.nstr(agree, 2)}")
        if excl == "9":
            note += f"; brute force would need ~10^{_brute_force_terms_needed(digits):.0f} terms"
        results.append(t.result(f"kempner_sum({excl!r}, digits={digits})", "Schmelzer-Baillie recurrence",
                                note=note))
    # brute force: a million terms buy two digits
    n_max = 10**5 if quick else 10**6
    t = interleaved(lambda: kempner_sum("9", digits=20), lambda: kempner_partial_sum("9", n_max=n_max, dps=20),
                    repeat=3, warmup=False)
    r, bf = t.ours_value, t.peer_value
    with mpmath.workdps(30):
        err = float((r.value - bf) / r.value)
    results.append(t.result(f"no-9 sum: 20 digits vs brute force n <= {n_max:.0e}",
                            "brute-force partial sum",
                            note=f"brute force relative error {err:.3f} (about "
                                    f"{-math.log10(err):.1f} digits)"))
    return results

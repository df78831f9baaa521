"""Claims from the puzzles of note 003: Kempner's series and lattice random walks."""

from __future__ import annotations

from pathdep.claims.registry import Context, claim
from pathdep.claims.verdict import Verdict, compare_all

NOTE003 = "003_7c44b585ab5f1dd9.txt"


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

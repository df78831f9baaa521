"""Kempner's series: the harmonic series restricted to integers that omit a digit string.

Three independent ways to the same numbers:

- :func:`kempner_sum`: a rigorous bracket ``lower <= S <= upper`` from the
  moment (alternating-series) method of Burnol [3]_, generalised here to any
  finite set of excluded strings through a digit automaton, evaluated in
  fixed-point integer arithmetic with directed rounding, so the bracket is a
  proof and not an estimate;
- :func:`kempner_sum_recurrence`: the power-sum recurrence of Schmelzer and
  Baillie [2]_ over the same automaton (a high-accuracy estimate, no bracket);
- :func:`kempner_partial_sum`: brute force, for small cases.

References
----------
.. [1] A. J. Kempner, "A curious convergent series", Amer. Math. Monthly 21 (1914) 48-50.
.. [2] T. Schmelzer and R. Baillie, "Summing a curious, slowly convergent series",
   Amer. Math. Monthly 115 (2008) 525-540.
.. [3] J.-F. Burnol, "Moments in the exact summation of the curious series of Kempner
   type", arXiv:2402.08525 (2024); "Measures for the summation of Irwin series",
   arXiv:2402.09083 (2024).
.. [4] R. Baillie, "Sums of reciprocals of integers missing a given digit",
   Amer. Math. Monthly 86 (1979) 372-374.
"""

from __future__ import annotations

import math
import numbers
from fractions import Fraction
from math import comb
from typing import Any, Iterable, NamedTuple

import mpmath

from pdcheck import check_bool, check_int, check_work
from puzzles.errors import PrecisionError

__all__ = ["KempnerSum", "TextbookBound", "kempner_sum", "kempner_sum_recurrence",
           "kempner_partial_sum", "kempner_block_counts", "kempner_level_sums",
           "kempner_textbook_bound"]

#: Largest `digits` accepted by the summation routines.
MAX_DIGITS = 2000
#: Largest `n_max` accepted by :func:`kempner_partial_sum`.
MAX_PARTIAL = 10_000_000
#: Largest `n_max` with ``exact=True`` (about 40 s: the sum of Fractions is quadratic).
MAX_EXACT_PARTIAL = 200_000
#: Largest number of automaton states (about the total length of the excluded strings).
MAX_STATES = 500
#: Largest estimated cost of one call, in work units of about 1 microsecond each (one
#: machine-word big-integer step; an mpmath operation counts 20 units at 100 digits and grows
#: like dps^1.6). Requests above it are refused before any work: about 3-6 minutes on one core.
MAX_WORK = 2e8


def _precision_factor(bits: float, unit_bits: float) -> float:
    """Growth of one big-number operation's cost with its size (Karatsuba: size^1.58)."""
    return max(1.0, bits / unit_bits) ** 1.6


def _check_cost(what: str, units: float) -> None:
    check_work(what, units, MAX_WORK, unit="work units (~1 us each)",
               hint="ask for fewer `digits` or `max_digits`, or shorter excluded strings")


def _progress(total: float, desc: str, progress: bool) -> Any:
    """A tqdm bar that appears only when the run lasts more than 2 seconds."""
    from tqdm.auto import tqdm

    return tqdm(total=int(total), desc=desc, leave=False, disable=not check_bool("progress", progress), delay=2.0)


# --------------------------------------------------------------------------------------
# input and the digit automaton
# --------------------------------------------------------------------------------------

def _digits_of(excluded: str | int | Iterable[str], base: int) -> list[tuple[int, ...]]:
    if isinstance(excluded, numbers.Integral) and not isinstance(excluded, bool):
        if not 0 <= int(excluded) < base:
            raise ValueError(f"`excluded` digit {int(excluded)} is not a digit of base {base} "
                             f"(allowed 0..{base - 1})")
        return [(int(excluded),)]
    if isinstance(excluded, (bytes, bytearray)) or not isinstance(excluded, (str, Iterable)):
        raise TypeError(f"`excluded` must be a digit string or a collection of digit strings, "
                        f"got {type(excluded).__name__} {excluded!r}")
    items = [excluded] if isinstance(excluded, str) else list(excluded)
    if not items:
        raise ValueError("`excluded` must be a non-empty digit string or collection of them, got []")
    out = []
    for s in items:
        if not isinstance(s, str):
            raise TypeError(f"`excluded` must be a string of digits, got {type(s).__name__} {s!r}")
        if s == "":
            raise ValueError("`excluded` must not contain an empty string")
        try:
            ds = tuple(int(ch, 36) for ch in s)
        except ValueError:
            raise ValueError(f"`excluded` must contain digits 0-9/a-z only, got {s!r}") from None
        if any(d >= base for d in ds):
            raise ValueError(f"`excluded` digit string {s!r} has a digit not allowed in base {base} "
                             f"(allowed 0..{base - 1})")
        out.append(ds)
    return out


class _Automaton(NamedTuple):
    """Aho-Corasick automaton restricted to its good states; state 0 is the start."""

    trans: list[list[int]]   # trans[s][a] = next good state, or -1 if digit a completes a pattern
    base: int

    @property
    def n_states(self) -> int:
        return len(self.trans)


def _automaton(patterns: list[tuple[int, ...]], base: int) -> _Automaton:
    goto: list[dict[int, int]] = [{}]
    bad = [False]
    for pat in patterns:
        node = 0
        for d in pat:
            if d not in goto[node]:
                goto.append({})
                bad.append(False)
                goto[node][d] = len(goto) - 1
            node = goto[node][d]
        bad[node] = True
    fail = [0] * len(goto)
    queue = list(goto[0].values())
    while queue:
        node = queue.pop(0)
        for d, child in goto[node].items():
            f = fail[node]
            while f and d not in goto[f]:
                f = fail[f]
            fail[child] = goto[f][d] if d in goto[f] and goto[f][d] != child else 0
            bad[child] = bad[child] or bad[fail[child]]
            queue.append(child)

    def delta(state: int, d: int) -> int:
        while state and d not in goto[state]:
            state = fail[state]
        return goto[state].get(d, 0)

    good = [s for s in range(len(goto)) if not bad[s]]
    index = {s: i for i, s in enumerate(good)}
    trans = [[index.get(delta(s, a), -1) for a in range(base)] for s in good]
    return _Automaton(trans, base)


def _prepare(excluded, base: int) -> _Automaton:
    base = check_int("base", base, low=2, high=36)
    patterns = _digits_of(excluded, base)
    length = sum(len(p) for p in patterns)
    if length + 1 > MAX_STATES:   # the automaton has at most length + 1 states
        raise ValueError(f"`excluded` strings must have at most {MAX_STATES - 1} digits in total "
                         f"(the digit automaton's size; cost grows like its cube), got {length}")
    return _automaton(patterns, base)


def _levels(aut: _Automaton, n_levels: int) -> list[list[tuple[int, int]]]:
    """Admissible numbers with 1..n_levels digits, as (n, state) lists per digit count."""
    level = [(a, aut.trans[0][a]) for a in range(1, aut.base) if aut.trans[0][a] >= 0]
    out = [level]
    for _ in range(n_levels - 1):
        b = aut.base
        level = [(n * b + a, t) for n, s in level for a, t in enumerate(aut.trans[s]) if t >= 0]
        out.append(level)
    return out


def _counts(aut: _Automaton, max_digits: int) -> list[int]:
    counts: dict[int, int] = {}
    for a in range(1, aut.base):
        t = aut.trans[0][a]
        if t >= 0:
            counts[t] = counts.get(t, 0) + 1
    result = [sum(counts.values())]
    for _ in range(max_digits - 1):
        nxt: dict[int, int] = {}
        for s, c in counts.items():
            for t in aut.trans[s]:
                if t >= 0:
                    nxt[t] = nxt.get(t, 0) + c
        counts = nxt
        result.append(sum(counts.values()))
    return result


# --------------------------------------------------------------------------------------
# block counts and the textbook bound
# --------------------------------------------------------------------------------------

def kempner_block_counts(excluded: str | Iterable[str] = "9", *, base: int = 10,
                         max_digits: int) -> list[int]:
    """How many d-digit numbers (no leading zero) contain none of the excluded strings, d = 1..max_digits.

    Parameters
    ----------
    excluded : str or collection of str
        A digit string (``"9"``, ``"42"``) or several; digits 0-9 then a-z.
    base : int, default 10
        The base, at least 2.
    max_digits : int
        The largest number of digits, at least 1.

    Returns
    -------
    list of int
        ``counts[d - 1]`` is the number of d-digit numbers omitting every excluded string.

    Raises
    ------
    ValueError
        If a digit is not valid in `base`, a string is empty, `base` < 2, `max_digits` is not in
        1..100000, or the cost (about ``2.5e-4 S b max_digits^2`` us for S automaton states)
        exceeds ``MAX_WORK``.

    Notes
    -----
    Counts are exact integers from a walk on the Aho-Corasick automaton of the
    excluded strings. For one nonzero digit the count is ``(b - 2) (b - 1)^(d - 1)``.

    Examples
    --------
    >>> kempner_block_counts("9", max_digits=4)
    [8, 72, 648, 5832]
    """
    base = check_int("base", base, low=2, high=36)
    max_digits = check_int("max_digits", max_digits, low=1, high=100_000)
    aut = _prepare(excluded, base)
    # measured: about 2.5e-4 us per (state x digit x level^2) of big-integer additions
    _check_cost(f"kempner_block_counts(max_digits={max_digits})", 2.5e-4 * aut.n_states * base * max_digits ** 2)
    return _counts(aut, max_digits)


class TextbookBound(NamedTuple):
    """The classic block bound and the note's version of it (exact rationals).

    Attributes
    ----------
    textbook : Fraction
        ``sum_{d>=1} count_d / b^(d-1)``: every d-digit number is at least ``b^(d-1)``.
    note_indexing : Fraction
        The same series as note 003 indexes it: the block ``[b^d, b^(d+1))`` paired with
        the count ``N_d`` of *d*-digit numbers and divided by ``b^d``, summed from d = 0;
        for a single excluded digit ``N_d`` is the closed form ``c r^(d-1)`` continued to
        d = 0 (``8 * 9^(-1)`` for the digit 9), otherwise ``N_0 = 0``.
    note_majorant : Fraction or None
        The note's last step ``sum_{d>=0} ((b-1)/b)^d = b`` (single excluded digit only).
    """

    textbook: Fraction
    note_indexing: Fraction
    note_majorant: Fraction | None


def _generating_sum(aut: _Automaton, x: Fraction) -> Fraction:
    """Exact ``sum_{d>=1} count_d x^(d-1)`` by solving ``(I - x A^T) y = v``."""
    n = aut.n_states
    v = [Fraction(0)] * n
    for a in range(1, aut.base):
        t = aut.trans[0][a]
        if t >= 0:
            v[t] += 1
    # y_t = v_t + x sum_s A[s][t] y_s  ->  (I - x A^T) y = v
    mat = [[Fraction(int(i == j)) for j in range(n)] for i in range(n)]
    for s in range(n):
        for t in aut.trans[s]:
            if t >= 0:
                mat[t][s] -= x
    y = _solve_fraction(mat, v)
    return sum(y, Fraction(0))


def _solve_fraction(mat: list[list[Fraction]], rhs: list[Fraction]) -> list[Fraction]:
    """Exact solution of a non-singular rational system by fraction-free (Bareiss) elimination.

    Each row is scaled to integers first; the elimination then keeps every entry an integer
    (a minor of the matrix), so its cost is ``n^3 / 3`` big-integer steps on numbers of the size
    of the determinant, instead of Gaussian elimination's ever-growing fractions (300 automaton
    states: about 2 s instead of hours).
    """
    n = len(rhs)
    m = []
    for row, r in zip(mat, rhs):
        den = math.lcm(*(Fraction(v).denominator for v in row), Fraction(r).denominator)
        m.append([int(Fraction(v) * den) for v in row] + [int(Fraction(r) * den)])
    prev = 1
    for k in range(n):
        p = next(i for i in range(k, n) if m[i][k] != 0)
        if p != k:
            m[k], m[p] = m[p], m[k]
        mk, piv = m[k], m[k][k]
        for i in range(k + 1, n):
            mi, f = m[i], m[i][k]
            if f == 0:
                for j in range(k + 1, n + 1):
                    mi[j] = mi[j] * piv // prev
            else:
                for j in range(k + 1, n + 1):
                    mi[j] = (mi[j] * piv - f * mk[j]) // prev
            mi[k] = 0
        prev = piv
    x = [Fraction(0)] * n
    for i in range(n - 1, -1, -1):
        acc = m[i][n] - sum(m[i][j] * x[j] for j in range(i + 1, n) if m[i][j])
        x[i] = Fraction(acc) / m[i][i]
    return x


def kempner_textbook_bound(excluded: str | Iterable[str] = "9", *, base: int = 10) -> TextbookBound:
    """The classic upper bound ``sum_d count_d / b^(d-1)`` and note 003's indexing of it.

    Parameters
    ----------
    excluded : str or collection of str, default "9"
        The omitted digit string(s).
    base : int, default 10
        The base, 2..36.

    Returns
    -------
    TextbookBound
        Exact rationals: the textbook bound (80 for the digit 9 in base 10), the note's
        indexing of the same series (80/9), and the note's geometric majorant (10).

    Raises
    ------
    ValueError
        If `excluded` or `base` is invalid.

    Notes
    -----
    The textbook bound (Kempner 1914 [1]_): each of the ``count_d`` admissible d-digit
    numbers is at least ``b^(d-1)``. Note 003 pairs the block ``[10^d, 10^(d+1))``
    (numbers with d + 1 digits) with ``N_d = 8 * 9^(d-1)``, the count of *d*-digit
    numbers, which undercounts every block by a factor of 9; its sum is 80/9, below the
    true sum 22.92..., so the note's "< 10" is not an upper bound.

    Examples
    --------
    >>> b = kempner_textbook_bound("9")
    >>> b.textbook, b.note_indexing, b.note_majorant
    (Fraction(80, 1), Fraction(80, 9), Fraction(10, 1))
    """
    aut = _prepare(excluded, base)
    base = aut.base
    textbook = _generating_sum(aut, Fraction(1, base))
    patterns = _digits_of(excluded, base)
    single = len(patterns) == 1 and len(patterns[0]) == 1
    if single:
        c1 = _counts(aut, 1)[0]
        ratio = Fraction(base - 1)
        n0 = Fraction(c1) / ratio
        note_indexing = n0 + textbook / base
        majorant: Fraction | None = Fraction(1) / (1 - Fraction(base - 1, base))
    else:
        note_indexing = textbook / base
        majorant = None
    return TextbookBound(textbook, note_indexing, majorant)


# --------------------------------------------------------------------------------------
# brute force
# --------------------------------------------------------------------------------------

def _admissible_upto(aut: _Automaton, n_max: int) -> list[int]:
    out: list[int] = []
    level = [(a, aut.trans[0][a]) for a in range(1, aut.base) if aut.trans[0][a] >= 0 and a <= n_max]
    while level:
        out.extend(n for n, _ in level)
        b = aut.base
        level = [(n * b + a, t) for n, s in level if n * b <= n_max
                 for a, t in enumerate(aut.trans[s]) if t >= 0 and n * b + a <= n_max]
    return out


def kempner_partial_sum(excluded: str | Iterable[str] = "9", *, base: int = 10, n_max: int,
                        exact: bool = False, dps: int = 30) -> Fraction | mpmath.mpf:
    """Brute-force ``sum 1/n`` over admissible ``1 <= n <= n_max``.

    Parameters
    ----------
    excluded : str or collection of str, default "9"
        The omitted digit string(s).
    base : int, default 10
        The base, 2..36.
    n_max : int
        Largest n, 0..10^7 (0 gives an empty sum).
    exact : bool, default False
        Return an exact :class:`~fractions.Fraction` (slow beyond ~10^4 terms).
    dps : int, default 30
        Decimal digits of the mpf result when ``exact`` is False.

    Returns
    -------
    Fraction or mpmath.mpf

    Raises
    ------
    ValueError
        If `n_max` is negative or above 10^7 (2 x 10^5 with ``exact=True``), or `excluded`/`base`
        is invalid.

    Notes
    -----
    The partial sums converge hopelessly slowly: the no-9 sum over all n < 10^30 is
    still only about 21.97 against the limit 22.92 ([2]_), so this is a test of small
    cases only.

    Examples
    --------
    >>> kempner_partial_sum("9", n_max=10, exact=True)
    Fraction(789, 280)
    """
    n_max = check_int("n_max", n_max, low=0, high=MAX_PARTIAL)
    dps = check_int("dps", dps, low=1, high=MAX_DIGITS)
    if check_bool("exact", exact) and n_max > MAX_EXACT_PARTIAL:
        raise ValueError(f"`n_max` must be <= {MAX_EXACT_PARTIAL} with exact=True (the fractions' denominators grow "
                         f"like lcm(1..n): quadratic time), got {n_max}; use exact=False")
    aut = _prepare(excluded, base)
    ns = _admissible_upto(aut, n_max)
    if exact:
        total = Fraction(0)
        for n in ns:
            total += Fraction(1, n)
        return total
    prec = int(dps * 3.33) + 20 + max(1, len(ns)).bit_length()
    one = 1 << prec
    acc = sum(one // n for n in ns)
    with mpmath.workprec(prec + 64):
        value = mpmath.mpf(acc) / mpmath.mpf(one)
    with mpmath.workdps(dps):
        return +value


# --------------------------------------------------------------------------------------
# the rigorous moment method
# --------------------------------------------------------------------------------------

class KempnerSum(NamedTuple):
    """The sum of 1/n over integers omitting the excluded strings, with a proven bracket.

    Attributes
    ----------
    value : mpmath.mpf
        The midpoint of the bracket.
    lower, upper : mpmath.mpf
        ``lower <= S <= upper`` rigorously (directed-rounding integer arithmetic).
    digits : int
        Requested correct significant digits; ``(upper - lower) / lower < 10^-digits``.
    excluded : tuple of str
        The omitted strings.
    base : int
        The base.
    n_terms : int
        Number of moment terms of the alternating series used.
    prefix_digits : int
        The digit count l of the prefixes (all shorter numbers are summed directly).
    """

    value: mpmath.mpf
    lower: mpmath.mpf
    upper: mpmath.mpf
    digits: int
    excluded: tuple[str, ...]
    base: int
    n_terms: int
    prefix_digits: int

    @property
    def width(self) -> mpmath.mpf:
        """``upper - lower``."""
        return self.upper - self.lower

    def __str__(self) -> str:
        return mpmath.nstr(self.value, self.digits)


def _moment_terms(base: int, digits: int, ell: int) -> float:
    """About how many moments the alternating series needs for `digits` digits with l-digit prefixes."""
    return digits * math.log(10) / ((ell - 1) * math.log(base)) + 3


def _choose_prefix(counts: list[int], base: int, digits: int) -> int:
    best, best_cost = 2, math.inf
    for ell in range(2, len(counts) + 1):
        terms = _moment_terms(base, digits, ell)
        cost = counts[ell - 1] * terms + sum(counts[: ell - 1])
        if cost < best_cost:
            best, best_cost = ell, cost
        if counts[ell - 1] > 200_000:
            break
    return best


def _moment_data(aut: _Automaton):
    """Per state s: list of (a, t) transitions; A as row lists; g_k and G_k power sums."""
    edges = [[(a, t) for a, t in enumerate(row) if t >= 0] for row in aut.trans]
    grouped = []  # grouped[s] = {t: [digits a]}
    for es in edges:
        d: dict[int, list[int]] = {}
        for a, t in es:
            d.setdefault(t, []).append(a)
        grouped.append(d)
    return edges, grouped


def _mass_exact(aut: _Automaton) -> list[Fraction]:
    """u_{s,0} = total mass of mu_s: solve (b I - A) u = g_0 exactly."""
    n, b = aut.n_states, aut.base
    mat = [[Fraction(b if i == j else 0) for j in range(n)] for i in range(n)]
    rhs = [Fraction(0)] * n
    for s, row in enumerate(aut.trans):
        for t in row:
            if t >= 0:
                mat[s][t] -= 1
                rhs[s] += 1
    return _solve_fraction(mat, rhs)


def _moment_bracket(aut: _Automaton, digits: int, prec: int, ell: int, bar: Any = None):
    """Fixed-point bracket (lo, hi, n_terms) of the sum, scaled by 2^prec; `bar` counts moments."""
    b = aut.base
    one = 1 << prec
    levels = _levels(aut, ell)
    head = [n for lev in levels[:-1] for n, _ in lev]
    head_lo = sum(one // n for n in head)
    head_hi = head_lo + len(head)
    top = levels[-1]
    if not top:  # finitely many admissible numbers: the head is everything
        return head_lo, head_hi, 0
    n_states = aut.n_states
    by_state: list[list[int]] = [[] for _ in range(n_states)]
    for n, s in top:
        by_state[s].append(n)
    states = [s for s in range(n_states) if by_state[s]]
    # Z_{s,k} lower bounds by repeated floor division (floor(floor(a/N)/N) = floor(a/N^2)).
    cur = {s: [one // n for n in by_state[s]] for s in states}
    counts = {s: len(by_state[s]) for s in states}

    edges, grouped = _moment_data(aut)
    # power sums gamma[s][t][k] = sum of a^k over digits a with T(s, a) = t, computed lazily
    pows: list[dict[int, list[int]]] = [{t: [len(ds)] for t, ds in g.items()} for g in grouped]

    def gamma(s: int, t: int, k: int) -> int:
        lst = pows[s][t]
        while len(lst) <= k:
            kk = len(lst)
            lst.append(sum(a ** kk for a in grouped[s][t]))
        return lst[k]

    mass = _mass_exact(aut)
    u_lo = [[(one * m.numerator) // m.denominator] for m in mass]
    u_hi = [[-((-one * m.numerator) // m.denominator)] for m in mass]
    row_max = max(len(e) for e in edges)

    def next_moment(m: int) -> None:
        beta = b ** (m + 1)
        r_lo, r_hi = [], []
        for s in range(n_states):
            g = sum(gamma(s, t, m) for t in grouped[s]) * one
            lo, hi = g, g
            for t in grouped[s]:
                for i in range(m):
                    c = comb(m, i) * gamma(s, t, m - i)
                    lo += c * u_lo[t][i]
                    hi += c * u_hi[t][i]
            r_lo.append(lo)
            r_hi.append(hi)
        # solve (beta I - A) x = r by monotone fixed-point iteration (beta > row sums of A)
        if n_states == 1:
            den = beta - len(edges[0])
            x_lo = [r_lo[0] // den]
            x_hi = [-((-r_hi[0]) // den)]
        else:
            bound = -((-max(r_hi)) // (beta - row_max))
            x_lo = [0] * n_states
            x_hi = [bound] * n_states
            for _ in range(10 * prec):
                n_lo = [(r_lo[s] + sum(x_lo[t] for _, t in edges[s])) // beta for s in range(n_states)]
                n_hi = [-((-(r_hi[s] + sum(x_hi[t] for _, t in edges[s]))) // beta)
                        for s in range(n_states)]
                done = n_lo == x_lo and n_hi == x_hi
                x_lo, x_hi = n_lo, n_hi
                if done:
                    break
        for s in range(n_states):
            u_lo[s].append(x_lo[s])
            u_hi[s].append(x_hi[s])

    # alternating series: partial sums P_0 = 0, P_{M+1} = P_M + (-1)^M T_M
    p_lo = p_hi = 0
    prev_lo = prev_hi = 0
    tol = None
    m = 0
    while True:
        if m > 0:
            next_moment(m)
            for s in states:
                cur[s] = [q // n for q, n in zip(cur[s], by_state[s])]
        t_lo = t_hi = 0
        for s in states:
            z_lo = sum(cur[s])
            z_hi = z_lo + counts[s]
            v_lo = u_lo[s][m] + (one if m == 0 else 0)
            v_hi = u_hi[s][m] + (one if m == 0 else 0)
            t_lo += (v_lo * z_lo) >> prec
            t_hi += -((-(v_hi * z_hi)) >> prec)
        prev_lo, prev_hi = p_lo, p_hi
        if m % 2 == 0:
            p_lo, p_hi = p_lo + t_lo, p_hi + t_hi
        else:
            p_lo, p_hi = p_lo - t_hi, p_hi - t_lo
        if m == 1:
            # P_2 <= R: a lower bound of the sum fixes the absolute tolerance
            est = max(head_lo + p_lo, 1)
            tol = est // (4 * 10 ** digits) + 1
        if m >= 1 and t_hi <= tol:
            break
        m += 1
        if bar is not None:
            bar.update(1)
        if m > 50 * digits + 2000:
            raise PrecisionError(f"moment series did not reach the tolerance after {m} terms")
    lo = head_lo + min(p_lo, prev_lo)
    hi = head_hi + max(p_hi, prev_hi)
    return lo, hi, m + 1


def kempner_sum(excluded: str | Iterable[str] = "9", *, base: int = 10, digits: int = 20,
                progress: bool = True) -> KempnerSum:
    """Sum of 1/n over all n whose base-`base` digits contain none of the excluded strings.

    Parameters
    ----------
    excluded : str, int or collection of str, default "9"
        A digit (``"9"`` or ``9``), a digit string (``"42"``, ``"314159"``) or a
        collection of strings: every n containing any of them is omitted. Digits are
        0-9 then a-z.
    base : int, default 10
        The base, 2..36.
    digits : int, default 20
        Correct significant digits wanted, 1..2000: the returned bracket satisfies
        ``(upper - lower) / lower < 10^-digits``.
    progress : bool, default True
        A progress bar over the moments of the series, shown when the run lasts over 2 s.

    Returns
    -------
    KempnerSum
        ``value`` with a rigorous bracket ``lower <= S <= upper``.

    Raises
    ------
    ValueError
        If a digit is not valid in `base`, a string is empty, `base` is not in 2..36,
        `digits` is not in 1..2000, the excluded strings total more than ``MAX_STATES - 1``
        digits, or the estimated cost exceeds ``MAX_WORK`` (a guard against runs of hours:
        the cost is ``(S^3/3 + M^2 S b/2 + M count_l) (prec/1000)^1.6`` units of about 1 us,
        with S automaton states, M moments and ``prec`` bits; "9" is refused beyond about
        1600 digits).
    PrecisionError
        If the bracket cannot be certified (not expected; raised rather than returning
        a wrong bracket).

    Notes
    -----
    Write every admissible n with more than l - 1 digits as ``n = N b^j + r`` with N its
    admissible l-digit prefix (automaton state s) and r a j-digit continuation allowed
    from s. With ``nu_s = delta_0 + sum_{j>=1} sum_r b^-j delta_{r/b^j}`` on [0, 1),

        S = sum_{n < b^(l-1)} 1/n + sum_N int dnu_s(x) / (N + x)
          = head + sum_{m>=0} (-1)^m T_m,   T_m = sum_N v_{s,m} / N^(m+1),

    where ``v_{s,m}`` are the moments of ``nu_s`` (Burnol [3]_ for one digit). Self-
    similarity of the measures gives the exact linear recurrence

        (b^(m+1) I - A) u_m = g_m + sum_{i<m} C(m, i) G_{m-i} u_i,

    with A the automaton's transition counts, ``G_k[s, t] = sum a^k`` over digits a
    taking s to t, and ``g_m = G_m 1``. Since ``T_m`` decreases (x < 1 <= N), consecutive
    partial sums bracket S. Every quantity is kept as a pair of integers scaled by
    ``2^prec`` rounded down and up, so the bracket holds exactly; the precision is raised
    until the width meets `digits`. Cost: about ``count_l * digits / ((l-1) log10 b)``
    big-integer divisions (l chosen to minimise it).

    Examples
    --------
    >>> r = kempner_sum("9", digits=20)
    >>> print(r)
    22.920676619264150348
    >>> bool(r.lower <= r.value <= r.upper)
    True
    """
    digits = check_int("digits", digits, low=1, high=MAX_DIGITS)
    aut = _prepare(excluded, base)
    base = aut.base
    labels = tuple(_label(p, base) for p in _digits_of(excluded, base))
    counts = _counts(aut, 12 if base <= 4 else 8)
    ell = _choose_prefix(counts, base, digits)
    prec = int((digits + 4) * 3.3220) + 40
    n_mom = _moment_terms(base, digits, ell)
    _check_cost(f"kempner_sum({', '.join(labels)!r}, base={base}, digits={digits})",
                (aut.n_states ** 3 / 3 + n_mom ** 2 / 2 * aut.n_states * base + n_mom * counts[ell - 1])
                * _precision_factor(prec, 1000))
    with _progress(n_mom, "kempner moments", progress) as bar:
        return _kempner_bracket(aut, digits, prec, ell, labels, bar)


def _kempner_bracket(aut: _Automaton, digits: int, prec: int, ell: int, labels: tuple, bar: Any) -> KempnerSum:
    """kempner_sum's precision loop: raise ``prec`` until the bracket meets `digits`."""
    base = aut.base
    for _ in range(8):
        lo, hi, n_terms = _moment_bracket(aut, digits, prec, ell, bar)
        if lo <= 0 and hi <= 0:
            zero = mpmath.mpf(0)
            return KempnerSum(zero, zero, zero, digits, labels, base, n_terms, ell)
        if lo > 0 and (hi - lo) * 10 ** digits < lo:
            # exact conversion: the working precision holds every bit of lo and hi
            with mpmath.workprec(hi.bit_length() + 8):
                scale = mpmath.mpf(2) ** prec
                lower = mpmath.mpf(lo) / scale
                upper = mpmath.mpf(hi) / scale
                value = (lower + upper) / 2
            return KempnerSum(value, lower, upper, digits, labels, base, n_terms, ell)
        deficit = (hi - lo).bit_length() - max(lo, 1).bit_length() + int(digits * 3.3220) + 8
        prec += max(deficit, 32)
    with mpmath.workprec(max(hi, 1).bit_length() + 8):
        scale = mpmath.mpf(2) ** prec
        partial = (mpmath.mpf(lo) / scale, mpmath.mpf(hi) / scale)
    raise PrecisionError(f"could not certify {digits} digits for excluded={labels} in base {base}; "
                         f"the certified bracket is kept in `.partial`", partial)


def _label(p: tuple[int, ...], base: int) -> str:
    return "".join("0123456789abcdefghijklmnopqrstuvwxyz"[d] for d in p)


# --------------------------------------------------------------------------------------
# the Schmelzer-Baillie recurrence
# --------------------------------------------------------------------------------------

def _sb_setup(aut: _Automaton, dps: int, ell: int, K: int):
    """Power sums s_k^(ell)(j), k = 1..K, of the ell-digit admissible numbers, as mpf."""
    levels = _levels(aut, ell)
    prec = int(dps * 3.33) + 64
    one = 1 << prec
    n = aut.n_states
    s = [[0] * n for _ in range(K + 1)]
    cur = [(one // m, m, st) for m, st in levels[-1]]
    for k in range(1, K + 1):
        acc = [0] * n
        for q, _, st in cur:
            acc[st] += q
        s[k] = acc
        cur = [(q // m, m, st) for q, m, st in cur]
    scale = mpmath.mpf(2) ** prec
    s_mp = [[mpmath.mpf(v) / scale for v in row] for row in s]
    head = [m for lev in levels[:-1] for m, _ in lev]
    head_sum = mpmath.mpf(sum(one // m for m in head)) / scale
    return s_mp, head_sum, levels


def _sb_matrices(aut: _Automaton, K: int) -> list[list[list[int]]]:
    """Integer matrices ``P_w[l][j] = sum_{m: T(j, m) = l} (-m)^w`` for w = 0..K-1.

    The Schmelzer-Baillie coefficient matrices are ``B_{k,w} = b^-(k+w) C(k+w-1, w) P_w``.
    """
    n = aut.n_states

    def pw(w: int) -> list[list[int]]:
        mat = [[0] * n for _ in range(n)]
        for j, row in enumerate(aut.trans):
            for m, t in enumerate(row):
                if t >= 0:
                    mat[t][j] += (-m) ** w
        return mat
    return [pw(w) for w in range(K)]


def _sb_order(b: int, dps: int) -> tuple[int, int]:
    """Schmelzer-Baillie: the enumerated prefix length l and the truncation order K."""
    ell = 2
    while b ** (ell - 1) < 100 and ell < 14:
        ell += 1
    return ell, int(dps / max(ell * math.log10(b) - math.log10(b - 1), 0.3)) + 4


def kempner_level_sums(excluded: str | Iterable[str] = "9", *, base: int = 10, max_digits: int,
                       digits: int = 30, progress: bool = True) -> list[mpmath.mpf]:
    """The sums of 1/n over the admissible d-digit numbers, d = 1..max_digits.

    Parameters
    ----------
    excluded : str or collection of str, default "9"
        The omitted digit string(s).
    base : int, default 10
        The base, 2..36.
    max_digits : int
        The largest digit count, 1..10000.
    digits : int, default 30
        Working decimal digits, 1..2000.
    progress : bool, default True
        A progress bar over the levels, shown when the run lasts over 2 s.

    Returns
    -------
    list of mpmath.mpf
        ``sums[d - 1] = sum_{admissible d-digit n} 1/n``. Their cumulative sums are the
        partial sums of the series at ``n < b^d`` (numbers far beyond brute force).

    Raises
    ------
    ValueError
        If an argument is invalid, or the estimated cost ``20 (max_digits - l) K^2 S^2 / 2
        (dps/100)^1.6`` (S automaton states, K the truncation order) exceeds ``MAX_WORK``.

    Notes
    -----
    Levels up to a small l are enumerated; later levels follow the recurrence of
    Schmelzer and Baillie [2]_ on power sums per automaton state j,

        s_k^(d+1)(l) = sum_j sum_{m: T(j,m)=l} sum_{w>=0} (-1)^w C(k+w-1, w) m^w b^-(k+w) s_{k+w}^(d)(j),

    truncated at ``k + w <= K`` with ``K`` chosen from the working precision.

    Examples
    --------
    >>> [float(x) for x in kempner_level_sums("9", max_digits=2, digits=15)]  # doctest: +ELLIPSIS
    [2.717857142857..., 2.053991622224...]
    """
    max_digits = check_int("max_digits", max_digits, low=1, high=10_000)
    digits = check_int("digits", digits, low=1, high=MAX_DIGITS)
    aut = _prepare(excluded, base)
    b = aut.base
    ell, K = _sb_order(b, digits + 15)
    n = aut.n_states
    _check_cost(f"kempner_level_sums(base={b}, max_digits={max_digits}, digits={digits})",
                20 * max(max_digits - ell, 0) * K * K * n * n / 2 * _precision_factor(digits + 15, 100))
    with mpmath.workdps(digits + 15):
        levels = _levels(aut, min(ell, max_digits))
        out = []
        for lev in levels:
            out.append(mpmath.fsum(mpmath.mpf(1) / m for m, _ in lev))
        if max_digits <= ell:
            return out[:max_digits]
        s, _, _ = _sb_setup(aut, digits + 15, ell, K)
        P = _sb_matrices(aut, K)
        inv_b = mpmath.mpf(1) / b
        from tqdm.auto import tqdm

        for _ in tqdm(range(max_digits - ell), desc="kempner levels", leave=False,
                      disable=not check_bool("progress", progress),
                      delay=2.0):
            new = [[mpmath.mpf(0)] * n for _ in range(K + 1)]
            for k in range(1, K + 1):
                for w in range(0, K - k + 1):
                    c = comb(k + w - 1, w) * inv_b ** (k + w)
                    src = s[k + w]
                    Pw = P[w]
                    for l_ in range(n):
                        acc = 0
                        row = Pw[l_]
                        for j in range(n):
                            if row[j]:
                                acc += row[j] * src[j]
                        if acc:
                            new[k][l_] += c * acc
            s = new
            out.append(mpmath.fsum(s[1]))
        return [+x for x in out]


def kempner_sum_recurrence(excluded: str | Iterable[str] = "9", *, base: int = 10,
                           digits: int = 20, progress: bool = True) -> mpmath.mpf:
    """The Kempner sum by the Schmelzer-Baillie recurrence, its tail summed in closed form.

    Parameters
    ----------
    excluded : str or collection of str, default "9"
        The omitted digit string(s).
    base : int, default 10
        The base, 2..36.
    digits : int, default 20
        Target decimal digits, 1..2000.
    progress : bool, default True
        A progress bar over the K power-sum orders, shown when the run lasts over 2 s.

    Returns
    -------
    mpmath.mpf
        The sum to about `digits` digits (an estimate: truncation is not bounded
        rigorously; use :func:`kempner_sum` for a proven bracket).

    Raises
    ------
    ValueError
        If an argument is invalid, or the estimated cost ``20 (K^2 S^2 / 2 + K S^3)
        (dps/100)^1.6`` (S automaton states, K the truncation order) exceeds ``MAX_WORK``
        ("9" is refused beyond about 1200 digits: :func:`kempner_sum` is faster there).

    Notes
    -----
    With ``sigma_k(j) = sum_{d >= l} s_k^(d)(j)`` the recurrence of Schmelzer and
    Baillie [2]_ sums over all levels to the block-triangular linear system

        (I - B_{k,0}) sigma_k = s_k^(l) + sum_{w>=1} B_{k,w} sigma_{k+w},

    ``B_{k,w}[l, j] = b^-(k+w) C(k+w-1, w) sum_{m: T(j,m)=l} (-m)^w``, solved by back
    substitution from k = K down to k = 1 (``I - B_{1,0}`` is invertible because the
    admissible strings grow more slowly than ``b^d``).

    Examples
    --------
    >>> print(mpmath.nstr(kempner_sum_recurrence("9", digits=20), 20))
    22.920676619264150348
    """
    digits = check_int("digits", digits, low=1, high=MAX_DIGITS)
    aut = _prepare(excluded, base)
    b = aut.base
    dps = digits + 15
    ell, K = _sb_order(b, dps)
    n = aut.n_states
    _check_cost(f"kempner_sum_recurrence(base={b}, digits={digits})",
                20 * (K * K * n * n / 2 + K * n ** 3) * _precision_factor(dps, 100))
    with mpmath.workdps(dps):
        levels = _levels(aut, ell)
        if not levels[-1]:
            return +mpmath.fsum(mpmath.mpf(1) / m for lev in levels for m, _ in lev)
        s, head, _ = _sb_setup(aut, dps, ell, K)
        P = _sb_matrices(aut, K)
        inv_b = mpmath.mpf(1) / b
        sigma: list = [None] * (K + 1)
        from tqdm.auto import tqdm

        for k in tqdm(range(K, 0, -1), desc="kempner recurrence", leave=False,
                      disable=not check_bool("progress", progress), delay=2.0):
            rhs = [s[k][l_] for l_ in range(n)]
            for w in range(1, K - k + 1):
                c = comb(k + w - 1, w) * inv_b ** (k + w)
                for l_ in range(n):
                    acc = mpmath.fsum(P[w][l_][j] * sigma[k + w][j] for j in range(n) if P[w][l_][j])
                    rhs[l_] += c * acc
            ck = inv_b ** k
            mat = mpmath.matrix(n, n)
            for l_ in range(n):
                for j in range(n):
                    mat[l_, j] = (1 if l_ == j else 0) - ck * P[0][l_][j]
            sol = mpmath.lu_solve(mat, mpmath.matrix(rhs))
            sigma[k] = [sol[i] for i in range(n)]
        total = head + mpmath.fsum(sigma[1])
        return +total

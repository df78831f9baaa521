"""Simple random walks on the lattice Z^D: fast simulation and exact results.

At each step the walker picks one of the 2D unit steps ``+-e_i`` uniformly.

- :func:`lattice_walk`: vectorised simulation of the distance ``|X_n|`` (torch kernel,
  O(1) work per walker per step: ``|X|^2`` is updated from the one coordinate that moves).
- :func:`walk_sq_distance_pmf`: the exact law of ``|X_N|^2`` as fractions.
- :func:`walk_moments`: exact ``E|X|^2 = N``, ``E|X|^4`` and ``Var|X|^2``.
- :func:`walk_mean_distance`: exact ``E|X_N|`` (from the pmf) and its chi asymptotic.
- :func:`polya_return_probability`: Polya's return probability from Montroll's integral.
- :func:`expected_distinct_sites`: the exact expected range of the walk.
- :func:`plot_walks`: note 003's figure with the RMS and exact mean curves added.

References
----------
.. [1] G. Polya, "Uber eine Aufgabe der Wahrscheinlichkeitsrechnung betreffend die
   Irrfahrt im Strassennetz", Math. Ann. 84 (1921) 149-160.
.. [2] E. W. Montroll, "Random walks in multidimensional spaces, especially on periodic
   lattices", J. SIAM 4 (1956) 241-260.
.. [3] G. N. Watson, "Three triple integrals", Quart. J. Math. 10 (1939) 266-276;
   M. L. Glasser and I. J. Zucker, PNAS 74 (1977) 1800-1801 (closed form of u(3)).
.. [4] A. Dvoretzky and P. Erdos, "Some problems on random walk in space", Proc. 2nd
   Berkeley Symp. (1951) 353-367 (expected range via first returns).
.. [5] J. C. P. Miller's recurrence for powers of power series: D. E. Knuth, TAOCP
   vol. 2, sec. 4.7.
"""

from __future__ import annotations

import math
from fractions import Fraction
from math import comb
from typing import Any, NamedTuple, Sequence

import mpmath
import numpy as np

from pdcheck import as_generator, as_torch_generator, check_bool, check_choice, check_int, check_memory, check_real

__all__ = ["lattice_walk", "SquaredDistancePMF", "walk_sq_distance_pmf", "WalkMoments",
           "walk_moments", "MeanDistance", "walk_mean_distance", "walk_mean_distance_curve", "chi_mean_distance",
           "ReturnProbability", "polya_return_probability", "expected_distinct_sites",
           "plot_walks"]

#: Largest n_steps for the exact pmf (cost grows like N^5 / 240 big-integer operations).
MAX_PMF_STEPS = 160
#: Largest n_steps for :func:`expected_distinct_sites` (cost N^2 / 8 big-integer operations).
MAX_RANGE_STEPS = 20_000


# --------------------------------------------------------------------------------------
# simulation
# --------------------------------------------------------------------------------------

def lattice_walk(n_dims: int, n_steps: int, n_walkers: int, *, seed: Any = None,
                 record_every: int = 1, device: str = "cpu", chunk: int = 256,
                 progress: bool = True) -> np.ndarray:
    """Distances from the origin of independent simple random walkers on Z^D.

    Parameters
    ----------
    n_dims : int
        Lattice dimension D >= 1.
    n_steps : int
        Number of steps N >= 0.
    n_walkers : int
        Number of independent walkers >= 1.
    seed : None, int, numpy Generator or torch.Generator
        Randomness; the same seed gives the same walks.
    record_every : int, default 1
        Record the distance after every `record_every`-th step.
    device : str, default "cpu"
        Torch device.
    chunk : int, default 256
        Steps whose random numbers are drawn at once (memory ``O(n_walkers * chunk)``).
    progress : bool, default True
        Show a tqdm progress bar over chunks.

    Returns
    -------
    ndarray, shape (n_walkers, N // record_every)
        ``out[i, j] = |X_{(j+1) * record_every}|`` for walker i (float64), the layout of
        note 003's ``random_hyperwalk`` (column t is the distance after t + 1 steps).

    Raises
    ------
    ValueError
        If an argument is out of range, or the walk would need more memory than
        :func:`pdcheck.memory_limit` (estimated before anything is allocated).

    Notes
    -----
    One random integer r in [0, 2D) per walker and step gives the coordinate ``r // 2``
    and the sign ``2 (r mod 2) - 1``. Per step the kernel gathers the moving
    coordinate's old value ``x_c`` and adds the sign (two vectorised torch calls); the
    squared norm follows from ``|X + s e_c|^2 = |X|^2 + 2 s x_c + 1`` by a cumulative
    sum over each chunk. Work is O(1) per walker per step, independent of D, and
    memory is ``O(n_walkers * (D + chunk)) + output``.

    Examples
    --------
    >>> d = lattice_walk(3, 4, 2, seed=0, progress=False)
    >>> d.shape
    (2, 4)
    >>> bool(np.all(np.abs(np.diff(np.rint(d ** 2), axis=1)) % 2 == 1))
    True
    """
    import torch

    n_dims = check_int("n_dims", n_dims, low=1, high=10**7)
    n_steps = check_int("n_steps", n_steps, low=0)
    n_walkers = check_int("n_walkers", n_walkers, low=1)
    record_every = check_int("record_every", record_every, low=1)
    chunk = check_int("chunk", chunk, low=1)
    check_bool("progress", progress)
    device = _check_device(device)
    if n_walkers * n_dims > 2**31:
        raise ValueError(f"`n_walkers` * `n_dims` must be <= 2^31 (memory), got {n_walkers * n_dims}")
    n_rec = n_steps // record_every
    W, D = n_walkers, n_dims
    dtype = torch.int32 if n_steps < 2**15 else torch.int64
    check_memory(f"lattice_walk(n_dims={D}, n_steps={n_steps}, n_walkers={W}, record_every={record_every})",
                 _walk_bytes(D, n_steps, W, n_rec, chunk))
    gen = as_torch_generator(seed, device)
    state = torch.zeros(W * D, dtype=dtype, device=device)
    offsets = (torch.arange(W, device=device, dtype=torch.int64) * D)
    r2 = torch.zeros(W, dtype=torch.int64, device=device)
    out = torch.empty((W, n_rec), dtype=torch.float64, device=device)
    bar = None
    if progress and n_steps > 0:
        from tqdm.auto import tqdm

        bar = tqdm(total=n_steps, desc=f"walk D={D}", unit="step", leave=False)
    t0 = 0
    j = 0
    while t0 < n_steps:
        c = min(chunk, n_steps - t0)
        r = torch.randint(0, 2 * D, (c, W), generator=gen, device=device)
        idx = offsets + (r >> 1)
        sgn = ((r & 1) * 2 - 1).to(dtype)
        xold = torch.empty((c, W), dtype=dtype, device=device)
        for it, st, xt in zip(idx.unbind(0), sgn.unbind(0), xold.unbind(0)):
            torch.index_select(state, 0, it, out=xt)
            state.index_add_(0, it, st)
        csum = torch.cumsum((2 * sgn * xold + 1).to(torch.int64), dim=0)
        csum += r2
        r2 = csum[-1]
        first = (-(t0 + 1)) % record_every  # row i is global step t0 + 1 + i
        if first < c:
            picked = csum[first::record_every]
            k = picked.shape[0]
            out[:, j:j + k] = picked.T
            j += k
        t0 += c
        if bar is not None:
            bar.update(c)
    if bar is not None:
        bar.close()
    out.sqrt_()
    return out.cpu().numpy()


def _check_device(device: Any) -> Any:
    """A torch device that exists on this machine (a string such as "cpu" or a torch.device)."""
    import torch

    if not isinstance(device, (str, torch.device)):
        raise TypeError(f"`device` must be a string such as 'cpu' or a torch.device, got {type(device).__name__}")
    try:
        dev = torch.device(device)
        torch.empty(0, device=dev)
    except (RuntimeError, ValueError, AssertionError) as exc:
        raise ValueError(f"`device` must be a device available here, got {device!r} ({exc})") from None
    return dev


def _walk_bytes(n_dims: int, n_steps: int, n_walkers: int, n_rec: int, chunk: int) -> int:
    """Bytes :func:`lattice_walk` holds at once: state, output, and one chunk's work arrays."""
    item = 4 if n_steps < 2**15 else 8
    c = min(chunk, n_steps)
    return n_walkers * (n_dims * item + 24 + 8 * n_rec + c * (40 + 2 * item))


# --------------------------------------------------------------------------------------
# exact law of |X_N|^2
# --------------------------------------------------------------------------------------

class SquaredDistancePMF(NamedTuple):
    """Exact law of ``|X_N|^2`` for the simple random walk on Z^D.

    Attributes
    ----------
    support : ndarray of int64
        The values r with positive probability (r has the parity of N), increasing.
    pmf : tuple of Fraction
        ``P(|X_N|^2 = r)`` for each r in `support`.
    counts : tuple of int
        Number of the ``(2D)^N`` walks ending at ``|X_N|^2 = r``.
    n_dims, n_steps : int
    """

    support: np.ndarray
    pmf: tuple
    counts: tuple
    n_dims: int
    n_steps: int

    def probabilities(self) -> np.ndarray:
        """The pmf as float64."""
        total = (2 * self.n_dims) ** self.n_steps
        return np.array([c / total for c in self.counts], dtype=float)

    def mean(self) -> Fraction:
        """Exact ``E|X_N|^2`` (equals N)."""
        total = (2 * self.n_dims) ** self.n_steps
        return Fraction(sum(int(r) * c for r, c in zip(self.support, self.counts)), total)

    def as_dict(self) -> dict:
        """``{r: P(|X_N|^2 = r)}``."""
        return {int(r): p for r, p in zip(self.support, self.pmf)}


def _pmf_counts(n_dims: int, n_steps: int) -> list[np.ndarray]:
    """Counts H_n (parity-compressed: index i is r = 2 i + n % 2) for n = 0..n_steps."""
    D = n_dims
    H: list[np.ndarray] = [np.array([1], dtype=object)]
    for n in range(1, n_steps + 1):
        par = n & 1
        size = (n * n - par) // 2 + 1
        acc = np.zeros(size, dtype=object)
        acc[:] = 0
        for k in range(1, n + 1):
            w = ((D + 1) * k - n) * comb(n, k)
            if w == 0:
                continue
            prev = H[n - k]
            pp = (n - k) & 1
            for x in range(k & 1, k + 1, 2):
                c1 = comb(k, (k + x) // 2) * (2 if x else 1)
                off = (x * x + pp - par) // 2
                acc[off:off + prev.size] += (w * c1) * prev
        H.append(acc // n)
    return H


def walk_sq_distance_pmf(n_dims: int, n_steps: int) -> SquaredDistancePMF:
    """Exact distribution of the squared distance ``|X_N|^2`` of the walk on Z^D.

    Parameters
    ----------
    n_dims : int
        Dimension D >= 1 (any size: the cost does not depend on D).
    n_steps : int
        N, 0..160.

    Returns
    -------
    SquaredDistancePMF
        Support, exact probabilities (fractions) and walk counts.

    Raises
    ------
    ValueError
        If `n_dims` < 1 or `n_steps` is outside 0..160.

    Notes
    -----
    Splitting the N steps among the D coordinates is multinomial, so the exponential
    generating function of the walk counts by ``|X|^2`` is
    ``sum_n H_n(z) t^n / n! = G(t, z)^D`` with ``G = sum_k G_k(z) t^k / k!`` and
    ``G_k(z) = sum_j C(k, j) z^((k - 2j)^2)`` the one-dimensional counts. The power is
    taken with J. C. P. Miller's recurrence ([5]_), in exact integers:

        H_n = (1/n) sum_{k=1}^n ((D + 1) k - n) C(n, k) G_k(z) H_{n-k}(z),

    which costs about N^5 / 240 integer operations whatever D is.

    Examples
    --------
    >>> p = walk_sq_distance_pmf(2, 2)
    >>> p.as_dict()
    {0: Fraction(1, 4), 2: Fraction(1, 2), 4: Fraction(1, 4)}
    >>> p.mean()
    Fraction(2, 1)
    """
    n_dims = check_int("n_dims", n_dims, low=1)
    n_steps = check_int("n_steps", n_steps, low=0, high=MAX_PMF_STEPS)
    H = _pmf_counts(n_dims, n_steps)[n_steps]
    total = (2 * n_dims) ** n_steps
    par = n_steps & 1
    support, counts = [], []
    for i, c in enumerate(H):
        if c:
            support.append(2 * i + par)
            counts.append(int(c))
    return SquaredDistancePMF(np.array(support, dtype=np.int64), tuple(Fraction(c, total) for c in counts),
                              tuple(counts), n_dims, n_steps)


class WalkMoments(NamedTuple):
    """Exact moments of ``|X_N|^2`` (fractions)."""

    mean_sq: Fraction
    mean_fourth: Fraction
    var_sq: Fraction


def walk_moments(n_dims: int, n_steps: int) -> WalkMoments:
    """Exact ``E|X_N|^2``, ``E|X_N|^4`` and ``Var|X_N|^2``.

    Parameters
    ----------
    n_dims : int
        Dimension D >= 1.
    n_steps : int
        N >= 0.

    Returns
    -------
    WalkMoments
        ``E|X|^2 = N``, ``E|X|^4 = N + N (N - 1) (D + 2) / D``, ``Var|X|^2 = 2 N (N - 1) / D``.

    Raises
    ------
    ValueError
        If `n_dims` < 1 or `n_steps` < 0.

    Notes
    -----
    With ``x_i = sum_t eps_t [c_t = i]``: ``E x_i^4 = N/D + 3 N (N-1) / D^2`` and
    ``E x_i^2 x_j^2 = N (N-1) / D^2`` for i != j; sum over i, j. The Gaussian
    "D independent walkers of N/D steps" picture gives ``Var = 2 N^2 / D`` instead.

    Examples
    --------
    >>> walk_moments(3, 10)
    WalkMoments(mean_sq=Fraction(10, 1), mean_fourth=Fraction(160, 1), var_sq=Fraction(60, 1))
    """
    D = check_int("n_dims", n_dims, low=1)
    N = check_int("n_steps", n_steps, low=0)
    fourth = Fraction(N) + Fraction(N * (N - 1) * (D + 2), D)
    return WalkMoments(Fraction(N), fourth, fourth - N * N)


# --------------------------------------------------------------------------------------
# mean distance
# --------------------------------------------------------------------------------------

class MeanDistance(NamedTuple):
    """``E|X_N|`` with how it was computed.

    Attributes
    ----------
    value : float
        ``E|X_N|`` (exact to double precision for method "exact").
    ratio : float
        ``value / sqrt(N)`` (N >= 1: the ratio has no value at N = 0).
    asymptotic : float
        The chi asymptotic ``sqrt(2 N / D) Gamma((D+1)/2) / Gamma(D/2)``.
    method : str
        "exact" (from the exact pmf), "laplace" (Laplace-transform quadrature of the exact
        law) or "asymptotic".
    error : float
        Bound on ``|value - E|X_N||``: rounding for "exact", 1e-13 relative for "laplace"
        (validated against "exact"); for "asymptotic" an
        empirical O(1/N) estimate ``asymptotic / (4 N)``.
    """

    value: float
    ratio: float
    asymptotic: float
    method: str
    error: float


def chi_mean_distance(n_dims: int, n_steps: float) -> float:
    """Large-N limit of ``E|X_N|``: ``sqrt(2 N / D) Gamma((D + 1) / 2) / Gamma(D / 2)``.

    Parameters
    ----------
    n_dims : int
        D >= 1.
    n_steps : float
        N >= 0 (real values allowed, for curves).

    Returns
    -------
    float

    Notes
    -----
    ``|X_N|^2 D / N`` tends to a chi-squared law with D degrees of freedom (central
    limit theorem per coordinate), so ``E|X_N| / sqrt(N) -> sqrt(2/D) Gamma((D+1)/2) /
    Gamma(D/2) = 1 - 1/(4D) + O(D^-2)``: below 1 for every finite D.

    Examples
    --------
    >>> round(chi_mean_distance(1, 100), 6)   # sqrt(2 N / pi)
    7.978846
    """
    D = check_int("n_dims", n_dims, low=1)
    n_steps = check_real("n_steps", n_steps, low=0.0)
    return math.sqrt(2.0 * n_steps / D) * math.exp(math.lgamma((D + 1) / 2) - math.lgamma(D / 2))


def _exact_mean_curve(n_dims: int, n_steps: int) -> np.ndarray:
    """Exact E|X_n| for n = 0..n_steps from one run of the pmf recurrence."""
    H = _pmf_counts(n_dims, n_steps)
    out = np.zeros(n_steps + 1)
    with mpmath.workdps(30):
        for n in range(1, n_steps + 1):
            par = n & 1
            tot = mpmath.fsum(mpmath.sqrt(2 * i + par) * int(c) for i, c in enumerate(H[n]) if c)
            out[n] = float(tot / (2 * n_dims) ** n)
    return out


def _binom_rows(N: int, p: float) -> list[np.ndarray]:
    """Binomial(n, p) pmfs for n = 0..N by the stable two-term recursion."""
    rows = [np.ones(1)]
    q = 1.0 - p
    for n in range(1, N + 1):
        prev = rows[-1]
        r = np.zeros(n + 1)
        r[:-1] += q * prev
        r[1:] += p * prev
        rows.append(r)
    return rows


def _laplace_complement(D: int, N: int, s: np.ndarray) -> np.ndarray:
    """``C[n, i] = 1 - E exp(-s_i |X_n|^2)`` for n = 0..N, without cancellation.

    One coordinate: ``C_1(k) = sum_j Bin(j; k, 1/2) (1 - exp(-s (k - 2j)^2))``. Blocks of
    J_a and J_b coordinates combine through the binomial split of the steps,
    ``C(n) = sum_k Bin(k; n, J_a / (J_a + J_b)) [C_a(k) + C_b(n - k) (1 - C_a(k))]``
    (all terms non-negative), by binary powering over D.
    """
    from scipy.special import expm1

    xs = np.arange(N + 1, dtype=float)
    em = -expm1(-np.outer(xs ** 2, s))
    half = _binom_rows(N, 0.5)
    C1 = np.empty((N + 1, s.size))
    for k in range(N + 1):
        C1[k] = half[k] @ em[np.abs(k - 2 * np.arange(k + 1))]

    def combine(Ca: np.ndarray, Ja: int, Cb: np.ndarray, Jb: int) -> np.ndarray:
        rows = _binom_rows(N, Ja / (Ja + Jb))
        out = np.empty_like(Ca)
        for n in range(N + 1):
            A = Ca[:n + 1]
            out[n] = rows[n] @ (A + Cb[n::-1] * (1.0 - A))
        return out

    result, j_res, base, j_base, d = None, 0, C1, 1, D
    while d:
        if d & 1:
            if result is None:
                result, j_res = base, j_base
            else:
                result = combine(result, j_res, base, j_base)
                j_res += j_base
        d >>= 1
        if d:
            base = combine(base, j_base, base, j_base)
            j_base *= 2
    return result


def walk_mean_distance_curve(n_dims: int, n_steps: int, *, n_nodes: int = 96) -> np.ndarray:
    """``E|X_n|`` for every n = 0..N, exact up to quadrature error (~1e-14 relative).

    Parameters
    ----------
    n_dims : int
        D >= 1.
    n_steps : int
        N, 0..5000 (cost about ``2 log2(D) N^2 n_nodes / 2`` flops).
    n_nodes : int, default 96
        Gauss-Legendre nodes in ``y = ln s``.

    Returns
    -------
    ndarray, shape (N + 1,)

    Raises
    ------
    ValueError
        For bad arguments.

    Notes
    -----
    ``sqrt(r) = (4 pi)^(-1/2) int_0^inf (1 - e^(-s r)) s^(-3/2) ds``, so
    ``E|X_n| = (4 pi)^(-1/2) int (1 - E e^(-s |X_n|^2)) e^(-y/2) dy`` with ``s = e^y``.
    The Laplace transform of ``|X_n|^2`` factorises over coordinates once the steps are
    split binomially between blocks of coordinates (see ``_laplace_complement``), which
    is computed in complement form so no digits are lost where ``s`` is small. Gauss-
    Legendre on ``y in [-22, 4]`` plus the exact tails: below, ``1 - L = s n - s^2 E|X|^4
    / 2 + O(s^3)``; above, ``1 - L = 1 - P(X_n = 0)`` to ``e^-54``. Agrees with the exact
    pmf mean to ~1e-14 (tests).

    Examples
    --------
    >>> c = walk_mean_distance_curve(2, 4)
    >>> [round(float(v), 12) for v in c[:3]]
    [0.0, 1.0, 1.207106781187]
    """
    D = check_int("n_dims", n_dims, low=1)
    N = check_int("n_steps", n_steps, low=0, high=5000)
    n_nodes = check_int("n_nodes", n_nodes, low=16, high=1000)
    y_min, y_max = -22.0, 4.0
    x, w = np.polynomial.legendre.leggauss(n_nodes)
    y = (x + 1) / 2 * (y_max - y_min) + y_min
    w = w * (y_max - y_min) / 2
    s = np.append(np.exp(y), 1e300)  # the last column gives 1 - P(X_n = 0)
    C = _laplace_complement(D, N, s)
    n = np.arange(N + 1, dtype=float)
    m4 = n + n * (n - 1) * (D + 2) / D
    body = C[:, :-1] @ (w * np.exp(-y / 2))
    left = 2 * n * math.exp(y_min / 2) - (m4 / 3) * math.exp(1.5 * y_min)
    right = 2 * C[:, -1] * math.exp(-y_max / 2)
    out = (body + left + right) / (2 * math.sqrt(math.pi))
    out[0] = 0.0
    return out


def walk_mean_distance(n_dims: int, n_steps: int, *, method: str = "auto") -> MeanDistance:
    """Expected distance ``E|X_N|`` of the walk on Z^D after N steps.

    Parameters
    ----------
    n_dims : int
        D >= 1.
    n_steps : int
        N >= 1 (``E|X_0| = 0`` needs no function, and its ratio to sqrt(N) has no value);
        method "exact" needs N <= 160, "laplace" N <= 5000.
    method : {"auto", "exact", "laplace", "asymptotic"}
        "auto" is "exact" for N <= 64, "laplace" for N <= 2000 and "asymptotic" beyond.

    Returns
    -------
    MeanDistance

    Raises
    ------
    ValueError
        For bad arguments or "exact" with N > 160.

    Notes
    -----
    "exact": ``sum_r sqrt(r) P(|X_N|^2 = r)`` from :func:`walk_sq_distance_pmf`, summed
    in 40-digit arithmetic. "laplace": :func:`walk_mean_distance_curve` (exact law,
    quadrature error ~1e-14 relative). "asymptotic": :func:`chi_mean_distance`; Jensen gives
    ``E|X_N| < sqrt(E|X_N|^2) = sqrt(N)`` for every D and N >= 1.

    Examples
    --------
    >>> r = walk_mean_distance(1, 2)
    >>> r.value, r.method
    (1.0, 'exact')
    """
    D = check_int("n_dims", n_dims, low=1)
    N = check_int("n_steps", n_steps, low=1)
    method = check_choice("method", method, ("auto", "exact", "laplace", "asymptotic"))
    if method == "auto":
        method = "exact" if N <= 64 else "laplace" if N <= 2000 else "asymptotic"
    if method == "laplace" and N > 5000:
        raise ValueError(f"`n_steps` must be <= 5000 for method 'laplace', got {N}")
    asym = chi_mean_distance(D, N)
    if method == "exact":
        if N > MAX_PMF_STEPS:
            raise ValueError(f"`n_steps` must be <= {MAX_PMF_STEPS} for method 'exact', got {N}")
        p = walk_sq_distance_pmf(D, N)
        total = (2 * D) ** N
        with mpmath.workdps(40):
            val = mpmath.fsum(mpmath.sqrt(int(r)) * c for r, c in zip(p.support, p.counts)) / total
            value = float(val)
        err = 2 * abs(value) * 2.0**-52
    elif method == "laplace":
        value = float(walk_mean_distance_curve(D, N)[-1])
        err = 1e-13 * value
    else:
        value = asym
        err = asym / (4 * N)
    return MeanDistance(value, value / math.sqrt(N), asym, method, err)


# --------------------------------------------------------------------------------------
# Polya and the range
# --------------------------------------------------------------------------------------

class ReturnProbability(NamedTuple):
    """Polya's return probability ``p(D) = 1 - 1/u(D)``.

    Attributes
    ----------
    probability : float
        p(D) (1 for D <= 2: recurrent).
    expected_visits : float
        ``u(D) = sum_n P(X_n = 0)``, the expected number of visits to the origin
        (inf for D <= 2).
    error : float
        Bound on the error of `probability` (difference of two quadrature precisions).
    """

    probability: float
    expected_visits: float
    error: float


def _u_double(D: int) -> tuple[float, float]:
    """Montroll's u(D) - 1 in double precision: Gauss-Kronrod on [0, S] plus an asymptotic tail."""
    from scipy.integrate import quad
    from scipy.special import i0e

    S = float(max(400.0, 2.0 * D))
    # integrate (e^-s I_0(s))^D - e^(-D s): the subtracted part integrates to 1/D exactly,
    # so the result is (u - 1) / D without cancellation when u is close to 1
    f = lambda s: i0e(s) ** D - math.exp(-D * s)  # noqa: E731
    pts = [0.0, 0.25, 0.5, 1.0]
    while pts[-1] < S:
        pts.append(min(2 * pts[-1], S))
    val, err = 0.0, 0.0
    import warnings

    from scipy.integrate import IntegrationWarning

    for a, b in zip(pts[:-1], pts[1:]):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", IntegrationWarning)
            v, e = quad(f, a, b, epsabs=1e-18, epsrel=2e-14, limit=200)
        val += v
        err += e
    # tail: e^-s I_0(s) ~ (2 pi s)^-1/2 sum_k c_k s^-k, c_k = prod_{j<=k} (2j-1)^2 / (k! 8^k)
    K = 14
    c = [1.0]
    for k in range(1, K):
        c.append(c[-1] * (2 * k - 1) ** 2 / (8.0 * k))
    e = np.array([1.0])
    base = np.array(c)
    for _ in range(D if D < 64 else 0):
        e = np.convolve(e, base)[:K]
    if D >= 64:  # power by exp(D log(series)) for large D
        from numpy.polynomial import polynomial as P

        logs = np.zeros(K)
        # log(1 + y) with y = series - 1, as a truncated power series
        y = base.copy()
        y[0] = 0.0
        term = np.array([1.0])
        for j in range(1, K):
            term = P.polymul(term, y)[:K]
            logs[:len(term)] += ((-1) ** (j + 1) / j) * term
        logs = logs * D
        e = np.zeros(K)
        e[0] = 1.0
        term = np.array([1.0])
        for j in range(1, K):
            term = P.polymul(term, logs)[:K] / j
            e[:len(term)] += term
    tail = sum(e[k] * S ** (1 - D / 2 - k) / (D / 2 + k - 1) for k in range(K)) * (2 * math.pi) ** (-D / 2)
    trunc = abs(e[K - 1]) * S ** (1 - D / 2 - (K - 1)) * (2 * math.pi) ** (-D / 2)
    tail -= math.exp(-D * S) / D
    u_minus_1 = D * (val + tail)
    # i0e carries ~1e-16 relative error, amplified D-fold by the power
    return u_minus_1, D * (err + trunc) + 4e-16 * abs(u_minus_1) + 2.5e-16 * D


def polya_return_probability(n_dims: int, *, method: str = "double", dps: int = 20) -> ReturnProbability:
    """Probability that the simple random walk on Z^D ever returns to the origin.

    Parameters
    ----------
    n_dims : int
        D >= 1.
    method : {"double", "mpmath"}, default "double"
        "double": adaptive Gauss-Kronrod (scipy) on [0, S] and the asymptotic expansion
        of the Bessel function beyond S (milliseconds, 12+ digits); "mpmath": tanh-sinh
        quadrature at `dps` digits, error from a second run at dps + 10 (seconds).
    dps : int, default 20
        Working digits for "mpmath" (15..200).

    Returns
    -------
    ReturnProbability
        For D <= 2: probability 1 (Polya [1]_). For D >= 3: from Montroll's integral
        ``u(D) = int_0^inf e^-t I_0(t/D)^D dt`` ([2]_), ``p = 1 - 1/u``, with an error bound.

    Raises
    ------
    ValueError
        If `n_dims` < 1 or `method`/`dps` is invalid.

    Notes
    -----
    After ``t = D s`` the integrand is ``D (e^-s I_0(s))^D``; it decays like
    ``(2 pi s)^(-D/2)``, so the integral diverges exactly for D <= 2 (recurrence). The
    tail beyond S is integrated term by term from ``e^-s I_0(s) ~ (2 pi s)^-1/2 sum_k
    c_k s^-k``, ``c_k = prod_{j<=k} (2j-1)^2 / (k! 8^k)``. Check: ``u(3) = sqrt(6) /
    (32 pi^3) Gamma(1/24) Gamma(5/24) Gamma(7/24) Gamma(11/24)`` (Watson; Glasser and
    Zucker [3]_).

    Examples
    --------
    >>> round(polya_return_probability(3).probability, 10)
    0.3405373296
    """
    D = check_int("n_dims", n_dims, low=1, high=10**6)
    method = check_choice("method", method, ("double", "mpmath"))
    dps = check_int("dps", dps, low=15, high=200)
    if D <= 2:
        return ReturnProbability(1.0, math.inf, 0.0)
    if method == "double":
        um1, err_u = _u_double(D)
        u = 1.0 + um1
        p = um1 / u
        return ReturnProbability(float(p), float(u), float(err_u / u + 2e-16 * p))

    def u_at(work: int):
        with mpmath.workdps(work):
            f = lambda s: (mpmath.exp(-s) * mpmath.besseli(0, s)) ** D  # noqa: E731
            pts = [mpmath.mpf(0)] + [mpmath.mpf(4) ** k / 64 for k in range(0, 12)] + [mpmath.inf]
            return D * mpmath.quad(f, pts)

    u1 = u_at(dps)
    u2 = u_at(dps + 10)
    with mpmath.workdps(dps + 10):
        err = float(abs((1 - 1 / u1) - (1 - 1 / u2))) + 1e-16
        return ReturnProbability(float(1 - 1 / u2), float(u2), err)


def _closed_walk_counts(n_dims: int, m_max: int) -> list[int]:
    """U_{2m}: number of closed walks of length 2m on Z^D, m = 0..m_max."""
    D = n_dims
    B = [1]
    for m in range(1, m_max + 1):
        acc = 0
        ck = 1  # C(m, k), updated multiplicatively
        for k in range(1, m + 1):
            ck = ck * (m - k + 1) // k
            w = (D + 1) * k - m
            if w:
                acc += w * ck * ck * B[m - k]
        B.append(acc // m)
    out, c2 = [], 1
    for m in range(m_max + 1):
        if m:
            c2 = c2 * (2 * m) * (2 * m - 1) // (m * m)
        out.append(c2 * B[m])
    return out


def expected_distinct_sites(n_dims: int, n_steps: int) -> Fraction:
    """Exact expected number of distinct sites visited in N steps (origin included).

    Parameters
    ----------
    n_dims : int
        D >= 1.
    n_steps : int
        N, 0..20000.

    Returns
    -------
    Fraction
        ``E R_N = sum_{k=0}^N P(T > k)`` with T the first return time to the origin.

    Raises
    ------
    ValueError
        If `n_dims` < 1 or `n_steps` is out of range.

    Notes
    -----
    A site is new at step k iff the time-reversed walk does not return to its start in
    k steps ([4]_). First-return probabilities come from the return generating
    function ``F(s) = 1 - 1/U(s)``, in integers: with ``U_n`` the number of closed walks
    of length n and ``F_n = (2D)^n f_n``, ``F_n = U_n - sum_{j<n} F_j U_{n-j}``. The
    closed-walk counts ``U_{2m} = C(2m, m) B_m`` follow from Miller's recurrence
    ``B_m = (1/m) sum_k ((D+1) k - m) C(m, k)^2 B_{m-k}`` for the D-th power of
    ``sum_k s^k / k!^2``. For D >= 3, ``E R_N / N -> 1 - p(D)``.

    Examples
    --------
    >>> expected_distinct_sites(1, 2)
    Fraction(5, 2)
    """
    D = check_int("n_dims", n_dims, low=1)
    N = check_int("n_steps", n_steps, low=0, high=MAX_RANGE_STEPS)
    U2 = _closed_walk_counts(D, N // 2)
    # only even lengths: F_{2m} = U_{2m} - sum_{j=1}^{m-1} F_{2j} U_{2(m-j)}
    F = [0] * (N // 2 + 1)
    for m in range(1, N // 2 + 1):
        acc = U2[m]
        for j in range(1, m):
            acc -= F[j] * U2[m - j]
        F[m] = acc
    q = 2 * D
    total_den = q ** N
    # E R_N = sum_{k=0}^N (1 - sum_{2j <= k} F_{2j} / q^{2j}); Horner over even k
    num = 0
    cum = 0  # sum_j F_{2j} q^{N - 2j}
    q2 = q * q
    pw = [1] * (N // 2 + 1)  # pw[i] = q^(2i)
    for i in range(1, N // 2 + 1):
        pw[i] = pw[i - 1] * q2
    shift = N % 2
    for k in range(0, N + 1):
        if k >= 2 and k % 2 == 0:
            cum += F[k // 2] * pw[(N - k) // 2] * (q if shift else 1)
        num += cum
    num = (N + 1) * total_den - num
    return Fraction(num, total_den)


# --------------------------------------------------------------------------------------
# the figure
# --------------------------------------------------------------------------------------

def plot_walks(n_dims_list: Sequence[int] = (5, 10, 20, 40, 80, 160), *, n_steps: int = 1000,
               n_walkers: int = 1000, seed: Any = 0, exact_curve: bool = True,
               exact_steps: int = 48, max_lines: int = 1000, progress: bool = True):
    """Note 003's figure: one panel per D, each walker faint, mean in red, sqrt(N) in black.

    Adds the RMS distance ``sqrt(mean |X|^2)`` (green dashed) and the exact mean
    ``E|X_n|`` (orange dotted: the exact law's mean for every n by
    :func:`walk_mean_distance_curve`; or, with ``exact_curve=False``, the exact pmf mean
    for n <= `exact_steps` and the chi asymptotic beyond).

    Parameters
    ----------
    n_dims_list : sequence of int
        Dimensions, one panel each.
    n_steps, n_walkers : int
        Walk length and number of walkers per panel (at least 2, for standard errors).
    seed : int, Generator or None
        Randomness.
    exact_curve : bool, default True
        Exact mean for every n (about 0.5-2 s per panel at N = 1000); False is faster.
    exact_steps : int, default 48
        With ``exact_curve=False``: exact pmf mean up to this many steps (0..160).
    max_lines : int, default 1000
        Draw at most this many walker paths per panel.
    progress : bool, default True
        Progress bars.

    Returns
    -------
    matplotlib.figure.Figure
        The figure; ``fig.walk_stats[D]`` holds the simulated final mean and mean square with
        their standard errors, and the exact (or asymptotic) final mean ``exact_mean``.

    Raises
    ------
    ValueError
        For bad arguments, or sizes whose memory estimate exceeds :func:`pdcheck.memory_limit`.

    Examples
    --------
    >>> fig = plot_walks((2, 3), n_steps=20, n_walkers=10, progress=False)
    >>> len(fig.axes)
    2
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    if isinstance(n_dims_list, (str, bytes)) or not hasattr(n_dims_list, "__iter__"):
        raise TypeError(f"`n_dims_list` must be a sequence of ints, got {n_dims_list!r}")
    dims = [check_int("n_dims", d, low=1) for d in n_dims_list]
    if not dims:
        raise ValueError("`n_dims_list` must not be empty")
    n_steps = check_int("n_steps", n_steps, low=1)
    n_walkers = check_int("n_walkers", n_walkers, low=2)
    exact_steps = check_int("exact_steps", exact_steps, low=0, high=MAX_PMF_STEPS)
    max_lines = check_int("max_lines", max_lines, low=0)
    check_bool("exact_curve", exact_curve)
    check_bool("progress", progress)
    # per panel: the distances, the drawn paths, and the walk's own work arrays
    check_memory(f"plot_walks(n_steps={n_steps}, n_walkers={n_walkers}, max_lines={max_lines})",
                 max(_walk_bytes(D, n_steps, n_walkers, n_steps, 256) for D in dims)
                 + 8 * n_walkers * n_steps + 16 * min(max_lines, n_walkers) * n_steps
                 + 8 * (n_steps + 1) * 100)
    import numpy as _np

    rng = as_generator(seed) if not hasattr(seed, "manual_seed") else seed
    ncols = 2 if len(dims) > 1 else 1
    nrows = (len(dims) + ncols - 1) // ncols
    fig = Figure(figsize=(10, 3.3 * nrows))
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    steps = _np.arange(1, n_steps + 1)
    stats = {}
    for ax, D in zip(axes, dims):
        dist = lattice_walk(D, n_steps, n_walkers, seed=rng, progress=progress)
        mean = dist.mean(axis=0)
        rms = _np.sqrt((dist ** 2).mean(axis=0))
        k = min(max_lines, n_walkers)
        if k:
            from matplotlib.collections import LineCollection

            segs = _np.empty((k, n_steps, 2))
            segs[:, :, 0] = steps
            segs[:, :, 1] = dist[:k]
            ax.add_collection(LineCollection(segs, colors="blue", alpha=0.01, linewidths=0.6))
        ax.plot(steps, mean, color="red", lw=1.2, label="mean |X| (sim)")
        ax.plot(steps, rms, color="green", ls="--", lw=1.0, label="RMS (sim)")
        ax.plot(steps, _np.sqrt(steps), color="black", lw=1.0, label="sqrt(N)")
        if exact_curve and n_steps <= 5000:
            curve = walk_mean_distance_curve(D, n_steps)[1:]
            label = "E|X| exact"
        else:
            m = min(exact_steps, n_steps)
            exact = list(_exact_mean_curve(D, m)[1:])
            asym = [chi_mean_distance(D, float(n)) for n in range(m + 1, n_steps + 1)]
            curve = _np.array(exact + asym)
            label = f"E|X| exact (n<={m}) / chi asympt."
        ax.plot(steps, curve, color="orange", ls=":", lw=1.5, label=label)
        ax.set_title(f"{D} dimensions")
        ax.set_xlabel("Timesteps")
        ax.set_ylabel("L2 distance from origin")
        last = dist[:, -1]
        stats[D] = {"mean": float(last.mean()), "mean_se": float(last.std(ddof=1) / _np.sqrt(n_walkers)),
                    "ms": float((last ** 2).mean()),
                    "ms_se": float((last ** 2).std(ddof=1) / _np.sqrt(n_walkers)),
                    "exact_mean": float(curve[-1])}
    for ax in axes[len(dims):]:
        ax.set_visible(False)
    axes[0].legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    fig.walk_stats = stats
    return fig

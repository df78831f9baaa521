"""The G-equivariant exponential family of note 004, with exact quantities.

``p(x | theta) = exp(<theta, T(x)> - A(theta))`` on a sample space carrying a
G-invariant base measure, with a G-equivariant feature map ``T(g x) = rho(g) T(x)``.
The sample space is either finite (a group acting by permutations) or a
quadrature rule on a homogeneous space (the circle with rotations, the sphere
with SO(3)), so that every expectation is a finite weighted sum: exact for the
finite space, and accurate to ~1e-15 for the trapezoidal rule on the circle and
the Gauss-Legendre x trapezoid rule on the sphere (the integrands are analytic).

Exact structure used throughout: for ``q = p(.|theta*)`` the population loss is
the Bregman divergence of the log-partition function,

``K(theta) = KL(q || p_theta) = A(theta) - A(theta*) - <theta - theta*, grad A(theta*)>``,

``A`` is strictly convex along the identifiable directions, and constant-plus-linear
along ``N = ker Cov_q T`` (the directions in which ``<v, T(x)>`` is constant on the
support).  Hence the optimal set is exactly the affine space ``theta* + N``, ``K`` is
Morse-Bott with transverse Hessian ``Cov_q T`` (the Fisher matrix), and the RLCT
is ``rank(Cov_q T) / 2`` with multiplicity 1, at every optimal point.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, NamedTuple, Sequence

import numpy as np
import sympy as sp

from pdcheck import as_generator, check_array, check_int, check_memory, check_positive, check_real
from slt.exact import RLCT, HessianRankBound, hessian_rank_bound

__all__ = ["ExpFamily", "OptimalSet", "finite_expfam", "circle_expfam", "sphere_expfam",
           "cyclic_group", "numerical_rank", "Theta2CircleModel", "morse_bott_rlct"]


def numerical_rank(matrix: Any, *, rtol: float = 1e-9) -> int:
    """Rank of a symmetric PSD (or any square) matrix: singular values above ``rtol * max``.

    Examples
    --------
    >>> numerical_rank(np.diag([1.0, 1e-14, 2.0]))
    2
    """
    check_positive("rtol", rtol)
    a = check_array("matrix", matrix, ndim=2)
    if a.size == 0:
        return 0
    s = np.linalg.svd(a, compute_uv=False)
    return int(np.sum(s > rtol * max(float(s.max()), 1e-300))) if s.max() > 0 else 0


class OptimalSet(NamedTuple):
    """The set ``{theta : K(theta) = 0} = point + span(directions)`` (an affine subspace)."""

    point: np.ndarray
    directions: np.ndarray  # (k, d) orthonormal rows
    dim: int


@dataclass(frozen=True)
class ExpFamily:
    """An exponential family on a weighted finite sample (exact sums or a quadrature rule).

    Attributes
    ----------
    points : ndarray, shape (n, ...)
        The sample points (indices for a finite space, angles or unit vectors otherwise).
    weights : ndarray, shape (n,)
        The G-invariant base measure (sums to 1).
    T : ndarray, shape (n, d)
        Features ``T(x_i)``.
    rho : callable
        ``rho(g) -> (d, d)`` array, the representation with ``T(g x) = rho(g) T(x)``.
    act : callable
        ``act(g, points) -> points``, the group action on the sample space.
    features : callable
        ``features(points) -> (n, d)``: T on arbitrary points (used to check equivariance).
    lie_algebra : tuple of ndarray
        ``d rho`` of a basis of the Lie algebra (empty for a finite group).
    group_sample : callable
        ``group_sample(rng, k) -> list of k group elements`` (all elements for a finite group).
    name : str
    dim_group : int
        ``dim G`` (0 for a finite group).
    """

    points: np.ndarray
    weights: np.ndarray
    T: np.ndarray
    rho: Callable[[Any], np.ndarray]
    act: Callable[[Any, np.ndarray], np.ndarray]
    features: Callable[[np.ndarray], np.ndarray]
    lie_algebra: tuple = ()
    group_sample: Callable[[np.random.Generator, int], list] = field(default=lambda rng, k: [])
    name: str = ""
    dim_group: int = 0

    @property
    def dim(self) -> int:
        """Number of parameters ``d``."""
        return int(self.T.shape[1])

    def _theta(self, theta: Any) -> np.ndarray:
        return check_array("theta", theta, ndim=1, shape=(self.dim,))

    # ----------------------------------------------------------------- densities
    def log_partition(self, theta: Any) -> float:
        """``A(theta) = log sum_i w_i exp(<theta, T(x_i)>)`` (log-sum-exp, stable)."""
        th = self._theta(theta)
        with np.errstate(over="ignore", invalid="ignore"):
            s = self.T @ th
        m = float(s.max())
        if not np.all(np.isfinite(s)):
            raise ValueError(f"`theta` is too large: <theta, T(x)> overflows float64 (max |theta| = "
                             f"{float(np.abs(th).max()):.3g})")
        return m + math.log(float(np.sum(self.weights * np.exp(s - m))))

    def log_prob(self, theta: Any) -> np.ndarray:
        """``log p(x_i | theta)`` (density w.r.t. the base measure) at every sample point."""
        th = self._theta(theta)
        return self.T @ th - self.log_partition(th)

    def prob(self, theta: Any) -> np.ndarray:
        """``p(x_i | theta)`` w.r.t. the base measure; ``sum_i w_i p_i = 1``."""
        return np.exp(self.log_prob(theta))

    def mean(self, theta: Any) -> np.ndarray:
        """``E_theta T = grad A(theta)``."""
        return (self.weights * self.prob(theta)) @ self.T

    def fisher(self, theta: Any) -> np.ndarray:
        """Fisher matrix ``Cov_theta T = Hess A(theta)``."""
        p = self.weights * self.prob(theta)
        mu = p @ self.T
        c = self.T - mu
        return (c * p[:, None]).T @ c

    def kl(self, theta_star: Any, theta: Any) -> float:
        """``K(theta) = KL(p_theta* || p_theta)`` as the Bregman divergence of ``A``."""
        ts, th = self._theta(theta_star), self._theta(theta)
        val = self.log_partition(th) - self.log_partition(ts) - float((th - ts) @ self.mean(ts))
        return max(val, 0.0)

    def kl_direct(self, theta_star: Any, theta: Any) -> float:
        """``sum_i w_i q_i log(q_i / p_i)`` computed directly (a cross-check of :meth:`kl`)."""
        lq, lp = self.log_prob(theta_star), self.log_prob(theta)
        return float(np.sum(self.weights * np.exp(lq) * (lq - lp)))

    def potential(self, theta_star: Any) -> Callable:
        """A torch callable ``K(theta)`` (batched over leading dimensions, float64), ``K(theta*) = 0``.

        For the RLCT estimators: ``K`` is the Bregman divergence, so ``K >= 0`` exactly.
        """
        import torch

        ts = self._theta(theta_star)
        T = torch.as_tensor(self.T, dtype=torch.float64)
        logw = torch.log(torch.as_tensor(self.weights, dtype=torch.float64))
        a_star = self.log_partition(ts)
        mu_star = torch.as_tensor(self.mean(ts), dtype=torch.float64)
        ts_t = torch.as_tensor(ts, dtype=torch.float64)

        def K(theta):
            th = torch.as_tensor(theta, dtype=torch.float64)
            A = torch.logsumexp(th @ T.T + logw, dim=-1)
            return A - a_star - (th - ts_t) @ mu_star

        return K

    # ----------------------------------------------------------------- symmetry
    def equivariance_error(self, *, n_group: int = 8, seed: Any = 0) -> float:
        """``max |T(g x) - rho(g) T(x)|`` over sample points and sampled group elements."""
        check_int("n_group", n_group, low=1)
        rng = as_generator(seed)
        worst = 0.0
        for g in self.group_sample(rng, n_group):
            lhs = self.features(self.act(g, self.points))
            rhs = self.T @ self.rho(g).T
            worst = max(worst, float(np.max(np.abs(lhs - rhs))))
        return worst

    def generic_symmetry_error(self, theta: Any, *, n_group: int = 8, seed: Any = 0) -> float:
        """``max |log p(g x | theta) - log p(x | rho*(g) theta)|`` with ``rho*(g) = rho(g)^T``."""
        th = self._theta(theta)
        check_int("n_group", n_group, low=1)
        rng = as_generator(seed)
        worst = 0.0
        A = self.log_partition(th)
        for g in self.group_sample(rng, n_group):
            lhs = self.features(self.act(g, self.points)) @ th - A
            rhs = self.log_prob(self.rho(g).T @ th)
            worst = max(worst, float(np.max(np.abs(lhs - rhs))))
        return worst

    def invariance_error(self, theta: Any, *, n_group: int = 8, seed: Any = 0) -> float:
        """``max |log p(g x | theta) - log p(x | theta)|``: 0 when ``p_theta`` is G-invariant."""
        th = self._theta(theta)
        check_int("n_group", n_group, low=1)
        rng = as_generator(seed)
        A = self.log_partition(th)
        worst = 0.0
        for g in self.group_sample(rng, n_group):
            lhs = self.features(self.act(g, self.points)) @ th - A
            worst = max(worst, float(np.max(np.abs(lhs - self.log_prob(th)))))
        return worst

    def orbit(self, theta: Any, g: Any) -> np.ndarray:
        """``rho*(g) theta = rho(g)^T theta``."""
        return self.rho(g).T @ self._theta(theta)

    def orbit_tangent(self, theta: Any) -> np.ndarray:
        """Tangent vectors ``(d rho(X_k))^T theta`` of the orbit, one row per Lie-algebra basis element."""
        th = self._theta(theta)
        if not self.lie_algebra:
            return np.zeros((0, self.dim))
        return np.array([X.T @ th for X in self.lie_algebra])

    def orbit_dimension(self, theta: Any, *, rtol: float = 1e-9) -> int:
        """Dimension of the orbit ``rho*(G) theta`` (0 for a finite group)."""
        check_positive("rtol", rtol)
        tan = self.orbit_tangent(theta)
        if tan.shape[0] == 0:
            return 0
        scale = max(1.0, float(np.abs(self._theta(theta)).max()))
        s = np.linalg.svd(tan, compute_uv=False)
        return int(np.sum(s > rtol * scale))

    # ----------------------------------------------------------------- exact SLT quantities
    def fisher_rank(self, theta: Any, *, rtol: float = 1e-9) -> int:
        """Rank of the Fisher matrix ``Cov_theta T``."""
        return numerical_rank(self.fisher(theta), rtol=rtol)

    def optimal_set(self, theta_star: Any, *, rtol: float = 1e-9) -> OptimalSet:
        """``{theta : K(theta) = 0} = theta* + ker Cov_q T`` (exact for an exponential family)."""
        ts = self._theta(theta_star)
        F = self.fisher(ts)
        w, V = np.linalg.eigh(0.5 * (F + F.T))
        null = V[:, w <= rtol * max(float(w.max()), 1e-300)].T
        return OptimalSet(ts.copy(), null, int(null.shape[0]))

    def rlct(self, theta_star: Any, *, rtol: float = 1e-9) -> RLCT:
        """Exact (local) RLCT at ``theta*``: ``rank(Cov_q T)/2``, multiplicity 1.

        Notes
        -----
        ``K`` is the Bregman divergence of ``A``; it vanishes exactly on the affine
        space ``theta* + ker Cov_q T`` and its Hessian there is ``Cov_q T``; a
        non-negative function whose zero set is a manifold of dimension equal to
        the nullity of its Hessian is Morse-Bott, so ``lambda = rank/2``, ``m = 1``
        (Watanabe 2009, the regular case in normal coordinates).  The value is the
        same at every optimal point, so the local and the global RLCT agree.
        """
        r = self.fisher_rank(theta_star, rtol=rtol)
        return RLCT(sp.Rational(r, 2), 1, True, "exponential family: Bregman divergence, Morse-Bott")

    def hessian_rank_bound(self, theta_star: Any) -> HessianRankBound:
        """Bushnaq's bounds from the Hessian of ``K`` at ``theta*`` (= the Fisher matrix)."""
        return hessian_rank_bound(self.fisher(theta_star))


# --------------------------------------------------------------------------- constructors

def cyclic_group(n: int) -> list[np.ndarray]:
    """The cyclic group Z_n acting on {0, ..., n-1} by shifts, as permutation arrays.

    Examples
    --------
    >>> [g.tolist() for g in cyclic_group(3)]
    [[0, 1, 2], [1, 2, 0], [2, 0, 1]]
    """
    n = check_int("n", n, low=1)
    check_memory(f"cyclic_group({n}): {n} permutations of {n} points", 8 * n * n)
    return [(np.arange(n) + s) % n for s in range(n)]


def finite_expfam(T: Any, group: Sequence[Any], *, rho: Sequence[Any] | None = None,
                  name: str = "finite") -> ExpFamily:
    """Exponential family on a finite set ``{0..n-1}`` (uniform base measure) with a permutation group.

    Parameters
    ----------
    T : array_like, shape (n, d)
        Features of each point.
    group : sequence of permutations
        Each ``g`` an array with ``g[x]`` the image of ``x``; must contain the identity.
    rho : sequence of (d, d) arrays, optional
        The representation, one matrix per group element; by default solved from
        ``T[g] = T rho(g)^T`` by least squares (unique when T's rows span R^d).

    Raises
    ------
    ValueError
        If a permutation is invalid or T is not equivariant (residual > 1e-9).

    Examples
    --------
    >>> n = 4
    >>> T = np.eye(n)                       # one-hot features: non-minimal (they sum to 1)
    >>> fam = finite_expfam(T, cyclic_group(n))
    >>> fam.rlct(np.zeros(n))[:2]
    (3/2, 1)
    >>> fam.optimal_set(np.zeros(n)).dim
    1
    """
    Tm = check_array("T", T, ndim=2, min_size=1)
    n, d = Tm.shape
    if not isinstance(name, str):
        raise TypeError(f"`name` must be a string, got {type(name).__name__}")
    if isinstance(group, (str, bytes)) or not hasattr(group, "__len__"):
        raise TypeError(f"`group` must be a sequence of permutations, got {type(group).__name__}")
    # per element: the permutation, T[g] and its least-squares solve, and rho(g)
    check_memory(f"finite_expfam of {n} points x {d} features with {len(group)} group elements",
                 8 * len(group) * (n + 3 * n * d + d * d) + 8 * n * d)
    perms = []
    for g in group:
        ga = np.asarray(g)
        if ga.shape != (n,) or sorted(ga.tolist()) != list(range(n)):
            raise ValueError(f"`group` elements must be permutations of range({n}), got {g!r}")
        perms.append(ga.astype(int))
    if not perms:
        raise ValueError("`group` must contain at least the identity permutation")
    if not any(np.array_equal(g, np.arange(n)) for g in perms):
        raise ValueError(f"`group` must contain the identity permutation {list(range(n))}, got "
                         f"{[g.tolist() for g in perms]!r:.120}")
    if rho is None:
        mats = []
        for g in perms:
            R, *_ = np.linalg.lstsq(Tm, Tm[g], rcond=None)
            mats.append(R.T)
    else:
        if isinstance(rho, (str, bytes)) or not hasattr(rho, "__iter__"):
            raise TypeError(f"`rho` must be None or a sequence of ({d}, {d}) matrices, got {type(rho).__name__}")
        mats = [check_array("rho", r, shape=(d, d)) for r in rho]
        if len(mats) != len(perms):
            raise ValueError(f"`rho` must have one matrix per group element ({len(perms)}), got {len(mats)}")
    for g, R in zip(perms, mats):
        if np.max(np.abs(Tm[g] - Tm @ R.T)) > 1e-9:
            raise ValueError("`T` is not equivariant: no matrix rho(g) with T(g x) = rho(g) T(x) "
                             f"for the permutation {g.tolist()}")
    index = {tuple(g.tolist()): i for i, g in enumerate(perms)}

    def _rho(g):
        key = tuple(np.asarray(g).tolist())
        if key not in index:
            raise ValueError(f"`g` must be one of the group's permutations, got {list(key)!r:.80}")
        return mats[index[key]]

    return ExpFamily(points=np.arange(n), weights=np.full(n, 1.0 / n), T=Tm.copy(), rho=_rho,
                     act=lambda g, pts: np.asarray(g)[pts], features=lambda pts: Tm[pts],
                     lie_algebra=(), group_sample=lambda rng, k: list(perms), name=name, dim_group=0)


def _harmonic_features(harmonics: Sequence[int]) -> Callable[[np.ndarray], np.ndarray]:
    def feats(x):
        x = np.asarray(x, dtype=float)
        cols = []
        for k in harmonics:
            cols += [np.cos(k * x), np.sin(k * x)]
        return np.stack(cols, axis=-1)

    return feats


def circle_expfam(harmonics: Sequence[int] = (1,), *, n_points: int = 256) -> ExpFamily:
    """Exponential family on the circle with rotations: ``T(x) = (cos k x, sin k x)_{k in harmonics}``.

    Parameters
    ----------
    harmonics : sequence of int
        Positive frequencies; repeating one (``(1, 1)``) gives a non-minimal T.
    n_points : int, default 256
        Trapezoidal nodes (spectrally accurate: exact for trigonometric
        polynomials of degree < n_points).

    Notes
    -----
    ``rho(phi)`` is block-diagonal with the rotation by ``k phi`` in block ``k``; the
    Lie algebra of SO(2) is spanned by ``block-diag(k J)``, ``J = [[0, -1], [1, 0]]``.

    Examples
    --------
    >>> fam = circle_expfam((1, 1))
    >>> theta_star = np.array([1.0, 0.0, -1.0, 0.0])   # p = uniform, T non-minimal
    >>> fam.orbit_dimension(theta_star), fam.rlct(theta_star).value
    (1, 1)
    """
    if isinstance(harmonics, (str, bytes)) or not hasattr(harmonics, "__iter__"):
        raise TypeError(f"`harmonics` must be a sequence of positive integers, got {harmonics!r}")
    hs = [check_int("harmonics", k, low=1, high=10**6) for k in harmonics]
    if not hs:
        raise ValueError("`harmonics` must be non-empty")
    n = check_int("n_points", n_points, low=8)
    check_memory(f"circle_expfam(n_points={n}) with {2 * len(hs)} features", 8 * n * (2 * len(hs) + 4))
    x = 2 * np.pi * np.arange(n) / n
    feats = _harmonic_features(hs)

    def rho(phi):
        R = np.zeros((2 * len(hs), 2 * len(hs)))
        for i, k in enumerate(hs):
            c, s = math.cos(k * phi), math.sin(k * phi)
            R[2 * i:2 * i + 2, 2 * i:2 * i + 2] = [[c, -s], [s, c]]
        return R

    J = np.zeros((2 * len(hs), 2 * len(hs)))
    for i, k in enumerate(hs):
        J[2 * i:2 * i + 2, 2 * i:2 * i + 2] = [[0.0, -k], [k, 0.0]]
    return ExpFamily(points=x, weights=np.full(n, 1.0 / n), T=feats(x), rho=rho,
                     act=lambda phi, pts: pts + phi, features=feats, lie_algebra=(J,),
                     group_sample=lambda rng, k: list(rng.uniform(0, 2 * np.pi, size=k)),
                     name=f"circle{tuple(hs)}", dim_group=1)


def _random_rotation(rng: np.random.Generator) -> np.ndarray:
    q, r = np.linalg.qr(rng.normal(size=(3, 3)))
    q = q * np.sign(np.diag(r))
    if np.linalg.det(q) < 0:
        q[:, 0] = -q[:, 0]
    return q


def sphere_expfam(copies: int = 1, *, n_theta: int = 32, n_phi: int = 64) -> ExpFamily:
    """Exponential family on the sphere S^2 with SO(3): ``T(x) = (x, ..., x)`` (`copies` times).

    Parameters
    ----------
    copies : int, default 1
        Number of copies of the vector representation (``copies > 1``: non-minimal T).
    n_theta, n_phi : int
        Gauss-Legendre nodes in ``cos(polar angle)`` and trapezoidal nodes in azimuth.

    Examples
    --------
    >>> fam = sphere_expfam(2)
    >>> v = np.array([0.0, 0.0, 1.0])
    >>> fam.orbit_dimension(np.concatenate([v, -v])), fam.dim_group
    (2, 3)
    """
    c = check_int("copies", copies, low=1)
    nt = check_int("n_theta", n_theta, low=4)
    nph = check_int("n_phi", n_phi, low=8)
    check_memory(f"sphere_expfam(copies={c}, n_theta={nt}, n_phi={nph})", 8 * nt * nph * (3 * c + 8))
    u, wu = np.polynomial.legendre.leggauss(nt)
    phi = 2 * np.pi * np.arange(nph) / nph
    U, P = np.meshgrid(u, phi, indexing="ij")
    s = np.sqrt(1 - U ** 2)
    pts = np.stack([s * np.cos(P), s * np.sin(P), U], axis=-1).reshape(-1, 3)
    w = (np.repeat(wu, nph) / 2.0) / nph

    def feats(x):
        return np.concatenate([np.asarray(x, dtype=float)] * c, axis=-1)

    def rho(g):
        return np.kron(np.eye(c), np.asarray(g, dtype=float))

    gens = [np.array([[0, 0, 0], [0, 0, -1], [0, 1, 0]], float),
            np.array([[0, 0, 1], [0, 0, 0], [-1, 0, 0]], float),
            np.array([[0, -1, 0], [1, 0, 0], [0, 0, 0]], float)]
    return ExpFamily(points=pts, weights=w, T=feats(pts), rho=rho, act=lambda g, x: x @ np.asarray(g).T,
                     features=feats, lie_algebra=tuple(np.kron(np.eye(c), G) for G in gens),
                     group_sample=lambda rng, k: [_random_rotation(rng) for _ in range(k)],
                     name=f"sphere(x{c})", dim_group=3)


# --------------------------------------------------------------------------- Morse-Bott RLCT

def morse_bott_rlct(potential: Callable, w0: Any, *, radius: float = 0.3, n_check: int = 8,
                    atol: float = 1e-12, rtol: float = 1e-7, seed: Any = 0) -> RLCT:
    """Local RLCT ``rank(Hess K)/2`` at a zero ``w0`` of ``K >= 0``, after checking Morse-Bott.

    The check: ``K`` vanishes (to `atol`) on random points of ``w0 + null(Hess K(w0))``
    within `radius`.  Then the zero set contains a manifold of dimension equal to the
    Hessian's nullity, ``K`` is Morse-Bott at ``w0`` and ``lambda = rank/2``, ``m = 1``.

    Raises
    ------
    ValueError
        If ``K`` does not vanish on the flat null space (not Morse-Bott along a flat
        zero set: the RLCT needs another method), if ``K(w0) != 0`` (to `atol`), if `potential`
        fails at `w0`, or if an option is out of range (``n_check`` at most 10,000, ``rtol`` in (0, 1]).

    Examples
    --------
    >>> import torch
    >>> morse_bott_rlct(lambda w: (w[..., 0] ** 2) * (1 + w[..., 1] ** 2), [0.0, 0.5])[:2]
    (1/2, 1)
    """
    import torch

    if not callable(potential):
        raise TypeError(f"`potential` must be a callable K(w), got {type(potential).__name__}")
    check_positive("radius", radius)
    check_int("n_check", n_check, low=1, high=10_000)
    check_positive("atol", atol)
    check_real("rtol", rtol, low=0.0, high=1.0, low_open=True)
    w = torch.as_tensor(check_array("w0", w0, ndim=(0, 1), min_size=1), dtype=torch.float64).reshape(-1)
    rng = as_generator(seed)
    try:
        k0 = float(potential(w))
    except Exception as exc:   # the user's function failed at w0: say so, with its own error
        raise ValueError(f"`potential` failed at `w0` = {w.tolist()!r:.60}: {type(exc).__name__}: {exc}") from exc
    if not math.isfinite(k0):
        raise ValueError(f"`potential` must be finite at `w0`, got K(w0) = {k0}")
    if not abs(k0) <= atol:
        raise ValueError(f"`w0` must be a zero of `potential` (|K(w0)| <= atol = {atol:g}), got K(w0) = {k0:.3g}")
    Hm = torch.autograd.functional.hessian(lambda z: potential(z).reshape(()), w).detach().numpy()
    ev, V = np.linalg.eigh(0.5 * (Hm + Hm.T))
    scale = max(float(np.abs(ev).max()), 1e-300)
    null = V[:, np.abs(ev) <= rtol * scale]
    rank = Hm.shape[0] - null.shape[1]
    if null.shape[1]:
        for _ in range(n_check):
            c = rng.normal(size=null.shape[1])
            c *= radius / max(np.linalg.norm(c), 1e-300)
            val = float(potential(w + torch.as_tensor(null @ c)))
            if abs(val) > atol:
                raise ValueError(f"K = {val:.3g} != 0 on the Hessian null space at distance {radius}: "
                                 "the zero set is not flat there, Morse-Bott cannot be certified")
    return RLCT(sp.Rational(rank, 2), 1, True, "Morse-Bott (flat zero set)")


class Theta2CircleModel:
    """Note 004's non-generic variant ``p(x | theta1, theta2) ∝ exp<theta1, T_theta2(x)>`` on the circle.

    ``T_s(x) = (cos x, sin x, cos x + s cos 2x, sin x + s cos 3x)``, parameters
    ``w = (theta1 in R^4, s)``, ``d = 5``.  ``T_s`` is rotation-equivariant iff ``s = 0``
    (then it is two copies of the first harmonic: non-minimal); for ``s != 0`` its
    components span ``{cos x, sin x, cos 2x, cos 3x}``, which is not rotation
    invariant, so no representation rho exists (and T_s is minimal).  With
    ``q`` uniform (rotation invariant), the optimal set is
    ``{s = 0, theta1_1 = -theta1_3, theta1_2 = -theta1_4} ∪ {theta1 = 0}``.

    (A first attempt with ``sin x + s sin 2x`` fails: its span is rotation
    invariant, so ``T_s`` is equivariant for every ``s`` with a ``s``-dependent rho.)

    With ``third=None`` the last feature is ``sin x`` (no ``s cos 3x``): T_s is
    still equivariant iff ``s = 0``, but the optimal set near ``(0, b, 0, -b, s)``
    is 2-dimensional as well, and both points have ``lambda = 3/2``: a
    counterexample to "the RLCT at the equivariant point is lower".

    Parameters
    ----------
    third : int or None, default 3
        Frequency of the ``s cos(third x)`` term in the fourth feature (None: no term).
    n_points : int, default 128
        Trapezoidal nodes.

    Examples
    --------
    >>> m = Theta2CircleModel()
    >>> m.local_rlct(m.equivariant_point()).value, m.local_rlct(m.non_equivariant_point()).value
    (3/2, 2)
    """

    dim = 5

    def __init__(self, *, third: int | None = 3, n_points: int = 128) -> None:
        n = check_int("n_points", n_points, low=16)
        self.third = None if third is None else check_int("third", third, low=2)
        check_memory(f"Theta2CircleModel(n_points={n})", 8 * 8 * n)
        self.x = 2 * np.pi * np.arange(n) / n

    def features(self, s: float, x: np.ndarray | None = None) -> np.ndarray:
        """``T_s(x)`` at the quadrature nodes (or at `x`)."""
        s = check_real("s", s)
        x = self.x if x is None else check_array("x", x)
        v = 0.0 * x if self.third is None else np.cos(self.third * x)
        return np.stack([np.cos(x), np.sin(x), np.cos(x) + s * np.cos(2 * x),
                         np.sin(x) + s * v], axis=-1)

    def equivariance_error(self, s: float, *, n_group: int = 8, seed: Any = 0) -> float:
        """``min over rho`` of ``max |T_s(x + phi) - rho T_s(x)|`` (least-squares rho), worst over phi."""
        check_int("n_group", n_group, low=1)
        rng = as_generator(seed)
        T = self.features(s)
        worst = 0.0
        for phi in rng.uniform(0, 2 * np.pi, size=n_group):
            Tg = self.features(s, self.x + phi)
            R, *_ = np.linalg.lstsq(T, Tg, rcond=None)
            worst = max(worst, float(np.max(np.abs(Tg - T @ R))))
        return worst

    def potential(self) -> Callable:
        """Torch ``K(w) = KL(uniform || p_w)`` (batched, float64)."""
        import torch

        x = torch.as_tensor(self.x, dtype=torch.float64)
        n = x.shape[0]
        c1, s1, c2 = torch.cos(x), torch.sin(x), torch.cos(2 * x)
        c3 = torch.zeros_like(x) if self.third is None else torch.cos(self.third * x)

        def K(w):
            w = torch.as_tensor(w, dtype=torch.float64)
            a1, a2, a3, a4, s = (w[..., i:i + 1] for i in range(5))
            f = a1 * c1 + a2 * s1 + a3 * (c1 + s * c2) + a4 * (s1 + s * c3)
            return torch.logsumexp(f, dim=-1) - math.log(n) - f.mean(dim=-1)

        return K

    @staticmethod
    def equivariant_point(a: float = 1.0, b: float = 0.5) -> np.ndarray:
        """A true parameter with ``s = 0`` (T equivariant): ``(a, b, -a, -b, 0)``."""
        return np.array([a, b, -a, -b, 0.0])

    def non_equivariant_point(self, s: float = 0.7, b: float = 0.5) -> np.ndarray:
        """A true parameter with ``s != 0`` (T not equivariant).

        ``(0, 0, 0, 0, s)`` for ``third=3`` (the only true parameters with ``s != 0``);
        ``(0, b, 0, -b, s)`` for ``third=None``.
        """
        bb = 0.0 if self.third is not None else b
        return np.array([0.0, bb, 0.0, -bb, s])

    def local_rlct(self, w: Any) -> RLCT:
        """Local RLCT at a true parameter (Morse-Bott certified by :func:`morse_bott_rlct`)."""
        return morse_bott_rlct(self.potential(), w)

    def hessian_rank_bound(self, w: Any) -> HessianRankBound:
        """Bushnaq's bounds at `w`."""
        return hessian_rank_bound(potential=self.potential(), w0=np.asarray(w, dtype=float))

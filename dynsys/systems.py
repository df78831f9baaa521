"""Classic maps and flows with analytic tangent maps, for :func:`dynsys.lyapunov_spectrum`.

Each system holds its parameters and provides ``dim``, ``dt``, ``step(x, t)``,
``tangent(x, t, V)`` and ``initial_state()``; states may be numpy arrays or torch
tensors (the operations used exist in both).  Flows integrate the state and the
variational equation ``dV/dt = Df(x) V`` together with the classical fourth-order
Runge-Kutta scheme over one ``dt``.  ``reference`` holds literature exponents where
they exist (Sprott 2003, see each class).

References
----------
.. [1] J. C. Sprott, "Chaos and Time-Series Analysis", Oxford University Press, 2003,
   Appendix A (table of Lyapunov exponents of common systems).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from pdcheck import check_array, check_int, check_positive, check_real

__all__ = ["Henon", "Logistic", "StandardMap", "LinearMap", "LinearFlow", "Lorenz63", "Lorenz96"]


def _is_torch(x: Any) -> bool:
    return type(x).__module__.startswith("torch")


def _stack(x: Any, parts: list, axis: int = -1) -> Any:
    """Stack state components (``axis=-1``) or tangent rows (``axis=-2``), numpy or torch."""
    if _is_torch(x):
        import torch

        return torch.stack(parts, dim=axis)
    if np.ndim(parts[0]) == (0 if axis == -1 else 1):  # unbatched: stacking along the first axis
        return np.array(parts)
    return np.stack(parts, axis=axis)


def _roll(a: Any, shift: int, axis: int = -1) -> Any:
    if _is_torch(a):
        import torch

        return torch.roll(a, shifts=shift, dims=axis)
    return np.roll(a, shift, axis=axis)


def _cos(a: Any) -> Any:
    return a.cos() if _is_torch(a) else np.cos(a)


def _sin(a: Any) -> Any:
    return a.sin() if _is_torch(a) else np.sin(a)


def _param(name: str, value: Any, **bounds: Any) -> float | np.ndarray:
    """A scalar parameter as a float, or a 1-D array of them (a batch of systems)."""
    if np.ndim(value) == 0:
        return check_real(name, value.item() if hasattr(value, "item") else value, **bounds)
    arr = check_array(name, value, ndim=1, min_size=1)
    for v in (arr.min(), arr.max()):
        check_real(name, float(v), **bounds)
    return arr.copy()


def _batch_of(**params: Any) -> int | None:
    """The common length of the array parameters (None when all are scalars)."""
    sizes = {name: len(v) for name, v in params.items() if isinstance(v, np.ndarray)}
    if not sizes:
        return None
    if len(set(sizes.values())) > 1:
        raise ValueError(f"array parameters must have one common length (one entry per batch member), "
                         f"got lengths {sizes}")
    return next(iter(sizes.values()))


class _Params:
    """Parameters of a (possibly batched) system, cast to the library, dtype and device of a state.

    Scalars stay Python floats; arrays of shape (B,) become ``(B, 1, ..., 1)`` with as many
    trailing unit axes as asked, so that they broadcast against per-component slices
    ``x[..., i]`` (shape (B,)) or tangent rows ``V[..., i, :]`` (shape (B, k)).
    """

    def __init__(self) -> None:
        self._cache: dict = {}

    def get(self, value: Any, like: Any, trailing: int = 0) -> Any:
        if not isinstance(value, np.ndarray):
            return value
        if _is_torch(like):
            key = (id(value), trailing, like.dtype, like.device)
            if key not in self._cache:
                import torch

                self._cache[key] = torch.as_tensor(value, dtype=like.dtype, device=like.device).reshape(
                    (-1,) + (1,) * trailing)
            return self._cache[key]
        return value.reshape((-1,) + (1,) * trailing)


class _Matrix:
    """A numpy matrix with cached torch copies per (dtype, device)."""

    def __init__(self, A: np.ndarray) -> None:
        self.A = A
        self._cache: dict = {}

    def like(self, x: Any) -> Any:
        if not _is_torch(x):
            return self.A
        key = (x.dtype, x.device)
        if key not in self._cache:
            import torch

            self._cache[key] = torch.as_tensor(self.A, dtype=x.dtype, device=x.device)
        return self._cache[key]


class _Batchable:
    """What the classic systems share: states ``(..., dim)``, tangent frames ``(..., dim, k)``.

    Every parameter may be a scalar or a 1-D array (one value per batch member); a leading
    batch axis on the state (and frame) is carried through ``step`` and ``tangent``, so
    :func:`dynsys.lyapunov_spectrum` runs B systems (or B initial conditions) at once.
    """

    batched = True  # step/tangent accept leading batch axes
    batch_size: int | None = None
    _P: _Params

    def _p(self, value: Any, like: Any, trailing: int = 0) -> Any:
        return self._P.get(value, like, trailing)

    def _state(self, x: list[float]) -> np.ndarray:
        x0 = np.array(x, dtype=float)
        return x0 if self.batch_size is None else np.tile(x0, (self.batch_size, 1))

    def _one(self, a: Any, ndim: int) -> bool:
        """One system (scalar parameters) on a float64 numpy state (``ndim`` 1) or frame (2): the
        subclasses then evaluate the same arithmetic without the batch machinery (5x less overhead)."""
        return (self.batch_size is None and type(a) is np.ndarray and a.ndim == ndim
                and a.dtype == np.float64)


class Henon(_Batchable):
    """The Hénon map (x, y) -> (1 - a x^2 + y, b x).

    Parameters
    ----------
    a, b : float or 1-D array, default 1.4, 0.3
        Arrays (of one common length B) give a batch of B maps.

    Notes
    -----
    Tangent map [[-2 a x, 1], [b, 0]], determinant -b, so the exponents sum to ln|b|.
    Sprott (2003): (0.41922, -1.62319) at a = 1.4, b = 0.3.

    References
    ----------
    .. [1] M. Hénon, "A two-dimensional mapping with a strange attractor",
       Commun. Math. Phys. 50, 69-77 (1976).

    Examples
    --------
    >>> Henon().step(np.array([0.0, 0.0]), 0).tolist()
    [1.0, 0.0]
    >>> Henon(a=[1.0, 1.4]).step(np.zeros((2, 2)), 0).shape   # a batch of two maps
    (2, 2)
    """

    dim = 2
    dt = 1.0

    def __init__(self, a: Any = 1.4, b: Any = 0.3) -> None:
        self.a = _param("a", a)
        self.b = _param("b", b)
        self.batch_size = _batch_of(a=self.a, b=self.b)
        self._P = _Params()
        std = self.batch_size is None and (self.a, self.b) == (1.4, 0.3)
        self.reference = (0.41922, -1.62319) if std else None

    def initial_state(self) -> np.ndarray:
        return self._state([0.1, 0.1])

    def step(self, x: Any, t: int) -> Any:
        a, b = self.a, self.b
        if self._one(x, 1):
            x0 = x[0]
            return np.array((1.0 - a * x0 * x0 + x[1], b * x0))
        x0, x1 = x[..., 0], x[..., 1]
        return _stack(x, [1.0 - self._p(a, x) * x0 * x0 + x1, self._p(b, x) * x0])

    def tangent(self, x: Any, t: int, V: Any) -> Any:
        a, b = self.a, self.b
        if self._one(V, 2):
            V0 = V[0]
            return np.array((-2.0 * a * x[0] * V0 + V[1], b * V0))
        V0, V1 = V[..., 0, :], V[..., 1, :]
        return _stack(V, [-2.0 * self._p(a, V, 1) * x[..., 0, None] * V0 + V1,
                          self._p(b, V, 1) * V0], axis=-2)


class Logistic(_Batchable):
    """The logistic map x -> r x (1 - x).

    Parameters
    ----------
    r : float or 1-D array in [0, 4], default 4.0
        An array gives a batch of maps (a bifurcation diagram in one run).

    Notes
    -----
    Tangent r (1 - 2x).  At r = 4 the exponent is ln 2 (conjugate to the tent map).

    Examples
    --------
    >>> float(Logistic(4.0).step(np.array([0.25]), 0)[0])
    0.75
    >>> Logistic([2.0, 4.0]).step(np.array([0.25]), 0).ravel().tolist()
    [0.375, 0.75]
    """

    dim = 1
    dt = 1.0

    def __init__(self, r: Any = 4.0) -> None:
        self.r = _param("r", r, low=0.0, high=4.0)
        self.batch_size = _batch_of(r=self.r)
        self._P = _Params()
        self.reference = (math.log(2.0),) if self.batch_size is None and self.r == 4.0 else None

    def initial_state(self) -> np.ndarray:
        return self._state([0.3])

    @staticmethod
    def exact_exponent(r: float, *, max_period: int = 64) -> float | None:
        """The exponent of the attracting cycle at `r`, independently of the QR engine (an oracle).

        Closed forms on the fixed point (``ln|2 - r|``, 1 < r < 3) and the 2-cycle
        (``(1/2) ln|4 + 2r - r^2|``, 3 < r < 1 + sqrt 6), ``ln 2`` at r = 4; elsewhere the
        attracting cycle of period <= `max_period` is found by iteration, refined by Newton's
        method on ``f^p(x) = x`` and averaged, ``(1/p) sum ln|r (1 - 2 x_i)|``.  None where no
        attracting cycle of that period is found (chaos, or too close to a bifurcation).

        Examples
        --------
        >>> round(Logistic.exact_exponent(2.5), 6), round(Logistic.exact_exponent(3.83), 6)
        (-0.693147, -0.369674)
        """
        r = check_real("r", r, low=0.0, high=4.0)
        if 1.0 < r < 3.0:
            return math.log(abs(2.0 - r))
        if 3.0 < r < 1.0 + math.sqrt(6.0):
            return 0.5 * math.log(abs(4.0 + 2.0 * r - r * r))
        if r == 4.0:
            return math.log(2.0)
        x = 0.3
        for _ in range(20_000):
            x = r * x * (1.0 - x)
        for p in range(1, max_period + 1):
            y = x
            for _ in range(p):
                y = r * y * (1.0 - y)
            if abs(y - x) > 1e-6:
                continue
            z = x
            for _ in range(60):  # Newton on g(z) = f^p(z) - z
                y, dy = z, 1.0
                for _ in range(p):
                    dy *= r * (1.0 - 2.0 * y)
                    y = r * y * (1.0 - y)
                if dy == 1.0:
                    break
                z -= (y - z) / (dy - 1.0)
            s, y = 0.0, z
            for _ in range(p):
                s += math.log(abs(r * (1.0 - 2.0 * y)))
                y = r * y * (1.0 - y)
            if abs(y - z) < 1e-12 and s < 0:
                return s / p
            return None
        return None

    def step(self, x: Any, t: int) -> Any:
        return self._p(self.r, x, 1) * x * (1.0 - x)

    def tangent(self, x: Any, t: int, V: Any) -> Any:
        return (self._p(self.r, V, 2) * (1.0 - 2.0 * x[..., 0, None, None])) * V


class StandardMap(_Batchable):
    """The Chirikov standard map on the torus, state (theta, p).

    p' = p + K sin(theta), theta' = theta + p', both mod 2 pi.  Area-preserving
    (det J = 1), so the two exponents sum to 0 and are ``(lambda, -lambda)``.

    Parameters
    ----------
    K : float or 1-D array, default 6.0

    References
    ----------
    .. [1] B. V. Chirikov, "A universal instability of many-dimensional oscillator
       systems", Phys. Rep. 52, 263-379 (1979).

    Examples
    --------
    >>> J = StandardMap(1.0).tangent(np.array([0.0, 0.0]), 0, np.eye(2))
    >>> J.tolist(), float(np.linalg.det(J))
    ([[2.0, 1.0], [1.0, 1.0]], 1.0)
    """

    dim = 2
    dt = 1.0

    def __init__(self, K: Any = 6.0) -> None:
        self.K = _param("K", K)
        self.batch_size = _batch_of(K=self.K)
        self._P = _Params()
        self.reference = None

    def initial_state(self) -> np.ndarray:
        return self._state([1.0, 0.5])

    def step(self, x: Any, t: int) -> Any:
        two_pi = 2.0 * math.pi
        p = (x[..., 1] + self._p(self.K, x) * _sin(x[..., 0])) % two_pi
        return _stack(x, [(x[..., 0] + p) % two_pi, p])

    def tangent(self, x: Any, t: int, V: Any) -> Any:
        kc = self._p(self.K, V, 1) * _cos(x[..., 0, None])
        dp = kc * V[..., 0, :] + V[..., 1, :]
        return _stack(V, [V[..., 0, :] + dp, dp], axis=-2)


def _square(name: str, A: Any) -> np.ndarray:
    A = check_array(name, A, ndim=(2, 3))
    if A.shape[-1] != A.shape[-2] or A.shape[-1] < 1 or A.shape[0] < 1:
        raise ValueError(f"`{name}` must be a non-empty square matrix (or a stack of them, "
                         f"shape (B, n, n)), got shape {A.shape}")
    return A


class LinearMap(_Batchable):
    """The linear map x -> A x; its exponents are log|eigenvalues of A| (A diagonalisable).

    Parameters
    ----------
    A : array_like, shape (n, n) or (B, n, n)
        A stack of B matrices gives a batch of maps.

    Examples
    --------
    >>> LinearMap(np.diag([2.0, 0.5])).step(np.ones(2), 0).tolist()
    [2.0, 0.5]
    """

    dt = 1.0

    def __init__(self, A: Any) -> None:
        A = _square("A", A)
        self._A = _Matrix(A)
        self.dim = A.shape[-1]
        self.batch_size = A.shape[0] if A.ndim == 3 else None
        self._P = _Params()
        eig = np.abs(np.linalg.eigvals(A))
        with np.errstate(divide="ignore"):
            logs = np.sort(np.log(eig), axis=-1)[..., ::-1]
        self.reference = tuple(logs) if A.ndim == 2 else None

    @property
    def A(self) -> np.ndarray:
        return self._A.A

    def initial_state(self) -> np.ndarray:
        return self._state([1.0] * self.dim)

    def step(self, x: Any, t: int) -> Any:
        return (self._A.like(x) @ x[..., None])[..., 0]

    def tangent(self, x: Any, t: int, V: Any) -> Any:
        return self._A.like(V) @ V


class _Flow(_Batchable):
    """Base for autonomous flows dx/dt = f(x): RK4 for the state and the variational equation.

    Subclasses define ``rhs(x)`` and ``jac_vec(x, V)`` on states ``(..., dim)`` and frames
    ``(..., dim, k)``.  :func:`dynsys.Flow` builds one from a vector field alone.
    """

    dt = 0.01

    def rhs(self, x: Any) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def jac_vec(self, x: Any, V: Any) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def step(self, x: Any, t: int) -> Any:
        c = getattr(self, "_cache", None)
        if c is not None and c[0] is x and c[1] == t:
            return c[2]
        h = self.dt
        k1 = self.rhs(x)
        k2 = self.rhs(x + (0.5 * h) * k1)
        k3 = self.rhs(x + (0.5 * h) * k2)
        k4 = self.rhs(x + h * k3)
        return x + (h / 6.0) * (k1 + 2.0 * k2 + 2.0 * k3 + k4)

    def tangent(self, x: Any, t: int, V: Any) -> Any:
        h = self.dt
        k1 = self.rhs(x)
        l1 = self.jac_vec(x, V)
        x2 = x + (0.5 * h) * k1
        k2 = self.rhs(x2)
        l2 = self.jac_vec(x2, V + (0.5 * h) * l1)
        x3 = x + (0.5 * h) * k2
        k3 = self.rhs(x3)
        l3 = self.jac_vec(x3, V + (0.5 * h) * l2)
        x4 = x + h * k3
        k4 = self.rhs(x4)
        l4 = self.jac_vec(x4, V + h * l3)
        # the state step is the same RK4 step: cache it for the following `step(x, t)`
        self._cache = (x, t, x + (h / 6.0) * (k1 + 2.0 * k2 + 2.0 * k3 + k4))
        return V + (h / 6.0) * (l1 + 2.0 * l2 + 2.0 * l3 + l4)


class LinearFlow(_Flow):
    """The linear flow dx/dt = A x; exponents are the real parts of A's eigenvalues.

    Its time-``dt`` map is ``LinearMap(expm(A dt))`` (up to the RK4 error), whose
    exponents per step divided by ``dt`` are the same numbers.

    Parameters
    ----------
    A : array_like, shape (n, n) or (B, n, n)
    dt : float, default 0.01

    Examples
    --------
    >>> f = LinearFlow(np.diag([1.0, -1.0]), dt=0.01)
    >>> np.round(f.step(np.ones(2), 0), 6).tolist()
    [1.01005, 0.99005]
    """

    def __init__(self, A: Any, *, dt: float = 0.01) -> None:
        A = _square("A", A)
        self._A = _Matrix(A)
        self.dim = A.shape[-1]
        self.batch_size = A.shape[0] if A.ndim == 3 else None
        self._P = _Params()
        self.dt = check_positive("dt", dt)
        self.reference = tuple(np.sort(np.linalg.eigvals(A).real)[::-1]) if A.ndim == 2 else None

    def initial_state(self) -> np.ndarray:
        return self._state([1.0] * self.dim)

    def rhs(self, x: Any) -> Any:
        return (self._A.like(x) @ x[..., None])[..., 0]

    def jac_vec(self, x: Any, V: Any) -> Any:
        return self._A.like(V) @ V


class Lorenz63(_Flow):
    """The Lorenz (1963) flow, integrated by RK4 with step `dt`.

    dx/dt = sigma (y - x), dy/dt = x (rho - z) - y, dz/dt = x y - beta z.

    Parameters
    ----------
    sigma, rho, beta : float or 1-D array, default 10, 28, 8/3
        Arrays (one common length B) give a batch of flows, e.g. a sweep over rho.
    dt : float, default 0.01

    Notes
    -----
    The divergence of the vector field is -(sigma + 1 + beta), so the exponents sum to
    that.  Sprott (2003): (0.9056, 0, -14.5723) at sigma = 10, rho = 28, beta = 8/3.

    References
    ----------
    .. [1] E. N. Lorenz, "Deterministic nonperiodic flow", J. Atmos. Sci. 20, 130-141 (1963).

    Examples
    --------
    >>> Lorenz63().rhs(np.array([1.0, 1.0, 1.0])).round(4).tolist()
    [0.0, 26.0, -1.6667]
    """

    dim = 3

    def __init__(self, sigma: Any = 10.0, rho: Any = 28.0, beta: Any = 8.0 / 3.0, *,
                 dt: float = 0.01) -> None:
        self.sigma = _param("sigma", sigma)
        self.rho = _param("rho", rho)
        self.beta = _param("beta", beta)
        self.batch_size = _batch_of(sigma=self.sigma, rho=self.rho, beta=self.beta)
        self._P = _Params()
        self.dt = check_positive("dt", dt)
        std = self.batch_size is None and (self.sigma, self.rho, self.beta) == (10.0, 28.0, 8.0 / 3.0)
        self.reference = (0.9056, 0.0, -14.5723) if std else None

    @property
    def divergence(self) -> Any:
        """Trace of the Jacobian, -(sigma + 1 + beta): the sum of the exponents (array when batched)."""
        d = -(np.asarray(self.sigma) + 1.0 + np.asarray(self.beta))
        return float(d) if self.batch_size is None else np.broadcast_to(d, (self.batch_size,)).copy()

    def initial_state(self) -> np.ndarray:
        return self._state([1.0, 1.0, 1.0])

    def rhs(self, x: Any) -> Any:
        if self._one(x, 1):
            s, r, b = self.sigma, self.rho, self.beta
            x0, x1, x2 = x
            return np.array((s * (x1 - x0), x0 * (r - x2) - x1, x0 * x1 - b * x2))
        s, r, b = (self._p(v, x) for v in (self.sigma, self.rho, self.beta))
        x0, x1, x2 = x[..., 0], x[..., 1], x[..., 2]
        return _stack(x, [s * (x1 - x0), x0 * (r - x2) - x1, x0 * x1 - b * x2])

    def jac_vec(self, x: Any, V: Any) -> Any:
        if self._one(V, 2) and self._one(x, 1):
            s, r, b = self.sigma, self.rho, self.beta
            x0, x1, x2 = x
            V0, V1, V2 = V
            return np.array((s * (V1 - V0), (r - x2) * V0 - V1 - x0 * V2, x1 * V0 + x0 * V1 - b * V2))
        s, r, b = (self._p(v, V, 1) for v in (self.sigma, self.rho, self.beta))
        x0, x1, x2 = x[..., 0, None], x[..., 1, None], x[..., 2, None]
        V0, V1, V2 = V[..., 0, :], V[..., 1, :], V[..., 2, :]
        return _stack(V, [s * (V1 - V0), (r - x2) * V0 - V1 - x0 * V2,
                          x1 * V0 + x0 * V1 - b * V2], axis=-2)


class Lorenz96(_Flow):
    """The Lorenz (1996) model dx_i/dt = (x_{i+1} - x_{i-2}) x_{i-1} - x_i + F, cyclic.

    Parameters
    ----------
    n : int, default 40
        Number of sites (>= 4).
    F : float or 1-D array, default 8.0
    dt : float, default 0.01

    Notes
    -----
    Divergence -n, so the n exponents sum to -n.

    References
    ----------
    .. [1] E. N. Lorenz, "Predictability: a problem partly solved", Proc. ECMWF
       Seminar on Predictability, 1996.

    Examples
    --------
    >>> Lorenz96(5, 8.0).rhs(np.full(5, 8.0)).tolist()  # the fixed point x_i = F
    [0.0, 0.0, 0.0, 0.0, 0.0]
    """

    def __init__(self, n: int = 40, F: Any = 8.0, *, dt: float = 0.01) -> None:
        self.dim = check_int("n", n, low=4)
        self.F = _param("F", F)
        self.batch_size = _batch_of(F=self.F)
        self._P = _Params()
        self.dt = check_positive("dt", dt)
        self.reference = None

    @property
    def divergence(self) -> float:
        return -float(self.dim)

    def initial_state(self) -> np.ndarray:
        x = np.repeat(np.asarray(self.F, dtype=float)[..., None], self.dim, axis=-1)
        x[..., 0] += 0.01
        return x

    def rhs(self, x: Any) -> Any:
        return (_roll(x, -1) - _roll(x, 2)) * _roll(x, 1) - x + self._p(self.F, x, 1)

    def jac_vec(self, x: Any, V: Any) -> Any:
        xm1 = _roll(x, 1)[..., :, None]
        dx = (_roll(x, -1) - _roll(x, 2))[..., :, None]
        return (_roll(V, -1, -2) - _roll(V, 2, -2)) * xm1 + dx * _roll(V, 1, -2) - V

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


def _stack(x: Any, parts: list) -> Any:
    if _is_torch(x):
        import torch

        return torch.stack(parts)
    return np.array(parts)


def _roll(a: Any, shift: int) -> Any:
    if _is_torch(a):
        import torch

        return torch.roll(a, shifts=shift, dims=0)
    return np.roll(a, shift, axis=0)


def _cos(a: Any) -> Any:
    return a.cos() if _is_torch(a) else np.cos(a)


def _sin(a: Any) -> Any:
    return a.sin() if _is_torch(a) else np.sin(a)


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


class Henon:
    """The Hénon map (x, y) -> (1 - a x^2 + y, b x).

    Parameters
    ----------
    a, b : float, default 1.4, 0.3

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
    """

    dim = 2
    dt = 1.0

    def __init__(self, a: float = 1.4, b: float = 0.3) -> None:
        self.a = check_real("a", a)
        self.b = check_real("b", b)
        self.reference = (0.41922, -1.62319) if (self.a, self.b) == (1.4, 0.3) else None

    def initial_state(self) -> np.ndarray:
        return np.array([0.1, 0.1])

    def step(self, x: Any, t: int) -> Any:
        return _stack(x, [1.0 - self.a * x[0] * x[0] + x[1], self.b * x[0]])

    def tangent(self, x: Any, t: int, V: Any) -> Any:
        return _stack(V, [-2.0 * self.a * x[0] * V[0] + V[1], self.b * V[0]])


class Logistic:
    """The logistic map x -> r x (1 - x).

    Notes
    -----
    Tangent r (1 - 2x).  At r = 4 the exponent is ln 2 (conjugate to the tent map).

    Examples
    --------
    >>> float(Logistic(4.0).step(np.array([0.25]), 0)[0])
    0.75
    """

    dim = 1
    dt = 1.0

    def __init__(self, r: float = 4.0) -> None:
        self.r = check_real("r", r, low=0.0, high=4.0)
        self.reference = (math.log(2.0),) if self.r == 4.0 else None

    def initial_state(self) -> np.ndarray:
        return np.array([0.3])

    def step(self, x: Any, t: int) -> Any:
        return self.r * x * (1.0 - x)

    def tangent(self, x: Any, t: int, V: Any) -> Any:
        return (self.r * (1.0 - 2.0 * x[0])) * V


class StandardMap:
    """The Chirikov standard map on the torus, state (theta, p).

    p' = p + K sin(theta), theta' = theta + p', both mod 2 pi.  Area-preserving
    (det J = 1), so the two exponents sum to 0 and are ``(lambda, -lambda)``.

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

    def __init__(self, K: float = 6.0) -> None:
        self.K = check_real("K", K)
        self.reference = None

    def initial_state(self) -> np.ndarray:
        return np.array([1.0, 0.5])

    def step(self, x: Any, t: int) -> Any:
        two_pi = 2.0 * math.pi
        p = (x[1] + self.K * _sin(x[0])) % two_pi
        return _stack(x, [(x[0] + p) % two_pi, p])

    def tangent(self, x: Any, t: int, V: Any) -> Any:
        kc = self.K * _cos(x[0])
        dp = kc * V[0] + V[1]
        return _stack(V, [V[0] + dp, dp])


class LinearMap:
    """The linear map x -> A x; its exponents are log|eigenvalues of A| (A diagonalisable).

    Examples
    --------
    >>> LinearMap(np.diag([2.0, 0.5])).step(np.ones(2), 0).tolist()
    [2.0, 0.5]
    """

    dt = 1.0

    def __init__(self, A: Any) -> None:
        A = check_array("A", A, ndim=2)
        if A.shape[0] != A.shape[1] or A.shape[0] < 1:
            raise ValueError(f"`A` must be a non-empty square matrix, got shape {A.shape}")
        self._A = _Matrix(A)
        self.dim = A.shape[0]
        eig = np.abs(np.linalg.eigvals(A))
        with np.errstate(divide="ignore"):
            self.reference = tuple(np.sort(np.log(eig))[::-1])

    @property
    def A(self) -> np.ndarray:
        return self._A.A

    def initial_state(self) -> np.ndarray:
        return np.ones(self.dim)

    def step(self, x: Any, t: int) -> Any:
        return self._A.like(x) @ x

    def tangent(self, x: Any, t: int, V: Any) -> Any:
        return self._A.like(V) @ V


class _Flow:
    """Base for autonomous flows dx/dt = f(x): RK4 for the state and the variational equation."""

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

    Examples
    --------
    >>> f = LinearFlow(np.diag([1.0, -1.0]), dt=0.01)
    >>> np.round(f.step(np.ones(2), 0), 6).tolist()
    [1.01005, 0.99005]
    """

    def __init__(self, A: Any, *, dt: float = 0.01) -> None:
        A = check_array("A", A, ndim=2)
        if A.shape[0] != A.shape[1] or A.shape[0] < 1:
            raise ValueError(f"`A` must be a non-empty square matrix, got shape {A.shape}")
        self._A = _Matrix(A)
        self.dim = A.shape[0]
        self.dt = check_positive("dt", dt)
        self.reference = tuple(np.sort(np.linalg.eigvals(A).real)[::-1])

    def initial_state(self) -> np.ndarray:
        return np.ones(self.dim)

    def rhs(self, x: Any) -> Any:
        return self._A.like(x) @ x

    def jac_vec(self, x: Any, V: Any) -> Any:
        return self._A.like(V) @ V


class Lorenz63(_Flow):
    """The Lorenz (1963) flow, integrated by RK4 with step `dt`.

    dx/dt = sigma (y - x), dy/dt = x (rho - z) - y, dz/dt = x y - beta z.

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

    def __init__(self, sigma: float = 10.0, rho: float = 28.0, beta: float = 8.0 / 3.0, *,
                 dt: float = 0.01) -> None:
        self.sigma = check_real("sigma", sigma)
        self.rho = check_real("rho", rho)
        self.beta = check_real("beta", beta)
        self.dt = check_positive("dt", dt)
        std = (self.sigma, self.rho, self.beta) == (10.0, 28.0, 8.0 / 3.0)
        self.reference = (0.9056, 0.0, -14.5723) if std else None

    @property
    def divergence(self) -> float:
        """Trace of the Jacobian, -(sigma + 1 + beta): the sum of the exponents."""
        return -(self.sigma + 1.0 + self.beta)

    def initial_state(self) -> np.ndarray:
        return np.array([1.0, 1.0, 1.0])

    def rhs(self, x: Any) -> Any:
        return _stack(x, [self.sigma * (x[1] - x[0]), x[0] * (self.rho - x[2]) - x[1],
                          x[0] * x[1] - self.beta * x[2]])

    def jac_vec(self, x: Any, V: Any) -> Any:
        return _stack(V, [self.sigma * (V[1] - V[0]),
                          (self.rho - x[2]) * V[0] - V[1] - x[0] * V[2],
                          x[1] * V[0] + x[0] * V[1] - self.beta * V[2]])


class Lorenz96(_Flow):
    """The Lorenz (1996) model dx_i/dt = (x_{i+1} - x_{i-2}) x_{i-1} - x_i + F, cyclic.

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

    def __init__(self, n: int = 40, F: float = 8.0, *, dt: float = 0.01) -> None:
        self.dim = check_int("n", n, low=4)
        self.F = check_real("F", F)
        self.dt = check_positive("dt", dt)
        self.reference = None

    @property
    def divergence(self) -> float:
        return -float(self.dim)

    def initial_state(self) -> np.ndarray:
        x = np.full(self.dim, self.F)
        x[0] += 0.01
        return x

    def rhs(self, x: Any) -> Any:
        return (_roll(x, -1) - _roll(x, 2)) * _roll(x, 1) - x + self.F

    def jac_vec(self, x: Any, V: Any) -> Any:
        xm1 = _roll(x, 1)[:, None]
        dx = (_roll(x, -1) - _roll(x, 2))[:, None]
        return (_roll(V, -1) - _roll(V, 2)) * xm1 + dx * _roll(V, 1) - V

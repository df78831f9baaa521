"""Users' own maps and flows from the rule alone: tangents by automatic differentiation.

``Map(f, dim)`` turns ``x -> f(x)`` into a system for :func:`dynsys.lyapunov_spectrum`
and ``Flow(f, dim, dt=...)`` does the same for ``dx/dt = f(x)`` (integrated, with its
variational equation, by the same fourth-order Runge-Kutta scheme as the classic flows).
The rule is written for one state, a torch tensor of shape ``(dim,)`` (optionally with a
parameter vector ``p``: ``f(x, p)``), using torch operations; the tangent ``J V`` is a
forward-mode JVP (``torch.func.jvp``) vmapped over the columns of ``V``, or ``J(x) @ V``
when a Jacobian function is given.  Batches of states and of parameter vectors are
vmapped too, so user systems batch like the classic ones.

States may be numpy arrays (computed in float64 torch, returned as numpy) or torch
tensors (kept in their dtype and device).

Examples
--------
>>> import torch
>>> henon = Map(lambda x, p: torch.stack([1 - p[0] * x[0] ** 2 + x[1], p[1] * x[0]]), 2,
...             params=[1.4, 0.3])
>>> henon.step(np.array([0.0, 0.0]), 0).tolist()
[1.0, 0.0]
>>> henon.tangent(np.array([0.5, 0.0]), 0, np.eye(2)).tolist()   # [[-2 a x, 1], [b, 0]]
[[-1.4, 1.0], [0.3, 0.0]]
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from pdcheck import check_int, check_positive
from dynsys.systems import _Flow

__all__ = ["Map", "Flow"]


def _is_torch(x: Any) -> bool:
    return type(x).__module__.startswith("torch")


class _Rule:
    """The shared machinery: a single-state rule, vmapped over batches, differentiated by JVP."""

    batched = True

    def _setup(self, f: Callable, dim: int, params: Any, jacobian: Callable | None) -> None:
        import torch

        if not callable(f):
            raise TypeError(f"`f` must be callable, got {type(f).__name__}")
        if jacobian is not None and not callable(jacobian):
            raise TypeError(f"`jacobian` must be callable or None, got {type(jacobian).__name__}")
        self.dim = check_int("dim", dim, low=1)
        self.f = f
        self.jacobian = jacobian
        self.reference = None
        if params is None:
            self.params = None
            self.batch_size = None
        else:
            p = params.detach().cpu().double().numpy() if _is_torch(params) else params
            try:
                p = np.array(p, dtype=float)
            except (TypeError, ValueError):
                raise TypeError(f"`params` must be array-like of numbers, got {type(params).__name__}") from None
            if p.ndim not in (1, 2) or p.size == 0:
                raise ValueError(f"`params` must have shape (P,) or (B, P) with P >= 1, got {p.shape}")
            if not np.all(np.isfinite(p)):
                raise ValueError("`params` must be finite (no NaN or inf)")
            self.params = p
            self.batch_size = p.shape[0] if p.ndim == 2 else None
        self._pcache: dict = {}
        self._torch = torch

    # ------------------------------------------------------------------ conversions
    def _in(self, x: Any) -> Any:
        if _is_torch(x):
            return x
        return self._torch.from_numpy(np.ascontiguousarray(x, dtype=float))

    @staticmethod
    def _out(y: Any, like: Any) -> Any:
        return y if _is_torch(like) else y.detach().numpy()

    def _p(self, like: Any) -> Any:
        key = (like.dtype, like.device)
        if key not in self._pcache:
            self._pcache[key] = self._torch.as_tensor(self.params, dtype=like.dtype, device=like.device)
        return self._pcache[key]

    # ------------------------------------------------------------------ batching
    def _apply(self, fn: Callable, x: Any, *extra: Any) -> Any:
        """``fn(x_single, *extra_single, p_single)`` over leading batch axes of x (and extra, params).

        `x` has shape (dim,) or (B, dim); each extra argument has the same leading axis
        when `x` is batched.
        """
        from torch.func import vmap

        args = [x, *extra] + ([] if self.params is None else [self._p(x)])
        x_batched = x.ndim == 2
        p_batched = self.params is not None and self.params.ndim == 2
        if not (x_batched or p_batched):
            return fn(*args)
        if not x_batched:  # one state for a batch of parameter vectors
            args[0] = x.expand(self.params.shape[0], -1)
            for i in range(1, len(extra) + 1):
                args[i] = args[i].expand(self.params.shape[0], *args[i].shape)
        in_dims = [0] * (len(extra) + 1) + ([0 if p_batched else None] if self.params is not None else [])
        return vmap(fn, in_dims=tuple(in_dims))(*args)

    def _f(self, x: Any, p: Any = None) -> Any:
        return self.f(x) if p is None else self.f(x, p)

    def _jv(self, x: Any, V: Any, p: Any = None) -> Any:
        """``Df(x) V`` for one state, V of shape (dim, k)."""
        if self.jacobian is not None:
            J = self.jacobian(x) if p is None else self.jacobian(x, p)
            return self._torch.as_tensor(J, dtype=V.dtype, device=V.device) @ V
        from torch.func import jvp, vmap

        g = (lambda z: self.f(z)) if p is None else (lambda z: self.f(z, p))  # noqa: E731
        return vmap(lambda v: jvp(g, (x,), (v,))[1], in_dims=1, out_dims=1)(V)

    def _field(self, x: Any) -> Any:
        return self._apply(self._f, x)

    def _field_jv(self, x: Any, V: Any) -> Any:
        return self._apply(self._jv, x, V)


class Map(_Rule):
    """A discrete map ``x -> f(x)`` (or ``f(x, p)``) as a system, tangent by autodiff.

    Parameters
    ----------
    f : callable
        ``f(x) -> x_next`` on one state, a torch tensor of shape (dim,), written with torch
        operations (``torch.stack``, ``torch.sin``, ...); or ``f(x, p)`` when `params` is given.
    dim : int
        State dimension.
    params : array_like, shape (P,) or (B, P), optional
        Parameter vector passed as `p`; a 2-D array is a batch of B systems.
    jacobian : callable, optional
        ``jacobian(x[, p]) -> (dim, dim)`` tensor; used instead of the JVP when given.

    Attributes
    ----------
    dim, dt, batch_size, batched

    Raises
    ------
    TypeError
        If `f` or `jacobian` is not callable, or `params` is not numeric.
    ValueError
        If `dim` < 1 or `params` has the wrong shape or is not finite.

    Notes
    -----
    The tangent is exact to rounding (forward-mode automatic differentiation), so the
    spectrum equals that of a hand-written tangent map: the tests compare Hénon and the
    Lorenz flow with :class:`~dynsys.systems.Henon` and :class:`~dynsys.systems.Lorenz63`
    to 1e-10.

    Examples
    --------
    >>> import torch
    >>> from dynsys.lyapunov import lyapunov_spectrum
    >>> m = Map(lambda x: -0.9 * x, 1)
    >>> round(float(lyapunov_spectrum(m, [1.0], 100, progress=False).exponents[0]), 6)   # ln 0.9
    -0.105361
    """

    dt = 1.0

    def __init__(self, f: Callable, dim: int, *, params: Any = None,
                 jacobian: Callable | None = None) -> None:
        self._setup(f, dim, params, jacobian)

    def step(self, x: Any, t: int) -> Any:
        return self._out(self._field(self._in(x)), x)

    def tangent(self, x: Any, t: int, V: Any) -> Any:
        xt = self._in(x)
        return self._out(self._field_jv(xt, self._in(V).to(xt.dtype)), V)


class Flow(_Rule, _Flow):
    """An autonomous flow ``dx/dt = f(x)`` (or ``f(x, p)``) as a system, by RK4 with step `dt`.

    The state and the variational equation ``dV/dt = Df(x) V`` are integrated together by
    the classical fourth-order Runge-Kutta scheme (the same code as the classic flows),
    with ``Df(x) V`` by automatic differentiation (or the given `jacobian`).

    Parameters
    ----------
    f : callable
        ``f(x) -> dx/dt`` on one state (torch tensor of shape (dim,)), or ``f(x, p)``.
    dim : int
    dt : float, default 0.01
        Time step (> 0).
    params : array_like, shape (P,) or (B, P), optional
    jacobian : callable, optional
        ``jacobian(x[, p]) -> (dim, dim)``.

    Raises
    ------
    TypeError, ValueError
        As :class:`Map`; `dt` must be a positive finite number.

    Examples
    --------
    >>> from dynsys.lyapunov import lyapunov_spectrum
    >>> decay = Flow(lambda x: -0.9 * x, 1, dt=0.01)
    >>> round(float(lyapunov_spectrum(decay, [1.0], 1000, progress=False).exponents[0]), 6)
    -0.9
    """

    def __init__(self, f: Callable, dim: int, *, dt: float = 0.01, params: Any = None,
                 jacobian: Callable | None = None) -> None:
        self._setup(f, dim, params, jacobian)
        self.dt = check_positive("dt", dt)

    def rhs(self, x: Any) -> Any:
        return self._field(x)

    def jac_vec(self, x: Any, V: Any) -> Any:
        return self._field_jv(x, V)

    def step(self, x: Any, t: int) -> Any:
        if not _is_torch(x):
            c = getattr(self, "_cache", None)
            if c is not None and c[0] is x and c[1] == t:
                return c[2]
            return _Flow.step(self, self._in(x), t).numpy()
        return _Flow.step(self, x, t)

    def tangent(self, x: Any, t: int, V: Any) -> Any:
        if not _is_torch(x):
            xt = self._in(x)
            out = _Flow.tangent(self, xt, t, self._in(V))
            self._cache = (x, t, self._cache[2].numpy())
            return out.numpy()
        return _Flow.tangent(self, x, t, V)

"""The exact learning coefficient of a one-hidden-layer ReLU network at a minimum of its squared error.

A ReLU network's empirical loss is piecewise analytic: it has a crease wherever a data point sits
on a unit's kink (pre-activation ``z_ij = 0``).  Trained networks are not at a smooth minimum:
their minima lie on creases, where the loss grows *linearly* across the crease (the two one-sided
slopes have opposite signs), so a gradient-based optimizer stalls at a gradient of ~1e-5 and
Newton's method steps back and forth across the kink.  :func:`relu_minimum` finds the exact local
minimum with an active-set Newton method (the creases are linear constraints on the first layer:
``z_ij = w_j . x_i + b_j``), certifies it, and reads off its learning coefficient.

At a minimum with ``k`` creases, in local coordinates ``s`` (the ``k`` kink pre-activations) and
``u`` (the crease's tangent space),

    K(w) = L(w) - L(w*) = sum_i (a_i^+ max(s_i, 0) + a_i^- max(-s_i, 0)) + u^T H_r u / 2 + ...,

with all one-sided slopes ``a_i^+-`` > 0 (strict complementarity).  If in addition the null
space of the reduced Hessian ``H_r`` is the tangent space of the fibre of the network's function
on the data (the directions that leave every output unchanged: the rescaling orbits and the
inputs a unit's active data do not determine), then ``K`` is, up to terms that do not change the
leading pole of the zeta function, ``sum |s_i| + |u_r|^2`` with ``u_r`` in ``rank H_r``
dimensions, and

    lambda = k + rank(H_r) / 2,    m = 1

(each linear direction contributes 1, each quadratic one 1/2, the fibre 0; Watanabe 2009,
Ch. 2 and Remark 7.4 for the normal-crossing sum; the linear terms dominate the cross terms
``s u`` at the scales ``s ~ 1/t``, ``u ~ t^(-1/2)``).  :func:`relu_minimum` checks each hypothesis
numerically and raises :class:`slt.errors.NonDegeneracyError` when one fails.

This is the ``t -> infinity`` coefficient.  At a finite inverse temperature ``t`` the posterior
reaches across the kinks of the other data points when the Gaussian width of their
pre-activations, ``sqrt(a^T H_r^+ a / t)``, exceeds their distance to the kink; ``t_walls`` is
the temperature at which the widest one equals it.  Below ``t_walls`` (1.2e13 for the digits
MLP of :func:`slt.models.digits_relu_mlp`) an estimate of lambda measures an effective,
temperature-dependent coefficient, not this one.  Above it, a *localized* posterior can still
leave ``w*``: the flat directions (the fibre) keep the loss constant only up to the kinks of
inactive data points, beyond which it may fall.  On that digits MLP, random-walk Metropolis at
t = 1e12 (localization 1e-3 per tensor scale²) finds losses 6.3e-9 below ``L(w*)`` about 0.4 away
along unit 1's flat directions; the certificate here is local (a neighbourhood of ``w*``).

References
----------
.. [1] S. Watanabe, *Algebraic Geometry and Statistical Learning Theory*, Cambridge University
   Press, 2009.
.. [2] J. Nocedal, S. J. Wright, *Numerical Optimization*, 2nd ed., Springer 2006, Ch. 16
   (active-set methods).
"""

from __future__ import annotations

import copy
import math
from typing import Any, NamedTuple

import numpy as np
import sympy as sp
import torch
import torch.nn.functional as F

from pdcheck import check_int, check_memory, check_positive
from slt.errors import NonDegeneracyError
from slt.exact import RLCT

__all__ = ["ReLUMinimum", "relu_minimum"]


class ReLUMinimum(NamedTuple):
    """A certified local minimum of a Linear-ReLU-Linear network's mean squared error.

    Attributes
    ----------
    model : torch.nn.Sequential
        A copy of the model at the minimum.
    rlct : RLCT
        ``lambda = k + rank/2`` with multiplicity 1.
    kinks : tuple of (int, int)
        The ``k`` (data index, unit) pairs on their kink (pre-activation exactly 0).
    slopes : ndarray, shape (k, 2)
        The one-sided slopes ``dK/dz`` of each crease, ``(z < 0 side, z > 0 side)``, both > 0.
    rank : int
        Rank of the Hessian on the creases' tangent space.
    flat : int
        Dimension of the fibre (exactly flat directions): ``d - k - rank``.
    gap : float
        Smallest kept over largest dropped eigenvalue of that Hessian (the rank's margin).
    margin : float
        Smallest ``|z_ij|`` over the pairs not on a kink.
    t_walls : float
        Inverse temperature below which the Gaussian width of some pre-activation exceeds its
        distance to the kink (see the module notes).
    loss : float
        ``L(w*)``.
    """

    model: Any
    rlct: RLCT
    kinks: tuple[tuple[int, int], ...]
    slopes: np.ndarray
    rank: int
    flat: int
    gap: float
    margin: float
    t_walls: float
    loss: float


def _check_inputs(model: Any, x: Any, y: Any) -> None:
    if (not isinstance(model, torch.nn.Sequential) or len(model) != 3 or not isinstance(model[0], torch.nn.Linear)
            or not isinstance(model[1], torch.nn.ReLU) or not isinstance(model[2], torch.nn.Linear)):
        raise TypeError(f"`model` must be torch.nn.Sequential(Linear, ReLU, Linear), got {model!r:.120}")
    for name, t in (("x", x), ("y", y)):
        if not isinstance(t, torch.Tensor) or t.ndim != 2:
            raise TypeError(f"`{name}` must be a 2-d torch.Tensor, got {type(t).__name__}"
                            + (f" of shape {tuple(t.shape)}" if isinstance(t, torch.Tensor) else ""))
    dt = model[0].weight.dtype
    if dt != torch.float64 or x.dtype != dt or y.dtype != dt:
        raise TypeError(f"`model`, `x` and `y` must be float64 (the kinks and the rank gap need it), got "
                        f"{dt}, {x.dtype}, {y.dtype}")
    if x.shape[1] != model[0].in_features or y.shape != (x.shape[0], model[2].out_features):
        raise ValueError(f"`x` must be (n, {model[0].in_features}) and `y` (n, {model[2].out_features}), got "
                         f"{tuple(x.shape)} and {tuple(y.shape)}")
    if not (torch.isfinite(x).all() and torch.isfinite(y).all()):
        raise ValueError("`x` and `y` must be finite")


class _Net:
    """The loss, pre-activations and hidden activations of a Linear-ReLU-Linear model as functions of w."""

    def __init__(self, model: Any, x: torch.Tensor, y: torch.Tensor) -> None:
        from torch.func import functional_call

        self.model, self.x, self.y = model, x, y
        self.names = [n for n, _ in model.named_parameters()]
        self.shapes = [p.shape for _, p in model.named_parameters()]
        self.sizes = [p.numel() for _, p in model.named_parameters()]
        self.d = sum(self.sizes)
        self._call = functional_call

    def params(self, w: torch.Tensor) -> dict[str, torch.Tensor]:
        return {n: t.reshape(s) for n, t, s in zip(self.names, torch.split(w, self.sizes), self.shapes)}

    def pre(self, w: torch.Tensor) -> torch.Tensor:
        p = self.params(w)
        return self._call(self.model[0], {k[2:]: v for k, v in p.items() if k.startswith("0.")}, (self.x,))

    def out(self, w: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
        p = self.params(w)
        return self._call(self.model[2], {k[2:]: v for k, v in p.items() if k.startswith("2.")}, (h,))

    def head(self, w: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
        return F.mse_loss(self.out(w, h), self.y)

    def loss(self, w: torch.Tensor) -> torch.Tensor:
        return self.head(w, torch.relu(self.pre(w)))

    def grad_hess(self, w: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        from torch.func import grad, hessian

        return grad(self.loss)(w).detach(), hessian(self.loss)(w).detach()

    def kink_rows(self, w: torch.Tensor, pairs: list[tuple[int, int]]) -> torch.Tensor:
        """The gradients of the pre-activations ``z_ij`` of `pairs` (each linear in w), ``(k, d)``."""
        from torch.func import jacrev

        if not pairs:
            return w.new_zeros((0, self.d))
        i, j = (torch.tensor(v, device=w.device) for v in zip(*pairs))
        return jacrev(lambda v: self.pre(v)[i, j])(w).detach()

    def hidden_slopes(self, w: torch.Tensor, pairs: list[tuple[int, int]] | None) -> torch.Tensor:
        """``dL/dh_ij`` at the hidden activations of `pairs` (all of them, ``(n, H)``, for None)."""
        h = torch.relu(self.pre(w)).detach().requires_grad_(True)
        (gh,) = torch.autograd.grad(self.head(w, h), h)
        if pairs is None:
            return gh
        i, j = (torch.tensor(v, device=w.device) for v in zip(*pairs))
        return gh[i, j]


def _null_basis(A: torch.Tensor, d: int) -> torch.Tensor:
    if A.shape[0] == 0:
        return torch.eye(d, dtype=A.dtype, device=A.device)
    q, _ = torch.linalg.qr(A.T, mode="complete")
    return q[:, A.shape[0]:]


def _balance(model: Any) -> torch.Tensor:
    """Per unit, the factor that makes its incoming (weights and bias) and outgoing norms equal."""
    with torch.no_grad():
        inc = model[0].weight.pow(2).sum(1)
        if model[0].bias is not None:
            inc = inc + model[0].bias.pow(2)
        out = model[2].weight.pow(2).sum(0)
        ok = (inc > 0) & (out > 0)
        return torch.where(ok, (out.clamp(min=1e-300) / inc.clamp(min=1e-300)) ** 0.25, torch.ones_like(inc))


def _rescaled(model: Any, beta: torch.Tensor) -> Any:
    m = copy.deepcopy(model)
    with torch.no_grad():
        m[0].weight.mul_(beta[:, None])
        if m[0].bias is not None:
            m[0].bias.mul_(beta)
        m[2].weight.div_(beta[None, :])
    return m


def _snap(net: _Net, w: torch.Tensor, act: list[tuple[int, int]]) -> torch.Tensor:
    """Project w back onto the creases ``z_ij = 0`` of `act` (they are linear in w)."""
    if not act:
        return w
    A = net.kink_rows(w, act)
    zz = torch.stack([net.pre(w)[i, j] for i, j in act]).detach()
    return w - torch.linalg.lstsq(A, zz.unsqueeze(1)).solution.squeeze(1)


def _active_set(net: _Net, w: torch.Tensor, max_iter: int, ftol: float) -> tuple[torch.Tensor, list[tuple[int, int]]]:
    """Active-set Newton iterations to a stationary point on the creases with consistent multipliers."""
    d = net.d
    w = w.clone()
    z = net.pre(w).detach()                         # points already on their kinks start as creases
    act: list[tuple[int, int]] = [(int(i), int(j)) for i, j in (z.abs() <= 1e-12 * float(z.abs().max())).nonzero()]
    done = False
    last: float | None = None
    extra = 0
    for _ in range(max_iter):
        z = net.pre(w).detach()
        g, H = net.grad_hess(w)
        A = net.kink_rows(w, act)
        Z = _null_basis(A, d)
        if Z.shape[1] == 0:
            raise NonDegeneracyError(f"relu_minimum: {len(act)} creases leave no free direction among {d} parameters")
        gr = Z.T @ g
        ev, U = torch.linalg.eigh(Z.T @ H @ Z)
        keep = ev.abs() > 1e-10 * ev.abs().max()
        coef = (U[:, keep].T @ gr) / ev[keep].abs()
        decrement = 0.5 * float((coef * (U[:, keep].T @ gr)).sum())     # the Newton step's predicted decrease
        small = decrement <= ftol * abs(float(net.loss(w)))
        gnorm = float(gr.norm())
        if small and (last is None or gnorm < 0.1 * last) and extra < 8:
            extra += 1                # the gradient still falls: Newton steps on to the round-off floor (the
            small = False             # Hessian along the fibre is of the order of the residual gradient)
        last = gnorm
        if small:
            near = (z.abs() < 1e-8 * float(z.abs().max())).nonzero().tolist()
            near = [(i, j) for i, j in near if (i, j) not in act]
            if near:                                # a free point on its kink: make it a crease
                act += [(int(i), int(j)) for i, j in near]
                w = _snap(net, w, act)
                continue
            if not act:
                done = True
                break
            nu = torch.linalg.lstsq(A.T, g.unsqueeze(1)).solution.squeeze(1)
            c = net.hidden_slopes(w, act)
            bad = [(p, float(a), float(a + b)) for p, a, b in zip(list(act), nu, c) if not (a < 0 < a + b)]
            if not bad:
                done = True
                break
            for (i, j), left, right in bad:      # release to the side that lowers the loss
                act.remove((i, j))
                v = net.kink_rows(w, [(i, j)])[0]
                w = w + (1.0 if right < 0 else -1.0) * 1e-9 * v / (v @ v)
            continue
        step = -Z @ (U[:, keep] @ coef)
        dz = net.pre(w + step).detach() - z
        tc = torch.where((dz != 0) & (z != 0), -z / dz, torch.full_like(z, math.inf))
        tc = torch.where(tc > 1e-12, tc, torch.full_like(z, math.inf))
        for i, j in act:
            tc[i, j] = math.inf
        tmin = float(tc.min())
        l0 = float(net.loss(w))
        if tmin < 1.0 and float(net.loss(w + tmin * step)) <= l0:
            i, j = np.unravel_index(int(tc.argmin()), tuple(z.shape))
            w = w + tmin * step
            act.append((int(i), int(j)))
        else:
            t = min(1.0, tmin)
            while float(net.loss(w + t * step)) > l0 and t > 1e-12:
                t /= 2
            w = w + t * step
        w = _snap(net, w, act)
    if not done:
        raise NonDegeneracyError(f"relu_minimum did not converge in max_iter = {max_iter} iterations (Newton "
                                 f"decrement {decrement:.3g} > ftol * L = {ftol * float(net.loss(w)):.3g}, "
                                 f"{len(act)} kinks)")
    act.sort()
    return w, act


def relu_minimum(model: Any, x: Any, y: Any, *, max_iter: int = 200, ftol: float = 1e-15,
                 rtol: float = 1e-10) -> ReLUMinimum:
    """Polish a trained Linear-ReLU-Linear network to its exact local minimum and certify its RLCT.

    Parameters
    ----------
    model : torch.nn.Sequential
        ``Sequential(Linear(D, H), ReLU(), Linear(H, N))`` in float64, near a minimum of
        ``F.mse_loss(model(x), y)`` (e.g. after L-BFGS).  Not modified.
    x, y : torch.Tensor
        Inputs ``(n, D)`` and targets ``(n, N)``, float64.
    max_iter : int, default 200
        Newton iterations (each adds or releases at most one crease, or takes one step).
    ftol : float, default 1e-15
        Stop when the Newton step on the creases' tangent space would lower the loss by less than
        ``ftol * L`` (the Newton decrement, invariant under the rescalings, is at round-off).
    rtol : float, default 1e-10
        Eigenvalues of the reduced Hessian (and of ``J^T J``) below ``rtol`` times the largest
        count as zero.

    Returns
    -------
    ReLUMinimum
        The model at the minimum, ``lambda = k + rank/2`` (m = 1), the kinks, their one-sided
        slopes, the rank, the flat dimension, the rank gap, the smallest free margin and
        ``t_walls``.

    Raises
    ------
    TypeError
        `model` is not Linear-ReLU-Linear, or a tensor is not float64 and 2-d.
    ValueError
        Shapes disagree, non-finite data, bad `max_iter`, `ftol` or `rtol`.
    NonDegeneracyError
        No convergence in `max_iter` iterations; a saddle (negative curvature on the creases);
        a one-sided slope that vanishes (no strict complementarity); a Hessian null space that is
        not the fibre of the function (rank of H differs from rank of J^T J); or a rank gap
        below 1e3.  Then ``lambda = k + rank/2`` is not proven for this point.

    Notes
    -----
    Active-set Newton method (Nocedal & Wright 2006, Ch. 16) on the piecewise-quadratic model:
    each step solves the Newton system on the tangent space of the current creases (a
    pseudo-inverse over the eigenvalues above ``1e-10`` of the largest, with their absolute
    values so that the step descends at a saddle); a step that would carry a free data point
    across its kink stops there and adds the crease; at a stationary point, a crease whose
    Lagrange multiplier says that one side lowers the loss is released to that side.  The
    one-sided slopes are ``-nu`` and ``nu + c`` with ``nu`` the multipliers of ``grad L = A^T nu``
    (torch's convention ``relu'(0) = 0`` puts a kink point on its inactive side) and ``c = dL/dh``
    at the kink.  Cost: a dense Hessian and behaviour Jacobian, ``O(d^2 + n N d)`` memory.

    References
    ----------
    .. [1] S. Watanabe, *Algebraic Geometry and Statistical Learning Theory*, CUP 2009.
    .. [2] J. Nocedal, S. J. Wright, *Numerical Optimization*, 2nd ed., Springer 2006, Ch. 16.

    Examples
    --------
    >>> from slt.models import digits_relu_mlp
    >>> net, (x, y) = digits_relu_mlp(4, n_points=500)
    >>> res = relu_minimum(net, x, y)
    >>> res.rlct.value, res.rlct.multiplicity, res.kinks, res.rank
    (247/2, 1, ((90, 1), (355, 1)), 243)
    >>> bool((res.slopes > 0).all()) and res.flat + res.rank + len(res.kinks) == 310
    True
    """
    _check_inputs(model, x, y)
    max_iter = check_int("max_iter", max_iter, low=1, high=100_000)
    ftol = check_positive("ftol", ftol)
    rtol = check_positive("rtol", rtol)
    if rtol >= 1:
        raise ValueError(f"`rtol` must be in (0, 1), got {rtol!r}")
    # work at the balanced point of every unit's rescaling orbit (incoming and outgoing norms equal): the
    # result is then the same at every rescaling of the input model, where the raw Hessian's spectrum
    # spreads by alpha^4 and round-off would blur its rank
    beta = _balance(model)
    model = _rescaled(model, beta)
    net = _Net(model, x, y)
    d, n, N = net.d, x.shape[0], y.shape[1]
    check_memory(f"relu_minimum: Hessian of {d} parameters and Jacobian of {n * N} outputs",
                 8 * (4 * d * d + 2 * n * N * d))
    w, act = _active_set(net, torch.cat([p.detach().reshape(-1) for p in model.parameters()]), max_iter, ftol)
    g, H = net.grad_hess(w)
    A = net.kink_rows(w, act)
    slopes = np.zeros((len(act), 2))
    if act:
        nu = torch.linalg.lstsq(A.T, g.unsqueeze(1)).solution.squeeze(1)
        c = net.hidden_slopes(w, act)
        slopes = np.stack([(-nu).cpu().numpy(), (nu + c).cpu().numpy()], axis=1)
        scale = float(net.hidden_slopes(w, None).abs().max())
        if not (slopes > 1e-6 * scale).all():
            raise NonDegeneracyError(f"a crease without strict complementarity: one-sided slopes {slopes.tolist()} "
                                     f"(a slope below 1e-6 of the largest dL/dh = {scale:.3g} leaves that side "
                                     f"flat to first order)")
    # ranks and gaps in Jacobi-scaled coordinates (w = S v, S = diag(H)^(-1/2)): invariant under the rescalings,
    # which are diagonal maps of w and spread the raw spectrum by alpha^4
    dg = torch.diagonal(H).clamp(min=0)
    S = torch.where(dg > 0, dg.clamp(min=1e-300).rsqrt(), torch.ones_like(dg))
    Z = _null_basis(A * S, d)
    Hr = Z.T @ (S[:, None] * H * S) @ Z
    ev, U = torch.linalg.eigh(Hr)
    top = float(ev.abs().max())
    # eigenvalues below the residual gradient's scale are not resolved: along the (curved) rescaling orbits the
    # Hessian is of the order of the gradient, so the floor is the larger of rtol * top and 1e3 |gradient|
    floor = max(rtol * top, 1e3 * float((Z.T @ (g * S)).norm()))
    if float(ev[0]) < -floor:
        raise NonDegeneracyError(f"a saddle, not a minimum: the Hessian on the creases has eigenvalue "
                                 f"{float(ev[0]):.3g} (largest {top:.3g})")
    pos = ev > floor
    rank = int(pos.sum())
    gap = float(ev[pos].min() / max(float(ev[~pos].abs().max()), 1e-300)) if 0 < rank < len(ev) else math.inf
    if gap < 1e3:
        raise NonDegeneracyError(f"the rank of the Hessian on the creases is ambiguous: smallest kept / largest "
                                 f"dropped eigenvalue = {gap:.3g} < 1e3 (zero below {floor:.3g}, rtol = {rtol:g})")
    from torch.func import jacrev

    J = (jacrev(lambda v: net.out(v, torch.relu(net.pre(v))).reshape(-1))(w).detach() * S) @ Z
    sj = torch.linalg.eigvalsh(J.T @ J)
    rank_j = int((sj > floor / top * float(sj.max())).sum())
    if rank_j != rank:
        raise NonDegeneracyError(f"the Hessian's null space is not the fibre of the function: rank {rank} on the "
                                 f"creases, but the behaviour Jacobian there has rank {rank_j}")
    z = net.pre(w).detach()
    free = torch.ones_like(z, dtype=torch.bool)
    for i, j in act:
        free[i, j] = False
    margin = float((z / beta)[free].abs().min()) if bool(free.any()) else math.inf     # in the input's scale
    if act:
        slopes = slopes * beta[[j for _, j in act]].cpu().numpy()[:, None]
    # Gaussian width of every free pre-activation in the curved directions, against its distance to the kink
    Rz = (torch.func.jacrev(net.pre)(w).detach().reshape(n * z.shape[1], d) * S) @ Z     # (n H, d - k)
    Up = U[:, pos]
    var = ((Rz @ Up) ** 2 / ev[pos]).sum(1).reshape(z.shape)
    t_walls = float((var[free] / z[free] ** 2).max()) if bool(free.any()) else 0.0
    out = copy.deepcopy(model)
    with torch.no_grad():
        for p, v in zip(out.parameters(), torch.split(w, net.sizes)):
            p.copy_(v.reshape(p.shape))
    out = _rescaled(out, 1.0 / beta)
    lam = len(act) + sp.Rational(rank, 2)
    return ReLUMinimum(out, RLCT(lam, 1, True, "ReLU minimum on creases: k + rank/2 (Watanabe 2009)"),
                       tuple(act), slopes, rank, d - len(act) - rank, gap, margin, t_walls, float(net.loss(w)))


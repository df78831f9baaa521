"""Loss-landscape geometry of note 002: the behaviour map, its Jacobian, and the Hessian split.

For a torch model ``f(x, theta)`` with ``k`` outputs and training inputs
``x_1..x_D``, the behaviour map is ``F(theta) = (f(x_1, theta), ..., f(x_D, theta))``
in ``R^(k D)`` (flattened sample-major: index ``d * k + p``).  The total loss is
``L(theta) = l(F(theta))`` and its Hessian splits (note 002, eq. (1)) into the
Gauss-Newton term ``J^T (Hess l) J`` and the residual term
``sum_{p,d} (grad l)_{(p,d)} Hess_theta f_p(x_d, theta)``; at a minimum of ``l``
the residual vanishes (eq. (2)), and with ``Hess l = I`` (the loss (*)
``l(o) = 1/2 sum_d |o_d - y_d|^2``) the Hessian is ``J^T J``.

All computations run in float64 on a copy of the model.
"""

from __future__ import annotations

import copy
from typing import Any, Callable, NamedTuple

import numpy as np

from pdcheck import check_array, check_callable, check_memory, check_positive

__all__ = ["flat_parameters", "behaviour_map", "behaviour_jacobian", "jacobian_rank",
           "BehaviourRank", "behaviour_rank", "HessianDecomposition", "hessian_decomposition",
           "squared_loss_star", "LevelSet", "level_set_dimension"]


def _prepare(model: Any, inputs: Any):
    import torch

    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"`model` must be a torch.nn.Module, got {type(model).__name__}")
    if not any(True for _ in model.parameters()):
        raise ValueError(f"`model` must have at least one parameter, got {type(model).__name__} with none")
    try:
        x = torch.as_tensor(inputs)
    except (TypeError, ValueError, RuntimeError):
        raise TypeError(f"`inputs` must be a tensor or array of numbers, got {type(inputs).__name__}") from None
    if x.is_complex() or x.dtype == torch.bool:
        raise TypeError(f"`inputs` must be real numbers, got dtype {x.dtype}")
    if x.ndim < 1 or x.shape[0] < 1:
        raise ValueError(f"`inputs` must have a leading batch dimension with >= 1 example, got shape {tuple(x.shape)}")
    if not torch.isfinite(x).all():
        raise ValueError("`inputs` must be finite (no NaN or inf)")
    m = copy.deepcopy(model).double()
    names = [n for n, _ in m.named_parameters()]
    shapes = [p.shape for _, p in m.named_parameters()]
    sizes = [p.numel() for _, p in m.named_parameters()]
    return m, x.double(), names, shapes, sizes


def flat_parameters(model: Any) -> Any:
    """The model's parameters as one float64 vector (``named_parameters`` order).

    Examples
    --------
    >>> import torch
    >>> flat_parameters(torch.nn.Linear(2, 1)).shape
    torch.Size([3])
    """
    import torch

    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"`model` must be a torch.nn.Module, got {type(model).__name__}")
    return torch.cat([p.detach().reshape(-1).double() for p in model.parameters()])


def _call(m, names, shapes, sizes, x):
    import torch
    from torch.func import functional_call

    def F(theta):
        chunks = torch.split(theta, sizes)
        params = {n: c.reshape(s) for n, c, s in zip(names, chunks, shapes)}
        out = functional_call(m, params, (x,))
        return out.reshape(x.shape[0], -1)

    return F


def behaviour_map(model: Any, inputs: Any, *, theta: Any = None) -> Any:
    """``F(theta)``: the outputs on the training inputs, shape ``(D, k)``.

    Parameters
    ----------
    model : torch.nn.Module
    inputs : tensor, shape (D, ...)
    theta : tensor, optional
        Flat parameter vector (default: the model's own parameters).

    Examples
    --------
    >>> import torch
    >>> lin = torch.nn.Linear(2, 3)
    >>> behaviour_map(lin, torch.zeros(5, 2)).shape
    torch.Size([5, 3])
    """
    m, x, names, shapes, sizes = _prepare(model, inputs)
    th = flat_parameters(m) if theta is None else _theta(theta, sum(sizes), x.device)
    return _call(m, names, shapes, sizes, x)(th).detach()


def _theta(theta: Any, n: int, device: Any = None) -> Any:
    import torch

    if isinstance(theta, torch.Tensor):
        if theta.is_complex():
            raise TypeError(f"`theta` must be real, got dtype {theta.dtype}")
        th = theta.detach().to(dtype=torch.float64, device=device).reshape(-1)
    else:
        th = torch.as_tensor(check_array("theta", theta, finite=False), dtype=torch.float64, device=device).reshape(-1)
    if th.numel() != n:
        raise ValueError(f"`theta` must have {n} entries (the number of parameters), got {th.numel()}")
    if not torch.isfinite(th).all():
        raise ValueError("`theta` must be finite (no NaN or inf)")
    return th


def behaviour_jacobian(model: Any, inputs: Any, *, theta: Any = None) -> Any:
    """``JF(theta)``: the ``(k D) x N`` Jacobian of the flattened behaviour map.

    Examples
    --------
    >>> import torch
    >>> J = behaviour_jacobian(torch.nn.Linear(2, 3), torch.ones(4, 2))
    >>> tuple(J.shape)
    (12, 9)
    """
    from torch.func import jacrev

    m, x, names, shapes, sizes = _prepare(model, inputs)
    th = flat_parameters(m) if theta is None else _theta(theta, sum(sizes), x.device)
    F = _call(m, names, shapes, sizes, x)
    n_out = F(th).numel()
    check_memory(f"behaviour_jacobian of {n_out} outputs x {th.numel()} parameters", 3 * 8 * n_out * th.numel())
    return jacrev(lambda t: F(t).reshape(-1))(th).detach()


def jacobian_rank(J: Any, *, rtol: float = 1e-10) -> int:
    """Numerical rank: singular values above ``rtol * max(shape) * s_max``.

    Examples
    --------
    >>> jacobian_rank(np.array([[1.0, 0.0], [2.0, 0.0]]))
    1
    """
    check_positive("rtol", rtol)
    a = check_array("J", J.detach().cpu().numpy() if hasattr(J, "detach") else J)
    if a.ndim != 2:
        raise ValueError(f"`J` must be a matrix, got shape {a.shape}")
    if a.size == 0:
        return 0
    s = np.linalg.svd(a, compute_uv=False)
    if s.max() == 0:
        return 0
    return int(np.sum(s > rtol * max(a.shape) * s.max()))


class BehaviourRank(NamedTuple):
    """Rank of ``JF`` and the dimension of the behaviour manifold near ``theta``."""

    n_params: int        # N
    n_outputs: int       # k D
    rank: int
    full_rank: bool      # rank == min(N, k D)
    null_dim: int        # N - rank: dimension of F^{-1}(F(theta)) near theta when F has constant rank


def behaviour_rank(model: Any, inputs: Any, *, theta: Any = None, rtol: float = 1e-10) -> BehaviourRank:
    """Rank of the behaviour Jacobian and its null-space dimension ``N - rank``.

    Where ``JF`` has full rank and ``N > k D``, ``F`` is a submersion and
    ``F^{-1}(F(theta))`` is an ``(N - k D)``-dimensional manifold (note 002,
    "Behaviour Manifolds"); ``null_dim`` is then ``N - k D``.

    Examples
    --------
    >>> import torch
    >>> _ = torch.manual_seed(0)
    >>> net = torch.nn.Sequential(torch.nn.Linear(2, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1))
    >>> r = behaviour_rank(net, torch.randn(3, 2))
    >>> (r.n_params, r.n_outputs, r.rank, r.null_dim)
    (17, 3, 3, 14)
    """
    J = behaviour_jacobian(model, inputs, theta=theta)
    kd, n = J.shape
    r = jacobian_rank(J, rtol=rtol)
    return BehaviourRank(n, kd, r, r == min(n, kd), n - r)


class HessianDecomposition(NamedTuple):
    """Note 002, eq. (1): ``hessian = gauss_newton + residual`` (all ``N x N``, float64)."""

    hessian: Any
    gauss_newton: Any
    residual: Any
    loss_hessian: Any   # Hess l at F(theta), (kD x kD)
    loss_gradient: Any  # grad l at F(theta), (kD,)
    jacobian: Any       # JF(theta), (kD x N)

    @property
    def max_error(self) -> float:
        """``max |hessian - gauss_newton - residual|``."""
        return float((self.hessian - self.gauss_newton - self.residual).abs().max())


def squared_loss_star(targets: Any) -> Callable:
    """The note's loss (*): ``l(o) = 1/2 sum_d |o_d - y_d|^2`` for outputs ``o`` of shape ``(D, k)``.

    Examples
    --------
    >>> import torch
    >>> float(squared_loss_star(torch.zeros(2, 1))(torch.ones(2, 1)))
    1.0
    """
    import torch

    y = torch.as_tensor(check_array("targets", targets.detach().cpu().numpy() if hasattr(targets, "detach")
                                    else targets), dtype=torch.float64)

    def loss(o):
        if o.numel() != y.numel():
            raise ValueError(f"`targets` has {y.numel()} entries but the outputs have {o.numel()} "
                             f"(shape {tuple(o.shape)})")
        return 0.5 * ((o - y.to(o.device).reshape(o.shape)) ** 2).sum()

    return loss


def hessian_decomposition(model: Any, inputs: Any, loss: Callable, *, theta: Any = None) -> HessianDecomposition:
    """The Hessian of ``L = l(F(theta))`` and its two terms from note 002, eq. (1).

    Parameters
    ----------
    model : torch.nn.Module
    inputs : tensor, shape (D, ...)
    loss : callable
        ``l(outputs) -> scalar`` on outputs of shape ``(D, k)`` (float64), e.g.
        :func:`squared_loss_star`.
    theta : tensor, optional
        Flat parameters (default the model's).

    Returns
    -------
    HessianDecomposition
        ``hessian`` by automatic differentiation of ``L``; ``gauss_newton = J^T (Hess l) J``;
        ``residual = Hess_theta <stop_grad(grad l), F(theta)>``.

    Examples
    --------
    >>> import torch
    >>> _ = torch.manual_seed(0)
    >>> net = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Tanh(), torch.nn.Linear(3, 1))
    >>> x, y = torch.randn(4, 2), torch.randn(4, 1)
    >>> dec = hessian_decomposition(net, x, squared_loss_star(y))
    >>> dec.max_error < 1e-12
    True
    """
    import torch
    from torch.func import hessian, jacrev

    check_callable("loss", loss)
    m, x, names, shapes, sizes = _prepare(model, inputs)
    th = flat_parameters(m) if theta is None else _theta(theta, sum(sizes), x.device)
    F = _call(m, names, shapes, sizes, x)
    out = F(th).detach()
    shape = out.shape
    n_par, n_out = th.numel(), out.numel()
    check_memory(f"hessian_decomposition of {n_out} outputs x {n_par} parameters",
                 8 * (6 * n_par * n_par + 3 * n_out * n_par + 2 * n_out * n_out))

    def l_flat(o):
        return loss(o.reshape(shape)).reshape(())

    o_flat = out.reshape(-1)
    H = hessian(lambda t: l_flat(F(t).reshape(-1)))(th).detach()
    J = jacrev(lambda t: F(t).reshape(-1))(th).detach()
    Hl = hessian(l_flat)(o_flat).detach()
    gl = jacrev(l_flat)(o_flat).detach()
    GN = J.T @ Hl @ J
    R = hessian(lambda t: (gl * F(t).reshape(-1)).sum())(th).detach()
    if not (torch.isfinite(H).all() and torch.isfinite(R).all()):
        raise FloatingPointError("hessian_decomposition: non-finite Hessian (check the model and loss)")
    return HessianDecomposition(H, GN, R, Hl, gl, J)


class LevelSet(NamedTuple):
    """Points of a behaviour manifold ``F^{-1}(F(theta))`` near ``theta`` and their local dimension.

    Attributes
    ----------
    dimension : int
        Number of singular values of the displacements above ``gap`` times the largest.
    singular_values : ndarray
        Singular values of the displacement matrix (points minus theta), descending.
    points : ndarray, shape (n_points, N)
        The points found, each with ``|F(point) - F(theta)| <= tol``.
    residual : float
        The largest ``|F(point) - F(theta)|``.
    """

    dimension: int
    singular_values: np.ndarray
    points: np.ndarray
    residual: float


def level_set_dimension(model: Any, inputs: Any, *, theta: Any = None, n_points: int | None = None,
                        radius: float = 1e-3, gap: float = 1e-2, tol: float = 1e-12, max_iter: int = 50,
                        seed: Any = None) -> LevelSet:
    """Dimension of the behaviour manifold through ``theta``, measured from points on it.

    Independent of the rank of ``JF`` at ``theta``: random points at distance `radius` are
    pulled back onto the level set ``{F = F(theta)}`` by minimum-norm Gauss-Newton steps
    (each step uses ``JF`` at the current point), and the dimension is read from the
    singular values of their displacements from ``theta``: a ``k``-dimensional manifold
    gives ``k`` singular values of order `radius` and the rest of order ``radius^2``
    (curvature).

    Parameters
    ----------
    model : torch.nn.Module
    inputs : tensor, shape (D, ...)
    theta : tensor, optional
        Flat parameters (default the model's).
    n_points : int, optional
        Points to find (default ``2 N``).
    radius : float, default 1e-3
        Size of the random displacements before the pull-back.
    gap : float, default 1e-2
        Singular values above ``gap * s_max`` count as dimensions.
    tol : float, default 1e-12
        Required ``|F(point) - F(theta)|`` (float64).
    max_iter : int, default 50
        Gauss-Newton steps per point.
    seed : int, numpy Generator or None

    Returns
    -------
    LevelSet

    Raises
    ------
    ValueError
        If a point cannot be pulled back to `tol` within `max_iter` steps, or an option is
        out of range.

    Examples
    --------
    >>> import torch
    >>> _ = torch.manual_seed(0)
    >>> net = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Tanh(), torch.nn.Linear(3, 1))
    >>> level_set_dimension(net, torch.randn(4, 2), seed=0).dimension   # N - kD = 13 - 4
    9
    """
    import torch
    from torch.func import jacrev

    from pdcheck import as_generator, check_int

    m, x, names, shapes, sizes = _prepare(model, inputs)
    th = flat_parameters(m) if theta is None else _theta(theta, sum(sizes))
    N = th.numel()
    n_points = 2 * N if n_points is None else check_int("n_points", n_points, low=1)
    radius = check_positive("radius", radius)
    gap = check_positive("gap", gap)
    tol = check_positive("tol", tol)
    max_iter = check_int("max_iter", max_iter, low=1)
    rng = as_generator(seed)
    F = _call(m, names, shapes, sizes, x)
    flat = lambda t: F(t).reshape(-1)  # noqa: E731
    target = flat(th).detach()
    pts, worst = [], 0.0
    for i in range(n_points):
        u = torch.as_tensor(rng.standard_normal(N), dtype=torch.float64)
        p = th + radius * u / u.norm()
        for _ in range(max_iter):
            r = flat(p).detach() - target
            if float(r.norm()) <= tol:
                break
            J = jacrev(flat)(p).detach()
            p = p - torch.linalg.lstsq(J, r.unsqueeze(1), driver="gelsd").solution.squeeze(1)
        res = float((flat(p).detach() - target).norm())
        if res > tol:
            raise ValueError(f"point {i} could not be pulled back onto the level set: |F - F(theta)| = "
                             f"{res:.2g} > `tol` = {tol:g} after {max_iter} steps")
        worst = max(worst, res)
        pts.append(p.numpy().copy())
    P = np.array(pts)
    s = np.linalg.svd(P - th.numpy()[None, :], compute_uv=False)
    return LevelSet(int(np.sum(s > gap * s[0])), s, P, worst)

"""The response of an optimum to a hyperparameter: the implicit function theorem, and its check.

Note 001 ("Review of path dependence", outline) asks how the optimal solution depends on a
parameter theta, ``w* = r(theta)`` (the response function), and names the implicit
function theorem: where ``grad_w L(w*, theta) = 0`` and the Hessian ``H = d^2 L / dw^2`` is
invertible, ``dr/dtheta = -H^-1 d^2 L / dw dtheta``.  With theta the weight of one training
example this is Koh & Liang's influence function.  :func:`implicit_response` computes it with
torch autodiff; :func:`newton_argmin` finds ``w*(theta)`` accurately enough for finite
differences to check it.

References
----------
.. [1] S. G. Krantz, H. R. Parks, "The Implicit Function Theorem" (Birkhauser, 2002).
.. [2] P. W. Koh, P. Liang, "Understanding black-box predictions via influence functions",
   ICML 2017.
"""

from __future__ import annotations

from typing import Any, Callable

from pdcheck import check_int, check_positive

__all__ = ["newton_argmin", "implicit_response"]


def _check_loss(loss: Any) -> Callable:
    if not callable(loss):
        raise TypeError(f"`loss` must be callable (w, theta) -> scalar tensor, got {type(loss).__name__}")
    return loss


def newton_argmin(loss: Callable, w0: Any, theta: float, *, tol: float = 1e-13, max_iter: int = 50) -> Any:
    """``argmin_w loss(w, theta)`` by Newton's method from `w0` (float64 torch tensors).

    Parameters
    ----------
    loss : callable
        ``loss(w, theta) -> scalar`` (torch), twice differentiable and strictly convex near the
        minimum.
    w0 : array_like or Tensor, shape (P,)
        Starting point.
    theta : float
    tol : float, default 1e-13
        Stop when the Newton step's norm is below `tol` times ``1 + |w|``.
    max_iter : int, default 50

    Returns
    -------
    Tensor, shape (P,)

    Raises
    ------
    ValueError
        If Newton's method does not converge in `max_iter` steps or the Hessian is singular.

    Examples
    --------
    >>> import torch
    >>> w = newton_argmin(lambda w, t: ((w - t) ** 2).sum() + (w ** 4).sum(), torch.zeros(2), 1.0)
    >>> [round(float(x), 6) for x in w]
    [0.589755, 0.589755]
    """
    import torch
    from torch.func import grad, hessian

    loss = _check_loss(loss)
    tol = check_positive("tol", tol)
    max_iter = check_int("max_iter", max_iter, low=1)
    w = torch.as_tensor(w0, dtype=torch.float64).clone().reshape(-1)
    th = torch.as_tensor(float(theta), dtype=torch.float64)
    for _ in range(max_iter):
        g = grad(loss)(w, th)
        H = hessian(loss)(w, th)
        try:
            step = torch.linalg.solve(H, g)
        except RuntimeError:
            raise ValueError("the Hessian of `loss` is singular: the optimum is not isolated") from None
        w = w - step
        if float(step.norm()) <= tol * (1 + float(w.norm())):
            return w
    raise ValueError(f"Newton's method did not converge in {max_iter} steps (last step {float(step.norm()):.2g})")


def implicit_response(loss: Callable, w_star: Any, theta: float) -> Any:
    """``dw*/dtheta = -H^-1 d^2 L / dw dtheta`` at a minimiser `w_star` of ``loss(., theta)``.

    Parameters
    ----------
    loss : callable
        ``loss(w, theta) -> scalar`` (torch).
    w_star : Tensor, shape (P,)
        A point with ``grad_w loss(w_star, theta) = 0`` and invertible Hessian.
    theta : float

    Returns
    -------
    Tensor, shape (P,)

    Raises
    ------
    ValueError
        If the Hessian at `w_star` is singular.

    Examples
    --------
    >>> import torch
    >>> L = lambda w, t: ((w - t) ** 2).sum()          # w*(t) = t: dw*/dt = 1
    >>> implicit_response(L, torch.tensor([2.0, 2.0]), 2.0).tolist()
    [1.0, 1.0]
    """
    import torch
    from torch.func import grad, hessian, jacfwd

    loss = _check_loss(loss)
    w = torch.as_tensor(w_star, dtype=torch.float64).reshape(-1)
    th = torch.as_tensor(float(theta), dtype=torch.float64)
    H = hessian(loss)(w, th)
    mixed = jacfwd(grad(loss), argnums=1)(w, th)          # d/dtheta of grad_w L, shape (P,)
    try:
        return -torch.linalg.solve(H, mixed)
    except RuntimeError:
        raise ValueError("the Hessian at `w_star` is singular: the response is not defined") from None

"""Pure functional versions of PyTorch's SGD, heavy-ball, Nesterov and Adam updates.

These are the update rules of :class:`torch.optim.SGD` and :class:`torch.optim.Adam`
written as pure functions ``(params, grads, state, t) -> (params, state)``: no in-place
operations and no Python branching on tensor values, so they can be differentiated
with :func:`torch.func.jvp` and batched with :func:`torch.func.vmap`.  Parameters and
gradients are either one tensor or a dict of tensors (as returned by
``dict(model.named_parameters())``); the optimizer state is a tuple of trees of the
same structure.

=============  ==========================  =======================================
optimizer      state                       update (g = grad + weight_decay * w)
=============  ==========================  =======================================
``sgd``        ``()``                      w <- w - lr g
``momentum``   ``(buf,)``                  buf <- mu buf + (1 - d) g; w <- w - lr buf
``nesterov``   ``(buf,)``                  buf as above; w <- w - lr (g + mu buf)
``adam``       ``(exp_avg, exp_avg_sq)``   Kingma & Ba (2015), Algorithm 1
=============  ==========================  =======================================

As in PyTorch, the momentum buffer at the first step (``t == 0``) becomes the
gradient itself (no dampening), and Adam's bias corrections use the step count
``t + 1``.  ``t`` is a Python int (the number of updates already taken), never a
tensor.

References
----------
.. [1] PyTorch documentation, ``torch.optim.SGD`` and ``torch.optim.Adam`` (the
   algorithms in their docstrings), PyTorch 2.x.
.. [2] I. Sutskever, J. Martens, G. Dahl, G. Hinton, "On the importance of
   initialization and momentum in deep learning", ICML 2013.
.. [3] D. P. Kingma, J. Ba, "Adam: A method for stochastic optimization", ICLR 2015.
"""

from __future__ import annotations

from typing import Any, Callable, Union

import torch

from pdcheck import check_choice, check_int, check_real

Tree = Union[torch.Tensor, dict]
OPTIMIZERS: tuple[str, ...] = ("sgd", "momentum", "nesterov", "adam")

__all__ = ["OPTIMIZERS", "init_state", "update", "state_size", "check_hyper"]


def _tmap(fn: Callable[..., torch.Tensor], *trees: Tree) -> Tree:
    """Apply `fn` leafwise to trees that are a tensor or a dict of tensors."""
    first = trees[0]
    if isinstance(first, dict):
        return {name: fn(*(tr[name] for tr in trees)) for name in first}
    return fn(*trees)


def _check_tree(name: str, tree: Any) -> None:
    if isinstance(tree, torch.Tensor):
        return
    if isinstance(tree, dict) and tree and all(isinstance(v, torch.Tensor) for v in tree.values()):
        return
    raise TypeError(f"`{name}` must be a torch.Tensor or a non-empty dict of tensors, "
                    f"got {type(tree).__name__}")


def state_size(optimizer: str) -> int:
    """Number of parameter-shaped buffers the optimizer keeps (0, 1 or 2).

    Examples
    --------
    >>> [state_size(o) for o in OPTIMIZERS]
    [0, 1, 1, 2]
    """
    check_choice("optimizer", optimizer, OPTIMIZERS)
    return {"sgd": 0, "momentum": 1, "nesterov": 1, "adam": 2}[optimizer]


def check_hyper(optimizer: str, *, lr: float, momentum: float = 0.0, dampening: float = 0.0,
                weight_decay: float = 0.0, nesterov: bool = False,
                betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8) -> dict:
    """Validate optimizer hyperparameters and return them as a normalised dict.

    Raises
    ------
    ValueError
        If `optimizer` is unknown, `lr` is not positive, `momentum`/`dampening` not in
        [0, 1), `weight_decay` negative, `betas` outside [0, 1), `eps` not positive, or
        the combination is one PyTorch rejects (Nesterov needs momentum > 0 and no
        dampening; plain ``"sgd"`` needs momentum 0: use ``"momentum"``).
    """
    check_choice("optimizer", optimizer, OPTIMIZERS)
    lr = check_real("lr", lr, low=0.0, low_open=True)
    momentum = check_real("momentum", momentum, low=0.0, high=1.0, high_open=True)
    dampening = check_real("dampening", dampening, low=0.0, high=1.0, high_open=True)
    weight_decay = check_real("weight_decay", weight_decay, low=0.0)
    eps = check_real("eps", eps, low=0.0, low_open=True)
    if not isinstance(nesterov, bool):
        raise TypeError(f"`nesterov` must be a bool, got {nesterov!r}")
    try:
        b1, b2 = betas
    except (TypeError, ValueError):
        raise ValueError(f"`betas` must be a pair (beta1, beta2), got {betas!r}") from None
    b1 = check_real("betas[0]", b1, low=0.0, high=1.0, high_open=True)
    b2 = check_real("betas[1]", b2, low=0.0, high=1.0, high_open=True)
    if optimizer == "sgd" and momentum != 0.0:
        raise ValueError(f"`momentum` must be 0 for optimizer 'sgd', got {momentum}; "
                         "use optimizer='momentum' or 'nesterov'")
    if optimizer == "nesterov" or nesterov:
        if optimizer not in ("momentum", "nesterov"):
            raise ValueError(f"`nesterov=True` needs optimizer 'momentum' or 'nesterov', got {optimizer!r}")
        if momentum <= 0.0 or dampening != 0.0:
            raise ValueError("Nesterov momentum requires `momentum` > 0 and `dampening` = 0, "
                             f"got momentum={momentum}, dampening={dampening}")
        nesterov = True
    return dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                nesterov=nesterov, betas=(b1, b2), eps=eps)


def init_state(optimizer: str, params: Tree) -> tuple:
    """The optimizer state as PyTorch initialises it (zeros), as a tuple of trees.

    Parameters
    ----------
    optimizer : {"sgd", "momentum", "nesterov", "adam"}
    params : Tensor or dict of Tensor

    Returns
    -------
    state : tuple
        ``()`` for SGD, ``(buf,)`` for momentum/Nesterov, ``(exp_avg, exp_avg_sq)`` for Adam.

    Examples
    --------
    >>> s = init_state("adam", {"w": torch.ones(2)})
    >>> len(s), s[1]["w"].tolist()
    (2, [0.0, 0.0])
    """
    _check_tree("params", params)
    n = state_size(optimizer)
    return tuple(_tmap(torch.zeros_like, params) for _ in range(n))


def _safe_sqrt(v: torch.Tensor) -> torch.Tensor:
    """sqrt(v) with value 0 and derivative 0 at v = 0 (instead of an infinite slope).

    Adam's second moment is 0 only where every gradient so far was exactly 0, and there
    the first moment is 0 too, so the update m / (sqrt(v) + eps) has zero one-sided
    derivative in v; a plain sqrt would give 0 * inf = NaN in a JVP.
    """
    pos = v > 0
    return torch.where(pos, torch.sqrt(torch.where(pos, v, torch.ones_like(v))), torch.zeros_like(v))


def update(optimizer: str, params: Tree, grads: Tree, state: tuple, t: int, *, lr: float,
           momentum: float = 0.0, dampening: float = 0.0, weight_decay: float = 0.0,
           nesterov: bool = False, betas: tuple[float, float] = (0.9, 0.999),
           eps: float = 1e-8, validate: bool = True) -> tuple[Tree, tuple]:
    """One optimizer update, exactly as ``torch.optim`` performs it, as a pure function.

    Parameters
    ----------
    optimizer : {"sgd", "momentum", "nesterov", "adam"}
    params, grads : Tensor or dict of Tensor
        Same structure; nothing is modified in place.
    state : tuple
        From :func:`init_state` or a previous call.
    t : int
        Number of updates already taken (0 at the first update).
    lr, momentum, dampening, weight_decay, nesterov, betas, eps
        As in :class:`torch.optim.SGD` / :class:`torch.optim.Adam` (L2 weight decay
        added to the gradient, not AdamW's decoupled decay).
    validate : bool, default True
        Check the hyperparameters (turn off inside tight loops once checked).

    Returns
    -------
    new_params, new_state

    Notes
    -----
    Heavy ball (PyTorch convention): ``buf <- mu buf + (1 - dampening) g``,
    ``w <- w - lr buf``, with ``buf <- mu buf + g`` at ``t == 0`` (PyTorch: ``buf = g``;
    equal from the zero initial buffer).  Nesterov:
    ``w <- w - lr (g + mu buf)``.  Adam: ``m <- beta1 m + (1 - beta1) g``,
    ``v <- beta2 v + (1 - beta2) g^2``,
    ``w <- w - lr / (1 - beta1^(t+1)) * m / (sqrt(v) / sqrt(1 - beta2^(t+1)) + eps)``.

    Examples
    --------
    >>> w = torch.tensor([1.0, -2.0])
    >>> s = init_state("momentum", w)
    >>> w1, s1 = update("momentum", w, 2 * w, s, 0, lr=0.1, momentum=0.9)
    >>> w1.tolist(), s1[0].tolist()
    ([0.800000011920929, -1.600000023841858], [2.0, -4.0])
    """
    if validate:
        hp = check_hyper(optimizer, lr=lr, momentum=momentum, dampening=dampening,
                         weight_decay=weight_decay, nesterov=nesterov, betas=betas, eps=eps)
        lr, momentum, dampening, weight_decay = hp["lr"], hp["momentum"], hp["dampening"], hp["weight_decay"]
        nesterov, betas, eps = hp["nesterov"], hp["betas"], hp["eps"]
        check_int("t", t, low=0)
        _check_tree("params", params)
        _check_tree("grads", grads)
        if not isinstance(state, tuple) or len(state) != state_size(optimizer):
            raise ValueError(f"`state` must be a tuple of {state_size(optimizer)} trees for "
                             f"optimizer {optimizer!r}, got {type(state).__name__} of length "
                             f"{len(state) if isinstance(state, tuple) else 'n/a'}")
    else:
        nesterov = nesterov or optimizer == "nesterov"

    if weight_decay != 0.0:
        grads = _tmap(lambda g, w: g + weight_decay * w, grads, params)

    if optimizer == "sgd":
        return _tmap(lambda w, g: w - lr * g, params, grads), ()

    if optimizer in ("momentum", "nesterov"):
        (buf,) = state
        # PyTorch sets buf = g at the first step; we write it as mu * buf + g, which has
        # the same value from the zero initial buffer and keeps the tangent map
        # non-singular in the buffer directions.
        c = 1.0 if t == 0 else 1.0 - dampening
        new_buf = _tmap(lambda b, g: momentum * b + c * g, buf, grads)
        if nesterov:
            direction = _tmap(lambda g, b: g + momentum * b, grads, new_buf)
        else:
            direction = new_buf
        return _tmap(lambda w, d: w - lr * d, params, direction), (new_buf,)

    # Adam
    beta1, beta2 = betas
    exp_avg, exp_avg_sq = state
    step = t + 1
    bc1 = 1.0 - beta1 ** step
    bc2_sqrt = (1.0 - beta2 ** step) ** 0.5
    step_size = lr / bc1
    new_m = _tmap(lambda m, g: m + (g - m) * (1.0 - beta1), exp_avg, grads)
    new_v = _tmap(lambda v, g: v * beta2 + (g * g) * (1.0 - beta2), exp_avg_sq, grads)
    new_w = _tmap(lambda w, m, v: w - step_size * (m / (_safe_sqrt(v) / bc2_sqrt + eps)),
                  params, new_m, new_v)
    return new_w, (new_m, new_v)

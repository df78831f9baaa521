"""Train stacked copies of a model together: one batched computation per step.

The engine behind :func:`dynsys.experiments.run_experiment`.  The parameters of all copies
are stacked along a leading axis and updated by the pure optimizer rule
``dynsys._optim_rules.update`` (the same function that drives ``dynsys.optim_map``).
MLPs (``Linear`` layers with ReLU/Tanh between them, cross-entropy loss) get
hand-written batched forward and backward passes (``addmm``/``baddbmm``/``bmm``, no
autograd graph) and an in-place update that performs the pure rule's operations in the
same order; any other model is batched with :func:`torch.func.vmap` and differentiated
by autograd.  Both engines give the trajectories of sequential ``torch.optim`` training
(float64: to 1e-10).
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple, Sequence

import numpy as np
import torch

from dynsys import _optim_rules
from pdcheck import check_array, check_bool, check_int, check_memory
from dynsys.errors import DivergenceError

__all__ = ["train_ensemble", "EnsembleRun"]


class EnsembleRun(NamedTuple):
    """Raw output of :func:`train_ensemble`.

    Attributes
    ----------
    steps : ndarray of int, shape (n_checkpoints,)
    weights : ndarray, shape (n_copies, n_checkpoints, n_params)
        Flat parameter vectors (float64) of every copy at every checkpoint.
    params : dict of Tensor
        Final stacked parameters (leading axis: copy).
    """

    steps: np.ndarray
    weights: np.ndarray
    params: dict


_ACTIVATIONS = {torch.nn.ReLU: "relu", torch.nn.Tanh: "tanh"}


def _functional(model: torch.nn.Module) -> Any:
    """``f(params, x)``: the model as a pure function of a parameter dict.

    Sequential MLPs (see :func:`_mlp_layers`) get a direct ``linear``/activation chain
    (no module re-parametrisation per call, which dominates the cost of small models);
    any other module goes through :func:`torch.func.functional_call`.
    """
    from torch.func import functional_call

    layers = _mlp_layers(model)
    if layers is None:
        return lambda p, x: functional_call(model, p, (x,))
    acts = {"relu": torch.relu, "tanh": torch.tanh}

    def forward(p: dict, x: torch.Tensor) -> torch.Tensor:
        for pre, act in layers:
            x = torch.nn.functional.linear(x, p[pre + ".weight"], p[pre + ".bias"])
            if act is not None:
                x = acts[act](x)
        return x

    return forward


def _flat(params: dict) -> torch.Tensor:
    return torch.cat([v.reshape(v.shape[0], -1) for v in params.values()], dim=1)


def _mlp_layers(model: torch.nn.Module) -> list[tuple[str, str | None]] | None:
    """``[(prefix, activation), ...]`` if `model` is a Sequential MLP, else None.

    An MLP here is a ``Sequential`` of ``Linear`` layers with bias, each but the last
    followed by at most one ``ReLU`` or ``Tanh`` (activation ``"relu"``, ``"tanh"`` or
    None), ending in a ``Linear``.
    """
    if not isinstance(model, torch.nn.Sequential) or len(model) == 0:
        return None
    spec: list[list] = []
    for i, m in enumerate(model):
        if isinstance(m, torch.nn.Linear):
            if m.bias is None:
                return None
            spec.append([str(i), None])
        elif type(m) in _ACTIVATIONS and spec and spec[-1][1] is None:
            spec[-1][1] = _ACTIVATIONS[type(m)]
        else:
            return None
    if not isinstance(model[-1], torch.nn.Linear):
        return None
    return [(p, act) for p, act in spec]


def _mlp_spec(model: torch.nn.Module, params: dict, X: torch.Tensor,
              y: torch.Tensor) -> list[tuple[str, str | None]] | None:
    """The layers for the hand-written MLP engine (:func:`_mlp_layers`), or None.

    Besides an MLP, the engine needs float32/float64 stacked parameters of `X`'s dtype
    named as in the model, a 2-D `X` and int64 labels in ``[0, n_classes)``.  Anything
    else (and anything unexpected) takes the generic vmap + autograd engine, which
    also raises the errors of bad input.
    """
    spec = _mlp_layers(model)
    if spec is None:
        return None
    if set(params) != {f"{p}.{s}" for p, _ in spec for s in ("weight", "bias")}:
        return None
    dtype = X.dtype
    if (dtype not in (torch.float32, torch.float64) or X.ndim != 2 or X.requires_grad
            or y.dtype != torch.long):
        return None
    n = next(iter(params.values())).shape[0]
    fan_in = X.shape[1]
    for p, _ in spec:
        W, b = params[p + ".weight"], params[p + ".bias"]
        if (W.dtype != dtype or b.dtype != dtype or W.device != X.device or W.ndim != 3
                or W.shape[0] != n or W.shape[2] != fan_in or tuple(b.shape) != (n, W.shape[1])):
            return None
        fan_in = W.shape[1]
    if y.numel() == 0 or int(y.min()) < 0 or int(y.max()) >= fan_in:
        return None
    return spec


class _GenericEngine:
    """Gradients of every copy's loss by ``vmap`` over the model and one autograd call.

    The ensemble is one copy-major ``(n_copies, n_params)`` tensor in the order of the
    parameter dict; the model sees views of it.
    """

    def __init__(self, model: torch.nn.Module, params: dict, X: torch.Tensor, y: torch.Tensor,
                 sched_t: torch.Tensor, per_copy: bool) -> None:
        from torch.func import vmap

        self.n = next(iter(params.values())).shape[0]
        self.X, self.y, self.sched, self.per_copy = X, y, sched_t, per_copy
        self.shapes = [(k, tuple(params[k].shape[1:])) for k in params]
        self.sizes = [int(np.prod(sh)) for _, sh in self.shapes]
        self.forward = vmap(_functional(model), in_dims=(0, 0 if per_copy else None))
        self.initial = _flat(params).detach().clone()

    def views(self, flat: torch.Tensor) -> dict:
        out, start = {}, 0
        for (k, sh), size in zip(self.shapes, self.sizes):
            out[k] = flat[:, start:start + size].reshape((self.n,) + sh)
            start += size
        return out

    def rows(self, flat: torch.Tensor) -> torch.Tensor:
        return flat

    def expand(self, values: torch.Tensor) -> torch.Tensor:
        return values[:, None]

    def losses(self, leaves: dict, t: int) -> torch.Tensor:
        idx = self.sched[:, t] if self.per_copy else self.sched[t]
        xb, yb = self.X[idx], self.y[idx]
        logits = self.forward(leaves, xb)
        labels = yb if self.per_copy else yb.expand(self.n, -1)
        per_example = torch.nn.functional.cross_entropy(
            logits.reshape(-1, logits.shape[-1]), labels.reshape(-1), reduction="none")
        return per_example.reshape(self.n, -1).mean(dim=1)

    def grad(self, flat: torch.Tensor, t: int) -> tuple[torch.Tensor, bool, Any]:
        leaves = {k: v.detach().requires_grad_(True) for k, v in self.views(flat).items()}
        losses = self.losses(leaves, t)
        loss = losses.sum()
        grads = torch.autograd.grad(loss, list(leaves.values()))
        grad = torch.cat([g.reshape(self.n, -1) for g in grads], dim=1)
        return grad, math.isfinite(float(loss.detach())), lambda: losses.detach()


class _MLPEngine:
    """Hand-written forward and backward passes for stacked MLP copies (no autograd, no vmap).

    The ensemble is one layer-major flat tensor: each parameter's ``(n_copies, *shape)``
    stack is a contiguous slice, so the optimizer updates the whole ensemble at once and
    the gradients of each layer are written straight into their slice of one gradient
    buffer.  Activations are feature-major, ``(n_copies, width, B)``: every layer is one
    ``baddbmm`` and its gradients two ``bmm``; with a shared batch schedule the first layer
    of all copies is a single matrix product ``[W_1; ...; W_n] @ X_batch^T`` and its weight
    gradient another.  The softmax then runs over a non-innermost axis (PyTorch's CPU
    kernel is about 20x faster there than over a short innermost axis).  The backward
    pass is the chain rule written out: ``(softmax - onehot) / B`` for the mean
    cross-entropy (the value autograd computes), then per layer ``bmm`` and PyTorch's
    own ``threshold_backward``/``tanh_backward`` kernels for the activations.
    """

    def __init__(self, spec: list, params: dict, X: torch.Tensor, y: torch.Tensor,
                 sched_t: torch.Tensor, per_copy: bool) -> None:
        self.spec, self.X, self.sched, self.per_copy = spec, X, sched_t, per_copy
        first = params[spec[0][0] + ".weight"]
        self.n = n = first.shape[0]
        dtype = X.dtype
        self.seg: dict[str, tuple[int, int, tuple]] = {}
        start = 0
        for k in params:
            shape = tuple(params[k].shape)
            size = int(np.prod(shape))
            self.seg[k] = (start, size, shape)
            start += size
        self.initial = torch.empty(start, dtype=dtype)
        self.wv = self._views(self.initial)
        for k, v in self.wv.items():
            v.copy_(params[k].detach())
        self.g = torch.empty(start, dtype=dtype)
        self.gv = self._views(self.g)
        self.B = B = sched_t.shape[-1]
        n_classes = params[spec[-1][0] + ".weight"].shape[1]
        # one-hot labels (classes along the first axis) times 1/B, with 1/B rounded in the
        # working dtype as the backward pass of the mean does
        self.inv_b = torch.ones((), dtype=dtype) / B
        onehot = torch.nn.functional.one_hot(y, n_classes).to(dtype)
        self.targets_t = (onehot * self.inv_b).t().contiguous()
        rows = n * B if per_copy else B
        self.xb = torch.empty((rows, X.shape[1]), dtype=dtype)
        self.yb = torch.empty((n_classes, rows), dtype=dtype)

    def _views(self, flat: torch.Tensor) -> dict:
        return {k: flat[s:s + size].view(shape) for k, (s, size, shape) in self.seg.items()}

    def views(self, flat: torch.Tensor) -> dict:
        return self.wv if flat is self.initial else self._views(flat)

    def rows(self, flat: torch.Tensor) -> torch.Tensor:
        return torch.cat([flat[s:s + size].view(self.n, -1) for s, size, _ in self.seg.values()],
                         dim=1)

    def expand(self, values: torch.Tensor) -> torch.Tensor:
        if bool(torch.all(values == values[0])):
            return values[0].clone()
        return torch.cat([values[:, None].expand(self.n, size // self.n).reshape(-1)
                          for _, size, _ in self.seg.values()])

    @staticmethod
    def _act(z: torch.Tensor, act: str | None) -> torch.Tensor:
        if act == "relu":
            return z.relu_()
        if act == "tanh":
            return z.tanh_()
        return z

    @staticmethod
    def _act_backward(da: torch.Tensor, a: torch.Tensor, act: str | None) -> torch.Tensor:
        # the kernels autograd uses for ReLU and Tanh (both take the activation's output)
        if act == "relu":
            return torch.ops.aten.threshold_backward(da, a, 0)
        if act == "tanh":
            return torch.ops.aten.tanh_backward(da, a)
        return da

    def grad(self, flat: torch.Tensor, t: int) -> tuple[torch.Tensor, bool, Any]:
        """Every copy's gradient of its mean cross-entropy on batch `t`, into ``self.g``."""
        n, B, spec = self.n, self.B, self.spec
        wv, gv = self.views(flat), self.gv
        idx = self.sched[:, t].reshape(-1) if self.per_copy else self.sched[t]
        xb = torch.index_select(self.X, 0, idx, out=self.xb)
        yb = torch.index_select(self.targets_t, 1, idx, out=self.yb)
        if self.per_copy:  # (n, B, d) inputs and (n, k, B) targets
            xb, yb = xb.view(n, B, -1), yb.view(-1, n, B).transpose(0, 1)
        L = len(spec) - 1
        # forward, feature-major: z and acts[l] (the input of layer l + 1) are (n, width, B)
        acts: list[torch.Tensor] = []
        for l, (p, act) in enumerate(spec):
            W, b = wv[p + ".weight"], wv[p + ".bias"]
            if l > 0:
                z = torch.baddbmm(b.unsqueeze(2), W, acts[-1])
            elif self.per_copy:
                z = torch.baddbmm(b.unsqueeze(2), W, xb.transpose(1, 2))
            else:  # all copies' first layers in one product, (n * width, d) @ (d, B)
                z = torch.addmm(b.reshape(-1, 1), W.reshape(-1, W.shape[2]), xb.t()).view(n, -1, B)
            if l < L:
                acts.append(self._act(z, act))
        logp = torch.log_softmax(z, dim=1)  # (n, k, B)

        def losses() -> torch.Tensor:  # each copy's mean cross-entropy
            return -(torch.where(yb > 0, logp, 0.0) * yb).sum(dim=(1, 2))

        # logp <= 0 and amin propagates NaN: all finite unless amin is not; only then
        # decide as the generic engine does, from the summed loss
        finite = math.isfinite(float(logp.amin())) or math.isfinite(float(losses().sum()))
        # backward: d(mean cross-entropy)/d(logits) = (softmax - onehot) / B, per copy
        dz = torch.exp(logp).mul_(self.inv_b).sub_(yb)
        for l in range(L, 0, -1):
            p, a = spec[l][0], acts[l - 1]
            torch.bmm(dz, a.transpose(1, 2), out=gv[p + ".weight"])
            torch.sum(dz, dim=2, out=gv[p + ".bias"])
            da = torch.bmm(wv[p + ".weight"].transpose(1, 2), dz)
            dz = self._act_backward(da, a, spec[l - 1][1])
        p = spec[0][0]
        if self.per_copy:
            torch.bmm(dz, xb, out=gv[p + ".weight"])
        else:
            gw = gv[p + ".weight"]
            torch.mm(dz.reshape(-1, B), xb, out=gw.view(-1, gw.shape[2]))
        torch.sum(dz, dim=2, out=gv[p + ".bias"])
        return self.g, finite, losses


class _InplaceUpdate:
    """``dynsys._optim_rules.update`` applied in place, operation for operation.

    The same elementwise operations in the same order as the pure rule (so the same
    rounding; the tests check bitwise equality), written into the weight tensor, the
    state buffers, one scratch buffer and the gradient (which is overwritten) instead of
    fresh tensors: no allocation per step.  Dampening is 0 (as :func:`train_ensemble`
    uses it).
    """

    def __init__(self, optimizer: str, w: torch.Tensor, *, lr: torch.Tensor,
                 momentum: torch.Tensor, nesterov: bool, betas: tuple[float, float],
                 eps: float) -> None:
        self.optimizer, self.lr, self.momentum = optimizer, lr, momentum
        self.nesterov = nesterov or optimizer == "nesterov"
        self.betas, self.eps = betas, eps
        self.state = _optim_rules.init_state(optimizer, w)
        self.tmp = torch.empty_like(w)

    def __call__(self, w: torch.Tensor, grad: torch.Tensor, t: int,
                 weight_decay: torch.Tensor | None = None) -> None:
        tmp = self.tmp
        if weight_decay is not None:  # grad + wd * w
            grad.add_(torch.mul(weight_decay, w, out=tmp))
        if self.optimizer == "sgd":  # w - lr * g
            w.sub_(torch.mul(self.lr, grad, out=tmp))
            return
        if self.optimizer in ("momentum", "nesterov"):
            (buf,) = self.state
            buf.mul_(self.momentum).add_(grad)  # mu * buf + 1.0 * g (dampening 0)
            if self.nesterov:  # w - lr * (g + mu * buf)
                direction = grad.add_(torch.mul(self.momentum, buf, out=tmp))
            else:
                direction = buf
            w.sub_(torch.mul(self.lr, direction, out=tmp))
            return
        beta1, beta2 = self.betas
        m, v = self.state
        step = t + 1
        bc1 = 1.0 - beta1 ** step
        bc2_sqrt = (1.0 - beta2 ** step) ** 0.5
        step_size = self.lr / bc1
        m.add_(torch.sub(grad, m, out=tmp).mul_(1.0 - beta1))  # m + (g - m)(1 - beta1)
        v.mul_(beta2).add_(torch.mul(grad, grad, out=tmp).mul_(1.0 - beta2))
        # v >= 0, so sqrt(v) equals the rule's safe sqrt (which differs only in derivative)
        denom = torch.sqrt(v, out=tmp).div_(bc2_sqrt).add_(self.eps)
        w.sub_(torch.div(m, denom, out=grad).mul_(step_size))


def _check_inputs(model: Any, params: Any, X: Any, y: Any) -> int:
    """The module, its stacked parameters (names, shapes, one leading copy axis) and the data; the copy count."""
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"`model` must be a torch.nn.Module, got {type(model).__name__}")
    if not isinstance(params, dict) or not params or not all(isinstance(v, torch.Tensor) for v in params.values()):
        raise TypeError("`params` must be a non-empty dict of stacked parameter tensors (name -> tensor), got "
                        f"{type(params).__name__}")
    names = dict(model.named_parameters())
    if set(params) != set(names):
        raise ValueError(f"`params` must have the names of model.named_parameters() {sorted(names)}, got {sorted(params)}")
    sizes = {int(v.shape[0]) if v.ndim else -1 for v in params.values()}
    if len(sizes) != 1 or -1 in sizes or 0 in sizes:
        raise ValueError("`params` tensors must share one leading (copy) dimension >= 1")
    for k, v in params.items():
        if tuple(v.shape[1:]) != tuple(names[k].shape) or not v.is_floating_point():
            raise ValueError(f"`params[{k!r}]` must be a float tensor of shape (n_copies, {tuple(names[k].shape)}), "
                             f"got {v.dtype} {tuple(v.shape)}")
        if not bool(torch.isfinite(v).all()):
            raise ValueError(f"`params[{k!r}]` must be finite (no NaN or inf)")
    if not isinstance(X, torch.Tensor) or X.ndim < 2 or X.shape[0] < 1 or not X.is_floating_point():
        raise TypeError(f"`X` must be a floating-point tensor (n_samples, ...), got "
                        f"{type(X).__name__} {tuple(getattr(X, 'shape', ()))}")
    if not bool(torch.isfinite(X).all()):
        raise ValueError("`X` must be finite (no NaN or inf)")
    if not isinstance(y, torch.Tensor) or y.ndim != 1 or y.shape[0] != X.shape[0] or y.is_floating_point() \
            or y.dtype == torch.bool or y.is_complex():
        raise TypeError(f"`y` must be an integer tensor of class labels with shape ({X.shape[0]},), got "
                        f"{type(y).__name__} {getattr(y, 'dtype', '')} {tuple(getattr(y, 'shape', ()))}")
    if int(y.min()) < 0:
        raise ValueError(f"`y` must hold non-negative class labels, got min {int(y.min())}")
    return sizes.pop()


def train_ensemble(model: torch.nn.Module, params: dict, X: torch.Tensor, y: torch.Tensor,
                   schedule: np.ndarray, *, optimizer: str = "sgd", lr: Any = 0.01,
                   momentum: Any = 0.0, weight_decay: Any = 0.0, nesterov: bool = False,
                   betas: tuple[float, float] = (0.9, 0.999), adam_eps: float = 1e-8,
                   checkpoints: Sequence[int] | None = None, progress: bool = True) -> EnsembleRun:
    """Train stacked copies of `model` together: one batched forward/backward, one batched update.

    Parameters
    ----------
    model : torch.nn.Module
        Defines the function (its own parameters are not used or modified).
    params : dict of Tensor
        Stacked initial parameters, each of shape ``(n_copies, *param.shape)``, with the
        names of ``model.named_parameters()``.
    X, y : Tensor
        Training inputs and integer class labels (cross-entropy loss).
    schedule : ndarray of int, shape (T, B) or (n_copies, T, B)
        Batch indices: shared by all copies, or one schedule per copy.
    optimizer : {"sgd", "momentum", "nesterov", "adam"}
    lr, momentum, weight_decay : float or sequence of float (one per copy)
        As in ``torch.optim.SGD`` / ``Adam`` (L2 weight decay added to the gradient).
    nesterov, betas, adam_eps
        As in ``torch.optim``.
    checkpoints : sequence of int, optional
        Steps at which to record the weights (0 = before training; default: every step).
    progress : bool, default True

    Returns
    -------
    EnsembleRun

    Raises
    ------
    ValueError
        If `schedule` is not an integer array of shape (T, B) or (n_copies, T, B) with
        indices into `X`, a hyperparameter or checkpoint is out of range, or the recorded
        weights would not fit in memory.
    DivergenceError
        If a copy's weights become non-finite; ``.partial`` holds the run so far.

    Notes
    -----
    Per copy, the trajectory equals that of ``torch.optim`` on the same batches (checked
    in the tests to float tolerance); the point of stacking is speed.  Two engines
    compute the gradients:

    - MLPs (a ``Sequential`` of ``Linear`` layers with ReLU/Tanh in between, ending in a
      ``Linear``) get hand-written forward and backward passes over the stacked weights
      (``addmm``/``baddbmm``/``bmm``; no autograd graph, no ``vmap``), with the first
      layer of all copies as one matrix product when the schedule is shared;
    - any other model goes through :func:`torch.func.vmap` of the model and one
      :func:`torch.autograd.grad` call.

    Either way the whole ensemble is one flat tensor and the update is one call of the
    pure rule ``dynsys._optim_rules.update`` (the same function as ``dynsys.optim_map``).
    The two engines agree to rounding (tested in float64 to 1e-12).
    """
    from tqdm.auto import tqdm

    n_copies = _check_inputs(model, params, X, y)
    check_bool("nesterov", nesterov)
    check_bool("progress", progress)
    hp = {}
    for key, val in (("lr", lr), ("momentum", momentum), ("weight_decay", weight_decay)):
        arr = check_array(key, val, ndim=(0, 1))
        if arr.ndim == 1 and arr.shape[0] != n_copies:
            raise ValueError(f"`{key}` must be a number or have one entry per copy ({n_copies}), got {arr.shape[0]}")
        arr = np.broadcast_to(arr, (n_copies,))
        hp[key] = torch.as_tensor(np.array(arr), dtype=next(iter(params.values())).dtype)
    base = _optim_rules.check_hyper(optimizer, lr=float(hp["lr"].min()),
                                    momentum=float(hp["momentum"].min()),
                                    weight_decay=float(hp["weight_decay"].min()),
                                    nesterov=nesterov, betas=betas, eps=adam_eps)
    _optim_rules.check_hyper(optimizer, lr=float(hp["lr"].max()),
                             momentum=float(hp["momentum"].max()),
                             weight_decay=float(hp["weight_decay"].max()),
                             nesterov=nesterov, betas=betas, eps=adam_eps)
    schedule = check_array("schedule", schedule, dtype=None, finite=False)
    if schedule.ndim not in (2, 3) or schedule.size == 0 or not np.issubdtype(schedule.dtype,
                                                                             np.integer):
        raise ValueError("`schedule` must be a non-empty integer array of shape (T, B) or "
                         f"(n_copies, T, B), got dtype {schedule.dtype} and shape {schedule.shape}")
    per_copy = schedule.ndim == 3
    if per_copy and schedule.shape[0] != n_copies:
        raise ValueError(f"`schedule` has {schedule.shape[0]} per-copy schedules for "
                         f"{n_copies} copies")
    if schedule.min() < 0 or schedule.max() >= X.shape[0]:
        raise ValueError(f"`schedule` indices must be in [0, {X.shape[0]}) (the rows of `X`), "
                         f"got [{schedule.min()}, {schedule.max()}]")
    n_steps = schedule.shape[-2]
    if checkpoints is None:
        checkpoints = range(n_steps + 1)
    elif isinstance(checkpoints, (str, bytes)) or not hasattr(checkpoints, "__iter__"):
        raise TypeError(f"`checkpoints` must be None or a sequence of steps, got {type(checkpoints).__name__}")
    record = sorted({check_int("checkpoints", c, low=0, high=n_steps)
                     for c in np.asarray(list(checkpoints), dtype=object).ravel().tolist()})
    if not record:
        raise ValueError("`checkpoints` must name at least one step, got an empty sequence")
    p_count = sum(int(np.prod(v.shape[1:])) for v in params.values())
    itemsize = next(iter(params.values())).dtype.itemsize
    check_memory(f"train_ensemble of {n_copies} copies x {p_count} parameters, {len(record)} checkpoints",
                 8.0 * n_copies * p_count * (len(record) + 1) + 4.0 * itemsize * n_copies * p_count)
    sched_t = torch.as_tensor(schedule, dtype=torch.long)

    spec = _mlp_spec(model, params, X, y)
    engine: Any = (_GenericEngine(model, params, X, y, sched_t, per_copy) if spec is None
                   else _MLPEngine(spec, params, X, y, sched_t, per_copy))
    use_nesterov = base["nesterov"]
    # per-copy hyperparameters laid out like the engine's flat ensemble tensor
    col = {k: engine.expand(v) for k, v in hp.items()}
    any_decay = bool(torch.any(hp["weight_decay"] != 0))
    cur = engine.initial
    if spec is None:  # the reference: the pure rule, a new tensor per step
        state = _optim_rules.init_state(optimizer, cur)
    else:  # the same operations in place (bitwise equal; tested)
        inplace = _InplaceUpdate(optimizer, cur, lr=col["lr"], momentum=col["momentum"],
                                 nesterov=use_nesterov, betas=base["betas"], eps=base["eps"])
    steps_out, weights_out = [], []

    def partial(flat: torch.Tensor) -> EnsembleRun:
        return EnsembleRun(np.array(steps_out), np.stack(weights_out, axis=1) if weights_out
                           else np.empty((n_copies, 0, p_count)), engine.views(flat.detach()))

    def snap(step: int) -> None:
        flat = engine.rows(cur.detach()).to(torch.float64).numpy().copy()
        if not np.all(np.isfinite(flat)):
            bad = int(np.flatnonzero(~np.all(np.isfinite(flat), axis=1))[0])
            raise DivergenceError(f"copy {bad} has non-finite weights at step {step}",
                                  step=step, partial=partial(cur))
        steps_out.append(step)
        weights_out.append(flat)

    if 0 in record:
        snap(0)
    wanted = set(record)
    for t in tqdm(range(n_steps), disable=not progress, desc="ensemble", leave=False):
        w = cur
        grad, finite, losses = engine.grad(w, t)
        if not finite and t + 1 not in wanted:
            bad = torch.nonzero(~torch.isfinite(losses())).reshape(-1).tolist()
            raise DivergenceError(f"the training loss of copies {bad} is not finite at step {t}",
                                  step=t, partial=partial(w))
        with torch.no_grad():
            if spec is not None:
                inplace(cur, grad, t, col["weight_decay"] if any_decay else None)
            else:
                if any_decay:
                    grad = grad + col["weight_decay"] * w
                cur, state = _optim_rules.update(optimizer, w, grad, state, t, lr=col["lr"],
                                                 momentum=col["momentum"], nesterov=use_nesterov,
                                                 betas=base["betas"], eps=base["eps"],
                                                 validate=False)
        if t + 1 in wanted:
            snap(t + 1)
    return EnsembleRun(np.array(steps_out), np.stack(weights_out, axis=1),
                       engine.views(cur.detach()))


# --------------------------------------------------------------------------- alignment

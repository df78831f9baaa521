"""Optimizer updates as discrete dynamical systems (note 000's map Phi_{b,h}).

:class:`OptimizerMap` turns a functional loss, initial parameters, a batch schedule and
a PyTorch optimizer rule into a system for :func:`dynsys.lyapunov_spectrum`: the state
is the flat vector (weights, optimizer buffers), ``step`` is exactly PyTorch's update
(see :mod:`dynsys._optim_rules`) and ``tangent`` is the Jacobian of the whole update
applied to k vectors, by forward-over-reverse differentiation (``torch.func.jvp`` of a
function that calls ``torch.func.grad``) vmapped over the k columns.  The D x D
Jacobian is never formed.

:func:`function_space_spectrum` reports, next to the weight-space exponents, the
finite-time growth of the same tangent frame seen through the network outputs on a
probe set (note 000 prefers distances in function space F to distances in weight
space W).
"""

from __future__ import annotations

import math
from typing import Any, Callable, NamedTuple

import numpy as np
import torch
from torch.func import grad, jvp, vmap

from pdcheck import check_int
from dynsys._optim_rules import check_hyper, init_state, state_size, update
from dynsys.lyapunov import LyapunovResult, lyapunov_spectrum

__all__ = ["OptimizerMap", "FunctionSpaceResult", "function_space_spectrum", "DigitsMLP", "digits_mlp_map"]


_NO_BATCH = object()


class OptimizerMap:
    """One optimizer step ``(weights, optimizer state) -> next`` as a map with a tangent.

    Parameters
    ----------
    loss_fn : callable
        ``loss_fn(params, batch) -> scalar tensor``, functional in `params` (a tensor or
        a dict of tensors with the same structure as `params`), e.g. built with
        ``torch.func.functional_call(model, params, (x,))``.
    params : Tensor or dict of Tensor
        Initial parameters (copied, never modified).  All leaves share one floating
        dtype and device; float64 is recommended for Lyapunov exponents.
    batches : sequence or callable
        The batch schedule b: ``batches[t % len(batches)]`` for a sequence (the
        schedule repeats), or ``batches(t)`` for a callable; ``t`` is the step index.
    optimizer : {"sgd", "momentum", "nesterov", "adam"}, default "sgd"
    lr : float or sequence of float
        Learning rate (keyword-only, required).  A sequence makes a batch of maps, one
        per value, run together (``torch.func.vmap``): states are then (B, dim) and
        :func:`dynsys.lyapunov_spectrum` returns one spectrum per learning rate.
    momentum : float or sequence of float, default 0
        As in :class:`torch.optim.SGD`; a sequence batches over momenta (broadcast
        against `lr`).
    dampening, weight_decay, betas, eps
        As in :class:`torch.optim.SGD` / :class:`torch.optim.Adam`.

    Attributes
    ----------
    dim : int
        ``n_params * (1 + number of optimizer buffers)``.
    n_params : int
    dt : float
        1 (a map).

    Raises
    ------
    ValueError, TypeError
        For bad hyperparameters, an empty schedule, or parameters that are not
        floating tensors.

    Notes
    -----
    For plain SGD the tangent map is ``I - lr H_b(w)`` (H_b the minibatch Hessian);
    for momentum and Adam it is the Jacobian of the whole update in the joint state.
    The per-column cost of ``tangent`` is one JVP through the gradient, about two to
    three gradient evaluations; :func:`torch.func.vmap` batches the k columns.

    References
    ----------
    .. [1] note ``000_dfb5eceb9127f4b1.txt``, "Path dependence", training as the map
       Phi_{b,h}.
    .. [2] M. Gürbüzbalaban, U. Şimşekli, L. Zhu, "The heavy-tail phenomenon in SGD",
       ICML 2021 (arXiv 2006.04740): SGD on linear regression as a product of random
       matrices.

    Examples
    --------
    >>> H = torch.diag(torch.tensor([1.0, 3.0], dtype=torch.float64))
    >>> m = OptimizerMap(lambda w, b: 0.5 * w @ H @ w, torch.ones(2, dtype=torch.float64),
    ...                  [None], lr=0.1)
    >>> m.step(m.initial_state(), 0).tolist()
    [0.9, 0.7]
    >>> res = lyapunov_spectrum(m, m.initial_state(), 50, transient=100, seed=0, progress=False)
    >>> np.round(res.exponents, 6).tolist()  # ln|1 - 0.1 h|
    [-0.105361, -0.356675]
    """

    dt = 1.0

    def __init__(self, loss_fn: Callable, params: Any, batches: Any, *, optimizer: str = "sgd",
                 lr: float, momentum: float = 0.0, dampening: float = 0.0,
                 weight_decay: float = 0.0, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8) -> None:
        if not callable(loss_fn):
            raise TypeError(f"`loss_fn` must be callable, got {type(loss_fn).__name__}")
        lrs, moms = np.atleast_1d(np.asarray(lr, dtype=object)), np.atleast_1d(np.asarray(momentum, dtype=object))
        batched = np.ndim(lr) > 0 or np.ndim(momentum) > 0
        if batched:
            if lrs.ndim != 1 or moms.ndim != 1 or min(len(lrs), len(moms)) < 1:
                raise ValueError("`lr` and `momentum` must be numbers or 1-D sequences (one per batch member), "
                                 f"got {lr!r} and {momentum!r}")
            n = max(len(lrs), len(moms))
            if {len(lrs), len(moms)} - {1, n}:
                raise ValueError(f"`lr` and `momentum` sequences must have one common length, got {len(lrs)} "
                                 f"and {len(moms)}")
            lrs, moms = np.broadcast_to(lrs, (n,)), np.broadcast_to(moms, (n,))
            for i in range(n):
                check_hyper(optimizer, lr=lrs[i], momentum=moms[i], dampening=dampening,
                            weight_decay=weight_decay, betas=betas, eps=eps)
            lr, momentum = float(lrs[0]), float(moms[0])
        self.hyper = check_hyper(optimizer, lr=lr, momentum=momentum, dampening=dampening,
                                 weight_decay=weight_decay, betas=betas, eps=eps)
        #: Batch size when `lr` or `momentum` is a sequence (one map per value), else None.
        self.batch_size = len(lrs) if batched else None
        self.batched = batched
        self._lrs = np.array(lrs, dtype=float) if batched else None
        self._moms = np.array(moms, dtype=float) if batched else None
        self.optimizer = optimizer
        if isinstance(params, torch.Tensor):
            leaves = {"": params}
            self._is_dict = False
        elif isinstance(params, dict) and params and all(isinstance(v, torch.Tensor) for v in params.values()):
            leaves = dict(params)
            self._is_dict = True
        else:
            raise TypeError("`params` must be a torch.Tensor or a non-empty dict of tensors, "
                            f"got {type(params).__name__}")
        dtypes = {v.dtype for v in leaves.values()}
        devices = {v.device for v in leaves.values()}
        if len(dtypes) != 1 or not next(iter(dtypes)).is_floating_point or len(devices) != 1:
            raise TypeError(f"`params` must share one floating dtype and device, got dtypes "
                            f"{sorted(map(str, dtypes))} on {sorted(map(str, devices))}")
        self.dtype = next(iter(dtypes))
        self.device = next(iter(devices))
        self._names = list(leaves)
        self._shapes = [tuple(v.shape) for v in leaves.values()]
        self._sizes = [int(v.numel()) for v in leaves.values()]
        self.n_params = int(sum(self._sizes))
        if self.n_params == 0:
            raise ValueError("`params` must have at least one element")
        self._n_buffers = state_size(optimizer)
        self.dim = self.n_params * (1 + self._n_buffers)
        self._w0 = torch.cat([v.detach().reshape(-1) for v in leaves.values()]).clone()
        if callable(batches) and not isinstance(batches, (list, tuple)):
            self._batch_fn = batches
            self._batches = None
        else:
            try:
                n = len(batches)
            except TypeError:
                raise TypeError("`batches` must be a sequence or a callable t -> batch, "
                                f"got {type(batches).__name__}") from None
            if n == 0:
                raise ValueError("`batches` must not be empty")
            self._batches = batches
            self._batch_fn = None
        self.loss_fn = loss_fn
        self._grad = grad(self._loss_flat)

    # ---------------------------------------------------------------- flat <-> tree
    def _tree(self, flat: torch.Tensor) -> Any:
        if not self._is_dict:
            return flat.reshape(self._shapes[0])
        out, off = {}, 0
        for name, shape, size in zip(self._names, self._shapes, self._sizes):
            out[name] = flat[off:off + size].reshape(shape)
            off += size
        return out

    def _loss_flat(self, w: torch.Tensor, batch: Any) -> torch.Tensor:
        return self.loss_fn(self._tree(w), batch)

    # ---------------------------------------------------------------- public API
    def batch(self, t: int) -> Any:
        """The batch used at step `t`."""
        if self._batch_fn is not None:
            return self._batch_fn(t)
        return self._batches[t % len(self._batches)]

    def initial_state(self) -> torch.Tensor:
        """Weights from `params` followed by the optimizer buffers as PyTorch starts them (zeros);
        shape (batch_size, dim) for a batch of maps."""
        bufs = init_state(self.optimizer, self._w0)
        x = torch.cat([self._w0, *bufs]) if bufs else self._w0.clone()
        return x if self.batch_size is None else x.expand(self.batch_size, -1).clone()

    def split(self, state: torch.Tensor) -> tuple[Any, tuple]:
        """``(params, buffers)`` from a flat state: params in the caller's structure."""
        n = self.n_params
        w = state[:n]
        bufs = tuple(self._tree(state[n * (i + 1): n * (i + 2)]) for i in range(self._n_buffers))
        return self._tree(w), bufs

    def update(self, state: torch.Tensor, t: int, batch: Any = _NO_BATCH, **override: Any) -> torch.Tensor:
        """The pure update on the flat state (differentiable; used by ``step`` and ``tangent``).

        `batch` defaults to the schedule's batch for step `t`; `override` replaces
        hyperparameters (``lr``, ``momentum``; scalars or 0-d tensors, as under ``vmap``).
        """
        if batch is _NO_BATCH:
            batch = self.batch(t)
        n = self.n_params
        w = state[:n]
        bufs = tuple(state[n * (i + 1): n * (i + 2)] for i in range(self._n_buffers))
        g = self._grad(w, batch)
        w_new, bufs_new = update(self.optimizer, w, g, bufs, t, validate=False, **{**self.hyper, **override})
        return torch.cat([w_new, *bufs_new]) if bufs_new else w_new

    def _members(self, fn: Callable, state: torch.Tensor, *extra: torch.Tensor) -> torch.Tensor:
        """`fn(state, *extra, lr=..., momentum=...)` for one map, or vmapped over a batch of maps."""
        if self.batch_size is None:
            return fn(state, *extra)
        lr = torch.as_tensor(self._lrs, dtype=state.dtype, device=state.device)
        mu = torch.as_tensor(self._moms, dtype=state.dtype, device=state.device)
        if state.ndim == 1:
            state = state.expand(self.batch_size, -1)
        extra = tuple(e if e.ndim == 3 else e.expand(self.batch_size, *e.shape) for e in extra)
        return vmap(lambda s, *a: fn(s, *a[:-2], lr=a[-2], momentum=a[-1]))(state, *extra, lr, mu)

    def step(self, state: torch.Tensor, t: int) -> torch.Tensor:
        """One optimizer step from the flat state (PyTorch's rule exactly); (B, dim) for a batch."""
        batch = self.batch(t)
        return self._members(lambda s, **h: self.update(s, t, batch, **h), state.detach())

    def tangent(self, state: torch.Tensor, t: int, V: torch.Tensor) -> torch.Tensor:
        """``J(state, t) @ V`` for V of shape (dim, k) (or (B, dim, k)), by vmapped forward-over-reverse JVPs."""
        batch = self.batch(t)

        def member(s: torch.Tensor, Vm: torch.Tensor, **h: Any) -> torch.Tensor:
            def f(z: torch.Tensor) -> torch.Tensor:
                return self.update(z, t, batch, **h)

            return vmap(lambda v: jvp(f, (s,), (v,))[1], in_dims=1, out_dims=1)(Vm)

        return self._members(member, state.detach(), V)

    def tangent_loop(self, state: torch.Tensor, t: int, V: torch.Tensor) -> torch.Tensor:
        """Same as :meth:`tangent` but one JVP per column in a Python loop (for benchmarks)."""
        batch = self.batch(t)
        state = state.detach()
        cols = [jvp(lambda z: self.update(z, t, batch), (state,), (V[:, j],))[1] for j in range(V.shape[1])]
        return torch.stack(cols, dim=1)


class FunctionSpaceResult(NamedTuple):
    """Weight-space exponents and their function-space counterparts on a probe set.

    Attributes
    ----------
    weight : LyapunovResult
        The weight-space (state-space) spectrum.
    function : ndarray, shape (k,)
        Finite-time function-space exponents at the last step, column j belonging to
        the same tangent direction as ``weight.exponents[j]``.
    function_history : ndarray, shape (n_obs, k)
        The same at each observation step.
    steps : ndarray of int
        Observation steps.
    """

    weight: LyapunovResult
    function: np.ndarray
    function_history: np.ndarray
    steps: np.ndarray

    def plot(self) -> Any:
        """Weight-space (solid) and function-space (dashed) running exponents."""
        import matplotlib

        matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(6, 4))
        w = self.weight
        for j in range(min(w.history.shape[1], 8)):
            line, = ax.plot(w.checkpoints, w.history[:, j], lw=1.2)
            ax.plot(self.steps, self.function_history[:, j], ls="--", lw=1.0, color=line.get_color())
        ax.set_xscale("log")
        ax.set_xlabel("steps")
        ax.set_ylabel("exponent (solid: weights, dashed: outputs)")
        fig.tight_layout()
        return fig


def function_space_spectrum(omap: OptimizerMap, x0: torch.Tensor, n_steps: int, *,
                            output_fn: Callable, probe: Any, k: int | None = None,
                            transient: int = 0, observe_every: int = 10, seed: Any = None,
                            progress: bool = True) -> FunctionSpaceResult:
    """Weight-space Lyapunov exponents and the finite-time growth seen through the outputs.

    Parameters
    ----------
    omap : OptimizerMap
    x0 : Tensor
        Initial flat state (``omap.initial_state()``).
    n_steps, k, transient, seed, progress
        As in :func:`dynsys.lyapunov_spectrum`.
    output_fn : callable
        ``output_fn(params, probe) -> Tensor`` of network outputs (any shape), in the same
        parameter structure as `omap`'s ``params``.
    probe : Any
        Probe inputs passed to `output_fn`; the outputs must have at least `k` entries.
    observe_every : int, default 10
        Steps between function-space observations.

    Returns
    -------
    FunctionSpaceResult

    Notes
    -----
    Let ``Q_t R_t`` be the QR factorisation of the evolved tangent frame
    ``DPhi^t Q_0`` and ``F'(w)`` the Jacobian of the probe outputs.  The j-volume of
    the frame seen in function space is ``|det|`` of the leading j x j block of the QR
    of ``F'(w_t) Q_t R_t``; writing ``F'(w_t) Q_t = P_t S_t`` this gives, per column,

        sigma_j(t) = (1/t) [ log|R_t,jj| + log|S_t,jj| - log|S_0,jj| ],

    i.e. the weight-space finite-time exponent plus the change in how strongly the
    outputs see the j-th Gram-Schmidt direction.  If ``F'`` stays bounded and
    non-degenerate on the frame, sigma_j(t) tends to the weight-space exponent; at
    finite t the two differ by the O(1/t) output term.  ``F'(w) Q`` is computed by
    vmapped JVPs of `output_fn` (never the full output Jacobian).
    """
    if not isinstance(omap, OptimizerMap):
        raise TypeError(f"`omap` must be an OptimizerMap, got {type(omap).__name__}")
    if not callable(output_fn):
        raise TypeError(f"`output_fn` must be callable, got {type(output_fn).__name__}")
    if not isinstance(x0, torch.Tensor) or x0.ndim != 1 or x0.numel() < omap.n_params:
        raise TypeError(f"`x0` must be a 1-D torch tensor state of the map (length >= {omap.n_params}), "
                        f"got {type(x0).__name__}")
    observe_every = check_int("observe_every", observe_every, low=1)
    if transient != 0:
        raise ValueError(f"`transient` must be 0 for function_space_spectrum (the output "
                         f"stretch is referred to the initial frame), got {transient!r}")
    n = omap.n_params
    kk = omap.dim if k is None else check_int("k", k, low=1, high=omap.dim)

    def out_jvp(w: torch.Tensor, Qw: torch.Tensor) -> torch.Tensor:
        f = lambda ww: output_fn(omap._tree(ww), probe).reshape(-1)  # noqa: E731
        return vmap(lambda v: jvp(f, (w,), (v,))[1], in_dims=1, out_dims=1)(Qw)

    with torch.no_grad():
        try:
            n_out = int(output_fn(omap._tree(x0[:n].detach()), probe).numel())
        except (TypeError, ValueError, RuntimeError, AttributeError, IndexError) as exc:
            raise TypeError(f"`output_fn`(params, `probe`) failed at `x0` (probe: {type(probe).__name__}): "
                            f"{type(exc).__name__}: {exc}") from exc
    if n_out < kk:
        raise ValueError(f"`probe` outputs must have at least k = {kk} entries, got {n_out}")

    rec: dict = {"steps": [], "vals": [], "s0": None}

    def observe(step: int, x: torch.Tensor, Q: torch.Tensor, log_r: torch.Tensor) -> None:
        A = out_jvp(x[:n], Q[:n, :])
        s = torch.linalg.qr(A)[1].diagonal().abs().log()
        rec["steps"].append(step)
        rec["vals"].append(((log_r + s - rec["s0"]) / step).detach().cpu().double().numpy())
        rec["last_log_r"] = log_r.detach().cpu().double().numpy()

    Q0 = _initial_frame(omap.dim, kk, seed, x0)
    rec["s0"] = torch.linalg.qr(out_jvp(x0[:n].detach(), Q0[:n, :]))[1].diagonal().abs().log()
    weight = lyapunov_spectrum(omap, x0, n_steps, k=kk, transient=0, frame=Q0, observe=observe,
                               observe_every=observe_every, progress=progress)
    # the engine sorts its exponents descending; put the function-space columns in that order
    order = np.argsort(-rec["last_log_r"], kind="stable")
    vals = np.array(rec["vals"])[:, order]
    return FunctionSpaceResult(weight, vals[-1], vals, np.array(rec["steps"]))


def _initial_frame(dim: int, k: int, seed: Any, like: torch.Tensor) -> torch.Tensor:
    """The engine's initial orthonormal frame for this seed (same construction)."""
    from pdcheck import as_generator

    rng = as_generator(seed)
    frame = torch.as_tensor(rng.standard_normal((dim, k)), dtype=like.dtype).to(like.device)
    return torch.linalg.qr(frame)[0]


class DigitsMLP(NamedTuple):
    """An :class:`OptimizerMap` for an MLP on the digits data, with what built it."""

    map: OptimizerMap
    model: torch.nn.Module
    output_fn: Callable
    probe: torch.Tensor
    n_params: int


def digits_mlp_map(*, width: int = 64, depth: int = 1, optimizer: str = "sgd", lr: float = 0.1,
                   batch_size: int = 32, n_batches: int = 1000, activation: str = "relu",
                   dtype: torch.dtype = torch.float64, seed: Any = 0, n_probe: int = 64,
                   schedule_seed: Any = None, dataset: Any = None, **hyper: Any) -> DigitsMLP:
    """An MLP classifier on the scikit-learn digits (or a dataset file) as an optimizer map.

    Parameters
    ----------
    width, depth : int
        Hidden width and number of hidden layers (d -> width x depth -> classes; 64 -> ... -> 10
        on the digits).
    optimizer, lr, **hyper
        Passed to :class:`OptimizerMap` (``momentum``, ``weight_decay``, ``betas``...).
    batch_size, n_batches : int
        The batch schedule: `n_batches` random minibatches drawn once from `seed` (the
        schedule b is fixed, as in note 000's experiments), repeated if the run is longer.
    activation : {"relu", "tanh"}
    dtype : torch.dtype, default float64
    seed : int, Generator or None
        Seeds the initialisation (PyTorch's default ``nn.Linear`` init) and the schedule.
    n_probe : int
        Test images returned as the function-space probe set.
    schedule_seed : int, optional
        Seeds the batch schedule instead of `seed` (same initial weights, another batch
        order: independent replicates of one training run).
    dataset : str or path, optional
        An ``.npz`` read by :func:`dynsys.data.load_dataset` instead of the digits.

    Returns
    -------
    DigitsMLP
        ``(map, model, output_fn, probe, n_params)``; ``output_fn(params, X)`` gives logits.

    Examples
    --------
    >>> mlp = digits_mlp_map(width=8, seed=0)
    >>> mlp.n_params, mlp.map.dim
    (610, 610)
    """
    from pdcheck import as_torch_generator, check_choice
    from dynsys.data import load_digits_tensors
    from torch.func import functional_call

    width = check_int("width", width, low=1)
    depth = check_int("depth", depth, low=1)
    batch_size = check_int("batch_size", batch_size, low=1)
    n_batches = check_int("n_batches", n_batches, low=1)
    n_probe = check_int("n_probe", n_probe, low=1)
    check_choice("activation", activation, ("relu", "tanh"))
    gen = as_torch_generator(seed)
    data_seed = int(torch.randint(0, 2 ** 31, (1,), generator=gen))
    if dataset is None:
        data = load_digits_tensors(seed=data_seed, dtype=dtype)
    else:
        from dynsys.data import load_dataset

        data = load_dataset(dataset, seed=data_seed, dtype=dtype)
    act = torch.nn.ReLU if activation == "relu" else torch.nn.Tanh
    layers: list = []
    fan_in = data.X_train.shape[1]
    with torch.random.fork_rng(devices=[]):  # Linear's own init must not touch the global RNG
        for _ in range(depth):
            layers += [torch.nn.Linear(fan_in, width), act()]
            fan_in = width
        layers.append(torch.nn.Linear(fan_in, int(data.y_train.max()) + 1))
    model = torch.nn.Sequential(*layers).to(dtype)
    with torch.no_grad():  # PyTorch's default init, drawn from our generator
        for mod in model:
            if isinstance(mod, torch.nn.Linear):
                bound = 1.0 / math.sqrt(mod.in_features)
                mod.weight.copy_(torch.empty_like(mod.weight).uniform_(-bound, bound, generator=gen))
                mod.bias.copy_(torch.empty_like(mod.bias).uniform_(-bound, bound, generator=gen))
    params = {k: v.detach().clone() for k, v in model.named_parameters()}
    n_train = len(data.y_train)
    sched = gen if schedule_seed is None else as_torch_generator(schedule_seed)
    idx = torch.randint(0, n_train, (n_batches, batch_size), generator=sched)
    X, y = data.X_train, data.y_train

    def loss_fn(p: dict, b: torch.Tensor) -> torch.Tensor:
        return torch.nn.functional.cross_entropy(functional_call(model, p, (X[b],)), y[b])

    def output_fn(p: dict, Xp: torch.Tensor) -> torch.Tensor:
        return functional_call(model, p, (Xp,))

    omap = OptimizerMap(loss_fn, params, list(idx), optimizer=optimizer, lr=lr, **hyper)
    return DigitsMLP(omap, model, output_fn, data.X_test[:n_probe], omap.n_params)

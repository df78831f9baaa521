"""Path-dependence experiments: perturbed training runs as one vmapped ensemble.

Note 000 ("Tracking trajectories", "Measuring distance") trains a baseline model and n
perturbed copies with identical batch schedules and tracks how they diverge.  Here the
baseline (copy 0) and every perturbed copy are trained together: their parameters are
stacked along a leading axis and updated by one batched computation per step
(:func:`dynsys.ensemble.train_ensemble`).  MLPs
(``Linear`` layers with ReLU/Tanh between them) get hand-written batched forward and
backward passes (``addmm``/``baddbmm``/``bmm``, no autograd graph); any other model is
batched with :func:`torch.func.vmap` and differentiated by autograd.  The update is the
pure optimizer rule ``dynsys._optim_rules.update`` (the same function that drives
``dynsys.optim_map``), applied to the whole stack (in place, operation for operation,
on the MLP path).

What can be perturbed (``kind``):

- ``"init"``: the initial weights, on the sphere ``|w| = |w0|`` at distance eps
  (:func:`dynsys.perturb.perturb_on_sphere`) or isotropically with norm eps;
- ``"lr"``, ``"momentum"``, ``"weight_decay"``: the hyperparameter, ``h + s eps`` with a
  random sign s (``+1`` where ``h - eps`` is not allowed);
- ``"batch_order"``: eps random transpositions of training examples within an epoch of
  the batch schedule (the smallest discrete perturbation is eps = 1).

Recorded at checkpoints, for each copy against the baseline: the weight distance d_w and
d_w / |w_baseline|, train/test loss and accuracy and their differences, the
counterfactual ("cf.") loss and accuracy that take the baseline's predictions as labels,
the permutation-aligned distance (weight matching, Ainsworth et al. 2023) and the loss
along the linear interpolation to the aligned weights (its mean and barrier height).
:func:`dynsys.growth.fit_growth` fits growth laws to the divergence curves.

References
----------
.. [1] S. Ainsworth, J. Hayase, S. Srinivasa, "Git Re-Basin: merging models modulo
   permutation symmetries", ICLR 2023 (weight matching, loss barriers).
.. [2] J. Frankle, G. K. Dziugaite, D. Roy, M. Carbin, "Linear mode connectivity and the
   lottery ticket hypothesis", ICML 2020 (instability under SGD noise; barrier height).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import torch
from scipy.optimize import linear_sum_assignment

from pdcheck import (as_generator, check_array, check_bool, check_choice, check_float_dtype, check_int, check_memory,
                     check_positive, check_real)
from dynsys.ensemble import EnsembleRun, _functional, train_ensemble
from dynsys.growth import LAWS, GrowthFit, GrowthLaw, fit_growth
from dynsys.perturb import perturb_gaussian, perturb_on_sphere

__all__ = ["mlp", "run_experiment", "train_ensemble", "PathDepResult", "EnsembleRun",
           "batch_schedule", "align_mlp", "interpolation_losses", "fit_growth", "GrowthFit",
           "GrowthLaw", "KINDS", "LAWS"]

KINDS = ("init", "lr", "momentum", "weight_decay", "batch_order")


# --------------------------------------------------------------------------- models
def mlp(sizes: Sequence[int], *, init: str = "torch", seed: Any = 0,
        dtype: torch.dtype = torch.float32) -> torch.nn.Sequential:
    """A ReLU MLP ``Linear -> ReLU -> ... -> Linear``, initialised layer by layer.

    Parameters
    ----------
    sizes : sequence of int
        Layer widths, input first, e.g. ``(64, 100, 10)`` for the note's one-hidden-layer
        model on 8x8 digits.
    init : {"torch", "kaiming", "shell"}, default "torch"
        PyTorch's default (Kaiming-uniform, a = sqrt 5, biases uniform), Kaiming normal
        (zero biases), or the note's thin shell (each weight matrix exactly on the sphere
        of radius sqrt(D) sigma, zero biases); see :func:`dynsys.init.init_model_`.
    seed : int, numpy or torch Generator, or None, default 0
    dtype : torch.dtype, default float32

    Examples
    --------
    >>> net = mlp((64, 100, 10), seed=0)
    >>> sum(p.numel() for p in net.parameters())
    7510
    """
    from dynsys.init import init_model_

    if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__len__"):
        raise TypeError(f"`sizes` must be a sequence of ints, got {sizes!r}")
    dims = [check_int(f"sizes[{i}]", s, low=1) for i, s in enumerate(sizes)]
    if len(dims) < 2:
        raise ValueError(f"`sizes` must have at least 2 entries (input, output), got {sizes!r}")
    check_choice("init", init, ("torch", "kaiming", "shell"))
    check_float_dtype("dtype", dtype)
    n_params = sum((a + 1) * b for a, b in zip(dims[:-1], dims[1:]))
    check_memory(f"mlp(sizes={dims}) with {n_params} parameters", 3 * n_params * dtype.itemsize)
    layers: list[torch.nn.Module] = []
    with torch.random.fork_rng(devices=[]):  # Linear's own default init must not touch the global RNG
        for i in range(len(dims) - 1):
            layers.append(torch.nn.Linear(dims[i], dims[i + 1], dtype=dtype))
            if i < len(dims) - 2:
                layers.append(torch.nn.ReLU())
    net = torch.nn.Sequential(*layers)
    init_model_(net, scheme=init, bias="same" if init == "torch" else "zeros", seed=seed)
    return net


def _linear_layers(model: torch.nn.Module) -> list[str] | None:
    """Parameter-name prefixes of the Linear layers if `model` is a Sequential ReLU MLP."""
    if not isinstance(model, torch.nn.Sequential):
        return None
    names = []
    for i, m in enumerate(model):
        if isinstance(m, torch.nn.Linear):
            if m.bias is None:
                return None
            names.append(str(i))
        elif not isinstance(m, torch.nn.ReLU):
            return None
    return names or None


# --------------------------------------------------------------------------- batches
def batch_schedule(n_train: int, batch_size: int, n_epochs: int, *, seed: Any = None) -> np.ndarray:
    """Indices of the training examples in each batch: shape (n_epochs * T_epoch, batch_size).

    Each epoch is a fresh random permutation cut into ``T_epoch = n_train // batch_size``
    disjoint batches (the incomplete last batch is dropped, so every batch has the same
    size and the copies can be stacked).

    Examples
    --------
    >>> batch_schedule(10, 3, 2, seed=0).shape
    (6, 3)
    """
    n_train = check_int("n_train", n_train, low=1)
    batch_size = check_int("batch_size", batch_size, low=1, high=n_train)
    n_epochs = check_int("n_epochs", n_epochs, low=1)
    per = n_train // batch_size
    check_memory(f"batch_schedule(n_epochs={n_epochs}) of {per} batches of {batch_size}",
                 2 * 8 * n_epochs * per * batch_size + 8 * n_train)
    rng = as_generator(seed)
    rows = [rng.permutation(n_train)[: per * batch_size].reshape(per, batch_size)
            for _ in range(n_epochs)]
    return np.concatenate(rows, axis=0)


def _swap_schedule(schedule: np.ndarray, steps_per_epoch: int, n_swaps: int,
                   rng: np.random.Generator) -> np.ndarray:
    """A copy of `schedule` with `n_swaps` transpositions of positions within one epoch."""
    out = schedule.copy()
    n_epochs = out.shape[0] // steps_per_epoch
    width = steps_per_epoch * out.shape[1]
    for _ in range(n_swaps):
        e = int(rng.integers(n_epochs))
        block = out[e * steps_per_epoch:(e + 1) * steps_per_epoch].reshape(-1)
        i, j = rng.choice(width, size=2, replace=False)
        block[i], block[j] = block[j], block[i]
        out[e * steps_per_epoch:(e + 1) * steps_per_epoch] = block.reshape(steps_per_epoch, -1)
    return out


def _unflatten(model: torch.nn.Module, flat: np.ndarray, dtype: torch.dtype) -> dict:
    """(n, P) flat vectors to a stacked parameter dict with `model`'s names and shapes."""
    out, start = {}, 0
    flat_t = torch.as_tensor(flat, dtype=dtype)
    for name, p in model.named_parameters():
        size = p.numel()
        out[name] = flat_t[:, start:start + size].reshape((flat.shape[0],) + tuple(p.shape))
        start += size
    return out


def _layers_np(model: torch.nn.Module, flat: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    shapes = [(n, tuple(p.shape)) for n, p in model.named_parameters()]
    arrays, start = {}, 0
    for name, shape in shapes:
        size = int(np.prod(shape))
        arrays[name] = flat[start:start + size].reshape(shape)
        start += size
    prefixes = _linear_layers(model)
    return [(arrays[f"{p}.weight"], arrays[f"{p}.bias"]) for p in prefixes]


def align_mlp(model: torch.nn.Module, w_ref: Any, w: Any, *, max_iter: int = 50,
              seed: Any = 0) -> tuple[np.ndarray, list[np.ndarray]]:
    """Permute the hidden units of the MLP weights `w` to match `w_ref` (weight matching).

    Parameters
    ----------
    model : torch.nn.Sequential
        A ReLU MLP (Linear and ReLU layers only), giving the layer shapes.
    w_ref, w : array_like, shape (n_params,)
        Flat parameter vectors in ``model.parameters()`` order.
    max_iter : int, default 50
        Coordinate-descent sweeps over the hidden layers (one suffices for one hidden layer).
    seed : int or Generator
        Order of the layers within a sweep.

    Returns
    -------
    aligned : ndarray, shape (n_params,)
        `w` with its hidden units permuted: the same function, closest to `w_ref`.
    perms : list of ndarray
        One permutation per hidden layer (``aligned`` unit i is ``w``'s unit ``perm[i]``).

    Notes
    -----
    Ainsworth et al. (2023), "weight matching": maximise ``sum_l <W_l^ref, P_l W_l P_{l-1}^T>``
    (biases included) by solving one linear assignment problem per hidden layer with the
    others fixed (``scipy.optimize.linear_sum_assignment``), sweeping until no layer changes.
    The ascent is run from the identity and from a forward pass that matches incoming
    weights layer after layer (exact for a permuted copy of any depth); the better result
    is returned, so the aligned distance never exceeds the unaligned one.  For deeper
    networks this is a local optimum (the exact problem is NP-hard).

    Examples
    --------
    >>> net = mlp((3, 4, 2), seed=0)
    >>> w = torch.cat([p.detach().reshape(-1) for p in net.parameters()]).double().numpy()
    >>> aligned, perms = align_mlp(net, w, w)
    >>> bool(np.allclose(aligned, w)), perms[0].tolist()
    (True, [0, 1, 2, 3])
    """
    if _linear_layers(model) is None:
        raise TypeError("`model` must be a torch.nn.Sequential of Linear (with bias) and ReLU "
                        f"layers for weight matching, got {type(model).__name__}")
    n_par = sum(p.numel() for p in model.parameters())
    a = check_array("w_ref", w_ref, finite=False).reshape(-1)
    b = check_array("w", w, finite=False).reshape(-1)
    for name, v in (("w_ref", a), ("w", b)):
        if v.size != n_par:
            raise ValueError(f"`{name}` must have {n_par} entries (the model's parameters), got {v.size}")
    max_iter = check_int("max_iter", max_iter, low=1)
    ref = _layers_np(model, a)
    start = _layers_np(model, b)
    n_hidden = len(ref) - 1
    rng = as_generator(seed)
    best = None
    for forward_first in (False, True):
        cur, perms = _match(ref, [(W.copy(), c.copy()) for W, c in start], n_hidden, max_iter,
                            rng, forward_first)
        score = sum(float(np.sum(R * C)) + float(r @ c) for (R, r), (C, c) in zip(ref, cur))
        if best is None or score > best[0]:
            best = (score, cur, perms)
    _, cur, perms = best
    aligned = np.concatenate([np.concatenate([W.reshape(-1), c]) for W, c in cur])
    return aligned, perms


def _permute(cur: list, l: int, col: np.ndarray) -> None:
    cur[l] = (cur[l][0][col], cur[l][1][col])
    cur[l + 1] = (cur[l + 1][0][:, col], cur[l + 1][1])


def _match(ref: list, cur: list, n_hidden: int, max_iter: int, rng: np.random.Generator,
           forward_first: bool) -> tuple[list, list]:
    """Coordinate ascent of the weight-matching objective, optionally after a forward pass.

    The forward pass matches each hidden layer by its incoming weights only (layer after
    layer), which recovers an exact permutation of any depth; the sweeps then solve each
    layer's assignment with both neighbours fixed, never decreasing the objective.
    """
    perms = [np.arange(ref[l][0].shape[0]) for l in range(n_hidden)]
    if forward_first:
        for l in range(n_hidden):
            sim = ref[l][0] @ cur[l][0].T + np.outer(ref[l][1], cur[l][1])
            _, col = linear_sum_assignment(sim, maximize=True)
            perms[l] = perms[l][col]
            _permute(cur, l, col)
    for _ in range(max_iter):
        changed = False
        for l in rng.permutation(n_hidden):
            # similarity of ref unit i with current unit j of hidden layer l
            sim = ref[l][0] @ cur[l][0].T + np.outer(ref[l][1], cur[l][1])
            sim += ref[l + 1][0].T @ cur[l + 1][0]
            _, col = linear_sum_assignment(sim, maximize=True)
            if np.array_equal(col, np.arange(col.size)):
                continue
            changed = True
            perms[l] = perms[l][col]
            _permute(cur, l, col)
        if not changed:
            break
    return cur, perms


def _eval(model: torch.nn.Module, params: dict, X: torch.Tensor) -> torch.Tensor:
    from torch.func import vmap

    f = _functional(model)
    with torch.no_grad():
        return vmap(lambda p: f(p, X))(params)


def _ce(logits: torch.Tensor, labels: torch.Tensor, *, logp: torch.Tensor | None = None) -> np.ndarray:
    """Mean cross-entropy per copy: logits (n, N, C), labels (N,) or (n, N)."""
    if logp is None:
        logp = torch.log_softmax(logits, dim=-1)
    lab = labels.expand(logits.shape[:2]) if labels.ndim == 1 else labels
    return (-logp.gather(-1, lab.unsqueeze(-1)).squeeze(-1).mean(dim=1)).double().numpy()


def interpolation_losses(model: torch.nn.Module, w_a: Any, w_b: Any, X: torch.Tensor,
                         y: torch.Tensor, *, n_points: int = 11) -> tuple[np.ndarray, np.ndarray]:
    """Cross-entropy along the segment ``(1 - a) w_a + a w_b`` for each pair of rows.

    Parameters
    ----------
    model : torch.nn.Module
    w_a, w_b : array_like, shape (n_params,) or (n, n_params)
        Flat parameter vectors (rows are paired).
    X, y : Tensor
        Data and integer labels.
    n_points : int, default 11
        Points on [0, 1], ends included.

    Returns
    -------
    alphas : ndarray, shape (n_points,)
    losses : ndarray, shape (n, n_points)

    Examples
    --------
    >>> net = mlp((2, 3, 2), seed=0)
    >>> w = torch.cat([p.detach().reshape(-1) for p in net.parameters()]).numpy()
    >>> a, L = interpolation_losses(net, w, w, torch.zeros(4, 2), torch.zeros(4, dtype=torch.long))
    >>> L.shape, bool(np.ptp(L) < 1e-6)
    ((1, 11), True)
    """
    n_points = check_int("n_points", n_points, low=2)
    a = np.atleast_2d(check_array("w_a", w_a))
    b = np.atleast_2d(check_array("w_b", w_b))
    if a.shape != b.shape:
        raise ValueError(f"`w_a` shape {a.shape} does not match `w_b` shape {b.shape}")
    alphas = np.linspace(0.0, 1.0, n_points)
    path = (1 - alphas)[None, :, None] * a[:, None, :] + alphas[None, :, None] * b[:, None, :]
    dtype = next(model.parameters()).dtype
    params = _unflatten(model, path.reshape(-1, a.shape[1]), dtype)
    logits = _eval(model, params, X)
    return alphas, _ce(logits, y).reshape(a.shape[0], n_points)


# --------------------------------------------------------------------------- results
@dataclass(frozen=True)
class PathDepResult:
    """A perturbation experiment: metrics with named dimensions ``(copy, step)``.

    Attributes
    ----------
    data : dict of str -> ndarray
        Each metric is an array of shape (n_copies, n_steps); copy 0 is the baseline.
        Keys: ``d_w``, ``d_w_rel``, ``w_norm``, ``train_loss``, ``test_loss``,
        ``train_acc``, ``test_acc``, ``d_train_loss``, ``d_test_loss``, ``d_train_acc``,
        ``d_test_acc``, ``cf_train_loss``, ``cf_test_loss``, ``cf_train_acc``,
        ``cf_test_acc``, and with alignment ``d_w_perm``, ``interp_loss_mean`` (the train
        loss averaged over the segment from the baseline to the aligned copy),
        ``interp_loss_integral`` (the note's line integral, mean times segment length) and
        ``interp_barrier`` (largest excess over the chord between the end losses).
    steps : ndarray of int
        The checkpoints (optimizer steps; 0 is the initialisation).
    eps : ndarray, shape (n_copies,)
        Perturbation size of each copy (0 for the baseline).
    kind : str
        What was perturbed.
    steps_per_epoch : int
    config : dict
        The run's options (for the record).
    weights : ndarray or None
        Flat weights, shape (n_copies, n_steps, n_params), when kept.
    """

    data: dict
    steps: np.ndarray
    eps: np.ndarray
    kind: str
    steps_per_epoch: int
    config: dict = field(default_factory=dict)
    weights: np.ndarray | None = None

    def __getitem__(self, name: str) -> np.ndarray:
        try:
            return self.data[name]
        except KeyError:
            raise KeyError(f"no metric {name!r}; available: {sorted(self.data)}") from None

    @property
    def epochs(self) -> np.ndarray:
        """Checkpoints in epochs."""
        return self.steps / self.steps_per_epoch

    def to_xarray(self) -> Any:
        """The metrics as an ``xarray.Dataset`` with dims ``(copy, step)``."""
        import xarray as xr

        coords = {"copy": np.arange(len(self.eps)), "step": self.steps,
                  "eps": ("copy", self.eps), "epoch": ("step", self.epochs)}
        ds = xr.Dataset({k: (("copy", "step"), v) for k, v in self.data.items()}, coords=coords)
        ds.attrs.update({"kind": self.kind, "steps_per_epoch": self.steps_per_epoch,
                         **{f"config_{k}": str(v) for k, v in self.config.items()}})
        return ds

    def save(self, path: str | Path) -> Path:
        """Write to ``.npz`` (arrays plus config); read back with :meth:`load`."""
        path = Path(path)
        if path.suffix != ".npz":
            path = path.with_suffix(path.suffix + ".npz") if path.suffix else path.with_suffix(".npz")
        arrays = {f"data__{k}": v for k, v in self.data.items()}
        if self.weights is not None:
            arrays["weights"] = self.weights
        import json

        meta = json.dumps({"kind": self.kind, "steps_per_epoch": self.steps_per_epoch,
                           "config": {k: str(v) for k, v in self.config.items()}})
        tmp = path.with_name(path.name + ".tmp.npz")
        np.savez_compressed(tmp, steps=self.steps, eps=self.eps, meta=np.array(meta), **arrays)
        tmp.replace(path)
        return path

    @classmethod
    def load(cls, path: str | Path) -> "PathDepResult":
        """Read a result written by :meth:`save`."""
        import json

        with np.load(Path(path), allow_pickle=False) as z:
            meta = json.loads(str(z["meta"]))
            data = {k[len("data__"):]: z[k] for k in z.files if k.startswith("data__")}
            weights = z["weights"] if "weights" in z.files else None
            return cls(data, z["steps"], z["eps"], meta["kind"], int(meta["steps_per_epoch"]),
                       meta["config"], weights)

    def mean_curve(self, metric: str = "d_w") -> dict:
        """Mean of `metric` over the perturbed copies of each eps: ``{eps: (n_steps,)}``."""
        values = self[metric]
        return {float(e): values[(self.eps == e) & (np.arange(len(self.eps)) > 0)].mean(axis=0)
                for e in sorted(set(self.eps[1:].tolist()))}

    def fit_phases(self, metric: str = "d_w", *, split_epoch: float = 1.0) -> dict:
        """Growth laws of each eps's mean curve before and after `split_epoch` epochs.

        Returns ``{eps: (early, late)}`` with two :class:`GrowthFit` (time in steps),
        the test of note 000's "very short exponential period (shorter than a single
        epoch), followed by a long linear period".
        """
        split = check_positive("split_epoch", split_epoch) * self.steps_per_epoch
        out = {}
        for e, curve in self.mean_curve(metric).items():
            early = fit_growth(self.steps, curve, window=(0, split))
            late = fit_growth(self.steps, curve, window=(split, float(self.steps[-1])))
            out[e] = (early, late)
        return out

    def plot(self, metric: str = "d_w", *, fit: bool = False, logy: bool = False) -> Any:
        """Figure of `metric` against epochs: one thin line per copy, the mean per eps.

        The y label defines the metric (``d_w`` is the Euclidean (l2) distance between a
        perturbed copy's weights and the baseline's at the same step, over every weight and
        bias).  With ``fit=True``, note 000's two phases are drawn on each eps's mean curve: an
        exponential ``a exp(r t)`` fitted over the first epoch (dotted) and a linear ``a + b t``
        after it (dashed), t in steps, with their parameters in the legend, and the breakpoint
        (the end of the first epoch) as a vertical line; the AIC-best law of each phase
        (:meth:`fit_phases`) is named too.
        """
        import matplotlib

        matplotlib.use("Agg", force=False)
        from matplotlib.figure import Figure

        values = self[metric]
        fig = Figure(figsize=(7.0, 4.6))
        ax = fig.add_subplot(1, 1, 1)
        x = self.epochs
        levels = sorted(set(self.eps[1:].tolist()))
        colors = matplotlib.colormaps["viridis"](np.linspace(0.1, 0.9, max(len(levels), 1)))
        split = float(self.steps_per_epoch)
        drew_break = False
        for color, e in zip(colors, levels):
            rows = np.flatnonzero(self.eps == e)
            rows = rows[rows > 0]
            for r in rows:
                ax.plot(x, values[r], color=color, lw=0.5, alpha=0.4)
            mean = values[rows].mean(axis=0)
            ax.plot(x, mean, color=color, lw=2, label=f"eps = {e:g}: mean over {len(rows)} copies")
            if not fit:
                continue
            try:
                early_best, late_best = self.fit_phases(metric)[float(e)]
                early = fit_growth(self.steps, mean, window=(0, split), laws=["exponential"]).laws["exponential"]
                late = fit_growth(self.steps, mean, window=(split, float(self.steps[-1])),
                                  laws=["linear"]).laws["linear"]
            except (ValueError, RuntimeError):
                continue
            for law, (lo, hi), style, phase, best in ((early, (0, split), ":", "epoch < 1", early_best.best),
                                                      (late, (split, float(self.steps[-1])), "--", "epoch > 1",
                                                       late_best.best)):
                sel = (self.steps >= lo) & (self.steps <= hi)
                ax.plot(x[sel], law.predict(self.steps[sel]), style, color="crimson", lw=1.2,
                        label=f"  fit {phase}: {law.formula()} (AIC-best: {best})")
            if not drew_break:
                ax.axvline(1.0, color="0.4", ls="-.", lw=0.8, label="breakpoint: end of epoch 1")
                drew_break = True
        if metric.startswith("train") or metric.startswith("test"):
            ax.plot(x, values[0], color="k", lw=1.5, label="baseline")
        ax.set_xlabel("epoch" + (" (fits: t in steps)" if fit else ""))
        ax.set_ylabel(_METRIC_LABELS.get(metric, metric), fontsize=8)
        ax.set_title(f"{metric}: perturbation of {self.kind}" + (
            f"\n{metric} = {_METRIC_DEFS[metric]}" if metric in _METRIC_DEFS else ""), fontsize=9)
        if logy:
            ax.set_yscale("log")
        ax.legend(fontsize=7)
        fig.tight_layout()
        return fig


#: Axis labels that say what a metric is (d_w and its variants are l2 distances of weights).
_METRIC_DEFS = {
    "d_w": "||w_copy(t) - w_baseline(t)||_2 over all weights and biases",
    "d_w_rel": "||w_copy(t) - w_baseline(t)||_2 / ||w_baseline(0)||_2",
    "d_w_perm": "||P w_copy(t) - w_baseline(t)||_2 after aligning hidden units (permutation P)",
}
_METRIC_LABELS = {
    "d_w": "d_w: l2 distance of weights to the baseline",
    "d_w_rel": "d_w_rel: l2 distance / |w_baseline(0)|",
    "d_w_perm": "d_w_perm: l2 distance after alignment",
}


#: Largest `n_interp` (points on each interpolation segment) of :func:`run_experiment`.
MAX_INTERP = 1001


def _default_checkpoints(n_steps: int, steps_per_epoch: int) -> list[int]:
    geo = np.unique(np.round(np.geomspace(1, max(steps_per_epoch, 1), 12)).astype(int))
    lin = np.unique(np.round(np.linspace(0, n_steps, 41)).astype(int))
    return sorted({0, *geo.tolist(), *lin.tolist(), n_steps} - {s for s in geo if s > n_steps})


def _resolve_checkpoints(checkpoints: Any, n_steps: int, steps_per_epoch: int) -> Any:
    """None: the default grid; an int k: k + 1 evenly spaced steps; a sequence: checked steps."""
    if checkpoints is None:
        return _default_checkpoints(n_steps, steps_per_epoch)
    if isinstance(checkpoints, (int, np.integer)) and not isinstance(checkpoints, bool):
        k = min(check_int("checkpoints", checkpoints, low=1), max(n_steps, 1))   # more than every step adds nothing
        return np.unique(np.round(np.linspace(0, n_steps, k + 1)).astype(int)).tolist()
    if isinstance(checkpoints, (str, bytes)) or not hasattr(checkpoints, "__len__"):
        raise TypeError(f"`checkpoints` must be None, an int or a sequence of steps, got {checkpoints!r}")
    checkpoints = [check_int("checkpoints", c, low=0, high=n_steps) for c in checkpoints]
    if not checkpoints:
        raise ValueError("`checkpoints` must name at least one step, got an empty sequence")
    return checkpoints


def run_experiment(X: Any = None, y: Any = None, *, X_test: Any = None, y_test: Any = None,
                   model: torch.nn.Module | None = None, hidden: Sequence[int] = (100,),
                   init: str = "torch",
                   kind: str = "init", eps: float | Sequence[float] = 1.0, n_copies: int = 10,
                   sampler: str = "sphere", optimizer: str = "sgd", lr: float = 0.01,
                   momentum: float = 0.0, weight_decay: float = 0.0, nesterov: bool = False,
                   betas: tuple[float, float] = (0.9, 0.999), n_epochs: int = 5,
                   batch_size: int = 64, checkpoints: Sequence[int] | int | None = None,
                   align: bool | None = None, n_interp: int = 11, keep_weights: bool = False,
                   seed: Any = 0, progress: bool = True) -> PathDepResult:
    """Train a baseline and perturbed copies with identical batch schedules; record distances.

    Parameters
    ----------
    X, y : Tensor, optional
        Training inputs (N, d) and integer labels (N,).  Default: scikit-learn's digits
        (``dynsys.data.load_digits_tensors``), with its held-out split as the test set.
    X_test, y_test : Tensor, optional
        Test set (default: the digits test split, or the training set when `X` is given).
    model : torch.nn.Module, optional
        Default: a ReLU MLP ``(d, *hidden, n_classes)`` with PyTorch's default init.
    hidden : sequence of int, default (100,)
        Hidden widths of the default MLP (the note's one-hidden-layer model).
    init : {"torch", "kaiming", "shell"}, default "torch"
        Initialisation of the default MLP (see :func:`mlp`).
    kind : {"init", "lr", "momentum", "weight_decay", "batch_order"}, default "init"
    eps : float or sequence of float, default 1.0
        Perturbation size(s); `n_copies` copies per value.  For ``"batch_order"`` an
        integer number of transpositions.
    n_copies : int, default 10
        Perturbed copies per eps (the baseline is extra: copy 0).
    sampler : {"sphere", "gaussian"}, default "sphere"
        For ``kind="init"``: :func:`~dynsys.perturb.perturb_on_sphere` (keeps |w|) or
        :func:`~dynsys.perturb.perturb_gaussian` (norm-eps isotropic kick).
    optimizer, lr, momentum, weight_decay, nesterov, betas
        As in ``torch.optim`` (see :func:`train_ensemble`).
    n_epochs, batch_size : int
    checkpoints : sequence of int or int, optional
        Steps to record (default: 12 log-spaced steps in the first epoch and 41 evenly
        spaced over the run); an int k records k + 1 evenly spaced steps (1: start and end).
    align : bool, optional
        Compute the permutation-aligned distance and interpolation losses (default: when
        the model is a Sequential ReLU MLP).
    n_interp : int, default 11
        Points on each interpolation segment (2..1001).
    keep_weights : bool, default False
        Keep the flat weights at every checkpoint (for :func:`~dynsys.autocorr.two_time_correlation`).
    seed : int, numpy or torch Generator, or None
        Drives the model init (default model), the schedule and the perturbations.
    progress : bool, default True

    Returns
    -------
    PathDepResult

    Raises
    ------
    ValueError
        Bad options (eps < 0, eps > 2|w0| for the sphere sampler, empty or mismatched data,
        a perturbed hyperparameter outside its range, ...), or sizes whose memory estimate
        (recorded weights, training buffers, evaluation and interpolation) exceeds
        :func:`pdcheck.memory_limit`; all before any training.
    TypeError
        Labels not integers, `model` not a module.
    DivergenceError
        If training diverges (the partial run is attached).

    Examples
    --------
    >>> X = torch.randn(40, 3, generator=torch.Generator().manual_seed(0))
    >>> y = (X[:, 0] > 0).long()
    >>> r = run_experiment(X, y, hidden=(5,), eps=0.1, n_copies=2, n_epochs=2, batch_size=10,
    ...                    progress=False)
    >>> r["d_w"].shape, float(r["d_w"][1, 0].round(6))
    ((3, 9), 0.1)
    """
    check_choice("kind", kind, KINDS)
    check_choice("sampler", sampler, ("sphere", "gaussian"))
    check_choice("init", init, ("torch", "kaiming", "shell"))
    n_copies = check_int("n_copies", n_copies, low=1)
    n_epochs = check_int("n_epochs", n_epochs, low=1)
    n_interp = check_int("n_interp", n_interp, low=2, high=MAX_INTERP)
    if isinstance(hidden, (str, bytes)) or not hasattr(hidden, "__iter__"):
        raise TypeError(f"`hidden` must be a sequence of ints, got {hidden!r}")
    hidden = [check_int(f"hidden[{i}]", h, low=1) for i, h in enumerate(hidden)]
    eps_list = [float(e) for e in np.atleast_1d(check_array("eps", eps, ndim=(0, 1), finite=False))]
    if not eps_list:
        raise ValueError("`eps` must contain at least one value, got an empty sequence")
    for e in eps_list:
        check_real("eps", e, low=0.0)
    if kind == "momentum" and optimizer not in ("momentum", "nesterov"):
        raise ValueError(f"`kind` 'momentum' needs optimizer 'momentum' or 'nesterov', got {optimizer!r}")
    if kind == "batch_order" and any(e != int(e) for e in eps_list):
        raise ValueError(f"`eps` must be whole numbers of swaps for kind 'batch_order', got {eps_list}")
    check_positive("lr", lr)
    check_real("momentum", momentum, low=0.0)
    check_real("weight_decay", weight_decay, low=0.0)
    check_bool("nesterov", nesterov)
    check_bool("keep_weights", keep_weights)
    check_bool("progress", progress)
    if align is not None:
        check_bool("align", align)
    rng = as_generator(seed)

    if X is None:
        if y is not None:
            raise ValueError("`y` was given without `X`")
        from dynsys.data import load_digits_tensors

        d = load_digits_tensors(seed=int(rng.integers(2 ** 31)))
        X, y, X_test, y_test = d.X_train, d.y_train, d.X_test, d.y_test
    X, y = _check_xy("X", "y", X, y)
    if X_test is None and y_test is None:
        X_test, y_test = X, y
    X_test, y_test = _check_xy("X_test", "y_test", X_test, y_test)
    if X_test.shape[1] != X.shape[1]:
        raise ValueError(f"`X_test` must have {X.shape[1]} features like `X`, got {X_test.shape[1]}")
    n_classes = int(max(int(y.max()), int(y_test.max())) + 1)
    batch_size = check_int("batch_size", batch_size, low=1, high=X.shape[0])
    if model is not None and not isinstance(model, torch.nn.Module):
        raise TypeError(f"`model` must be a torch.nn.Module, got {type(model).__name__}")
    steps_per_epoch = X.shape[0] // batch_size
    n_steps = n_epochs * steps_per_epoch
    check_memory(f"run_experiment's batch schedule of {n_epochs} epochs", 16.0 * n_steps * batch_size)
    checkpoints = _resolve_checkpoints(checkpoints, n_steps, steps_per_epoch)
    n_total = 1 + len(eps_list) * n_copies
    if model is None:
        widths = [*hidden, n_classes]
        sizes = (X.shape[1], *widths)
        n_params = sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:]))
        itemsize = X.dtype.itemsize
    else:
        widths = [m.out_features for m in model.modules() if isinstance(m, torch.nn.Linear)] or [n_classes]
        n_params = sum(p.numel() for p in model.parameters())
        itemsize = next(model.parameters()).dtype.itemsize
    check_memory(f"run_experiment with {n_total} copies of {n_params} parameters, {len(checkpoints)} checkpoints",
                 _experiment_bytes(n_total, n_params, widths, max(X.shape[0], X_test.shape[0]), batch_size,
                                   len(checkpoints), n_interp, itemsize, align is not False)
                 + 8.0 * n_steps * batch_size * (n_total if kind == "batch_order" else 1))
    if model is None:
        model = mlp(sizes, init=init, seed=int(rng.integers(2 ** 31)), dtype=X.dtype)
    dtype = next(model.parameters()).dtype
    X, X_test = X.to(dtype), X_test.to(dtype)
    mlp_layers = _linear_layers(model)
    if align is None:
        align = mlp_layers is not None
    elif align and mlp_layers is None:
        raise TypeError("`align=True` needs a Sequential ReLU MLP (weight matching is defined for MLPs)")

    schedule = batch_schedule(X.shape[0], batch_size, n_epochs, seed=rng)

    w0 = torch.cat([p.detach().reshape(-1) for p in model.parameters()]).to(torch.float64).numpy()
    copy_eps = np.array([0.0] + [e for e in eps_list for _ in range(n_copies)])
    n_total = copy_eps.size
    flat0 = np.repeat(w0[None, :], n_total, axis=0)
    hyper = {"lr": np.full(n_total, check_positive("lr", lr)),
             "momentum": np.full(n_total, float(momentum)),
             "weight_decay": np.full(n_total, float(weight_decay))}
    sched: np.ndarray = schedule
    if kind == "init":
        sample = perturb_on_sphere if sampler == "sphere" else perturb_gaussian
        for i in range(1, n_total):
            flat0[i] = sample(w0, copy_eps[i], seed=rng)
    elif kind in ("lr", "momentum", "weight_decay"):
        limits = {"lr": (0.0, True, math.inf), "momentum": (0.0, False, 1.0),
                  "weight_decay": (0.0, False, math.inf)}
        low, low_open, high = limits[kind]
        h = hyper[kind][0]
        for i in range(1, n_total):
            sign = 1.0 if rng.random() < 0.5 else -1.0
            down = h - copy_eps[i]
            if down < low or (low_open and down == low):
                sign = 1.0
            val = h + sign * copy_eps[i]
            if val >= high:
                raise ValueError(f"`eps` = {copy_eps[i]} moves `{kind}` = {h} outside its range "
                                 f"(got {val}, must be < {high})")
            hyper[kind][i] = val
    else:
        sched = np.stack([schedule] + [_swap_schedule(schedule, steps_per_epoch, int(copy_eps[i]), rng)
                                       for i in range(1, n_total)])
    params0 = _unflatten(model, flat0, dtype)
    run = train_ensemble(model, params0, X, y, sched, optimizer=optimizer, lr=hyper["lr"],
                         momentum=hyper["momentum"], weight_decay=hyper["weight_decay"],
                         nesterov=nesterov, betas=betas, checkpoints=checkpoints,
                         progress=progress)
    data = _metrics(model, run, X, y, X_test, y_test, dtype, align=bool(align), n_interp=n_interp,
                    progress=progress)
    config = dict(kind=kind, eps=eps_list, init=init, n_copies=n_copies, sampler=sampler, optimizer=optimizer,
                  lr=lr, momentum=momentum, weight_decay=weight_decay, nesterov=nesterov,
                  betas=betas, n_epochs=n_epochs, batch_size=batch_size, n_params=w0.size,
                  w0_norm=float(np.linalg.norm(w0)))
    return PathDepResult(data, run.steps, copy_eps, kind, steps_per_epoch, config,
                         run.weights if keep_weights else None)


def _as_tensor(name: str, value: Any) -> torch.Tensor:
    if isinstance(value, torch.Tensor):
        return value
    if value is None or isinstance(value, (str, bytes, bool, dict, set)):
        raise TypeError(f"`{name}` must be a tensor or array of numbers, got {type(value).__name__}")
    try:
        return torch.as_tensor(np.asarray(value))
    except (TypeError, ValueError, RuntimeError, OverflowError) as exc:
        raise TypeError(f"`{name}` must be a tensor or array of numbers, got {type(value).__name__}: {exc}") from None


def _experiment_bytes(n_total: int, n_params: int, widths: Sequence[int], n_data: int, batch: int,
                      n_ckpt: int, n_interp: int, itemsize: int, align: bool) -> float:
    """Bytes :func:`run_experiment` holds at once (an overestimate): recorded weights, training, metrics."""
    width = sum(widths)
    weights = 8.0 * n_total * n_params * (n_ckpt + 2)                 # initial copies + checkpoints
    train = itemsize * n_total * (4.0 * n_params + 3.0 * batch * width)   # params, grads, 2 buffers
    evals = itemsize * n_total * n_data * width * 3.0
    interp = (8.0 * n_total * n_interp * n_params + itemsize * n_total * n_interp * n_data * width * 2.0
              if align else 0.0)
    return weights + max(train, evals + interp)


def _check_xy(xname: str, yname: str, X: Any, y: Any) -> tuple[torch.Tensor, torch.Tensor]:
    if X is None or y is None:
        raise ValueError(f"`{xname}` and `{yname}` must both be given")
    X, y = _as_tensor(xname, X), _as_tensor(yname, y)
    if X.is_complex() or y.is_complex():
        raise TypeError(f"`{xname}` and `{yname}` must be real, got dtypes {X.dtype} and {y.dtype}")
    if not X.is_floating_point():
        X = X.to(torch.float32)
    if X.ndim != 2 or X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(f"`{xname}` must be a non-empty 2-D tensor (n_samples, n_features), "
                         f"got shape {tuple(X.shape)}")
    if y.ndim != 1 or y.shape[0] != X.shape[0]:
        raise ValueError(f"`{yname}` must have shape ({X.shape[0]},) to match `{xname}`, "
                         f"got {tuple(y.shape)}")
    if y.is_floating_point() or y.dtype == torch.bool:
        raise TypeError(f"`{yname}` must hold integer class labels, got dtype {y.dtype}")
    if int(y.min()) < 0:
        raise ValueError(f"`{yname}` must hold non-negative class labels, got min {int(y.min())}")
    if not torch.all(torch.isfinite(X)):
        raise ValueError(f"`{xname}` must be finite (no NaN or inf)")
    return X, y.long()


def _metrics(model: torch.nn.Module, run: EnsembleRun, X: torch.Tensor, y: torch.Tensor,
             X_test: torch.Tensor, y_test: torch.Tensor, dtype: torch.dtype, *, align: bool,
             n_interp: int, progress: bool = False) -> dict:
    from tqdm.auto import tqdm

    W = run.weights  # (n, S, P)
    n, S, _ = W.shape
    out: dict[str, np.ndarray] = {}
    out["d_w"] = np.linalg.norm(W - W[:1], axis=2)
    out["w_norm"] = np.linalg.norm(W, axis=2)
    out["d_w_rel"] = out["d_w"] / out["w_norm"][:1]
    keys = ["train_loss", "test_loss", "train_acc", "test_acc", "cf_train_loss", "cf_test_loss",
            "cf_train_acc", "cf_test_acc"]
    if align:
        keys += ["d_w_perm", "interp_loss_mean", "interp_loss_integral", "interp_barrier"]
    for k in keys:
        out[k] = np.zeros((n, S))
    for s in tqdm(range(S), disable=not progress, desc="metrics", leave=False):
        params = _unflatten(model, W[:, s], dtype)
        for split, Xs, ys in (("train", X, y), ("test", X_test, y_test)):
            logits = _eval(model, params, Xs)
            logp = torch.log_softmax(logits, dim=-1)
            pred = logits.argmax(-1)
            out[f"{split}_loss"][:, s] = _ce(logits, ys, logp=logp)
            out[f"{split}_acc"][:, s] = (pred == ys).double().mean(dim=1).numpy()
            out[f"cf_{split}_loss"][:, s] = _ce(logits, pred[0], logp=logp)
            out[f"cf_{split}_acc"][:, s] = (pred == pred[:1]).double().mean(dim=1).numpy()
        if align:
            aligned = np.stack([align_mlp(model, W[0, s], W[i, s])[0] for i in range(n)])
            out["d_w_perm"][:, s] = np.linalg.norm(aligned - W[0, s][None, :], axis=1)
            alphas, L = interpolation_losses(model, np.repeat(W[:1, s], n, axis=0), aligned, X, y,
                                             n_points=n_interp)
            out["interp_loss_mean"][:, s] = np.trapezoid(L, alphas, axis=1)
            out["interp_loss_integral"][:, s] = out["interp_loss_mean"][:, s] * out["d_w_perm"][:, s]
            chord = (1 - alphas)[None, :] * L[:, :1] + alphas[None, :] * L[:, -1:]
            out["interp_barrier"][:, s] = np.max(L - chord, axis=1)
    for k in ("train_loss", "test_loss", "train_acc", "test_acc"):
        out[f"d_{k}"] = out[k] - out[k][:1]
    return out

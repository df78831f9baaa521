"""The learning coefficient along training: one estimate per checkpoint, as one result with a figure.

Developmental interpretability reads λ̂ over the checkpoints of a training run (Lau et
al. 2025; Hoogland et al. 2024): drops and plateaus mark stage transitions.  This module
runs :func:`slt.estimate_rlct_model` at every checkpoint with a seed derived from the base
seed and the checkpoint's position (so a rerun, or a run over a subset, reproduces each
point), and collects the estimates, their standard errors and their health checks.

References
----------
.. [1] J. Hoogland, G. Wang, M. Farrugia-Roberts, L. Carroll, S. Wei, D. Murfet, "The
   developmental landscape of in-context learning", arXiv:2402.02364 (2024).
.. [2] E. Lau, Z. Furman, G. Wang, D. Murfet, S. Wei, "The local learning coefficient:
   a singularity-aware complexity measure", AISTATS 2025 (arXiv:2308.12108).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import torch

from pdcheck import as_generator

__all__ = ["RLCTTrajectory", "estimate_rlct_checkpoints"]


@dataclass(frozen=True)
class RLCTTrajectory:
    """Estimates of λ at a sequence of checkpoints.

    Attributes
    ----------
    steps : ndarray
        The training step of each checkpoint.
    values, stderrs : ndarray
        λ̂ and its standard error per checkpoint.
    converged : ndarray of bool
        Whether each estimate passed its health checks.
    estimates : tuple of RLCTEstimate
        The full results (diagnostics, traces).
    """

    steps: np.ndarray
    values: np.ndarray
    stderrs: np.ndarray
    converged: np.ndarray
    estimates: tuple

    def plot(self, ax: Any = None):
        """λ̂ with error bars (± 2 standard errors) against the training step; failed checks in red."""
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig = None
        if ax is None:
            fig, ax = plt.subplots(figsize=(6, 4))
        ok = self.converged
        ax.errorbar(self.steps[ok], self.values[ok], yerr=2 * self.stderrs[ok], fmt="o-", ms=4, capsize=2,
                    label="λ̂ ± 2 s.e.")
        if (~ok).any():
            ax.errorbar(self.steps[~ok], self.values[~ok], yerr=2 * self.stderrs[~ok], fmt="x", color="r",
                        capsize=2, label="health checks failed")
        ax.set_xlabel("training step")
        ax.set_ylabel("λ̂")
        ax.set_title("Learning coefficient along training")
        ax.legend()
        if fig is not None:
            fig.tight_layout()
        return fig if fig is not None else ax.figure


def _flat(model: torch.nn.Module, ckpt: Any, i: int) -> torch.Tensor:
    names = [k for k, _ in model.named_parameters()]
    if isinstance(ckpt, Mapping):
        missing = [k for k in names if k not in ckpt]
        if missing:
            raise ValueError(f"`checkpoints`[{i}] lacks parameter(s) {missing[:3]} of the model")
        parts = []
        for (k, p) in model.named_parameters():
            v = torch.as_tensor(ckpt[k])
            if v.shape != p.shape:
                raise ValueError(f"`checkpoints`[{i}]['{k}'] has shape {tuple(v.shape)}, the model's parameter "
                                 f"has {tuple(p.shape)}")
            parts.append(v.reshape(-1))
        return torch.cat(parts)
    if isinstance(ckpt, torch.nn.Module):
        return _flat(model, dict(ckpt.named_parameters()), i)
    try:
        v = torch.as_tensor(ckpt)
    except (TypeError, ValueError, RuntimeError):
        raise TypeError(f"`checkpoints`[{i}] must be a state dict, a module or a flat parameter vector, "
                        f"got {type(ckpt).__name__}") from None
    d = sum(p.numel() for p in model.parameters())
    if v.numel() != d:
        raise ValueError(f"`checkpoints`[{i}] must have {d} entries (the model's parameters), got {v.numel()}")
    return v.reshape(-1)


def estimate_rlct_checkpoints(model: torch.nn.Module, checkpoints: Sequence[Any], data: Any, loss_fn: Callable,
                              *, n: int, steps: Sequence[float] | None = None, method: str = "ladder",
                              seed: Any = None, progress: bool = True, **options: Any) -> RLCTTrajectory:
    """Estimate λ at every checkpoint of a training run.

    Parameters
    ----------
    model : torch.nn.Module
        The architecture (its current parameters are not used).
    checkpoints : sequence
        State dicts (``model.state_dict()`` copies), modules of the same architecture, or
        flat parameter vectors in ``named_parameters`` order.
    data, loss_fn, n, method
        As for :func:`slt.estimate_rlct_model`.
    steps : sequence of float, optional
        The training step of each checkpoint (default 0, 1, ...).
    seed : int, numpy or torch Generator, optional
        Base seed; checkpoint ``i`` uses the ``i``-th integer drawn from it.
    progress : bool, default True
        A progress bar over checkpoints.
    **options
        Passed to :func:`slt.estimate_rlct_model` (``quiet`` is set: one summary warning is
        issued instead of one per checkpoint).

    Returns
    -------
    RLCTTrajectory

    Raises
    ------
    ValueError, TypeError
        Bad checkpoints (wrong names, shapes or sizes), steps of the wrong length, and
        anything :func:`slt.estimate_rlct_model` refuses, before any sampling.

    Warns
    -----
    slt.ladder.RLCTConvergenceWarning
        When some checkpoints failed their health checks (listed).

    Examples
    --------
    >>> import torch
    >>> from slt.models import deep_linear_network
    >>> net = deep_linear_network([3, 2, 3], 1, n=300, seed=0)
    >>> sd = net.model.state_dict()             # w*, and the same function with the layers rescaled
    >>> ckpts = [sd, {"0.weight": 2 * sd["0.weight"], "1.weight": sd["1.weight"] / 2}]
    >>> traj = estimate_rlct_checkpoints(net.model, ckpts, net.data, net.loss_fn, n=300, seed=0,
    ...                                  progress=False, n_sweeps=200)
    >>> traj.values.shape, bool(all(abs(traj.values / 3.5 - 1) < 0.15))      # λ = 7/2 at both
    ((2,), True)
    """
    from tqdm.auto import tqdm

    from slt.estimate import estimate_rlct_model
    from slt.ladder import RLCTConvergenceWarning

    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"`model` must be a torch.nn.Module, got {type(model).__name__}")
    if isinstance(checkpoints, (str, bytes)) or not isinstance(checkpoints, Sequence):
        raise TypeError(f"`checkpoints` must be a sequence, got {type(checkpoints).__name__}")
    if len(checkpoints) == 0:
        raise ValueError("`checkpoints` must hold at least one checkpoint")
    flats = [_flat(model, c, i) for i, c in enumerate(checkpoints)]
    if steps is None:
        steps_arr = np.arange(len(flats), dtype=float)
    else:
        steps_arr = np.asarray(list(steps), dtype=float)
        if steps_arr.shape != (len(flats),) or not np.all(np.isfinite(steps_arr)):
            raise ValueError(f"`steps` must hold {len(flats)} finite numbers (one per checkpoint), got "
                             f"{np.asarray(steps).tolist()!r}")
    seeds = as_generator(seed).integers(0, 2**62, size=len(flats))
    options = dict(options)
    if method == "ladder":
        options["quiet"] = True
    ests = []
    for i, w in enumerate(tqdm(flats, disable=not progress, desc="checkpoints")):
        ests.append(estimate_rlct_model(model, data, loss_fn, w, n=n, method=method, seed=int(seeds[i]),
                                        progress=False, **options))
    values = np.array([e.value for e in ests])
    stderrs = np.array([e.stderr for e in ests])
    conv = np.array([bool(e.diagnostics.converged) for e in ests])
    if not conv.all():
        bad = ", ".join(f"step {steps_arr[i]:g}" for i in np.flatnonzero(~conv)[:10])
        warnings.warn(f"{int((~conv).sum())} of {len(ests)} checkpoint estimates failed their health checks "
                      f"({bad}); see .estimates[i].diagnostics.warnings", RLCTConvergenceWarning, stacklevel=2)
    return RLCTTrajectory(steps_arr, values, stderrs, conv, tuple(ests))

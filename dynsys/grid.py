"""Several perturbation experiments as one batched ensemble: a grid of hyperparameters.

Note 000's predictions compare divergence curves across learning rates, momenta, weight
decays and kinds of perturbation, each against "other models equivalent up to" that
hyperparameter.  :func:`run_groups` trains all of them at once: every *group* (one
setting of learning rate, momentum and weight decay, and one kind of perturbation) gets
its own baseline copy, and all groups share the initial weights ``w0`` and the batch
schedule drawn from the seed, so two groups differ only in what the group says.  The
copies of all groups are stacked into one ensemble (:func:`dynsys.ensemble.train_ensemble`
with per-copy hyperparameters and, for batch-order perturbations, per-copy schedules):
one batched forward and backward pass per step for the whole grid.

Each group's result is a :class:`dynsys.experiments.PathDepResult` with the same metrics
as :func:`dynsys.experiments.run_experiment` (``metrics="all"``) or only the weight-space
ones, ``d_w``, ``w_norm`` and ``d_w_rel`` (``metrics="weights"``, much cheaper).

The heavy-ball rule with momentum 0 is plain SGD (PyTorch's buffer ``mu b + g`` is then
the gradient itself), so a grid over momenta that includes 0 runs every group with the
``"momentum"`` optimizer.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np
import torch

from pdcheck import as_generator, check_choice, check_int, check_real
from dynsys.ensemble import EnsembleRun, train_ensemble
from dynsys.experiments import (PathDepResult, _check_xy, _resolve_checkpoints, _metrics, _swap_schedule,
                                _unflatten, batch_schedule, mlp)
from dynsys.perturb import perturb_gaussian, perturb_on_sphere

__all__ = ["run_groups", "growth_rate", "GROUP_KEYS"]

#: Keys a group may set, and their defaults.
GROUP_KEYS: dict[str, Any] = {"lr": 0.01, "momentum": 0.0, "weight_decay": 0.0, "kind": "init",
                              "eps": (1.0,), "n_copies": 4, "metrics": "weights", "sampler": "sphere",
                              "keep_weights": False}


def _check_group(i: int, group: Mapping[str, Any]) -> dict:
    if not isinstance(group, Mapping):
        raise TypeError(f"`groups[{i}]` must be a mapping of {sorted(GROUP_KEYS)}, got {type(group).__name__}")
    unknown = sorted(set(group) - set(GROUP_KEYS))
    if unknown:
        raise ValueError(f"`groups[{i}]` has unknown key(s) {unknown}; allowed: {sorted(GROUP_KEYS)}")
    g = {**GROUP_KEYS, **group}
    g["lr"] = check_real(f"groups[{i}]['lr']", g["lr"], low=0.0, low_open=True)
    g["momentum"] = check_real(f"groups[{i}]['momentum']", g["momentum"], low=0.0, high=1.0, high_open=True)
    g["weight_decay"] = check_real(f"groups[{i}]['weight_decay']", g["weight_decay"], low=0.0)
    check_choice(f"groups[{i}]['kind']", g["kind"], ("init", "batch_order", "schedule"))
    check_choice(f"groups[{i}]['metrics']", g["metrics"], ("weights", "all"))
    check_choice(f"groups[{i}]['sampler']", g["sampler"], ("sphere", "gaussian"))
    g["n_copies"] = check_int(f"groups[{i}]['n_copies']", g["n_copies"], low=1)
    if not isinstance(g["keep_weights"], bool):
        raise TypeError(f"`groups[{i}]['keep_weights']` must be a bool, got {g['keep_weights']!r}")
    eps = [float(e) for e in np.atleast_1d(np.asarray(g["eps"], dtype=float))]
    if not eps:
        raise ValueError(f"`groups[{i}]['eps']` must hold at least one value")
    for e in eps:
        check_real(f"groups[{i}]['eps']", e, low=0.0)
        if g["kind"] == "batch_order" and e != int(e):
            raise ValueError(f"`groups[{i}]['eps']` must be whole numbers of swaps for kind "
                             f"'batch_order', got {e}")
    g["eps"] = tuple(eps)
    return g


def run_groups(groups: Sequence[Mapping[str, Any]], *, X: Any = None, y: Any = None,
               X_test: Any = None, y_test: Any = None, hidden: Sequence[int] = (100,),
               init: str = "torch", optimizer: str = "momentum",
               betas: tuple[float, float] = (0.9, 0.999), n_epochs: int = 5, batch_size: int = 64,
               checkpoints: Sequence[int] | int | None = None, dtype: torch.dtype = torch.float32,
               common_perturbations: bool = False, seed: Any = 0,
               progress: bool = False) -> list[PathDepResult]:
    """Train a grid of perturbation experiments as one ensemble; one result per group.

    Parameters
    ----------
    groups : sequence of mapping
        One mapping per group with keys (defaults in brackets): ``lr`` [0.01],
        ``momentum`` [0.0], ``weight_decay`` [0.0] (the group's hyperparameters),
        ``kind`` ["init"] (``"init"``: initial weights perturbed at distance eps;
        ``"batch_order"``: eps random transpositions within epochs of the schedule;
        ``"schedule"``: each copy trained on its own freshly drawn batch schedule, same
        initial weights; eps is ignored and should be 0),
        ``eps`` [(1.0,)] (perturbation sizes), ``n_copies`` [4] (perturbed copies per
        eps), ``metrics`` ["weights"] (``"all"`` adds losses, accuracies and the
        counterfactual metrics of :func:`~dynsys.experiments.run_experiment`) and
        ``sampler`` ["sphere"] (for ``"init"``: :func:`~dynsys.perturb.perturb_on_sphere`
        or :func:`~dynsys.perturb.perturb_gaussian`).
    X, y, X_test, y_test : Tensor, optional
        Data, as in :func:`~dynsys.experiments.run_experiment` (default: the digits).
    hidden : sequence of int, default (100,)
        Hidden widths of the ReLU MLP (the note's one-hidden-layer model on digits).
    init : {"torch", "kaiming", "shell"}, default "torch"
    optimizer : {"sgd", "momentum", "nesterov", "adam"}, default "momentum"
        One optimizer for the whole grid; with ``"sgd"`` or ``"adam"`` the groups'
        ``momentum`` must be 0.
    betas : (float, float)
        Adam's betas.
    n_epochs, batch_size : int
    checkpoints : sequence of int or int, optional
        As in :func:`~dynsys.experiments.run_experiment`.
    dtype : torch.dtype, default float32
        Of the model and the data (float64 for infinitesimal perturbations).
    common_perturbations : bool, default False
        Give the k-th perturbed copy at a given eps (and sampler) the same perturbed
        initial weights in every ``"init"`` group, so that groups differing only in a
        hyperparameter are compared copy by copy (a paired, common-random-numbers
        design); otherwise every copy gets its own draw.
    seed : int, numpy or torch Generator, or None
        Drives the data split, the initial weights, the schedule and the perturbations
        (the same seed gives the same ``w0`` and schedule whatever the groups).
    progress : bool, default False

    Returns
    -------
    list of PathDepResult
        In the order of `groups`; copy 0 of each is that group's baseline, its ``config``
        records the group, and its ``kind`` is the group's kind.  Besides ``d_w``,
        ``w_norm`` and ``d_w_rel``, the weight metrics include ``d_w_layer<i>``: the
        distance restricted to the i-th Linear layer (weights and bias), i = 0, 1, ...

    Raises
    ------
    ValueError
        If `groups` is empty, a group has an unknown key or a value out of range, a
        momentum is set for ``"sgd"``/``"adam"``, or an option is out of range.
    TypeError
        If a group is not a mapping or the data have the wrong types.
    DivergenceError
        If training diverges (from :func:`~dynsys.ensemble.train_ensemble`).

    Notes
    -----
    All groups see the same ``w0`` and the same base schedule; with
    ``common_perturbations=True`` also the same perturbed copies, so that differences
    between groups come from the groups' settings alone, which makes paired comparisons
    across groups sharp (common random numbers).  Otherwise the perturbations are drawn
    from one stream per seed in group order (a group's copies then depend on the groups
    before it).

    Examples
    --------
    >>> X = torch.randn(40, 3, generator=torch.Generator().manual_seed(0))
    >>> y = (X[:, 0] > 0).long()
    >>> res = run_groups([{"lr": 0.1, "eps": 0.1, "n_copies": 2}, {"lr": 0.1, "momentum": 0.9,
    ...                   "eps": 0.1, "n_copies": 2}], X=X, y=y, hidden=(5,), n_epochs=2, batch_size=10)
    >>> [r["d_w"].shape for r in res], [float(r["d_w"][1, 0].round(6)) for r in res]
    ([(3, 9), (3, 9)], [0.1, 0.1])
    """
    if isinstance(groups, Mapping) or not isinstance(groups, Sequence) or not groups:
        raise ValueError("`groups` must be a non-empty sequence of mappings, got "
                         f"{type(groups).__name__} {groups!r}"[:200])
    gs = [_check_group(i, g) for i, g in enumerate(groups)]
    check_choice("optimizer", optimizer, ("sgd", "momentum", "nesterov", "adam"))
    check_choice("init", init, ("torch", "kaiming", "shell"))
    if optimizer in ("sgd", "adam") and any(g["momentum"] for g in gs):
        raise ValueError(f"groups set a momentum but `optimizer` is {optimizer!r}; use 'momentum'")
    n_epochs = check_int("n_epochs", n_epochs, low=1)
    if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
        raise TypeError(f"`dtype` must be a floating torch dtype, got {dtype!r}")
    rng = as_generator(seed)
    if X is None:
        if y is not None:
            raise ValueError("`y` was given without `X`")
        from dynsys.data import load_digits_tensors

        d = load_digits_tensors(seed=int(rng.integers(2 ** 31)), dtype=dtype)
        X, y, X_test, y_test = d.X_train, d.y_train, d.X_test, d.y_test
    X, y = _check_xy("X", "y", X, y)
    if X_test is None and y_test is None:
        X_test, y_test = X, y
    X_test, y_test = _check_xy("X_test", "y_test", X_test, y_test)
    X, X_test = X.to(dtype), X_test.to(dtype)
    n_classes = int(max(int(y.max()), int(y_test.max())) + 1)
    batch_size = check_int("batch_size", batch_size, low=1, high=X.shape[0])
    model = mlp((X.shape[1], *[int(h) for h in hidden], n_classes), init=init,
                seed=int(rng.integers(2 ** 31)), dtype=dtype)
    steps_per_epoch = X.shape[0] // batch_size
    schedule = batch_schedule(X.shape[0], batch_size, n_epochs, seed=rng)
    n_steps = schedule.shape[0]
    checkpoints = _resolve_checkpoints(checkpoints, n_steps, steps_per_epoch)
    w0 = torch.cat([p.detach().reshape(-1) for p in model.parameters()]).to(torch.float64).numpy()
    r0 = float(np.linalg.norm(w0))

    flats, scheds, hyper, spans, copy_eps = [], [], {"lr": [], "momentum": [], "weight_decay": []}, [], []
    drawn: dict[tuple, np.ndarray] = {}
    for g in gs:
        start = len(flats)
        eps_list = [0.0] + [e for e in g["eps"] for _ in range(g["n_copies"])]
        rank: dict[float, int] = {}
        for j, e in enumerate(eps_list):
            if j == 0 or g["kind"] != "init":
                flats.append(w0)
            else:
                if g["sampler"] == "sphere" and e > 2 * r0:
                    raise ValueError(f"eps = {e} exceeds 2 |w0| = {2 * r0:.4g}: no point of the sphere "
                                     f"|w| = |w0| is that far from w0")
                sample = perturb_on_sphere if g["sampler"] == "sphere" else perturb_gaussian
                rank[e] = rank.get(e, -1) + 1
                key = (e, g["sampler"], rank[e])
                if not common_perturbations or key not in drawn:
                    drawn[key] = sample(w0, e, seed=rng)
                flats.append(drawn[key])
            if j == 0 or g["kind"] == "init":
                scheds.append(schedule)
            elif g["kind"] == "schedule":
                scheds.append(batch_schedule(X.shape[0], batch_size, n_epochs, seed=rng))
            else:
                scheds.append(_swap_schedule(schedule, steps_per_epoch, int(e), rng))
            for key in hyper:
                hyper[key].append(g[key])
        spans.append((start, len(flats)))
        copy_eps.append(np.array(eps_list))
    per_copy = any(g["kind"] != "init" for g in gs)
    params0 = _unflatten(model, np.stack(flats), dtype)
    run = train_ensemble(model, params0, X, y, np.stack(scheds) if per_copy else schedule,
                         optimizer=optimizer, lr=hyper["lr"], momentum=hyper["momentum"],
                         weight_decay=hyper["weight_decay"], betas=betas, checkpoints=checkpoints,
                         progress=progress)
    layer_spans, pos = [], 0
    for m in model:
        if isinstance(m, torch.nn.Linear):
            size = m.weight.numel() + m.bias.numel()
            layer_spans.append((pos, pos + size))
            pos += size
    out = []
    for g, (a, b), eps_arr in zip(gs, spans, copy_eps):
        sub = EnsembleRun(run.steps, run.weights[a:b], {k: v[a:b] for k, v in run.params.items()})
        W = sub.weights
        if g["metrics"] == "all":
            data = _metrics(model, sub, X, y, X_test, y_test, dtype, align=False, n_interp=2)
        else:
            data = {"d_w": np.linalg.norm(W - W[:1], axis=2), "w_norm": np.linalg.norm(W, axis=2)}
            data["d_w_rel"] = data["d_w"] / data["w_norm"][:1]
        for i, (lo, hi) in enumerate(layer_spans):
            data[f"d_w_layer{i}"] = np.linalg.norm(W[:, :, lo:hi] - W[:1, :, lo:hi], axis=2)
        config = dict(g, optimizer=optimizer, hidden=tuple(int(h) for h in hidden), init=init,
                      n_epochs=n_epochs, batch_size=batch_size, n_params=w0.size, w0_norm=r0,
                      eps=list(g["eps"]))
        out.append(PathDepResult(data, run.steps, eps_arr, g["kind"], steps_per_epoch, config,
                                 W.copy() if g["keep_weights"] else None))
    return out


def growth_rate(result: PathDepResult, *, start: int = 0, end: int | None = None,
                metric: str = "d_w", fit: bool = False) -> np.ndarray:
    """Per-copy mean log-growth rate of `metric` per step from checkpoint `start` to `end`.

    ``(ln m(T) - ln m(t_start)) / (T - t_start)`` for every perturbed copy (T = `end`,
    default the last checkpoint), or with ``fit=True`` the least-squares slope of
    ``ln m(t)`` against t over all checkpoints in ``[start, end]`` (less sensitive to
    one checkpoint where the separation happens to be small): for an
    infinitesimal initial perturbation (eps -> 0, float64) this is the finite-time top
    Lyapunov exponent along the trajectory ("|dZ(t)| ~ e^(lambda t) |dZ_0|", note 000).

    Parameters
    ----------
    result : PathDepResult
    start : int, default 0
        Step (a checkpoint of `result`) where the growth is measured from.
    end : int, optional
        Step (a later checkpoint) where it is measured to; default the last one.
    metric : str, default "d_w"
    fit : bool, default False
        Least-squares slope over the checkpoints in the window instead of the end points.

    Returns
    -------
    ndarray, shape (n_copies - 1,)

    Raises
    ------
    ValueError
        If `start` or `end` is not a checkpoint, or `end` is not after `start`.

    Examples
    --------
    >>> X = torch.randn(40, 3, generator=torch.Generator().manual_seed(0))
    >>> y = (X[:, 0] > 0).long()
    >>> r = run_groups([{"lr": 0.1, "eps": 1e-6, "n_copies": 2}], X=X, y=y, hidden=(5,), n_epochs=2,
    ...                batch_size=10, dtype=torch.float64)[0]
    >>> growth_rate(r).shape
    (2,)
    """
    steps = np.asarray(result.steps)
    end = int(steps[-1]) if end is None else int(end)
    idx = []
    for name, t in (("start", int(start)), ("end", end)):
        hits = np.flatnonzero(steps == t)
        if hits.size == 0:
            raise ValueError(f"`{name}` must be a checkpoint of the result, got {t}; "
                             f"checkpoints: {steps.tolist()[:12]}...")
        idx.append(int(hits[0]))
    i, j = idx
    if j <= i:
        raise ValueError(f"`end` must come after `start`, got start={start}, end={end}")
    m = result[metric][1:]
    with np.errstate(divide="ignore"):
        if not fit:
            return (np.log(m[:, j]) - np.log(m[:, i])) / float(steps[j] - steps[i])
        t = steps[i:j + 1].astype(float)
        return np.polyfit(t, np.log(m[:, i:j + 1]).T, 1)[0]


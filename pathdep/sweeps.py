"""Parameter sweeps of the libraries' computations, locally or on Dask, resumable, as xarray.

Note 000's questions are sweeps: the Lyapunov spectrum or the d_w curve as a function of
learning rate, momentum, weight decay, width, depth and optimizer, over several seeds;
slt users want lambda-hat over many checkpoints.  :func:`sweep` runs one function at
every point of a grid (the Cartesian product of the axes, times the seeds), in this
process or one task per point on Dask workers (:mod:`pathdep.parallel`), and returns an
:class:`xarray.Dataset` with one dimension per grid axis plus ``seed``.

Resumable: with ``store=PATH`` every finished point is written at once (atomically) to
``PATH.parts/``; after an interrupt or a lost worker, the same call computes only the
points that are missing and ends with the same Dataset, written to ``PATH`` (netCDF for
``.nc``, Zarr for ``.zarr``).  A store made with other settings is refused, not mixed.

The built-in experiments (:data:`EXPERIMENTS`) are the note-000 ones:

- ``lyapunov``: top-k Lyapunov spectrum of SGD / momentum / Nesterov / Adam on an MLP
  (:func:`dynsys.digits_mlp_map`), with finite-time exponents per window and the drift;
- ``dw``: the perturbed-ensemble weight distance d_w(t) (:func:`dynsys.run_experiment`);
- lambda-hat over checkpoints: :func:`rlct_over_checkpoints` (``slt.estimate_rlct_model``).

Examples
--------
>>> import numpy as np
>>> def square(x, seed):
...     return {"y": ((), x ** 2 + 0 * seed)}
>>> ds = sweep(square, {"x": [1.0, 2.0, 3.0]}, seeds=[0, 1], progress=False)
>>> ds["y"].dims, ds["y"].sel(seed=0).values.tolist()
(('x', 'seed'), [1.0, 4.0, 9.0])
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np

__all__ = ["sweep", "plot_sweep", "EXPERIMENTS", "lyapunov_point", "dw_point", "rlct_over_checkpoints"]


# --------------------------------------------------------------------------- experiments
def lyapunov_point(*, optimizer: str = "sgd", lr: float = 0.1, momentum: float = 0.9,
                   weight_decay: float = 0.0, width: int = 64, depth: int = 1, batch_size: int = 32,
                   steps: int = 200, k: int = 4, n_windows: int = 4, dataset: str | None = None,
                   float32: bool = False, seed: int = 0) -> dict:
    """Top-`k` Lyapunov exponents of one optimizer on an MLP (note 000's map Phi_{b,h}).

    The seed drives the initial weights, the batch schedule and the initial tangent frame.
    Returns ``exponents``, ``stderr``, ``drift`` (dim ``exponent``) and ``windows`` (dims
    ``window, exponent``; the window ends in steps are the coordinate ``window``).
    """
    import torch

    from dynsys import digits_mlp_map, lyapunov_spectrum

    _check_lyapunov(optimizer=optimizer, lr=lr, momentum=momentum, weight_decay=weight_decay, width=width,
                    depth=depth, batch_size=batch_size, steps=steps, k=k, n_windows=n_windows, dataset=dataset,
                    float32=float32, seed=seed)

    hyper: dict[str, Any] = {"weight_decay": float(weight_decay)}
    if optimizer in ("momentum", "nesterov"):
        hyper["momentum"] = float(momentum)
    mlp = digits_mlp_map(width=int(width), depth=int(depth), optimizer=optimizer, lr=float(lr),
                         batch_size=int(batch_size), seed=int(seed), dataset=dataset,
                         dtype=torch.float32 if float32 else torch.float64, **hyper)
    import warnings

    with warnings.catch_warnings():  # the drift is returned as data
        warnings.simplefilter("ignore", RuntimeWarning)
        r = lyapunov_spectrum(mlp.map, mlp.map.initial_state(), int(steps), k=int(k), seed=int(seed),
                              n_windows=int(n_windows), progress=False)
    return {"exponents": (("exponent",), r.exponents), "stderr": (("exponent",), r.stderr),
            "drift": (("exponent",), r.drift), "windows": (("window", "exponent"), r.windows),
            "window": (("window",), r.window_edges[1:]), "exponent": (("exponent",), np.arange(1, len(r.exponents) + 1))}


def dw_point(*, optimizer: str = "sgd", lr: float = 0.1, momentum: float = 0.0, weight_decay: float = 0.0,
             width: int = 100, depth: int = 1, eps: float = 0.1, copies: int = 4, epochs: int = 2,
             batch_size: int = 64, kind: str = "init", dataset: str | None = None, seed: int = 0) -> dict:
    """Note 000's perturbation experiment at one point: mean d_w(t) and d_w/|w|(t) over the copies."""
    from dynsys.experiments import run_experiment

    _check_dw(optimizer=optimizer, lr=lr, momentum=momentum, weight_decay=weight_decay, width=width, depth=depth,
              eps=eps, copies=copies, epochs=epochs, batch_size=batch_size, kind=kind, dataset=dataset, seed=seed)
    data = {}
    if dataset is not None:
        from dynsys.data import load_dataset

        d = load_dataset(dataset)
        data = dict(X=d.X_train, y=d.y_train, X_test=d.X_test, y_test=d.y_test)
    res = run_experiment(**data, hidden=(int(width),) * int(depth), kind=kind, eps=float(eps),
                         n_copies=int(copies), optimizer=optimizer, lr=float(lr), momentum=float(momentum),
                         weight_decay=float(weight_decay), n_epochs=int(epochs), batch_size=int(batch_size),
                         align=False, seed=int(seed), progress=False)
    dw = next(iter(res.mean_curve("d_w").values()))
    rel = next(iter(res.mean_curve("d_w_rel").values()))
    return {"d_w": (("step",), np.asarray(dw, dtype=float)), "d_w_rel": (("step",), np.asarray(rel, dtype=float)),
            "step": (("step",), np.asarray(res.steps))}


# --------------------------------------------------------------------------- checks before any work
#: Documented bound on one built-in point's work, in multiply-adds (about an hour of one core):
#: a request beyond it is refused up front instead of running for days.
MAX_POINT_WORK = 1e13
_DIGITS_IN, _DIGITS_OUT, _DIGITS_TRAIN = 64, 10, 1348   # the digits MLP: 64 pixels, 10 classes, 75 % train


def _mlp_params(width: int, depth: int) -> int:
    return (_DIGITS_IN * width + width + (depth - 1) * (width * width + width)
            + width * _DIGITS_OUT + _DIGITS_OUT)


def _check_common(optimizer: Any, lr: Any, momentum: Any, weight_decay: Any, width: Any, depth: Any,
                  batch_size: Any, dataset: Any, seed: Any) -> tuple[int, int, int]:
    from dynsys._optim_rules import OPTIMIZERS
    from pdcheck import check_choice, check_int, check_positive, check_real

    check_choice("optimizer", optimizer, OPTIMIZERS)
    check_positive("lr", lr)
    check_real("momentum", momentum, low=0.0, high=1.0, high_open=True)
    check_positive("weight_decay", weight_decay, allow_zero=True)
    width, depth = check_int("width", width, low=1), check_int("depth", depth, low=1)
    batch_size = check_int("batch_size", batch_size, low=1)
    check_int("seed", seed, low=0)
    if dataset is not None and not (isinstance(dataset, (str, os.PathLike)) and os.path.isfile(dataset)):
        raise ValueError(f"`dataset` must be None (the digits) or an existing .npz file, got {dataset!r}")
    return width, depth, batch_size


def _check_lyapunov(*, optimizer: Any = "sgd", lr: Any = 0.1, momentum: Any = 0.9, weight_decay: Any = 0.0,
                    width: Any = 64, depth: Any = 1, batch_size: Any = 32, steps: Any = 200, k: Any = 4,
                    n_windows: Any = 4, dataset: Any = None, float32: Any = False, seed: Any = 0) -> None:
    """Validate one :func:`lyapunov_point` without running it (types, ranges, memory, work)."""
    from pdcheck import check_bool, check_int, check_memory, check_work

    width, depth, batch_size = _check_common(optimizer, lr, momentum, weight_decay, width, depth, batch_size,
                                             dataset, seed)
    steps = check_int("steps", steps, low=1)
    k = check_int("k", k, low=1)
    check_int("n_windows", n_windows, low=1, high=steps)
    itemsize = 4 if check_bool("float32", float32) else 8
    p = _mlp_params(width, depth)
    if dataset is None and k > p:
        raise ValueError(f"`k` must be <= the {p} parameters of the network, got {k}")
    what = f"lyapunov_point(width={width}, depth={depth}, batch_size={batch_size}, k={k}, steps={steps})"
    check_memory(what, float(itemsize) * p * (3 * k + 12) + 8.0 * steps * k)
    check_work(what, 3.0 * steps * p * (batch_size + k), MAX_POINT_WORK, unit="multiply-adds",
               hint="fewer steps or a smaller network (pathdep.sweeps.MAX_POINT_WORK)")


def _check_dw(*, optimizer: Any = "sgd", lr: Any = 0.1, momentum: Any = 0.0, weight_decay: Any = 0.0,
              width: Any = 100, depth: Any = 1, eps: Any = 0.1, copies: Any = 4, epochs: Any = 2,
              batch_size: Any = 64, kind: Any = "init", dataset: Any = None, seed: Any = 0) -> None:
    """Validate one :func:`dw_point` without running it (types, ranges, memory, work)."""
    from dynsys.experiments import KINDS
    from pdcheck import check_choice, check_int, check_memory, check_positive, check_work

    width, depth, batch_size = _check_common(optimizer, lr, momentum, weight_decay, width, depth, batch_size,
                                             dataset, seed)
    check_positive("eps", eps)
    copies = check_int("copies", copies, low=1)
    epochs = check_int("epochs", epochs, low=1)
    check_choice("kind", kind, KINDS)
    p = _mlp_params(width, depth)
    what = f"dw_point(width={width}, depth={depth}, copies={copies}, epochs={epochs})"
    check_memory(what, 8.0 * (copies + 1) * p * 8)
    check_work(what, 3.0 * epochs * _DIGITS_TRAIN * (copies + 1) * p, MAX_POINT_WORK, unit="multiply-adds",
               hint="fewer epochs or copies, or a smaller network (pathdep.sweeps.MAX_POINT_WORK)")


lyapunov_point.check = _check_lyapunov   # type: ignore[attr-defined]
dw_point.check = _check_dw               # type: ignore[attr-defined]

#: Built-in experiments for ``pathdep sweep``: name -> point function ``f(**params, seed=...)``.
EXPERIMENTS: dict[str, Callable[..., dict]] = {"lyapunov": lyapunov_point, "dw": dw_point}


def rlct_over_checkpoints(models: Sequence[Any], data: Any, loss_fn: Callable, *, n: int,
                          method: str = "ladder", seeds: Sequence[int] = (0,), store: str | os.PathLike | None = None,
                          jobs: int = 1, scheduler: str | None = None, progress: bool = True,
                          **options: Any) -> Any:
    """Lambda-hat of each checkpoint (a list of torch models, e.g. saved along training).

    Each point calls ``slt.estimate_rlct_model(model, data, loss_fn, w_star, n=n,
    method=method, seed=seed, progress=False, **options)`` at the checkpoint's own
    parameters; the Dataset has dims ``checkpoint`` (0, 1, ...) and ``seed`` with variables
    ``value`` and ``stderr``.  ``plot_sweep(ds, "value")`` draws lambda-hat against the
    checkpoint with error bars.  In one process, :func:`slt.estimate_rlct_checkpoints` does
    the same and keeps every estimate's diagnostics.
    """
    models = list(models)
    if not models:
        raise ValueError("`models` must contain at least one checkpoint")
    spec = {"kind": "rlct_over_checkpoints", "n": int(n), "method": method, "options": sorted(map(str, options))}
    return sweep(_RLCTPoint(models, data, loss_fn, int(n), method, options), {"checkpoint": list(range(len(models)))},
                 seeds=seeds, store=store, jobs=jobs, scheduler=scheduler, progress=progress, spec=spec)


class _RLCTPoint:
    """Picklable point function of :func:`rlct_over_checkpoints`."""

    def __init__(self, models, data, loss_fn, n, method, options):
        self.models, self.data, self.loss_fn, self.n, self.method, self.options = models, data, loss_fn, n, method, options

    def __call__(self, checkpoint: int, seed: int) -> dict:
        import torch

        from slt import estimate_rlct_model

        model = self.models[int(checkpoint)]
        w_star = torch.cat([p.detach().reshape(-1) for p in model.parameters()])
        est = estimate_rlct_model(model, self.data, self.loss_fn, w_star, n=self.n, method=self.method,
                                  seed=int(seed), progress=False, **self.options)
        return {"value": ((), float(est.value)), "stderr": ((), float(est.stderr))}


# --------------------------------------------------------------------------- the engine
def _point_key(point: Mapping[str, Any], seed: int) -> str:
    text = json.dumps({"point": {k: _plain(v) for k, v in point.items()}, "seed": int(seed)}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def _plain(v: Any) -> Any:
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating,)):
        return float(v)
    if isinstance(v, (np.bool_,)):
        return bool(v)
    return v


def _check_grid(grid: Mapping[str, Sequence[Any]], seeds: Sequence[int]) -> tuple[dict, list[int]]:
    if not isinstance(grid, Mapping) or not grid:
        raise ValueError(f"`grid` must be a non-empty mapping axis -> values, got {grid!r}")
    out = {}
    for name, values in grid.items():
        if not isinstance(name, str) or not name.isidentifier() or name == "seed":
            raise ValueError(f"`grid` axis names must be identifiers other than 'seed', got {name!r}")
        vals = list(values) if not isinstance(values, (str, bytes)) else [values]
        if not vals:
            raise ValueError(f"`grid` axis {name!r} must have at least one value")
        if len({json.dumps(_plain(v)) for v in vals}) != len(vals):
            raise ValueError(f"`grid` axis {name!r} has repeated values: {vals}")
        out[name] = [_plain(v) for v in vals]
    if isinstance(seeds, (str, bytes)) or not hasattr(seeds, "__iter__") or not all(
            isinstance(s, (int, np.integer)) and not isinstance(s, bool) for s in seeds):
        raise TypeError(f"`seeds` must be a sequence of non-negative integers, got {seeds!r:.80}")
    seeds = [int(s) for s in seeds]
    if not seeds or len(set(seeds)) != len(seeds) or min(seeds) < 0:
        raise ValueError(f"`seeds` must be distinct non-negative integers, got {seeds}")
    return out, seeds


def _atomic_save(path: Path, arrays: dict[str, np.ndarray]) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, **arrays)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _pack(result: Any) -> dict[str, np.ndarray]:
    if not isinstance(result, Mapping) or not result:
        raise TypeError(f"a sweep's point function must return a non-empty dict name -> (dims, value), "
                        f"got {type(result).__name__}")
    arrays = {}
    for name, item in result.items():
        if not (isinstance(item, tuple) and len(item) == 2):
            raise TypeError(f"output {name!r} must be a pair (dims, value), got {type(item).__name__}")
        dims, value = item
        arr = np.asarray(value)
        if arr.ndim != len(dims):
            raise ValueError(f"output {name!r} has dims {dims} but a value of shape {arr.shape}")
        arrays[f"v:{name}"] = arr
        arrays[f"d:{name}"] = np.array(list(dims), dtype=str)
    return arrays


def _unpack(npz: Any) -> dict[str, tuple[tuple[str, ...], np.ndarray]]:
    out = {}
    for key in npz.files:
        if key.startswith("v:"):
            name = key[2:]
            out[name] = (tuple(str(d) for d in npz[f"d:{name}"]), npz[key])
    return out


def _run_point(fn: Callable, point: dict, seed: int, parts: str | None, pin: bool = False) -> dict[str, np.ndarray]:
    """One point, written to the parts directory as it finishes (on a worker: one thread)."""
    if pin:
        from pathdep.parallel import pin_threads

        pin_threads(1)
    arrays = _pack(fn(**point, seed=seed))
    if parts is not None:
        _atomic_save(Path(parts) / f"{_point_key(point, seed)}.npz", arrays)
    return arrays


def sweep(fn: Callable[..., Mapping[str, tuple]], grid: Mapping[str, Sequence[Any]], *,
          seeds: Sequence[int] = (0,), store: str | os.PathLike | None = None, jobs: int = 1,
          scheduler: str | None = None, progress: bool = True, spec: Any = None) -> Any:
    """Run ``fn(**point, seed=s)`` at every grid point and seed; gather an xarray Dataset.

    Parameters
    ----------
    fn : callable
        Returns a dict ``name -> (dims, value)`` (``dims`` a tuple of dimension names,
        ``()`` for a scalar).  An output whose name is one of its own dims is a
        coordinate (the same at every point, e.g. the steps of a curve).  Must be picklable
        (a module-level function or object) to run on Dask.  If it has an attribute
        ``check`` (as the built-in experiments do), ``fn.check(**point, seed=s)`` is called
        for every point before anything is computed or written: a bad value or a request
        too big for memory or the work bound fails at once, with nothing on disk.
    grid : mapping str -> sequence
        Axis name -> values; the sweep is their Cartesian product.
    seeds : sequence of int, default (0,)
        Seeds per point; ``seed`` is the last dimension of every variable.
    store : path, optional
        Where to keep finished points (``PATH.parts/``) and the final Dataset (``.nc``:
        netCDF via h5netcdf; ``.zarr``: Zarr).  A rerun computes only missing points.
    jobs : int, default 1
        1: in this process.  N > 1: N local Dask workers (one thread each).
    scheduler : str, optional
        A running Dask scheduler's address (overrides `jobs`).
    progress : bool, default True
        Progress bar over points.
    spec : any JSON-able, optional
        Settings that define the sweep besides the grid (recorded with the store; a store
        with a different spec is refused).

    Returns
    -------
    xarray.Dataset
        One dimension per grid axis (in order) and ``seed``, then each output's own dims;
        ``attrs`` record the spec, the computed and the reused point counts.

    Raises
    ------
    ValueError
        A bad grid or seeds, a store suffix other than ``.nc``/``.zarr``, or a store that
        holds a sweep with other settings.
    TypeError
        If `fn` is not callable or returns something other than the documented dict.
    """
    if not callable(fn):
        raise TypeError(f"`fn` must be callable, got {type(fn).__name__}")
    from pathdep.parallel import check_jobs, check_scheduler

    grid, seeds = _check_grid(grid, seeds)
    jobs, scheduler = check_jobs(jobs), check_scheduler(scheduler)
    if not isinstance(progress, bool):
        raise TypeError(f"`progress` must be a bool, got {progress!r}")
    axes = list(grid)
    points = [dict(zip(axes, combo)) for combo in itertools.product(*(grid[a] for a in axes))]
    check = getattr(fn, "check", None)
    if callable(check):        # every point validated before the store is touched
        for p in points:
            for s in seeds:
                check(**p, seed=s)
    if store is not None and Path(store).suffix not in (".nc", ".zarr"):
        raise ValueError(f"`store` must end in .nc (netCDF) or .zarr (Zarr), got {str(store)!r}")
    spec_doc = {"fn": getattr(fn, "__qualname__", type(fn).__name__), "grid": grid, "spec": spec}
    parts, new_parts = None, False
    if store is not None:
        store = Path(store)
        if store.suffix not in (".nc", ".zarr"):
            raise ValueError(f"`store` must end in .nc (netCDF) or .zarr (Zarr), got {str(store)!r}")
        parts = store.with_name(store.name + ".parts")
        from pdcheck import check_output_path

        check_output_path("store", store, directory=store.suffix == ".zarr")
        new_parts = not parts.exists()
        parts.mkdir(parents=True, exist_ok=True)
        spec_file = parts / "spec.json"
        text = json.dumps(spec_doc, sort_keys=True, default=str)
        if spec_file.exists():
            if spec_file.read_text() != text:
                raise ValueError(f"`store` {str(store)!r} holds a sweep with other settings "
                                 f"({spec_file.read_text()[:200]}...); use another path or delete "
                                 f"{str(parts)!r} to start over")
        else:
            spec_file.write_text(text)
    todo = [(p, s) for p in points for s in seeds]
    done: dict[str, dict] = {}
    if parts is not None:
        for p, s in todo:
            f = parts / f"{_point_key(p, s)}.npz"
            if f.exists():
                with np.load(f) as npz:
                    done[_point_key(p, s)] = _unpack(npz)
    reused = len(done)
    missing = [(p, s) for p, s in todo if _point_key(p, s) not in done]
    t0 = time.perf_counter()
    parts_arg = None if parts is None else str(parts)
    if missing:
        try:
            if jobs == 1 and scheduler is None:
                from pathdep.parallel import torch_threads

                bar = _bar(len(missing), progress)
                for p, s in missing:
                    with torch_threads(1):   # as on a worker: the same numbers as -j N, bit for bit
                        done[_point_key(p, s)] = _unpack_dict(_run_point(fn, p, s, parts_arg))
                    if bar is not None:
                        bar.update(1)
                if bar is not None:
                    bar.close()
            else:
                _run_dask(fn, missing, parts_arg, done, jobs=jobs, scheduler=scheduler, progress=progress)
        except BaseException:
            # a sweep that failed before its first point (e.g. an unreachable scheduler) leaves nothing
            if new_parts and parts is not None and not any(parts.glob("*.npz")):
                import shutil

                shutil.rmtree(parts, ignore_errors=True)
            raise
    computed = len(missing)
    ds = _assemble(points, seeds, axes, grid, done)
    ds.attrs.update(spec=json.dumps(spec_doc, sort_keys=True, default=str), points_computed=computed,
                    points_reused=reused, seconds=round(time.perf_counter() - t0, 3))
    if store is not None:
        _write(ds, store)
    return ds


def _unpack_dict(arrays: dict[str, np.ndarray]) -> dict:
    return {k[2:]: (tuple(str(d) for d in arrays[f"d:{k[2:]}"]), v) for k, v in arrays.items() if k.startswith("v:")}


def _bar(total: int, progress: bool):
    if not progress:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="sweep", unit="point", leave=False)


def _run_dask(fn, missing, parts, done, *, jobs, scheduler, progress) -> None:
    from distributed import as_completed

    from pathdep.parallel import dask_client

    failures = []
    with dask_client(jobs, scheduler) as client:
        futures = {client.submit(_run_point, fn, p, s, parts, True, pure=False, retries=1): (p, s) for p, s in missing}
        bar = _bar(len(futures), progress)
        try:
            for fut in as_completed(list(futures)):
                p, s = futures[fut]
                try:
                    done[_point_key(p, s)] = _unpack_dict(fut.result())
                except Exception as exc:  # noqa: BLE001 - collected, reported together below
                    failures.append((p, s, f"{type(exc).__name__}: {exc}"))
                if bar is not None:
                    bar.update(1)
        finally:
            if bar is not None:
                bar.close()
    if failures:
        p, s, msg = failures[0]
        raise RuntimeError(f"{len(failures)} of {len(missing)} sweep point(s) failed (first: {p}, seed {s}: {msg}); "
                           f"the finished points are kept" + (f" in {parts}: rerun to compute only the rest"
                                                              if parts else ""))


def _assemble(points, seeds, axes, grid, done) -> Any:
    import xarray as xr

    first = done[_point_key(points[0], seeds[0])]
    shape = tuple(len(grid[a]) for a in axes) + (len(seeds),)
    data_vars, coords = {}, {a: grid[a] for a in axes}
    coords["seed"] = list(seeds)
    for name, (dims, value) in first.items():
        if dims == (name,):
            coords[name] = value
            continue
        arr = np.empty(shape + value.shape, dtype=np.result_type(value.dtype, np.float64)
                       if value.dtype.kind in "fiub" else value.dtype)
        for i, p in enumerate(points):
            idx = np.unravel_index(i, shape[:-1])
            for j, s in enumerate(seeds):
                dv, v = done[_point_key(p, s)][name]
                if v.shape != value.shape:
                    raise ValueError(f"output {name!r} has shape {v.shape} at {p}, seed {s}, but {value.shape} "
                                     f"at the first point; every point must return the same shapes")
                arr[idx + (j,)] = v
        data_vars[name] = (tuple(axes) + ("seed",) + tuple(dims), arr)
    return xr.Dataset(data_vars, coords=coords)


def _write(ds: Any, store: Path) -> None:
    tmp = store.with_name(f".{store.name}.tmp")
    if store.suffix == ".nc":
        ds.to_netcdf(tmp, engine="h5netcdf")
        os.replace(tmp, store)
    else:
        import shutil

        if tmp.exists():
            shutil.rmtree(tmp)
        ds.to_zarr(tmp, mode="w")
        if store.exists():
            shutil.rmtree(store)
        os.replace(tmp, store)


# --------------------------------------------------------------------------- figure
def plot_sweep(ds: Any, var: str, *, index: Mapping[str, int] | None = None, title: str | None = None) -> Any:
    """One figure per sweep: mean over seeds with 2-standard-error bars against the one grid
    axis, or a heat map of the mean over two axes.

    Parameters
    ----------
    ds : xarray.Dataset
        From :func:`sweep`.
    var : str
        Variable to show.
    index : mapping, optional
        Which entry of the variable's own dims to show (default: up to 6 lines of the first
        extra dim for one axis, entry 0 for a heat map).
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    if not hasattr(ds, "data_vars") or not hasattr(ds, "attrs"):
        raise TypeError(f"`ds` must be an xarray Dataset returned by sweep, got {type(ds).__name__}")
    if not isinstance(var, str) or var not in ds.data_vars:
        raise ValueError(f"`var` must be one of {sorted(ds.data_vars)}, got {var!r}")
    da = ds[var]
    axes = [d for d in da.dims if d in _grid_axes(ds)]
    extra = [d for d in da.dims if d not in axes and d != "seed"]
    if index is not None and not isinstance(index, Mapping):
        raise TypeError(f"`index` must be a mapping dim -> position or None, got {type(index).__name__}")
    sel = dict(index or {})
    n_seeds = da.sizes["seed"]
    mean = da.mean("seed")
    se = da.std("seed", ddof=1) / np.sqrt(n_seeds) if n_seeds > 1 else mean * 0.0
    fig, ax = plt.subplots(figsize=(6, 4))
    if len(axes) == 1:
        x = ds[axes[0]].values
        numeric = np.issubdtype(np.asarray(x).dtype, np.number)
        xs = x if numeric else np.arange(len(x))
        lines = [{}]
        if extra:
            d0 = extra[0]
            lines = [{d0: i} for i in range(min(6, da.sizes[d0]))] if d0 not in sel else [{d0: sel[d0]}]
        for ln in lines:
            pick = {**{d: sel.get(d, 0) for d in extra}, **ln}
            m, s = mean.isel(pick).values, se.isel(pick).values
            label = ", ".join(f"{d}={ds[d].values[i] if d in ds.coords else i}" for d, i in ln.items()) or var
            ax.errorbar(xs, m, yerr=2 * s, marker="o", capsize=3, label=label)
        if numeric and np.all(np.asarray(x) > 0) and np.max(x) / max(np.min(x), 1e-300) > 20:
            ax.set_xscale("log")
        if not numeric:
            ax.set_xticks(xs, [str(v) for v in x])
        ax.set_xlabel(axes[0])
        ax.set_ylabel(f"{var} (mean ± 2 s.e. over {n_seeds} seed{'s' if n_seeds > 1 else ''})")
        if len(lines) > 1 or extra:
            ax.legend(fontsize=7)
    elif len(axes) >= 2:
        a0, a1 = axes[:2]
        rest = {d: sel.get(d, 0) for d in mean.dims if d not in (a0, a1)}
        img = mean.isel(rest).transpose(a0, a1).values
        im = ax.imshow(img, origin="lower", aspect="auto", cmap="viridis")
        ax.set_yticks(range(len(ds[a0])), [f"{v:g}" if isinstance(v, float) else str(v) for v in ds[a0].values])
        ax.set_xticks(range(len(ds[a1])), [f"{v:g}" if isinstance(v, float) else str(v) for v in ds[a1].values])
        ax.set_ylabel(a0)
        ax.set_xlabel(a1)
        fig.colorbar(im, ax=ax, label=f"{var} (mean over {n_seeds} seeds)" + (f" at {rest}" if rest else ""))
    else:
        raise ValueError(f"`var` {var!r} has no grid axis to plot against")
    if title:
        ax.set_title(title, fontsize=9)
    fig.tight_layout()
    return fig


def _grid_axes(ds: Any) -> list[str]:
    try:
        return list(json.loads(ds.attrs["spec"])["grid"])
    except (KeyError, ValueError, TypeError):
        return [d for d in ds.dims if d != "seed"]


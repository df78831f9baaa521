"""Sweeps: grid x seeds -> xarray Dataset, locally or on a LocalCluster, resumable after a kill."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from pathdep.sweeps import plot_sweep, sweep

POINT_MODULE = '''
import os, time
import numpy as np

def point(a, b, seed):
    log = os.environ.get("SWEEP_LOG")
    if log:
        with open(log, "a") as fh:
            fh.write(f"{a} {b} {seed}\\n")
    time.sleep(float(os.environ.get("SWEEP_SLEEP", "0")))
    rng = np.random.default_rng([int(seed), int(a * 1000), len(b)])
    return {"y": ((), a * len(b) + rng.normal()), "curve": (("t",), a * np.arange(3.0) + seed),
            "t": (("t",), np.arange(3) * 10)}

def threads(a, seed):
    import torch
    return {"threads": ((), torch.get_num_threads())}
'''


@pytest.fixture()
def point_module(tmp_path, monkeypatch):
    (tmp_path / "sweep_points.py").write_text(POINT_MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))
    import importlib

    import sweep_points

    return importlib.reload(sweep_points)


def test_dataset_layout_values_and_store_round_trip(tmp_path, point_module):
    grid = {"a": [0.5, 1.0, 2.0], "b": ["x", "yy"]}
    ds = sweep(point_module.point, grid, seeds=[0, 1], progress=False, store=tmp_path / "s.nc")
    assert ds["y"].dims == ("a", "b", "seed") and ds["curve"].dims == ("a", "b", "seed", "t")
    assert ds["t"].values.tolist() == [0, 10, 20]
    for a in grid["a"]:
        for b in grid["b"]:
            for s in (0, 1):
                ref = point_module.point(a, b, s)
                assert ds["y"].sel(a=a, b=b, seed=s).item() == ref["y"][1]
    assert ds.attrs["points_computed"] == 12 and ds.attrs["points_reused"] == 0
    back = xr.open_dataset(tmp_path / "s.nc", engine="h5netcdf")
    xr.testing.assert_identical(back.load().drop_attrs(), ds.drop_attrs())
    back.close()
    again = sweep(point_module.point, grid, seeds=[0, 1], progress=False, store=tmp_path / "s.nc")
    assert again.attrs["points_computed"] == 0 and again.attrs["points_reused"] == 12
    z = sweep(point_module.point, grid, seeds=[0, 1], progress=False, store=tmp_path / "s.zarr")
    xr.testing.assert_identical(xr.open_zarr(tmp_path / "s.zarr").load().drop_attrs(), z.drop_attrs())


def test_bad_input_is_refused_before_any_work(tmp_path, point_module):
    with pytest.raises(ValueError, match="`grid` must be a non-empty mapping"):
        sweep(point_module.point, {}, progress=False)
    with pytest.raises(ValueError, match="repeated values"):
        sweep(point_module.point, {"a": [1, 1], "b": ["x"]}, progress=False)
    with pytest.raises(ValueError, match="`seeds` must be distinct"):
        sweep(point_module.point, {"a": [1], "b": ["x"]}, seeds=[0, 0], progress=False)
    with pytest.raises(ValueError, match=r"`store` must end in \.nc"):
        sweep(point_module.point, {"a": [1], "b": ["x"]}, store=tmp_path / "s.csv", progress=False)
    sweep(point_module.point, {"a": [1.0], "b": ["x"]}, store=tmp_path / "s.nc", progress=False)
    with pytest.raises(ValueError, match="holds a sweep with other settings"):
        sweep(point_module.point, {"a": [2.0], "b": ["x"]}, store=tmp_path / "s.nc", progress=False)
    with pytest.raises(TypeError, match="must return a non-empty dict"):
        sweep(lambda a, seed: 3.0, {"a": [1]}, progress=False)


def test_local_cluster_gives_the_same_dataset(point_module):
    grid = {"a": [0.5, 1.0, 2.0], "b": ["x", "yy"]}
    here = sweep(point_module.point, grid, seeds=[0, 1], progress=False)
    dask = sweep(point_module.point, grid, seeds=[0, 1], progress=False, jobs=2)
    xr.testing.assert_identical(here.drop_attrs(), dask.drop_attrs())


def test_points_run_on_one_torch_thread_in_process_as_on_workers(point_module):
    import torch

    old = torch.get_num_threads()
    ds = sweep(point_module.threads, {"a": [1.0]}, seeds=[0], progress=False)
    assert int(ds["threads"].item()) == 1 and torch.get_num_threads() == old


def test_resume_after_kill_computes_only_missing_points(tmp_path, point_module):
    store = tmp_path / "r.nc"
    log = tmp_path / "calls.log"
    grid = {"a": [0.5, 1.0, 2.0, 3.0], "b": ["x", "yy"]}
    code = ("import sweep_points; from pathdep.sweeps import sweep; "
            f"sweep(sweep_points.point, {grid!r}, seeds=[0, 1], store={str(store)!r}, progress=False)")
    env = dict(os.environ, SWEEP_LOG=str(log), SWEEP_SLEEP="0.3",
               PYTHONPATH=os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.Popen([sys.executable, "-c", code], env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    parts = store.with_name(store.name + ".parts")
    try:
        t0 = time.monotonic()
        while len(list(parts.glob("*.npz"))) < 8:            # half of the 16 points
            assert proc.poll() is None, "the sweep ended before it could be killed"
            assert time.monotonic() - t0 < 120, "the sweep made no progress"
            time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGKILL)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finished = len(list(parts.glob("*.npz")))
    assert 8 <= finished < 16 and not store.exists()
    log.write_text("")
    os.environ["SWEEP_LOG"] = str(log)
    try:
        resumed = sweep(point_module.point, grid, seeds=[0, 1], store=store, progress=False)
    finally:
        os.environ.pop("SWEEP_LOG")
    recomputed = log.read_text().splitlines()
    assert len(recomputed) == 16 - finished == resumed.attrs["points_computed"]
    assert resumed.attrs["points_reused"] == finished
    fresh = sweep(point_module.point, grid, seeds=[0, 1], progress=False)
    xr.testing.assert_identical(resumed.drop_attrs(), fresh.drop_attrs())
    assert not list(parts.glob("*.tmp"))                  # no half-written point survives a kill


def test_plot_sweep_one_and_two_axes(point_module):
    ds1 = sweep(point_module.point, {"a": [0.5, 1.0, 2.0], "b": ["x"]}, seeds=[0, 1, 2], progress=False)
    fig = plot_sweep(ds1.squeeze("b", drop=True).assign_attrs(spec=json.dumps({"grid": {"a": 0}})), "y")
    assert fig.axes[0].get_xlabel() == "a"
    ds2 = sweep(point_module.point, {"a": [0.5, 1.0], "b": ["x", "yy", "zzz"]}, seeds=[0, 1], progress=False)
    fig2 = plot_sweep(ds2, "curve", index={"t": 2})
    assert fig2.axes[0].get_ylabel() == "a" and fig2.axes[0].get_xlabel() == "b"
    with pytest.raises(ValueError, match="`var` must be one of"):
        plot_sweep(ds2, "nope")


def test_sweep_command_runs_and_refuses_unknown_options(tmp_path, capsys):
    from pathdep.cli import main

    out = tmp_path / "l.nc"
    code = main(["sweep", "lyapunov", "--grid", "lr=0.05,0.1", "--set", "steps=4", "--set", "width=4",
                 "--set", "k=1", "--out", str(out), "--no-progress"])
    assert code == 0 and out.exists() and out.with_suffix(".png").exists()
    assert "2 point(s) computed" in capsys.readouterr().out
    ds = xr.open_dataset(out, engine="h5netcdf")
    assert ds["exponents"].dims == ("lr", "seed", "exponent")
    ds.close()
    code = main(["sweep", "lyapunov", "--grid", "learning_rate=0.1", "--out", str(tmp_path / "x.nc")])
    assert code == 2 and "is not an option of the 'lyapunov' experiment" in capsys.readouterr().err


def test_builtin_dw_point_and_rlct_over_checkpoints():
    import functools

    import torch

    from pathdep.sweeps import dw_point, rlct_over_checkpoints

    ds = sweep(functools.partial(dw_point, width=4, copies=1, epochs=1, batch_size=128), {"eps": [0.01, 0.1]},
               progress=False)
    assert ds["d_w"].dims == ("eps", "seed", "step") and ds["step"].values[0] == 0
    d0 = ds["d_w"].isel(step=0, seed=0).values          # d_w at step 0 is the perturbation size
    np.testing.assert_allclose(d0, [0.01, 0.1], rtol=1e-4)
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(200, 2, generator=gen, dtype=torch.float64)
    y = x @ torch.tensor([[1.0], [-0.5]], dtype=torch.float64)
    models = []
    for scale in (1.0, 0.9):
        m = torch.nn.Linear(2, 1, bias=False).double()
        with torch.no_grad():
            m.weight.copy_(scale * torch.tensor([[1.0, -0.5]], dtype=torch.float64))
        models.append(m)
    r = rlct_over_checkpoints(models, (x, y), torch.nn.functional.mse_loss, n=200, method="llc", seeds=[0],
                              progress=False, n_steps=200, burn=50, n_chains=2)
    assert r["value"].dims == ("checkpoint", "seed") and np.all(np.isfinite(r["value"].values))
    with pytest.raises(ValueError, match="at least one checkpoint"):
        rlct_over_checkpoints([], (x, y), torch.nn.functional.mse_loss, n=200)

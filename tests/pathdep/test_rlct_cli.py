"""``pathdep rlct dln`` and ``pathdep rlct model``: networks with data on the ladder estimator."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from pathdep.cli import main


def test_dln_prints_exact_estimate_and_health(capsys):
    code = main(["rlct", "dln", "--widths", "3", "2", "3", "--r", "1", "--n", "500", "--quick", "--no-progress"])
    out = capsys.readouterr().out
    assert code == 0
    assert "λ = 7/2" in out and "m = 2" in out          # Aoyagi (2024): [3, 2, 3] rank 1
    line = next(s for s in out.splitlines() if s.startswith("ladder"))
    value = float(line.split("λ̂ = ")[1].split()[0])
    assert abs(value / 3.5 - 1) < 0.15
    assert "health:" in out and "kgibbs" in out


@pytest.mark.parametrize("argv, needle", [
    (["--widths", "3", "2", "3", "--r", "1", "--size", "1e2"], "either `--widths`"),
    (["--widths", "3", "2", "3"], "needs `--r`"),
    ([], "either `--widths`"),
    (["--size", "1e2", "--n", "1"], "--n"),
    (["--widths", "3", "2", "3", "--r", "5"], "rank"),
    (["--widths", "3", "2", "3", "--r", "1", "--noise", "nan"], "noise"),
])
def test_dln_bad_input_is_one_line_exit_2(argv, needle, capsys):
    assert main(["rlct", "dln", *argv, "--quick", "--no-progress"]) == 2
    err = capsys.readouterr().err.strip()
    assert needle in err and "\n" not in err


def _save(tmp_path, obj, x, y):
    mpath, dpath = tmp_path / "net.pt", tmp_path / "data.npz"
    torch.save(obj, mpath)
    np.savez(dpath, X=x, y=y)
    return str(mpath), str(dpath)


def test_model_from_files(tmp_path, capsys):
    from slt.models import deep_linear_network

    net = deep_linear_network([3, 2, 3], 1, n=400, seed=1)
    mpath, dpath = _save(tmp_path, net.model, net.data[0].numpy(), net.data[1].numpy())
    code = main(["rlct", "model", "--model", mpath, "--data", dpath, "--quick", "--no-progress", "--seed", "1"])
    out = capsys.readouterr().out
    assert code == 0
    assert "d = 12" in out and "loss = mse" in out
    value = float(next(s for s in out.splitlines() if s.startswith("ladder")).split("λ̂ = ")[1].split()[0])
    assert abs(value / 3.5 - 1) < 0.15


def test_model_classification_labels_pick_cross_entropy(tmp_path, capsys):
    gen = torch.Generator().manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 3)).double()
    x = torch.randn(300, 4, generator=gen, dtype=torch.float64)
    y = model(x).argmax(1)
    mpath, dpath = _save(tmp_path, model, x.numpy(), y.numpy())
    code = main(["rlct", "model", "--model", mpath, "--data", dpath, "--quick", "--no-progress"])
    assert code == 0
    assert "loss = ce" in capsys.readouterr().out


def test_model_bad_files(tmp_path, capsys):
    model = torch.nn.Sequential(torch.nn.Linear(2, 1))
    x, y = np.zeros((10, 2)), np.zeros((10, 1))
    mpath, dpath = _save(tmp_path, model.state_dict(), x, y)
    assert main(["rlct", "model", "--model", mpath, "--data", dpath]) == 2
    assert "state dict" in capsys.readouterr().err
    torch.save(model, mpath)
    np.savez(dpath, inputs=x, y=y)
    assert main(["rlct", "model", "--model", mpath, "--data", dpath]) == 2
    assert "`X`" in capsys.readouterr().err
    assert main(["rlct", "model", "--model", str(tmp_path / "missing.pt"), "--data", dpath]) == 2
    assert "does not exist" in capsys.readouterr().err
    (tmp_path / "junk.pt").write_bytes(b"not a pickle")
    assert main(["rlct", "model", "--model", str(tmp_path / "junk.pt"), "--data", dpath]) == 2
    assert "torch.save" in capsys.readouterr().err


def test_llc_prints_a_trace_drift_line(capsys):
    assert main(["rlct", "normal-crossing", "--k", "1", "--methods", "llc", "--quick", "--seed", "0",
                 "--no-progress"]) == 0
    out = capsys.readouterr().out
    line = [ln for ln in out.splitlines() if "trace drift (chain mean)" in ln][0]
    assert "no drift detected" in line and "of 8 chains flagged" in line


def test_trace_drift_line_flags_a_trending_trace():
    from pathdep.commands.rlct import _trace_drift_line

    rng = np.random.default_rng(0)
    calm = rng.standard_normal((4, 2000))
    assert "no drift detected" in _trace_drift_line(calm)
    line = _trace_drift_line(calm + np.linspace(0, 1, 2000))
    assert "STILL DRIFTING" in line and "4 of 4 chains flagged" in line
    assert _trace_drift_line(calm[:, :10]) == ""

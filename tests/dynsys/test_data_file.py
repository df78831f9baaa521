"""Users' own data: ``load_dataset`` (.npz) for the experiments, the optimizer maps and perturb-run."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from dynsys import digits_mlp_map, load_dataset, load_digits_tensors


def _toy(path, n=60, d=5, classes=3, test=False, seed=0):
    rng = np.random.default_rng(seed)
    arrays = dict(X=rng.normal(size=(n, d)), y=rng.integers(0, classes, n))
    if test:
        arrays.update(X_test=rng.normal(size=(20, d)), y_test=rng.integers(0, classes, 20))
    np.savez(path, **arrays)
    return arrays


def test_split_standardisation_and_given_test_set(tmp_path):
    a = _toy(tmp_path / "a.npz")
    d = load_dataset(tmp_path / "a.npz", test_fraction=0.25, seed=0)
    assert d.X_train.shape == (45, 5) and d.X_test.shape == (15, 5) and d.y_train.dtype == torch.long
    np.testing.assert_allclose(d.X_train.double().mean(0).numpy(), 0.0, atol=1e-6)
    np.testing.assert_allclose(d.X_train.double().std(0, unbiased=False).numpy(), 1.0, atol=1e-5)
    # every example kept exactly once
    assert sorted(np.concatenate([d.y_train.numpy(), d.y_test.numpy()]).tolist()) == sorted(a["y"].tolist())
    b = _toy(tmp_path / "b.npz", test=True)
    e = load_dataset(tmp_path / "b.npz", seed=0)
    assert e.X_train.shape == (60, 5) and e.X_test.shape == (20, 5)
    assert sorted(e.y_test.tolist()) == sorted(b["y_test"].tolist())
    # images (N, h, w) are flattened
    np.savez(tmp_path / "img.npz", X=np.zeros((10, 4, 4)) + np.arange(10)[:, None, None], y=np.arange(10) % 2)
    assert load_dataset(tmp_path / "img.npz").X_train.shape[1] == 16


def test_the_digits_through_a_file_give_the_digits(tmp_path):
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    np.savez(tmp_path / "digits.npz", X=X, y=y)
    a, b = load_digits_tensors(seed=3), load_dataset(tmp_path / "digits.npz", seed=3)
    for u, v in zip(a, b):
        assert torch.equal(u, v)


@pytest.mark.parametrize("arrays, match", [
    (dict(X=np.zeros((5, 2))), "must be an .npz with arrays 'X' and 'y'"),
    (dict(X=np.zeros((5, 2)), y=np.zeros(4, int)), r"'y' must have shape \(5,\)"),
    (dict(X=np.full((5, 2), np.nan), y=np.zeros(5, int)), "'X' must be finite"),
    (dict(X=np.zeros((5, 2)), y=np.full(5, 0.5)), "non-negative integer class labels"),
    (dict(X=np.zeros((5, 2)), y=-np.ones(5, int)), "non-negative integer class labels"),
    (dict(X=np.zeros((5, 2)), y=np.zeros(5, int), X_test=np.zeros((2, 2))), "both 'X_test' and 'y_test'"),
    (dict(X=np.zeros((5, 2)), y=np.zeros(5, int), X_test=np.zeros((2, 3)), y_test=np.zeros(2, int)),
     "'X_test' must have 2 features"),
])
def test_bad_files_are_refused_naming_the_array(tmp_path, arrays, match):
    np.savez(tmp_path / "bad.npz", **arrays)
    with pytest.raises(ValueError, match=match):
        load_dataset(tmp_path / "bad.npz")


def test_missing_or_unreadable_or_too_big(tmp_path):
    with pytest.raises(ValueError, match="is not a file"):
        load_dataset(tmp_path / "nope.npz")
    (tmp_path / "junk.npz").write_text("not a zip")
    with pytest.raises(ValueError, match="not a readable .npz"):
        load_dataset(tmp_path / "junk.npz")
    _toy(tmp_path / "a.npz")
    with pytest.raises(ValueError, match="more than `max_bytes`"):
        load_dataset(tmp_path / "a.npz", max_bytes=100)
    with pytest.raises(TypeError, match="`path` must be a file path"):
        load_dataset(3)


def test_optimizer_map_and_perturb_run_on_a_file(tmp_path, capsys):
    _toy(tmp_path / "a.npz", n=80, d=6, classes=4)
    mlp = digits_mlp_map(width=5, seed=0, dataset=str(tmp_path / "a.npz"), batch_size=8)
    assert mlp.n_params == 6 * 5 + 5 + 5 * 4 + 4
    # another batch order, the same initial weights
    other = digits_mlp_map(width=5, seed=0, dataset=str(tmp_path / "a.npz"), batch_size=8, schedule_seed=7)
    assert torch.equal(mlp.map.initial_state(), other.map.initial_state())
    assert not torch.equal(mlp.map.batch(0), other.map.batch(0))
    from pathdep.cli import main

    code = main(["perturb-run", "--data", str(tmp_path / "a.npz"), "--hidden", "4", "--eps", "0.1", "--copies", "2",
                 "--epochs", "1", "--batch-size", "16", "--no-align", "--metrics", "d_w", "--out",
                 str(tmp_path / "run"), "--no-progress"])
    assert code == 0 and (tmp_path / "run" / "result.npz").exists()
    assert "parameters" in capsys.readouterr().out

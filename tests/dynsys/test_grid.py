"""dynsys.grid: a grid of perturbation experiments as one batched ensemble."""

import numpy as np
import pytest
import torch

from dynsys.experiments import PathDepResult, run_experiment
from dynsys.grid import growth_rate, run_groups


def _data():
    X = torch.randn(60, 4, generator=torch.Generator().manual_seed(0))
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).long()
    return X, y


def test_one_group_equals_run_experiment():
    # the same seed draws the same init, schedule and perturbations in the same order
    X, y = _data()
    kw = dict(X=X, y=y, hidden=(6,), n_epochs=3, batch_size=10, seed=3)
    a = run_experiment(eps=[0.5], n_copies=2, lr=0.1, align=False, progress=False, **kw)
    b = run_groups([{"lr": 0.1, "eps": 0.5, "n_copies": 2}], optimizer="sgd", **kw)[0]
    np.testing.assert_allclose(b["d_w"], a["d_w"], rtol=1e-5, atol=1e-6)


def test_momentum_zero_is_sgd_and_groups_share_w0_and_schedule():
    X, y = _data()
    kw = dict(X=X, y=y, hidden=(6,), n_epochs=2, batch_size=10, seed=1, common_perturbations=True)
    mom = run_groups([{"lr": 0.1, "eps": 0.3, "n_copies": 1}, {"lr": 0.1, "eps": 0.3, "n_copies": 1}],
                     optimizer="momentum", **kw)
    sgd = run_groups([{"lr": 0.1, "eps": 0.3, "n_copies": 1}], optimizer="sgd", **kw)[0]
    np.testing.assert_array_equal(mom[0]["d_w"], mom[1]["d_w"])       # common perturbations: identical groups
    np.testing.assert_allclose(mom[0]["d_w"], sgd["d_w"], rtol=1e-6)   # heavy ball with mu = 0 is SGD


def test_hyperparameters_differ_between_groups_and_layers_add_up():
    X, y = _data()
    res = run_groups([{"lr": 0.05, "eps": 0.2, "n_copies": 1}, {"lr": 0.05, "weight_decay": 0.5, "eps": 0.2,
                                                               "n_copies": 1}],
                     X=X, y=y, hidden=(5, 4), n_epochs=3, batch_size=10, seed=0, common_perturbations=True)
    assert res[1]["w_norm"][0, -1] < res[0]["w_norm"][0, -1]           # weight decay shrinks the baseline
    layers = sum(res[0][f"d_w_layer{i}"] ** 2 for i in range(3))
    np.testing.assert_allclose(np.sqrt(layers), res[0]["d_w"], rtol=1e-10)


def test_schedule_kind_same_init_different_batches():
    X, y = _data()
    r = run_groups([{"lr": 0.1, "kind": "schedule", "eps": 0.0, "n_copies": 2, "metrics": "all"}], X=X, y=y,
                   hidden=(5,), n_epochs=2, batch_size=10, seed=0)[0]
    assert r["d_w"][1:, 0].max() == 0.0 and r["d_w"][1:, -1].min() > 0.0
    assert "cf_test_acc" in r.data


def test_keep_weights_and_determinism():
    X, y = _data()
    g = [{"lr": 0.1, "eps": 0.1, "n_copies": 1, "keep_weights": True}]
    a = run_groups(g, X=X, y=y, hidden=(3,), n_epochs=1, batch_size=20, seed=5, checkpoints=2)[0]
    b = run_groups(g, X=X, y=y, hidden=(3,), n_epochs=1, batch_size=20, seed=5, checkpoints=2)[0]
    assert a.weights.shape[:2] == (2, 3)
    np.testing.assert_array_equal(a.weights, b.weights)


@pytest.mark.parametrize("groups, optimizer, match", [
    ([], "momentum", "non-empty sequence"),
    ([{"lr": 0.1, "colour": 1}], "momentum", "unknown key"),
    ([{"lr": -1.0}], "momentum", r"groups\[0\]\['lr'\]"),
    ([{"lr": 0.1, "momentum": 0.9}], "sgd", "set a momentum"),
    ([{"lr": 0.1, "kind": "batch_order", "eps": 0.5}], "momentum", "whole numbers"),
    ([{"lr": 0.1, "eps": 1e6}], "momentum", "exceeds 2 |w0|"),
    ([{"lr": 0.1, "keep_weights": 1}], "momentum", "keep_weights"),
])
def test_bad_groups(groups, optimizer, match):
    X, y = _data()
    with pytest.raises((ValueError, TypeError), match=match):
        run_groups(groups, X=X, y=y, hidden=(3,), n_epochs=1, batch_size=20, optimizer=optimizer)


def _synthetic(rate):
    steps = np.arange(0, 50, 5)
    d = np.vstack([np.zeros(steps.size), 1e-6 * np.exp(rate * steps)])
    return PathDepResult({"d_w": d}, steps, np.array([0.0, 1e-6]), "init", 10)


@pytest.mark.parametrize("fit", [False, True])
def test_growth_rate_exact_on_an_exponential(fit):
    assert growth_rate(_synthetic(0.07), start=5, fit=fit)[0] == pytest.approx(0.07, rel=1e-9)
    assert growth_rate(_synthetic(-0.02), start=0, end=25, fit=fit)[0] == pytest.approx(-0.02, rel=1e-9)


def test_growth_rate_bad_checkpoints():
    with pytest.raises(ValueError, match="`start` must be a checkpoint"):
        growth_rate(_synthetic(0.1), start=3)
    with pytest.raises(ValueError, match="`end` must come after `start`"):
        growth_rate(_synthetic(0.1), start=20, end=10)

"""Tests of dynsys.experiments: the vmapped ensemble against torch.optim, alignment, growth fits."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import dynsys.ensemble as ensemble_module
from dynsys import _optim_rules
from dynsys.errors import DivergenceError
from dynsys.experiments import (PathDepResult, _unflatten, align_mlp, batch_schedule, fit_growth,
                            interpolation_losses, mlp, run_experiment, train_ensemble)


def _data(n=60, d=5, k=3, seed=0, dtype=torch.float64):
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(n, d, generator=g, dtype=dtype)
    y = (X[:, :k].argmax(dim=1)).long()
    return X, y


def _flat(net):
    return torch.cat([p.detach().reshape(-1) for p in net.parameters()]).double().numpy()


def _sequential(net, flat_rows, X, y, scheds, opt_name, kws):
    """Independent oracle: one nn.Module + torch.optim loop per copy."""
    outs = []
    for i, row in enumerate(flat_rows):
        m = copy.deepcopy(net)
        with torch.no_grad():
            params = _unflatten(net, row[None], X.dtype)
            for k, p in m.named_parameters():
                p.copy_(params[k][0])
        kw = kws[i]
        opt = (torch.optim.Adam(m.parameters(), **kw) if opt_name == "adam"
               else torch.optim.SGD(m.parameters(), **kw))
        sched = scheds[i]
        for t in range(sched.shape[0]):
            idx = torch.as_tensor(sched[t])
            opt.zero_grad()
            torch.nn.functional.cross_entropy(m(X[idx]), y[idx]).backward()
            opt.step()
        outs.append(_flat(m))
    return np.stack(outs)


@pytest.mark.parametrize("opt_name, kw", [
    ("sgd", dict(lr=0.1, weight_decay=0.01)),
    ("momentum", dict(lr=0.05, momentum=0.9)),
    ("nesterov", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-3)),
    ("adam", dict(lr=1e-2, weight_decay=1e-3)),
])
def test_ensemble_matches_sequential_torch_optim(opt_name, kw):
    X, y = _data()
    net = mlp((5, 7, 3), seed=1, dtype=torch.float64)
    w0 = _flat(net)
    rows = w0[None] + 0.1 * np.random.default_rng(0).standard_normal((3, w0.size))
    sched = batch_schedule(60, 10, 3, seed=0)
    run = train_ensemble(net, _unflatten(net, rows, torch.float64), X, y, sched, optimizer=opt_name,
                         checkpoints=[0, 5, sched.shape[0]], progress=False,
                         **{k: v for k, v in kw.items() if k != "nesterov"},
                         nesterov=kw.get("nesterov", False))
    ref = _sequential(net, rows, X, y, [sched] * 3, opt_name,
                      [{k: v for k, v in kw.items()}] * 3)
    np.testing.assert_allclose(run.weights[:, -1], ref, atol=1e-12, rtol=1e-10)
    np.testing.assert_array_equal(run.steps, [0, 5, sched.shape[0]])
    np.testing.assert_allclose(run.weights[:, 0], rows)


def test_per_copy_hyperparameters_and_schedules():
    X, y = _data(seed=2)
    net = mlp((5, 6, 3), seed=0, dtype=torch.float64)
    rows = np.repeat(_flat(net)[None], 2, axis=0)
    s1 = batch_schedule(60, 12, 2, seed=1)
    s2 = batch_schedule(60, 12, 2, seed=2)
    lrs, moms = [0.05, 0.2], [0.0, 0.5]
    run = train_ensemble(net, _unflatten(net, rows, torch.float64), X, y, np.stack([s1, s2]),
                         optimizer="momentum", lr=lrs, momentum=moms, progress=False)
    ref = _sequential(net, rows, X, y, [s1, s2], "momentum",
                      [dict(lr=lrs[i], momentum=moms[i]) for i in range(2)])
    np.testing.assert_allclose(run.weights[:, -1], ref, atol=1e-12)


def test_divergence_raises_with_partial():
    X, y = _data()
    X = X * 1e3
    net = mlp((5, 7, 3), seed=1, dtype=torch.float64)
    rows = _flat(net)[None]
    with pytest.raises(DivergenceError) as info:
        train_ensemble(net, _unflatten(net, rows, torch.float64), X, y,
                       batch_schedule(60, 10, 20, seed=0), lr=1e30, progress=False)
    assert info.value.step is not None and info.value.partial.weights.shape[0] == 1


# --------------------------------------------------------------------------- engines
# train_ensemble has two engines: hand-written forward/backward passes with an in-place
# update for MLPs (the fast path), and vmap + autograd + the pure update rule for any
# other model (the reference).  Both must give torch.optim's trajectories.
def _net(arch, dtype=torch.float64, seed=0):
    if arch == "relu":
        return mlp((5, 7, 3), seed=seed, dtype=dtype)
    g = torch.Generator().manual_seed(seed)
    if arch == "deep":  # tanh, relu and no activation between linear layers
        layers = [torch.nn.Linear(5, 6, dtype=dtype), torch.nn.Tanh(),
                  torch.nn.Linear(6, 4, dtype=dtype), torch.nn.ReLU(),
                  torch.nn.Linear(4, 4, dtype=dtype), torch.nn.Linear(4, 3, dtype=dtype)]
    else:  # "linear": multinomial logistic regression
        layers = [torch.nn.Linear(5, 3, dtype=dtype)]
    net = torch.nn.Sequential(*layers)
    with torch.no_grad():
        for p in net.parameters():
            p.copy_(0.5 * torch.randn(p.shape, generator=g, dtype=dtype))
    return net


def _generic_only(monkeypatch):
    monkeypatch.setattr(ensemble_module, "_mlp_spec", lambda *args: None)


@pytest.mark.parametrize("arch", ["relu", "deep", "linear"])
@pytest.mark.parametrize("per_copy", [False, True])
@pytest.mark.parametrize("opt_name, kw", [
    ("sgd", dict(lr=[0.1, 0.05, 0.2], weight_decay=0.01)),
    ("momentum", dict(lr=0.05, momentum=[0.9, 0.5, 0.0], weight_decay=1e-3)),
    ("nesterov", dict(lr=0.05, momentum=0.9, weight_decay=[1e-3, 0.0, 1e-2])),
    ("adam", dict(lr=1e-2, weight_decay=1e-3)),
])
def test_fast_engine_equals_generic_engine_and_torch_optim(arch, per_copy, opt_name, kw,
                                                          monkeypatch):
    X, y = _data(seed=3)
    net = _net(arch)
    w0 = _flat(net)
    rows = w0[None] + 0.1 * np.random.default_rng(1).standard_normal((3, w0.size))
    scheds = [batch_schedule(60, 10, 3, seed=s if per_copy else 0) for s in range(3)]
    sched = np.stack(scheds) if per_copy else scheds[0]
    params = _unflatten(net, rows, torch.float64)
    assert ensemble_module._mlp_spec(net, params, X, y) is not None
    fast = train_ensemble(net, params, X, y, sched, optimizer=opt_name, checkpoints=[0, 7, 18],
                          progress=False, **kw)
    with monkeypatch.context() as m:
        _generic_only(m)
        generic = train_ensemble(net, params, X, y, sched, optimizer=opt_name,
                                 checkpoints=[0, 7, 18], progress=False, **kw)
    np.testing.assert_allclose(fast.weights, generic.weights, rtol=0, atol=1e-12)
    per = [{k: (v[i] if isinstance(v, list) else v) for k, v in kw.items()} for i in range(3)]
    if opt_name == "nesterov":
        per = [dict(p, nesterov=True) for p in per]
    ref = _sequential(net, rows, X, y, scheds, "adam" if opt_name == "adam" else "sgd", per)
    np.testing.assert_allclose(fast.weights[:, -1], ref, rtol=0, atol=1e-10)
    # the returned stacked parameters are the last weights, the inputs are untouched
    np.testing.assert_array_equal(_flat_stack(fast.params), fast.weights[:, -1])
    np.testing.assert_array_equal(_flat_stack(params), rows)


def _flat_stack(params):
    return torch.cat([v.reshape(v.shape[0], -1) for v in params.values()], dim=1).double().numpy()


@given(st.integers(0, 2 ** 31 - 1), st.lists(st.integers(1, 6), min_size=0, max_size=2),
       st.sampled_from(["relu", "tanh"]), st.integers(1, 3),
       st.sampled_from(["sgd", "momentum", "nesterov", "adam"]), st.booleans())
@settings(max_examples=12, deadline=None)
def test_fast_engine_property_equals_generic(seed, hidden, act, n_copies, opt_name, per_copy):
    X, y = _data(n=24, d=4, k=3, seed=seed % 1000)
    sizes = (4, *hidden, 3)
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(torch.nn.Linear(sizes[i], sizes[i + 1], dtype=torch.float64))
        if i < len(sizes) - 2:
            layers.append(torch.nn.ReLU() if act == "relu" else torch.nn.Tanh())
    net = torch.nn.Sequential(*layers)
    rng = np.random.default_rng(seed)
    n_par = sum(p.numel() for p in net.parameters())
    params = _unflatten(net, rng.standard_normal((n_copies, n_par)), torch.float64)
    b = int(rng.integers(1, 9))
    if per_copy:
        sched = np.stack([batch_schedule(24, b, 2, seed=rng) for _ in range(n_copies)])
    else:
        sched = batch_schedule(24, b, 2, seed=rng)
    kw = dict(lr=0.05, weight_decay=float(rng.choice([0.0, 1e-2])))
    if opt_name in ("momentum", "nesterov"):
        kw["momentum"] = 0.8
    fast = train_ensemble(net, params, X, y, sched, optimizer=opt_name, progress=False, **kw)
    with pytest.MonkeyPatch.context() as m:
        _generic_only(m)
        generic = train_ensemble(net, params, X, y, sched, optimizer=opt_name, progress=False, **kw)
    np.testing.assert_allclose(fast.weights, generic.weights, rtol=1e-10, atol=1e-10)
    np.testing.assert_array_equal(fast.steps, generic.steps)


@pytest.mark.parametrize("opt_name", ["sgd", "momentum", "nesterov", "adam"])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("per_copy_hyper", [False, True])
def test_inplace_update_is_bitwise_the_pure_rule(opt_name, dtype, per_copy_hyper):
    g = torch.Generator().manual_seed(0)
    n = 500
    if per_copy_hyper:
        lr = 0.01 * (1 + torch.rand(n, generator=g, dtype=dtype))
        mom = 0.5 + 0.4 * torch.rand(n, generator=g, dtype=dtype)
        wd = 1e-2 * torch.rand(n, generator=g, dtype=dtype)
    else:
        lr, mom, wd = (torch.tensor(v, dtype=dtype) for v in (0.01, 0.9, 1e-2))
    if opt_name in ("sgd", "adam"):
        mom = torch.zeros_like(mom)
    w_ref = torch.randn(n, generator=g, dtype=dtype)
    w = w_ref.clone()
    state = _optim_rules.init_state(opt_name, w_ref)
    upd = ensemble_module._InplaceUpdate(opt_name, w, lr=lr, momentum=mom, nesterov=False,
                                        betas=(0.9, 0.999), eps=1e-8)
    for t in range(6):
        grad = torch.randn(n, generator=g, dtype=dtype)
        grad[:50] = 0.0  # exact zeros: Adam's sqrt(v) at v = 0
        w_ref, state = _optim_rules.update(opt_name, w_ref, grad + wd * w_ref, state, t, lr=lr,
                                           momentum=mom, nesterov=opt_name == "nesterov",
                                           validate=False)
        upd(w, grad.clone(), t, wd)
        assert torch.equal(w, w_ref)
        for a, b in zip(upd.state, state):
            assert torch.equal(a, b)


def test_engine_selection(monkeypatch):
    X, y = _data()
    net = mlp((5, 7, 3), seed=0, dtype=torch.float64)
    P = _unflatten(net, _flat(net)[None], torch.float64)
    spec = ensemble_module._mlp_spec
    assert spec(net, P, X, y) == [("0", "relu"), ("2", None)]
    assert spec(net, P, X.float(), y) is None  # dtype mismatch
    assert spec(net, P, X, y.int()) is None
    assert spec(net, P, X, torch.full_like(y, 3)) is None  # label out of range: generic raises
    nobias = torch.nn.Sequential(torch.nn.Linear(5, 3, bias=False, dtype=torch.float64))
    final_act = torch.nn.Sequential(torch.nn.Linear(5, 3, dtype=torch.float64), torch.nn.ReLU())
    for m in (nobias, final_act, torch.nn.Linear(5, 3)):
        P2 = {k: v.detach()[None] for k, v in m.named_parameters()}
        assert spec(m, P2, X, y) is None


@pytest.mark.parametrize("fast", [True, False])
def test_generic_model_and_divergence_on_both_engines(fast, monkeypatch):
    if not fast:
        _generic_only(monkeypatch)
    X, y = _data(seed=4)
    # a model only the generic engine handles: no bias in the last layer, LayerNorm
    net = torch.nn.Sequential(torch.nn.Linear(5, 6, dtype=torch.float64),
                              torch.nn.LayerNorm(6, dtype=torch.float64), torch.nn.Tanh(),
                              torch.nn.Linear(6, 3, bias=False, dtype=torch.float64))
    rows = _flat(net)[None] + 0.1 * np.random.default_rng(2).standard_normal((2, _flat(net).size))
    sched = batch_schedule(60, 10, 2, seed=3)
    run = train_ensemble(net, _unflatten(net, rows, torch.float64), X, y, sched, optimizer="adam",
                         lr=1e-2, weight_decay=1e-3, checkpoints=[12], progress=False)
    ref = _sequential(net, rows, X, y, [sched] * 2, "adam", [dict(lr=1e-2, weight_decay=1e-3)] * 2)
    np.testing.assert_allclose(run.weights[:, -1], ref, rtol=0, atol=1e-10)
    # divergence: loss non-finite between checkpoints and weights non-finite at one
    net = mlp((5, 7, 3), seed=1, dtype=torch.float64)
    rows = np.repeat(_flat(net)[None], 2, axis=0)
    for checkpoints in ([0], None):
        with pytest.raises(DivergenceError) as info:
            train_ensemble(net, _unflatten(net, rows, torch.float64), X * 1e3, y,
                           batch_schedule(60, 10, 20, seed=0), lr=1e30, checkpoints=checkpoints,
                           progress=False)
        err = info.value
        assert err.step is not None and err.partial.weights.shape[0] == 2
        assert set(err.partial.params) == {"0.weight", "0.bias", "2.weight", "2.bias"}


def test_float32_engines_agree(monkeypatch):
    X, y = _data(seed=5, dtype=torch.float32)
    net = mlp((5, 16, 3), seed=2)
    rows = _flat(net)[None] + 0.05 * np.random.default_rng(3).standard_normal((4, _flat(net).size))
    sched = batch_schedule(60, 12, 4, seed=1)
    kw = dict(optimizer="momentum", lr=0.1, momentum=0.9, checkpoints=[20], progress=False)
    fast = train_ensemble(net, _unflatten(net, rows, torch.float32), X, y, sched, **kw)
    _generic_only(monkeypatch)
    generic = train_ensemble(net, _unflatten(net, rows, torch.float32), X, y, sched, **kw)
    np.testing.assert_allclose(fast.weights, generic.weights, rtol=0, atol=1e-5)

# --------------------------------------------------------------------------- alignment
@given(st.integers(0, 2 ** 31 - 1), st.sampled_from([(4, 6, 3), (3, 5, 4, 2)]))
@settings(max_examples=10)
def test_alignment_undoes_a_permutation(seed, sizes):
    net = mlp(sizes, seed=seed, dtype=torch.float64)
    w = _flat(net)
    permuted = copy.deepcopy(net)
    rng = np.random.default_rng(seed)
    linears = [m for m in permuted if isinstance(m, torch.nn.Linear)]
    with torch.no_grad():
        for a, b in zip(linears[:-1], linears[1:]):
            p = torch.as_tensor(rng.permutation(a.out_features))
            a.weight.copy_(a.weight[p])
            a.bias.copy_(a.bias[p])
            b.weight.copy_(b.weight[:, p])
    wp = _flat(permuted)
    x = torch.randn(9, sizes[0], dtype=torch.float64)
    # permutation symmetry (note 001): same function
    torch.testing.assert_close(permuted(x), net(x), rtol=1e-12, atol=1e-12)
    aligned, _ = align_mlp(net, w, wp)
    np.testing.assert_allclose(aligned, w, atol=1e-14)
    # aligning never increases the distance, and keeps the function
    other = _flat(mlp(sizes, seed=seed + 1, dtype=torch.float64))
    al2, _ = align_mlp(net, w, other)
    assert np.linalg.norm(al2 - w) <= np.linalg.norm(other - w) + 1e-12
    n2 = copy.deepcopy(net)
    torch.nn.utils.vector_to_parameters(torch.as_tensor(other), n2.parameters())
    n3 = copy.deepcopy(net)
    torch.nn.utils.vector_to_parameters(torch.as_tensor(al2), n3.parameters())
    torch.testing.assert_close(n3(x), n2(x), rtol=1e-10, atol=1e-10)


def test_align_bad_model_and_sizes():
    net = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2))
    with pytest.raises(TypeError, match="Sequential of Linear"):
        align_mlp(net, np.zeros(26), np.zeros(26))
    with pytest.raises(ValueError, match="`w_ref` must have"):
        align_mlp(mlp((3, 4, 2)), np.zeros(5), np.zeros(26))


def test_interpolation_endpoints_and_constant_path():
    X, y = _data()
    a = mlp((5, 7, 3), seed=0, dtype=torch.float64)
    b = mlp((5, 7, 3), seed=1, dtype=torch.float64)
    alphas, L = interpolation_losses(a, _flat(a), _flat(b), X, y, n_points=5)
    la = torch.nn.functional.cross_entropy(a(X), y).item()
    lb = torch.nn.functional.cross_entropy(b(X), y).item()
    assert L[0, 0] == pytest.approx(la, rel=1e-12) and L[0, -1] == pytest.approx(lb, rel=1e-12)
    np.testing.assert_allclose(alphas, np.linspace(0, 1, 5))


# --------------------------------------------------------------------------- experiments
@pytest.fixture(scope="module")
def small_run():
    X, y = _data(n=80, d=6, k=4, seed=3, dtype=torch.float32)
    return run_experiment(X[:60], y[:60], X_test=X[60:], y_test=y[60:], hidden=(8,),
                          eps=[0.1, 0.5], n_copies=3, n_epochs=3, batch_size=10,
                          optimizer="momentum", momentum=0.5, lr=0.1, keep_weights=True,
                          seed=0, progress=False)


def test_experiment_metrics_consistent(small_run):
    r = small_run
    n = 1 + 2 * 3
    assert r["d_w"].shape == (n, len(r.steps)) and r.steps[0] == 0
    np.testing.assert_allclose(r["d_w"][1:4, 0], 0.1, rtol=1e-5)
    np.testing.assert_allclose(r["d_w"][4:, 0], 0.5, rtol=1e-5)
    np.testing.assert_allclose(r["w_norm"][:, 0], r["w_norm"][0, 0], rtol=1e-5)  # sphere sampler
    for k in ("d_w", "d_w_perm", "d_train_loss", "d_test_acc"):
        np.testing.assert_array_equal(r[k][0], 0.0)
    np.testing.assert_array_equal(r["cf_train_acc"][0], 1.0)
    assert np.all(r["d_w_perm"] <= r["d_w"] + 1e-6)
    np.testing.assert_allclose(r["d_w_rel"], r["d_w"] / r["w_norm"][:1])
    np.testing.assert_allclose(r["d_train_loss"], r["train_loss"] - r["train_loss"][:1])
    assert np.all(r["interp_barrier"] >= -1e-6)
    np.testing.assert_allclose(np.linalg.norm(r.weights - r.weights[:1], axis=2), r["d_w"])
    assert r.epochs[-1] == pytest.approx(3.0)


def test_result_save_load_xarray_plot(small_run, tmp_path):
    path = small_run.save(tmp_path / "run.npz")
    back = PathDepResult.load(path)
    np.testing.assert_array_equal(back["d_w"], small_run["d_w"])
    np.testing.assert_array_equal(back.weights, small_run.weights)
    assert back.kind == "init"
    ds = small_run.to_xarray()
    assert ds["d_w"].dims == ("copy", "step") and "eps" in ds.coords
    fig = small_run.plot("d_w", fit=True)
    assert fig.axes and fig.axes[0].get_xlabel().startswith("epoch")
    with pytest.raises(KeyError, match="no metric"):
        small_run["nope"]


@pytest.mark.parametrize("kind, eps", [("lr", 0.01), ("momentum", 0.1), ("weight_decay", 0.01),
                                       ("batch_order", 1)])
def test_other_perturbation_kinds(kind, eps):
    X, y = _data(n=40, seed=4, dtype=torch.float32)
    r = run_experiment(X, y, hidden=(6,), kind=kind, eps=eps, n_copies=2, n_epochs=2,
                       batch_size=10, optimizer="momentum", lr=0.1, momentum=0.5,
                       seed=1, progress=False, align=False)
    np.testing.assert_array_equal(r["d_w"][:, 0], 0.0)  # same start
    assert np.all(r["d_w"][1:, -1] > 0)                # but different ends
    assert "d_w_perm" not in r.data


def test_same_seed_same_result():
    X, y = _data(n=40, seed=5, dtype=torch.float32)
    kw = dict(hidden=(5,), eps=0.2, n_copies=2, n_epochs=1, batch_size=10, seed=3, progress=False)
    np.testing.assert_array_equal(run_experiment(X, y, **kw)["d_w"], run_experiment(X, y, **kw)["d_w"])


@pytest.mark.parametrize("kwargs, exc, msg", [
    (dict(eps=-0.1), ValueError, "`eps` must be >= 0"),
    (dict(eps=1e6), ValueError, r"`eps` must be <= 2 \|w0\|"),
    (dict(kind="width"), ValueError, "`kind`"),
    (dict(kind="batch_order", eps=0.5), ValueError, "whole numbers"),
    (dict(kind="lr", eps=1.0, lr=0.1, optimizer="sgd"), None, None),
    (dict(kind="momentum", eps=2.0, optimizer="momentum"), ValueError, "outside its range"),
    (dict(batch_size=0), ValueError, "`batch_size`"),
    (dict(kind="momentum", eps=0.1, optimizer="adam"), ValueError, "needs optimizer 'momentum'"),
    (dict(n_copies=0), ValueError, "`n_copies`"),
    (dict(eps=[]), ValueError, "at least one value"),
    (dict(align=True, model=torch.nn.Sequential(torch.nn.Linear(5, 3), torch.nn.Tanh())),
     TypeError, "align=True"),
])
def test_bad_options(kwargs, exc, msg):
    X, y = _data(n=30, seed=6, dtype=torch.float32)
    base = dict(hidden=(4,), n_copies=1, n_epochs=1, batch_size=10, progress=False)
    base.update(kwargs)
    if exc is None:
        run_experiment(X, y, **base)
        return
    with pytest.raises(exc, match=msg):
        run_experiment(X, y, **base)


@pytest.mark.parametrize("X, y, exc, msg", [
    (torch.zeros(0, 3), torch.zeros(0, dtype=torch.long), ValueError, "non-empty"),
    (torch.zeros(5, 3), torch.zeros(4, dtype=torch.long), ValueError, r"`y` must have shape \(5,\)"),
    (torch.zeros(5, 3), torch.zeros(5), TypeError, "integer class labels"),
    (torch.full((5, 3), float("nan")), torch.zeros(5, dtype=torch.long), ValueError, "finite"),
])
def test_bad_data(X, y, exc, msg):
    with pytest.raises(exc, match=msg):
        run_experiment(X, y, hidden=(3,), n_copies=1, n_epochs=1, batch_size=1, progress=False)


# --------------------------------------------------------------------------- growth laws
@pytest.mark.parametrize("law, f", [
    ("linear", lambda t: 0.3 + 0.05 * t),
    ("exponential", lambda t: 0.01 * np.exp(0.08 * t)),
    ("sqrt", lambda t: 0.2 + 0.4 * np.sqrt(t)),
    ("power", lambda t: 0.01 * t ** 2.5),
])
def test_fit_growth_identifies_law(law, f):
    t = np.arange(1.0, 81.0)
    rng = np.random.default_rng(0)
    d = f(t) * (1 + 0.01 * rng.standard_normal(t.size))
    g = fit_growth(t, d)
    assert g.best == law and g.best_bic == law
    assert g.delta_aic[law] == 0.0


def test_fit_growth_parameters_and_window():
    t = np.linspace(0, 100, 201)
    d = np.where(t < 10, 0.1 * np.exp(0.3 * t), 0.1 * np.exp(3.0) * (1 + 0.3 * (t - 10)))
    early = fit_growth(t, d, window=(0, 10))
    late = fit_growth(t, d, window=(20, 100))
    assert early.best == "exponential"
    assert early.laws["exponential"].params[1] == pytest.approx(0.3, rel=1e-6)
    assert late.best == "linear"
    assert late.laws["linear"].params[1] == pytest.approx(0.1 * np.exp(3.0) * 0.3, rel=1e-9)
    assert late.window == (20.0, 100.0) and late.n == 161


@given(st.floats(0.1, 10), st.floats(-5, 5), st.floats(0.01, 3))
@settings(max_examples=15)
def test_fit_growth_linear_exact_and_scale_invariant(scale, a, b):
    t = np.arange(0.0, 20.0)
    d = a + b * t
    g = fit_growth(t, d, laws=("linear", "sqrt"))
    assert g.laws["linear"].params == pytest.approx((a, b), abs=1e-8 * (1 + abs(a)))
    g2 = fit_growth(t, scale * d, laws=("linear", "sqrt"))
    assert g2.best == g.best


@pytest.mark.parametrize("t, d, kw, msg", [
    (np.arange(5.0), np.arange(4.0), {}, "does not match"),
    (np.arange(3.0), np.arange(3.0), {}, "at least 4 points"),
    (np.arange(5.0), np.array([1, 2, np.nan, 4, 5.0]), {}, "finite"),
    (np.arange(5.0), np.arange(5.0) + 1, {"laws": ("cubic",)}, "`laws`"),
    (np.arange(5.0), np.arange(5.0) + 1, {"laws": ("power",)}, "power law needs t > 0"),
    (np.arange(5.0), np.arange(5.0) + 1, {"window": (3, 1)}, "`window`"),
])
def test_fit_growth_bad_inputs(t, d, kw, msg):
    with pytest.raises(ValueError, match=msg):
        fit_growth(t, d, **kw)


def test_power_law_recovers_exponent_and_decisiveness():
    t = np.arange(1.0, 200.0)
    rng = np.random.default_rng(1)
    d = 1.0 + 0.3 * t ** 0.3 + 1e-3 * rng.standard_normal(t.size)
    g = fit_growth(t, d)
    assert g.best == "power" and g.decisive
    assert g.laws["power"].params[2] == pytest.approx(0.3, abs=5 * g.laws["power"].stderr[2] + 1e-3)
    # two laws indistinguishable on a short, nearly straight stretch: not decisive
    t2 = np.arange(0.0, 6.0)
    g2 = fit_growth(t2, 1.0 + 1e-4 * t2 + 1e-5 * rng.standard_normal(6), laws=("linear", "exponential"))
    assert not g2.decisive


def test_checkpoints_int_and_fit_phases(small_run):
    X, y = _data(n=40, seed=7, dtype=torch.float32)
    r = run_experiment(X, y, hidden=(4,), eps=0.1, n_copies=1, n_epochs=2, batch_size=10,
                       checkpoints=1, progress=False, align=False)
    np.testing.assert_array_equal(r.steps, [0, 8])
    phases = small_run.fit_phases("d_w")
    assert set(phases) == {0.1, 0.5}
    early, late = phases[0.1]
    assert early.window[1] == pytest.approx(small_run.steps_per_epoch)
    assert late.window == (float(small_run.steps_per_epoch), float(small_run.steps[-1]))


@given(st.integers(1, 50), st.integers(1, 50), st.integers(1, 3), st.integers(0, 2 ** 31 - 1))
def test_batch_schedule_epochs_are_disjoint(n, b, epochs, seed):
    b = min(b, n)
    s = batch_schedule(n, b, epochs, seed=seed)
    per = n // b
    assert s.shape == (per * epochs, b)
    for e in range(epochs):
        block = s[e * per:(e + 1) * per].reshape(-1)
        assert len(set(block.tolist())) == block.size and block.min() >= 0 and block.max() < n
    np.testing.assert_array_equal(s, batch_schedule(n, b, epochs, seed=seed))


def test_interp_integral_is_mean_times_length(small_run):
    r = small_run
    np.testing.assert_allclose(r["interp_loss_integral"], r["interp_loss_mean"] * r["d_w_perm"])


def test_mlp_init_schemes():
    net = mlp((64, 100, 10), init="shell", seed=0, dtype=torch.float64)
    for layer, fan_in in ((net[0], 64), (net[2], 100)):
        D = layer.weight.numel()
        assert float(layer.weight.detach().norm()) == pytest.approx((D * 2 / fan_in) ** 0.5, rel=1e-12)
        assert float(layer.bias.detach().abs().sum()) == 0.0
    X, y = _data(n=30, seed=8, dtype=torch.float32)
    r = run_experiment(X, y, hidden=(4,), init="kaiming", n_copies=1, n_epochs=1, batch_size=10,
                       eps=0.1, progress=False)
    assert r.config["init"] == "kaiming"
    with pytest.raises(ValueError, match="`init`"):
        run_experiment(X, y, init="xavier", progress=False)


@pytest.mark.parametrize("sched, msg", [
    (np.zeros((0, 3), dtype=int), "non-empty integer array"),
    (np.zeros(4, dtype=int), "non-empty integer array"),
    (np.zeros((2, 3)), "non-empty integer array"),  # float indices
    (np.zeros((3, 2, 3), dtype=int), "3 per-copy schedules for 2 copies"),
    (np.full((2, 3), 60), r"indices must be in \[0, 60\)"),
    (np.full((2, 3), -1), r"indices must be in \[0, 60\)"),
])
def test_train_ensemble_bad_schedule(sched, msg):
    X, y = _data()
    net = mlp((5, 4, 3), seed=0, dtype=torch.float64)
    params = _unflatten(net, np.repeat(_flat(net)[None], 2, axis=0), torch.float64)
    with pytest.raises(ValueError, match=msg):
        train_ensemble(net, params, X, y, sched, progress=False)

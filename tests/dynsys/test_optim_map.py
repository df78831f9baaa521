"""Tests of the functional optimizer rules, the digits loader and OptimizerMap."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch.func import functional_call

from dynsys._optim_rules import OPTIMIZERS, check_hyper, init_state, update
from dynsys.data import load_digits_tensors
from dynsys.lyapunov import lyapunov_spectrum
from dynsys.optim_map import OptimizerMap, function_space_spectrum
from dynsys.strategies import quadratics
from dynsys.systems import LinearMap

torch.set_num_threads(1)

CONFIGS = [
    ("sgd", dict(lr=0.1)),
    ("sgd", dict(lr=0.05, weight_decay=1e-2)),
    ("momentum", dict(lr=0.05, momentum=0.9)),
    ("momentum", dict(lr=0.05, momentum=0.8, dampening=0.3, weight_decay=1e-3)),
    ("nesterov", dict(lr=0.05, momentum=0.9, weight_decay=1e-3)),
    ("adam", dict(lr=1e-2)),
    ("adam", dict(lr=1e-3, betas=(0.8, 0.99), eps=1e-6, weight_decay=1e-2)),
]


def _torch_opt(name, params, hp):
    if name == "adam":
        return torch.optim.Adam(params, lr=hp["lr"], betas=hp.get("betas", (0.9, 0.999)),
                                eps=hp.get("eps", 1e-8), weight_decay=hp.get("weight_decay", 0.0),
                                foreach=False)
    return torch.optim.SGD(params, lr=hp["lr"], momentum=hp.get("momentum", 0.0),
                           dampening=hp.get("dampening", 0.0), weight_decay=hp.get("weight_decay", 0.0),
                           nesterov=(name == "nesterov"), foreach=False)


def _small_model(dtype):
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(64, 16), torch.nn.Tanh(), torch.nn.Linear(16, 10)).to(dtype)


@pytest.mark.parametrize("name,hp", CONFIGS)
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_rules_match_torch_optim_on_a_model(name, hp, dtype):
    data = load_digits_tensors(seed=0, dtype=dtype)
    model = _small_model(dtype)
    params = {k: v.detach().clone() for k, v in model.named_parameters()}
    opt = _torch_opt(name, model.parameters(), hp)
    state = init_state(name, params)

    def loss_fn(p, xb, yb):
        return torch.nn.functional.cross_entropy(functional_call(model, p, (xb,)), yb)

    gen = torch.Generator().manual_seed(1)
    for t in range(30):
        idx = torch.randint(0, len(data.y_train), (32,), generator=gen)
        xb, yb = data.X_train[idx], data.y_train[idx]
        grads = torch.func.grad(loss_fn)(params, xb, yb)
        params, state = update(name, params, grads, state, t, **hp)
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(xb), yb).backward()
        opt.step()
    tol = 1e-12 if dtype == torch.float64 else 2e-6
    for k, v in model.named_parameters():
        torch.testing.assert_close(params[k], v.detach(), rtol=tol, atol=tol)


@pytest.mark.parametrize("name,hp", CONFIGS)
def test_rules_match_torch_optim_flat_tensor_foreach(name, hp):
    # default (foreach) torch implementation, flat parameter tensor, quadratic loss
    g = torch.Generator().manual_seed(3)
    A = torch.randn(6, 6, generator=g, dtype=torch.float64)
    H = A @ A.T / 6
    w = torch.randn(6, generator=g, dtype=torch.float64)
    wt = w.clone().requires_grad_(True)
    hp_t = dict(hp)
    opt = (torch.optim.Adam([wt], lr=hp["lr"], betas=hp.get("betas", (0.9, 0.999)), eps=hp.get("eps", 1e-8),
                            weight_decay=hp.get("weight_decay", 0.0)) if name == "adam" else
           torch.optim.SGD([wt], lr=hp["lr"], momentum=hp.get("momentum", 0.0), dampening=hp.get("dampening", 0.0),
                           weight_decay=hp.get("weight_decay", 0.0), nesterov=name == "nesterov"))
    state = init_state(name, w)
    for t in range(50):
        w, state = update(name, w, H @ w, state, t, **hp_t)
        opt.zero_grad()
        (0.5 * wt @ H @ wt).backward()
        opt.step()
    torch.testing.assert_close(w, wt.detach(), rtol=1e-12, atol=1e-12)


def test_rules_under_vmap_and_jvp():
    w = torch.randn(4, 3, dtype=torch.float64)  # ensemble of 4
    H = torch.diag(torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64))

    def one(wi, m, v):
        return update("adam", wi, H @ wi, (m, v), 3, lr=0.1)

    z = torch.zeros_like(w)
    out, (m, v) = torch.func.vmap(one)(w, z + 0.1, z + 0.2)
    for i in range(4):
        ref, _ = one(w[i], z[i] + 0.1, z[i] + 0.2)
        torch.testing.assert_close(out[i], ref)
    # jvp of the sgd rule is I - lr H
    _, tang = torch.func.jvp(lambda x: update("sgd", x, H @ x, (), 0, lr=0.1)[0], (w[0],), (torch.ones(3, dtype=torch.float64),))
    torch.testing.assert_close(tang, torch.tensor([0.9, 0.8, 0.7], dtype=torch.float64))


def test_adam_jvp_finite_where_gradient_is_zero():
    w = torch.tensor([1.0, 0.0], dtype=torch.float64)

    def f(x, m, v):
        # second coordinate never gets a gradient: v = m = 0 there
        return update("adam", x, x * torch.tensor([1.0, 0.0], dtype=torch.float64), (m, v), 0, lr=0.1)[0]

    z = torch.zeros(2, dtype=torch.float64)
    _, tang = torch.func.jvp(f, (w, z, z), (torch.ones(2, dtype=torch.float64),) * 3)
    assert torch.isfinite(tang).all()


@pytest.mark.parametrize("kw,match", [
    (dict(optimizer="rmsprop", lr=0.1), "optimizer"),
    (dict(optimizer="sgd", lr=-1.0), "lr"),
    (dict(optimizer="sgd", lr=0.1, momentum=0.9), "momentum"),
    (dict(optimizer="nesterov", lr=0.1, momentum=0.0), "Nesterov"),
    (dict(optimizer="momentum", lr=0.1, momentum=1.5), "momentum"),
    (dict(optimizer="adam", lr=0.1, betas=(0.9, 1.0)), "betas"),
    (dict(optimizer="adam", lr=0.1, eps=0.0), "eps"),
    (dict(optimizer="sgd", lr=0.1, weight_decay=-1.0), "weight_decay"),
])
def test_bad_hyperparameters_raise(kw, match):
    name = kw.pop("optimizer")
    with pytest.raises(ValueError, match=match):
        check_hyper(name, **kw)


def test_bad_state_raises():
    w = torch.zeros(3)
    with pytest.raises(ValueError, match="`state`"):
        update("adam", w, w, (), 0, lr=0.1)
    with pytest.raises(TypeError, match="`params`"):
        update("sgd", [w], w, (), 0, lr=0.1)


@settings(max_examples=25, deadline=None)
@given(name=st.sampled_from(OPTIMIZERS), seed=st.integers(0, 2**16), t=st.integers(0, 5))
def test_rules_do_not_mutate_inputs_and_dict_equals_tensor(name, seed, t):
    g = torch.Generator().manual_seed(seed)
    w = torch.randn(5, generator=g, dtype=torch.float64)
    gr = torch.randn(5, generator=g, dtype=torch.float64)
    st_ = tuple(torch.rand(5, generator=g, dtype=torch.float64) for _ in init_state(name, w))
    copies = (w.clone(), gr.clone(), tuple(s.clone() for s in st_))
    hp = dict(lr=0.1, momentum=0.0 if name == "sgd" else 0.5)
    w1, s1 = update(name, w, gr, st_, t, **hp)
    assert torch.equal(w, copies[0]) and torch.equal(gr, copies[1])
    assert all(torch.equal(a, b) for a, b in zip(st_, copies[2]))
    wd, sd = update(name, {"a": w[:2], "b": w[2:]}, {"a": gr[:2], "b": gr[2:]},
                    tuple({"a": s[:2], "b": s[2:]} for s in st_), t, **hp)
    torch.testing.assert_close(torch.cat([wd["a"], wd["b"]]), w1, rtol=0, atol=0)


def test_digits_loader():
    d = load_digits_tensors(test_fraction=0.25, seed=1, dtype=torch.float64)
    assert d.X_train.dtype == torch.float64 and d.y_test.dtype == torch.long
    assert len(d.y_train) + len(d.y_test) == 1797
    np.testing.assert_allclose(d.X_train.mean(0).numpy(), 0.0, atol=1e-12)
    sd = d.X_train.std(0, unbiased=False).numpy()
    assert np.all((np.abs(sd - 1) < 1e-9) | (sd == 0))
    d2 = load_digits_tensors(test_fraction=0.25, seed=1, dtype=torch.float64)
    assert torch.equal(d.X_train, d2.X_train)
    assert set(d.y_train.tolist()) == set(range(10))
    with pytest.raises(ValueError, match="test_fraction"):
        load_digits_tensors(test_fraction=1.0)
    with pytest.raises(TypeError, match="dtype"):
        load_digits_tensors(dtype=torch.int64)


# ------------------------------------------------------------------ OptimizerMap


def _quad_map(H, optimizer="sgd", **hp):
    Ht = torch.as_tensor(H, dtype=torch.float64)
    w0 = torch.linspace(-1.0, 1.0, Ht.shape[0], dtype=torch.float64)
    return OptimizerMap(lambda w, b: 0.5 * w @ Ht @ w, w0, [None], optimizer=optimizer, **hp)


def _roots(opt, mu, lr, h):
    if opt == "momentum":   # REFERENCE.md: z^2 - (1 + mu - eta h) z + mu = 0
        c = [1.0, -(1.0 + mu - lr * h), mu]
    else:                   # Nesterov: z^2 - (1 + mu)(1 - eta h) z + mu (1 - eta h) = 0
        c = [1.0, -(1.0 + mu) * (1.0 - lr * h), mu * (1.0 - lr * h)]
    return np.log(np.abs(np.roots(c)))


@settings(max_examples=4, deadline=None)
@given(q=quadratics(dims=(1, 4), eigs=(0.1, 10.0)), lr=st.floats(0.05, 0.5))
def test_gd_on_quadratics_exponents_are_log_abs_one_minus_eta_h(q, lr):
    H, h = q
    lam = np.log(np.abs(1.0 - lr * h))
    if len(h) > 1 and np.min(np.abs(np.diff(np.sort(lam)))) < 0.1:
        return  # nearly equal moduli: the frame aligns too slowly for a 1e-6 check
    m = _quad_map(H, lr=lr)
    r = lyapunov_spectrum(m, m.initial_state(), 20, transient=200, seed=0, progress=False)
    np.testing.assert_allclose(r.exponents, np.sort(lam)[::-1], atol=1e-6)


def test_gd_quadratic_edge_cases_eta_h_above_2_and_equal_1():
    H = np.diag([5.0, 2.0, 0.5])  # eta = 0.5: eta h = 2.5 (unstable), 1 (singular), 0.25
    m = _quad_map(H, lr=0.5)
    with pytest.warns(RuntimeWarning, match="singular"):
        r = lyapunov_spectrum(m, m.initial_state(), 30, transient=100, seed=0, progress=False)
    np.testing.assert_allclose(r.exponents[:2], [math.log(1.5), math.log(0.75)], atol=1e-6)
    assert r.exponents[2] == -math.inf
    assert r.exponents[0] > 0  # eta h > 2: diverging direction


@pytest.mark.parametrize("opt,mu,lr,wd", [
    ("momentum", 0.9, 0.3, 0.0),    # complex roots for all h (|z| = sqrt(mu))
    ("momentum", 0.5, 0.05, 0.0),   # real roots for small h
    ("momentum", 0.3, 0.9, 0.1),    # weight decay shifts h -> h + lambda
    ("nesterov", 0.9, 0.3, 0.0),
    ("nesterov", 0.5, 0.6, 0.0),
])
def test_heavy_ball_and_nesterov_against_characteristic_roots(opt, mu, lr, wd):
    h = np.array([0.5, 2.0, 3.9])
    m = _quad_map(np.diag(h), optimizer=opt, lr=lr, momentum=mu, weight_decay=wd)
    expected = np.sort(np.concatenate([_roots(opt, mu, lr, hi + wd) for hi in h]))[::-1]
    x0 = m.initial_state()
    # (1) the tangent map applied to the identity is the (constant) Jacobian; its spectrum
    #     by the engine on a long run (fast numpy) matches the roots to 1e-3
    J = m.tangent(x0 + 0.1, 3, torch.eye(m.dim, dtype=torch.float64)).numpy()
    r_lin = lyapunov_spectrum(LinearMap(J), np.zeros(m.dim), 10_000, transient=200, seed=0, progress=False)
    np.testing.assert_allclose(r_lin.exponents, expected, atol=1e-3)
    # (2) a direct run of the optimizer map: the total volume growth is exact, the exponents close
    r = lyapunov_spectrum(m, x0, 150, transient=20, seed=0, progress=False)
    np.testing.assert_allclose(r.sum, expected.sum(), atol=1e-6)
    np.testing.assert_allclose(r.exponents, expected, atol=2e-2)


@pytest.mark.slow
@pytest.mark.parametrize("opt,mu,lr", [("momentum", 0.9, 0.3), ("nesterov", 0.9, 0.3)])
def test_heavy_ball_direct_long_run(opt, mu, lr):
    h = np.array([0.5, 2.0, 3.9])
    m = _quad_map(np.diag(h), optimizer=opt, lr=lr, momentum=mu)
    expected = np.sort(np.concatenate([_roots(opt, mu, lr, hi) for hi in h]))[::-1]
    r = lyapunov_spectrum(m, m.initial_state(), 5000, transient=100, seed=0, progress=False)
    np.testing.assert_allclose(r.exponents, expected, atol=1e-3)


def _tiny_mlp(dtype=torch.float64, width=8, seed=0):
    data = load_digits_tensors(seed=0, dtype=dtype)
    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Linear(64, width), torch.nn.Tanh(), torch.nn.Linear(width, 10)).to(dtype)
    params = {k: v.detach().clone() for k, v in model.named_parameters()}
    gen = torch.Generator().manual_seed(seed)
    batches = [torch.randint(0, len(data.y_train), (16,), generator=gen) for _ in range(50)]

    def loss_fn(p, idx):
        return torch.nn.functional.cross_entropy(functional_call(model, p, (data.X_train[idx],)), data.y_train[idx])

    def out_fn(p, X):
        return functional_call(model, p, (X,))

    return model, params, batches, loss_fn, out_fn, data


@pytest.mark.parametrize("opt,hp", [("sgd", dict(lr=0.1)), ("momentum", dict(lr=0.05, momentum=0.9)),
                                    ("nesterov", dict(lr=0.05, momentum=0.8)),
                                    ("adam", dict(lr=1e-2, weight_decay=1e-3))])
def test_optimizer_map_step_matches_torch_optim_and_tangent_matches_finite_differences(opt, hp):
    model, params, batches, loss_fn, _, _ = _tiny_mlp()
    m = OptimizerMap(loss_fn, params, batches, optimizer=opt, **hp)
    tmodel = _small_copy(model)
    topt = _torch_opt(opt, tmodel.parameters(), hp)
    x = m.initial_state()
    data = load_digits_tensors(seed=0, dtype=torch.float64)
    for t in range(5):
        x = m.step(x, t)
        topt.zero_grad()
        torch.nn.functional.cross_entropy(tmodel(data.X_train[batches[t]]), data.y_train[batches[t]]).backward()
        topt.step()
    w, _ = m.split(x)
    for k, v in tmodel.named_parameters():
        torch.testing.assert_close(w[k], v.detach(), rtol=1e-12, atol=1e-12)
    # tangent map (jvp over vmap) against central finite differences of the step
    gen = torch.Generator().manual_seed(0)
    V = torch.randn(m.dim, 3, generator=gen, dtype=torch.float64)
    if opt == "adam":
        # keep the second-moment buffer v > 0 under the +-eps perturbation (sqrt(v) is
        # not differentiable at 0): scale those directions by v itself
        n = m.n_params
        V[2 * n:] *= x[2 * n:, None]
    JV = m.tangent(x, 5, V)
    eps = 1e-6
    for j in range(3):
        fd = (m.step(x + eps * V[:, j], 5) - m.step(x - eps * V[:, j], 5)) / (2 * eps)
        torch.testing.assert_close(JV[:, j], fd, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(m.tangent_loop(x, 5, V), JV, rtol=1e-10, atol=1e-12)


def _small_copy(model):
    import copy

    return copy.deepcopy(model)


def test_full_spectrum_sum_equals_average_log_det_of_jacobian():
    # independent oracle: the full Jacobian by torch.func.jacfwd on a tiny model
    torch.manual_seed(0)
    X = torch.randn(20, 3, dtype=torch.float64)
    y = torch.randn(20, dtype=torch.float64)

    def loss_fn(w, idx):
        pred = torch.tanh(X[idx] @ w[:3]) * w[3]
        return 0.5 * ((pred - y[idx]) ** 2).mean()

    gen = torch.Generator().manual_seed(1)
    batches = [torch.randint(0, 20, (5,), generator=gen) for _ in range(40)]
    m = OptimizerMap(loss_fn, torch.tensor([0.5, -0.3, 0.2, 1.0], dtype=torch.float64), batches,
                     optimizer="adam", lr=0.05)
    r = lyapunov_spectrum(m, m.initial_state(), 40, seed=0, progress=False)
    x = m.initial_state()
    logdets = []
    for t in range(40):
        J = torch.func.jacfwd(lambda z: m.update(z, t))(x)
        logdets.append(torch.linalg.slogdet(J)[1].item())
        x = m.step(x, t)
    assert abs(r.sum - np.mean(logdets)) < 1e-8


def test_sgd_least_squares_against_random_matrix_products():
    # SGD on least squares: J_t = I - eta X_b^T X_b / B, iid over random batches b, a
    # product of random matrices (Gurbuzbalaban, Simsekli & Zhu 2021).  Oracles:
    #  - the sum of all exponents = E_b log|det J_b| (law of large numbers; iid MC);
    #  - the top exponent by an independent numpy Monte Carlo over many products.
    rng = np.random.default_rng(0)
    N, d, B, eta = 64, 4, 4, 0.5
    X = rng.standard_normal((N, d))
    y = rng.standard_normal(N)
    Xt, yt = torch.tensor(X), torch.tensor(y)
    n = 500
    batch_idx = [torch.as_tensor(rng.choice(N, B, replace=False)) for _ in range(n)]
    m = OptimizerMap(lambda w, idx: 0.5 * ((Xt[idx] @ w - yt[idx]) ** 2).mean(),
                     torch.zeros(d, dtype=torch.float64), batch_idx, lr=eta)
    r = lyapunov_spectrum(m, m.initial_state(), n, seed=0, progress=False)

    def jacs(M, gen):
        # M independent batch Jacobians, batches drawn without replacement (vectorised)
        idx = np.argsort(gen.random((M, N)), axis=1)[:, :B]
        Xb = X[idx]                                       # (M, B, d)
        return np.eye(d) - eta * np.einsum("mbi,mbj->mij", Xb, Xb) / B

    mc_rng = np.random.default_rng(123)
    draws = np.linalg.slogdet(jacs(20_000, mc_rng))[1]
    mc_sum, mc_se = draws.mean(), draws.std(ddof=1) / math.sqrt(len(draws))
    se_sum = math.sqrt(np.sum(r.stderr ** 2))  # conservative (ignores negative correlations)
    assert abs(r.sum - mc_sum) < 4 * math.hypot(se_sum, mc_se)
    # top exponent and top-2 volume growth: 200 independent products of length 200 in
    # numpy (batched QR of 2-frames; the first column alone is a power iteration)
    R, T = 200, 200
    v = np.linalg.qr(mc_rng.standard_normal((R, d, 2)))[0]
    acc = np.zeros((R, 2))
    for t in range(T):
        Js = jacs(R, mc_rng)
        v, Rm = np.linalg.qr(Js @ v)
        acc += np.log(np.abs(np.diagonal(Rm, axis1=1, axis2=2)))
    lam_mc = acc / T
    top_mc, top_se = lam_mc[:, 0].mean(), lam_mc[:, 0].std(ddof=1) / math.sqrt(R)
    two_mc, two_se = lam_mc.sum(1).mean(), lam_mc.sum(1).std(ddof=1) / math.sqrt(R)
    bias = 5.0 / T  # finite-T bias of a product started from a random frame: O(1/T)
    assert abs(r.exponents[0] - top_mc) < 4 * math.hypot(r.stderr[0], top_se) + bias
    two = r.exponents[:2].sum()
    assert abs(two - two_mc) < 4 * math.hypot(math.hypot(*r.stderr[:2]), two_se) + bias
    # negative control: full-batch GD has a different (deterministic) top exponent
    Hfull = X.T @ X / N
    gd_top = np.max(np.log(np.abs(1 - eta * np.linalg.eigvalsh(Hfull))))
    assert abs(gd_top - top_mc) > 4 * top_se


def test_function_space_identity_outputs_equal_weight_space():
    H = np.diag([3.0, 1.0, 0.5])
    m = _quad_map(H, lr=0.2)
    res = function_space_spectrum(m, m.initial_state(), 60, output_fn=lambda w, probe: w, probe=None,
                                  k=3, observe_every=20, seed=0, progress=False)
    # outputs = weights: the output stretch of an orthonormal frame is 1, so the
    # function-space finite-time exponents are the weight-space ones
    np.testing.assert_allclose(res.function, res.weight.exponents, atol=1e-10)
    assert list(res.steps) == [20, 40, 60]


def test_function_space_on_mlp_runs_and_linear_outputs_are_bounded_by_conditioning():
    model, params, batches, loss_fn, out_fn, data = _tiny_mlp(width=4)
    m = OptimizerMap(loss_fn, params, batches, lr=0.1)
    res = function_space_spectrum(m, m.initial_state(), 40, output_fn=out_fn, probe=data.X_test[:20],
                                  k=3, observe_every=10, seed=0, progress=False)
    assert res.function.shape == (3,) and np.all(np.isfinite(res.function))
    assert res.function_history.shape == (4, 3)
    # a fixed linear read-out F(w) = M w: the output stretch of any unit vector lies in
    # [s_min(M), s_max(M)], so the nested-volume terms differ from the weight-space
    # exponents by at most j * log(cond M) / t
    H = np.diag([3.0, 1.0, 0.5, 0.2])
    mq = _quad_map(H, lr=0.2)
    M = torch.tensor(np.random.default_rng(0).standard_normal((6, 4)) + 2 * np.eye(6, 4))
    lin = function_space_spectrum(mq, mq.initial_state(), 50, output_fn=lambda w, probe: M @ w, probe=None,
                                  k=3, observe_every=50, seed=0, progress=False)
    sv = np.linalg.svd(M.numpy(), compute_uv=False)
    bound = np.cumsum(np.full(3, 2 * np.log(sv[0] / sv[-1]))) / 50
    diff = np.abs(np.cumsum(lin.function) - np.cumsum(lin.weight.exponents))
    assert np.all(diff <= bound + 1e-12)
    fig = res.plot()
    import matplotlib.pyplot as plt

    plt.close(fig)
    with pytest.raises(ValueError, match="at least k"):
        function_space_spectrum(m, m.initial_state(), 5, output_fn=lambda p, X: out_fn(p, X)[:, :1],
                                probe=data.X_test[:2], k=3, progress=False)


def test_optimizer_map_bad_inputs():
    w = torch.zeros(3, dtype=torch.float64)
    f = lambda w, b: (w ** 2).sum()  # noqa: E731
    with pytest.raises(ValueError, match="`batches` must not be empty"):
        OptimizerMap(f, w, [], lr=0.1)
    with pytest.raises(TypeError, match="`params`"):
        OptimizerMap(f, [w], [None], lr=0.1)
    with pytest.raises(TypeError, match="floating"):
        OptimizerMap(f, torch.zeros(3, dtype=torch.long), [None], lr=0.1)
    with pytest.raises(ValueError, match="`lr`"):
        OptimizerMap(f, w, [None], lr=0.0)
    with pytest.raises(TypeError, match="`loss_fn`"):
        OptimizerMap(None, w, [None], lr=0.1)
    m = OptimizerMap(f, w, lambda t: None, optimizer="adam", lr=0.1)
    assert m.dim == 9 and m.initial_state().shape == (9,)


def test_divergent_training_raises_divergence_error():
    from dynsys.errors import DivergenceError

    m = _quad_map(np.diag([10.0]), lr=1.0)  # |1 - 10| = 9 per step: overflow in float64 in ~330 steps
    with pytest.raises(DivergenceError) as info:
        lyapunov_spectrum(m, m.initial_state() + 1e300, 400, seed=0, progress=False)
    assert info.value.step is not None


@pytest.mark.slow
def test_mlp_with_100k_parameters_top16_over_500_steps():
    # the "real network": >= 100,000 parameters, top 16 exponents of SGD, 500 steps
    from dynsys import digits_mlp_map

    mlp = digits_mlp_map(width=300, depth=2, lr=0.1, seed=0)
    assert mlp.n_params >= 100_000
    r = lyapunov_spectrum(mlp.map, mlp.map.initial_state(), 500, k=16, seed=0, progress=False)
    assert r.exponents.shape == (16,) and np.all(np.isfinite(r.exponents))
    assert np.all(np.diff(r.exponents) <= 0) and np.all(r.stderr > 0)


@settings(max_examples=8, deadline=None)
@given(frac=st.floats(0.0, 0.9), seed=st.integers(0, 1000))
def test_digits_split_sizes_property(frac, seed):
    d = load_digits_tensors(test_fraction=frac, seed=seed, dtype=torch.float64)
    assert len(d.y_train) + len(d.y_test) == 1797 == len(d.X_train) + len(d.X_test)
    assert len(d.y_test) == round(frac * 1797)
    assert torch.isfinite(d.X_train).all() and torch.isfinite(d.X_test).all()


@settings(max_examples=6, deadline=None)
@given(width=st.integers(1, 12), depth=st.integers(1, 3),
       opt=st.sampled_from(["sgd", "momentum", "adam"]))
def test_digits_mlp_map_parameter_count(width, depth, opt):
    from dynsys import digits_mlp_map

    hyper = dict(momentum=0.9) if opt == "momentum" else {}
    mlp = digits_mlp_map(width=width, depth=depth, optimizer=opt, lr=0.01, n_batches=3, seed=0, **hyper)
    expected = 65 * width + (depth - 1) * (width + 1) * width + (width + 1) * 10
    assert mlp.n_params == expected
    assert mlp.map.dim == expected * {"sgd": 1, "momentum": 2, "adam": 3}[opt]
    x1 = mlp.map.step(mlp.map.initial_state(), 0)
    assert torch.isfinite(x1).all()
    with pytest.raises(ValueError, match="`activation`"):
        digits_mlp_map(width=width, activation="gelu")

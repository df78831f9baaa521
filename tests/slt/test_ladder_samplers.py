"""The ladder's samplers against independent routes.

* On a deep linear network the layer conditionals are Gaussian: an explicit-Kronecker
  Gibbs sampler written here in numpy (full precision matrices, Cholesky draws) is an
  independent oracle for the engine's eigenbasis Gibbs moves, which must accept every move.
* On a ReLU network and on softmax regression the two engines (layer-wise Gauss–Newton
  Metropolis-within-Gibbs and diagonally preconditioned MALA) are independent samplers of
  the same target: their means must agree within their standard errors.
"""

import math

import numpy as np
import pytest
import torch

from slt.ladder import run_ladder_sampler, tensor_scales
from slt.models import deep_linear_network

F64 = torch.float64


def _reference_gibbs(net, t, gamma, n_sweeps, n_chains, seed):
    """Blocked Gibbs with explicit Kronecker precision matrices (numpy, no eigenbasis tricks)."""
    rng = np.random.default_rng(seed)
    X, Y = (v.numpy() for v in net.data)
    n, N = Y.shape
    Ws_star = [m.weight.detach().numpy() for m in net.model]
    sizes = [W.size for W in Ws_star]
    g_layers = np.split(gamma.numpy(), np.cumsum(sizes)[:-1])
    out = np.zeros((n_chains, n_sweeps))
    for c in range(n_chains):
        Ws = [W.copy() for W in Ws_star]
        for s in range(n_sweeps):
            for i, Wi in enumerate(Ws):
                A = np.eye(N) if i == len(Ws) - 1 else np.linalg.multi_dot([*Ws[i + 1:][::-1], np.eye(Wi.shape[0])])
                B = np.eye(X.shape[1])
                for Wj in Ws[:i]:
                    B = Wj @ B
                M = np.kron(X @ B.T, A)                       # vec(A W B Xᵀ) = (X Bᵀ ⊗ A) vec(W), column-major
                D = np.diag(g_layers[i].reshape(Wi.shape).T.reshape(-1))
                prec = 2 * t / (n * N) * M.T @ M + D
                rhs = 2 * t / (n * N) * M.T @ Y.reshape(-1) + D @ Ws_star[i].T.reshape(-1)   # vec(Yᵀ) = rows of Y
                L = np.linalg.cholesky(prec)
                mu = np.linalg.solve(prec, rhs)
                w = mu + np.linalg.solve(L.T, rng.standard_normal(mu.size))
                Ws[i] = w.reshape(Wi.shape[1], Wi.shape[0]).T
            P = Ws[0]
            for Wj in Ws[1:]:
                P = Wj @ P
            out[c, s] = t * np.mean((X @ P.T - Y) ** 2)
    return out


def _mean_se(y):
    pc = y.mean(axis=-1).reshape(-1)
    return pc.mean(), pc.std(ddof=1) / math.sqrt(pc.size)


@pytest.mark.parametrize("t", [30.0, 3000.0])
def test_gibbs_engine_matches_an_explicit_kronecker_gibbs_sampler(t):
    net = deep_linear_network([3, 2, 3], 1, n=40, seed=3)
    gamma = 0.05 / tensor_scales(net.model, net.w_star) ** 2
    run = run_ladder_sampler(net.model, *net.data, torch.nn.functional.mse_loss, net.w_star, np.array([t]),
                             gamma=gamma, n_chains=24, n_sweeps=500, burn=100, engine="kgibbs",
                             gen=torch.Generator().manual_seed(0), progress=False)
    assert run.engine == "kgibbs"
    assert run.acceptance.min() > 0.999999          # the proposals are the exact conditionals
    ours = _mean_se(t * run.energy[0])
    ref = _mean_se(_reference_gibbs(net, t, gamma, 500, 24, seed=1)[:, 100:])
    assert abs(ours[0] - ref[0]) < 4 * math.hypot(ours[1], ref[1]), (ours, ref)
    # negative control: a different temperature is told apart at this precision
    run2 = run_ladder_sampler(net.model, *net.data, torch.nn.functional.mse_loss, net.w_star, np.array([t / 3]),
                              gamma=gamma, n_chains=24, n_sweeps=500, burn=100, engine="kgibbs",
                              gen=torch.Generator().manual_seed(0), progress=False)
    other = _mean_se(t * run2.energy[0])
    assert abs(other[0] - ref[0]) > 4 * math.hypot(other[1], ref[1])


def _relu_problem():
    g = torch.Generator().manual_seed(5)
    x = torch.rand((60, 2), generator=g, dtype=F64) * 2 - 1
    model = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Linear(3, 1)).to(F64)
    with torch.no_grad():
        model[0].weight.copy_(torch.tensor([[1.0, -0.5], [0.3, 0.8], [-0.7, 0.4]], dtype=F64))
        model[0].bias.copy_(torch.tensor([0.1, -0.2, 0.3], dtype=F64))
        model[2].weight.copy_(torch.tensor([[0.9, -0.6, 0.5]], dtype=F64))
        model[2].bias.zero_()
        y = model(x) + 0.05 * torch.randn((60, 1), generator=g, dtype=F64)
    return model, x, y


@pytest.mark.parametrize("problem", ["relu-mse", "softmax-ce"])
def test_the_two_engines_sample_the_same_posterior(problem):
    if problem == "relu-mse":
        model, x, y = _relu_problem()
        loss = torch.nn.functional.mse_loss
        t = 200.0
    else:
        g = torch.Generator().manual_seed(2)
        x = torch.randn((80, 3), generator=g, dtype=F64)
        model = torch.nn.Sequential(torch.nn.Linear(3, 3)).to(F64)
        y = torch.randint(0, 3, (80,), generator=g)
        loss = torch.nn.functional.cross_entropy
        t = 50.0
    w_star = torch.cat([p.detach().reshape(-1) for p in model.parameters()])
    gamma = 1.0 / tensor_scales(model, w_star) ** 2
    temps = np.array([t])
    kg = run_ladder_sampler(model, x, y, loss, w_star, temps, gamma=gamma, n_chains=16, n_sweeps=1200, burn=300,
                            engine="kgibbs", gen=torch.Generator().manual_seed(0), progress=False)
    pm = run_ladder_sampler(model, x, y, loss, w_star, temps, gamma=gamma, n_chains=16, n_sweeps=6000, burn=1500,
                            engine="pmala", gen=torch.Generator().manual_seed(1), progress=False)
    a, b = _mean_se(t * kg.energy[0]), _mean_se(t * pm.energy[0])
    assert kg.acceptance.min() > 0.2 and 0.3 < pm.acceptance.min() < 0.9
    assert abs(a[0] - b[0]) < 4 * math.hypot(a[1], b[1]), (a, b)
    # and both agree on the localization term, a second observable
    sa, sb = _mean_se(kg.sq_dist[0]), _mean_se(pm.sq_dist[0])
    assert abs(sa[0] - sb[0]) < 4 * math.hypot(sa[1], sb[1]), (sa, sb)


def test_factor_spectra_from_singular_values_keep_null_directions_at_zero():
    """The Kronecker factors' spectra come from the singular values of J (or of the layer
    inputs), not from an eigendecomposition of the formed JᵀJ: a null direction must stay at
    ε²‖J‖², not ε‖J‖² (at t = 10¹⁰ the latter exceeds the localization and the acceptance of a
    12 939-parameter DLN fell to 0.02, its λ̂ 25 % high)."""
    from slt._kgibbs import _gram_eig

    g = torch.Generator().manual_seed(0)
    for r, p in [(7, 40), (40, 12)]:
        U = torch.linalg.qr(torch.randn(r, r, generator=g, dtype=F64))[0]
        V = torch.linalg.qr(torch.randn(p, p, generator=g, dtype=F64))[0]
        k = min(r, p) - 3                                     # rank k: p - k exact null directions
        s = torch.logspace(3, 0, k, dtype=F64)
        M = (U[:, :k] * s) @ V[:, :k].T
        lam, vec = _gram_eig(M.unsqueeze(0))
        lam, vec = lam[0], vec[0]
        torch.testing.assert_close(vec.T @ vec, torch.eye(p, dtype=F64), atol=1e-12, rtol=0)
        top = torch.sort(lam, descending=True).values
        torch.testing.assert_close(top[:k], s ** 2, rtol=1e-12, atol=0)
        assert float(top[k:].abs().max()) <= 1e3 * 2.2e-16 ** 2 * float(s[0]) ** 2
        # the formed Gram matrix: round-off of order ε‖M‖² in the same directions (the old route)
        naive = torch.linalg.eigh(M.T @ M).eigenvalues.abs()
        assert float(torch.sort(naive).values[: p - k].max()) > 1e3 * float(top[k:].abs().max())


@pytest.mark.slow
def test_gibbs_moves_are_all_accepted_at_the_top_of_the_automatic_ladder():
    """On a 12 939-parameter DLN (random family, 1e4 bucket, seed 2) the engine's moves are exact
    Gibbs draws and must be accepted at t up to 10¹⁰ (was 0.02 with the formed Gram matrices)."""
    from slt.models import random_deep_linear_network

    net = random_deep_linear_network("1e4", seed=2)
    gamma = 1e-3 / tensor_scales(net.model, net.w_star) ** 2
    run = run_ladder_sampler(net.model, *net.data, net.loss_fn, net.w_star, np.array([1e8, 1e10]), gamma=gamma,
                             n_chains=2, n_sweeps=30, burn=10, engine="kgibbs",
                             gen=torch.Generator().manual_seed(0), progress=False)
    assert run.acceptance.min() > 0.95, run.acceptance


def _linear_units_at_a_minimum(hidden: int):
    """A 6-``hidden``-3 network whose hidden activation is a LeakyReLU of slope 1 (the identity, parsed as a
    nonlinear layer), trained by L-BFGS to a minimum of the mean squared error on 200 noisy linear targets."""
    from slt.models.digits import _lbfgs_to_minimum

    gen = torch.Generator().manual_seed(0)
    x = torch.randn(200, 6, generator=gen, dtype=F64)
    y = x @ torch.randn(6, 3, generator=gen, dtype=F64) + 0.1 * torch.randn(200, 3, generator=gen, dtype=F64)
    net = torch.nn.Sequential(torch.nn.Linear(6, hidden), torch.nn.LeakyReLU(1.0), torch.nn.Linear(hidden, 3)).to(F64)
    _lbfgs_to_minimum(net, x, y, max_iter=500, tolerance_grad=1e-13, tolerance_change=0.0)
    return net, x, y, torch.cat([p.detach().reshape(-1) for p in net.parameters()])


def test_unit_wise_proposals_are_exact_gibbs_moves_when_the_conditional_is_gaussian():
    # a LeakyReLU of slope 1 is the identity but parses as a nonlinear layer, so layer 0 gets the
    # unit-wise Gauss–Newton proposal; with one hidden unit its block is the exact conditional
    # precision up to the output layer's fluctuation (the precision is frozen at its burn-in mean),
    # so at a minimum almost every move is accepted when t is large and the damping stays small
    from slt._kgibbs import run_kgibbs
    from slt._mlp import parse_mlp

    net, x, y, w = _linear_units_at_a_minimum(1)
    run = run_kgibbs(parse_mlp(net), net, w, x, y, "mse", np.array([1e2, 1e4]), n_chains=2, n_sweeps=40, burn=20,
                     gamma=1e-3 / tensor_scales(net, w) ** 2, gen=torch.Generator().manual_seed(1))
    assert run.acceptance[0, 0] > 0.6 and run.acceptance[1, 0] > 0.95, run.acceptance
    assert run.tuning[:, 0].max() < 0.1, run.tuning


def _chi2_per_layer(exponent=None, monkeypatch=None):
    """Layer-wise Σ γ (w − w*)² over 256 chains of a 10-4-2 ReLU network at t = 10⁻⁹, where the target
    is the localization alone: N(w*, 1/γ) in every parameter (chi-square means 44 and 8)."""
    import slt._kgibbs as kg
    from slt._mlp import parse_mlp

    if exponent is not None:
        monkeypatch.setattr(kg, "_rescale_exponent", lambda layer, after: exponent)
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(60, 10, generator=gen, dtype=F64)
    net = torch.nn.Sequential(torch.nn.Linear(10, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2)).to(F64)
    y = net(x).detach()
    w = torch.cat([p.detach().reshape(-1) for p in net.parameters()])
    run = kg.run_kgibbs(parse_mlp(net), net, w, x, y, "mse", np.array([1e-9]), n_chains=256, n_sweeps=60, burn=30,
                        gamma=torch.full_like(w, 4.0), gen=torch.Generator().manual_seed(1))
    f = run.final[0]
    q0 = (4.0 * (f[:, :44] - w[:44]) ** 2).sum(1).mean()
    q1 = (4.0 * (f[:, 44:52] - w[44:52]) ** 2).sum(1).mean()
    return [(float(q0) - 44) / math.sqrt(2 * 44 / 256), (float(q1) - 8) / math.sqrt(2 * 8 / 256)]


def test_rescaling_moves_keep_the_target():
    # the moves scale a ReLU unit's incoming weights by α and its outgoing by 1/α (an exact symmetry of
    # the loss); their Metropolis ratio carries the Jacobian α^(in + 1 − out) = α^9 here.  Where the loss
    # does not matter (t = 1e-9) the target is the Gaussian localization, whose chi-square means are known.
    z = _chi2_per_layer()
    assert max(abs(v) for v in z) < 4.0, z


def test_negative_control_rescaling_moves_without_their_jacobian_leave_the_target(monkeypatch):
    z = _chi2_per_layer(exponent=0, monkeypatch=monkeypatch)
    assert not max(abs(v) for v in z) < 4.0, z


@pytest.mark.parametrize("wrong_gradient", [False, True])
def test_unit_moves_are_exact_gibbs_moves_when_every_unit_is_linear(wrong_gradient, monkeypatch):
    # three hidden units with a LeakyReLU of slope 1 (parsed as nonlinear, so the last hidden layer moves
    # unit by unit): each unit's conditional is Gaussian with precision t c_j E[x̂ x̂ᵀ] + γ, c_j ∝ ‖W_out[:, j]‖²,
    # which is the frozen block times ρ_j, so every move is an exact Gibbs draw.  A wrong incremental loss
    # or gradient in the unit moves shows as rejections.
    import slt._kgibbs as kg
    from slt._kgibbs import run_kgibbs
    from slt._mlp import parse_mlp

    if wrong_gradient:       # negative control: the proposal's drift from a gradient 10 % too large
        right = kg._dloss
        monkeypatch.setattr(kg, "_dloss", lambda kind, f, y: 1.1 * right(kind, f, y))
    net, x, y, w = _linear_units_at_a_minimum(3)
    run = run_kgibbs(parse_mlp(net), net, w, x, y, "mse", np.array([1e2, 1e4]), n_chains=4, n_sweeps=80, burn=40,
                     gamma=1e-3 / tensor_scales(net, w) ** 2, gen=torch.Generator().manual_seed(1))
    exact = run.acceptance[:, 0].min() > 0.99 and run.tuning[:, 0].max() < 1e-3
    assert exact != wrong_gradient, (run.acceptance, run.tuning)

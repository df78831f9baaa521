"""slt.relu.relu_minimum: the exact minimum of a ReLU network on its kinks and its RLCT k + rank/2.

Oracles independent of the active-set code: one-sided finite differences of the loss along each
crease's normal (against the slopes from the Lagrange multipliers); second differences along the
curved directions (against the reduced Hessian); the loss along the flat directions (constant);
the rescaling and unit-permutation symmetries; and, for the value of lambda itself, a plain
random-walk Metropolis sampler written here (no code shared with slt) whose E_t[t (L - L*)] at
t = 1e6 must equal k + rank/2 within its standard error.  Negative controls: the Hessian rank/2
that ignores the kink (a different number), and an unconverged or degenerate minimum raising.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest
import sympy as sp
import torch
import torch.nn.functional as F
from hypothesis import given, settings, strategies as st

from slt import ReLUMinimum, relu_minimum
from slt.errors import NonDegeneracyError
from slt.models import digits_relu_mlp, relu_regression, rescale_hidden

F64 = torch.float64


@functools.lru_cache(maxsize=None)
def _small():
    """slt.models.relu_regression(): a 2-3-1 ReLU network at its exact minimum, one kink, lambda = 11/2."""
    net, (x, y) = relu_regression()
    return net, x, y


@pytest.fixture(scope="module")
def small():
    net, x, y = _small()
    return relu_minimum(net, x, y), x, y


@pytest.fixture(scope="module")
def digits():
    net, (x, y) = digits_relu_mlp(4, n_points=500, seed=0)
    return relu_minimum(net, x, y), x, y


def _flat(m):
    return torch.cat([p.detach().reshape(-1) for p in m.parameters()])


def _hessian(m, x, y):
    """The autograd Hessian of the mean squared error at the model's parameters (torch's relu'(0) = 0)."""
    from torch.func import functional_call, hessian

    names = [k for k, _ in m.named_parameters()]
    shapes = [p.shape for p in m.parameters()]
    sizes = [p.numel() for p in m.parameters()]

    def loss(v):
        return F.mse_loss(functional_call(m, {k: t.reshape(s) for k, t, s in zip(names, torch.split(v, sizes), shapes)},
                                          (x,)), y)

    return hessian(loss)(_flat(m))


def _loss_at(m, w, x, y):
    m2 = rescale_hidden(m, 1.0)
    torch.nn.utils.vector_to_parameters(w, m2.parameters())
    with torch.no_grad():
        return float(F.mse_loss(m2(x), y))


def test_small_network_structure(small):
    res, _, _ = small
    assert isinstance(res, ReLUMinimum)
    assert (len(res.kinks), res.rank, res.flat) == (1, 9, 3)         # 3 flat = the three units' rescalings
    assert res.rlct.value == sp.Rational(11, 2) and res.rlct.multiplicity == 1 and res.rlct.exact
    assert (res.slopes > 0).all() and res.gap > 1e6 and res.margin > 1e-3


def test_digits_mlp_structure(digits):
    # digits 64-4-10, 500 points: two data points on unit 1's kink, rank 243 on the creases, 65 flat directions
    # (4 rescalings + the pixels a unit's active inputs leave undetermined); measured 2026-12-03
    res, _, _ = digits
    assert len(res.kinks) == 2 and res.rank == 243 and res.flat == 65
    assert res.rlct.value == sp.Rational(247, 2)
    assert res.t_walls > 1e8                        # no feasible ladder is in the asymptotic regime


def test_digits_relu_mlp_is_returned_at_the_certified_minimum(digits):
    res, x, y = digits
    net, _ = digits_relu_mlp(4, n_points=500, seed=0)
    # relu_minimum's extra Newton steps at the round-off floor move it by ~1e-9, along the fibre and not the loss
    torch.testing.assert_close(_flat(res.model), _flat(net), rtol=0, atol=1e-7)
    assert res.loss == pytest.approx(float(F.mse_loss(net(x), y)), rel=1e-13, abs=0)


@pytest.mark.parametrize("case", ["small", "digits"])
def test_one_sided_slopes_by_finite_differences(case, request):
    res, x, y = request.getfixturevalue(case)
    m = res.model
    w = _flat(m)
    l0 = _loss_at(m, w, x, y)
    d = w.numel()
    for (i, j), (left, right) in zip(res.kinks, res.slopes):
        # the direction that moves z_ij by 1 and no other kink's z (the crease normal, orthogonal to the others)
        rows = []
        for (a, b) in res.kinks:
            r = torch.zeros(d, dtype=F64)
            D = x.shape[1]
            r[b * D:(b + 1) * D] = x[a]
            r[m[0].weight.numel() + b] = 1.0
            rows.append(r)
        A = torch.stack(rows)
        e = torch.zeros(len(rows), dtype=F64)
        e[res.kinks.index((i, j))] = 1.0
        v = A.T @ torch.linalg.solve(A @ A.T, e)
        for s, slope in ((1e-7, right), (-1e-7, left)):
            fd = (_loss_at(m, w + s * v, x, y) - l0) / abs(s)
            assert fd == pytest.approx(slope, rel=2e-3, abs=1e-12), (i, j, s, fd, slope)


def test_the_minimum_is_not_smooth_and_its_hessian_rank_is_not_the_answer(small):
    # negative control: the plain Hessian at w* is no answer.  Which side of the kink the kink point falls on is
    # decided by round-off (z ~ 1e-17 either way), so take it 1e-9 to each side along the crease's normal: on
    # both, rank/2 differs from lambda (and the inactive side has a negative eigenvalue across the kink)
    res, x, y = small
    (i, j), = res.kinks
    for side in (-1.0, 1.0):
        m = rescale_hidden(res.model, 1.0)
        with torch.no_grad():
            m[0].bias[j] += side * 1e-9
        ev = torch.linalg.eigvalsh(_hessian(m, x, y))
        assert sp.Rational(int((ev > 1e-10 * ev.max()).sum()), 2) != res.rlct.value, (side, ev)
        if side < 0:
            assert float(ev[0]) < -1e-4, ev


def test_flat_directions_are_flat_and_the_rescaling_is_one_of_them(small):
    res, x, y = small
    m = res.model
    l0 = _loss_at(m, _flat(m), x, y)
    for a in (0.5, 3.0):
        assert _loss_at(m, _flat(rescale_hidden(m, a)), x, y) == pytest.approx(l0, rel=1e-13)


@settings(max_examples=12, deadline=None)
@given(alpha=st.floats(1e-2, 1e2), perm=st.permutations([0, 1, 2]))
def test_invariant_under_rescaling_and_unit_permutation(small, alpha, perm):
    res, x, y = small
    m = rescale_hidden(res.model, alpha)
    p = torch.tensor(perm)
    with torch.no_grad():
        m[0].weight.copy_(m[0].weight[p])
        m[0].bias.copy_(m[0].bias[p])
        m[2].weight.copy_(m[2].weight[:, p])
    out = relu_minimum(m, x, y)
    assert out.rlct == res.rlct and (out.rank, out.flat) == (res.rank, res.flat)
    inv = {int(old): new for new, old in enumerate(perm)}
    assert sorted((i, inv[j]) for i, j in res.kinks) == list(out.kinks)
    assert out.loss == pytest.approx(res.loss, rel=1e-12)


def _rwm_energy(res, x, y, t, n_steps, seed):
    """E_t[t (L - L*)] by random-walk Metropolis (numpy, Gaussian localization of width 1): independent of slt."""
    m = res.model
    X, Y = x.numpy(), y.numpy()
    w0 = _flat(m).numpy()
    D, Hd = m[0].in_features, m[0].out_features
    n1, n2 = Hd * D, Hd * D + Hd

    def loss(W):
        W1 = W[:, :n1].reshape(-1, Hd, D)
        h = np.maximum(np.einsum("cjd,nd->cnj", W1, X) + W[:, n1:n2][:, None, :], 0.0)
        N = Y.shape[1]
        f = np.einsum("cnj,coj->cno", h, W[:, n2:n2 + Hd * N].reshape(-1, N, Hd)) + W[:, None, -N:]
        return ((f - Y[None]) ** 2).mean((1, 2))

    Hm = _hessian(m, x, y).numpy()
    d = w0.size
    cov = np.linalg.inv(t * Hm + np.eye(d) + 1e-2 * t * np.diag(np.diag(Hm).clip(1e-6 * np.abs(Hm).max())))
    chol = np.linalg.cholesky(cov)
    rng = np.random.default_rng(seed)
    C = 64
    W = np.tile(w0, (C, 1))
    l0 = loss(w0[None])[0]

    def logp(V):
        return -t * (loss(V) - l0) - 0.5 * ((V - w0) ** 2).sum(1)

    lp, scale, acc, E = logp(W), 2.38 / np.sqrt(d), [], []
    for it in range(n_steps):
        prop = W + scale * rng.standard_normal((C, d)) @ chol.T
        lq = logp(prop)
        a = np.log(rng.random(C)) < lq - lp
        W[a], lp[a] = prop[a], lq[a]
        acc.append(a.mean())
        if it < n_steps // 4 and it % 500 == 499:
            scale *= np.exp(np.mean(acc[-500:]) - 0.25)
        if it >= n_steps // 4 and it % 10 == 0:
            E.append(t * (loss(W) - l0))
    cm = np.array(E).mean(0)
    return float(cm.mean()), float(cm.std(ddof=1) / np.sqrt(C))


def test_lambda_by_an_independent_sampler(small):
    # t = 1e6 >> t_walls (3.5e4) and >> curvature / slope^2: the asymptotic regime; measured 5.47 +- 0.05
    # (60 000 steps) against 11/2; the Hessian rank without the kink would say 5 (negative control above)
    res, x, y = small
    g, se = _rwm_energy(res, x, y, 1e6, 24_000, seed=0)
    assert abs(g - float(res.rlct.value)) <= 4 * se + 0.05, (g, se)
    assert abs(g - 5.0) > 4 * se, (g, se)


def _ladder_estimate(res, x, y, **options):
    import warnings

    from slt import estimate_rlct_model

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return estimate_rlct_model(res.model, (x, y), F.mse_loss, n=30, seed=0, progress=False,
                                   temps=[1e5, 1e6, 1e7, 1e8], **options)


def test_the_ladder_estimate_matches_the_exact_relu_rlct(small):
    # rungs far above t_walls = 3.5e4; the kink's unit moves within its crease and its kink moves at the
    # kink's scale (slt._kgibbs.KINK_MOVES).  Measured 2026-12-03: see the negative control below.
    res, x, y = small
    est = _ladder_estimate(res, x, y)
    assert abs(est.value - 5.5) <= 3 * est.stderr + 0.05, (est.value, est.stderr)


def test_negative_control_without_kink_moves_the_kinked_unit_is_stuck(small, monkeypatch):
    # the Gauss-Newton move of the unit with the kink overshoots the kink's scale 1/(t slope) ~ 1e-4 by ~60x and
    # is always rejected: the unit never leaves w* and lambda-hat reads 1.5 low (3.97 +- 0.04, measured), silently.
    # m = 1 (the exact multiplicity): with m free the fitted form, and so the error, changes between runs (0.04-0.16)
    import slt._kgibbs as kg

    monkeypatch.setattr(kg, "KINK_MOVES", False)
    monkeypatch.setattr(kg, "UNIT_DAMPING", False)
    res, x, y = small
    est = _ladder_estimate(res, x, y, multiplicity=1)
    assert est.value < 5.5 - 10 * est.stderr, (est.value, est.stderr)


def test_cold_rungs_factorise_the_kink_units_precision_stably(digits):
    # at t >= 1e14 the precision of the kinked unit's move within its creases, B^T P B, was formed as a product and
    # factorised by Cholesky: on the digits MLP that raised torch's LinAlgError at the first sweep (measured
    # 2026-12-03); it is now factorised from a QR of Lc^T B, and any factorisation failure is a named error
    import warnings

    from slt import estimate_rlct_model

    res, x, y = digits
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = estimate_rlct_model(res.model, (x, y), F.mse_loss, n=500, seed=0, progress=False,
                                  temps=[1e14, 1e15, 1e16], n_sweeps=64, n_chains=2)
    assert np.isfinite(est.value) and np.all(np.isfinite(est.diagnostics.curve))


def test_a_failed_factorisation_is_a_named_error(small, monkeypatch):
    import slt._kgibbs as kg
    from slt.errors import EstimatorDivergenceError

    def broken(a):
        raise torch.linalg.LinAlgError("linalg.cholesky: not positive-definite")

    monkeypatch.setattr(kg, "_chol_of_gram", broken)
    res, x, y = small
    with pytest.raises(EstimatorDivergenceError, match="linear-algebra step failed at sweep 0") as info:
        _ladder_estimate(res, x, y, n_sweeps=16)
    assert info.value.step == 0 and info.value.partial is not None


def test_unconverged_and_degenerate_minima_raise():
    net, x, y = _small()
    off = rescale_hidden(net, 1.0)
    with torch.no_grad():
        off[2].weight.add_(0.05)
    with pytest.raises(NonDegeneracyError, match="did not converge"):
        relu_minimum(off, x, y, max_iter=1)
    # 64-2-10 on 200 digits: two points sit on their kinks with a one-sided slope of ~1e-19 (flat to first order)
    net2, (x2, y2) = digits_relu_mlp(2, n_points=200, seed=0)
    with pytest.raises(NonDegeneracyError, match="strict complementarity"):
        relu_minimum(net2, x2, y2)


@pytest.mark.parametrize("kwargs, exc, match", [
    (dict(model=torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Tanh(), torch.nn.Linear(3, 1)).double()),
     TypeError, "Linear, ReLU, Linear"),
    (dict(x=torch.zeros(30, 2)), TypeError, "float64"),
    (dict(x=torch.zeros(30, 3, dtype=F64)), ValueError, "must be"),
    (dict(y=np.zeros((30, 1))), TypeError, "2-d torch.Tensor"),
    (dict(y=torch.full((30, 1), float("nan"), dtype=F64)), ValueError, "finite"),
    (dict(max_iter=0), ValueError, "max_iter"),
    (dict(ftol=-1.0), ValueError, "ftol"),
    (dict(rtol=2.0), ValueError, "rtol"),
])
def test_bad_input(kwargs, exc, match):
    net, x, y = _small()
    args = dict(model=net, x=x, y=y)
    args.update(kwargs)
    with pytest.raises(exc, match=match):
        relu_minimum(args.pop("model"), args.pop("x"), args.pop("y"), **args)

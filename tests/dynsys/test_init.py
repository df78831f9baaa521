"""Tests of dynsys.init: Kaiming normal, the thin shell, and the exact chi moments."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from dynsys.init import init_model_, kaiming_normal, kaiming_sigma, shell_moments, thin_shell


@given(st.integers(1, 300), st.floats(0.01, 10.0))
def test_shell_moments_identities(d, sigma):
    m = shell_moments(d, sigma)
    assert m.mean_sq == pytest.approx(d * sigma ** 2)
    assert m.var_sq == pytest.approx(2 * d * sigma ** 4)
    assert m.radius == pytest.approx(math.sqrt(d) * sigma)
    # E|w|^2 = (E|w|)^2 + var|w|, and Jensen: E|w| < sqrt(E|w|^2)
    assert m.mean_norm ** 2 + m.std_norm ** 2 == pytest.approx(m.mean_sq, rel=1e-9)
    assert m.mean_norm < m.radius
    # the relative thickness does not depend on sigma
    assert m.rel_thickness == pytest.approx(shell_moments(d, 1.0).rel_thickness, rel=1e-9)


def test_shell_moments_closed_forms():
    # chi_1 mean sqrt(2/pi) (half-normal), chi_2 mean sqrt(pi/2) (Rayleigh), chi_3 mean 2 sqrt(2/pi)
    assert shell_moments(1, 1.0).mean_norm == pytest.approx(math.sqrt(2 / math.pi), rel=1e-12)
    assert shell_moments(2, 1.0).mean_norm == pytest.approx(math.sqrt(math.pi / 2), rel=1e-12)
    assert shell_moments(3, 1.0).mean_norm == pytest.approx(2 * math.sqrt(2 / math.pi), rel=1e-12)
    # large-D limit: std|w| / E|w| -> 1 / sqrt(2 D)
    for d in (10_000, 1_000_000):
        assert shell_moments(d, 1.0).rel_thickness * math.sqrt(2 * d) == pytest.approx(1.0, abs=1e-3)


def test_kaiming_moments_monte_carlo():
    """Sample mean and variance of |w|^2 over 4000 draws within 4 SE of D sigma^2 and 2 D sigma^4."""
    shape, reps = (20, 10), 4000
    d, sigma = 200, kaiming_sigma(10)
    gen = torch.Generator().manual_seed(0)
    sq = np.array([float(kaiming_normal(shape, seed=gen, dtype=torch.float64).pow(2).sum())
                   for _ in range(reps)])
    m = shell_moments(d, sigma)
    se_mean = math.sqrt(m.var_sq / reps)
    assert abs(sq.mean() - m.mean_sq) < 4 * se_mean
    # var of the sample variance of a chi^2_d (scaled): (mu4 - sigma^4 (n-3)/(n-1)) / n
    mu4 = (12 * d * (d + 4)) * sigma ** 8  # 4th central moment of sigma^2 chi^2_d
    se_var = math.sqrt((mu4 - m.var_sq ** 2 * (reps - 3) / (reps - 1)) / reps)
    assert abs(sq.var(ddof=1) - m.var_sq) < 4 * se_var
    # negative control: the note's thickness 2/sqrt(D_in) as std|w|/mean|w| is far off
    norms = np.sqrt(sq)
    assert abs(norms.std() / norms.mean() - 2 / math.sqrt(10)) > 10 * m.rel_thickness / math.sqrt(reps)


@given(st.tuples(st.integers(1, 30), st.integers(1, 30)), st.integers(0, 2 ** 31 - 1),
       st.floats(0.1, 3.0))
def test_thin_shell_norm_exact(shape, seed, gain):
    w = thin_shell(shape, gain=gain, seed=seed, dtype=torch.float64)
    radius = math.sqrt(shape[0] * shape[1]) * gain / math.sqrt(shape[1] if len(shape) > 1 else shape[0])
    assert float(w.norm()) == pytest.approx(radius, rel=1e-13)
    assert w.shape == shape


def test_thin_shell_is_uniform_on_sphere():
    """Projections of shell samples: E[u^2] = 1/D and E[u^4] = 3/(D(D+2)) on the unit sphere."""
    d, reps = 12, 20_000
    gen = torch.Generator().manual_seed(1)
    u = np.stack([thin_shell((3, 4), seed=gen, dtype=torch.float64).reshape(-1).numpy()
                  for _ in range(reps)])
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    x = u[:, 0]
    assert abs(np.mean(x ** 2) - 1 / d) < 4 * np.std(x ** 2) / math.sqrt(reps)
    assert abs(np.mean(x ** 4) - 3 / (d * (d + 2))) < 4 * np.std(x ** 4) / math.sqrt(reps)
    assert abs(np.mean(x)) < 4 * np.std(x) / math.sqrt(reps)


def test_seed_determinism():
    a = kaiming_normal((5, 5), seed=3)
    b = kaiming_normal((5, 5), seed=3)
    assert torch.equal(a, b)
    assert not torch.equal(a, kaiming_normal((5, 5), seed=4))


def _net():
    return torch.nn.Sequential(torch.nn.Conv2d(2, 3, 3), torch.nn.ReLU(), torch.nn.Flatten(),
                               torch.nn.Linear(12, 5), torch.nn.ReLU(), torch.nn.Linear(5, 2))


@pytest.mark.parametrize("scheme", ["kaiming", "shell", "torch"])
def test_init_model_every_layer(scheme):
    net = init_model_(_net(), scheme=scheme, bias="same", seed=0)
    for layer in (net[0], net[3], net[5]):
        w = layer.weight.detach().double()
        fan_in = int(np.prod(w.shape[1:]))
        if scheme == "shell":
            assert float(w.norm()) == pytest.approx(math.sqrt(w.numel() * 2 / fan_in), rel=1e-6)
        if scheme == "torch":
            assert float(w.abs().max()) <= 1 / math.sqrt(fan_in)
        assert float(layer.bias.detach().abs().sum()) > 0
    net2 = init_model_(_net(), scheme=scheme, bias="zeros", seed=0)
    assert float(net2[3].bias.detach().abs().sum()) == 0.0
    # same seed, same weights
    net3 = init_model_(_net(), scheme=scheme, bias="same", seed=0)
    assert all(torch.equal(p, q) for p, q in zip(net.parameters(), net3.parameters()))


def test_init_model_keep_bias():
    net = _net()
    before = net[3].bias.detach().clone()
    init_model_(net, bias="keep", seed=0)
    assert torch.equal(before, net[3].bias.detach())


@pytest.mark.parametrize("call, exc, msg", [
    (lambda: init_model_("net"), TypeError, "`model`"),
    (lambda: init_model_(torch.nn.ReLU()), ValueError, "no Linear or Conv"),
    (lambda: init_model_(_net(), scheme="xavier"), ValueError, "`scheme`"),
    (lambda: init_model_(_net(), bias="ones"), ValueError, "`bias`"),
    (lambda: kaiming_normal((0, 3)), ValueError, r"`shape\[0\]`"),
    (lambda: kaiming_normal(()), ValueError, "`shape`"),
    (lambda: thin_shell((2, 2), gain=-1.0), ValueError, "`gain`"),
    (lambda: shell_moments(0, 1.0), ValueError, "`d`"),
    (lambda: shell_moments(3, 0.0), ValueError, "`sigma`"),
])
def test_bad_inputs(call, exc, msg):
    with pytest.raises(exc, match=msg):
        call()

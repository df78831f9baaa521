"""Deep linear networks with data (slt.models.dln): the benchmark generator."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from slt import rlct_deep_linear
from slt.models import DLN_BUCKETS, deep_linear_network, random_deep_linear_network


def _ranks(net):
    return [int(torch.linalg.matrix_rank(m.weight.detach())) for m in net.model]


@settings(max_examples=25, deadline=None)
@given(widths=st.lists(st.integers(1, 7), min_size=2, max_size=5), data=st.data())
def test_truth_lies_on_the_minimal_rank_stratum(widths, data):
    r = data.draw(st.integers(1, min(widths)))
    net = deep_linear_network(widths, r, n=50, seed=data.draw(st.integers(0, 2**16)))
    # every layer has rank exactly r and so has the product (Aoyagi's most singular points)
    assert _ranks(net) == [r] * (len(widths) - 1)
    s = torch.linalg.svdvals(net.product)
    assert int((s > 1e-9).sum()) == r
    np.testing.assert_allclose(np.sort(s[:r].numpy())[::-1], net.singular_values, rtol=1e-10)
    assert ((net.singular_values >= 1.0) & (net.singular_values <= 2.0)).all()
    assert net.exact == rlct_deep_linear(widths, r)
    assert net.dim == sum(widths[i] * widths[i + 1] for i in range(len(widths) - 1))


def test_layers_are_balanced_and_the_teacher_is_noiseless():
    net = deep_linear_network([6, 5, 4, 6], 3, n=200, seed=1)
    sv = [torch.linalg.svdvals(m.weight.detach())[:3].numpy() for m in net.model]
    for v in sv:   # each layer carries s^(1/L)
        np.testing.assert_allclose(np.sort(v)[::-1], net.singular_values ** (1 / 3), rtol=1e-10)
    x, y = net.data
    with torch.no_grad():
        assert float(net.loss_fn(net.model(x), y)) < 1e-25
    assert net.loss_fn is torch.nn.functional.mse_loss
    assert x.shape == (200, 6) and y.shape == (200, 6) and net.n == 200
    assert float(x.abs().max()) <= 1.0          # x ~ U(-1, 1)
    torch.testing.assert_close(net.w_star, torch.cat([p.detach().reshape(-1) for p in net.model.parameters()]))


def test_noise_inputs_dtype_and_determinism():
    a = deep_linear_network([4, 3, 4], 2, n=5000, noise=0.5, inputs="normal", seed=7, dtype=torch.float32)
    b = deep_linear_network([4, 3, 4], 2, n=5000, noise=0.5, inputs="normal", seed=7, dtype=torch.float32)
    assert a.data[0].dtype == torch.float32 and a.model[0].weight.dtype == torch.float32
    torch.testing.assert_close(a.data[1], b.data[1])
    resid = a.data[1] - a.model(a.data[0]).detach()
    assert abs(float(resid.std()) - 0.5) < 0.02          # the stated noise level
    assert abs(float(a.data[0].std()) - 1.0) < 0.03       # x ~ N(0, I)
    c = deep_linear_network([4, 3, 4], 2, n=5000, noise=0.5, inputs="normal", seed=8, dtype=torch.float32)
    assert not torch.equal(a.data[0], c.data[0])


@pytest.mark.parametrize("size", sorted(DLN_BUCKETS))
def test_random_family_hits_its_bucket(size):
    target = DLN_BUCKETS[size][0]
    for seed in range(3):
        net = random_deep_linear_network(size, seed=seed, n=10)
        assert target / 2 <= net.dim <= 2 * target
        assert 1 <= net.rank <= min(net.widths)
        assert _ranks(net) == [net.rank] * (len(net.widths) - 1)


@pytest.mark.parametrize("kwargs, match", [
    (dict(widths=[3], rank=1), "at least 2 entries"),
    (dict(widths=[3, 0, 3], rank=1), "`widths` must have every entry >= 1"),
    (dict(widths=[3, 2, 3], rank=0), "`rank` must be >= 1"),
    (dict(widths=[3, 2, 3], rank=3), "`rank` must be <= 2"),
    (dict(widths=[3, 2, 3], rank=1, noise=-1.0), "`noise`"),
    (dict(widths=[3, 2, 3], rank=1, inputs="cauchy"), "`inputs` must be one of"),
    (dict(widths=[3, 2, 3], rank=1, singular_values=(2.0, 1.0)), "`singular_values` must be >= 2"),
    (dict(widths=[3, 2, 3], rank=1, singular_values=(0.0, 1.0)), "`singular_values` must be a positive"),
    (dict(widths=[3, 2, 3], rank=1, n=0), "`n` must be >= 1"),
])
def test_bad_input_is_refused_with_the_argument_named(kwargs, match):
    with pytest.raises(ValueError, match=match):
        deep_linear_network(**kwargs)


def test_bad_types_are_refused():
    with pytest.raises(TypeError, match="`widths`"):
        deep_linear_network(None, 1)
    with pytest.raises(TypeError, match="`widths` must be a sequence of integers, got float 2.5 at position 1"):
        deep_linear_network([3, 2.5, 3], 1)
    with pytest.raises(TypeError, match="`dtype`"):
        deep_linear_network([3, 2, 3], 1, dtype=torch.int64)
    with pytest.raises(ValueError, match="`size` must be one of"):
        random_deep_linear_network("1e6")

"""Walker-batched multilayer perceptrons: the model family of the Kronecker-Gibbs sampler.

A model qualifies when it is a ``torch.nn.Sequential`` of ``Linear`` layers (with or
without bias) and parameter-free elementwise activations (a leading ``Flatten`` is
allowed).  Its parameters are held per layer as an *augmented* weight
``Ŵ = [W, b]`` of shape ``(K, out, in + has_bias)`` for ``K`` walkers at once, so that
one batched matrix product evaluates every walker (``ĥ Ŵᵀ`` with ``ĥ = [h, 1]``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch

ACTIVATIONS: dict[type, Callable[[torch.Tensor], torch.Tensor]] = {
    torch.nn.ReLU: torch.relu,
    torch.nn.Tanh: torch.tanh,
    torch.nn.Sigmoid: torch.sigmoid,
    torch.nn.GELU: torch.nn.functional.gelu,
    torch.nn.SiLU: torch.nn.functional.silu,
    torch.nn.Softplus: torch.nn.functional.softplus,
    torch.nn.ELU: torch.nn.functional.elu,
    torch.nn.Identity: lambda z: z,
}


@dataclass(frozen=True)
class Layer:
    """One ``Linear`` layer and the activation that follows it (None: none)."""

    out_features: int
    in_features: int
    has_bias: bool
    activation: Callable[[torch.Tensor], torch.Tensor] | None
    names: tuple[str, ...]          # parameter names in the module: weight (and bias)
    homogeneous: bool = False       # a nonlinear activation with σ(αz) = α σ(z) for α > 0 (ReLU, LeakyReLU)

    @property
    def n_params(self) -> int:
        return self.out_features * (self.in_features + int(self.has_bias))


@dataclass(frozen=True)
class MLPSpec:
    """The layers of a qualifying ``Sequential``, and whether the input is flattened first."""

    layers: tuple[Layer, ...]
    flatten: bool

    @property
    def depth(self) -> int:
        return len(self.layers)

    def linear_after(self, l: int) -> bool:
        """True when the map from layer ``l``'s pre-activation to the output is linear (x-independent)."""
        return all(lay.activation is None for lay in self.layers[l:])


def parse_mlp(model: torch.nn.Module) -> MLPSpec | None:
    """The :class:`MLPSpec` of `model`, or None when it is not a Sequential MLP."""
    if not isinstance(model, torch.nn.Sequential):
        return None
    mods = list(model.named_children())
    flatten = False
    if mods and isinstance(mods[0][1], torch.nn.Flatten):
        flatten = True
        mods = mods[1:]
    layers: list[Layer] = []
    pending: tuple | None = None
    for name, mod in mods:
        if isinstance(mod, torch.nn.Linear):
            if pending is not None:
                layers.append(Layer(pending[0], pending[1], pending[2], None, pending[3]))
            names = (f"{name}.weight",) + ((f"{name}.bias",) if mod.bias is not None else ())
            pending = (mod.out_features, mod.in_features, mod.bias is not None, names)
        elif type(mod) in ACTIVATIONS and not any(True for _ in mod.parameters()):
            if pending is None:
                return None
            act = ACTIVATIONS[type(mod)]
            if type(mod) is torch.nn.Identity:
                continue
            if type(mod) is torch.nn.ELU and getattr(mod, "alpha", 1.0) != 1.0:
                return None
            layers.append(Layer(pending[0], pending[1], pending[2], act, pending[3],
                                homogeneous=type(mod) is torch.nn.ReLU))
            pending = None
        elif isinstance(mod, torch.nn.LeakyReLU):
            if pending is None:
                return None
            slope = float(mod.negative_slope)
            layers.append(Layer(pending[0], pending[1], pending[2],
                                lambda z, s=slope: torch.nn.functional.leaky_relu(z, s), pending[3],
                                homogeneous=True))
            pending = None
        else:
            return None
    if pending is not None:
        layers.append(Layer(pending[0], pending[1], pending[2], None, pending[3]))
    if not layers:
        return None
    for a, b in zip(layers, layers[1:]):
        if a.out_features != b.in_features:
            return None
    return MLPSpec(tuple(layers), flatten)


def augmented_params(spec: MLPSpec, model: torch.nn.Module, w: torch.Tensor,
                     bias_scale: list[float] | None = None) -> list[torch.Tensor]:
    """Split flat parameter vectors ``w`` (K, d) (model order) into augmented weights (K, out, in + b).

    With ``bias_scale`` (one ``c`` per layer) the bias column holds ``b / c`` (the input column then
    holds ``c``, see :func:`augment`), so that ``[W, b/c]`` has one scale when ``c`` is the ratio of
    the bias's scale to the weight's.
    """
    params = dict(model.named_parameters())
    order = [nm for nm, _ in model.named_parameters()]
    offsets, i = {}, 0
    for nm in order:
        offsets[nm] = (i, params[nm].numel())
        i += params[nm].numel()
    out = []
    K = w.shape[0]
    for lay in spec.layers:
        a, n = offsets[lay.names[0]]
        W = w[:, a:a + n].reshape(K, lay.out_features, lay.in_features)
        if lay.has_bias:
            a, n = offsets[lay.names[1]]
            c = 1.0 if bias_scale is None else bias_scale[len(out)]
            W = torch.cat([W, w[:, a:a + n].reshape(K, lay.out_features, 1) / c], dim=2)
        out.append(W)
    return out


def flatten_params(spec: MLPSpec, model: torch.nn.Module, aug: list[torch.Tensor],
                   bias_scale: list[float] | None = None) -> torch.Tensor:
    """Inverse of :func:`augmented_params`: flat vectors (K, d) in the model's parameter order."""
    pieces: dict[str, torch.Tensor] = {}
    K = aug[0].shape[0]
    for i, (lay, W) in enumerate(zip(spec.layers, aug)):
        pieces[lay.names[0]] = W[:, :, :lay.in_features].reshape(K, -1)
        if lay.has_bias:
            c = 1.0 if bias_scale is None else bias_scale[i]
            pieces[lay.names[1]] = W[:, :, lay.in_features].reshape(K, -1) * c
    return torch.cat([pieces[nm] for nm, _ in model.named_parameters()], dim=1)


def augment(h: torch.Tensor, has_bias: bool, c: float = 1.0) -> torch.Tensor:
    """``[h, c]`` along the last axis when the layer has a bias (``c = 1``: the usual ``[h, 1]``)."""
    if not has_bias:
        return h
    return torch.cat([h, torch.full(h.shape[:-1] + (1,), c, dtype=h.dtype, device=h.device)], dim=-1)


def layer_forward(lay: Layer, h: torch.Tensor, W: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Pre-activation ``z = ĥ Ŵᵀ`` and output ``σ(z)`` for walker-batched ``W`` (K, out, in + b).

    ``h`` is (K, n, in) or (n, in) (shared by all walkers).
    """
    hh = augment(h, lay.has_bias)
    z = torch.matmul(hh, W.transpose(-1, -2))
    return z, (z if lay.activation is None else lay.activation(z))


def forward_from(spec: MLPSpec, l: int, h: torch.Tensor, params: list[torch.Tensor]) -> list[torch.Tensor]:
    """Outputs of layers ``l, ..., L-1`` (post-activation) starting from layer ``l``'s input ``h``."""
    outs = []
    for lay, W in zip(spec.layers[l:], params[l:]):
        _, h = layer_forward(lay, h, W)
        outs.append(h)
    return outs
